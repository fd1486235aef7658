package fastyaml_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/connkit/connkit/manifest/internal/fastyaml"
	"go.yaml.in/yaml/v3"
)

// samples returns the benchmark manifests of validator/bench.
func samples(b *testing.B) [][]byte {
	b.Helper()
	paths, err := filepath.Glob(filepath.Join(repoRoot, "validator/bench/testdata/sample-*.yaml"))
	if err != nil || len(paths) == 0 {
		b.Fatalf("no sample manifests: %v", err)
	}
	var out [][]byte
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, data)
	}
	return out
}

func BenchmarkParse(b *testing.B) {
	files := samples(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, ok := fastyaml.Parse(nil, files[i%len(files)]); !ok {
			b.Fatal("Parse declined a sample manifest")
		}
	}
}

func BenchmarkYAMLv3(b *testing.B) {
	files := samples(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		var doc yaml.Node
		if err := yaml.NewDecoder(bytes.NewReader(files[i%len(files)])).Decode(&doc); err != nil {
			b.Fatal(err)
		}
	}
}
