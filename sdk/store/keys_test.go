package store_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/connkit/connkit/sdk/store"
)

// Two fixed 32-byte keys.
var (
	rawA = bytes.Repeat([]byte{0xa1}, 32)
	rawB = bytes.Repeat([]byte{0xb2}, 32)
	b64A = base64.StdEncoding.EncodeToString(rawA)
	b64B = base64.RawURLEncoding.EncodeToString(rawB)
)

func TestParseKeyring(t *testing.T) {
	a, err := store.NewKey("", rawA)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in      string
		wantIDs []string
		wantErr string
	}{
		{in: b64A, wantIDs: []string{a.ID()}},
		{in: "  " + b64A + "\n", wantIDs: []string{a.ID()}},
		{in: "new:" + b64B + ", old:" + b64A, wantIDs: []string{"new", "old"}},
		{in: "new:" + b64B + "," + b64A, wantIDs: []string{"new", a.ID()}},
		{in: "", wantErr: "entry 1 is empty"},
		{in: "a:" + b64A + ",", wantErr: "entry 2 is empty"},
		{in: "a:not base64!", wantErr: "entry 1 is not base64"},
		{in: "a:" + base64.StdEncoding.EncodeToString([]byte("short")), wantErr: "is 5"},
		{in: "bad id:" + b64A, wantErr: `key id "bad id"`},
		{in: "a:" + b64A + ",a:" + b64B, wantErr: `"a" is given twice`},
	}
	for _, tc := range tests {
		k, err := store.ParseKeyring(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseKeyring(%q): error %v, want one containing %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseKeyring(%q): %v", tc.in, err)
			continue
		}
		if diff := cmp.Diff(tc.wantIDs, k.IDs()); diff != "" {
			t.Errorf("ParseKeyring(%q) ids (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestSealOpen(t *testing.T) {
	oldK, err := store.ParseKeyring("old:" + b64A)
	if err != nil {
		t.Fatal(err)
	}
	rotated, err := store.ParseKeyring("new:" + b64B + ",old:" + b64A)
	if err != nil {
		t.Fatal(err)
	}
	plain := []byte("refresh-token-value")
	id, sealed, err := oldK.Seal(plain, "conn/1")
	if err != nil {
		t.Fatal(err)
	}
	if id != "old" || bytes.Contains(sealed, plain) {
		t.Fatalf("Seal: key %q, sealed data holds the plaintext: %v", id, bytes.Contains(sealed, plain))
	}
	if got, err := rotated.Open(id, sealed, "conn/1"); err != nil || !bytes.Equal(got, plain) {
		t.Errorf("Open with the old key as secondary: %q, %v", got, err)
	}
	if id, _, _ := rotated.Seal(plain, "conn/1"); id != "new" {
		t.Errorf("rotated keyring seals with %q, want the primary key new", id)
	}
	tests := []struct {
		name    string
		k       *store.Keyring
		keyID   string
		data    []byte
		context string
		want    string
	}{
		{"other record", oldK, id, sealed, "conn/2", "belongs to another record"},
		{"altered", oldK, id, append(bytes.Clone(sealed[:len(sealed)-1]), sealed[len(sealed)-1]^1), "conn/1", "altered"},
		{"truncated", oldK, id, sealed[:5], "conn/1", "truncated"},
		{"unknown key", oldK, "gone", sealed, "conn/1", "key gone, which is not among the keys given (old)"},
		{"no keyring", nil, id, sealed, "conn/1", "no key was given"},
	}
	for _, tc := range tests {
		_, err := tc.k.Open(tc.keyID, tc.data, tc.context)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
		if err != nil && (strings.Contains(err.Error(), b64A) || strings.Contains(err.Error(), string(plain))) {
			t.Errorf("%s: the error shows key material or the secret", tc.name)
		}
	}
	var nilK *store.Keyring
	if id, data, err := nilK.Seal(plain, "c"); id != "" || !bytes.Equal(data, plain) || err != nil {
		t.Errorf("nil keyring Seal = %q, %q, %v; want the data in clear", id, data, err)
	}
}

func TestCheckKeys(t *testing.T) {
	k, err := store.ParseKeyring("a:" + b64A)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.CheckKeys([]string{"", "a", "a"}); err != nil {
		t.Errorf("CheckKeys of known keys: %v", err)
	}
	err = k.CheckKeys([]string{"z", "a", "y", "z"})
	var ke *store.KeyError
	if !errors.As(err, &ke) || errors.Is(err, store.ErrNoKey) {
		t.Fatalf("CheckKeys: %v, want a *KeyError without ErrNoKey", err)
	}
	if diff := cmp.Diff(&store.KeyError{Missing: []string{"y", "z"}, Have: []string{"a"}}, ke); diff != "" {
		t.Errorf("KeyError (-want +got):\n%s", diff)
	}
	var none *store.Keyring
	if err := none.CheckKeys([]string{"a"}); !errors.Is(err, store.ErrNoKey) || !strings.Contains(err.Error(), store.KeyEnv) {
		t.Errorf("CheckKeys without keys: %v, want ErrNoKey naming %s", err, store.KeyEnv)
	}
	if err := none.CheckKeys([]string{""}); err != nil {
		t.Errorf("CheckKeys without keys of clear data: %v", err)
	}
}

func TestLoadKeyring(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "key")
	if err := os.WriteFile(file, []byte("f:"+b64B+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		env     map[string]string
		wantIDs []string
		wantErr string
	}{
		{"nothing", nil, nil, ""},
		{"variable", map[string]string{store.KeyEnv: "e:" + b64A}, []string{"e"}, ""},
		{"variable wins over file", map[string]string{store.KeyEnv: "e:" + b64A, store.KeyFileEnv: file}, []string{"e"}, ""},
		{"file", map[string]string{store.KeyFileEnv: file}, []string{"f"}, ""},
		{"bad variable", map[string]string{store.KeyEnv: "x"}, nil, store.KeyEnv + ": store key entry 1"},
		{"missing file", map[string]string{store.KeyFileEnv: filepath.Join(dir, "nope")}, nil, "read the store key file"},
	}
	for _, tc := range tests {
		k, err := store.LoadKeyring(func(n string) string { return tc.env[n] })
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if diff := cmp.Diff(tc.wantIDs, k.IDs()); diff != "" {
			t.Errorf("%s: ids (-want +got):\n%s", tc.name, diff)
		}
	}
}

func TestCreateKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "store.key")
	k1, err := store.CreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("key file mode %v, want 0600", perm)
	}
	k2, err := store.CreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if k1.Primary() != k2.Primary() {
		t.Errorf("second CreateKeyFile made a new key %s, want the existing %s", k2.Primary(), k1.Primary())
	}
}

func TestKeysNeverPrint(t *testing.T) {
	k, err := store.ParseKeyring("a:" + b64A)
	if err != nil {
		t.Fatal(err)
	}
	key, err := store.NewKey("b", rawB)
	if err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x"} {
		for _, v := range []any{k, key, *k} {
			out := fmt.Sprintf(verb, v)
			for _, raw := range [][]byte{rawA, rawB} {
				if strings.Contains(out, string(raw)) || strings.Contains(out, fmt.Sprintf("%x", raw)) {
					t.Errorf("%s of %T shows key material: %s", verb, v, out)
				}
			}
		}
	}
}

func FuzzParseKeyring(f *testing.F) {
	for _, s := range []string{b64A, "a:" + b64A + ",b:" + b64B, "", ",", "a:", ":" + b64A, "a:" + b64A + ",a:" + b64A, "\x00:\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := store.ParseKeyring(s)
		if err != nil {
			if k != nil {
				t.Errorf("ParseKeyring(%q) returned a keyring with error %v", s, err)
			}
			return
		}
		id, sealed, err := k.Seal([]byte("x"), "c")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := k.Open(id, sealed, "c"); err != nil || string(got) != "x" {
			t.Errorf("round trip with keys from %q: %q, %v", s, got, err)
		}
	})
}
