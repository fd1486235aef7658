package templates_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/templates"
)

func TestList(t *testing.T) {
	want := []templates.Template{
		{Name: "api-key", Summary: "API key in a request header of its own"},
		{Name: "basic", Summary: "HTTP Basic authentication (RFC 7617)"},
		{Name: "bearer", Summary: "Bearer token (a personal access token or secret key the user pastes)"},
		{Name: "login", Summary: "Login (a custom token API)"},
		{Name: "oauth2-authorization-code", Summary: "OAuth 2.0 authorization code with PKCE (RFC 6749 section 4.1, RFC 7636)"},
		{Name: "oauth2-client-credentials", Summary: "OAuth 2.0 client credentials (RFC 6749 section 4.4)"},
	}
	if diff := cmp.Diff(want, templates.List()); diff != "" {
		t.Errorf("List() (-want +got):\n%s", diff)
	}
}

// TestRender: the id and name lines change, every other byte of the
// template stays, and the manifest reads back with the new id and name.
func TestRender(t *testing.T) {
	tests := []struct {
		id, name   string
		wantName   string
		wantLine   string
		wantIDLine string // default "id: ID"
	}{
		{id: "acme-crm", name: "Acme CRM", wantName: "Acme CRM", wantLine: "name: Acme CRM"},
		{id: "acme-crm", wantName: "Acme Crm", wantLine: "name: Acme Crm"},
		{id: "x9", name: "  Acme: the CRM  ", wantName: "Acme: the CRM", wantLine: "name: 'Acme: the CRM'"},
		{id: "a-b-c", name: "yes", wantName: "yes", wantLine: `name: "yes"`},
		{id: "1e3", name: "0", wantName: "0", wantLine: `name: "0"`, wantIDLine: `id: "1e3"`},
		{id: "a", name: "# not a comment", wantName: "# not a comment", wantLine: "name: '# not a comment'"},
		{id: "a", name: strings.Repeat("é", 50), wantName: strings.Repeat("é", 50), wantLine: "name: " + strings.Repeat("é", 50)},
	}
	for _, tmpl := range templates.List() {
		src, err := templates.FS.ReadFile(tmpl.Name + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		for _, tt := range tests {
			t.Run(tmpl.Name+"/"+tt.id+"/"+tt.name, func(t *testing.T) {
				out, err := templates.Render(tmpl.Name, tt.id, tt.name)
				if err != nil {
					t.Fatalf("Render: %v", err)
				}
				f, err := manifest.Parse(tmpl.Name+".yaml", out)
				if err != nil {
					t.Fatalf("the rendered manifest does not load: %v", err)
				}
				if diff := cmp.Diff([]string{tt.id, tt.wantName}, []string{f.Manifest.ID, f.Manifest.Name}); diff != "" {
					t.Errorf("id, name (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(mask(src), mask(out)); diff != "" {
					t.Errorf("lines other than id and name changed (-template +rendered):\n%s", diff)
				}
				idLine := tt.wantIDLine
				if idLine == "" {
					idLine = "id: " + tt.id
				}
				if !bytes.Contains(out, []byte("\n"+tt.wantLine+"\n")) || !bytes.Contains(out, []byte("\n"+idLine+"\n")) {
					t.Errorf("the rendered manifest lacks the lines %q and %q", idLine, tt.wantLine)
				}
			})
		}
	}
}

// mask returns a manifest's lines with the values of the top-level id and
// name blanked, for the comparison above.
func mask(b []byte) []string {
	lines := strings.Split(string(b), "\n")
	for i, l := range lines {
		if k, _, ok := strings.Cut(l, ":"); ok && (k == "id" || k == "name") {
			lines[i] = k + ": ..."
		}
	}
	return lines
}

func TestRenderErrors(t *testing.T) {
	tests := []struct {
		name, template, id, displayName string
		want                            string
		unknown                         bool
	}{
		{name: "unknown template", template: "oauth2-client-credential", id: "a",
			want: `unknown template "oauth2-client-credential" (did you mean "oauth2-client-credentials"?): the templates are api-key, basic, bearer, login, oauth2-authorization-code, oauth2-client-credentials`, unknown: true},
		{name: "no template", template: "", id: "a", want: `unknown template ""`, unknown: true},
		{name: "path as template", template: "../templates/basic", id: "a", want: `unknown template "../templates/basic"`, unknown: true},
		{name: "empty id", template: "basic", id: "", want: "the id is empty: give the connector's slug, such as acme-crm"},
		{name: "upper-case id", template: "basic", id: "Acme CRM", want: `id "Acme CRM" is not a slug: use lower-case letters, digits and single dashes, such as "acme-crm"`},
		{name: "double dash", template: "basic", id: "acme--crm", want: `such as "acme-crm"`},
		{name: "trailing dash", template: "basic", id: "acme-", want: `such as "acme"`},
		{name: "no letters", template: "basic", id: "--", want: `such as "my-connector"`},
		{name: "long id", template: "basic", id: strings.Repeat("a", 65), want: "the id is 65 characters long; an id is at most 64"},
		{name: "blank name", template: "basic", id: "a", displayName: "   ", want: "the name is empty"},
		{name: "long name", template: "basic", id: "a", displayName: strings.Repeat("n", 51), want: "the name is 51 characters long; a display name is at most 50"},
		{name: "two lines", template: "basic", id: "a", displayName: "Acme\nCRM", want: "the name holds the character U+000A: use printable characters on one line"},
		{name: "invalid UTF-8", template: "basic", id: "a", displayName: "Acme \xff", want: "the name is not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := templates.Render(tt.template, tt.id, tt.displayName)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Render(%q, %q, %q) = %v, want an error with %q", tt.template, tt.id, tt.displayName, err, tt.want)
			}
			if out != nil {
				t.Errorf("Render returned output with its error")
			}
			if got := errors.Is(err, templates.ErrUnknownTemplate); got != tt.unknown {
				t.Errorf("errors.Is(err, ErrUnknownTemplate) = %v, want %v", got, tt.unknown)
			}
		})
	}
}

// FuzzRender: whatever the id and name, Render either refuses them or
// writes a manifest that reads back with exactly that id and (trimmed) name.
func FuzzRender(f *testing.F) {
	for _, s := range [][2]string{{"acme", "Acme CRM"}, {"a-1", "'q' \"dq\""}, {"x", "key: value # c"}, {"y", "\u2028"}, {"z", "- [x]"}, {"A", ""}, {"0", "0"}, {"1e3", "null"}, {"true", "true"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, id, name string) {
		out, err := templates.Render("bearer", id, name)
		if err != nil {
			return
		}
		mf, err := manifest.Parse("bearer.yaml", out)
		if err != nil {
			t.Fatalf("Render(%q, %q) gave a manifest that does not load: %v", id, name, err)
		}
		want := strings.TrimSpace(name)
		if name == "" {
			want = mf.Manifest.Name // made from the id
		}
		if mf.Manifest.ID != id || mf.Manifest.Name != want || want == "" {
			t.Errorf("Render(%q, %q) reads back as id %q, name %q", id, name, mf.Manifest.ID, mf.Manifest.Name)
		}
	})
}
