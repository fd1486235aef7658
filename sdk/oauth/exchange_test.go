package oauth_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/sdk/oauth"
	"github.com/connkit/connkit/sdk/secret"
	"github.com/connkit/connkit/sdk/tokens"
)

// authServer is a small authorization server: authorize records the
// request and issues a code; the token endpoint checks everything RFC 6749
// section 4.1.3 and RFC 7636 section 4.6 ask.
type authServer struct {
	*httptest.Server
	t          *testing.T
	clientAuth manifest.ClientAuth
	// answer, when set, replaces the token endpoint's success answer.
	answer http.HandlerFunc
	mu     sync.Mutex
	codes  map[string]grantInfo
	posts  int
	bodies []url.Values
}

// grantInfo is what the server remembers about an issued code.
type grantInfo struct {
	redirect, challenge, method string
}

func newAuthServer(t *testing.T, clientAuth manifest.ClientAuth) *authServer {
	s := &authServer{t: t, clientAuth: clientAuth, codes: map[string]grantInfo{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.token))
	t.Cleanup(s.Close)
	return s
}

// authorize plays the user agent and the authorization endpoint: it reads
// the authorize URL, issues a code and returns the callback's query.
func (s *authServer) authorize(authorizeURL string) url.Values {
	s.t.Helper()
	u, err := url.Parse(authorizeURL)
	if err != nil {
		s.t.Fatal(err)
	}
	q := u.Query()
	if q.Get("response_type") != "code" || q.Get("client_id") != "app-1" {
		s.t.Fatalf("authorization request %v", q)
	}
	code := fmt.Sprintf("code-%d", len(s.codes)+1)
	s.mu.Lock()
	s.codes[code] = grantInfo{q.Get("redirect_uri"), q.Get("code_challenge"), q.Get("code_challenge_method")}
	s.mu.Unlock()
	return url.Values{"code": {code}, "state": {q.Get("state")}}
}

func (s *authServer) token(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.posts++
	s.mu.Unlock()
	if err := r.ParseForm(); err != nil || r.Method != http.MethodPost {
		reply(w, 400, map[string]any{"error": "invalid_request"})
		return
	}
	s.mu.Lock()
	s.bodies = append(s.bodies, r.PostForm)
	info, ok := s.codes[r.PostForm.Get("code")]
	delete(s.codes, r.PostForm.Get("code"))
	s.mu.Unlock()
	if !s.clientOK(r) {
		reply(w, 401, map[string]any{"error": "invalid_client"})
		return
	}
	f := r.PostForm
	switch {
	case f.Get("grant_type") != "authorization_code":
		reply(w, 400, map[string]any{"error": "unsupported_grant_type"})
	case !ok:
		reply(w, 400, map[string]any{"error": "invalid_grant", "error_description": "unknown code"})
	case f.Get("redirect_uri") != info.redirect:
		reply(w, 400, map[string]any{"error": "redirect_uri_mismatch"})
	case f.Has("scope"):
		reply(w, 400, map[string]any{"error": "invalid_request", "error_description": "scope in a code exchange"})
	case !pkceOK(info, f):
		reply(w, 400, map[string]any{"error": "invalid_grant", "error_description": "PKCE verification failed"})
	case s.answer != nil:
		s.answer(w, r)
	default:
		reply(w, 200, map[string]any{"access_token": "at-1", "refresh_token": "rt-1", "token_type": "Bearer", "expires_in": 3600})
	}
}

// clientOK checks the client authentication the server is registered for.
func (s *authServer) clientOK(r *http.Request) bool {
	id, sec, basic := r.BasicAuth()
	f := r.PostForm
	switch s.clientAuth {
	case manifest.ClientAuthBody:
		return !basic && f.Get("client_id") == "app-1" && f.Get("client_secret") == "app-secret-xyz"
	case manifest.ClientAuthNone:
		return !basic && f.Get("client_id") == "app-1" && !f.Has("client_secret")
	}
	return basic && id == "app-1" && sec == "app-secret-xyz" && !f.Has("client_secret")
}

// pkceOK verifies the code_verifier against the challenge of the
// authorization request (RFC 7636 section 4.6).
func pkceOK(info grantInfo, f url.Values) bool {
	v := f.Get("code_verifier")
	switch info.method {
	case "":
		return !f.Has("code_verifier")
	case "plain":
		return oauth.CheckVerifier(v) == nil && v == info.challenge
	case "S256":
		sum := sha256.Sum256([]byte(v))
		return oauth.CheckVerifier(v) == nil && base64.RawURLEncoding.EncodeToString(sum[:]) == info.challenge
	}
	return false
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *authServer) tokenPosts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.posts
}

// flow runs Begin, the server's authorize step and Callback.
func flow(t *testing.T, srv *authServer, cfg oauth.Config) *oauth.Grant {
	t.Helper()
	states := oauth.NewStates(oauth.StatesOptions{})
	ar, err := states.Begin(cfg)
	if err != nil {
		t.Fatalf("Begin: %v", err)
	}
	g, err := states.Callback(srv.authorize(ar.URL))
	if err != nil {
		t.Fatalf("Callback: %v", err)
	}
	return g
}

func TestExchange(t *testing.T) {
	for _, tc := range []struct {
		auth manifest.ClientAuth
		pkce manifest.PKCEMethod
	}{
		{manifest.ClientAuthBasic, ""},
		{manifest.ClientAuthBasic, manifest.PKCEPlain},
		{manifest.ClientAuthBody, manifest.PKCES256},
		{manifest.ClientAuthNone, manifest.PKCES256},
		{manifest.ClientAuthBasic, manifest.PKCENone},
	} {
		t.Run(fmt.Sprintf("%s/%s", tc.auth, tc.pkce), func(t *testing.T) {
			srv := newAuthServer(t, tc.auth)
			cfg := configFor(srv)
			cfg.PKCE = tc.pkce
			cfg.Token.ClientAuth = tc.auth
			if tc.auth == manifest.ClientAuthNone {
				cfg.Token.ClientSecret = secret.Value{}
			}
			tok, err := flow(t, srv, cfg).Exchange(context.Background())
			if err != nil {
				t.Fatalf("Exchange: %v (hint %s)", err, oauth.HintOf(err))
			}
			got := []string{tok.AccessToken.Reveal(), tok.RefreshToken.Reveal(), tok.Scope}
			if diff := cmp.Diff([]string{"at-1", "rt-1", "read write"}, got); diff != "" {
				t.Errorf("token (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExchangeOnceOnly(t *testing.T) {
	srv := newAuthServer(t, manifest.ClientAuthBasic)
	g := flow(t, srv, configFor(srv))
	if _, err := g.Exchange(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Exchange(context.Background()); !errors.Is(err, oauth.ErrCodeUsed) {
		t.Fatalf("second Exchange: %v, want ErrCodeUsed", err)
	}
	if n := srv.tokenPosts(); n != 1 {
		t.Errorf("token endpoint saw %d requests, want 1", n)
	}
}

func TestExchangeErrors(t *testing.T) {
	const redirect = "http://127.0.0.1:8976/callback"
	for _, tc := range []struct {
		name     string
		answer   http.HandlerFunc
		auth     manifest.ClientAuth
		code     string
		inMsg    string
		inHint   string
		sent     bool
		transErr bool
	}{
		{name: "redirect_uri_mismatch", answer: func(w http.ResponseWriter, _ *http.Request) {
			reply(w, 400, map[string]any{"error": "redirect_uri_mismatch"})
		}, code: "redirect_uri_mismatch", inMsg: redirect, inHint: "register exactly", sent: true},
		{name: "description names the redirect URI", answer: func(w http.ResponseWriter, _ *http.Request) {
			reply(w, 400, map[string]any{"error": "invalid_request", "error_description": "redirect_uri does not match"})
		}, code: "invalid_request", inMsg: redirect, inHint: redirect, sent: true},
		{name: "invalid_grant", answer: func(w http.ResponseWriter, _ *http.Request) {
			reply(w, 400, map[string]any{"error": "invalid_grant"})
		}, code: "invalid_grant", inMsg: redirect, inHint: "authorize again", sent: true},
		{name: "invalid_client", auth: manifest.ClientAuthBody, code: "invalid_client", inHint: "client ID", sent: true},
		{name: "server error is not retried", answer: func(w http.ResponseWriter, _ *http.Request) {
			reply(w, 503, map[string]any{"error": "temporarily_unavailable"})
		}, code: "temporarily_unavailable", sent: true},
		{name: "connection dropped", answer: func(w http.ResponseWriter, _ *http.Request) {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.Close()
			}
		}, inHint: "authorize again", sent: true, transErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			auth := tc.auth
			if auth == "" {
				auth = manifest.ClientAuthBasic
			}
			srv := newAuthServer(t, auth)
			srv.answer = tc.answer
			g := flow(t, srv, configFor(srv))
			tok, err := g.Exchange(context.Background())
			var ee *oauth.ExchangeError
			if tok != nil || !errors.As(err, &ee) {
				t.Fatalf("Exchange = %v, %v; want an ExchangeError", tok, err)
			}
			var te *tokens.Error
			if errors.As(err, &te) != (tc.code != "") || (te != nil && te.Code != tc.code) {
				t.Errorf("error %v: want code %q", err, tc.code)
			}
			if !strings.Contains(err.Error(), tc.inMsg) || !strings.Contains(oauth.HintOf(err), tc.inHint) {
				t.Errorf("error %q hint %q: want %q in the message and %q in the hint", err, oauth.HintOf(err), tc.inMsg, tc.inHint)
			}
			if ee.Sent != tc.sent || ee.RedirectURL != redirect {
				t.Errorf("ExchangeError = %+v", ee)
			}
			if n := srv.tokenPosts(); n != 1 {
				t.Errorf("the code was sent %d times; a code exchange is never retried", n)
			}
			out := fmt.Sprintf("%v %+v %s", err, err, oauth.HintOf(err))
			for _, s := range []string{"code-1", "app-secret-xyz"} {
				if strings.Contains(out, s) {
					t.Errorf("the error shows the secret %q: %s", s, out)
				}
			}
		})
	}
}

func TestExchangeSendsExactlyTheRFCParameters(t *testing.T) {
	srv := newAuthServer(t, manifest.ClientAuthBasic)
	cfg := configFor(srv)
	cfg.Token.Params = tokens.Params{{Name: "resource", Value: secret.New("https://api.example")}}
	if _, err := flow(t, srv, cfg).Exchange(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := srv.bodies[0]
	got.Del("code_verifier") // random, checked by the server
	want := url.Values{"grant_type": {"authorization_code"}, "code": {"code-1"},
		"redirect_uri": {"http://127.0.0.1:8976/callback"}, "resource": {"https://api.example"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("token request body (-want +got):\n%s", diff)
	}
}

// configFor returns a valid Config for srv, exchanging through it.
func configFor(srv *authServer) oauth.Config {
	cfg := config(srv.URL)
	cfg.Client = &tokens.Client{HTTP: srv.Client()}
	return cfg
}
