package manifest

import (
	"cmp"
	"slices"
	"strings"
)

// ErrorKind classifies a load error, for callers that branch on it or map
// it to a rule ID.
type ErrorKind string

// The kinds of load errors.
const (
	// KindSyntax: the file is not well-formed YAML or JSON, is empty, holds
	// several documents, is too large or is not UTF-8 text.
	KindSyntax ErrorKind = "syntax"
	// KindUnsupported: a YAML feature the manifest format refuses (anchors,
	// aliases, merge keys, tags).
	KindUnsupported ErrorKind = "unsupported"
	// KindUnknownKey: a mapping key the format does not define.
	KindUnknownKey ErrorKind = "unknown-key"
	// KindDuplicateKey: a key given twice in one mapping.
	KindDuplicateKey ErrorKind = "duplicate-key"
	// KindType: a value of the wrong type (a string where a list belongs),
	// or a mapping key that is not a string.
	KindType ErrorKind = "type"
	// KindInterpolation: a template whose {{ }} syntax is wrong.
	KindInterpolation ErrorKind = "interpolation"
	// KindValue: a value of the right type that cannot be read (a bad
	// duration, a regular expression that does not compile, a number out
	// of range).
	KindValue ErrorKind = "value"
	// KindTooMany: the last error of a file with too many to report; the
	// ones after it were dropped.
	KindTooMany ErrorKind = "too-many-errors"
)

// Error is one problem found while loading a manifest.
type Error struct {
	// Pos is where the problem is; Line and Col are at least 1.
	Pos Pos
	// Pointer is the RFC 6901 JSON pointer of the offending node ("" for
	// the whole document).
	Pointer string
	// Kind classifies the problem.
	Kind ErrorKind
	// Msg says what is wrong and how to fix it, without the position.
	Msg string
}

// Error returns one greppable line, "file:line:col: message".
func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// Errors are all the problems found in one file, sorted by position. It is
// the error type Parse and Load return for bad content.
type Errors []*Error

// Error returns one line per problem.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the problems, so that errors.As finds an *Error.
func (es Errors) Unwrap() []error {
	errs := make([]error, len(es))
	for i, e := range es {
		errs[i] = e
	}
	return errs
}

// sort orders the problems by line, column and message.
func (es Errors) sort() {
	slices.SortStableFunc(es, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Col, b.Pos.Col),
			strings.Compare(a.Msg, b.Msg))
	})
}
