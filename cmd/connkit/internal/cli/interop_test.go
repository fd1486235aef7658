package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/connkit/connkit/interop"
)

// TestTestCommandInterop runs connkit test against the real OAuth server.
func TestTestCommandInterop(t *testing.T) {
	iss := interop.Issuer(t)
	dir := t.TempDir()
	mf := filepath.Join(dir, "ci.yaml")
	vf := filepath.Join(dir, "values.yaml")
	if err := os.WriteFile(mf, []byte(interop.ClientCredentialsManifest(iss, "basic", "crm.read")), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(vf, []byte("client_id: cc-basic\nclient_secret: env:CC_SECRET\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CC_SECRET": "cc-basic-secret"}
	code, out, errOut := runApp(env, "test", "--manifest", mf, "--values", vf, "--format", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	var got connectedJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if !got.OK || got.Identity != "cc-basic" || got.ExpiresAt == "" {
		t.Errorf("output = %+v", got)
	}

	env["CC_SECRET"] = "wrong"
	code, out, _ = runApp(env, "test", "--manifest", mf, "--values", vf, "--format", "json")
	if code != ExitFindings || !strings.Contains(out, `"kind":"auth"`) || !strings.Contains(out, "invalid_client") {
		t.Errorf("wrong secret: exit %d: %s", code, out)
	}
}
