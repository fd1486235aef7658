package sdk_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/connkit/connkit/sdk"
	"github.com/connkit/connkit/sdk/oauth"
	"github.com/connkit/connkit/sdk/secret"
	"github.com/connkit/connkit/sdk/tokens"
)

// provider is an authorization server with an API: codes bound to their
// redirect URL and PKCE challenge, refresh tokens rotated on every use with
// reuse detection (a used refresh token revokes the whole grant), RFC 7009
// revocation and a protected /api/me.
type provider struct {
	*testServer
	t         *testing.T
	expiresIn int
	// refuseRefresh answers every refresh with invalid_grant.
	refuseRefresh bool
	mu            sync.Mutex
	n             int
	codes         map[string]codeGrant
	access        map[string]bool
	refresh       map[string]bool // refresh token -> still usable
	refreshSent   []string
	revokes       []url.Values
	// iss is the iss callback parameter authorize adds, if any.
	iss string
}

type codeGrant struct {
	redirect, challenge string
}

func newProvider(t *testing.T, metadata func(base string) string) *provider {
	p := &provider{t: t, expiresIn: 3600, codes: map[string]codeGrant{}, access: map[string]bool{}, refresh: map[string]bool{}}
	routes := map[string]http.HandlerFunc{
		"POST /token":  p.token,
		"POST /revoke": p.revoke,
		"GET /api/me":  p.me,
	}
	if metadata != nil {
		routes["GET /.well-known/oauth-authorization-server"] = func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, metadata(p.URL))
		}
	}
	p.testServer = newServer(t, routes)
	return p
}

// authorize plays the browser and the authorization endpoint: the user
// approves, and the callback's query comes back.
func (p *provider) authorize(authorizeURL string) url.Values {
	p.t.Helper()
	u, err := url.Parse(authorizeURL)
	if err != nil {
		p.t.Fatal(err)
	}
	q := u.Query()
	if q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" || q.Get("client_id") != "app-1" {
		p.t.Fatalf("authorization request %v", q)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	code := fmt.Sprintf("code-%d", p.n)
	p.codes[code] = codeGrant{q.Get("redirect_uri"), q.Get("code_challenge")}
	cb := url.Values{"code": {code}, "state": {q.Get("state")}}
	if p.iss != "" {
		cb.Set("iss", p.iss)
	}
	return cb
}

// issue mints a token pair. The caller holds p.mu.
func (p *provider) issue(w http.ResponseWriter) {
	p.n++
	at, rt := fmt.Sprintf("at-%d", p.n), fmt.Sprintf("rt-%d", p.n)
	p.access[at], p.refresh[rt] = true, true
	writeJSON(w, 200, map[string]any{"access_token": at, "refresh_token": rt, "token_type": "Bearer", "expires_in": p.expiresIn})
}

func (p *provider) token(w http.ResponseWriter, r *http.Request) {
	if id, sec, ok := r.BasicAuth(); !ok || id != "app-1" || sec != "app-secret" {
		writeJSON(w, 401, map[string]any{"error": "invalid_client"})
		return
	}
	_ = r.ParseForm()
	f := r.PostForm
	p.mu.Lock()
	defer p.mu.Unlock()
	switch f.Get("grant_type") {
	case "authorization_code":
		g, ok := p.codes[f.Get("code")]
		delete(p.codes, f.Get("code"))
		sum := sha256.Sum256([]byte(f.Get("code_verifier")))
		switch {
		case !ok:
			writeJSON(w, 400, map[string]any{"error": "invalid_grant"})
		case f.Get("redirect_uri") != g.redirect:
			writeJSON(w, 400, map[string]any{"error": "redirect_uri_mismatch"})
		case base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge || oauth.CheckVerifier(f.Get("code_verifier")) != nil:
			writeJSON(w, 400, map[string]any{"error": "invalid_grant", "error_description": "PKCE"})
		default:
			p.issue(w)
		}
	case "refresh_token":
		rt := f.Get("refresh_token")
		p.refreshSent = append(p.refreshSent, rt)
		live, known := p.refresh[rt]
		switch {
		case p.refuseRefresh || !known:
			writeJSON(w, 400, map[string]any{"error": "invalid_grant"})
		case !live:
			// Reuse detection: the whole grant is revoked.
			p.access, p.refresh = map[string]bool{}, map[string]bool{}
			writeJSON(w, 400, map[string]any{"error": "invalid_grant", "error_description": "refresh token reused"})
		default:
			p.refresh[rt] = false
			p.issue(w)
		}
	default:
		writeJSON(w, 400, map[string]any{"error": "unsupported_grant_type"})
	}
}

func (p *provider) revoke(w http.ResponseWriter, r *http.Request) {
	if id, sec, ok := r.BasicAuth(); !ok || id != "app-1" || sec != "app-secret" {
		writeJSON(w, 401, map[string]any{"error": "invalid_client"})
		return
	}
	_ = r.ParseForm()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.revokes = append(p.revokes, r.PostForm)
	delete(p.access, r.PostForm.Get("token"))
	delete(p.refresh, r.PostForm.Get("token"))
	w.WriteHeader(200) // also for unknown tokens (RFC 7009 section 2.2)
}

func (p *provider) me(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	ok := p.access[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	p.mu.Unlock()
	if !ok {
		writeJSON(w, 401, map[string]any{"error": "invalid_token"})
		return
	}
	writeJSON(w, 200, map[string]any{"id": "user-7", "name": "Ada"})
}

func (p *provider) sentRefreshTokens() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.refreshSent...)
}

// codeManifest is an authorization-code connector for the provider; extra
// lines go under auth.
func codeManifest(extraAuth string) string {
	return `connkit: v1
id: acme-code
name: Acme
fields:
  - {key: client_id, label: Client ID, type: string, required: true}
  - {key: client_secret, label: Client Secret, type: secret, required: true}
base_url: $URL/api
auth:
  type: oauth2_authorization_code
` + extraAuth + `
  token:
    url: $URL/token
    client_id: "{{ fields.client_id }}"
    client_secret: "{{ fields.client_secret }}"
  revoke: {url: $URL/revoke}
whitelist: ["$URL/"]
test:
  request: {path: /me}
  expect: {status: [200], present: [id]}
label: "{{ response.name }}"
identity: "{{ response.id }}"
`
}

const authorizeSection = `  authorize:
    url: $URL/authorize
    scope: read offline
    params: {access_type: offline, prompt: consent}
    redirect_url: http://127.0.0.1:8976/callback`

var appValues = sdk.Values{"client_id": "app-1", "client_secret": "app-secret"}

// authorized runs Authorize, the user's approval and Exchange, and connects
// with the token.
func authorized(t *testing.T, p *provider, c *sdk.Connector) *sdk.Connection {
	t.Helper()
	ctx := context.Background()
	ar, err := c.Authorize(ctx, appValues, sdk.AuthorizeOptions{})
	if err != nil {
		t.Fatalf("Authorize: %v (hint %s)", err, sdk.HintOf(err))
	}
	tok, err := c.Exchange(ctx, p.authorize(ar.URL))
	if err != nil {
		t.Fatalf("Exchange: %v (hint %s)", err, sdk.HintOf(err))
	}
	conn, err := c.Connect(ctx, appValues, sdk.ConnectOptions{Token: tok})
	if err != nil {
		t.Fatalf("Connect: %v (hint %s)", err, sdk.HintOf(err))
	}
	return conn
}

func TestAuthorizeAndExchange(t *testing.T) {
	p := newProvider(t, nil)
	c := connector(t, p.testServer, sdk.Options{}, codeManifest(authorizeSection))
	ar, err := c.Authorize(context.Background(), appValues, sdk.AuthorizeOptions{})
	if err != nil {
		t.Fatalf("Authorize: %v", err)
	}
	u, _ := url.Parse(ar.URL)
	q := u.Query()
	want := url.Values{"response_type": {"code"}, "client_id": {"app-1"}, "redirect_uri": {"http://127.0.0.1:8976/callback"},
		"scope": {"read offline"}, "access_type": {"offline"}, "prompt": {"consent"}, "code_challenge_method": {"S256"},
		"state": q["state"], "code_challenge": q["code_challenge"]}
	if diff := cmp.Diff(want, q); diff != "" || u.Path != "/authorize" {
		t.Errorf("authorize URL %s (-want +got):\n%s", u.Path, diff)
	}
	cb := p.authorize(ar.URL)
	tok, err := c.Exchange(context.Background(), cb)
	if err != nil {
		t.Fatalf("Exchange: %v (hint %s)", err, sdk.HintOf(err))
	}
	if tok.AccessToken.Reveal() != "at-2" || tok.RefreshToken.Reveal() != "rt-2" || tok.Scope != "read offline" {
		t.Errorf("token = %+v", tok)
	}
	// The same callback again is a replay: refused before any request.
	before := p.count("/token")
	_, err = c.Exchange(context.Background(), cb)
	var se *oauth.StateError
	if !errors.As(err, &se) || se.Problem != oauth.StateReplayed || sdk.KindOf(err) != sdk.KindAuth || sdk.HintOf(err) == "" {
		t.Errorf("replayed callback: %v (kind %s)", err, sdk.KindOf(err))
	}
	if p.count("/token") != before {
		t.Errorf("a replayed callback reached the token endpoint")
	}
	conn, err := c.Connect(context.Background(), appValues, sdk.ConnectOptions{Token: tok})
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	if conn.Label() != "Ada" || conn.Identity() != "user-7" || conn.Status() != sdk.StatusAuthorized {
		t.Errorf("connection %q %q %s", conn.Label(), conn.Identity(), conn.Status())
	}
}

func TestAuthorizeRedirectOverride(t *testing.T) {
	p := newProvider(t, nil)
	c := connector(t, p.testServer, sdk.Options{}, codeManifest(authorizeSection))
	const redirect = "http://127.0.0.1:40123/callback"
	ar, err := c.Authorize(context.Background(), appValues, sdk.AuthorizeOptions{RedirectURL: redirect})
	if err != nil {
		t.Fatal(err)
	}
	if ar.RedirectURL != redirect {
		t.Errorf("RedirectURL = %s", ar.RedirectURL)
	}
	if _, err := c.Exchange(context.Background(), p.authorize(ar.URL)); err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	if got := p.last(t, "/token").Body; !strings.Contains(got, "redirect_uri="+url.QueryEscape(redirect)) {
		t.Errorf("exchange body %s lacks the redirect URL sent", got)
	}
}

func TestAuthorizeErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		auth   string
		values sdk.Values
		kind   sdk.Kind
		says   string
	}{
		{"missing field", authorizeSection, sdk.Values{"client_id": "app-1"}, sdk.KindInvalidValues, "client_secret"},
		{"no redirect URL", "  authorize:\n    url: $URL/authorize", appValues, sdk.KindConfig, "redirect URL"},
		{"no authorize URL", "  authorize:\n    redirect_url: http://127.0.0.1:1/cb", appValues, sdk.KindConfig, "authorize URL"},
		{"authorize URL over http", "  authorize:\n    url: http://login.elsewhere.example/authorize\n    redirect_url: http://127.0.0.1:1/cb", appValues, sdk.KindBlocked, "authorize URL"},
		{"implicit grant", authorizeSection + "\n    response_type: token", appValues, sdk.KindConfig, "response_type"},
		{"reserved param", "  authorize:\n    url: $URL/authorize\n    redirect_url: http://127.0.0.1:1/cb\n    params: {state: fixed}", appValues, sdk.KindConfig, "state"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newProvider(t, nil)
			c := connector(t, p.testServer, sdk.Options{}, codeManifest(tc.auth))
			_, err := c.Authorize(context.Background(), tc.values, sdk.AuthorizeOptions{})
			if sdk.KindOf(err) != tc.kind || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("Authorize error = %v (kind %s), want %s about %q", err, sdk.KindOf(err), tc.kind, tc.says)
			}
		})
	}
	t.Run("not an authorization-code connector", func(t *testing.T) {
		p := newProvider(t, nil)
		c := connector(t, p.testServer, sdk.Options{}, ccManifest(""))
		if _, err := c.Authorize(context.Background(), sdk.Values{}, sdk.AuthorizeOptions{}); sdk.KindOf(err) != sdk.KindConfig {
			t.Fatalf("Authorize on client credentials: %v", err)
		}
	})
}

func TestExchangeErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		edit   func(q url.Values)
		answer http.HandlerFunc
		kind   sdk.Kind
		says   string
		hint   string
	}{
		{"access denied", func(q url.Values) { q.Del("code"); q.Set("error", "access_denied") }, nil, sdk.KindAuth, "access_denied", "approve"},
		{"wrong state", func(q url.Values) { q.Set("state", "forged") }, nil, sdk.KindAuth, "state", "again"},
		{"no state", func(q url.Values) { q.Del("state") }, nil, sdk.KindAuth, "state", "again"},
		{"redirect refused", nil, jsonReply(400, map[string]any{"error": "redirect_uri_mismatch"}), sdk.KindAuth,
			"http://127.0.0.1:8976/callback", "register exactly"},
		{"token endpoint down", nil, jsonReply(503, map[string]any{"error": "temporarily_unavailable"}), sdk.KindAuth, "503", "later"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newProvider(t, nil)
			if tc.answer != nil {
				p.routes["POST /token"] = tc.answer
			}
			c := connector(t, p.testServer, sdk.Options{}, codeManifest(authorizeSection))
			ar, err := c.Authorize(context.Background(), appValues, sdk.AuthorizeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			cb := p.authorize(ar.URL)
			if tc.edit != nil {
				tc.edit(cb)
			}
			_, err = c.Exchange(context.Background(), cb)
			if sdk.KindOf(err) != tc.kind || !strings.Contains(err.Error(), tc.says) || !strings.Contains(sdk.HintOf(err), tc.hint) {
				t.Fatalf("Exchange error = %v (kind %s, hint %q), want %s about %q, hint about %q", err, sdk.KindOf(err), sdk.HintOf(err), tc.kind, tc.says, tc.hint)
			}
			if n := p.count("/token"); n > 1 {
				t.Errorf("the code was sent %d times", n)
			}
			if strings.Contains(fmt.Sprintf("%v %+v", err, err), "app-secret") {
				t.Errorf("the client secret leaked: %v", err)
			}
		})
	}
}

// issuerManifest names only the issuer; the metadata gives the endpoints.
const issuerAuth = `  issuer: $URL
  authorize:
    redirect_url: http://127.0.0.1:8976/callback`

func metadataDoc(tokenURL string) func(string) string {
	return func(base string) string {
		if tokenURL == "" {
			tokenURL = base + "/token"
		}
		return sprintf(`{"issuer":%q,"authorization_endpoint":"%s/authorize","token_endpoint":%q,"revocation_endpoint":"%s/revoke",
			"code_challenge_methods_supported":["S256"],"authorization_response_iss_parameter_supported":true}`, base, base, tokenURL, base)
	}
}

func issuerManifest() string {
	m := codeManifest(issuerAuth)
	m = strings.Replace(m, "    url: $URL/token\n", "", 1)
	return strings.Replace(m, "  revoke: {url: $URL/revoke}", "  revoke: {}", 1)
}

func TestDiscoveryFillsEndpoints(t *testing.T) {
	p := newProvider(t, metadataDoc(""))
	c := connector(t, p.testServer, sdk.Options{}, issuerManifest())
	ctx := context.Background()

	// The metadata announces iss: a callback without it is refused.
	ar, err := c.Authorize(ctx, appValues, sdk.AuthorizeOptions{})
	if err != nil {
		t.Fatalf("Authorize: %v (hint %s)", err, sdk.HintOf(err))
	}
	if !strings.HasPrefix(ar.URL, p.URL+"/authorize?") {
		t.Errorf("authorize URL %s is not the discovered one", ar.URL)
	}
	var ie *oauth.IssuerError
	if _, err := c.Exchange(ctx, p.authorize(ar.URL)); !errors.As(err, &ie) {
		t.Fatalf("callback without iss: %v, want an IssuerError", err)
	}
	p.iss = "https://evil.example"
	ar, _ = c.Authorize(ctx, appValues, sdk.AuthorizeOptions{})
	if _, err := c.Exchange(ctx, p.authorize(ar.URL)); !errors.As(err, &ie) {
		t.Fatalf("callback from another issuer: %v, want an IssuerError", err)
	}

	p.iss = p.URL
	conn := authorized(t, p, c)
	if err := conn.Revoke(ctx); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	if p.count("/revoke") != 2 {
		t.Errorf("%d requests to the discovered revocation endpoint, want 2", p.count("/revoke"))
	}
	if n := p.count("/.well-known/oauth-authorization-server"); n != 1 {
		t.Errorf("metadata fetched %d times, want 1 (cached)", n)
	}
}

func TestDiscoveryEndpointOutsideWhitelist(t *testing.T) {
	p := newProvider(t, metadataDoc("https://tokens.elsewhere.example/token"))
	c := connector(t, p.testServer, sdk.Options{}, issuerManifest())
	_, err := c.Authorize(context.Background(), appValues, sdk.AuthorizeOptions{})
	if sdk.KindOf(err) != sdk.KindBlocked || !strings.Contains(err.Error(), "token_endpoint") {
		t.Fatalf("Authorize error = %v (kind %s), want blocked token_endpoint", err, sdk.KindOf(err))
	}
	if p.count("/token") != 0 {
		t.Errorf("a request was sent")
	}
}

func TestDiscoveryIssuerMismatch(t *testing.T) {
	p := newProvider(t, func(base string) string { return `{"issuer":"https://impostor.example"}` })
	c := connector(t, p.testServer, sdk.Options{}, issuerManifest())
	_, err := c.Authorize(context.Background(), appValues, sdk.AuthorizeOptions{})
	var me *oauth.IssuerMismatchError
	if !errors.As(err, &me) || !strings.Contains(sdk.HintOf(err), "auth.issuer") {
		t.Fatalf("Authorize error = %v (hint %q), want an IssuerMismatchError", err, sdk.HintOf(err))
	}
}

// seeded connects with a token that expires in an hour on clk.
func seeded(t *testing.T, p *provider, clk *clock) *sdk.Connection {
	t.Helper()
	c := connector(t, p.testServer, sdk.Options{Now: clk.Now}, codeManifest(authorizeSection))
	p.mu.Lock()
	p.access["at-0"], p.refresh["rt-0"] = true, true
	p.mu.Unlock()
	tok := &tokens.Token{AccessToken: secret.New("at-0"), RefreshToken: secret.New("rt-0"), TokenType: "Bearer",
		IssuedAt: clk.Now(), Expiry: clk.Now().Add(time.Hour)}
	conn, err := c.Connect(context.Background(), appValues, sdk.ConnectOptions{Token: tok})
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	return conn
}

func TestRefreshRotation(t *testing.T) {
	p := newProvider(t, nil)
	clk := newClock()
	conn := seeded(t, p, clk)
	for range 3 {
		clk.Advance(time.Hour)
		if resp := do(t, conn, &sdk.Request{Path: "/me"}); resp.Status != 200 {
			t.Fatalf("Do after expiry: %d %s", resp.Status, resp.Body)
		}
	}
	// Each refresh presents the newest refresh token, never an old one
	// (the provider would have revoked the grant).
	if diff := cmp.Diff([]string{"rt-0", "rt-1", "rt-2"}, p.sentRefreshTokens()); diff != "" {
		t.Errorf("refresh tokens sent (-want +got):\n%s", diff)
	}
	if got := conn.Token().RefreshToken.Reveal(); got != "rt-3" {
		t.Errorf("current refresh token %s, want the rotated rt-3", got)
	}
}

func TestRefreshInvalidGrantNeedsReauthorization(t *testing.T) {
	p := newProvider(t, nil)
	p.refuseRefresh = true
	clk := newClock()
	conn := seeded(t, p, clk)
	clk.Advance(time.Hour)
	_, err := conn.Do(context.Background(), &sdk.Request{Path: "/me"})
	var te *tokens.Error
	if sdk.KindOf(err) != sdk.KindReauthorize || !errors.As(err, &te) || te.Code != tokens.CodeInvalidGrant || !strings.Contains(sdk.HintOf(err), "authorize") {
		t.Fatalf("Do after a refused refresh: %v (kind %s), want %s", err, sdk.KindOf(err), sdk.KindReauthorize)
	}
	if conn.Status() != sdk.StatusNeedsReauthorization {
		t.Errorf("Status = %s", conn.Status())
	}
	// The dead grant is not tried again, however long one waits.
	clk.Advance(time.Hour)
	if _, err := conn.Do(context.Background(), &sdk.Request{Path: "/me"}); sdk.KindOf(err) != sdk.KindReauthorize {
		t.Errorf("second Do: %v", err)
	}
	if n := len(p.sentRefreshTokens()); n != 1 {
		t.Errorf("%d refresh requests, want 1", n)
	}
}

func TestRefreshWithoutRefreshToken(t *testing.T) {
	p := newProvider(t, nil)
	clk := newClock()
	c := connector(t, p.testServer, sdk.Options{Now: clk.Now}, codeManifest(authorizeSection))
	p.access["at-0"] = true
	tok := &tokens.Token{AccessToken: secret.New("at-0"), TokenType: "Bearer", IssuedAt: clk.Now(), Expiry: clk.Now().Add(time.Hour)}
	conn, err := c.Connect(context.Background(), appValues, sdk.ConnectOptions{Token: tok})
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Hour)
	if _, err := conn.Do(context.Background(), &sdk.Request{Path: "/me"}); sdk.KindOf(err) != sdk.KindReauthorize || conn.Status() != sdk.StatusNeedsReauthorization {
		t.Fatalf("Do: %v, status %s", err, conn.Status())
	}
	if p.count("/token") != 0 {
		t.Errorf("a token request was sent")
	}
}

func TestConcurrentDoOneRefresh(t *testing.T) {
	p := newProvider(t, nil)
	clk := newClock()
	conn := seeded(t, p, clk)
	clk.Advance(time.Hour)
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := conn.Do(context.Background(), &sdk.Request{Path: "/me"})
			if err == nil && resp.Status != 200 {
				err = fmt.Errorf("status %d", resp.Status)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Do: %v", err)
		}
	}
	if got := p.sentRefreshTokens(); len(got) != 1 {
		t.Fatalf("%d refresh requests for 100 concurrent calls after expiry, want exactly 1", len(got))
	}
}

func TestRevokeAuthorizedConnection(t *testing.T) {
	p := newProvider(t, nil)
	c := connector(t, p.testServer, sdk.Options{}, codeManifest(authorizeSection))
	conn := authorized(t, p, c)
	tok := conn.Token()
	if err := conn.Revoke(context.Background()); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	want := []url.Values{
		{"token": {tok.RefreshToken.Reveal()}, "token_type_hint": {"refresh_token"}},
		{"token": {tok.AccessToken.Reveal()}, "token_type_hint": {"access_token"}},
	}
	if diff := cmp.Diff(want, p.revokes); diff != "" {
		t.Errorf("revocation requests (-want +got):\n%s", diff)
	}
	if conn.Status() != sdk.StatusRevoked || conn.Token() != nil {
		t.Errorf("after Revoke: status %s, token %v", conn.Status(), conn.Token())
	}
	if _, err := conn.Do(context.Background(), &sdk.Request{Path: "/me"}); sdk.KindOf(err) != sdk.KindRevoked {
		t.Errorf("Do after Revoke: %v", err)
	}
	// The provider forgot the tokens: the API refuses them.
	p.mu.Lock()
	left := len(p.access) + len(p.refresh)
	p.mu.Unlock()
	if left != 0 {
		t.Errorf("%d tokens still valid at the provider", left)
	}
}

func TestRevokeWithoutAPIForgets(t *testing.T) {
	p := newProvider(t, nil)
	c := connector(t, p.testServer, sdk.Options{}, strings.Replace(codeManifest(authorizeSection), "  revoke: {url: $URL/revoke}\n", "", 1))
	conn := authorized(t, p, c)
	if err := conn.Revoke(context.Background()); err != nil || conn.Status() != sdk.StatusRevoked || conn.Token() != nil {
		t.Fatalf("Revoke: %v, status %s", err, conn.Status())
	}
	if p.count("/revoke") != 0 {
		t.Errorf("a revocation request was sent without a revoke API")
	}
}
