package suggest

import "testing"

func TestDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"scope", "scope", 0}, {"scop", "scope", 1}, {"socpe", "scope", 1},
		{"feilds", "fields", 1}, {"kitten", "sitting", 3}, {"", "abc", 3}, {"abc", "", 3},
		{"ca", "abc", 3}, {"lable", "label", 1}, {"héllo", "hello", 1}, {"ünï", "uni", 2},
	} {
		if got := Distance(tc.a, tc.b); got != tc.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestNearest(t *testing.T) {
	keys := []string{"url", "scope", "scope_delimiter", "client_id", "headers"}
	for _, tc := range []struct{ in, want string }{
		{"scop", "scope"}, {"SCOPE", "scope"}, {"clientid", "client_id"}, {"hedaers", "headers"},
		{"uri", "url"}, {"zzz", ""}, {"scope", ""}, {"completely_different", ""},
	} {
		if got := Nearest(tc.in, keys); got != tc.want {
			t.Errorf("Nearest(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
