package validator

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/connkit/connkit/manifest"
)

// BenchmarkValidate validates the manifests of testdata/valid (about 100
// lines each) one after the other, the whole path from bytes to
// diagnostics.
func BenchmarkValidate(b *testing.B) {
	files := manifestFiles(b, "../testdata/valid")
	data := make([][]byte, len(files))
	for i, f := range files {
		var err error
		if data[i], err = os.ReadFile(f); err != nil {
			b.Fatal(err)
		}
	}
	v := testValidator()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		j := i % len(files)
		v.Validate(filepath.Base(files[j]), data[j])
	}
}

// BenchmarkLayers times the loader, the schema layer and the semantic
// rules apart, on the manifests of testdata/valid (every feature) and on
// the samples of the generated corpus connkit validate is measured on
// (package bench).
func BenchmarkLayers(b *testing.B) {
	for _, set := range []struct{ name, dir string }{{"valid", "../testdata/valid"}, {"corpus", "bench/testdata"}} {
		b.Run(set.name, func(b *testing.B) { benchmarkLayers(b, set.dir) })
	}
}

// benchmarkLayers runs BenchmarkLayers on the manifests of dir.
func benchmarkLayers(b *testing.B, dir string) {
	files := manifestFiles(b, dir)
	loaded := make([]*manifest.File, len(files))
	data := make([][]byte, len(files))
	for i, file := range files {
		var err error
		if data[i], err = os.ReadFile(file); err != nil {
			b.Fatal(err)
		}
		if loaded[i], err = manifest.Parse(file, data[i]); err != nil {
			b.Fatal(err)
		}
	}
	v := testValidator()
	b.Run("load", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			j := i % len(files)
			_, _ = manifest.Parse(files[j], data[j])
		}
	})
	b.Run("schema", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			f := loaded[i%len(files)]
			v.schemaLayer(v.loaded, f, f.Document(), nil)
		}
	})
	b.Run("rules", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			runRules(loaded[i%len(files)])
		}
	})
}
