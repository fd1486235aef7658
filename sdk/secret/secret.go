// Package secret holds sensitive strings (client secrets, tokens, passwords)
// so that they cannot leak through formatting, logging or encoding.
//
// A Value prints, logs and encodes as "[redacted]" whatever its content and
// length; the only way to read the content is Value.Reveal, which makes every
// place that handles the secret in clear easy to find (grep for Reveal).
// The zero Value, and a Value made from the empty string, prints as the
// empty string so that a missing secret stays visible.
//
// The content is kept behind a *string, so even reflection-based printing
// that bypasses the methods (a Value in an unexported struct field printed
// with %+v, or with a verb fmt finds bad for a pointer) shows an address,
// never the secret.
package secret

import (
	"crypto/subtle"
	"fmt"
	"log/slog"
	"strconv"
)

// Redacted is what a non-empty Value prints, logs and encodes as.
const Redacted = "[redacted]"

// Value is a secret string. The zero Value is empty. Values are immutable
// and safe to copy and to share between goroutines. The == operator compares
// identity (copies of one Value are equal, two New calls are not); use Equal
// to compare contents.
type Value struct {
	// p is nil for the empty Value. fmt prints a *string it reaches by
	// reflection as an address (a pointer to a struct would be printed
	// with its fields).
	p *string
}

// New returns a Value holding s.
func New(s string) Value {
	if s == "" {
		return Value{}
	}
	return Value{p: &s}
}

// Reveal returns the secret in clear. It is the only way to read a Value:
// call it only where the secret is sent to the party it belongs to (an HTTP
// header, a request body) or encrypted for storage.
func (v Value) Reveal() string {
	if v.p == nil {
		return ""
	}
	return *v.p
}

// IsZero reports whether the Value is empty.
func (v Value) IsZero() bool { return v.p == nil }

// Equal reports whether v and o hold the same secret, in time that does not
// depend on where they differ. go-cmp uses it to compare Values.
func (v Value) Equal(o Value) bool {
	return subtle.ConstantTimeCompare([]byte(v.Reveal()), []byte(o.Reveal())) == 1
}

// marker is the redacted text: empty for an empty Value, Redacted otherwise.
func (v Value) marker() string {
	if v.IsZero() {
		return ""
	}
	return Redacted
}

// String returns "[redacted]", or "" for an empty Value.
func (v Value) String() string { return v.marker() }

// GoString returns secret.Value{[redacted]} for %#v, or secret.Value{} for
// an empty Value.
func (v Value) GoString() string { return "secret.Value{" + v.marker() + "}" }

// Format writes the redacted marker for every verb: %q quotes it, %#v uses
// GoString, and every other verb (%v, %+v, %s, %x, %d, ...) writes it as text
// with the directive's width and flags, so the secret's content is never
// formatted.
func (v Value) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'):
		fmt.Fprint(f, v.GoString())
	case verb == 'q':
		fmt.Fprintf(f, fmt.FormatString(f, 's'), strconv.Quote(v.marker()))
	default:
		fmt.Fprintf(f, fmt.FormatString(f, 's'), v.marker())
	}
}

// MarshalJSON encodes the Value as the JSON string "[redacted]" (or "").
func (v Value) MarshalJSON() ([]byte, error) { return []byte(strconv.Quote(v.marker())), nil }

// MarshalText encodes the Value as "[redacted]" (or ""); encoders that use
// encoding.TextMarshaler (XML, YAML, map keys) therefore redact it too.
func (v Value) MarshalText() ([]byte, error) { return []byte(v.marker()), nil }

// LogValue makes log/slog record the Value as "[redacted]" (or "").
func (v Value) LogValue() slog.Value { return slog.StringValue(v.marker()) }
