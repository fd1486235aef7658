package bench

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/validator"
)

var update = flag.Bool("update", false, "rewrite the sample manifests in testdata")

// checked is how many manifests of the corpus the tests check.
const checked = 200

// encode renders manifest i or fails the test.
func encode(t testing.TB, i int, syntax manifest.Syntax) []byte {
	t.Helper()
	data, err := Encode(Manifest(i), syntax)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestSample compares the first manifests with testdata/sample-N.yaml and
// .json (refreshed with -update), so that a change of the corpus is seen.
func TestSample(t *testing.T) {
	for i := range 3 {
		for _, syntax := range []manifest.Syntax{manifest.SyntaxYAML, manifest.SyntaxJSON} {
			path := filepath.Join("testdata", fmt.Sprintf("sample-%d.%s", i, syntax))
			got := encode(t, i, syntax)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", path, diff)
			}
		}
	}
}

// TestCorpusLoads checks that the YAML and JSON renderings load without
// errors into the manifest they were made from.
func TestCorpusLoads(t *testing.T) {
	for i := range checked {
		want := Manifest(i)
		for _, syntax := range []manifest.Syntax{manifest.SyntaxYAML, manifest.SyntaxJSON} {
			name := fmt.Sprintf("%05d.%s", i, syntax)
			f, err := manifest.Parse(name, encode(t, i, syntax))
			if err != nil {
				t.Fatalf("%s does not load:\n%v", name, err)
			}
			if diff := cmp.Diff(want, f.Manifest); diff != "" {
				t.Fatalf("%s loads as another manifest (-want +got):\n%s", name, diff)
			}
		}
	}
}

// TestCorpusValid checks that the validator finds nothing in the corpus.
func TestCorpusValid(t *testing.T) {
	v, err := validator.New()
	if err != nil {
		t.Fatal(err)
	}
	for i := range checked {
		name := fmt.Sprintf("%05d.yaml", i)
		if diags := v.Validate(name, encode(t, i, manifest.SyntaxYAML)); len(diags) > 0 {
			t.Fatalf("%s has %d findings, first: %v", name, len(diags), diags[0])
		}
	}
}

// TestCorpusShape checks that the corpus is what the benchmarks claim:
// about a hundred lines a manifest, every auth type.
func TestCorpusShape(t *testing.T) {
	lines := 0
	seen := map[manifest.AuthType]bool{}
	for i := range checked {
		lines += bytes.Count(encode(t, i, manifest.SyntaxYAML), []byte("\n"))
		seen[Manifest(i).Auth.Type] = true
	}
	if avg := lines / checked; avg < 80 || avg > 130 {
		t.Errorf("manifests have %d lines on average, want about 100", avg)
	}
	for _, a := range manifest.AuthTypes {
		if !seen[a] {
			t.Errorf("no manifest uses auth type %s", a)
		}
	}
}

func TestWriteCorpus(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "corpus")
	paths, err := WriteCorpus(dir, 3, manifest.SyntaxJSON)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "00000.json"), filepath.Join(dir, "00001.json"), filepath.Join(dir, "00002.json")}
	if diff := cmp.Diff(want, paths); diff != "" {
		t.Fatalf("paths (-want +got):\n%s", diff)
	}
	for i, p := range paths {
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(encode(t, i, manifest.SyntaxJSON)), string(got)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", p, diff)
		}
	}
	if _, err := WriteCorpus(filepath.Join(paths[0], "sub"), 1, manifest.SyntaxYAML); err == nil {
		t.Error("WriteCorpus under a file: no error")
	}
}

// BenchmarkValidate measures validator.Validate alone, one goroutine, on
// manifests already in memory: the core cost that connkit validate
// spreads over its workers (see BenchmarkValidateCorpus in
// cmd/connkit/internal/cli for the whole command).
func BenchmarkValidate(b *testing.B) {
	const n = 1000
	corpus := make([][]byte, n)
	size := 0
	for i := range corpus {
		corpus[i] = encode(b, i, manifest.SyntaxYAML)
		size += len(corpus[i])
	}
	v, err := validator.New()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(size / n))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		v.Validate("bench.yaml", corpus[i%n])
		i++
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "manifests/s")
}
