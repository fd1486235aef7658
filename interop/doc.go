// Package interop holds connkit's interoperability tests against real
// servers that nobody on the project wrote, started on 127.0.0.1 by .ci/run:
// an OAuth 2.0 authorization server (oidc-provider, see .ci/oidc).
//
// The tests read the server's address from CONNKIT_OIDC_ISSUER. Without it
// they skip, unless CONNKIT_REQUIRE_INTEROP is set (as CI sets it), when
// they fail.
package interop

import (
	"os"
	"strings"
	"testing"
)

// Issuer returns the address of the CI OAuth server without a trailing
// slash, or skips the test (fails it when CONNKIT_REQUIRE_INTEROP is set).
func Issuer(t testing.TB) string {
	t.Helper()
	iss := os.Getenv("CONNKIT_OIDC_ISSUER")
	if iss == "" {
		if os.Getenv("CONNKIT_REQUIRE_INTEROP") != "" {
			t.Fatal("CONNKIT_OIDC_ISSUER is not set but CONNKIT_REQUIRE_INTEROP is: start the server with .ci/oidc/start.sh")
		}
		t.Skip("CONNKIT_OIDC_ISSUER is not set: start the server with .ci/oidc/start.sh")
	}
	return strings.TrimRight(iss, "/")
}

// ClientCredentialsManifest returns a client-credentials connector for the
// CI server with the client authentication style and scope given.
func ClientCredentialsManifest(iss, clientAuth, scope string) string {
	return `connkit: v1
id: ci-oidc-` + clientAuth + `
name: CI OAuth server
fields:
  - {key: client_id, label: Client ID, type: string, required: true}
  - {key: client_secret, label: Client Secret, type: secret, required: true}
base_url: ` + iss + `/api
auth:
  type: oauth2_client_credentials
  token:
    url: ` + iss + `/token
    client_auth: ` + clientAuth + `
    client_id: "{{ fields.client_id }}"
    client_secret: "{{ fields.client_secret }}"
    scope: "` + scope + `"
whitelist: ["` + iss + `/"]
test:
  request: {method: GET, path: /me}
  expect: {status: [200], present: [id, client_id]}
label: "{{ response.name }}"
identity: "{{ response.client_id }}"
`
}
