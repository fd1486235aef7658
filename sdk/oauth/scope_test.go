package oauth_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/sdk/oauth"
)

// TestBeginScopeDelimiter: the scope is joined with the provider's
// delimiter in the authorization request (Slack wants commas).
func TestBeginScopeDelimiter(t *testing.T) {
	var got []string
	for _, d := range []manifest.ScopeDelimiter{"", " ", ","} {
		cfg := config("https://login.example")
		cfg.Scope = "channels:read  chat:write users:read"
		cfg.ScopeDelimiter = d
		_, q := begin(t, oauth.NewStates(oauth.StatesOptions{}), cfg)
		got = append(got, q.Get("scope"))
	}
	want := []string{"channels:read  chat:write users:read", "channels:read  chat:write users:read", "channels:read,chat:write,users:read"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("scope sent with the delimiters \"\", \" \" and \",\" (-want +got):\n%s", diff)
	}
}
