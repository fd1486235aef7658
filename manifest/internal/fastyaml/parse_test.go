package fastyaml_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/manifest/internal/arena"
	"github.com/connkit/connkit/manifest/internal/fastyaml"
	"github.com/connkit/connkit/validator/bench"
	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

// tree is the projection of a yaml.Node that Parse promises to match.
type tree struct {
	Kind          yaml.Kind
	Style         yaml.Style
	Tag, Value    string
	Anchor, Alias string
	Line, Column  int
	Content       []tree
}

func project(n *yaml.Node) tree {
	t := tree{Kind: n.Kind, Style: n.Style, Tag: n.Tag, Value: n.Value, Anchor: n.Anchor, Line: n.Line, Column: n.Column}
	if n.Alias != nil {
		t.Alias = n.Alias.Value
	}
	for _, c := range n.Content {
		t.Content = append(t.Content, project(c))
	}
	return t
}

// oracle parses data with yaml.v3 as the loader does and returns the top
// node, or nil when yaml.v3 fails or finds no single document.
func oracle(data []byte) (root *yaml.Node) {
	defer func() {
		if recover() != nil {
			root = nil
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil || len(doc.Content) == 0 {
		return nil
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		return nil
	}
	return doc.Content[0]
}

// reused is the arena check parses in: reset after each parse, so that
// every parse but the first builds its tree in the blocks of earlier ones.
var reused struct {
	sync.Mutex
	arena.Arena
}

// check verifies the contract of Parse on data: when it accepts, yaml.v3
// accepts too and builds the same tree. It reports whether Parse accepted.
func check(t testing.TB, data []byte) bool {
	t.Helper()
	reused.Lock()
	defer reused.Unlock()
	defer reused.Reset()
	got, ok := fastyaml.Parse(&reused.Arena, data)
	if !ok {
		if got != nil {
			t.Errorf("Parse(%q) returned a node with false", data)
		}
		return false
	}
	want := oracle(data)
	if want == nil {
		t.Errorf("Parse(%q) accepted what yaml.v3 rejects", data)
		return true
	}
	if diff := cmp.Diff(project(want), project(got)); diff != "" {
		t.Errorf("Parse(%q) differs from yaml.v3 (-yaml.v3 +Parse):\n%s", data, diff)
	}
	return true
}

// repoRoot is the module root, relative to this package.
const repoRoot = "../../.."

// repoFiles returns the YAML files of the repository the subset is made for.
func repoFiles(t testing.TB) []string {
	t.Helper()
	var files []string
	for _, pattern := range []string{
		"connectors/*.yaml", "templates/*.yaml", "testdata/valid/*.yaml", "testdata/invalid/*.yaml",
		"testdata/invalid/*/*.yaml", "validator/bench/testdata/*.yaml", "manifest/testdata/*/*.yaml",
	} {
		m, err := filepath.Glob(filepath.Join(repoRoot, pattern))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 50 {
		t.Fatalf("found only %d YAML files under %s", len(files), repoRoot)
	}
	return files
}

// outOfSubset lists the repository files Parse is expected to decline, and why.
var outOfSubset = map[string]string{
	"manifest/testdata/errors/alias-bomb.yaml":    "anchors and aliases",
	"testdata/invalid/unsupported.yaml":           "an anchor and an alias",
	"manifest/testdata/errors/many-mistakes.yaml": "a flow mapping as a key: label: {{ ... }}",
}

func TestRepoFiles(t *testing.T) {
	for _, path := range repoFiles(t) {
		rel, _ := filepath.Rel(repoRoot, path)
		t.Run(rel, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
			ok := check(t, data)
			_, declined := outOfSubset[filepath.ToSlash(rel)]
			if oracle(data) == nil {
				declined = true // invalid YAML, such as testdata/invalid/syntax.yaml
			}
			if ok == declined {
				t.Errorf("Parse accepted = %v, want %v", ok, !declined)
			}
		})
	}
}

func TestGeneratedCorpus(t *testing.T) {
	n := 300
	if testing.Short() {
		n = 30
	}
	for i := range n {
		data, err := bench.Encode(bench.Manifest(i), manifest.SyntaxYAML)
		if err != nil {
			t.Fatal(err)
		}
		if !check(t, data) {
			t.Errorf("manifest %d: Parse declined:\n%s", i, data)
		}
	}
}
