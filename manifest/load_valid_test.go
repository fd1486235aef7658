package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.yaml.in/yaml/v3"
)

// updateLoader rewrites the loader's generated test files: the JSON twins
// of ../testdata/valid/*.yaml and the golden files of testdata/errors.
var updateLoader = flag.Bool("update-loader", false, "rewrite ../testdata/valid/*.json and testdata/errors/*.golden")

// examplesDir holds the example manifests, each as NAME.yaml and NAME.json.
const examplesDir = "../testdata/valid"

// exampleFiles returns the YAML examples.
func exampleFiles(tb testing.TB) []string {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(examplesDir, "*.yaml"))
	if err != nil {
		tb.Fatal(err)
	}
	if len(files) < 16 {
		tb.Fatalf("%s holds %d YAML examples, want at least 16", examplesDir, len(files))
	}
	return files
}

// mustParse parses a file that must load without errors.
func mustParse(tb testing.TB, path string, data []byte) *File {
	tb.Helper()
	f, err := Parse(path, data)
	if err != nil {
		tb.Fatalf("Parse(%s):\n%v", path, err)
	}
	return f
}

// TestValidExamples loads every example in both notations and checks that
// the two give the same manifest and document, and that the JSON twin is
// the one generated from the YAML.
func TestValidExamples(t *testing.T) {
	for _, yamlPath := range exampleFiles(t) {
		name := strings.TrimSuffix(filepath.Base(yamlPath), ".yaml")
		t.Run(name, func(t *testing.T) {
			yamlData, err := os.ReadFile(yamlPath)
			if err != nil {
				t.Fatal(err)
			}
			fromYAML := mustParse(t, yamlPath, yamlData)
			if fromYAML.Syntax != SyntaxYAML || fromYAML.Manifest.Connkit != Version || fromYAML.Manifest.ID == "" {
				t.Fatalf("%s: syntax %s, connkit %q, id %q", yamlPath, fromYAML.Syntax, fromYAML.Manifest.Connkit, fromYAML.Manifest.ID)
			}

			jsonPath := strings.TrimSuffix(yamlPath, ".yaml") + ".json"
			generated := nodeJSON(fromYAML.root)
			if *updateLoader {
				if err := os.WriteFile(jsonPath, generated, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			jsonData, err := os.ReadFile(jsonPath)
			if err != nil {
				t.Fatalf("%v (run go test ./manifest -run TestValidExamples -update-loader)", err)
			}
			if diff := cmp.Diff(string(generated), string(jsonData)); diff != "" {
				t.Errorf("%s is not the JSON of %s: run go test ./manifest -run TestValidExamples -update-loader (-generated +file):\n%s", jsonPath, yamlPath, diff)
			}
			fromJSON := mustParse(t, jsonPath, jsonData)
			if fromJSON.Syntax != SyntaxJSON {
				t.Errorf("%s read as %s", jsonPath, fromJSON.Syntax)
			}
			if diff := cmp.Diff(fromYAML.Manifest, fromJSON.Manifest); diff != "" {
				t.Errorf("YAML and JSON manifests differ (-yaml +json):\n%s", diff)
			}
			if diff := cmp.Diff(fromYAML.Document(), fromJSON.Document()); diff != "" {
				t.Errorf("YAML and JSON documents differ (-yaml +json):\n%s", diff)
			}
		})
	}
}

// nodeJSON writes a node tree as indented JSON, keeping the key order.
func nodeJSON(n *yaml.Node) []byte {
	var b bytes.Buffer
	writeNodeJSON(&b, n, "")
	b.WriteByte('\n')
	return b.Bytes()
}

func writeNodeJSON(b *bytes.Buffer, n *yaml.Node, indent string) {
	switch n.Kind {
	case yaml.MappingNode, yaml.SequenceNode:
		open, closing, step := "[", "]", 1
		if n.Kind == yaml.MappingNode {
			open, closing, step = "{", "}", 2
		}
		if len(n.Content) == 0 || (n.Kind == yaml.SequenceNode && allScalars(n.Content)) {
			b.WriteString(open)
			for i, c := range n.Content {
				if i > 0 {
					b.WriteString(", ")
				}
				writeNodeJSON(b, c, indent)
			}
			b.WriteString(closing)
			return
		}
		b.WriteString(open + "\n")
		for i := 0; i < len(n.Content); i += step {
			b.WriteString(indent + "  ")
			if step == 2 {
				writeNodeJSON(b, n.Content[i], "")
				b.WriteString(": ")
			}
			writeNodeJSON(b, n.Content[i+step-1], indent+"  ")
			if i+step < len(n.Content) {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(indent + closing)
	case yaml.ScalarNode:
		switch n.Tag {
		case tagNull:
			b.WriteString("null")
		case tagBool:
			b.WriteString(strings.ToLower(n.Value))
		case tagInt, tagFloat:
			b.WriteString(string(jsonNumber(n.Value).(json.Number)))
		default:
			enc := json.NewEncoder(b)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(n.Value); err != nil {
				panic(err) // a string always encodes
			}
			b.Truncate(b.Len() - 1) // Encode's newline
		}
	}
}

func allScalars(nodes []*yaml.Node) bool {
	for _, n := range nodes {
		if n.Kind != yaml.ScalarNode {
			return false
		}
	}
	return true
}

// FuzzParse checks that no input makes Parse panic, that every error has a
// position, and that a manifest that loads without errors loads to the same
// model again after being written as JSON.
func FuzzParse(f *testing.F) {
	for _, path := range exampleFiles(f) {
		for _, p := range []string{path, strings.TrimSuffix(path, ".yaml") + ".json"} {
			data, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data, filepath.Ext(p) == ".json")
		}
	}
	for _, tc := range errorCases {
		f.Add([]byte(tc.src), filepath.Ext(tc.path) == ".json")
	}
	golden, err := filepath.Glob(filepath.Join("testdata", "errors", "*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range golden {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, filepath.Ext(p) == ".json")
	}
	f.Fuzz(func(t *testing.T, data []byte, asJSON bool) {
		path := "fuzz.yaml"
		if asJSON {
			path = "fuzz.json"
		}
		file, err := Parse(path, data)
		if file == nil || file.Manifest == nil {
			t.Fatalf("Parse returned File %v", file)
		}
		_ = file.Document()
		if err != nil {
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("error %T is not a non-empty Errors: %v", err, err)
			}
			for _, e := range errs {
				if e.Pos.File != path || e.Pos.Line < 1 || e.Pos.Col < 1 || e.Msg == "" || e.Kind == "" {
					t.Errorf("error without a position, kind or message: %#v", e)
				}
				if _, ok := SplitPointer(e.Pointer); !ok {
					t.Errorf("error %q has pointer %q", e, e.Pointer)
				}
				if p := file.Pos(e.Pointer); p.Line < 1 || p.Col < 1 {
					t.Errorf("Pos(%q) = %v", e.Pointer, p)
				}
			}
			return
		}
		out, err := json.Marshal(file.Manifest)
		if err != nil {
			t.Fatalf("json.Marshal: %v", err)
		}
		again, err := Parse("again.json", out)
		if err != nil {
			t.Fatalf("the manifest written as JSON does not load:\n%v\n%s", err, out)
		}
		if diff := cmp.Diff(file.Manifest, again.Manifest, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("the manifest written as JSON loads differently (-first +again):\n%s", diff)
		}
	})
}

// BenchmarkParse parses a manifest of about a hundred lines.
func BenchmarkParse(b *testing.B) {
	for _, name := range []string{"oauth2-authorization-code-pkce.yaml", "oauth2-authorization-code-pkce.json"} {
		path := filepath.Join(examplesDir, name)
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(filepath.Ext(name)[1:], func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(path, data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
