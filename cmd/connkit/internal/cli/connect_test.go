package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const canary = "CANARY-cli-secret-7f3a9"

// apiServer is a provider: a client-credentials token endpoint and a "me"
// endpoint that wants the token.
func apiServer(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth/token", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		id, sec, ok := r.BasicAuth()
		if !ok || id != "cli-client" || sec != canary {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"invalid_client","error_description":"bad client"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"tok-`+canary+`","token_type":"bearer","expires_in":3600}`)
	})
	mux.HandleFunc("GET /v2/me", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Header.Get("Authorization") != "Bearer tok-"+canary || r.URL.Query().Get("version") != "2" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `{"id":"acct-42","company":{"name":"Acme"}}`)
	})
	mux.HandleFunc("GET /v2/contacts", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		fmt.Fprintf(w, `{"limit":%q}`, r.URL.Query().Get("limit"))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, &hits
}

func writeFiles(t *testing.T, srvURL string, secretRef string) (manifestPath, valuesPath string) {
	t.Helper()
	dir := t.TempDir()
	m := `connkit: v1
id: cli-test
name: CLI Test
fields:
  - {key: client_id, label: Client ID, type: string, required: true}
  - {key: client_secret, label: Client Secret, type: secret, required: true}
base_url: ` + srvURL + `/v2
auth:
  type: oauth2_client_credentials
  token:
    url: ` + srvURL + `/oauth/token
    client_id: "{{ fields.client_id }}"
    client_secret: "{{ fields.client_secret }}"
whitelist: ["` + srvURL + `/"]
defaults: {query: {version: "2"}}
test:
  request: {method: GET, path: /me}
  expect: {status: [200], present: [id]}
label: "{{ response.company.name }}"
identity: "{{ response.id }}"
actions:
  list_contacts:
    method: GET
    path: /contacts
    input: [{key: limit, type: number, default: 50}]
    query: {limit: "{{ input.limit }}"}
`
	manifestPath = filepath.Join(dir, "m.yaml")
	valuesPath = filepath.Join(dir, "values.yaml")
	if err := os.WriteFile(manifestPath, []byte(m), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(valuesPath, []byte("client_id: cli-client\nclient_secret: "+secretRef+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return manifestPath, valuesPath
}

func runApp(env map[string]string, args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	a := &App{Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return env[k] }}
	code := a.Main(append([]string{"connkit"}, args...))
	return code, stdout.String(), stderr.String()
}

func TestTestCommand(t *testing.T) {
	srv, _ := apiServer(t)
	mf, vf := writeFiles(t, srv.URL, "env:ACME_SECRET")
	env := map[string]string{"ACME_SECRET": canary}

	code, out, errOut := runApp(env, "test", "--manifest", mf, "--values", vf, "--format", "json")
	if code != ExitOK {
		t.Fatalf("exit %d, stdout %s, stderr %s", code, out, errOut)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output is not JSON: %v: %s", err, out)
	}
	if got["ok"] != true || got["label"] != "Acme" || got["identity"] != "acct-42" || got["expires_at"] == nil {
		t.Errorf("output = %v", got)
	}

	code, out, _ = runApp(env, "test", "--manifest", mf, "--values", vf)
	if code != ExitOK || !strings.Contains(out, `ok: connected "Acme" (identity acct-42)`) {
		t.Errorf("text output: exit %d: %s", code, out)
	}
}

func TestTestCommandFailure(t *testing.T) {
	srv, _ := apiServer(t)
	mf, vf := writeFiles(t, srv.URL, "wrong-"+canary)
	code, out, errOut := runApp(nil, "test", "--manifest", mf, "--values", vf, "--format", "json")
	if code != ExitFindings {
		t.Fatalf("exit %d, want 1: %s %s", code, out, errOut)
	}
	var got struct {
		OK    bool      `json:"ok"`
		Error errorJSON `json:"error"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output is not JSON: %v: %s", err, out)
	}
	if got.OK || got.Error.Kind != "auth" || !strings.Contains(got.Error.Message, "invalid_client") || got.Error.Hint == "" {
		t.Errorf("output = %+v", got)
	}
	if strings.Contains(out+errOut, canary) {
		t.Errorf("the secret leaked into the output: %s %s", out, errOut)
	}
}

func TestCallCommand(t *testing.T) {
	srv, hits := apiServer(t)
	mf, vf := writeFiles(t, srv.URL, "env:ACME_SECRET")
	env := map[string]string{"ACME_SECRET": canary}

	code, out, errOut := runApp(env, "call", "--manifest", mf, "--values", vf, "--action", "list_contacts", "--input", `{"limit": 7}`, "--format", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"ok": true, "status": float64(200), "body": map[string]any{"limit": "7"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("call output (-want +got):\n%s", d)
	}

	before := hits.Load()
	code, out, _ = runApp(env, "call", "--manifest", mf, "--values", vf, "--method", "GET", "--url", "https://elsewhere.example/x?key=1", "--format", "json")
	if code != ExitFindings || !strings.Contains(out, `"kind":"blocked"`) {
		t.Errorf("a request outside the whitelist: exit %d: %s", code, out)
	}
	// Connect sends the token request and the test call; the blocked
	// request itself reaches nothing.
	if n := hits.Load() - before; n != 2 {
		t.Errorf("server hits = %d, want 2 (token, test)", n)
	}
}

func TestConnectUsageErrors(t *testing.T) {
	srv, _ := apiServer(t)
	mf, vf := writeFiles(t, srv.URL, "x")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no manifest", []string{"test", "--values", vf}, "--manifest is required"},
		{"bad format", []string{"test", "--manifest", mf, "--values", vf, "--format", "xml"}, `unknown format "xml"`},
		{"missing values file", []string{"test", "--manifest", mf, "--values", "/nonexistent/v.yaml"}, "read the values file"},
		{"action and raw", []string{"call", "--manifest", mf, "--values", vf, "--action", "a", "--method", "GET"}, "not both"},
		{"nothing to call", []string{"call", "--manifest", mf, "--values", vf}, "give --action NAME"},
		{"bad input", []string{"call", "--manifest", mf, "--values", vf, "--action", "a", "--input", "[1"}, "--input must be a JSON object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runApp(nil, tc.args...)
			if code != ExitUsage || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errOut, tc.want)
			}
		})
	}
}

func TestValuesFileReferences(t *testing.T) {
	dir := t.TempDir()
	sec := filepath.Join(dir, "secret.txt")
	if err := os.WriteFile(sec, []byte(canary+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	vf := filepath.Join(dir, "v.json")
	if err := os.WriteFile(vf, []byte(`{"a": "file:`+sec+`", "b": "env:B", "c": 3, "d": true}`), 0o600); err != nil {
		t.Fatal(err)
	}
	a := &App{Getenv: func(k string) string { return map[string]string{"B": "from-env"}[k] }}
	got, err := a.readValues(vf)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a": canary, "b": "from-env", "c": "3", "d": "true"}
	if d := cmp.Diff(want, map[string]string(got)); d != "" {
		t.Errorf("values (-want +got):\n%s", d)
	}
	if err := os.WriteFile(vf, []byte(`{"a": "env:UNSET"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := a.readValues(vf); err == nil || !strings.Contains(err.Error(), "UNSET is not set") {
		t.Errorf("unset env: err = %v", err)
	}
}
