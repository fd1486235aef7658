package validator

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/connkit/connkit/manifest"
)

// sameSchemaFindings checks that, for a manifest the loader decodes
// cleanly and without a null, the reduced schema finds what the full one
// finds. It reports whether the file was such a manifest.
func sameSchemaFindings(t *testing.T, v *Validator, name string, data []byte) bool {
	t.Helper()
	f, err := manifest.Parse(name, data)
	if err != nil {
		return false
	}
	doc := f.Document()
	if doc == nil || hasNull(doc) {
		return false
	}
	full := normalize(v.schemaLayer(v.schema, f, doc, nil))
	reduced := normalize(v.schemaLayer(v.loaded, f, doc, nil))
	if diff := cmp.Diff(full, reduced); diff != "" {
		t.Errorf("%s: the reduced schema differs from the full one (-full +reduced):\n%s\n%s", name, diff, data)
	}
	return true
}

// TestReducedSchemaEquivalent compares the full and the reduced schema on
// every manifest of the repository and on variants of the valid ones that
// still load cleanly but break the schema: each key removed in turn, each
// string replaced by a value no enum, pattern or format allows.
func TestReducedSchemaEquivalent(t *testing.T) {
	v := testValidator()
	var files []string
	for _, dir := range []string{"../testdata/valid", invalidDir, "../connectors", "../templates", "bench/testdata"} {
		files = append(files, manifestFiles(t, dir)...)
	}
	checked, variants := 0, 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !sameSchemaFindings(t, v, filepath.Base(file), data) {
			continue
		}
		checked++
		if filepath.Ext(file) != ".json" {
			continue // the JSON twin of each valid YAML file is varied
		}
		f, _ := manifest.Parse(file, data)
		for _, doc := range schemaVariants(f.Document()) {
			b, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			if sameSchemaFindings(t, v, filepath.Base(file), b) {
				variants++
			}
		}
	}
	if checked < 50 || variants < 1000 {
		t.Errorf("compared %d files and %d variants: too few, the test lost its inputs", checked, variants)
	}
	t.Logf("compared %d files and %d variants", checked, variants)
}

// schemaVariants returns copies of doc, each with one change: a key of an
// object removed, or a string replaced by "BOGUS value".
func schemaVariants(doc any) []any {
	var out []any
	var walk func(v any, rebuild func(any) any)
	walk = func(v any, rebuild func(any) any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				without := make(map[string]any, len(v))
				for k2, e2 := range v {
					if k2 != k {
						without[k2] = e2
					}
				}
				out = append(out, rebuild(without))
				walk(e, func(ne any) any {
					c := make(map[string]any, len(v))
					for k2, e2 := range v {
						c[k2] = e2
					}
					c[k] = ne
					return rebuild(c)
				})
			}
		case []any:
			for i, e := range v {
				walk(e, func(ne any) any {
					c := append([]any(nil), v...)
					c[i] = ne
					return rebuild(c)
				})
			}
		case string:
			out = append(out, rebuild("BOGUS value"))
		}
	}
	walk(doc, func(v any) any { return v })
	return out
}

// FuzzReducedSchema compares the full and the reduced schema on any input
// that loads cleanly and without a null.
func FuzzReducedSchema(f *testing.F) {
	addManifestSeeds(f)
	v := testValidator()
	f.Fuzz(func(t *testing.T, isJSON bool, data []byte) {
		sameSchemaFindings(t, v, fuzzName(isJSON), data)
	})
}

func TestReduceSchemaKeeps(t *testing.T) {
	doc := map[string]any{
		"$defs": map[string]any{
			"Leaf":  map[string]any{"type": "string", "description": "d"},
			"Enum":  map[string]any{"type": "string", "enum": []any{"a"}},
			"Inner": map[string]any{"type": "object", "additionalProperties": false, "properties": map[string]any{"x": map[string]any{"$ref": "#/$defs/Leaf"}}},
			"Self":  map[string]any{"type": "object", "required": []any{"x"}, "properties": map[string]any{"x": map[string]any{"$ref": "#/$defs/Self"}}},
			"List":  map[string]any{"type": "array", "description": "list", "minItems": float64(1)},
		},
		"type":                 "object",
		"additionalProperties": false,
		"required":             []any{"a"},
		"properties": map[string]any{
			"a": map[string]any{"type": "string"},
			"b": map[string]any{"$ref": "#/$defs/Enum"},
			"c": map[string]any{"$ref": "#/$defs/Inner", "description": "c"},
			"d": map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
			"e": map[string]any{"type": "object", "additionalProperties": map[string]any{"$ref": "#/$defs/Enum"}},
			"f": map[string]any{"if": map[string]any{"properties": map[string]any{"x": map[string]any{"type": "string"}}}},
			"g": map[string]any{"$ref": "#/$defs/Self", "type": "object"},
			"h": map[string]any{"$ref": "#/$defs/List", "description": "h"},
		},
	}
	reduceSchema(doc)
	want := map[string]any{
		"$id": loadedSchemaID,
		"$defs": map[string]any{
			"Leaf":  map[string]any{"type": "string", "description": "d"},
			"Enum":  map[string]any{"type": "string", "enum": []any{"a"}},
			"Inner": map[string]any{"type": "object"},
			"Self":  map[string]any{"type": "object", "required": []any{"x"}, "properties": map[string]any{"x": map[string]any{"$ref": "#/$defs/Self"}}},
			"List":  map[string]any{"type": "array", "description": "list", "minItems": float64(1)},
		},
		"type":     "object",
		"required": []any{"a"},
		"properties": map[string]any{
			"b": map[string]any{"type": "string", "enum": []any{"a"}},
			"e": map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string", "enum": []any{"a"}}},
			"f": map[string]any{"if": map[string]any{"properties": map[string]any{"x": map[string]any{"type": "string"}}}},
			"g": map[string]any{"$ref": "#/$defs/Self", "type": "object"},
			"h": map[string]any{"type": "array", "description": "h", "minItems": float64(1)},
		},
	}
	if diff := cmp.Diff(want, doc); diff != "" {
		t.Errorf("reduceSchema (-want +got):\n%s", diff)
	}
}
