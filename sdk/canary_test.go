package sdk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/connkit/connkit/sdk"
)

// Every secret in the canary test contains "CANARY"; nothing else does.
const canaryMark = "CANARY"

// lockedBuffer is a log destination safe for concurrent writes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// canary collects every text the runtime produced for the caller.
type canary struct {
	t     *testing.T
	texts []string
}

// err records every rendering of an error.
func (c *canary) err(where string, err error) {
	if err == nil {
		return
	}
	j, _ := json.Marshal(err)
	c.texts = append(c.texts,
		where+" Error: "+err.Error(),
		where+" %v: "+fmt.Sprintf("%v", err),
		where+" %+v: "+fmt.Sprintf("%+v", err),
		where+" %#v: "+fmt.Sprintf("%#v", err),
		where+" json: "+string(j),
		where+" hint: "+sdk.HintOf(err))
}

// value records the formatted forms of a value.
func (c *canary) value(where string, v any) {
	j, _ := json.Marshal(v)
	c.texts = append(c.texts,
		where+" %v: "+fmt.Sprintf("%v", v),
		where+" %+v: "+fmt.Sprintf("%+v", v),
		where+" %#v: "+fmt.Sprintf("%#v", v),
		where+" %s: "+fmt.Sprintf("%s", v),
		where+" %x: "+fmt.Sprintf("%x", v),
		where+" %d: "+fmt.Sprintf("%d", v),
		where+" json: "+string(j))
}

// TestSecretCanary runs every runtime path with recognisable secrets and
// debug logging on: the logs, the errors and the formatted values hold none
// of them, while the requests sent carry them.
func TestSecretCanary(t *testing.T) {
	logs := &lockedBuffer{}
	opts := sdk.Options{Debug: true, Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	cn := &canary{t: t}
	ctx := context.Background()

	// The provider echoes secrets wherever it can: in error descriptions,
	// HTML pages and API error bodies.
	var api401 sync.Once
	s := newServer(t, map[string]http.HandlerFunc{
		"/oauth/token": func(w http.ResponseWriter, r *http.Request) {
			_ = r.ParseForm()
			switch {
			case r.Form.Get("client_secret") != "CANARY-CLIENT-SECRET":
				writeJSON(w, 401, map[string]any{"error": "invalid_client",
					"error_description": "client_secret " + r.Form.Get("client_secret") + " is wrong"})
			case r.Form.Get("grant_type") == "refresh_token":
				writeJSON(w, 200, map[string]any{"access_token": "CANARY-ACCESS-2", "refresh_token": "CANARY-REFRESH-2",
					"token_type": "bearer", "expires_in": 3600})
			default:
				writeJSON(w, 200, map[string]any{"access_token": "CANARY-ACCESS-1", "refresh_token": "CANARY-REFRESH-1",
					"token_type": "bearer", "expires_in": 3600})
			}
		},
		"/oauth/revoke": func(w http.ResponseWriter, r *http.Request) {
			_ = r.ParseForm()
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, "<html><title>cannot revoke %s</title></html>", r.Form.Get("token"))
		},
		"/api/me": func(w http.ResponseWriter, r *http.Request) {
			http.SetCookie(w, &http.Cookie{Name: "session", Value: "CANARY-COOKIE"})
			w.Header().Set("X-Echo", r.Header.Get("Authorization"))
			writeJSON(w, 200, map[string]any{"id": 1, "name": "Ada"})
		},
		"/api/item": func(w http.ResponseWriter, r *http.Request) {
			refused := false
			api401.Do(func() { refused = true })
			if refused {
				writeJSON(w, 401, map[string]any{"error": "invalid_token", "token": r.Header.Get("Authorization")})
				return
			}
			writeJSON(w, 200, map[string]any{"ok": true})
		},
		"/api/login": func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, map[string]any{"data": map[string]any{"token": "CANARY-SESSION"}})
		},
	})
	cc := `
connkit: v1
id: t-canary
name: Canary
fields:
  - {key: client_id, label: Client ID, type: string, required: true}
  - {key: client_secret, label: Secret, type: secret, required: true}
  - {key: pin, label: PIN, type: secret, required: true, pattern: "[0-9]+"}
base_url: $URL/api
auth:
  type: oauth2_client_credentials
  token:
    url: $URL/oauth/token
    client_auth: body
    client_id: "{{ fields.client_id }}"
    client_secret: "{{ fields.client_secret }}"
  refresh: {}
  revoke: {url: $URL/oauth/revoke}
  apply: {headers: {Authorization: "Bearer {{ token.access_token }}", X-Pin: "{{ fields.pin }}"}}
whitelist: [$URL/]
test:
  request: {path: /me}
label: "{{ response.name }}"
actions:
  send:
    method: POST
    input: [{key: text, type: string, required: true}]
    path: /item
    body: {text: "{{ input.text }}", pin: "{{ fields.pin }}"}
`
	c := connector(t, s, opts, cc)
	good := sdk.Values{"client_id": "cid", "client_secret": "CANARY-CLIENT-SECRET", "pin": "4711"}

	// Values refused: a secret that does not match its pattern.
	_, err := c.Connect(ctx, sdk.Values{"client_id": "cid", "client_secret": "x", "pin": "CANARY-PIN"}, sdk.ConnectOptions{})
	cn.err("values", err)
	// A wrong client secret, echoed by the provider.
	_, err = c.Connect(ctx, sdk.Values{"client_id": "cid", "client_secret": "CANARY-WRONG-SECRET", "pin": "1"}, sdk.ConnectOptions{})
	cn.err("invalid_client", err)
	// A secret with a line break.
	_, err = c.Connect(ctx, sdk.Values{"client_id": "cid", "client_secret": "CANARY-CLIENT-SECRET", "pin": "1\r\nCANARY"}, sdk.ConnectOptions{})
	cn.err("line break", err)

	conn, err := c.Connect(ctx, good, sdk.ConnectOptions{})
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	cn.value("connection", conn)
	cn.value("token", conn.Token())
	cn.value("token value", *conn.Token())

	// A refused token renewed with the refresh token, a replayed body.
	resp, err := conn.Run(ctx, "send", map[string]any{"text": "hello"})
	cn.err("run", err)
	if err == nil && resp.Status != 200 {
		t.Errorf("Run: status %d", resp.Status)
	}
	_, err = conn.Do(ctx, &sdk.Request{Path: "/item", Query: map[string][]string{"q": {"CANARY-QUERY"}}})
	cn.err("do", err)
	hresp, err := conn.HTTPClient().Get(s.URL + "/api/me?sig=CANARY-SIG")
	cn.err("http client", err)
	if err == nil {
		hresp.Body.Close()
	}
	// Blocked and failed requests with secrets in their query.
	_, err = conn.Do(ctx, &sdk.Request{URL: "https://evil.example/x?token=CANARY-BLOCKED"})
	cn.err("blocked", err)
	_, err = conn.Do(ctx, &sdk.Request{URL: "http://127.0.0.1:1/api/x?token=CANARY-DIAL"})
	cn.err("dial", err)
	_, err = conn.HTTPClient().Get("http://u:CANARY-USERINFO@" + strings.TrimPrefix(s.URL, "http://") + "/api/me")
	cn.err("userinfo", err)
	cn.value("token after refresh", conn.Token())
	// Revocation refused with an HTML page that echoes the token.
	cn.err("revoke", conn.Revoke(ctx))
	_, err = conn.Do(ctx, &sdk.Request{Path: "/item"})
	cn.err("revoked", err)

	// A login connector and an API key in the query of a dead server.
	login := connector(t, s, opts, `
connkit: v1
id: t-canary-login
name: Canary login
fields:
  - {key: user, label: User, type: string, required: true}
  - {key: password, label: Password, type: secret, required: true}
base_url: $URL/api
auth:
  type: login
  token:
    url: $URL/api/login
    format: json
    params: {user: "{{ fields.user }}", password: "{{ fields.password }}"}
    headers: {Authorization: "Basic {{ base64(concat(fields.user, ':', fields.password)) }}"}
    response: {access_token: data.token}
whitelist: [$URL/]
test: {request: {path: /me}}
`)
	lconn, err := login.Connect(ctx, sdk.Values{"user": "ada", "password": "CANARY-PASSWORD"}, sdk.ConnectOptions{})
	cn.err("login", err)
	if lconn != nil {
		cn.value("login connection", lconn)
		cn.value("login token", lconn.Token())
	}
	dead := newServer(t, nil)
	key := connector(t, dead, opts, `
connkit: v1
id: t-canary-key
name: Canary key
fields: [{key: key, label: Key, type: secret, required: true}]
base_url: $URL/api
auth: {type: api_key, apply: {query: {key: "{{ fields.key }}"}, query_required: true}}
whitelist: [$URL/]
`)
	kconn, err := key.Connect(ctx, sdk.Values{"key": "CANARY-API-KEY"}, sdk.ConnectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dead.Close()
	_, err = kconn.Do(ctx, &sdk.Request{Path: "/x"})
	cn.err("api key query, Do", err)
	if sdk.KindOf(err) != sdk.KindNetwork {
		t.Errorf("api key query: kind %s, want network", sdk.KindOf(err))
	}
	_, err = kconn.HTTPClient().Get(dead.URL + "/api/x")
	cn.err("api key query, HTTPClient", err)
	_, err = kconn.HTTPClient().Get("https://evil.example/")
	cn.err("api key query, HTTPClient blocked", err)
	cn.value("api key connection", kconn)

	// Nothing the caller saw holds a secret.
	for _, text := range cn.texts {
		if strings.Contains(text, canaryMark) {
			t.Errorf("secret leaked: %s", text)
		}
	}
	logText := logs.String()
	if strings.Contains(logText, canaryMark) {
		for _, line := range strings.Split(logText, "\n") {
			if strings.Contains(line, canaryMark) {
				t.Errorf("secret in the log: %s", line)
			}
		}
	}
	if !strings.Contains(logText, `"url":"`+s.URL+`/api/item"`) || !strings.Contains(logText, `"status":401`) {
		t.Errorf("the debug log lacks the requests:\n%s", logText)
	}

	// The requests sent carried every secret where it belongs.
	var sent strings.Builder
	for _, r := range s.requests() {
		fmt.Fprintf(&sent, "%s %s?%s %v %s\n", r.Method, r.Path, r.Query, r.Header, r.Body)
	}
	for _, want := range []string{
		"client_secret=CANARY-CLIENT-SECRET", "refresh_token=CANARY-REFRESH-1", "Bearer CANARY-ACCESS-1",
		"Bearer CANARY-ACCESS-2", "X-Pin:[4711]", `"pin":"4711"`, `"password":"CANARY-PASSWORD"`,
		"Bearer CANARY-SESSION", "token=CANARY-REFRESH-2", "token=CANARY-ACCESS-2", "q=CANARY-QUERY", "sig=CANARY-SIG",
		"session=CANARY-COOKIE",
	} {
		if !strings.Contains(sent.String(), want) {
			t.Errorf("no request carried %q", want)
		}
	}
}
