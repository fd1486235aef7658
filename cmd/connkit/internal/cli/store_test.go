package cli

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/connkit/connkit/sdk"
	"github.com/connkit/connkit/sdk/secret"
	"github.com/connkit/connkit/sdk/store"
)

// TestStoreKeepsConnection: connkit test stores the connection, and
// connkit call (here with CONNKIT_STORE instead of --store) uses the
// stored token without a token request or a test call; the secret is
// encrypted with a key file created beside the default store.
func TestStoreKeepsConnection(t *testing.T) {
	srv, hits := apiServer(t)
	mf, vf := writeFiles(t, srv.URL, "env:ACME_SECRET")
	home := t.TempDir()
	dbPath := filepath.Join(t.TempDir(), "kept.db")
	env := map[string]string{"ACME_SECRET": canary, "HOME": home, "XDG_CONFIG_HOME": ""}

	code, out, errOut := runApp(env, "test", "--manifest", mf, "--values", vf, "--store", "sqlite:"+dbPath)
	if code != ExitOK {
		t.Fatalf("test: exit %d, stdout %s, stderr %s", code, out, errOut)
	}
	if got := hits.Load(); got != 2 {
		t.Fatalf("test made %d requests, want a token request and the test call", got)
	}
	env[storeEnv] = "sqlite:" + dbPath
	code, out, errOut = runApp(env, "call", "--manifest", mf, "--values", vf, "--action", "list_contacts")
	if code != ExitOK || !strings.Contains(out, `"limit":"50"`) {
		t.Fatalf("call: exit %d, stdout %s, stderr %s", code, out, errOut)
	}
	if got := hits.Load(); got != 3 {
		t.Errorf("%d requests after call, want 3: call must reuse the stored connection", got)
	}
	keyFile := filepath.Join(userConfigDir(func(k string) string { return env[k] }), "connkit", "store.key")
	info, err := os.Stat(keyFile)
	if err != nil {
		t.Fatalf("no key file beside the default store: %v", err)
	}
	if runtime.GOOS != "windows" && info.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", info.Mode().Perm())
	}
	for _, p := range []string{dbPath, dbPath + "-wal"} {
		if b, err := os.ReadFile(p); err == nil && bytes.Contains(b, []byte(canary)) {
			t.Errorf("%s holds the secret in clear", p)
		}
	}

	other := filepath.Join(t.TempDir(), "v.yaml")
	if err := os.WriteFile(other, []byte("client_id: cli-client\nclient_secret: "+canary+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The same values written directly are the same connection.
	if code, out, errOut := runApp(env, "call", "--manifest", mf, "--values", other, "--action", "list_contacts"); code != ExitOK {
		t.Fatalf("call: exit %d, stdout %s, stderr %s", code, out, errOut)
	}
	if got := hits.Load(); got != 4 {
		t.Errorf("%d requests, want 4: the same values must find the stored connection", got)
	}
}

// TestStoreDefaultAndKeys: without --store the store is the SQLite file in
// the config directory; a store written with CONNKIT_STORE_KEY refuses to
// open without it, saying which key is missing.
func TestStoreDefaultAndKeys(t *testing.T) {
	srv, _ := apiServer(t)
	mf, vf := writeFiles(t, srv.URL, canary)
	config := t.TempDir()
	key := "ops1:" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	env := map[string]string{"XDG_CONFIG_HOME": config, store.KeyEnv: key}
	if code, out, errOut := runApp(env, "test", "--manifest", mf, "--values", vf); code != ExitOK {
		t.Fatalf("test: exit %d, stdout %s, stderr %s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(config, "connkit", "connkit.db")); err != nil {
		t.Errorf("the default store was not created: %v", err)
	}
	if _, err := os.Stat(filepath.Join(config, "connkit", "store.key")); !os.IsNotExist(err) {
		t.Errorf("a key file was created although %s is set: %v", store.KeyEnv, err)
	}
	delete(env, store.KeyEnv)
	env[store.KeyFileEnv] = filepath.Join(config, "other.key")
	if err := os.WriteFile(env[store.KeyFileEnv], []byte("ops2:"+base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{8}, 32))), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runApp(env, "test", "--manifest", mf, "--values", vf)
	if code != ExitFindings || !strings.Contains(errOut, "ops1") || !strings.Contains(errOut, "hint: give the key the store was written with") {
		t.Errorf("test with the wrong key: exit %d, stdout %s, stderr %s; want a config failure naming key ops1", code, out, errOut)
	}
	if strings.Contains(errOut, base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))) {
		t.Error("the error shows key material")
	}
}

func TestStoreFlagErrors(t *testing.T) {
	srv, _ := apiServer(t)
	mf, vf := writeFiles(t, srv.URL, canary)
	tests := []struct {
		name  string
		env   map[string]string
		store string
		code  int
		want  string
	}{
		{"unknown scheme", nil, "mysql://root:hunter2@db/x", ExitUsage, `--store: unknown store "mysql://...@db/x"`},
		{"unknown in the environment", map[string]string{storeEnv: "redis:"}, "", ExitUsage, `CONNKIT_STORE: unknown store "redis:"`},
		{"default path without a config directory", nil, "sqlite:", ExitUsage, "needs a path"},
		{"sqlite without a key or config directory", nil, "sqlite:" + filepath.Join(t.TempDir(), "x.db"), ExitFindings, "no store key"},
		{"bad key", map[string]string{store.KeyEnv: "nope"}, "memory:", ExitFindings, "CONNKIT_STORE_KEY: store key entry 1"},
		{"postgres unreachable", map[string]string{store.KeyEnv: base64.StdEncoding.EncodeToString(make([]byte, 32))},
			"postgres://u:hunter2@127.0.0.1:1/db?sslmode=disable&connect_timeout=2", ExitFindings, "the store could not be opened"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"test", "--manifest", mf, "--values", vf}
			if tc.store != "" {
				args = append(args, "--store", tc.store)
			}
			code, out, errOut := runApp(tc.env, args...)
			if code != tc.code || !strings.Contains(errOut, tc.want) || strings.Contains(errOut, "hunter2") {
				t.Errorf("exit %d, stdout %s, stderr %s; want exit %d and %q, without the password", code, out, errOut, tc.code, tc.want)
			}
		})
	}
}

// TestNoEnvironmentKeepsNothing: with no config directory and no --store
// (as in these tests), nothing is written anywhere.
func TestNoEnvironmentKeepsNothing(t *testing.T) {
	srv, hits := apiServer(t)
	mf, vf := writeFiles(t, srv.URL, canary)
	for range 2 {
		if code, out, errOut := runApp(nil, "call", "--manifest", mf, "--values", vf, "--action", "list_contacts"); code != ExitOK {
			t.Fatalf("call: exit %d, stdout %s, stderr %s", code, out, errOut)
		}
	}
	if got := hits.Load(); got != 6 {
		t.Errorf("%d requests for two calls, want 6: without a store each call connects", got)
	}
}

func TestUserConfigDir(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" || runtime.GOOS == "ios" || runtime.GOOS == "plan9" {
		t.Skip("the XDG rules apply to other systems")
	}
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"XDG_CONFIG_HOME": "/x/cfg", "HOME": "/home/a"}, "/x/cfg"},
		{map[string]string{"XDG_CONFIG_HOME": "relative", "HOME": "/home/a"}, "/home/a/.config"},
		{map[string]string{"HOME": "/home/a"}, "/home/a/.config"},
		{nil, ""},
	}
	for _, tc := range tests {
		if got := userConfigDir(func(k string) string { return tc.env[k] }); got != tc.want {
			t.Errorf("userConfigDir(%v) = %q, want %q", tc.env, got, tc.want)
		}
	}
}

func TestSameValues(t *testing.T) {
	stored := &store.Connection{Values: map[string]string{"a": "1"}, Secrets: map[string]secret.Value{"s": secret.New("x")}}
	tests := []struct {
		values sdk.Values
		want   bool
	}{
		{sdk.Values{"a": "1", "s": "x"}, true},
		{sdk.Values{"a": "1", "s": "x", "empty": ""}, true},
		{sdk.Values{"a": "1", "s": "y"}, false},
		{sdk.Values{"a": "2", "s": "x"}, false},
		{sdk.Values{"a": "1"}, false},
		{sdk.Values{"a": "1", "s": "x", "b": "2"}, false},
	}
	var got []bool
	var want []bool
	for _, tc := range tests {
		got = append(got, sameValues(stored, tc.values))
		want = append(want, tc.want)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sameValues (-want +got):\n%s", diff)
	}
}
