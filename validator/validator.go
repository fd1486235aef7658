package validator

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/connkit/connkit/internal/recache"
	"github.com/connkit/connkit/manifest"
)

// Validator checks manifests. It holds the compiled JSON Schema, compiled
// once by New; a Validator is safe for concurrent use by any number of
// goroutines.
type Validator struct {
	schema *jsonschema.Schema
	// loaded is the reduced schema for files the loader decoded cleanly
	// (see reduceSchema).
	loaded *jsonschema.Schema
}

// New compiles the manifest's embedded JSON Schema (draft 2020-12, with
// format assertions) and returns a Validator that shares it.
func New() (*Validator, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(manifest.Schema()))
	if err != nil {
		return nil, fmt.Errorf("validator: read the manifest schema: %w", err)
	}
	reduced, _ := jsonschema.UnmarshalJSON(bytes.NewReader(manifest.Schema()))
	m, ok := reduced.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("validator: the manifest schema is not an object")
	}
	reduceSchema(m)
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	// Format "regex" compiles each pattern of a manifest: through the
	// process's cache, as the loader and the rules do.
	c.UseRegexpEngine(func(s string) (jsonschema.Regexp, error) {
		re, err := recache.Compile(s)
		if err != nil {
			return nil, err
		}
		return re, nil
	})
	if err := c.AddResource(manifest.SchemaID, doc); err != nil {
		return nil, fmt.Errorf("validator: add the manifest schema: %w", err)
	}
	if err := c.AddResource(loadedSchemaID, m); err != nil {
		return nil, fmt.Errorf("validator: add the reduced manifest schema: %w", err)
	}
	v := &Validator{}
	if v.schema, err = c.Compile(manifest.SchemaID); err != nil {
		return nil, fmt.Errorf("validator: compile the manifest schema: %w", err)
	}
	if v.loaded, err = c.Compile(loadedSchemaID); err != nil {
		return nil, fmt.Errorf("validator: compile the reduced manifest schema: %w", err)
	}
	return v, nil
}

// Validate loads a manifest from data (path names it in positions and
// chooses the notation, as manifest.Parse does) and returns every finding:
// the loader's errors (rule = the error kind: syntax, unknown-key, ...),
// the schema layer's and, when the file loaded without errors, the
// semantic rules'. The result is sorted by line, column and message,
// without duplicates; every diagnostic has a line and column of at least 1.
// Validate never panics.
func (v *Validator) Validate(path string, data []byte) []Diagnostic {
	f, err := manifest.Parse(path, data)
	defer f.Release()
	var loadErrs manifest.Errors
	if err != nil && !errors.As(err, &loadErrs) {
		// Parse returns only Errors; anything else is reported whole.
		return []Diagnostic{{File: path, Line: 1, Column: 1, Severity: SeverityError,
			Rule: string(manifest.KindSyntax), Message: err.Error()}}
	}
	return v.check(f, loadErrs, err == nil)
}

// ValidateFile checks a manifest that is already loaded: the schema layer
// and the semantic rules, sorted as Validate sorts them. It does not see
// the errors manifest.Parse returned for f; callers that have them report
// them, or call Validate with the file's bytes.
func (v *Validator) ValidateFile(f *manifest.File) []Diagnostic {
	return v.check(f, nil, false)
}

// check runs the layers on a loaded file with its loader errors; clean
// says that the loader is known to have found none, so that the reduced
// schema can stand in for the full one.
func (v *Validator) check(f *manifest.File, loadErrs manifest.Errors, clean bool) (diags []Diagnostic) {
	defer func() {
		// A rule that panics is a bug; the file still gets a finding,
		// never a crash of the whole run.
		if r := recover(); r != nil {
			diags = append(diags, Diagnostic{File: f.Path, Line: 1, Column: 1, Severity: SeverityError,
				Rule: ruleInternal, Message: fmt.Sprintf("the validator failed on this file (%v): please report it", r)})
			diags = normalize(diags)
		}
	}()
	diags = make([]Diagnostic, 0, len(loadErrs)+4)
	for _, e := range loadErrs {
		diags = append(diags, Diagnostic{File: f.Path, Line: e.Pos.Line, Column: e.Pos.Col,
			Severity: SeverityError, Rule: string(e.Kind), Message: e.Msg, Pointer: e.Pointer})
	}
	doc := f.Document()
	if doc == nil || tooMany(loadErrs) {
		return normalize(diags)
	}
	schema := v.schema
	if clean && !hasNull(doc) {
		schema = v.loaded
	}
	diags = append(diags, v.schemaLayer(schema, f, doc, loadErrs)...)
	if len(loadErrs) == 0 {
		diags = append(diags, runRules(f)...)
	}
	return normalize(diags)
}

// tooMany says whether the loader stopped reporting errors: the file is
// too broken for the other layers to add anything useful.
func tooMany(errs manifest.Errors) bool {
	for _, e := range errs {
		if e.Kind == manifest.KindTooMany {
			return true
		}
	}
	return false
}

// normalize gives every diagnostic a position, sorts them by line, column
// and message and removes duplicates.
func normalize(diags []Diagnostic) []Diagnostic {
	for i := range diags {
		diags[i].Line = max(diags[i].Line, 1)
		diags[i].Column = max(diags[i].Column, 1)
	}
	slices.SortFunc(diags, compareDiagnostics)
	return slices.CompactFunc(diags, func(a, b Diagnostic) bool { return compareDiagnostics(a, b) == 0 })
}

// compareDiagnostics orders diagnostics by line, column, message, rule,
// severity and pointer.
func compareDiagnostics(a, b Diagnostic) int {
	return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column),
		strings.Compare(a.Message, b.Message), strings.Compare(a.Rule, b.Rule),
		strings.Compare(string(a.Severity), string(b.Severity)), strings.Compare(a.Pointer, b.Pointer),
		strings.Compare(a.File, b.File))
}

// shared returns the Validator Check uses, compiled on first use.
var shared = sync.OnceValues(New)

// CheckError is the error Check returns: the error-severity diagnostics of
// a manifest.
type CheckError struct {
	// Diagnostics are the errors found, sorted by position.
	Diagnostics []Diagnostic
}

// Error lists the diagnostics, one per line.
func (e *CheckError) Error() string {
	lines := make([]string, len(e.Diagnostics))
	for i, d := range e.Diagnostics {
		lines[i] = d.Error()
	}
	return fmt.Sprintf("invalid manifest (%d errors):\n%s", len(lines), strings.Join(lines, "\n"))
}

// Check validates a loaded manifest with a Validator shared by the
// process, compiled on first use, and returns a *CheckError listing its error-severity
// diagnostics, or nil when there are none: warnings do not refuse a
// manifest. It suits sdk.Registry's Check option.
func Check(f *manifest.File) error {
	v, err := shared()
	if err != nil {
		return err
	}
	var errs []Diagnostic
	for _, d := range v.ValidateFile(f) {
		if d.Severity == SeverityError {
			errs = append(errs, d)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return &CheckError{Diagnostics: errs}
}
