// Package schemagen generates the JSON Schema of the connkit manifest from
// the Go types of package manifest, with descriptions taken from their doc
// comments. It runs through `go generate ./manifest`, which writes
// manifest/schema.json; package manifest embeds that file.
package schemagen

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/invopop/jsonschema"

	"github.com/connkit/connkit/manifest"
)

// ModulePath is the import path of the connkit module.
const ModulePath = "github.com/connkit/connkit"

// SourceDir is the directory of package manifest relative to the module
// root; Generate reads the doc comments from the Go files under it.
const SourceDir = "./manifest"

// Title is the schema's title.
const Title = "connkit manifest"

// Generate returns the manifest JSON Schema as indented JSON ending in a
// newline. It reads the doc comments from the Go sources under SourceDir,
// relative to the working directory, which must be the module root (see
// ModuleRoot). The schema is the reflected one (see reflectSchema) in an
// equivalent form that validators check faster (see simplify).
func Generate() ([]byte, error) {
	s, err := reflectSchema()
	if err != nil {
		return nil, err
	}
	simplify(s)
	return encode(s)
}

// reflectSchema returns the schema reflected from the manifest types.
func reflectSchema() (*jsonschema.Schema, error) {
	r := &jsonschema.Reflector{
		// The manifest's own properties at the root, not behind a $ref,
		// and no generated $id: the schema gets manifest.SchemaID.
		ExpandedStruct: true,
		Anonymous:      true,
	}
	if err := r.AddGoComments(ModulePath, SourceDir); err != nil {
		return nil, fmt.Errorf("reading doc comments from %s (run from the module root): %w", SourceDir, err)
	}
	s := r.Reflect(&manifest.Manifest{})
	s.ID = jsonschema.ID(manifest.SchemaID)
	s.Title = Title
	return s, nil
}

// encode writes s as indented JSON ending in a newline.
func encode(s *jsonschema.Schema) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		return nil, fmt.Errorf("encoding the schema: %w", err)
	}
	return buf.Bytes(), nil
}

// ErrNoModule means no go.mod was found in a directory or its parents.
var ErrNoModule = errors.New("no go.mod found")

// ModuleRoot returns the nearest directory at or above dir that holds a
// go.mod file.
func ModuleRoot(dir string) (string, error) {
	d, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("finding the module root from %s: %w", dir, err)
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("%w in %s or any parent directory", ErrNoModule, dir)
		}
		d = parent
	}
}
