package validator

import (
	"errors"
	"fmt"
	"github.com/connkit/connkit/internal/suggest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/connkit/connkit/manifest"
)

// minimal is a manifest with no findings, which tests vary.
const minimal = `connkit: v1
id: acme
name: Acme
fields:
  - {key: api_key, label: API key, type: secret, required: true}
base_url: https://api.acme.example/v1
auth:
  type: api_key
  apply:
    headers:
      X-Api-Key: "{{ fields.api_key }}"
whitelist:
  - https://api.acme.example/v1/
test:
  request: {method: GET, path: /me}
label: "{{ response.name }}"
identity: "{{ response.id }}"
`

func TestMinimalHasNoFindings(t *testing.T) {
	if diags := testValidator().Validate("m.yaml", []byte(minimal)); len(diags) > 0 {
		t.Fatalf("findings on the minimal manifest: %v", diags)
	}
}

// TestReferencePositions checks that a finding about a reference points at
// the reference inside the string, in every way YAML and JSON write one.
func TestReferencePositions(t *testing.T) {
	tests := []struct {
		name, value string
		exact       bool // the position is the reference's own, not the value's
	}{
		{"plain", `Token {{ fields.nope }}`, true},
		{"double quoted", `"Token \"{{ fields.nope }}\""`, true},
		{"single quoted", `'It''s {{ fields.nope }}'`, true},
		{"escapes and runes before", `"é\u00e9\t{{ fields.nope }}"`, true},
		{"block scalar", "|\n        {{ fields.nope }}", false},
		{"folded plain", "a\n        {{ fields.nope }}", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.Replace(minimal, `"{{ fields.api_key }}"`, tt.value, 1)
			line := strings.Split(src, "\n")[10]
			want := fmt.Sprintf("11:%d", strings.Index(line, "X-Api-Key: ")+len("X-Api-Key: ")+1)
			if tt.exact {
				want = fmt.Sprintf("11:%d", utf8.RuneCountInString(line[:strings.Index(line, "fields.nope")])+1)
			}
			var got []string
			for _, d := range testValidator().Validate("m.yaml", []byte(src)) {
				if d.Rule == "unknown-field" {
					got = append(got, fmt.Sprintf("%d:%d", d.Line, d.Column))
				}
			}
			if diff := cmp.Diff([]string{want}, got); diff != "" {
				t.Errorf("positions (-want +got):\n%s\nin:\n%s", diff, src)
			}
		})
	}
}

func TestReferencePositionJSON(t *testing.T) {
	src := `{"connkit": "v1", "id": "acme", "name": "Acme",
 "fields": [{"key": "api_key", "label": "API key", "type": "secret", "required": true}],
 "base_url": "https://api.acme.example/v1",
 "auth": {"type": "api_key", "apply": {"headers": {"X": "\u0041\/{{ fields.api_key }} {{ fields.nope }}"}}},
 "whitelist": ["https://api.acme.example/v1/"],
 "test": {"request": {"method": "GET", "path": "/me"}},
 "label": "{{ response.name }}", "identity": "{{ response.id }}"}`
	diags := testValidator().Validate("m.json", []byte(src))
	if len(diags) != 1 || diags[0].Rule != "unknown-field" {
		t.Fatalf("diagnostics %v", diags)
	}
	line := strings.Split(src, "\n")[3]
	if col := strings.Index(line, "fields.nope") + 1; diags[0].Line != 4 || diags[0].Column != col {
		t.Errorf("at %d:%d, want 4:%d", diags[0].Line, diags[0].Column, col)
	}
}

func TestPanicIsReported(t *testing.T) {
	saved := table
	t.Cleanup(func() { table = saved })
	table = append(append([]entry(nil), saved...), entry{Rule{"boom", SeverityError, "Panics."}, func(*context) { panic("boom") }})
	diags := testValidator().Validate("m.yaml", []byte(minimal))
	want := []Diagnostic{{File: "m.yaml", Line: 1, Column: 1, Severity: SeverityError, Rule: ruleInternal,
		Message: "the validator failed on this file (boom): please report it"}}
	if diff := cmp.Diff(want, diags); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestTooManyErrors(t *testing.T) {
	var b strings.Builder
	b.WriteString(minimal)
	for i := range 1100 {
		fmt.Fprintf(&b, "unknown_%d: x\n", i)
	}
	diags := testValidator().Validate("m.yaml", []byte(b.String()))
	if len(diags) != 1001 {
		t.Errorf("%d diagnostics, want the loader's 1000 and one that says there are more", len(diags))
	}
	n := 0
	for _, d := range diags {
		if d.Rule == string(manifest.KindTooMany) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d diagnostics of rule %s, want 1", n, manifest.KindTooMany)
	}
}

func TestValidateFileMatchesValidate(t *testing.T) {
	for _, file := range manifestFiles(t, invalidDir) {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		f, err := manifest.Parse(filepath.Base(file), data)
		if err != nil {
			continue // ValidateFile does not see load errors
		}
		want := testValidator().Validate(filepath.Base(file), data)
		if diff := cmp.Diff(want, testValidator().ValidateFile(f)); diff != "" {
			t.Errorf("%s: ValidateFile differs from Validate (-Validate +ValidateFile):\n%s", file, diff)
		}
	}
}

func TestCheck(t *testing.T) {
	load := func(src string) *manifest.File {
		f, err := manifest.Parse("m.yaml", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	if err := Check(load(minimal)); err != nil {
		t.Errorf("Check(minimal) = %v", err)
	}
	// A warning does not refuse a manifest.
	if err := Check(load(strings.Replace(minimal, "identity: \"{{ response.id }}\"\n", "", 1))); err != nil {
		t.Errorf("Check with a warning = %v", err)
	}
	err := Check(load(strings.Replace(minimal, "https://api.acme.example/v1/\n", "https://other.example/\n", 1)))
	var ce *CheckError
	if !errors.As(err, &ce) {
		t.Fatalf("Check = %v, want a *CheckError", err)
	}
	for _, d := range ce.Diagnostics {
		if d.Severity != SeverityError {
			t.Errorf("CheckError holds a %s: %v", d.Severity, d)
		}
	}
	if len(ce.Diagnostics) == 0 || !strings.Contains(err.Error(), "[whitelist-coverage]") {
		t.Errorf("Check error %q does not name the finding", err)
	}
}

func TestValidateConcurrently(t *testing.T) {
	files := manifestFiles(t, invalidDir)
	want := make([][]Diagnostic, len(files))
	data := make([][]byte, len(files))
	for i, f := range files {
		var err error
		if data[i], err = os.ReadFile(f); err != nil {
			t.Fatal(err)
		}
		want[i] = testValidator().Validate(f, data[i])
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range files {
				j := (i + g) % len(files)
				if diff := cmp.Diff(want[j], testValidator().Validate(files[j], data[j])); diff != "" {
					t.Errorf("%s differs when validated concurrently:\n%s", files[j], diff)
				}
			}
		})
	}
	wg.Wait()
}

func TestNormalize(t *testing.T) {
	d := func(line, col int, msg string) Diagnostic {
		return Diagnostic{File: "f", Line: line, Column: col, Severity: SeverityError, Rule: "r", Message: msg}
	}
	got := normalize([]Diagnostic{d(2, 1, "b"), d(0, 0, "z"), d(2, 1, "a"), d(1, 5, "c"), d(2, 1, "b")})
	want := []Diagnostic{d(1, 1, "z"), d(1, 5, "c"), d(2, 1, "a"), d(2, 1, "b")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestWhere(t *testing.T) {
	tests := map[string]string{
		"":                          "the manifest",
		"/name":                     "name",
		"/fields/0/key":             "fields[0].key",
		"/auth_methods/1/auth/type": "auth_methods[1].auth.type",
		"/defaults/headers/a~1b":    "defaults.headers.a/b",
	}
	for ptr, want := range tests {
		if got := where(ptr); got != want {
			t.Errorf("where(%q) = %q, want %q", ptr, got, want)
		}
	}
}

func TestNearest(t *testing.T) {
	tests := []struct {
		s    string
		cand []string
		want string
	}{
		{"api_kye", []string{"api_key", "region"}, "api_key"},
		{"apikey", []string{"api_key"}, "api_key"},
		{"zzz", []string{"api_key"}, ""},
		{"oauth2", []string{"none", "basic", "login"}, ""},
		{"Bearer", []string{"bearer", "basic"}, "bearer"},
	}
	for _, tt := range tests {
		if got := suggest.Nearest(tt.s, tt.cand); got != tt.want {
			t.Errorf("suggest.Nearest(%q) = %q, want %q", tt.s, got, tt.want)
		}
	}
}

// TestValidateFileUnknownKey checks that ValidateFile, which does not see
// the loader's errors, validates against the full schema: a key the
// loader refused is still reported.
func TestValidateFileUnknownKey(t *testing.T) {
	data, err := os.ReadFile("../testdata/valid/api-key-header.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f, err := manifest.Parse("m.yaml", append(data, "bogus_key: 1\n"...))
	if err == nil {
		t.Fatal("the loader accepted an unknown key")
	}
	for _, d := range testValidator().ValidateFile(f) {
		if d.Pointer == "/bogus_key" || strings.Contains(d.Message, "bogus_key") {
			return
		}
	}
	t.Error("ValidateFile did not report the unknown key bogus_key")
}
