package sdk_test

import (
	"errors"
	"github.com/connkit/connkit/validator"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/sdk"
)

func minimal(id string) string {
	return `
connkit: v1
id: ` + id + `
name: ` + id + `
auth: {type: none}
whitelist: [https://api.example.com/]
actions:
  b: {path: /b}
  a: {path: /a}
`
}

// TestRegistryLoadDir: valid manifests are registered, invalid ones are
// refused each with a *LoadError naming its file, and ids stay unique.
func TestRegistryLoadDir(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"b.yaml":          minimal("beta"),
		"sub/a.yml":       minimal("alpha"),
		"c.json":          `{"connkit": "v1", "id": "gamma", "name": "g", "auth": {"type": "none"}, "whitelist": ["https://g.example/"]}`,
		"dup.yaml":        minimal("alpha"),
		"bad-syntax.yaml": "connkit: v1\nid: [",
		"bad-list.yaml":   strings.Replace(minimal("delta"), "https://api.example.com/", "ftp://api.example.com/", 1),
		"no-auth.yaml":    strings.Replace(minimal("eps"), "auth: {type: none}\n", "", 1),
		"notes.txt":       "not a manifest",
	}
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	reg := sdk.NewRegistry(sdk.Options{Check: acceptAll})
	loaded, err := reg.LoadDir(dir)
	var ids []string
	for _, c := range loaded {
		ids = append(ids, c.ID())
	}
	if diff := cmp.Diff([]string{"beta", "gamma", "alpha"}, ids); diff != "" {
		t.Errorf("loaded (-want +got):\n%s", diff)
	}
	var refused []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var le *sdk.LoadError
		if !errors.As(e, &le) {
			t.Fatalf("%v is not a *LoadError", e)
		}
		rel, _ := filepath.Rel(dir, le.Path)
		refused = append(refused, rel)
	}
	if diff := cmp.Diff([]string{"bad-list.yaml", "bad-syntax.yaml", "no-auth.yaml", "sub/a.yml"}, refused); diff != "" {
		t.Errorf("refused (-want +got):\n%s", diff)
	}
	for _, want := range []string{"a.yml: connector id \"alpha\" is already registered from ", "bad-list.yaml: whitelist", "no-auth.yaml: manifest has neither auth nor auth_methods"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	var all []string
	for _, c := range reg.Connectors() {
		all = append(all, c.ID())
	}
	if diff := cmp.Diff([]string{"alpha", "beta", "gamma"}, all); diff != "" {
		t.Errorf("Connectors (-want +got):\n%s", diff)
	}
	c, ok := reg.Connector("beta")
	if !ok || c.Manifest().Name != "beta" {
		t.Fatalf("Connector(beta) = %v, %v", c, ok)
	}
	if diff := cmp.Diff([]string{"a", "b"}, c.Actions()); diff != "" {
		t.Errorf("Actions (-want +got):\n%s", diff)
	}
	if _, ok := reg.Connector("nope"); ok {
		t.Error("Connector(nope) found")
	}
	// Paths are loaded in order: dup.yaml registered alpha first. Loading
	// the same file again replaces the connector.
	if _, err := reg.Load(filepath.Join(dir, "b.yaml")); err != nil {
		t.Errorf("reload: %v", err)
	}
}

// TestRegistryValidatesByDefault: without a Check option the registry runs
// the validator and refuses a manifest with errors, with its diagnostics,
// while warnings alone do not refuse.
func TestRegistryValidatesByDefault(t *testing.T) {
	reg := sdk.NewRegistry(sdk.Options{})
	bad := strings.Replace(minimal("bad"), "id: bad", "id: Bad_ID", 1)
	f, err := manifest.Parse("bad.yaml", []byte(bad))
	if err != nil {
		t.Fatal(err)
	}
	_, err = reg.Add(f)
	var ce *validator.CheckError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "[id-slug]") {
		t.Fatalf("Add(invalid id) = %v, want a *validator.CheckError naming id-slug", err)
	}
	good := `connkit: v1
id: good
name: Good
auth: {type: none}
base_url: https://api.example.com/v1
whitelist: [https://api.example.com/v1/]
actions:
  list: {path: /items}
`
	f, err = manifest.Parse("good.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Add(f); err != nil {
		t.Errorf("Add(minimal manifest with warnings only) = %v", err)
	}
}

// TestRegistryCheck: the Check option refuses manifests.
func TestRegistryCheck(t *testing.T) {
	refuse := errors.New("refused by the validator")
	reg := sdk.NewRegistry(sdk.Options{Check: func(f *manifest.File) error {
		if f.Manifest.ID == "bad" {
			return refuse
		}
		return nil
	}})
	for id, want := range map[string]error{"good": nil, "bad": refuse} {
		f, err := manifest.Parse(id+".yaml", []byte(minimal(id)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := reg.Add(f); !errors.Is(err, want) {
			t.Errorf("Add(%s): %v, want %v", id, err, want)
		}
	}
	if _, err := reg.Add(nil); err == nil {
		t.Error("Add(nil) accepted")
	}
}
