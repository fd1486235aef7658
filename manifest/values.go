package manifest

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/invopop/jsonschema"
)

// Template is a string that may hold {{ ... }} interpolations; see package
// interp for the language. The loader checks its syntax.
type Template string

// JSONSchema describes a template as a string.
func (Template) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{Type: "string",
		Description: "A string that may hold {{ scope.path }} interpolations (scopes: fields, token, response, input) and the functions base64, base64url, urlencode, concat, lower, upper, default."}
}

// Scalar is a default value given as a string, a number or a boolean; it is
// kept as its literal text.
type Scalar string

// JSONSchema describes a scalar.
func (Scalar) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{AnyOf: []*jsonschema.Schema{{Type: "string"}, {Type: "number"}, {Type: "boolean"}}}
}

// Duration is a length of time written as a Go duration string such as
// "60s", "1m30s" or "2h".
type Duration time.Duration

// DurationPattern is the JSON Schema pattern of a Duration.
const DurationPattern = `^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`

// JSONSchema describes a duration string.
func (Duration) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{Type: "string", Pattern: DurationPattern,
		Description: `A duration such as "60s", "1m30s" or "2h".`}
}

// ParseDuration parses a duration string as the manifest writes it: a
// non-negative Go duration with a unit.
func ParseDuration(s string) (Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration: write a number with a unit, such as \"60s\", \"5m\" or \"1h\"", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("%q is negative: a duration must be zero or more", s)
	}
	return Duration(d), nil
}

// String formats the duration as Go does ("1m0s").
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads a duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration must be a string such as \"60s\": %w", err)
	}
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// ScopeDelimiter joins scopes when they are sent: " " or ",".
type ScopeDelimiter string

// JSONSchema lists the delimiters.
func (ScopeDelimiter) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{Type: "string", Enum: []any{" ", ","},
		Description: `How scopes are joined when sent: " " (RFC 6749 section 3.3, the default) or "," where the provider documents it.`}
}

// Join joins space-delimited scopes with the delimiter (a space when empty).
func (d ScopeDelimiter) Join(scope string) string {
	if d == "" || d == " " {
		return scope
	}
	return strings.Join(strings.Fields(scope), string(d))
}
