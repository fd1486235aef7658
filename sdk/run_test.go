package sdk_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/connkit/connkit/sdk"
)

const actionsManifest = `
connkit: v1
id: t-actions
name: Actions
fields:
  - {key: token, label: Token, type: secret, required: true}
base_url: $URL/api
auth:
  type: bearer
  apply: {headers: {Authorization: "Bearer {{ fields.token }}"}}
whitelist: [$URL/api/]
defaults:
  query: {version: "2"}
  headers: {Accept: application/json, X-Client: connkit}
actions:
  get_item:
    input:
      - {key: id, type: string, required: true}
      - {key: expand, type: boolean}
    path: "/items/{{ input.id }}"
    query: {expand: "{{ input.expand }}"}
  search:
    input:
      - {key: q, type: string, required: true}
      - {key: limit, type: number, default: 50}
      - {key: version, type: string}
    path: /search
    query: {q: "{{ input.q }}", limit: "{{ input.limit }}", version: "{{ input.version }}"}
  create:
    method: POST
    input:
      - {key: name, type: string, required: true}
      - {key: price, type: number, required: true}
      - {key: active, type: boolean, default: true}
      - {key: note, type: string}
    path: /items
    body:
      name: "{{ input.name }}"
      price: "{{ input.price }}"
      active: "{{ input.active }}"
      note: "{{ input.note }}"
      tags: ["new", "{{ input.name }}"]
      label: "{{ input.name }} ({{ input.price }})"
  create_form:
    method: POST
    format: form
    input:
      - {key: name, type: string, required: true}
      - {key: qty, type: number, default: 1}
    path: /form
    body: {name: "{{ input.name }}", qty: "{{ input.qty }}"}
`

// TestRun: inputs are checked, typed and defaulted; values are escaped
// for their place; JSON and form bodies keep typed numbers.
func TestRun(t *testing.T) {
	cases := []struct {
		name   string
		action string
		input  map[string]any
		want   seen
	}{
		{name: "path input", action: "get_item", input: map[string]any{"id": "abc"},
			want: seen{Method: "GET", Path: "/api/items/abc", Query: "version=2"}},
		{name: "path input escaped", action: "get_item", input: map[string]any{"id": "a b?c#d%"},
			want: seen{Method: "GET", Path: "/api/items/a%20b%3Fc%23d%25", Query: "version=2"}},
		{name: "boolean input from text", action: "get_item", input: map[string]any{"id": "1", "expand": "true"},
			want: seen{Method: "GET", Path: "/api/items/1", Query: "expand=true&version=2"}},
		{name: "default number, input overrides a default query", action: "search", input: map[string]any{"q": "a&b=c", "version": "3"},
			want: seen{Method: "GET", Path: "/api/search", Query: "limit=50&q=a%26b%3Dc&version=3"}},
		{name: "number given as JSON", action: "search", input: map[string]any{"q": "x", "limit": json.Number("7")},
			want: seen{Method: "GET", Path: "/api/search", Query: "limit=7&q=x&version=2"}},
		{name: "JSON body keeps types", action: "create", input: map[string]any{"name": "Pen", "price": "1.50"},
			want: seen{Method: "POST", Path: "/api/items", Query: "version=2",
				Body: `{"active":true,"label":"Pen (1.50)","name":"Pen","price":1.50,"tags":["new","Pen"]}`}},
		{name: "JSON body with a float input", action: "create", input: map[string]any{"name": "Pen", "price": 2.5, "active": false, "note": "n"},
			want: seen{Method: "POST", Path: "/api/items", Query: "version=2",
				Body: `{"active":false,"label":"Pen (2.5)","name":"Pen","note":"n","price":2.5,"tags":["new","Pen"]}`}},
		{name: "form body", action: "create_form", input: map[string]any{"name": "a b&c"},
			want: seen{Method: "POST", Path: "/api/form", Query: "version=2", Body: "name=a+b%26c&qty=1"}},
	}
	// The server answers 404 to all: Run returns any answer, and the test
	// compares what was sent.
	s := newServer(t, nil)
	conn := connect(t, s, sdk.Options{}, actionsManifest, sdk.Values{"token": "T"})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := conn.Run(context.Background(), tc.action, tc.input); err != nil {
				t.Fatalf("Run: %v", err)
			}
			reqs := s.requests()
			got := project(reqs[len(reqs)-1:])[0]
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("request (-want +got):\n%s", diff)
			}
			h := reqs[len(reqs)-1].Header
			wantCT := ""
			if tc.want.Body != "" {
				wantCT = "application/json"
				if strings.HasPrefix(tc.action, "create_form") {
					wantCT = "application/x-www-form-urlencoded"
				}
			}
			if diff := cmp.Diff([]string{"Bearer T", "application/json", "connkit", wantCT},
				[]string{h.Get("Authorization"), h.Get("Accept"), h.Get("X-Client"), h.Get("Content-Type")}); diff != "" {
				t.Errorf("headers (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRunRefusesBadInput: inputs that are missing, unknown or of the wrong
// type, and unknown actions, are refused with every problem named and
// nothing sent.
func TestRunRefusesBadInput(t *testing.T) {
	cases := []struct {
		name     string
		action   string
		input    map[string]any
		wantMsg  string
		wantKind sdk.Kind
	}{
		{name: "unknown action", action: "nope", wantMsg: `connector t-actions has no action "nope"`},
		{name: "missing required", action: "create", input: map[string]any{"name": "x"}, wantMsg: "action create: price is required"},
		{name: "every problem", action: "create", input: map[string]any{"price": "cheap", "active": "maybe", "colour": "red", "name": map[string]any{}},
			wantMsg: `action create: name: want a string, got an object; price: "cheap" is not a number; active: "maybe" is not a boolean; colour is not an input of this action`},
		{name: "not finite", action: "search", input: map[string]any{"q": "x", "limit": "Inf"}, wantMsg: `action search: limit: "Inf" is not a number`},
		// A path input can never add or climb segments: an escaped slash
		// is refused by the whitelist, a dot segment before it.
		{name: "dot-dot segment", action: "get_item", input: map[string]any{"id": ".."}, wantMsg: "path", wantKind: sdk.KindBlocked},
		{name: "climbing path input", action: "get_item", input: map[string]any{"id": "../x"}, wantMsg: "path", wantKind: sdk.KindBlocked},
		{name: "slash in a path input", action: "get_item", input: map[string]any{"id": "a/b"}, wantMsg: "path", wantKind: sdk.KindBlocked},
		{name: "backslash in a path input", action: "get_item", input: map[string]any{"id": `a\b`}, wantMsg: "path", wantKind: sdk.KindBlocked},
	}
	s := newServer(t, nil)
	conn := connect(t, s, sdk.Options{}, actionsManifest, sdk.Values{"token": "T"})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := conn.Run(context.Background(), tc.action, tc.input)
			var e *sdk.Error
			if !errors.As(err, &e) {
				t.Fatalf("Run: %v, want an *sdk.Error", err)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("error %q, want it to contain %q", err, tc.wantMsg)
			}
			wantKind := tc.wantKind
			if wantKind == "" {
				wantKind = sdk.KindAction
			}
			if e.Kind != wantKind {
				t.Errorf("kind %s, want %s", e.Kind, wantKind)
			}
		})
	}
	if s.total.Load() != 0 {
		t.Errorf("%d requests sent, want none", s.total.Load())
	}
}

// TestDefaultsMerged: the defaults go on every request of Do, Run and
// HTTPClient, and the request's own values win.
func TestDefaultsMerged(t *testing.T) {
	s := newServer(t, map[string]http.HandlerFunc{"/api/x": jsonReply(200, nil), "/api/search": jsonReply(200, nil)})
	conn := connect(t, s, sdk.Options{}, actionsManifest, sdk.Values{"token": "T"})
	ctx := context.Background()
	send := map[string]func() error{
		"Do defaults": func() error {
			_, err := conn.Do(ctx, &sdk.Request{Path: "/x"})
			return err
		},
		"Do own values": func() error {
			_, err := conn.Do(ctx, &sdk.Request{Path: "/x?version=9", Header: header("Accept", "text/csv")})
			return err
		},
		"Do query field": func() error {
			_, err := conn.Do(ctx, &sdk.Request{Path: "/x", Query: map[string][]string{"version": {"8"}, "a": {"1"}}})
			return err
		},
		"Run": func() error {
			_, err := conn.Run(ctx, "search", map[string]any{"q": "z"})
			return err
		},
		"HTTPClient defaults": func() error {
			resp, err := conn.HTTPClient().Get(s.URL + "/api/x?b=2")
			if err == nil {
				resp.Body.Close()
			}
			return err
		},
		"HTTPClient own values": func() error {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/api/x?version=7", nil)
			req.Header.Set("X-Client", "mine")
			resp, err := conn.HTTPClient().Do(req)
			if err == nil {
				resp.Body.Close()
			}
			return err
		},
	}
	want := map[string][]string{
		"Do defaults":           {"version=2", "application/json", "connkit", "Bearer T"},
		"Do own values":         {"version=9", "text/csv", "connkit", "Bearer T"},
		"Do query field":        {"a=1&version=8", "application/json", "connkit", "Bearer T"},
		"Run":                   {"limit=50&q=z&version=2", "application/json", "connkit", "Bearer T"},
		"HTTPClient defaults":   {"b=2&version=2", "application/json", "connkit", "Bearer T"},
		"HTTPClient own values": {"version=7", "application/json", "mine", "Bearer T"},
	}
	for name, f := range send {
		t.Run(name, func(t *testing.T) {
			if err := f(); err != nil {
				t.Fatal(err)
			}
			reqs := s.requests()
			r := reqs[len(reqs)-1]
			got := []string{r.Query, r.Header.Get("Accept"), r.Header.Get("X-Client"), r.Header.Get("Authorization")}
			if diff := cmp.Diff(want[name], got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestLineBreaksRefused: a token or secret holding CR or LF is refused
// before anything is sent with it.
func TestLineBreaksRefused(t *testing.T) {
	cases := []struct {
		name     string
		manifest string
		values   sdk.Values
		token    string
		wantKind sdk.Kind
	}{
		{name: "token from the token API", manifest: ccManifest(""), token: "AT\r\nX-Evil: 1", wantKind: sdk.KindAuth},
		{name: "token with LF only", manifest: ccManifest(""), token: "AT\nX", wantKind: sdk.KindAuth},
		{name: "secret field", manifest: actionsManifest, values: sdk.Values{"token": "T\r\nX-Evil: 1"}, wantKind: sdk.KindBlocked},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, map[string]http.HandlerFunc{"/oauth/token": tokenReply(tc.token, 3600), "/api/x": jsonReply(200, nil)})
			c := connector(t, s, sdk.Options{}, tc.manifest)
			conn, err := c.Connect(context.Background(), tc.values, sdk.ConnectOptions{})
			if err == nil {
				_, err = conn.Do(context.Background(), &sdk.Request{Path: "/x"})
			}
			if sdk.KindOf(err) != tc.wantKind {
				t.Errorf("error %v (kind %s), want kind %s", err, sdk.KindOf(err), tc.wantKind)
			}
			if n := s.count("/api/x"); n != 0 {
				t.Errorf("%d API requests sent, want 0", n)
			}
		})
	}
}
