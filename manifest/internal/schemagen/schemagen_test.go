package schemagen

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// chdirRoot makes the module root the working directory for the test.
func chdirRoot(t *testing.T) {
	t.Helper()
	root, err := ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(root)
}

func TestGenerateDescriptions(t *testing.T) {
	chdirRoot(t)
	b, err := Generate()
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	var s struct {
		Description string `json:"description"`
		Properties  map[string]struct {
			Description string `json:"description"`
		} `json:"properties"`
		Defs map[string]struct {
			Description string `json:"description"`
			Properties  map[string]struct {
				Description string `json:"description"`
			} `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	got := []string{
		s.Description,
		s.Properties["whitelist"].Description,
		s.Defs["Auth"].Description,
		// Action embeds Request: the inlined field keeps Request's comment.
		s.Defs["Action"].Properties["path"].Description,
	}
	want := []string{
		"Manifest is one connector: everything a runtime needs to connect an account of an API and to call it.",
		"Whitelist lists the URL prefixes the connection may ever reach; every\nrequest (token, refresh, revoke, test, actions) must match one entry.\nAn entry is scheme://host[:port]/path-prefix; the host may start with\n\"*.\" to match any subdomain (never the apex).",
		"Auth says how a connection authenticates: how it obtains, renews and revokes credentials and how it applies them to API requests.",
		"Path is resolved against the base URL. Exactly one of Path and URL.",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("descriptions from doc comments (-want +got):\n%s", diff)
	}
	for name, d := range s.Defs {
		for key, p := range d.Properties {
			if p.Description == "" {
				t.Errorf("$defs/%s/properties/%s has no description: add a doc comment to the field", name, key)
			}
		}
	}
	if !strings.HasSuffix(string(b), "}\n") {
		t.Errorf("output does not end in a newline")
	}
}

func TestGenerateOutsideModuleRoot(t *testing.T) {
	t.Chdir(t.TempDir())
	_, err := Generate()
	if err == nil || !strings.Contains(err.Error(), "run from the module root") {
		t.Errorf("Generate outside the module root: error %v, want one that says to run from the module root", err)
	}
}

func TestModuleRoot(t *testing.T) {
	root := t.TempDir()
	nested := filepath.Join(root, "a", "b")
	if err := os.MkdirAll(nested, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := ModuleRoot(nested); !errors.Is(err, ErrNoModule) {
		t.Errorf("ModuleRoot without go.mod: error %v, want ErrNoModule", err)
	}
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module example.com/m\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ModuleRoot(nested)
	if err != nil {
		t.Fatalf("ModuleRoot: %v", err)
	}
	if got != root {
		t.Errorf("ModuleRoot(%s) = %s, want %s", nested, got, root)
	}
}
