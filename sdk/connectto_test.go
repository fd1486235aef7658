package sdk_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/connkit/connkit/sdk"
)

// connectToManifest names the provider's real host and default port; the
// test server stands in for it through Options.ConnectTo.
const connectToManifest = `
connkit: v1
id: t-connect-to
name: Connect-to
fields:
  - {key: token, label: Token, type: secret, required: true}
base_url: https://api.acme.test/v2
auth:
  type: bearer
  apply: {headers: {Authorization: "Bearer {{ fields.token }}"}}
whitelist: [https://api.acme.test/v2/]
test:
  request: {path: /me}
  expect: {present: [id]}
label: "{{ response.host }} {{ response.sni }}"
identity: "{{ response.id }}"
`

// TestConnectTo: Options.ConnectTo dials the stand-in while the URL, the TLS
// server name and the Host header stay the provider's; the stand-in on
// loopback still needs the operator's private networks, and no name is
// resolved for a mapped host (an unmapped port resolves the host itself).
func TestConnectTo(t *testing.T) {
	cert, pool := selfSigned(t, "api.acme.test")
	s := newTLSServer(t, map[string]http.HandlerFunc{
		"GET /v2/me": func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, map[string]any{"id": "u1", "host": r.Host, "sni": r.TLS.ServerName})
		},
	}, cert)
	standIn := strings.TrimPrefix(s.URL, "https://")
	for _, tc := range []struct {
		name         string
		connectTo    map[string]string
		allowPrivate bool
		wantKind     sdk.Kind
		wantLabel    string
		wantLookups  []string
	}{
		{name: "host:port key", connectTo: map[string]string{"api.acme.test:443": standIn}, allowPrivate: true,
			wantLabel: "api.acme.test api.acme.test"},
		{name: "host key in another case, with a trailing dot", connectTo: map[string]string{"API.Acme.test.": standIn}, allowPrivate: true,
			wantLabel: "api.acme.test api.acme.test"},
		{name: "loopback stand-in without private networks", connectTo: map[string]string{"api.acme.test": standIn},
			wantKind: sdk.KindBlocked},
		{name: "another port is not mapped: the host is resolved", connectTo: map[string]string{"api.acme.test:8443": standIn},
			wantKind: sdk.KindBlocked, wantLookups: []string{"api.acme.test"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := s.total.Load()
			res := &resolver{}
			opts := sdk.Options{ConnectTo: tc.connectTo, AllowPrivateNetworks: tc.allowPrivate, RootCAs: pool, Resolver: res}
			conn, err := connector(t, nil, opts, connectToManifest).Connect(context.Background(), sdk.Values{"token": "t0k"}, sdk.ConnectOptions{})
			if tc.wantKind != "" {
				if sdk.KindOf(err) != tc.wantKind {
					t.Fatalf("Connect: %v (kind %s), want kind %s", err, sdk.KindOf(err), tc.wantKind)
				}
				if n := s.total.Load() - before; n != 0 {
					t.Errorf("%d requests reached the stand-in, want 0", n)
				}
				if diff := cmp.Diff(tc.wantLookups, res.Hosts()); diff != "" {
					t.Errorf("lookups (-want +got):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatalf("Connect: %v (kind %s)", err, sdk.KindOf(err))
			}
			if diff := cmp.Diff(tc.wantLabel, conn.Label()); diff != "" {
				t.Errorf("Host header and TLS server name the stand-in saw (-want +got):\n%s", diff)
			}
			if got := s.last(t, "/v2/me").Header.Get("Authorization"); got != "Bearer t0k" {
				t.Errorf("Authorization = %q, want the bearer token", got)
			}
			if len(res.Hosts()) != 0 {
				t.Errorf("resolved %v, want no lookup for a mapped host", res.Hosts())
			}
		})
	}
}
