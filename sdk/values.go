package sdk

import (
	"fmt"
	"math"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/sdk/secret"
)

// Values are what a user filled in to connect: field key to value, as text.
type Values map[string]string

// ValueProblem is one thing wrong with the values given to Connect.
type ValueProblem struct {
	// Field is the key of the field concerned.
	Field string
	// Msg says what is wrong and how to fix it; never the value of a secret.
	Msg string
}

// ValuesError lists every problem found in the values given to Connect.
type ValuesError struct {
	// Problems are sorted by field key.
	Problems []ValueProblem
}

// Error joins the problems into one line.
func (e *ValuesError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = fmt.Sprintf("%s: %s", p.Field, p.Msg)
	}
	return "invalid connection values: " + strings.Join(parts, "; ")
}

// fieldSet is the compiled form of the fields a connection uses.
type fieldSet struct {
	fields   []manifest.Field
	patterns map[string]*regexp.Regexp
}

func compileFields(fields []manifest.Field) (*fieldSet, error) {
	fs := &fieldSet{fields: fields, patterns: map[string]*regexp.Regexp{}}
	for _, f := range fields {
		if f.Pattern == "" {
			continue
		}
		re, err := regexp.Compile(`^(?:` + f.Pattern + `)$`)
		if err != nil {
			return nil, fmt.Errorf("field %s: pattern: %w", f.Key, err)
		}
		fs.patterns[f.Key] = re
	}
	return fs, nil
}

// check validates values against the fields and returns the template data
// for the fields scope: defaults applied, numbers and booleans typed, secret
// fields wrapped so they never print.
func (fs *fieldSet) check(values Values) (map[string]any, error) {
	out := make(map[string]any, len(fs.fields))
	var problems []ValueProblem
	known := make(map[string]bool, len(fs.fields))
	for _, f := range fs.fields {
		known[f.Key] = true
		raw, given := values[f.Key]
		if !given || raw == "" {
			raw = string(f.Default)
		}
		if raw == "" {
			if f.Required {
				problems = append(problems, ValueProblem{f.Key, fmt.Sprintf("%q is required: fill it in%s", f.Label, helpSuffix(f))})
			}
			continue
		}
		v, msg := fs.convert(f, raw)
		if msg != "" {
			problems = append(problems, ValueProblem{f.Key, msg})
			continue
		}
		out[f.Key] = v
	}
	for k := range values {
		if !known[k] {
			problems = append(problems, ValueProblem{k, "is not a field of this connector: remove it or check its spelling"})
		}
	}
	if len(problems) > 0 {
		sort.SliceStable(problems, func(i, j int) bool { return problems[i].Field < problems[j].Field })
		return nil, &ValuesError{Problems: problems}
	}
	return out, nil
}

func helpSuffix(f manifest.Field) string {
	if f.Help == "" {
		return ""
	}
	return " (" + f.Help + ")"
}

// convert types one value; the message is empty when the value is fine and
// never quotes a secret.
func (fs *fieldSet) convert(f manifest.Field, raw string) (any, string) {
	if re := fs.patterns[f.Key]; re != nil && !re.MatchString(raw) {
		if f.Type == manifest.FieldSecret {
			return nil, fmt.Sprintf("does not match the pattern %s", f.Pattern)
		}
		return nil, fmt.Sprintf("%q does not match the pattern %s", raw, f.Pattern)
	}
	switch f.Type {
	case manifest.FieldSecret:
		return secret.New(raw), ""
	case manifest.FieldNumber:
		n, ok := parseNumber(raw)
		if !ok {
			return nil, fmt.Sprintf("%q is not a number", raw)
		}
		return n, ""
	case manifest.FieldBoolean:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return nil, fmt.Sprintf("%q is not a boolean: use true or false", raw)
		}
		return b, ""
	case manifest.FieldSelect:
		valid := make([]string, len(f.Options))
		for i, o := range f.Options {
			if o.Value == raw {
				return raw, ""
			}
			valid[i] = o.Value
		}
		return nil, fmt.Sprintf("%q is not one of the options: %s", raw, strings.Join(valid, ", "))
	case manifest.FieldURL:
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return nil, fmt.Sprintf("%q is not an absolute http(s) URL", raw)
		}
		return raw, ""
	}
	return raw, ""
}

// parseNumber reads a finite decimal number; NaN, infinities and hexadecimal
// floats, which JSON and most APIs cannot take, are refused.
func parseNumber(s string) (float64, bool) {
	if strings.ContainsAny(s, "xXpP_") {
		return 0, false
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
		return 0, false
	}
	return n, true
}

// public returns the values of fields that are not secrets: what may be
// shown (a label) or sent in every request's defaults.
func (fs *fieldSet) public(values map[string]any) map[string]any {
	out := make(map[string]any, len(values))
	for _, f := range fs.fields {
		if v, ok := values[f.Key]; ok && f.Type != manifest.FieldSecret {
			out[f.Key] = v
		}
	}
	return out
}
