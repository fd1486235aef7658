package interp

import (
	"fmt"
	"github.com/connkit/connkit/internal/suggest"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxDepth bounds the nesting of function calls.
const maxDepth = 32

// Scope indexes, in the order of scopeNames.
const (
	scopeFields = iota
	scopeToken
	scopeResponse
	scopeInput
)

// scopeNames lists the scopes in documentation order.
var scopeNames = []string{"fields", "token", "response", "input"}

// Template is a parsed template. It is immutable and safe for concurrent
// use; create one with Parse or Lit.
type Template struct {
	src   string
	parts []part
	refs  []ref
	// size estimates the rendered length, to size the output once.
	size int
	// literalBreak records that the literal text holds CR, LF or NUL.
	literalBreak bool
}

// part is literal text (e == nil) or an expression.
type part struct {
	text string
	e    *expr
}

type exprKind uint8

const (
	exprRef exprKind = iota
	exprString
	exprCall
)

// expr is a parsed expression.
type expr struct {
	kind exprKind
	ref  int    // exprRef: index in Template.refs
	str  string // exprString: the unescaped value
	fn   *function
	args []*expr
	// start and end delimit the expression in the source (bytes).
	start, end int
	// firstRef is the index of the first reference inside, or -1.
	firstRef int
}

// Ref is a reference to a value, such as fields.client_id.
type Ref struct {
	// Scope is fields, token, response or input.
	Scope string
	// Path is the keys (or list indexes, as digits) below the scope.
	Path []string
	// Column is the 1-based rune column of the reference's first character
	// in the template source.
	Column int
	// Len is the length of the reference in runes.
	Len int
}

// String returns the reference as written, such as "fields.client_id".
func (r Ref) String() string {
	if len(r.Path) == 0 {
		return r.Scope
	}
	return r.Scope + "." + strings.Join(r.Path, ".")
}

// ref is a parsed reference with its path ready for lookups.
type ref struct {
	scope int
	path  []segment
	pub   Ref
}

// segment is one step of a reference path.
type segment struct {
	key   string
	index int // the list index when key is all digits, else -1
}

// public returns a copy of the reference that callers may modify.
func (r *ref) public() Ref {
	p := r.pub
	p.Path = slices.Clone(p.Path)
	return p
}

// Parse parses a template. Its errors are *SyntaxError values.
func Parse(s string) (*Template, error) {
	p := parser{src: s, t: &Template{src: s}}
	if n := strings.Count(s, "{{"); n > 0 {
		// Text and an expression per "{{", and the text after: one
		// allocation each for the common case.
		p.t.parts = make([]part, 0, 2*n+1)
		p.t.refs = make([]ref, 0, n)
	}
	if err := p.parse(); err != nil {
		return nil, err
	}
	return p.t, nil
}

// Lit returns a template that renders s exactly; its Source escapes every
// "{{" so that parsing the source again gives the same template.
func Lit(s string) *Template {
	t := &Template{src: strings.ReplaceAll(s, "{{", `{{ "{{" }}`), size: len(s)}
	if s != "" {
		t.parts = []part{{text: s}}
		t.literalBreak = strings.ContainsAny(s, "\r\n\x00")
	}
	return t
}

// Source returns the template's source text.
func (t *Template) Source() string { return t.src }

// IsLiteral reports whether the template holds no reference, so that it
// renders the same text whatever the data.
func (t *Template) IsLiteral() bool { return len(t.refs) == 0 }

// Refs lists every reference of the template in source order.
func (t *Template) Refs() []Ref {
	out := make([]Ref, len(t.refs))
	for i := range t.refs {
		out[i] = t.refs[i].public()
	}
	return out
}

// parser holds the state of one Parse call.
type parser struct {
	src   string
	pos   int // byte offset of the next character
	open  int // byte offset of the "{{" being parsed
	depth int // calls open around the current expression
	t     *Template
}

func (p *parser) parse() error {
	for p.pos < len(p.src) {
		i := strings.Index(p.src[p.pos:], "{{")
		if i < 0 {
			p.text(p.src[p.pos:])
			break
		}
		p.text(p.src[p.pos : p.pos+i])
		p.open = p.pos + i
		p.pos = p.open + 2
		p.space()
		if strings.HasPrefix(p.src[p.pos:], "}}") {
			return p.errAt(p.open, `empty expression: put a reference such as fields.KEY between "{{" and "}}", or write {{ "{{" }} for literal braces`)
		}
		e, err := p.expr()
		if err != nil {
			return err
		}
		if err := p.close(e); err != nil {
			return err
		}
		if e.kind == exprString {
			// A string in braces is the author's text: fold it in.
			p.text(e.str)
			continue
		}
		p.t.parts = append(p.t.parts, part{e: e})
		p.t.size += 32
	}
	return nil
}

// text appends literal text, merging it with literal text before it.
func (p *parser) text(s string) {
	if s == "" {
		return
	}
	t := p.t
	t.size += len(s)
	if strings.ContainsAny(s, "\r\n\x00") {
		t.literalBreak = true
	}
	if n := len(t.parts); n > 0 && t.parts[n-1].e == nil {
		t.parts[n-1].text += s
		return
	}
	t.parts = append(t.parts, part{text: s})
}

// close consumes the "}}" that ends the expression e.
func (p *parser) close(e *expr) error {
	p.space()
	rest := p.src[p.pos:]
	switch {
	case strings.HasPrefix(rest, "}}"):
		p.pos += 2
		return nil
	case rest == "" || !strings.Contains(rest, "}}"):
		return p.unclosed()
	case strings.HasPrefix(rest, "{{"):
		return p.nested()
	case rest[0] == '}':
		return p.errAt(p.pos, `found a single "}": close the expression with "}}"`)
	case rest[0] == ')':
		return p.errAt(p.pos, `unexpected ")": no function call is open`)
	}
	return p.errAt(p.pos, fmt.Sprintf(`unexpected %q after %s: expected "}}" (one expression per braces; join values with concat(a, b))`,
		p.peekWord(), p.src[e.start:e.end]))
}

// expr parses one expression.
func (p *parser) expr() (*expr, error) {
	p.space()
	rest := p.src[p.pos:]
	if rest == "" {
		return nil, p.unclosed()
	}
	switch c := rest[0]; {
	case c == '"' || c == '\'':
		return p.str()
	case strings.HasPrefix(rest, "{{"):
		return nil, p.nested()
	case isLetter(c) || c == '_':
		return p.name()
	case isDigit(c):
		return nil, p.errAt(p.pos, fmt.Sprintf(`unexpected %q: expected a reference (such as fields.KEY), a quoted string or a function call; write numbers as strings ("%s")`,
			p.peekWord(), p.peekWord()))
	default:
		r, _ := utf8.DecodeRuneInString(rest)
		return nil, p.errAt(p.pos, fmt.Sprintf("unexpected %q: expected a reference (such as fields.KEY), a quoted string or a function call", r))
	}
}

// name parses a reference or a call, which both start with a name.
func (p *parser) name() (*expr, error) {
	start := p.pos
	w := p.word()
	end := p.pos
	p.space()
	if strings.HasPrefix(p.src[p.pos:], "(") {
		return p.call(start, w)
	}
	p.pos = end
	return p.ref(start, w)
}

// ref checks the reference w that starts at byte offset start.
func (p *parser) ref(start int, w string) (*expr, error) {
	segs := strings.Split(w, ".")
	off := start
	r := ref{scope: -1, path: make([]segment, 0, len(segs)-1)}
	for i, s := range segs {
		if s == "" {
			if i == len(segs)-1 {
				return nil, p.errAt(off-1, fmt.Sprintf(`%q ends with ".": add a key after the dot or remove it`, w))
			}
			return nil, p.errAt(off, fmt.Sprintf(`%q has an empty key between two dots`, w))
		}
		for j := 0; j < len(s); {
			c, size := utf8.DecodeRuneInString(s[j:])
			if !(c < utf8.RuneSelf && (isLetter(byte(c)) || isDigit(byte(c)) || c == '_' || c == '-')) {
				return nil, p.errAt(off+j, fmt.Sprintf(`invalid character %q in reference %q: keys use ASCII letters, digits, "_" and "-"`, string(c), w))
			}
			j += size
		}
		if i == 0 {
			r.scope = slices.Index(scopeNames, s)
			if r.scope < 0 {
				if f := lookupFunction(s); f != nil && len(segs) == 1 {
					return nil, p.errAt(off, fmt.Sprintf("%s is a function: call it with parentheses, as in %s", s, f.usage))
				}
				return nil, p.errAt(off, unknown("scope", s, scopeNames, fmt.Sprintf("references start with a scope: %s (as in fields.KEY)", strings.Join(scopeNames, ", "))))
			}
		} else {
			seg := segment{key: s, index: -1}
			switch {
			case isAllDigits(s):
				n, err := strconv.Atoi(s)
				if err != nil || n > 1<<30 {
					return nil, p.errAt(off, fmt.Sprintf("list index %s is too large", s))
				}
				seg.index = n
			case !isLetter(s[0]) && s[0] != '_':
				return nil, p.errAt(off, fmt.Sprintf(`key %q must start with a letter or "_", or be all digits to index a list`, s))
			}
			r.path = append(r.path, seg)
		}
		off += len(s) + 1
	}
	if len(r.path) == 0 && r.scope != scopeResponse {
		return nil, p.errAt(start, fmt.Sprintf("%s needs a key: write %s.KEY", w, w))
	}
	r.pub = Ref{Scope: segs[0], Path: segs[1:], Column: p.column(start), Len: len(w)}
	p.t.refs = append(p.t.refs, r)
	n := len(p.t.refs) - 1
	return &expr{kind: exprRef, ref: n, start: start, end: start + len(w), firstRef: n}, nil
}

// call parses the arguments of the function name that starts at byte
// offset start; p.pos is at the "(".
func (p *parser) call(start int, name string) (*expr, error) {
	paren := p.pos
	if strings.Contains(name, ".") {
		return nil, p.errAt(paren, fmt.Sprintf(`unexpected "(" after reference %s: only functions take arguments`, name))
	}
	fn := lookupFunction(name)
	if fn == nil {
		if slices.Contains(scopeNames, name) {
			return nil, p.errAt(start, fmt.Sprintf("%s is a scope, not a function: write %s.KEY", name, name))
		}
		return nil, p.errAt(start, unknown("function", name, functionNames(), "the functions are "+strings.Join(functionNames(), ", ")))
	}
	if p.depth >= maxDepth {
		return nil, p.errAt(start, fmt.Sprintf("function calls nest deeper than %d: simplify the expression", maxDepth))
	}
	p.pos++
	e := &expr{kind: exprCall, fn: fn, start: start, firstRef: -1}
	notClosed := func() error {
		return p.errAt(paren, fmt.Sprintf(`%s( is not closed: add ")" after its arguments`, name))
	}
	p.space()
	if strings.HasPrefix(p.src[p.pos:], ")") {
		p.pos++
	} else {
		for {
			p.space()
			if rest := p.src[p.pos:]; rest == "" || strings.HasPrefix(rest, "}}") {
				return nil, notClosed()
			}
			p.depth++
			a, err := p.expr()
			p.depth--
			if err != nil {
				return nil, err
			}
			e.args = append(e.args, a)
			if e.firstRef < 0 {
				e.firstRef = a.firstRef
			}
			p.space()
			rest := p.src[p.pos:]
			if rest == "" || strings.HasPrefix(rest, "}}") {
				return nil, notClosed()
			}
			if rest[0] == ')' {
				p.pos++
				break
			}
			if rest[0] != ',' {
				return nil, p.errAt(p.pos, fmt.Sprintf(`expected "," or ")" after an argument of %s, found %q`, name, p.peekWord()))
			}
			p.pos++
			p.space()
			if strings.HasPrefix(p.src[p.pos:], ")") {
				return nil, p.errAt(p.pos, fmt.Sprintf(`missing argument after "," in %s(...): remove the comma or add an argument`, name))
			}
		}
	}
	e.end = p.pos
	if n := len(e.args); n < fn.min || (fn.max >= 0 && n > fn.max) {
		return nil, p.errAt(start, fmt.Sprintf("%s takes %s, got %d: write %s", name, fn.arity(), n, fn.usage))
	}
	return e, nil
}

// str parses a quoted string.
func (p *parser) str() (*expr, error) {
	start := p.pos
	q := p.src[p.pos]
	p.pos++
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch c {
		case q:
			p.pos++
			return &expr{kind: exprString, str: b.String(), start: start, end: p.pos, firstRef: -1}, nil
		case '\\':
			if p.pos+1 >= len(p.src) {
				return nil, p.errAt(start, fmt.Sprintf("unterminated string: add the closing %c", q))
			}
			switch e := p.src[p.pos+1]; e {
			case '\\', '"', '\'':
				b.WriteByte(e)
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			default:
				r, _ := utf8.DecodeRuneInString(p.src[p.pos+1:])
				return nil, p.errAt(p.pos, fmt.Sprintf(`unknown escape "\%c" in string: use \\, \", \', \n or \t`, r))
			}
			p.pos += 2
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	return nil, p.errAt(start, fmt.Sprintf("unterminated string: add the closing %c", q))
}

func (p *parser) unclosed() error {
	return p.errAt(p.open, `unclosed "{{": add "}}" after the expression, or write {{ "{{" }} for literal braces`)
}

func (p *parser) nested() error {
	return p.errAt(p.pos, `"{{" inside an expression: expressions do not nest; write the inner expression directly, as in {{ base64(fields.KEY) }}`)
}

// space skips whitespace.
func (p *parser) space() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\r', '\n':
			p.pos++
		default:
			return
		}
	}
}

// word consumes and returns the run of characters up to the next delimiter.
func (p *parser) word() string {
	start := p.pos
	for p.pos < len(p.src) && !isDelimiter(p.src[p.pos]) {
		p.pos++
	}
	return p.src[start:p.pos]
}

// peekWord returns the word at p.pos, or its first character when it is a
// delimiter, for messages.
func (p *parser) peekWord() string {
	save := p.pos
	w := p.word()
	p.pos = save
	if w == "" {
		_, size := utf8.DecodeRuneInString(p.src[p.pos:])
		w = p.src[p.pos : p.pos+size]
	}
	if utf8.RuneCountInString(w) > 20 {
		w = string([]rune(w)[:20]) + "..."
	}
	return w
}

// column converts a byte offset into a 1-based rune column.
func (p *parser) column(off int) int {
	return utf8.RuneCountInString(p.src[:off]) + 1
}

func (p *parser) errAt(off int, msg string) error {
	return &SyntaxError{Column: p.column(off), Msg: msg}
}

func isDelimiter(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', '(', ')', ',', '"', '\'', '{', '}':
		return true
	}
	return false
}

func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isAllDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

// unknown words the error for an unknown name of the given kind, with a
// suggestion among candidates or the fallback hint.
func unknown(kind, name string, candidates []string, hint string) string {
	if s := closest(name, candidates); s != "" {
		return fmt.Sprintf("unknown %s %q: did you mean %q?", kind, name, s)
	}
	return fmt.Sprintf("unknown %s %q: %s", kind, name, hint)
}

// closest returns the candidate closest to name, if close enough to be a
// likely typo.
func closest(name string, candidates []string) string {
	lower := strings.ToLower(name)
	best, bestD := "", 3
	for _, c := range candidates {
		if len(lower) >= 3 && strings.HasPrefix(c, lower) && bestD > 1 {
			best, bestD = c, 1 // an abbreviation
			continue
		}
		if len(lower) > len(c)+2 {
			continue // at least three edits away
		}
		if d := suggest.Distance(lower, c); d < bestD && d < len(c)/2+1 {
			best, bestD = c, d
		}
	}
	return best
}
