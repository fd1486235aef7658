package cli

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/connkit/connkit/interop"
)

// TestAuthorizeCommandInterop drives connkit authorize --no-browser against
// the real OAuth server: the test reads the printed URL, logs in and
// consents as a browser would, and the command exits 0 with the label and
// identity.
func TestAuthorizeCommandInterop(t *testing.T) {
	iss := interop.Issuer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dir := t.TempDir()
	mf, vf := filepath.Join(dir, "code.yaml"), filepath.Join(dir, "values.yaml")
	if err := os.WriteFile(mf, []byte(interop.AuthorizationCodeManifest(iss, false)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(vf, []byte("client_id: web-app\nclient_secret: web-app-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	st := "sqlite:" + filepath.Join(t.TempDir(), "connkit.db")
	r := startAuthorize(t, "--manifest", mf, "--values", vf, "--store", st, "--listen", "127.0.0.1:0", "--no-browser")
	if !strings.HasPrefix(r.URL, iss+"/auth?") {
		code, out, errOut := r.wait()
		t.Fatalf("no authorize URL: exit %d\n%s\n%s", code, out, errOut)
	}
	redirect := mustQuery(t, r.URL).Get("redirect_uri")
	cb, err := interop.NewBrowser("frank").Authorize(ctx, r.URL, redirect)
	if err != nil {
		t.Fatalf("login and consent: %v", err)
	}
	resp, err := http.Get(cb.String())
	if err != nil {
		t.Fatalf("redirect to connkit: %v", err)
	}
	_ = resp.Body.Close()
	code, out, errOut := r.wait()
	if code != ExitOK || resp.StatusCode != http.StatusOK || !strings.Contains(out, `ok: connected "User frank" (identity frank)`) {
		t.Fatalf("exit %d, callback page %d\nstdout:\n%s\nstderr:\n%s", code, resp.StatusCode, out, errOut)
	}
	if !strings.Contains(errOut, "stored as connection") {
		t.Errorf("authorize did not say where the tokens were stored:\n%s", errOut)
	}

	keyEnv := map[string]string{"CONNKIT_STORE_KEY": testStoreKey}
	// connkit call finds the stored authorization: no browser again.
	code, out, errOut = runApp(keyEnv, "call", "--manifest", mf, "--values", vf, "--store", st,
		"--method", "GET", "--path", "/me", "--format", "json")
	if code != ExitOK || !strings.Contains(out, `"id":"frank"`) {
		t.Fatalf("call with the stored authorization: exit %d\n%s\n%s", code, out, errOut)
	}
	// connkit revoke revokes it at the server; the next call fails.
	code, out, errOut = runApp(keyEnv, "revoke", "--manifest", mf, "--values", vf, "--store", st)
	if code != ExitOK || !strings.Contains(out, "revoked the tokens") {
		t.Fatalf("revoke: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = runApp(keyEnv, "call", "--manifest", mf, "--values", vf, "--store", st,
		"--method", "GET", "--path", "/me", "--format", "json")
	if code != ExitFindings {
		t.Errorf("call after revoke: exit %d, want 1\n%s", code, out)
	}
}
