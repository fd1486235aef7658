package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/connkit/connkit/sdk"
	"github.com/connkit/connkit/templates"
	"github.com/connkit/connkit/validator"
)

func TestInitList(t *testing.T) {
	var want strings.Builder
	width := 0
	for _, tmpl := range templates.List() {
		width = max(width, len(tmpl.Name))
	}
	for _, tmpl := range templates.List() {
		fmt.Fprintf(&want, "%-*s  %s\n", width, tmpl.Name, tmpl.Summary)
	}
	if len(templates.List()) != 6 {
		t.Errorf("%d templates, want 6 (one per auth style)", len(templates.List()))
	}
	if diff := cmp.Diff(result{Code: ExitOK, Stdout: want.String()}, run(t, "init", "--list")); diff != "" {
		t.Errorf("connkit init --list (-want +got):\n%s", diff)
	}
}

// TestInitTemplates: every template, written by connkit init, is a manifest
// that validates without a finding (errors or warnings) and that the runtime
// registers under the new id.
func TestInitTemplates(t *testing.T) {
	v, err := validator.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, tmpl := range templates.List() {
		t.Run(tmpl.Name, func(t *testing.T) {
			id := "my-" + tmpl.Name
			path := filepath.Join(t.TempDir(), "connectors", "new", id+".yaml")
			got := run(t, "init", "--template", tmpl.Name, "--id", id, "--name", "My "+tmpl.Name, path)
			wantStderr := fmt.Sprintf("connkit: wrote %s from the %s template; fill it in, then run: connkit validate --strict %s\n", path, tmpl.Name, path)
			if diff := cmp.Diff(result{Code: ExitOK, Stderr: wantStderr}, got); diff != "" {
				t.Fatalf("connkit init (-want +got):\n%s", diff)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if diags := v.Validate(path, data); len(diags) != 0 {
				t.Errorf("the manifest has %d findings, want none:\n%v", len(diags), diags)
			}
			conn, err := sdk.NewRegistry(sdk.Options{}).Load(path)
			if err != nil {
				t.Fatalf("Registry.Load: %v", err)
			}
			if conn.ID() != id || conn.Manifest().Name != "My "+tmpl.Name {
				t.Errorf("registered as %q named %q, want %q named %q", conn.ID(), conn.Manifest().Name, id, "My "+tmpl.Name)
			}

			// The same manifest on standard output.
			want, err := templates.Render(tmpl.Name, id, "My "+tmpl.Name)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(result{Code: ExitOK, Stdout: string(want)}, run(t, "init", "-t", tmpl.Name, "--id", id, "--name", "My "+tmpl.Name, "-")); diff != "" {
				t.Errorf("connkit init ... - (-want +got):\n%s", diff)
			}
			if string(want) != string(data) {
				t.Errorf("the file and standard output differ")
			}
		})
	}
}

func TestInitOverwrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "acme.yaml")
	if err := os.WriteFile(path, []byte("mine\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got := run(t, "init", "--template", "basic", "--id", "acme", path)
	want := result{Code: ExitUsage, Stderr: "connkit: " + path + " already exists: pass --force to overwrite it, or choose another path\n"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("init over an existing file (-want +got):\n%s", diff)
	}
	if data, _ := os.ReadFile(path); string(data) != "mine\n" {
		t.Errorf("the existing file changed to %q", data)
	}

	if got := run(t, "init", "--template", "basic", "--id", "acme", "--force", path); got.Code != ExitOK {
		t.Fatalf("init --force: %+v", got)
	}
	want2, err := templates.Render("basic", "acme", "")
	if err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); string(data) != string(want2) {
		t.Errorf("init --force left %q, want the template", data)
	}
}

func TestInitUsageErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.yaml")
	tests := []struct {
		name   string
		args   []string
		stderr string
		code   int
	}{
		{"no template", []string{"init", "--id", "acme", path},
			"--template is required (connkit init --list shows the templates)", ExitUsage},
		{"no id", []string{"init", "--template", "basic", path}, "--id is required", ExitUsage},
		{"no path", []string{"init", "--template", "basic", "--id", "acme"}, "no path given", ExitUsage},
		{"two paths", []string{"init", "--template", "basic", "--id", "acme", path, path + "2"}, "init writes one manifest, got 2 paths", ExitUsage},
		{"flag after the path", []string{"init", "--template", "basic", path, "--id", "acme"}, "flag --id comes after the argument", ExitUsage},
		{"unknown template", []string{"init", "--template", "oauth2-client-credential", "--id", "acme", path},
			`unknown template "oauth2-client-credential" (did you mean "oauth2-client-credentials"?)`, ExitUsage},
		{"bad id", []string{"init", "--template", "basic", "--id", "Acme_CRM", path},
			`id "Acme_CRM" is not a slug: use lower-case letters, digits and single dashes, such as "acme-crm"`, ExitUsage},
		{"long name", []string{"init", "--template", "basic", "--id", "acme", "--name", strings.Repeat("x", 51), path},
			"the name is 51 characters long; a display name is at most 50", ExitUsage},
		{"list with a path", []string{"init", "--list", path}, `--list takes no path, got "` + path + `"`, ExitUsage},
		{"list with a template", []string{"init", "--list", "--template", "basic"}, "--list takes no other flag, got --template", ExitUsage},
		{"directory as path", []string{"init", "--template", "basic", "--id", "acme", "--force", dir}, dir + " is a directory", ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := run(t, tt.args...)
			if got.Code != tt.code || !strings.Contains(got.Stderr, tt.stderr) || got.Stdout != "" {
				t.Errorf("connkit %s: exit %d, stdout %q, stderr %q; want exit %d and %q", strings.Join(tt.args, " "), got.Code, got.Stdout, got.Stderr, tt.code, tt.stderr)
			}
			if _, err := os.Stat(path); err == nil {
				t.Errorf("a refused init wrote %s", path)
			}
		})
	}
}
