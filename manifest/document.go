package manifest

import (
	"encoding/json"
	"math"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Document returns the document as the generic value encoding/json would
// decode it to (map[string]any, []any, string, json.Number, bool, nil), for
// JSON Schema validation; pointers into it are pointers into the file, so
// File.Pos maps a schema error's instance location to a line and column.
// YAML numbers are written as JSON numbers (0x10 as 16); non-finite ones
// (.inf, .nan) stay float64. Of duplicated keys the first is kept. It
// builds a new value at each call and returns nil when the file is not
// well-formed.
func (f *File) Document() any {
	if f.root == nil {
		return nil
	}
	return documentValue(f.root)
}

// documentValue returns the generic value of n.
func documentValue(n *yaml.Node) any {
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				continue
			}
			if _, dup := m[k.Value]; !dup {
				m[k.Value] = documentValue(n.Content[i+1])
			}
		}
		return m
	case yaml.SequenceNode:
		s := make([]any, len(n.Content))
		for i, c := range n.Content {
			s[i] = documentValue(c)
		}
		return s
	case yaml.ScalarNode:
		switch n.Tag {
		case tagNull:
			return nil
		case tagBool:
			if b, err := strconv.ParseBool(n.Value); err == nil {
				return b
			}
		case tagInt, tagFloat:
			return jsonNumber(n.Value)
		}
		return n.Value
	}
	return nil
}

// jsonNumberRE matches a number as RFC 8259 writes it.
var jsonNumberRE = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$`)

// jsonNumber converts a YAML number to a json.Number, keeping its text when
// it is already a JSON number; a non-finite number is a float64 and text
// that is no number is returned as is.
func jsonNumber(s string) any {
	if jsonNumberRE.MatchString(s) {
		return json.Number(s)
	}
	if i, err := strconv.ParseInt(s, 0, 64); err == nil {
		return json.Number(strconv.FormatInt(i, 10))
	}
	f, ok := parseFloat(s)
	switch {
	case !ok:
		return s
	case math.IsInf(f, 0) || math.IsNaN(f):
		return f
	}
	return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
}

// parseFloat parses a YAML float, including .inf, -.inf and .nan.
func parseFloat(s string) (float64, bool) {
	switch strings.ToLower(strings.TrimPrefix(s, "+")) {
	case ".inf":
		return math.Inf(1), true
	case "-.inf":
		return math.Inf(-1), true
	case ".nan":
		return math.NaN(), true
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}
