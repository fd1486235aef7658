package validator

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/manifest/interp"
)

// piece is a part of a template: literal text, or an expression (a hole)
// whose value is known only at run time.
type piece struct {
	text string // the literal text; for a hole, the expression as written
	hole bool
	col  int          // the 1-based rune column of the piece in the template
	refs []interp.Ref // the references of a hole
	// option is set on literal text that a select field's option stood in
	// for, when expanding URLs.
	option *optionChoice
}

// optionChoice is one option of a select field chosen while expanding a
// URL template.
type optionChoice struct {
	field *fieldDecl
	index int
}

// ptr returns the pointer of the option's value.
func (o *optionChoice) ptr() string {
	return o.field.ptr + "/options/" + strconv.Itoa(o.index) + "/value"
}

// pieces splits a template, well-formed and with the given references,
// into literal text and expressions.
func pieces(src string, refs []interp.Ref) []piece {
	if !strings.Contains(src, "{{") {
		return []piece{{text: src, col: 1}}
	}
	var out []piece
	lit, litCol := 0, 1 // the byte offset and column of the pending literal text
	col := 1            // the column (in runes) of src[i]
	for i := 0; i < len(src); {
		if src[i] != '{' || i+1 >= len(src) || src[i+1] != '{' {
			_, size := utf8.DecodeRuneInString(src[i:])
			i += size
			col++
			continue
		}
		if lit < i {
			out = append(out, piece{text: src[lit:i], col: litCol})
		}
		end := exprEnd(src, i+2)
		endCol := col + utf8.RuneCountInString(src[i:end])
		h := piece{text: strings.TrimSpace(src[i+2 : max(end-2, i+2)]), hole: true, col: col}
		for _, r := range refs {
			if r.Column >= col && r.Column < endCol {
				h.refs = append(h.refs, r)
			}
		}
		out = append(out, h)
		i, col = end, endCol
		lit, litCol = i, col
	}
	if lit < len(src) {
		out = append(out, piece{text: src[lit:], col: litCol})
	}
	return out
}

// exprEnd returns the byte offset just past the "}}" that closes the
// expression starting at src[i], skipping quoted strings; len(src) when
// there is none. The characters it looks for are ASCII, so it can step
// through bytes.
func exprEnd(src string, i int) int {
	var quote byte
	for ; i < len(src); i++ {
		c := src[i]
		switch {
		case quote != 0 && c == '\\':
			i++
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
		case c == '"' || c == '\'':
			quote = c
		case c == '}' && i+1 < len(src) && src[i+1] == '}':
			return i + 2
		}
	}
	return len(src)
}

// soleRef returns the reference of a hole that is exactly one reference.
func (p piece) soleRef() (interp.Ref, bool) {
	// The reference lies inside the hole's text and is ASCII: the same
	// length means the same text.
	if !p.hole || len(p.refs) != 1 || len(p.text) != p.refs[0].Len {
		return interp.Ref{}, false
	}
	return p.refs[0], true
}

// joinPieces joins a base URL and a request path as the runtime does: the
// base's trailing slashes and the path's leading ones become one slash; a
// path that starts with "?" is appended as it is.
func joinPieces(base, path []piece) []piece {
	out := append([]piece(nil), base...)
	if n := len(out); n > 0 && !out[n-1].hole {
		out[n-1].text = strings.TrimRight(out[n-1].text, "/")
	}
	if len(path) > 0 && !path[0].hole && strings.HasPrefix(path[0].text, "?") {
		return append(out, path...)
	}
	out = append(out, piece{text: "/"})
	for i, p := range path {
		if i == 0 && !p.hole {
			p.text = strings.TrimLeft(p.text, "/")
		}
		out = append(out, p)
	}
	return out
}

// urlPart is where text goes in a URL.
type urlPart int

const (
	partStart urlPart = iota
	partScheme
	partHost
	partPort
	partPath
	partQuery
	partFragment
)

// partAfter returns where text written after prefix goes; holes in prefix
// are written as holeMark.
func partAfter(prefix string) urlPart {
	if prefix == "" {
		return partStart
	}
	if strings.HasPrefix(prefix, "/") && !strings.HasPrefix(prefix, "//") {
		return relativePart(prefix)
	}
	if strings.HasPrefix(prefix, "?") {
		return relativePart(prefix)
	}
	i := strings.Index(prefix, "://")
	if i < 0 {
		return partScheme
	}
	rest := prefix[i+3:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		if (strings.HasPrefix(rest, "[") && strings.Contains(rest, "]:")) ||
			(!strings.HasPrefix(rest, "[") && strings.Contains(rest, ":")) {
			return partPort
		}
		return partHost
	}
	return relativePart(rest[end:])
}

// relativePart returns where text written after a path, query or fragment
// prefix goes.
func relativePart(s string) urlPart {
	switch {
	case strings.Contains(s, "#"):
		return partFragment
	case strings.Contains(s, "?"):
		return partQuery
	}
	return partPath
}

// holeMark stands for a hole in the text of a URL being analysed.
const holeMark = "\x00"

// maxVariants bounds the combinations of select options a URL template is
// expanded to; beyond it the remaining fields are left as holes.
const maxVariants = 32

// variant is a URL template with some select fields replaced by one of
// their options.
type variant struct {
	pcs     []piece
	choices []*optionChoice
}

// expand returns the variants of a URL template: every hole that is
// exactly a select field with options is replaced by each option's value,
// escaped for its place in the URL as the runtime escapes it.
func expand(pcs []piece, lookup func(key string) *fieldDecl) []variant {
	if !slices.ContainsFunc(pcs, func(p piece) bool { return selectOf(p, lookup) != nil }) {
		return []variant{{pcs: pcs}}
	}
	out := []variant{{}}
	for _, p := range pcs {
		d := selectOf(p, lookup)
		if d == nil || len(out)*len(d.field.Options) > maxVariants {
			for i := range out {
				out[i].pcs = append(out[i].pcs, p)
			}
			continue
		}
		next := make([]variant, 0, len(out)*len(d.field.Options))
		for _, v := range out {
			part := partAfter(textOf(v.pcs))
			for j, o := range d.field.Options {
				c := &optionChoice{field: d, index: j}
				nv := variant{pcs: append(append([]piece(nil), v.pcs...),
					piece{text: escapeFor(part, o.Value), col: p.col, option: c}),
					choices: append(append([]*optionChoice(nil), v.choices...), c)}
				next = append(next, nv)
			}
		}
		out = next
	}
	return out
}

// selectOf returns the select field with options that hole p is exactly,
// or nil.
func selectOf(p piece, lookup func(key string) *fieldDecl) *fieldDecl {
	ref, ok := p.soleRef()
	if !ok || ref.Scope != "fields" || len(ref.Path) != 1 {
		return nil
	}
	if d := lookup(ref.Path[0]); d != nil && d.field.Type == manifest.FieldSelect && len(d.field.Options) > 0 {
		return d
	}
	return nil
}

// escapeFor escapes a value inserted at part of a URL, as the runtime does.
func escapeFor(part urlPart, v string) string {
	switch part {
	case partStart:
		return strings.TrimRight(v, "/")
	case partHost:
		return strings.ToLower(v)
	case partPath:
		return url.PathEscape(v)
	case partQuery:
		return url.QueryEscape(v)
	}
	return v
}

// textOf returns the text of pieces with every hole written as holeMark.
func textOf(pcs []piece) string {
	var b strings.Builder
	for _, p := range pcs {
		if p.hole {
			b.WriteString(holeMark)
		} else {
			b.WriteString(p.text)
		}
	}
	return b.String()
}

// urlShape is what is statically known of a URL.
type urlShape struct {
	text     string // the URL with holes as holeMark
	relative bool   // no scheme: a path or a relative reference
	known    bool   // scheme and host are known (the host may be a *. pattern)
	scheme   string // lower case
	host     string // host[:port]; "*.domain" where holes fill leading labels
	literal  bool   // the host has no hole
	path     string // the path (and query) up to the first hole
	complete bool   // no hole after the host
	// tail is, for an unknown origin, the literal path after the first
	// hole up to the next one ("" when it does not start with "/").
	tail string
}

// shape analyses the text of a URL with holes.
func shape(text string) urlShape {
	s := urlShape{text: text}
	i := strings.Index(text, "://")
	if i < 0 || strings.Contains(text[:i], holeMark) {
		if !strings.HasPrefix(text, holeMark) && i < 0 {
			s.relative = true
		}
		s.tail = tailAfterHole(text)
		return s
	}
	s.scheme = strings.ToLower(text[:i])
	rest := text[i+3:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	host, path := rest[:end], rest[end:]
	s.literal = !strings.Contains(host, holeMark)
	if !s.literal {
		after := host[strings.LastIndex(host, holeMark)+1:]
		if !strings.HasPrefix(after, ".") || len(after) < 2 || strings.HasPrefix(after, "..") {
			s.tail = tailAfterHole(rest)
			return s
		}
		host = "*" + after
	}
	s.known, s.host = true, strings.ToLower(host)
	if j := strings.Index(path, holeMark); j >= 0 {
		s.path = path[:j]
	} else {
		s.path, s.complete = path, true
	}
	return s
}

// tailAfterHole returns the literal text after the first hole of text up
// to the next hole, when it starts with "/".
func tailAfterHole(text string) string {
	i := strings.Index(text, holeMark)
	if i < 0 {
		return ""
	}
	t := text[i+1:]
	if j := strings.Index(t, holeMark); j >= 0 {
		t = t[:j]
	}
	if !strings.HasPrefix(t, "/") {
		return ""
	}
	return t
}

// literalPath returns the text of a relative URL shape up to its first
// hole.
func (sh urlShape) literalPath() string {
	t, _, _ := strings.Cut(sh.text, holeMark)
	return t
}

// hostName returns the host of a known shape without its port.
func (s urlShape) hostName() string {
	h := s.host
	if strings.HasPrefix(h, "[") {
		if i := strings.Index(h, "]"); i >= 0 {
			return h[1:i]
		}
	}
	if i := strings.LastIndex(h, ":"); i >= 0 {
		return h[:i]
	}
	return h
}
