package whitelist_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/connkit/connkit/whitelist"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var ignoreAddr = cmpopts.IgnoreUnexported(whitelist.Entry{}, whitelist.Target{})

func TestParseEntryValid(t *testing.T) {
	tests := []struct {
		in        string
		canonical string
		want      whitelist.Entry
	}{
		{"https://api.acme.example/v2", "https://api.acme.example/v2/",
			whitelist.Entry{Scheme: "https", Host: "api.acme.example", Port: 443, Path: "/v2"}},
		{"HTTPS://API.Acme.Example:443/v2/", "https://api.acme.example/v2/",
			whitelist.Entry{Scheme: "https", Host: "api.acme.example", Port: 443, Path: "/v2"}},
		{"https://api.acme.example", "https://api.acme.example/",
			whitelist.Entry{Scheme: "https", Host: "api.acme.example", Port: 443, Path: "/"}},
		{"https://api.acme.example./v2", "https://api.acme.example/v2/",
			whitelist.Entry{Scheme: "https", Host: "api.acme.example", Port: 443, Path: "/v2"}},
		{"https://*.acme.example/", "https://*.acme.example/",
			whitelist.Entry{Scheme: "https", Host: "acme.example", Wildcard: true, Port: 443, Path: "/"}},
		{"https://api.acme.example:8443/x", "https://api.acme.example:8443/x/",
			whitelist.Entry{Scheme: "https", Host: "api.acme.example", Port: 8443, Path: "/x"}},
		{"https://api.acme.example:0443/", "https://api.acme.example/",
			whitelist.Entry{Scheme: "https", Host: "api.acme.example", Port: 443, Path: "/"}},
		{"http://127.0.0.1:8080/", "http://127.0.0.1:8080/",
			whitelist.Entry{Scheme: "http", Host: "127.0.0.1", Port: 8080, Path: "/"}},
		{"http://localhost:3000", "http://localhost:3000/",
			whitelist.Entry{Scheme: "http", Host: "localhost", Port: 3000, Path: "/"}},
		{"http://[::1]:8080/", "http://[::1]:8080/",
			whitelist.Entry{Scheme: "http", Host: "::1", Port: 8080, Path: "/"}},
		{"https://[2001:DB8::1]/", "https://[2001:db8::1]/",
			whitelist.Entry{Scheme: "https", Host: "2001:db8::1", Port: 443, Path: "/"}},
		{"https://[::ffff:10.0.0.1]/", "https://10.0.0.1/",
			whitelist.Entry{Scheme: "https", Host: "10.0.0.1", Port: 443, Path: "/"}},
		{"https://bücher.example/", "https://xn--bcher-kva.example/",
			whitelist.Entry{Scheme: "https", Host: "xn--bcher-kva.example", Port: 443, Path: "/"}},
		{"https://api.acme.example/v2/caf%C3%A9", "https://api.acme.example/v2/caf%C3%A9/",
			whitelist.Entry{Scheme: "https", Host: "api.acme.example", Port: 443, Path: "/v2/café"}},
		{"https://api.acme.example/a%20b/", "https://api.acme.example/a%20b/",
			whitelist.Entry{Scheme: "https", Host: "api.acme.example", Port: 443, Path: "/a b"}},
		{"https://a_b.acme.example/", "https://a_b.acme.example/",
			whitelist.Entry{Scheme: "https", Host: "a_b.acme.example", Port: 443, Path: "/"}},
		// A private public suffix is a provider's tenant domain.
		{"https://*.myshopify.com/admin/", "https://*.myshopify.com/admin/",
			whitelist.Entry{Scheme: "https", Host: "myshopify.com", Wildcard: true, Port: 443, Path: "/admin"}},
		{"https://169.254.169.254/latest/", "https://169.254.169.254/latest/",
			whitelist.Entry{Scheme: "https", Host: "169.254.169.254", Port: 443, Path: "/latest"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := whitelist.ParseEntry(tt.in)
			if err != nil {
				t.Fatalf("ParseEntry(%q): %v", tt.in, err)
			}
			tt.want.Raw = tt.in
			if diff := cmp.Diff(tt.want, got, ignoreAddr); diff != "" {
				t.Errorf("ParseEntry(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
			if s := got.String(); s != tt.canonical {
				t.Errorf("String() = %q, want %q", s, tt.canonical)
			}
		})
	}
}

func TestParseEntryInvalid(t *testing.T) {
	tests := []struct{ in, reason string }{
		{"", "the entry is empty"},
		{" https://a.example/", "remove the spaces"},
		{"https://a.example/a b", "spaces and control characters"},
		{"https://a.example/\x00", "spaces and control characters"},
		{"api.acme.example/v2", "no scheme"},
		{"https:/a.example", "no scheme"},
		{"ftp://a.example/", `scheme "ftp" is not allowed`},
		{"http://api.acme.example/", "plain http is allowed only for loopback"},
		{"http://10.0.0.1/", "plain http is allowed only for loopback"},
		{"http://*.localhost/", "plain http is allowed only for loopback"},
		{"https://user:pw@a.example/", "credentials"},
		{"https://a.example/?x=1", "cannot have a query"},
		{"https://a.example/#frag", "cannot have a query (?) or a fragment"},
		{"https://*/", "a bare * would allow every host"},
		{"https://*", "a bare * would allow every host"},
		{"https://*.*.acme.example/", "whole first label"},
		{"https://api.*.acme.example/", "whole first label"},
		{"https://*api.acme.example/", "whole first label"},
		{"https://*.com/", "public suffix"},
		{"https://*.co.uk/", "public suffix"},
		{"https://*.example/", "public suffix"},
		{"https://*.10.0.0.1/", "cannot precede an IP address"},
		{"https://a.example/v2/*", "wildcards are not allowed in the path"},
		{"https://a.example/v2/../x", "dot-segments"},
		{"https://a.example/v2/%2e%2e/x", "dot-segments"},
		{"https://a.example/v2%2Fx", "encoded slash"},
		{`https://a.example\v2`, "backslashes"},
		{"https://a.example/v2%5C", "encoded backslash"},
		{"https://a.example/v2//x", "empty segment"},
		{"https://a.example/%zz", "invalid percent-escape"},
		{"https://0x7f.1/", "not a canonical IPv4 address"},
		{"https://2130706433/", "not a canonical IPv4 address"},
		{"https://[fe80::1%25eth0]/", "zone"},
		{"https://[10.0.0.1]/", "not an IPv6 address"},
		{"https://[::1/", "no closing ]"},
		{"https://[::1]x/", "unexpected text after the IPv6 address"},
		{"https://::1/", "in brackets"},
		{"https://a.example:99999/", "larger than 65535"},
		{"https://a.example:abc/", "not a decimal number"},
		{"https://a.example:0/", "port 0"},
		{"https://0.0.0.0/", "no connection may reach"},
		{"https://224.0.0.1/", "multicast"},
		{"https://[ff02::1]/", "multicast"},
		{"https://255.255.255.255/", "broadcast"},
		{"https://a..example/", "empty label"},
		{"https://a%41.example/", "percent-encoding is not allowed in a host"},
		{"https://", "no host"},
		{"https://:443/", "no host"},
		{"https://" + strings.Repeat("a", 64) + ".example/", "longer than 63"},
		{"https://" + strings.Repeat("a.", 127) + "example/", "longer than 253"},
		{"https://a\u200d.example/", "internationalised"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := whitelist.ParseEntry(tt.in)
			var ee *whitelist.EntryError
			if !errors.As(err, &ee) {
				t.Fatalf("ParseEntry(%q) = %v, want an *EntryError", tt.in, err)
			}
			if ee.Index != -1 || ee.Entry != tt.in || !strings.Contains(ee.Reason, tt.reason) {
				t.Errorf("ParseEntry(%q) = %+v, want Index -1 and a reason with %q", tt.in, ee, tt.reason)
			}
		})
	}
}

func TestParseReportsEveryEntry(t *testing.T) {
	l, err := whitelist.Parse([]string{"https://ok.example/", "http://api.example/", "https://ok2.example/", "https://*/"})
	if l != nil {
		t.Errorf("Parse returned a list with errors")
	}
	type found struct {
		Index int
		Entry string
	}
	var got []found
	for _, ee := range whitelist.EntryErrors(err) {
		got = append(got, found{ee.Index, ee.Entry})
	}
	want := []found{{1, "http://api.example/"}, {3, "https://*/"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("EntryErrors mismatch (-want +got):\n%s", diff)
	}
	wantMsg := `whitelist entry 1 "http://api.example/": plain http is allowed only for loopback hosts (localhost, 127.0.0.0/8, [::1]); use https`
	if !strings.Contains(err.Error(), wantMsg) {
		t.Errorf("error %q does not contain %q", err, wantMsg)
	}
}

func TestParseEmptyMatchesNothing(t *testing.T) {
	l, err := whitelist.Parse(nil)
	if err != nil {
		t.Fatalf("Parse(nil): %v", err)
	}
	for _, list := range []*whitelist.List{l, nil} {
		_, err = list.Match(&url.URL{Scheme: "https", Host: "api.acme.example", Path: "/"})
		if !errors.Is(err, whitelist.ErrBlocked) {
			t.Errorf("Match on an empty list = %v, want blocked", err)
		}
		if list.Entries() != nil && len(list.Entries()) != 0 {
			t.Errorf("Entries() = %v, want none", list.Entries())
		}
	}
}

func TestEntriesIsACopy(t *testing.T) {
	l := testList(t)
	got := l.Entries()
	if len(got) != len(testEntries) {
		t.Fatalf("Entries() has %d entries, want %d", len(got), len(testEntries))
	}
	for i, e := range got {
		if e.Raw != testEntries[i] {
			t.Errorf("Entries()[%d].Raw = %q, want %q", i, e.Raw, testEntries[i])
		}
	}
	got[0].Host = "evil.example"
	if l.Entries()[0].Host != "api.acme.example" {
		t.Errorf("changing the result of Entries() changed the list")
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct {
		in   string
		want whitelist.Target
		addr string
	}{
		{"HTTPS://API.Acme.Example.:0443/v2/caf%C3%A9?q=1", whitelist.Target{Scheme: "https", Host: "api.acme.example", Port: 443, Path: "/v2/café"}, ""},
		{"https://ａｐｉ。acme．example", whitelist.Target{Scheme: "https", Host: "api.acme.example", Port: 443, Path: "/"}, ""},
		{"http://[::ffff:127.0.0.1]:8080/x", whitelist.Target{Scheme: "http", Host: "127.0.0.1", Port: 8080, Path: "/x"}, "127.0.0.1"},
		{"https://[2001:DB8::0:1]/", whitelist.Target{Scheme: "https", Host: "2001:db8::1", Port: 443, Path: "/"}, "2001:db8::1"},
		{"http://localhost/", whitelist.Target{Scheme: "http", Host: "localhost", Port: 80, Path: "/"}, ""},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := whitelist.Normalize(u)
		if err != nil {
			t.Errorf("Normalize(%q): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got, ignoreAddr); diff != "" {
			t.Errorf("Normalize(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
		a, ok := got.Addr()
		if ok != (tt.addr != "") || ok && a.String() != tt.addr {
			t.Errorf("Normalize(%q).Addr() = %v, %v; want %q", tt.in, a, ok, tt.addr)
		}
	}
}

func TestNormalizeHandBuiltURLs(t *testing.T) {
	tests := []struct {
		name string
		u    *url.URL
		rule string
	}{
		{"nil", nil, whitelist.RuleURL},
		{"percent in host", &url.URL{Scheme: "https", Host: "%61pi.acme.example", Path: "/v2"}, whitelist.RuleHost},
		{"newline in host", &url.URL{Scheme: "https", Host: "api.acme.example\n.evil", Path: "/v2"}, whitelist.RuleHost},
		{"letters as port", &url.URL{Scheme: "https", Host: "api.acme.example:https", Path: "/v2"}, whitelist.RulePort},
		{"relative path", &url.URL{Scheme: "https", Host: "api.acme.example", Path: "v2"}, whitelist.RulePath},
		{"asterisk path", &url.URL{Scheme: "https", Host: "api.acme.example", Path: "*"}, whitelist.RulePath},
		{"raw path with encoded slash", &url.URL{Scheme: "https", Host: "api.acme.example", Path: "/v2/a/b", RawPath: "/v2/a%2Fb"}, whitelist.RulePath},
		{"unbracketed ipv6", &url.URL{Scheme: "https", Host: "::1", Path: "/"}, whitelist.RuleHost},
	}
	for _, tt := range tests {
		_, err := whitelist.Normalize(tt.u)
		var be *whitelist.BlockedError
		if !errors.As(err, &be) || be.Rule != tt.rule {
			t.Errorf("%s: Normalize = %v, want rule %q", tt.name, err, tt.rule)
		}
	}
}

func TestBlockedErrorMessage(t *testing.T) {
	l := testList(t)
	u := &url.URL{Scheme: "https", Host: "evil.example\x1b[2J", Path: "/"}
	_, err := l.Match(u)
	want := `blocked: request to "evil.example\x1b[2J": invalid character '\x1b' in the host; a host name has letters, digits, '-', '_' and '.' only [host]`
	if err == nil || err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
	u, _ = url.Parse("https://bob:hunter2@evil.example/p?api_key=s3cr3t#frag")
	u.User = nil
	_, err = l.Match(u)
	want = "blocked: request to evil.example: the host is not in the whitelist; if the connector needs it, add an entry such as https://evil.example/ to the manifest's whitelist [not-whitelisted]"
	if err == nil || err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
}

func TestCovers(t *testing.T) {
	l := testList(t)
	tests := []struct {
		prefix string
		entry  string
		rule   string
	}{
		{"https://api.acme.example/v2/", eAPI, ""},
		{"https://api.acme.example/v2/users?limit=", eAPI, ""},
		{"https://api.acme.example/v2?x=", eAPI, ""},
		{"https://api.acme.example/v2", "", whitelist.RulePath},
		{"https://api.acme.example", "", whitelist.RulePath},
		{"https://login.acme.example/oauth/token", eLogin, ""},
		{"https://login.acme.example/oauth", "", whitelist.RulePath},
		{"https://*.zendesk.com/api/v2/", eZen, ""},
		{"https://*.eu.zendesk.com/api/v2/", eZen, ""},
		{"https://*.zendesk.com/api/", "", whitelist.RulePath},
		{"https://*.acme.example/v2/", eWild, ""},
		{"https://*.login.acme.example/oauth/", "", whitelist.RulePath},
		{"https://*.example.org/", "", whitelist.RuleNotListed},
		{"https://*.com/x", "", whitelist.RuleNotListed},
		{"https://bücher.example", eIDN, ""},
		{"http://127.0.0.1:8080/", eLoop, ""},
		{"https://uploads.acme.example:8443/files/", eUploads, ""},
		{"https://uploads.acme.example:9443/files/", "", whitelist.RulePort},
		{"http://api.acme.example/v2/", "", whitelist.RuleScheme},
		{"https://*/", "", whitelist.RuleHost},
		{"api.acme.example/v2/", "", whitelist.RuleScheme},
		{"https://bob:hunter2@api.acme.example/v2/", "", whitelist.RuleUserinfo},
	}
	for _, tt := range tests {
		e, err := l.Covers(tt.prefix)
		if got := ruleOf(err); got != tt.rule || e.Raw != tt.entry {
			t.Errorf("Covers(%q) = %q, %v; want entry %q, rule %q", tt.prefix, e.Raw, err, tt.entry, tt.rule)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Covers(%q) error %q repeats the password", tt.prefix, err)
		}
	}
}

func TestCoversSuggestsWildcardEntry(t *testing.T) {
	_, err := testList(t).Covers("https://*.example.org/api/")
	if want := "add an entry such as https://*.example.org/"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Covers error %v does not contain %q", err, want)
	}
}

func TestMatchPattern(t *testing.T) {
	l := testList(t)
	tests := []struct {
		scheme, host, path string
		entry              string
		rule               string
	}{
		{"https", "*.zendesk.com", "/api/v2/users/me", eZen, ""},
		{"https", "*.zendesk.com", "/api/v2", eZen, ""},
		{"https", "*.zendesk.com", "/api/v2x", "", whitelist.RulePath},
		{"https", "*.zendesk.com", "/api/v1", "", whitelist.RulePath},
		{"https", "api.zendesk.com", "/api/v2", eZen, ""},
		{"https", "zendesk.com", "/api/v2", "", whitelist.RuleNotListed},
		{"https", "*.acme.example:8443", "/v2", "", whitelist.RulePort},
		{"https", "uploads.acme.example:8443", "/files/x?y=1", eUploads, ""},
		{"https", "evil.com/x", "", "", whitelist.RuleHost},
		{"https", "u@api.acme.example", "/v2", "", whitelist.RuleHost},
		{"https", "", "/v2", "", whitelist.RuleHost},
		{"https", "api.acme.example", "v2", "", whitelist.RulePath},
		{"http", "api.acme.example", "/v2", "", whitelist.RuleScheme},
	}
	for _, tt := range tests {
		e, err := l.MatchPattern(tt.scheme, tt.host, tt.path)
		if got := ruleOf(err); got != tt.rule || e.Raw != tt.entry {
			t.Errorf("MatchPattern(%q, %q, %q) = %q, %v; want entry %q, rule %q", tt.scheme, tt.host, tt.path, e.Raw, err, tt.entry, tt.rule)
		}
	}
}

// ruleOf returns the rule of a *BlockedError, "" for nil and "other" for
// any other error.
func ruleOf(err error) string {
	var be *whitelist.BlockedError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &be):
		return be.Rule
	}
	return "other"
}
