package interp

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Revealer is a secret value from the runtime: templates insert its Reveal
// text, while its String and formatting methods may redact it.
type Revealer interface {
	Reveal() string
}

// Data is what templates read. A nil map is an empty scope.
type Data struct {
	// Fields are the values the user filled in ({{ fields.KEY }}).
	Fields map[string]any
	// Token are the values kept from the token response ({{ token.KEY }}).
	Token map[string]any
	// Input are an action's inputs ({{ input.KEY }}).
	Input map[string]any
	// Response is the decoded body of the test call's response
	// ({{ response.PATH }}).
	Response any
}

// Render renders the template as plain text.
func (t *Template) Render(d Data) (string, error) {
	return t.render(&d, false)
}

// RenderHeader renders the template as a header value: like Render, but a
// value holding CR, LF or NUL is refused with a *HeaderValueError.
func (t *Template) RenderHeader(d Data) (string, error) {
	if t.literalBreak {
		return "", &HeaderValueError{Reason: "the template's text holds a line break or NUL; header values are one line"}
	}
	return t.render(&d, true)
}

// RenderValue renders a template that is exactly one reference, such as
// {{ input.limit }}, to the referenced value with its type (a number stays a
// number, secrets are revealed, maps and lists are copied); any other
// template renders to its text as with Render.
func (t *Template) RenderValue(d Data) (any, error) {
	if len(t.parts) != 1 || t.parts[0].e == nil || t.parts[0].e.kind != exprRef {
		return t.Render(d)
	}
	r := &t.refs[t.parts[0].e.ref]
	v, ok := r.lookup(&d)
	if !ok {
		return nil, &MissingError{Ref: r.public()}
	}
	v, err := plain(v)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.pub, err)
	}
	return v, nil
}

func (t *Template) render(d *Data, header bool) (string, error) {
	var b strings.Builder
	b.Grow(t.size)
	for i := range t.parts {
		p := &t.parts[i]
		if p.e == nil {
			b.WriteString(p.text)
			continue
		}
		start := b.Len()
		if err := t.write(&b, p.e, d); err != nil {
			return "", err
		}
		if header {
			if i := strings.IndexAny(b.String()[start:], "\r\n\x00"); i >= 0 {
				reason := "the value holds a line break (CR or LF); header values are one line"
				if b.String()[start+i] == 0 {
					reason = "the value holds a NUL character"
				}
				return "", &HeaderValueError{Ref: t.refOf(p.e), Expr: t.exprText(p.e), Reason: reason}
			}
		}
	}
	return b.String(), nil
}

// write appends the text of e to b.
func (t *Template) write(b *strings.Builder, e *expr, d *Data) error {
	if e.kind != exprRef {
		s, err := t.text(e, d)
		b.WriteString(s)
		return err
	}
	r := &t.refs[e.ref]
	v, ok := r.lookup(d)
	if !ok {
		return &MissingError{Ref: r.public()}
	}
	if err := writeValue(b, v, false); err != nil {
		return fmt.Errorf("%s: %w", r.pub, err)
	}
	return nil
}

// text returns the text of e.
func (t *Template) text(e *expr, d *Data) (string, error) {
	switch e.kind {
	case exprString:
		return e.str, nil
	case exprRef:
		r := &t.refs[e.ref]
		v, ok := r.lookup(d)
		if !ok {
			return "", &MissingError{Ref: r.public()}
		}
		switch x := v.(type) {
		case string:
			return x, nil
		case Revealer:
			return x.Reveal(), nil
		}
		var b strings.Builder
		if err := writeValue(&b, v, false); err != nil {
			return "", fmt.Errorf("%s: %w", r.pub, err)
		}
		return b.String(), nil
	}
	switch e.fn {
	case fnDefault:
		s, err := t.text(e.args[0], d)
		var missing *MissingError
		if errors.As(err, &missing) || (err == nil && s == "") {
			return t.text(e.args[1], d)
		}
		return s, err
	case fnConcat:
		var b strings.Builder
		for _, a := range e.args {
			if err := t.write(&b, a, d); err != nil {
				return "", err
			}
		}
		return b.String(), nil
	}
	s, err := t.text(e.args[0], d)
	if err != nil {
		return "", err
	}
	return e.fn.apply(s), nil
}

// refOf returns a copy of the first reference inside e, or the zero Ref.
func (t *Template) refOf(e *expr) Ref {
	if e.firstRef < 0 {
		return Ref{}
	}
	return t.refs[e.firstRef].public()
}

// exprText returns e as written in the source.
func (t *Template) exprText(e *expr) string { return t.src[e.start:e.end] }

// lookup finds the referenced value; ok is false when it is absent or null.
func (r *ref) lookup(d *Data) (v any, ok bool) {
	switch r.scope {
	case scopeFields:
		v = d.Fields
	case scopeToken:
		v = d.Token
	case scopeInput:
		v = d.Input
	default:
		v = d.Response
	}
	for _, s := range r.path {
		switch c := v.(type) {
		case map[string]any:
			if v, ok = c[s.key]; !ok {
				return nil, false
			}
		case []any:
			if s.index < 0 || s.index >= len(c) {
				return nil, false
			}
			v = c[s.index]
		default:
			return nil, false
		}
	}
	return v, v != nil
}

// errUnsupported reports a value of a type templates cannot render.
func errUnsupported(v any) error {
	return fmt.Errorf("a value of type %T cannot be rendered (use strings, numbers, booleans, maps and lists)", v)
}

// writeValue appends the text of v to b: as it is at the top level, as JSON
// inside maps and lists (inJSON).
func writeValue(b *strings.Builder, v any, inJSON bool) error {
	var num [32]byte
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case string:
		writeString(b, x, inJSON)
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case float64:
		return writeFloat(b, x, 64, inJSON)
	case float32:
		return writeFloat(b, float64(x), 32, inJSON)
	case int:
		b.Write(strconv.AppendInt(num[:0], int64(x), 10))
	case int8:
		b.Write(strconv.AppendInt(num[:0], int64(x), 10))
	case int16:
		b.Write(strconv.AppendInt(num[:0], int64(x), 10))
	case int32:
		b.Write(strconv.AppendInt(num[:0], int64(x), 10))
	case int64:
		b.Write(strconv.AppendInt(num[:0], x, 10))
	case uint:
		b.Write(strconv.AppendUint(num[:0], uint64(x), 10))
	case uint8:
		b.Write(strconv.AppendUint(num[:0], uint64(x), 10))
	case uint16:
		b.Write(strconv.AppendUint(num[:0], uint64(x), 10))
	case uint32:
		b.Write(strconv.AppendUint(num[:0], uint64(x), 10))
	case uint64:
		b.Write(strconv.AppendUint(num[:0], x, 10))
	case json.Number:
		if inJSON && !json.Valid([]byte(x)) {
			return errors.New("a json.Number value is not a valid number")
		}
		b.WriteString(string(x))
	case Revealer:
		writeString(b, x.Reveal(), inJSON)
	case fmt.Stringer:
		writeString(b, x.String(), inJSON)
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, k, true)
			b.WriteByte(':')
			if err := writeValue(b, x[k], true); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeValue(b, e, true); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	default:
		return errUnsupported(v)
	}
	return nil
}

// writeFloat writes f in the shortest form that reads back the same, with
// an exponent only for very small or large magnitudes, as encoding/json.
func writeFloat(b *strings.Builder, f float64, bits int, inJSON bool) error {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		if inJSON {
			return errors.New("NaN and infinite numbers have no JSON form")
		}
	}
	format := byte('f')
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	var num [32]byte
	b.Write(strconv.AppendFloat(num[:0], f, format, -1, bits))
	return nil
}

// writeString writes s, as a JSON string when quoted.
func writeString(b *strings.Builder, s string, quoted bool) {
	if !quoted {
		b.WriteString(s)
		return
	}
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			b.WriteByte(c)
			i++
			continue
		}
		switch c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if c < 0x20 {
				b.WriteString(`\u00`)
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&0xf])
				break
			}
			r, size := utf8.DecodeRuneInString(s[i:])
			b.WriteRune(r) // an invalid byte becomes U+FFFD
			i += size
			continue
		}
		i++
	}
	b.WriteByte('"')
}

// plain converts v to the plain Go value a JSON encoder writes as the
// template would: secrets revealed, Stringers as their text, maps and lists
// copied.
func plain(v any) (any, error) {
	switch x := v.(type) {
	case nil, string, bool, float64, float32, int, int8, int16, int32, int64,
		uint, uint8, uint16, uint32, uint64, json.Number:
		return v, nil
	case Revealer:
		return x.Reveal(), nil
	case fmt.Stringer:
		return x.String(), nil
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			p, err := plain(e)
			if err != nil {
				return nil, err
			}
			m[k] = p
		}
		return m, nil
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			p, err := plain(e)
			if err != nil {
				return nil, err
			}
			l[i] = p
		}
		return l, nil
	}
	return nil, errUnsupported(v)
}
