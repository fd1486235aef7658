package format

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/connkit/connkit/validator"
)

// jsonReport is the one object the json format prints, as the CLI contract
// defines it.
type jsonReport struct {
	Files       int              `json:"files"`
	Errors      int              `json:"errors"`
	Warnings    int              `json:"warnings"`
	Diagnostics []jsonDiagnostic `json:"diagnostics"`
}

// jsonDiagnostic pins the contract's keys and their order, whatever
// validator.Diagnostic becomes.
type jsonDiagnostic struct {
	File     string `json:"file"`
	Line     int    `json:"line"`
	Column   int    `json:"column"`
	Severity string `json:"severity"`
	Rule     string `json:"rule"`
	Message  string `json:"message"`
	Pointer  string `json:"pointer"`
}

// jsonOutput collects the run and prints one object at Flush:
//
//	{"files": N, "errors": N, "warnings": N, "diagnostics": [{"file", "line",
//	"column", "severity", "rule", "message", "pointer"}]}
//
// diagnostics is an empty array, never null, when there are none.
type jsonOutput struct {
	w      io.Writer
	counts counts
	diags  []jsonDiagnostic
}

func newJSON(w io.Writer, _ Options) Output {
	return &jsonOutput{w: w, diags: []jsonDiagnostic{}}
}

// Write collects the file's diagnostics.
func (j *jsonOutput) Write(_ string, _ []byte, diags []validator.Diagnostic) error {
	j.counts.add(diags)
	for _, d := range diags {
		j.diags = append(j.diags, jsonDiagnostic{File: d.File, Line: d.Line, Column: d.Column,
			Severity: string(d.Severity), Rule: d.Rule, Message: d.Message, Pointer: d.Pointer})
	}
	return nil
}

// Flush prints the object, indented, followed by a newline.
func (j *jsonOutput) Flush() error {
	return encodeJSON(j.w, "json output", jsonReport{Files: j.counts.files, Errors: j.counts.errors,
		Warnings: j.counts.warnings, Diagnostics: j.diags})
}

// encodeJSON writes v as indented JSON without HTML escaping; what names
// the output in errors.
func encodeJSON(w io.Writer, what string, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write %s: %w", what, err)
	}
	return nil
}
