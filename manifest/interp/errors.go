package interp

import "fmt"

// SyntaxError is a mistake in a template's source, reported by Parse.
type SyntaxError struct {
	// Column is the 1-based rune column of the mistake in the source.
	Column int
	// Msg says what is wrong and how to fix it.
	Msg string
}

// Error returns "column N: msg".
func (e *SyntaxError) Error() string { return fmt.Sprintf("column %d: %s", e.Column, e.Msg) }

// MissingError reports a reference to a value that is absent or null.
type MissingError struct {
	// Ref is the missing reference.
	Ref Ref
}

// Error returns a message such as "fields.subdomain is not set".
func (e *MissingError) Error() string { return e.Ref.String() + " is not set" }

// URLValueError reports a value that RenderURL refuses to insert at its
// position in the URL. It never holds the value.
type URLValueError struct {
	// Ref is the first reference of the refused expression (the zero Ref
	// when the expression has none).
	Ref Ref
	// Expr is the expression as written, such as fields.subdomain or
	// lower(fields.subdomain).
	Expr string
	// Position is where the value goes: start, scheme, userinfo, host,
	// port, path or fragment.
	Position string
	// Reason says why the value is refused.
	Reason string
}

// Error names the expression, its position and the reason.
func (e *URLValueError) Error() string {
	return fmt.Sprintf("cannot insert %s in the URL %s: %s", e.Expr, e.Position, e.Reason)
}

// HeaderValueError reports a value that RenderHeader refuses because it
// holds CR, LF or NUL, which could end the header and add another. It never
// holds the value.
type HeaderValueError struct {
	// Ref is the first reference of the refused expression (the zero Ref
	// when the text of the template itself is refused or the expression
	// has no reference).
	Ref Ref
	// Expr is the expression as written; empty when the template's own
	// text is refused.
	Expr string
	// Reason says why the value is refused.
	Reason string
}

// Error names the expression and the reason.
func (e *HeaderValueError) Error() string {
	if e.Expr == "" {
		return "header template: " + e.Reason
	}
	return fmt.Sprintf("cannot insert %s in a header: %s", e.Expr, e.Reason)
}
