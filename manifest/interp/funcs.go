package interp

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
)

// function describes one function of the language.
type function struct {
	name  string
	usage string
	// min and max bound the argument count; max < 0 means no bound.
	min, max int
	// apply computes a one-argument function; nil for concat and default,
	// which the evaluator handles.
	apply func(string) string
}

// functions lists the functions in documentation order.
var functions = []*function{
	{name: "base64", usage: "base64(value)", min: 1, max: 1, apply: func(s string) string {
		return base64.StdEncoding.EncodeToString([]byte(s))
	}},
	{name: "base64url", usage: "base64url(value)", min: 1, max: 1, apply: func(s string) string {
		return base64.RawURLEncoding.EncodeToString([]byte(s))
	}},
	{name: "urlencode", usage: "urlencode(value)", min: 1, max: 1, apply: url.QueryEscape},
	{name: "concat", usage: "concat(a, b, ...)", min: 1, max: -1},
	{name: "lower", usage: "lower(value)", min: 1, max: 1, apply: strings.ToLower},
	{name: "upper", usage: "upper(value)", min: 1, max: 1, apply: strings.ToUpper},
	{name: "default", usage: "default(value, fallback)", min: 2, max: 2},
}

// The functions the evaluator handles itself.
var (
	fnConcat  = lookupFunction("concat")
	fnDefault = lookupFunction("default")
	fnEncode  = lookupFunction("urlencode")
)

func lookupFunction(name string) *function {
	for _, f := range functions {
		if f.name == name {
			return f
		}
	}
	return nil
}

func functionNames() []string {
	names := make([]string, len(functions))
	for i, f := range functions {
		names[i] = f.name
	}
	return names
}

// arity describes the accepted argument count, for messages; bounded
// functions take an exact count.
func (f *function) arity() string {
	if f.max < 0 {
		return fmt.Sprintf("at least %d argument%s", f.min, plural(f.min))
	}
	return fmt.Sprintf("%d argument%s", f.min, plural(f.min))
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
