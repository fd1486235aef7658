package sdk_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/connkit/connkit/sdk"
)

const instanceManifest = `
connkit: v1
id: t-instance
name: Instance
fields:
  - {key: client_id, label: Client ID, type: string, required: true}
  - {key: client_secret, label: Secret, type: secret, required: true}
base_url: "{{ token.instance_url }}/services/data/v60.0"
auth:
  type: oauth2_client_credentials
  token:
    url: $URL/oauth/token
    client_id: "{{ fields.client_id }}"
    client_secret: "{{ fields.client_secret }}"
    response: {keep: {instance_url: instance_url}}
whitelist: [$URL/]
test:
  request: {path: /me}
  expect: {present: [id]}
identity: "{{ token.instance_url }}#{{ response.id }}"
`

// TestBaseURLFromToken: the API host comes from the token response, as
// Salesforce's instance_url does; a host outside the whitelist, or a value
// that is not a plain origin, is refused before anything is sent to it.
func TestBaseURLFromToken(t *testing.T) {
	cases := []struct {
		name     string
		instance func(s *testServer) string
		wantKind sdk.Kind
	}{
		{name: "whitelisted instance", instance: func(s *testServer) string { return s.URL }},
		{name: "instance outside the whitelist", instance: func(*testServer) string { return "https://evil.example" }, wantKind: sdk.KindBlocked},
		{name: "instance with a query", instance: func(s *testServer) string { return s.URL + "/?x=1" }, wantKind: sdk.KindBlocked},
		{name: "instance with user info", instance: func(s *testServer) string { return "http://u:p@" + strings.TrimPrefix(s.URL, "http://") }, wantKind: sdk.KindBlocked},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, nil)
			s.routes = map[string]http.HandlerFunc{
				"/oauth/token": jsonReply(200, map[string]any{"access_token": "AT", "token_type": "bearer",
					"expires_in": 3600, "instance_url": tc.instance(s)}),
				"/services/data/v60.0/me":      jsonReply(200, map[string]any{"id": "005"}),
				"/services/data/v60.0/sobject": jsonReply(200, map[string]any{"ok": true}),
			}
			res := &resolver{}
			c := connector(t, s, sdk.Options{Resolver: res}, instanceManifest)
			conn, err := c.Connect(context.Background(), sdk.Values{"client_id": "id", "client_secret": "sec"}, sdk.ConnectOptions{})
			if tc.wantKind != "" {
				if sdk.KindOf(err) != tc.wantKind {
					t.Fatalf("Connect: %v (kind %s), want kind %s", err, sdk.KindOf(err), tc.wantKind)
				}
				if got := s.count("/services/data/v60.0/me"); got != 0 {
					t.Errorf("%d test calls reached the server, want 0", got)
				}
				if len(res.Hosts()) != 0 {
					t.Errorf("resolved %v, want no lookup", res.Hosts())
				}
				return
			}
			if err != nil {
				t.Fatalf("Connect: %v", err)
			}
			if want := s.URL + "#005"; conn.Identity() != want {
				t.Errorf("identity %q, want %q", conn.Identity(), want)
			}
			do(t, conn, &sdk.Request{Path: "/sobject"})
			want := []string{"/oauth/token", "/services/data/v60.0/me", "/services/data/v60.0/sobject"}
			var got []string
			for _, r := range s.requests() {
				got = append(got, r.Path)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("paths (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSubdomainInHost: a user field in the host, as Zendesk's subdomain.
// A value that is not a plain host-name fragment is refused before any
// request, and before any name is resolved.
func TestSubdomainInHost(t *testing.T) {
	cert, pool := selfSigned(t, "*.zendesk.test")
	cases := []struct {
		subdomain string
		wantKind  sdk.Kind
	}{
		{subdomain: "acme"},
		{subdomain: "Acme-2"},
		{subdomain: "evil.com/x", wantKind: sdk.KindBlocked},
		{subdomain: "evil.com?x=", wantKind: sdk.KindBlocked},
		{subdomain: "evil.com#", wantKind: sdk.KindBlocked},
		{subdomain: "a@evil.com", wantKind: sdk.KindBlocked},
		{subdomain: "evil.com:443", wantKind: sdk.KindBlocked},
		{subdomain: "..", wantKind: sdk.KindBlocked},
		{subdomain: "a..b", wantKind: sdk.KindBlocked},
		{subdomain: "-a", wantKind: sdk.KindBlocked},
		{subdomain: "a b", wantKind: sdk.KindBlocked},
		{subdomain: "a%2fb", wantKind: sdk.KindBlocked},
		{subdomain: "ex\u0430mple", wantKind: sdk.KindBlocked},
	}
	for _, tc := range cases {
		t.Run(tc.subdomain, func(t *testing.T) {
			s := newTLSServer(t, map[string]http.HandlerFunc{
				"/api/v2/users/me.json": func(w http.ResponseWriter, r *http.Request) {
					writeJSON(w, 200, map[string]any{"user": map[string]any{"id": 7, "host": r.Host}})
				},
			}, cert)
			port := s.URL[strings.LastIndex(s.URL, ":")+1:]
			y := strings.ReplaceAll(`
connkit: v1
id: t-zendesk
name: Zendesk-like
fields:
  - {key: subdomain, label: Subdomain, type: string, required: true}
  - {key: email, label: Email, type: string, required: true}
  - {key: api_token, label: Token, type: secret, required: true}
base_url: "https://{{ fields.subdomain }}.zendesk.test:PORT/api/v2"
auth:
  type: basic
  basic: {username: "{{ fields.email }}/token", password: "{{ fields.api_token }}"}
whitelist: ["https://*.zendesk.test:PORT/api/v2/"]
test:
  request: {path: /users/me.json}
  expect: {present: [user.id]}
label: "{{ response.user.host }}"
identity: "{{ fields.subdomain }}:{{ response.user.id }}"
`, "PORT", port)
			res := &resolver{}
			c := connector(t, nil, sdk.Options{Resolver: res, RootCAs: pool, AllowPrivateNetworks: true}, y)
			conn, err := c.Connect(context.Background(), sdk.Values{"subdomain": tc.subdomain, "email": "a@b.example", "api_token": "tok"}, sdk.ConnectOptions{})
			if tc.wantKind != "" {
				if sdk.KindOf(err) != tc.wantKind {
					t.Fatalf("Connect: %v (kind %s), want kind %s", err, sdk.KindOf(err), tc.wantKind)
				}
				if n := s.total.Load(); n != 0 {
					t.Errorf("%d requests reached the server, want 0", n)
				}
				if len(res.Hosts()) != 0 {
					t.Errorf("resolved %v, want no lookup", res.Hosts())
				}
				return
			}
			if err != nil {
				t.Fatalf("Connect: %v (kind %s)", err, sdk.KindOf(err))
			}
			host := strings.ToLower(tc.subdomain) + ".zendesk.test"
			if diff := cmp.Diff([]string{host + ":" + port, tc.subdomain + ":7"}, []string{conn.Label(), conn.Identity()}); diff != "" {
				t.Errorf("label, identity (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{host}, res.Hosts()); diff != "" {
				t.Errorf("lookups (-want +got):\n%s", diff)
			}
			if got := s.last(t, "/api/v2/users/me.json").Header.Get("Authorization"); got != basicOf("a@b.example/token", "tok") {
				t.Errorf("Authorization %q", got)
			}
		})
	}
}
