// Package validator checks connkit manifests the way a good linter checks
// code: a schema layer (the generated JSON Schema) and semantic rules, each
// with a stable ID, reporting diagnostics with file:line:col positions and
// JSON pointers.
package validator

import "fmt"

// Severity is how serious a diagnostic is.
type Severity string

// The severities.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Diagnostic is one finding, a plain value behind every output format.
type Diagnostic struct {
	// File is the manifest's path as given.
	File string `json:"file"`
	// Line is 1-based.
	Line int `json:"line"`
	// Column is 1-based, in runes.
	Column int `json:"column"`
	// Severity is error or warning.
	Severity Severity `json:"severity"`
	// Rule is the stable ID of the rule that found it.
	Rule string `json:"rule"`
	// Message says what is wrong and how to fix it.
	Message string `json:"message"`
	// Pointer is the RFC 6901 JSON pointer of the offending node.
	Pointer string `json:"pointer"`
}

// Error returns one greppable line: "file:line:col: severity: message [rule]".
func (d Diagnostic) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s: %s [%s]", d.File, d.Line, d.Column, d.Severity, d.Message, d.Rule)
}
