package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// revokeServer is a client-credentials provider with an RFC 7009 revoke API
// that answers status.
func revokeServer(t *testing.T, status int) (*httptest.Server, func() []url.Values) {
	t.Helper()
	var mu sync.Mutex
	var revoked []url.Values
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth/token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"tok-`+canary+`","token_type":"Bearer","expires_in":3600}`)
	})
	mux.HandleFunc("POST /oauth/revoke", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		revoked = append(revoked, r.PostForm)
		mu.Unlock()
		w.WriteHeader(status)
	})
	mux.HandleFunc("GET /v2/me", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"id":"acct-1","name":"Acme"}`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, func() []url.Values {
		mu.Lock()
		defer mu.Unlock()
		return append([]url.Values(nil), revoked...)
	}
}

func writeRevokeFiles(t *testing.T, srvURL, authType, revoke string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	m := `connkit: v1
id: cli-revoke
name: Revoke App
base_url: ` + srvURL + `/v2
auth:
  type: ` + authType + `
  token:
    url: ` + srvURL + `/oauth/token
    client_id: cid
    client_secret: "{{ fields.secret }}"
` + revoke + `
fields:
  - {key: secret, label: Secret, type: secret, required: true}
whitelist: ["` + srvURL + `/"]
test:
  request: {method: GET, path: /me}
label: "{{ response.name }}"
identity: "{{ response.id }}"
`
	mf, vf := filepath.Join(dir, "m.yaml"), filepath.Join(dir, "v.yaml")
	if err := os.WriteFile(mf, []byte(m), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(vf, []byte("secret: "+canary+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return mf, vf
}

func TestRevokeCommand(t *testing.T) {
	srv, revoked := revokeServer(t, http.StatusOK)
	mf, vf := writeRevokeFiles(t, srv.URL, "oauth2_client_credentials", "  revoke: {url: "+srv.URL+"/oauth/revoke}")
	code, out, errOut := runApp(nil, "revoke", "--manifest", mf, "--values", vf, "--format", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	var got revokedJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	if diff := cmp.Diff(revokedJSON{OK: true, Revoked: true, Label: "Acme", Identity: "acct-1"}, got); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
	want := []url.Values{{"token": {"tok-" + canary}, "token_type_hint": {"access_token"}}}
	if diff := cmp.Diff(want, revoked()); diff != "" {
		t.Errorf("revocation requests (-want +got):\n%s", diff)
	}
	if strings.Contains(out+errOut, canary) {
		t.Errorf("a secret leaked into the output")
	}
}

func TestRevokeCommandOutcomes(t *testing.T) {
	for _, tc := range []struct {
		name, authType, revoke string
		status                 int
		code                   int
		says                   string
	}{
		{"no revoke API", "oauth2_client_credentials", "", 200, ExitOK, "no revoke API"},
		{"revoke API fails", "oauth2_client_credentials", "  revoke: {url: $URL/oauth/revoke}", 400, ExitFindings, "revoke the access_token"},
		{"authorization code without a store", "oauth2_authorization_code",
			"  revoke: {url: $URL/oauth/revoke}\n  authorize: {url: $URL/authorize, redirect_url: \"http://127.0.0.1:8976/callback\"}", 200, ExitFindings, "no stored authorization"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, revoked := revokeServer(t, tc.status)
			mf, vf := writeRevokeFiles(t, srv.URL, tc.authType, strings.ReplaceAll(tc.revoke, "$URL", srv.URL))
			code, out, errOut := runApp(nil, "revoke", "--manifest", mf, "--values", vf)
			if code != tc.code || !strings.Contains(out+errOut, tc.says) {
				t.Errorf("exit %d (want %d)\nstdout %s\nstderr %s", code, tc.code, out, errOut)
			}
			if tc.authType == "oauth2_authorization_code" && len(revoked()) != 0 {
				t.Errorf("a revocation was sent")
			}
		})
	}
}
