package format

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/connkit/connkit/validator"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// testRules stand for validator.Rules() so that the golden files do not
// change with the rule table.
var testRules = []validator.Rule{
	{ID: "url-https", Severity: validator.SeverityError, Doc: "URLs are absolute and use https."},
	{ID: "field-unused", Severity: validator.SeverityWarning, Doc: "Every field is referenced."},
}

// testFile is one validated file of the sample run.
type testFile struct {
	name   string
	source []byte
	diags  []validator.Diagnostic
}

// diag returns a diagnostic of file.
func diag(file string, line, col int, sev validator.Severity, rule, msg, pointer string) validator.Diagnostic {
	return validator.Diagnostic{File: file, Line: line, Column: col, Severity: sev, Rule: rule, Message: msg, Pointer: pointer}
}

const (
	errSev  = validator.SeverityError
	warnSev = validator.SeverityWarning
)

// sampleRun is the run every format renders for its golden file: a clean
// file, wide characters, tabs, CRLF line endings, a column past the end of
// its line, a line past the end of the file, a rule the rule list lacks,
// and names and messages that need escaping.
var sampleRun = []testFile{
	{name: "connectors/acme.yaml",
		source: []byte("connkit: v1\nid: acme\nname: Acme 株式会社 CRM\nbase_url: http://api.acme.example/v2\n" +
			"fields:\n\t- {key: région, label: Re\u0301gion, type: string}\n"),
		diags: []validator.Diagnostic{
			diag("connectors/acme.yaml", 3, 12, errSev, "name-length", "name \"Acme 株式会社 CRM\" is too long", "/name"),
			diag("connectors/acme.yaml", 4, 11, errSev, "url-https", "base_url must use https: write https://api.acme.example/v2", "/base_url"),
			diag("connectors/acme.yaml", 6, 10, warnSev, "field-unused", "field région is never used: reference it as {{ fields.région }} or remove it", "/fields/0"),
		}},
	{name: "connectors/clean.yaml", source: []byte("connkit: v1\n")},
	{name: "connectors/crlf, odd:name 100%.json",
		source: []byte("{\r\n  \"id\": \"x\",\r\n  \"name\": \"X\"\r\n}\r\n"),
		diags: []validator.Diagnostic{
			diag("connectors/crlf, odd:name 100%.json", 2, 9, errSev, "schema", "whitelist is missing: add\r\nat least one entry (100% required)", ""),
			diag("connectors/crlf, odd:name 100%.json", 9, 1, warnSev, "test-missing", "no test call", "/test"),
		}},
	{name: "/abs/path/x.yml", diags: []validator.Diagnostic{
		diag("/abs/path/x.yml", 1, 1, errSev, "syntax", "the file is empty", ""),
	}},
}

// render writes files through the format name and returns the output.
func render(t *testing.T, name string, opts Options, files []testFile) string {
	t.Helper()
	var buf bytes.Buffer
	out, err := New(name, &buf, opts)
	if err != nil {
		t.Fatalf("New(%q): %v", name, err)
	}
	for _, f := range files {
		if err := out.Write(f.name, f.source, f.diags); err != nil {
			t.Fatalf("Write(%q): %v", f.name, err)
		}
	}
	if err := out.Flush(); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	return buf.String()
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

func TestGolden(t *testing.T) {
	tests := []struct {
		golden string
		format string
		opts   Options
	}{
		{"text.golden", "text", Options{}},
		{"text-color.golden", "text", Options{Color: true}},
		{"json.golden", "json", Options{}},
		{"github.golden", "github", Options{}},
		{"sarif.golden", "sarif", Options{Rules: testRules, Version: "1.2.3"}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			golden(t, tt.golden, render(t, tt.format, tt.opts, sampleRun))
		})
	}
}

func TestEmptyRun(t *testing.T) {
	clean := []testFile{{name: "a.yaml", source: []byte("connkit: v1\n")}, {name: "b.json"}}
	tests := []struct {
		format string
		files  []testFile
		want   string
	}{
		{"text", clean, ""},
		{"github", clean, ""},
		{"json", nil, "{\n  \"files\": 0,\n  \"errors\": 0,\n  \"warnings\": 0,\n  \"diagnostics\": []\n}\n"},
		{"json", clean, "{\n  \"files\": 2,\n  \"errors\": 0,\n  \"warnings\": 0,\n  \"diagnostics\": []\n}\n"},
		{"sarif", clean, `{
  "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
  "version": "2.1.0",
  "runs": [
    {
      "tool": {
        "driver": {
          "name": "connkit",
          "informationUri": "https://github.com/connkit/connkit",
          "rules": []
        }
      },
      "columnKind": "unicodeCodePoints",
      "results": []
    }
  ]
}
`},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			got := render(t, tt.format, Options{Rules: []validator.Rule{}}, tt.files)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestNew(t *testing.T) {
	if diff := cmp.Diff([]string{"text", "json", "github", "sarif"}, Names()); diff != "" {
		t.Errorf("Names (-want +got):\n%s", diff)
	}
	for _, name := range []string{"xml", "", "JSON", "text "} {
		out, err := New(name, &bytes.Buffer{}, Options{})
		if out != nil || !errors.Is(err, ErrUnknownFormat) {
			t.Errorf("New(%q) = %v, %v; want nil and ErrUnknownFormat", name, out, err)
			continue
		}
		want := "unknown format \"" + name + "\": use one of text, json, github, sarif"
		if diff := cmp.Diff(want, err.Error()); diff != "" {
			t.Errorf("New(%q) error (-want +got):\n%s", name, diff)
		}
	}
}

// failingWriter fails every write, like a closed pipe.
type failingWriter struct{}

var errClosed = errors.New("broken pipe")

func (failingWriter) Write([]byte) (int, error) { return 0, errClosed }

func TestWriteError(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			out, err := New(name, failingWriter{}, Options{Rules: testRules})
			if err != nil {
				t.Fatal(err)
			}
			f := sampleRun[0]
			err = out.Write(f.name, f.source, f.diags)
			if err == nil {
				err = out.Flush()
			}
			if !errors.Is(err, errClosed) {
				t.Errorf("got %v, want an error wrapping %v", err, errClosed)
			}
		})
	}
}

func TestCaret(t *testing.T) {
	tests := []struct {
		name      string
		line      string
		col       int
		indent    string
		underline string
	}{
		{"word", "  url: http://x", 8, "       ", "^~~~~~~~"},
		{"key without colon", "  url: x", 3, "  ", "^~~"},
		{"flow item without comma", "[a, b]", 2, " ", "^"},
		{"only a colon", ":", 1, "", "^"},
		{"first column", "id: x", 1, "", "^~"},
		{"tabs kept", "\t\tkey: v", 3, "\t\t", "^~~"},
		{"wide characters before", "名前: 株式会社", 5, "      ", "^~~~~~~~"},
		{"combining mark", "e\u0301x: y", 4, "  ", "^"},
		{"past the end", "abc", 9, "   ", "^"},
		{"at the end", "abc", 4, "   ", "^"},
		{"zero column", "abc", 0, "", "^~~"},
		{"empty line", "", 1, "", "^"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			indent, underline := caret(tt.line, tt.col)
			if diff := cmp.Diff([2]string{tt.indent, tt.underline}, [2]string{indent, underline}); diff != "" {
				t.Errorf("caret(%q, %d) (-want +got):\n%s", tt.line, tt.col, diff)
			}
		})
	}
}

func TestLines(t *testing.T) {
	src := []byte("\ufeffa: 1\r\nb: \x1b[31mred\x07\n\nlast")
	tests := []struct {
		n    int
		want string
		ok   bool
	}{
		{0, "", false},
		{1, "a: 1", true},
		{2, "b: \ufffd[31mred\ufffd", true},
		{3, "", true},
		{4, "last", true},
		{5, "", false},
	}
	l := newLines(src)
	for _, tt := range tests {
		got, ok := l.line(tt.n)
		if got != tt.want || ok != tt.ok {
			t.Errorf("line(%d) = %q, %v; want %q, %v", tt.n, got, ok, tt.want, tt.ok)
		}
	}
	if _, ok := newLines(nil).line(1); ok {
		t.Error("a nil source has a line 1")
	}
}

func TestGitHubEscaping(t *testing.T) {
	tests := []struct {
		in, data, property string
	}{
		{"plain text", "plain text", "plain text"},
		{"100% done", "100%25 done", "100%25 done"},
		{"a\r\nb", "a%0D%0Ab", "a%0D%0Ab"},
		{"k: v, w", "k: v, w", "k%3A v%2C w"},
		{"%0A", "%250A", "%250A"},
	}
	for _, tt := range tests {
		if got := escapeData(tt.in); got != tt.data {
			t.Errorf("escapeData(%q) = %q, want %q", tt.in, got, tt.data)
		}
		if got := escapeProperty(tt.in); got != tt.property {
			t.Errorf("escapeProperty(%q) = %q, want %q", tt.in, got, tt.property)
		}
	}
}

func TestArtifactLocation(t *testing.T) {
	tests := []struct {
		path string
		want sarifArtifactLocation
	}{
		{"connectors/acme.yaml", sarifArtifactLocation{URI: "connectors/acme.yaml", URIBaseID: srcRoot}},
		{"my connectors/a#1.yaml", sarifArtifactLocation{URI: "my%20connectors/a%231.yaml", URIBaseID: srcRoot}},
		{"a:b.yaml", sarifArtifactLocation{URI: "./a:b.yaml", URIBaseID: srcRoot}},
		{"/abs/x.yaml", sarifArtifactLocation{URI: "file:///abs/x.yaml"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, artifactLocation(tt.path)); diff != "" {
			t.Errorf("artifactLocation(%q) (-want +got):\n%s", tt.path, diff)
		}
	}
}

// TestJSONContract decodes the json output generically and checks the
// contract's keys, so that a change of the Go structs cannot drift from it.
func TestJSONContract(t *testing.T) {
	var got map[string]any
	if err := json.Unmarshal([]byte(render(t, "json", Options{}, sampleRun)), &got); err != nil {
		t.Fatal(err)
	}
	diags := got["diagnostics"].([]any)
	want := map[string]any{"files": 4.0, "errors": 4.0, "warnings": 2.0, "diagnostics": diags}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	keys := slices.Sorted(slices.Values([]string{"file", "line", "column", "severity", "rule", "message", "pointer"}))
	for i, d := range diags {
		gotKeys := slices.Sorted(maps.Keys(d.(map[string]any)))
		if diff := cmp.Diff(keys, gotKeys); diff != "" {
			t.Errorf("diagnostic %d keys (-want +got):\n%s", i, diff)
		}
	}
}

// TestSARIFSchema validates the sarif output against the official SARIF
// 2.1.0 JSON Schema (see testdata/README.md), formats asserted.
func TestSARIFSchema(t *testing.T) {
	schemaFile, err := os.Open(filepath.Join("testdata", "sarif-schema-2.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer schemaFile.Close()
	doc, err := jsonschema.UnmarshalJSON(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	const id = "https://json.schemastore.org/sarif-2.1.0.json"
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(id, doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile(id)
	if err != nil {
		t.Fatal(err)
	}
	runs := map[string][]testFile{"sample": sampleRun, "clean": {{name: "a.yaml"}}, "none": nil}
	for name, files := range runs {
		t.Run(name, func(t *testing.T) {
			for _, opts := range []Options{{Rules: testRules, Version: "1.2.3"}, {}} {
				out, err := jsonschema.UnmarshalJSON(strings.NewReader(render(t, "sarif", opts, files)))
				if err != nil {
					t.Fatal(err)
				}
				if err := schema.Validate(out); err != nil {
					t.Errorf("the sarif output does not match the SARIF 2.1.0 schema:\n%v", err)
				}
			}
		})
	}
}

// TestSARIFRules checks that the driver lists every rule results name, once,
// with the rules of Options first and in their order.
func TestSARIFRules(t *testing.T) {
	var log sarifLog
	if err := json.Unmarshal([]byte(render(t, "sarif", Options{Rules: testRules}, sampleRun)), &log); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range log.Runs[0].Tool.Driver.Rules {
		ids = append(ids, r.ID)
	}
	want := []string{"url-https", "field-unused", "name-length", "schema", "test-missing", "syntax"}
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Errorf("rule IDs (-want +got):\n%s", diff)
	}
}

// FuzzText renders one diagnostic at any position of any source: it must
// never panic, and always print the one-line form first.
func FuzzText(f *testing.F) {
	f.Add([]byte("a: 1\nb: 2\n"), 2, 4)
	f.Add([]byte("\t名前:\te\u0301\r\n"), 1, 3)
	f.Add([]byte("\xff\xfe\x00bad"), 1, 2)
	f.Add([]byte(""), 0, -5)
	f.Add([]byte("x"), 1<<30, 1<<30)
	f.Fuzz(func(t *testing.T, source []byte, line, col int) {
		d := diag("f.yaml", line, col, errSev, "r", "m", "")
		var buf bytes.Buffer
		out, err := New("text", &buf, Options{Color: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := out.Write("f.yaml", source, []validator.Diagnostic{d}); err != nil {
			t.Fatal(err)
		}
		first, _, _ := strings.Cut(buf.String(), "\n")
		if !strings.Contains(first, "f.yaml:") || !strings.HasSuffix(first, "[r]"+ansiReset) {
			t.Errorf("first line %q is not the diagnostic", first)
		}
	})
}
