package interop

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/sdk"
	"github.com/connkit/connkit/sdk/oauth"
	"github.com/connkit/connkit/sdk/secret"
	"github.com/connkit/connkit/sdk/tokens"
)

// webApp are the values of the CI server's authorization-code client.
var webApp = sdk.Values{"client_id": "web-app", "client_secret": "web-app-secret"}

// codeRedirect is the redirect URL registered for web-app (any loopback
// port is accepted).
const codeRedirect = "http://127.0.0.1:8976/callback"

// clock is a settable clock for a registry, starting now: moving it forward
// makes connkit treat its tokens as expired while the server still accepts
// them.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func codeConnector(t *testing.T, src string, opts sdk.Options) *sdk.Connector {
	t.Helper()
	f, err := manifest.Parse("code.yaml", []byte(src))
	if err != nil {
		t.Fatalf("manifest: %v", err)
	}
	c, err := sdk.NewRegistry(opts).Add(f)
	if err != nil {
		t.Fatalf("register: %v", err)
	}
	return c
}

// authorize runs the whole browser step as user login and returns the
// token.
func authorize(ctx context.Context, t *testing.T, c *sdk.Connector, login string) *tokens.Token {
	t.Helper()
	ar, err := c.Authorize(ctx, webApp, sdk.AuthorizeOptions{})
	if err != nil {
		t.Fatalf("Authorize: %v (hint %s)", err, sdk.HintOf(err))
	}
	cb, err := NewBrowser(login).Authorize(ctx, ar.URL, ar.RedirectURL)
	if err != nil {
		t.Fatalf("login and consent: %v", err)
	}
	tok, err := c.Exchange(ctx, cb.Query())
	if err != nil {
		t.Fatalf("Exchange: %v (hint %s)", err, sdk.HintOf(err))
	}
	return tok
}

// apiMe calls the protected resource with an access token, outside connkit.
func apiMe(ctx context.Context, t *testing.T, iss string, access secret.Value) int {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, iss+"/api/me", nil)
	req.Header.Set("Authorization", "Bearer "+access.Reveal())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET /api/me: %v", err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

// refreshDirectly presents a refresh token to the server, outside connkit,
// and returns the error code of the answer ("" for success).
func refreshDirectly(ctx context.Context, t *testing.T, iss string, rt secret.Value) string {
	t.Helper()
	_, err := (&tokens.Client{HTTP: http.DefaultClient}).Fetch(ctx, &tokens.Request{URL: iss + "/token", ClientID: "web-app",
		ClientSecret: secret.New("web-app-secret"), GrantType: "refresh_token", Retry: tokens.NoRetry,
		Params: tokens.Params{{Name: "refresh_token", Value: rt}}}, tokens.Mapping{})
	var te *tokens.Error
	if errors.As(err, &te) {
		return te.Code
	}
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	return ""
}

func TestAuthorizationCodePKCE(t *testing.T) {
	iss := Issuer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := codeConnector(t, AuthorizationCodeManifest(iss, false), sdk.Options{})
	ar, err := c.Authorize(ctx, webApp, sdk.AuthorizeOptions{})
	if err != nil {
		t.Fatalf("Authorize: %v", err)
	}
	u, _ := url.Parse(ar.URL)
	if q := u.Query(); q.Get("code_challenge_method") != "S256" || q.Get("redirect_uri") != codeRedirect || q.Get("prompt") != "consent" {
		t.Errorf("authorize URL %s", ar.URL)
	}
	cb, err := NewBrowser("alice").Authorize(ctx, ar.URL, codeRedirect)
	if err != nil {
		t.Fatalf("login and consent: %v", err)
	}
	if cb.Query().Get("iss") != iss {
		t.Errorf("callback %s has no iss (RFC 9207)", cb.Redacted())
	}
	tok, err := c.Exchange(ctx, cb.Query())
	if err != nil {
		t.Fatalf("Exchange: %v (hint %s)", err, sdk.HintOf(err))
	}
	if tok.RefreshToken.IsZero() || tok.Scope != "crm.read" {
		t.Errorf("token %+v", tok)
	}
	// The code is single use: the same callback is refused before reaching
	// the server.
	var se *oauth.StateError
	if _, err := c.Exchange(ctx, cb.Query()); !errors.As(err, &se) {
		t.Errorf("replayed callback: %v", err)
	}
	conn, err := c.Connect(ctx, webApp, sdk.ConnectOptions{Token: tok})
	if err != nil {
		t.Fatalf("Connect: %v (hint %s)", err, sdk.HintOf(err))
	}
	if conn.Identity() != "alice" || conn.Label() != "User alice" || conn.Status() != sdk.StatusAuthorized {
		t.Errorf("identity %q label %q status %s", conn.Identity(), conn.Label(), conn.Status())
	}
}

func TestAuthorizationCodeDenied(t *testing.T) {
	iss := Issuer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := codeConnector(t, AuthorizationCodeManifest(iss, false), sdk.Options{})
	ar, err := c.Authorize(ctx, webApp, sdk.AuthorizeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b := NewBrowser("bob")
	b.Deny = true
	cb, err := b.Authorize(ctx, ar.URL, codeRedirect)
	if err != nil {
		t.Fatalf("refusal: %v", err)
	}
	_, err = c.Exchange(ctx, cb.Query())
	var ce *oauth.CallbackError
	if !errors.As(err, &ce) || ce.Code != tokens.CodeAccessDenied || sdk.KindOf(err) != sdk.KindAuth || !strings.Contains(sdk.HintOf(err), "approve") {
		t.Fatalf("Exchange after refusal: %v (kind %s, hint %q)", err, sdk.KindOf(err), sdk.HintOf(err))
	}
}

func TestRefreshRotation(t *testing.T) {
	iss := Issuer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	clk := &clock{now: time.Now()}
	c := codeConnector(t, AuthorizationCodeManifest(iss, false), sdk.Options{Now: clk.Now})
	first := authorize(ctx, t, c, "carol")
	conn, err := c.Connect(ctx, webApp, sdk.ConnectOptions{Token: first})
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	seen := []secret.Value{first.RefreshToken}
	for range 2 {
		clk.Advance(time.Hour) // the access token is due: Do refreshes it
		resp, err := conn.Do(ctx, &sdk.Request{Path: "/me"})
		if err != nil || resp.Status != 200 {
			t.Fatalf("Do after expiry: %v %+v", err, resp)
		}
		rt := conn.Token().RefreshToken
		for _, old := range seen {
			if rt.Equal(old) {
				t.Fatalf("the refresh token was not rotated")
			}
		}
		seen = append(seen, rt)
	}
	// The second refresh succeeded, so connkit presented the rotated token:
	// presenting a used one would have revoked the grant. The server refuses
	// the first one now, and that reuse revokes the whole grant.
	if code := refreshDirectly(ctx, t, iss, first.RefreshToken); code != tokens.CodeInvalidGrant {
		t.Fatalf("the server accepted the replaced refresh token (answer %q)", code)
	}
	// The revoked grant shows on the connection: the API refuses the access
	// token, the renewal gets invalid_grant, and the connection needs to be
	// authorized again instead of failing silently.
	resp, err := conn.Do(ctx, &sdk.Request{Path: "/me"})
	if err != nil || resp.Status != http.StatusUnauthorized {
		t.Fatalf("Do after the grant was revoked: %v %+v", err, resp)
	}
	if conn.Status() != sdk.StatusNeedsReauthorization {
		t.Errorf("Status = %s, want %s", conn.Status(), sdk.StatusNeedsReauthorization)
	}
	if _, err := conn.Do(ctx, &sdk.Request{Path: "/me"}); sdk.KindOf(err) != sdk.KindReauthorize {
		t.Errorf("Do on a connection that needs re-authorization: %v (kind %s)", err, sdk.KindOf(err))
	}
}

func TestRevoke(t *testing.T) {
	iss := Issuer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := codeConnector(t, AuthorizationCodeManifest(iss, false), sdk.Options{})
	tok := authorize(ctx, t, c, "dave")
	conn, err := c.Connect(ctx, webApp, sdk.ConnectOptions{Token: tok})
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	if apiMe(ctx, t, iss, tok.AccessToken) != 200 {
		t.Fatal("the access token does not work before Revoke")
	}
	if err := conn.Revoke(ctx); err != nil {
		t.Fatalf("Revoke: %v (hint %s)", err, sdk.HintOf(err))
	}
	if got := apiMe(ctx, t, iss, tok.AccessToken); got != http.StatusUnauthorized {
		t.Errorf("/api/me with the revoked access token answered %d, want 401", got)
	}
	if code := refreshDirectly(ctx, t, iss, tok.RefreshToken); code != tokens.CodeInvalidGrant {
		t.Errorf("the revoked refresh token still works (answer %q)", code)
	}
	if conn.Status() != sdk.StatusRevoked || conn.Token() != nil {
		t.Errorf("status %s, token kept: %v", conn.Status(), conn.Token() != nil)
	}
}

func TestDiscovery(t *testing.T) {
	iss := Issuer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := codeConnector(t, AuthorizationCodeManifest(iss, true), sdk.Options{})
	ar, err := c.Authorize(ctx, webApp, sdk.AuthorizeOptions{})
	if err != nil {
		t.Fatalf("Authorize: %v (hint %s)", err, sdk.HintOf(err))
	}
	if !strings.HasPrefix(ar.URL, iss+"/auth?") {
		t.Fatalf("authorize URL %s is not the discovered authorization_endpoint", ar.URL)
	}
	cb, err := NewBrowser("erin").Authorize(ctx, ar.URL, codeRedirect)
	if err != nil {
		t.Fatal(err)
	}
	// The metadata announces iss: a callback without it is refused.
	noIss := cb.Query()
	noIss.Del("iss")
	var ie *oauth.IssuerError
	if _, err := c.Exchange(ctx, noIss); !errors.As(err, &ie) {
		t.Fatalf("callback without iss: %v, want an IssuerError", err)
	}
	tok := authorize(ctx, t, c, "erin")
	conn, err := c.Connect(ctx, webApp, sdk.ConnectOptions{Token: tok})
	if err != nil {
		t.Fatalf("Connect: %v (hint %s)", err, sdk.HintOf(err))
	}
	if conn.Identity() != "erin" {
		t.Errorf("identity %q", conn.Identity())
	}
	if err := conn.Revoke(ctx); err != nil {
		t.Fatalf("Revoke at the discovered endpoint: %v", err)
	}
	if got := apiMe(ctx, t, iss, tok.AccessToken); got != http.StatusUnauthorized {
		t.Errorf("/api/me after Revoke answered %d, want 401", got)
	}
}
