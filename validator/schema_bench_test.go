package validator

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/connkit/connkit/manifest"
)

// BenchmarkSchemaLayer times what the schema layer costs a manifest: the
// generic document built from the YAML tree and its validation against the
// compiled JSON Schema, on the sample manifests of validator/bench (about
// 100 lines each, valid, as the corpus of the CLI benchmark is).
func BenchmarkSchemaLayer(b *testing.B) {
	paths, err := filepath.Glob("bench/testdata/sample-*.yaml")
	if err != nil || len(paths) == 0 {
		b.Fatalf("no sample manifests under bench/testdata (err %v)", err)
	}
	files := make([]*manifest.File, len(paths))
	for i, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		if files[i], err = manifest.Parse(filepath.Base(p), data); err != nil {
			b.Fatalf("%s: %v", p, err)
		}
	}
	v := testValidator()
	for _, f := range files {
		if d := v.schemaLayer(v.schema, f, f.Document(), nil); len(d) != 0 {
			b.Fatalf("%s: schema findings %v, want none: the benchmark times valid manifests", f.Path, d)
		}
	}
	b.Run("document", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			files[i%len(files)].Document()
		}
	})
	for _, schema := range []struct {
		name   string
		schema *jsonschema.Schema
	}{{"layer/full", v.schema}, {"layer/loaded", v.loaded}} {
		b.Run(schema.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				f := files[i%len(files)]
				v.schemaLayer(schema.schema, f, f.Document(), nil)
			}
		})
	}
}
