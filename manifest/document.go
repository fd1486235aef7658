package manifest

import (
	"encoding/json"
	"math"
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
		// Backwards, so that the first of duplicated keys is stored last
		// and kept, with one map operation per key.
		for i := len(n.Content)&^1 - 2; i >= 0; i -= 2 {
			if k := n.Content[i]; k.Kind == yaml.ScalarNode {
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

// jsonNumber converts a YAML number to a json.Number, keeping its text when
// it is already a JSON number; a non-finite number is a float64 and text
// that is no number is returned as is.
func jsonNumber(s string) any {
	if isJSONNumber(s) {
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

// isJSONNumber says whether s is a number as RFC 8259 writes it:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?
func isJSONNumber(s string) bool {
	s = strings.TrimPrefix(s, "-")
	if s == "" || s[0] < '0' || s[0] > '9' {
		return false
	}
	if s[0] == '0' {
		s = s[1:]
	} else {
		s = skipDigits(s)
	}
	if rest, ok := strings.CutPrefix(s, "."); ok {
		if s = skipDigits(rest); len(s) == len(rest) {
			return false
		}
	}
	if s != "" && (s[0] == 'e' || s[0] == 'E') {
		rest := s[1:]
		if rest != "" && (rest[0] == '+' || rest[0] == '-') {
			rest = rest[1:]
		}
		if s = skipDigits(rest); len(s) == len(rest) {
			return false
		}
	}
	return s == ""
}

// skipDigits returns s without its leading ASCII digits.
func skipDigits(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[i:]
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
