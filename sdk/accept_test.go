package sdk_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/connkit/connkit/sdk"
)

// TestDefaultAcceptWithABody: a request with a JSON or form body keeps the
// defaults' Accept (GitHub's application/vnd.github+json) unless it sets its
// own; the HTTP library underneath must not replace it with the body's type.
func TestDefaultAcceptWithABody(t *testing.T) {
	s := newServer(t, map[string]http.HandlerFunc{"/api/x": jsonReply(200, map[string]any{})})
	conn := connect(t, s, sdk.Options{}, `
connkit: v1
id: t-accept
name: Accept
fields:
  - {key: api_key, label: Key, type: secret, required: true}
base_url: $URL/api
auth:
  type: api_key
  apply: {headers: {X-Api-Key: "{{ fields.api_key }}"}}
whitelist: [$URL/api/]
defaults: {headers: {Accept: application/vnd.acme+json}}
actions:
  json_body: {method: POST, path: /x, body: {a: "1"}}
  form_body: {method: POST, path: /x, format: form, body: {a: "1"}}
  own_accept: {method: POST, path: /x, headers: {Accept: text/csv}, body: {a: "1"}}
`, sdk.Values{"api_key": "k"})
	var got []string
	for _, action := range []string{"json_body", "form_body", "own_accept"} {
		if _, err := conn.Run(context.Background(), action, nil); err != nil {
			t.Fatalf("Run(%s): %v", action, err)
		}
		got = append(got, s.last(t, "/api/x").Header.Get("Accept"))
	}
	want := []string{"application/vnd.acme+json", "application/vnd.acme+json", "text/csv"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Accept of the requests (-want +got):\n%s", diff)
	}
	conn, err := conn.Connector().Connect(context.Background(), sdk.Values{"api_key": "k"}, sdk.ConnectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Do(context.Background(), &sdk.Request{Method: "POST", Path: "/x", Body: []byte(`{}`),
		Header: http.Header{"Content-Type": {"application/json"}}}); err != nil {
		t.Fatal(err)
	}
	if got := s.last(t, "/api/x").Header.Get("Accept"); got != "application/vnd.acme+json" {
		t.Errorf("Do with a JSON body: Accept %q, want the default's", got)
	}
}
