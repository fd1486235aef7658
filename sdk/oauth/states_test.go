package oauth_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/sdk/oauth"
	"github.com/connkit/connkit/sdk/secret"
	"github.com/connkit/connkit/sdk/tokens"
)

// clock is a fake clock tests advance by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)} }

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

// config returns a valid Config for a provider at base.
func config(base string) oauth.Config {
	return oauth.Config{
		AuthorizeURL: base + "/authorize",
		ClientID:     "app-1",
		Scope:        "read write",
		RedirectURL:  "http://127.0.0.1:8976/callback",
		Token: &tokens.Request{URL: base + "/token", ClientID: "app-1",
			ClientSecret: secret.New("app-secret-xyz"), ClientAuth: manifest.ClientAuthBasic},
		Client: &tokens.Client{HTTP: http.DefaultClient},
	}
}

func begin(t *testing.T, s *oauth.States, cfg oauth.Config) (*oauth.AuthRequest, url.Values) {
	t.Helper()
	ar, err := s.Begin(cfg)
	if err != nil {
		t.Fatalf("Begin: %v", err)
	}
	u, err := url.Parse(ar.URL)
	if err != nil {
		t.Fatalf("authorize URL %q: %v", ar.URL, err)
	}
	return ar, u.Query()
}

func TestBeginURL(t *testing.T) {
	cfg := config("https://login.example")
	cfg.AuthorizeURL = "https://login.example/authorize?tenant=acme"
	cfg.Params = map[string]string{"access_type": "offline", "prompt": "consent", "audience": "https://api.example"}
	ar, q := begin(t, oauth.NewStates(oauth.StatesOptions{}), cfg)
	if !strings.HasPrefix(ar.URL, "https://login.example/authorize?") {
		t.Errorf("URL = %s", ar.URL)
	}
	state, challenge := q.Get("state"), q.Get("code_challenge")
	want := url.Values{
		"tenant": {"acme"}, "response_type": {"code"}, "client_id": {"app-1"},
		"redirect_uri": {"http://127.0.0.1:8976/callback"}, "scope": {"read write"},
		"state": {state}, "code_challenge": {challenge}, "code_challenge_method": {"S256"},
		"access_type": {"offline"}, "prompt": {"consent"}, "audience": {"https://api.example"},
	}
	if diff := cmp.Diff(want, q); diff != "" {
		t.Errorf("authorize query (-want +got):\n%s", diff)
	}
	if state != ar.State || ar.RedirectURL != cfg.RedirectURL {
		t.Errorf("AuthRequest = %+v", ar)
	}
	// 256 bits, base64url: 43 unreserved characters.
	if err := oauth.CheckVerifier(state); err != nil {
		t.Errorf("state %q: %v", state, err)
	}
	if len(challenge) != 43 {
		t.Errorf("S256 challenge %q has %d characters, want 43", challenge, len(challenge))
	}
	if q.Has("client_secret") || strings.Contains(ar.URL, "app-secret-xyz") {
		t.Errorf("the client secret is in the authorize URL: %s", ar.URL)
	}
}

func TestBeginPKCEMethods(t *testing.T) {
	for _, tc := range []struct {
		method     manifest.PKCEMethod
		wantMethod string
	}{
		{"", "S256"},
		{manifest.PKCES256, "S256"},
		{manifest.PKCEPlain, "plain"},
		{manifest.PKCENone, ""},
	} {
		t.Run(string(tc.method), func(t *testing.T) {
			cfg := config("https://login.example")
			cfg.PKCE = tc.method
			_, q := begin(t, oauth.NewStates(oauth.StatesOptions{}), cfg)
			if got := q.Get("code_challenge_method"); got != tc.wantMethod {
				t.Errorf("code_challenge_method = %q, want %q", got, tc.wantMethod)
			}
			if (q.Get("code_challenge") == "") != (tc.wantMethod == "") {
				t.Errorf("code_challenge = %q with method %q", q.Get("code_challenge"), tc.wantMethod)
			}
			if tc.method == manifest.PKCEPlain {
				if err := oauth.CheckVerifier(q.Get("code_challenge")); err != nil {
					t.Errorf("plain challenge (the verifier): %v", err)
				}
			}
		})
	}
}

func TestBeginFreshState(t *testing.T) {
	s := oauth.NewStates(oauth.StatesOptions{})
	seen := map[string]bool{}
	for range 200 {
		_, q := begin(t, s, config("https://login.example"))
		for _, v := range []string{q.Get("state"), q.Get("code_challenge")} {
			if seen[v] {
				t.Fatalf("value %q drawn twice", v)
			}
			seen[v] = true
		}
	}
}

func TestBeginConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(*oauth.Config)
		field string
		says  string
	}{
		{"no authorize URL", func(c *oauth.Config) { c.AuthorizeURL = "" }, "AuthorizeURL", "empty"},
		{"relative authorize URL", func(c *oauth.Config) { c.AuthorizeURL = "/authorize" }, "AuthorizeURL", "absolute"},
		{"ftp authorize URL", func(c *oauth.Config) { c.AuthorizeURL = "ftp://login.example/a" }, "AuthorizeURL", "http"},
		{"state in authorize URL", func(c *oauth.Config) { c.AuthorizeURL += "?state=x" }, "AuthorizeURL", "state"},
		{"no client id", func(c *oauth.Config) { c.ClientID = "" }, "ClientID", "empty"},
		{"no redirect URL", func(c *oauth.Config) { c.RedirectURL = "" }, "RedirectURL", "empty"},
		{"relative redirect URL", func(c *oauth.Config) { c.RedirectURL = "/callback" }, "RedirectURL", "absolute"},
		{"redirect URL with fragment", func(c *oauth.Config) { c.RedirectURL = "https://app.example/cb#x" }, "RedirectURL", "fragment"},
		{"redirect URL without host", func(c *oauth.Config) { c.RedirectURL = "https:///cb" }, "RedirectURL", "host"},
		{"reserved param", func(c *oauth.Config) { c.Params = map[string]string{"redirect_uri": "x"} }, "Params", "redirect_uri"},
		{"empty param name", func(c *oauth.Config) { c.Params = map[string]string{"": "x"} }, "Params", "empty name"},
		{"unknown PKCE", func(c *oauth.Config) { c.PKCE = "S512" }, "PKCE", "S512"},
		{"no token request", func(c *oauth.Config) { c.Token = nil }, "Token", "token URL"},
		{"no client", func(c *oauth.Config) { c.Client = nil }, "Client", "nil"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config("https://login.example")
			tc.edit(&cfg)
			s := oauth.NewStates(oauth.StatesOptions{})
			_, err := s.Begin(cfg)
			var ce *oauth.ConfigError
			if !errors.As(err, &ce) || ce.Field != tc.field || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("Begin error = %v, want a ConfigError on %s saying %q", err, tc.field, tc.says)
			}
			if s.Len() != 0 {
				t.Errorf("a refused Begin kept a state")
			}
		})
	}
}

func TestBeginCustomSchemeRedirect(t *testing.T) {
	cfg := config("https://login.example")
	cfg.RedirectURL = "com.example.app:/oauth2redirect"
	if _, q := begin(t, oauth.NewStates(oauth.StatesOptions{}), cfg); q.Get("redirect_uri") != cfg.RedirectURL {
		t.Errorf("redirect_uri = %q", q.Get("redirect_uri"))
	}
}

func TestCallback(t *testing.T) {
	const iss = "https://login.example"
	type want struct {
		state   oauth.StateProblem
		issuer  bool
		code    string // CallbackError code
		hint    string
		noCode  bool
		granted bool
	}
	for _, tc := range []struct {
		name    string
		require bool
		issuer  string
		// query builds the callback; state is the pending state.
		query func(state string) string
		want  want
	}{
		{"success", true, iss, func(s string) string { return "code=c1&state=" + s + "&iss=" + url.QueryEscape(iss) }, want{granted: true}},
		{"success without iss support", false, "", func(s string) string { return "code=c1&state=" + s }, want{granted: true}},
		{"iss not checkable without issuer", false, "", func(s string) string { return "code=c1&state=" + s + "&iss=https://other" }, want{granted: true}},
		{"missing state", true, iss, func(string) string { return "code=c1" }, want{state: oauth.StateMissing}},
		{"empty state", true, iss, func(string) string { return "code=c1&state=" }, want{state: oauth.StateMissing}},
		{"two states", true, iss, func(s string) string { return "code=c1&state=" + s + "&state=" + s }, want{state: oauth.StateMissing}},
		{"wrong state", true, iss, func(s string) string { return "code=c1&state=x" + s }, want{state: oauth.StateUnknown}},
		{"error without state", true, iss, func(string) string { return "error=access_denied" }, want{state: oauth.StateMissing}},
		{"wrong iss", true, iss, func(s string) string { return "code=c1&state=" + s + "&iss=https://evil.example" }, want{issuer: true}},
		{"wrong iss without announcement", false, iss, func(s string) string { return "code=c1&state=" + s + "&iss=https://evil.example" }, want{issuer: true}},
		{"missing iss", true, iss, func(s string) string { return "code=c1&state=" + s }, want{issuer: true}},
		{"two iss", true, iss, func(s string) string { return "code=c1&state=" + s + "&iss=" + iss + "&iss=" + iss }, want{issuer: true}},
		{"access denied", true, iss, func(s string) string {
			return "error=access_denied&error_description=The+user+said+no&state=" + s + "&iss=" + iss
		}, want{code: "access_denied", hint: "approve"}},
		{"invalid scope", true, iss, func(s string) string { return "error=invalid_scope&state=" + s + "&iss=" + iss }, want{code: "invalid_scope", hint: "scope"}},
		{"redirect refused", true, iss, func(s string) string {
			return "error=invalid_request&error_description=redirect_uri+not+registered&state=" + s + "&iss=" + iss
		}, want{code: "invalid_request", hint: "http://127.0.0.1:8976/callback"}},
		{"unknown error", true, iss, func(s string) string { return "error=weird_thing&state=" + s + "&iss=" + iss }, want{code: "weird_thing", hint: "weird_thing"}},
		{"no code", true, iss, func(s string) string { return "state=" + s + "&iss=" + iss }, want{noCode: true}},
		{"two codes", true, iss, func(s string) string { return "code=a&code=b&state=" + s + "&iss=" + iss }, want{noCode: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := oauth.NewStates(oauth.StatesOptions{})
			cfg := config("https://login.example")
			cfg.Issuer, cfg.RequireIssuer = tc.issuer, tc.require
			ar, _ := begin(t, s, cfg)
			q, err := url.ParseQuery(tc.query(url.QueryEscape(ar.State)))
			if err != nil {
				t.Fatal(err)
			}
			g, err := s.Callback(q)
			var (
				se *oauth.StateError
				ie *oauth.IssuerError
				ce *oauth.CallbackError
			)
			got := want{granted: err == nil && g != nil && g.Code.Reveal() == "c1", noCode: errors.Is(err, oauth.ErrNoCode)}
			if errors.As(err, &se) {
				got.state = se.Problem
			}
			got.issuer = errors.As(err, &ie)
			if errors.As(err, &ce) {
				got.code = ce.Code
				if strings.Contains(ce.Hint(), tc.want.hint) {
					got.hint = tc.want.hint
				} else {
					got.hint = ce.Hint()
				}
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("Callback(%v) = %v, %v (-want +got):\n%s", q, g, err, diff)
			}
			if err != nil && oauth.HintOf(err) == "" {
				t.Errorf("error %v has no hint", err)
			}
		})
	}
}

func TestCallbackSingleUse(t *testing.T) {
	s := oauth.NewStates(oauth.StatesOptions{})
	ar, _ := begin(t, s, config("https://login.example"))
	q := url.Values{"state": {ar.State}, "code": {"c1"}}
	if _, err := s.Callback(q); err != nil {
		t.Fatalf("first callback: %v", err)
	}
	_, err := s.Callback(q)
	var se *oauth.StateError
	if !errors.As(err, &se) || se.Problem != oauth.StateReplayed {
		t.Fatalf("replayed callback: %v, want a replayed StateError", err)
	}
	// A callback that fails after the state check consumes the state too.
	ar, _ = begin(t, s, config("https://login.example"))
	if _, err := s.Callback(url.Values{"state": {ar.State}, "error": {"access_denied"}}); err == nil {
		t.Fatal("an error response was accepted")
	}
	if _, err := s.Callback(url.Values{"state": {ar.State}, "code": {"c1"}}); !errors.As(err, &se) || se.Problem != oauth.StateReplayed {
		t.Fatalf("code after an error response: %v, want a replayed StateError", err)
	}
}

func TestCallbackExpired(t *testing.T) {
	clk := newClock()
	s := oauth.NewStates(oauth.StatesOptions{TTL: 5 * time.Minute, Now: clk.Now})
	ar, _ := begin(t, s, config("https://login.example"))
	if !ar.ExpiresAt.Equal(clk.Now().Add(5 * time.Minute)) {
		t.Errorf("ExpiresAt = %v", ar.ExpiresAt)
	}
	clk.Advance(5 * time.Minute)
	_, err := s.Callback(url.Values{"state": {ar.State}, "code": {"c1"}})
	var se *oauth.StateError
	if !errors.As(err, &se) || se.Problem != oauth.StateExpired {
		t.Fatalf("late callback: %v, want an expired StateError", err)
	}
	// Expired states leave the store at the next Begin.
	clk.Advance(time.Minute)
	begin(t, s, config("https://login.example"))
	if s.Len() != 1 {
		t.Errorf("Len = %d after expiry, want 1", s.Len())
	}
}

func TestStatesBounded(t *testing.T) {
	s := oauth.NewStates(oauth.StatesOptions{Max: 3})
	var states []string
	for range 5 {
		ar, _ := begin(t, s, config("https://login.example"))
		states = append(states, ar.State)
	}
	if s.Len() != 3 {
		t.Errorf("Len = %d, want the bound 3", s.Len())
	}
	var got []string
	for _, st := range states {
		_, err := s.Callback(url.Values{"state": {st}, "code": {"c"}})
		var se *oauth.StateError
		switch {
		case err == nil:
			got = append(got, "ok")
		case errors.As(err, &se):
			got = append(got, string(se.Problem))
		default:
			got = append(got, err.Error())
		}
	}
	if diff := cmp.Diff([]string{"unknown", "unknown", "ok", "ok", "ok"}, got); diff != "" {
		t.Errorf("oldest states evicted first (-want +got):\n%s", diff)
	}
}

func TestCallbackErrorTextIsCleaned(t *testing.T) {
	s := oauth.NewStates(oauth.StatesOptions{})
	ar, _ := begin(t, s, config("https://login.example"))
	_, err := s.Callback(url.Values{"state": {ar.State}, "error": {"access_denied\n"},
		"error_description": {strings.Repeat("x", 500) + "\x1b[31m"}, "error_uri": {"javascript:alert(1)"}})
	var ce *oauth.CallbackError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v", err)
	}
	if ce.Code != "access_denied" || len(ce.Description) > 210 || strings.ContainsAny(err.Error(), "\n\x1b") || ce.URI != "" {
		t.Errorf("CallbackError = %q %q %q", ce.Code, ce.Description, ce.URI)
	}
}

func TestGrantPrintsNoSecret(t *testing.T) {
	s := oauth.NewStates(oauth.StatesOptions{})
	ar, _ := begin(t, s, config("https://login.example"))
	g, err := s.Callback(url.Values{"state": {ar.State}, "code": {"CODE-canary-1234567"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"%v", "%+v", "%s", "%#v"} {
		if out := fmt.Sprintf(verb, g); strings.Contains(out, "CODE-canary") || strings.Contains(out, "app-secret-xyz") {
			t.Errorf("%s of a Grant shows a secret: %s", verb, out)
		}
	}
}
