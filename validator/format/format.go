// Package format renders validator diagnostics for people and machines:
// text with source snippets, one JSON object, GitHub Actions workflow
// commands and SARIF 2.1.0. Every format is a rendering of the same
// validator.Diagnostic values.
//
// An Output receives the files in the order they are to be printed, one
// Write per file (also for files without findings, which the counts
// include), and Flush once at the end. Formats that need the whole run (json,
// sarif) print at Flush; the others print at every Write.
package format

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/connkit/connkit/validator"
)

// Output receives the diagnostics of a run, file by file. It is not safe for
// concurrent use: one goroutine writes the results in order.
type Output interface {
	// Write adds one validated file: its name as given, its content (for
	// source snippets; nil when unavailable) and its diagnostics, sorted.
	Write(file string, source []byte, diags []validator.Diagnostic) error
	// Flush writes what the format keeps until the end of the run. It is
	// called once, after the last Write.
	Flush() error
}

// Options tune an Output.
type Options struct {
	// Color adds ANSI colors to the text format. The caller decides: a
	// terminal, and NO_COLOR unset.
	Color bool
	// Rules are the rules the SARIF format describes in tool.driver.rules;
	// nil means validator.Rules().
	Rules []validator.Rule
	// Version is connkit's version, reported by SARIF as
	// tool.driver.version; empty leaves it out.
	Version string
}

// ErrUnknownFormat is the error New returns, wrapped, for a format name it
// does not know.
var ErrUnknownFormat = errors.New("unknown format")

// constructors maps each format name to its constructor, in the order Names
// lists them.
var constructors = []struct {
	name string
	new  func(io.Writer, Options) Output
}{
	{"text", newText},
	{"json", newJSON},
	{"github", newGitHub},
	{"sarif", newSARIF},
}

// Names lists the valid format names: text, json, github and sarif.
func Names() []string {
	names := make([]string, len(constructors))
	for i, c := range constructors {
		names[i] = c.name
	}
	return names
}

// New returns the Output that renders the format name on w. An unknown name
// is an error wrapping ErrUnknownFormat that lists the valid names.
func New(name string, w io.Writer, opts Options) (Output, error) {
	for _, c := range constructors {
		if c.name == name {
			return c.new(w, opts), nil
		}
	}
	return nil, fmt.Errorf("%w %q: use one of %s", ErrUnknownFormat, name, strings.Join(Names(), ", "))
}

// counts are the totals of a run.
type counts struct {
	files, errors, warnings int
}

// add counts one file and its diagnostics.
func (c *counts) add(diags []validator.Diagnostic) {
	c.files++
	for _, d := range diags {
		if d.Severity == validator.SeverityError {
			c.errors++
		} else {
			c.warnings++
		}
	}
}
