package sdk_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/connkit/connkit/sdk"
)

// TestAuthorizeURLOutsideTheWhitelist: the browser opens the authorize URL
// and connkit never fetches it, so it needs no whitelist entry (providers
// such as Google and Dropbox put it on another host than their APIs); the
// code exchange still goes only to the whitelisted token API.
func TestAuthorizeURLOutsideTheWhitelist(t *testing.T) {
	p := newProvider(t, nil)
	c := connector(t, p.testServer, sdk.Options{}, codeManifest(`  authorize:
    url: https://accounts.elsewhere.example/o/oauth2/auth
    redirect_url: http://127.0.0.1:8976/callback`))
	ar, err := c.Authorize(context.Background(), appValues, sdk.AuthorizeOptions{})
	if err != nil {
		t.Fatalf("Authorize: %v (kind %s)", err, sdk.KindOf(err))
	}
	if !strings.HasPrefix(ar.URL, "https://accounts.elsewhere.example/o/oauth2/auth?") {
		t.Fatalf("authorize URL %s", ar.URL)
	}
	tok, err := c.Exchange(context.Background(), p.authorize(ar.URL))
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	if _, err := c.Connect(context.Background(), appValues, sdk.ConnectOptions{Token: tok}); err != nil {
		t.Fatalf("Connect: %v", err)
	}
}

// TestAuthorizeScopeDelimiter: auth.authorize.scope_delimiter joins the
// scopes of the authorization request (Slack's comma-separated scopes).
func TestAuthorizeScopeDelimiter(t *testing.T) {
	p := newProvider(t, nil)
	c := connector(t, p.testServer, sdk.Options{}, codeManifest(`  authorize:
    url: $URL/authorize
    scope: channels:read chat:write
    scope_delimiter: ","
    redirect_url: http://127.0.0.1:8976/callback`))
	ar, err := c.Authorize(context.Background(), appValues, sdk.AuthorizeOptions{})
	if err != nil {
		t.Fatalf("Authorize: %v (kind %s)", err, sdk.KindOf(err))
	}
	u, err := url.Parse(ar.URL)
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Query().Get("scope"); got != "channels:read,chat:write" {
		t.Errorf("scope %q, want channels:read,chat:write", got)
	}
}
