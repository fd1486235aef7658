package sdk_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/connkit/connkit/sdk"
)

// TestTestCall: the test call's success rule, the label and identity
// rendered from its answer, and the kind and hint of each failure.
func TestTestCall(t *testing.T) {
	const head = `
connkit: v1
id: t-test
name: Test API
fields:
  - {key: token, label: Token, type: secret, required: true}
base_url: $URL/api
auth:
  type: bearer
  apply: {headers: {Authorization: "Bearer {{ fields.token }}"}}
whitelist: [$URL/api/]
`
	cases := []struct {
		name      string
		tail      string
		me        http.HandlerFunc
		wantLabel string
		wantIdent string
		wantKind  sdk.Kind
		wantHint  string
		wantInMsg string
	}{
		{name: "defaults: any 2xx, label is the name", tail: "test: {request: {path: /me}}",
			me: status(204, ""), wantLabel: "Test API"},
		{name: "status, present, label and identity", tail: `
test:
  request: {path: /me}
  expect: {status: [200], present: [user.id, teams.0.name]}
label: "{{ response.user.name }} / {{ response.teams.0.name }}"
identity: "{{ response.user.id }}"`,
			me:        jsonReply(200, map[string]any{"user": map[string]any{"id": 9, "name": "Ada"}, "teams": []any{map[string]any{"name": "Core"}}}),
			wantLabel: "Ada / Core", wantIdent: "9"},
		{name: "status not in the list", tail: "test: {request: {path: /me}, expect: {status: [200]}}",
			me: status(202, "{}"), wantKind: sdk.KindTest, wantInMsg: "status 202, want 200"},
		{name: "refused credentials", tail: "test: {request: {path: /me}}",
			me: status(401, "{}"), wantKind: sdk.KindTest, wantHint: "the credentials were refused"},
		{name: "wrong path", tail: "test: {request: {path: /me}}",
			me: nil, wantKind: sdk.KindTest, wantHint: "check the test call's path and the base URL"},
		{name: "missing paths", tail: "test: {request: {path: /me}, expect: {present: [id, email]}}",
			me: jsonReply(200, map[string]any{"id": 1, "email": nil}), wantKind: sdk.KindTest, wantInMsg: "lacks email"},
		{name: "not JSON", tail: "test: {request: {path: /me}, expect: {present: [id]}}",
			me: status(200, "<html>", "Content-Type", "text/html"), wantKind: sdk.KindTest, wantInMsg: "not JSON"},
		{name: "label from a missing value", tail: "test: {request: {path: /me}}\nlabel: \"{{ response.name }}\"",
			me: jsonReply(200, map[string]any{"id": 1}), wantKind: sdk.KindTest, wantHint: "check the label template"},
		{name: "identity from a missing value", tail: "test: {request: {path: /me}}\nidentity: \"{{ response.id }}\"",
			me: jsonReply(200, map[string]any{}), wantKind: sdk.KindTest, wantHint: "check the identity template"},
		{name: "a label never reveals a secret field", tail: "test: {request: {path: /me}}\nlabel: \"{{ fields.token }}\"",
			me: jsonReply(200, map[string]any{}), wantKind: sdk.KindTest, wantInMsg: "fields.token"},
		{name: "an identity never reveals the token", tail: "test: {request: {path: /me}}\nidentity: \"{{ token.access_token }}\"",
			me: jsonReply(200, map[string]any{}), wantKind: sdk.KindTest, wantInMsg: "token.access_token"},
		{name: "defaults never carry a secret field", tail: "defaults: {headers: {X-Leak: \"{{ fields.token }}\"}}\ntest: {request: {path: /me}}",
			me: jsonReply(200, map[string]any{}), wantKind: sdk.KindConfig, wantInMsg: "defaults.headers.X-Leak"},
		{name: "test call outside the whitelist", tail: "test: {request: {url: \"$URL/admin\"}}",
			wantKind: sdk.KindBlocked, wantHint: "whitelist"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			routes := map[string]http.HandlerFunc{}
			if tc.me != nil {
				routes["/api/me"] = tc.me
			}
			s := newServer(t, routes)
			c := connector(t, s, sdk.Options{}, head+tc.tail)
			conn, err := c.Connect(context.Background(), sdk.Values{"token": "T"}, sdk.ConnectOptions{})
			if tc.wantKind == "" {
				if err != nil {
					t.Fatalf("Connect: %v", err)
				}
				if conn.Label() != tc.wantLabel || conn.Identity() != tc.wantIdent {
					t.Errorf("label %q, identity %q; want %q, %q", conn.Label(), conn.Identity(), tc.wantLabel, tc.wantIdent)
				}
				return
			}
			if sdk.KindOf(err) != tc.wantKind {
				t.Fatalf("Connect: %v (kind %s), want kind %s", err, sdk.KindOf(err), tc.wantKind)
			}
			if !strings.Contains(sdk.HintOf(err), tc.wantHint) {
				t.Errorf("hint %q, want it to contain %q", sdk.HintOf(err), tc.wantHint)
			}
			if !strings.Contains(err.Error(), tc.wantInMsg) {
				t.Errorf("error %q, want it to contain %q", err, tc.wantInMsg)
			}
		})
	}
}

// TestTransportFailures: no answer at all gives kind network; a canceled
// or expired context gives kind canceled or timeout.
func TestTransportFailures(t *testing.T) {
	s := newServer(t, map[string]http.HandlerFunc{"/api/x": jsonReply(200, nil)})
	conn := connect(t, s, sdk.Options{}, keyManifest, sdk.Values{"api_key": "k"})
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := conn.Do(canceled, &sdk.Request{Path: "/x"}); sdk.KindOf(err) != sdk.KindCanceled {
		t.Errorf("canceled: %v (kind %s)", err, sdk.KindOf(err))
	}
	expired, cancel2 := context.WithTimeout(context.Background(), 0)
	defer cancel2()
	if _, err := conn.Do(expired, &sdk.Request{Path: "/x"}); sdk.KindOf(err) != sdk.KindTimeout {
		t.Errorf("expired: %v (kind %s)", err, sdk.KindOf(err))
	}
	s.Close()
	if _, err := conn.Do(context.Background(), &sdk.Request{Path: "/x"}); sdk.KindOf(err) != sdk.KindNetwork {
		t.Errorf("closed server: %v (kind %s)", err, sdk.KindOf(err))
	}
	for _, req := range []sdk.Request{{}, {Path: "/x", URL: s.URL + "/api/x"}} {
		if _, err := conn.Do(context.Background(), &req); sdk.KindOf(err) != sdk.KindConfig {
			t.Errorf("Do(%+v): %v (kind %s), want config", req, err, sdk.KindOf(err))
		}
	}
}

// TestDoBounds: http.timeout bounds a request whose answer never comes,
// and a body larger than MaxResponseSize is refused.
func TestDoBounds(t *testing.T) {
	never := make(chan struct{})
	s := newServer(t, map[string]http.HandlerFunc{
		"/api/hang": func(http.ResponseWriter, *http.Request) { <-never },
		"/api/huge": func(w http.ResponseWriter, _ *http.Request) {
			chunk := make([]byte, 1<<20)
			for range sdk.MaxResponseSize>>20 + 1 {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		},
	})
	defer close(never)
	conn := connect(t, s, sdk.Options{}, keyManifest+"http: {timeout: 50ms}\n", sdk.Values{"api_key": "k"})
	if _, err := conn.Do(context.Background(), &sdk.Request{Path: "/hang"}); sdk.KindOf(err) != sdk.KindTimeout {
		t.Errorf("hanging server: %v (kind %s), want timeout", err, sdk.KindOf(err))
	}
	conn = connect(t, s, sdk.Options{}, keyManifest, sdk.Values{"api_key": "k"})
	if _, err := conn.Do(context.Background(), &sdk.Request{Path: "/huge"}); !errors.Is(err, sdk.ErrResponseTooLarge) {
		t.Errorf("huge body: %v, want ErrResponseTooLarge", err)
	}
}
