package cli

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/connkit/connkit/sdk"
)

// maxValuesFile bounds a values file and a file: reference.
const maxValuesFile = 1 << 20

// readValues reads a values file: a YAML or JSON mapping of field keys to
// scalars. A value "env:NAME" is read from the operator's environment and
// "file:PATH" from a file (one trailing newline dropped), so secrets need not
// sit in the values file. Errors never quote a value.
func (a *App) readValues(path string) (sdk.Values, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, ioErrorf(err, "read the values file")
	}
	if len(data) > maxValuesFile {
		return nil, &ioError{fmt.Errorf("values file %s is larger than %d bytes", path, maxValuesFile)}
	}
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		return nil, &ioError{fmt.Errorf("values file %s is not YAML or JSON: %v", path, err)}
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, &ioError{fmt.Errorf("values file %s must be a mapping of field keys to values", path)}
	}
	m := doc.Content[0]
	out := sdk.Values{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if v.Kind != yaml.ScalarNode {
			return nil, &ioError{fmt.Errorf("%s:%d:%d: the value of %q must be a string, number or boolean", path, v.Line, v.Column, k.Value)}
		}
		if _, dup := out[k.Value]; dup {
			return nil, &ioError{fmt.Errorf("%s:%d:%d: %q is given twice", path, k.Line, k.Column, k.Value)}
		}
		val, err := a.resolveValue(v.Value)
		if err != nil {
			return nil, &ioError{fmt.Errorf("%s:%d:%d: %s: %v", path, v.Line, v.Column, k.Value, err)}
		}
		out[k.Value] = val
	}
	return out, nil
}

// resolveValue reads env: and file: references.
func (a *App) resolveValue(v string) (string, error) {
	switch {
	case strings.HasPrefix(v, "env:"):
		name := strings.TrimPrefix(v, "env:")
		val := a.getenv(name)
		if val == "" {
			return "", fmt.Errorf("environment variable %s is not set", name)
		}
		return val, nil
	case strings.HasPrefix(v, "file:"):
		p := strings.TrimPrefix(v, "file:")
		b, err := os.ReadFile(p)
		if err != nil {
			return "", fmt.Errorf("read %s: %w", p, err)
		}
		if len(b) > maxValuesFile {
			return "", fmt.Errorf("%s is larger than %d bytes", p, maxValuesFile)
		}
		s := strings.TrimSuffix(string(b), "\n")
		return strings.TrimSuffix(s, "\r"), nil
	}
	return v, nil
}

func (a *App) getenv(name string) string {
	if a.Getenv == nil {
		return ""
	}
	return a.Getenv(name)
}
