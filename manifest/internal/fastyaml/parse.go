// Package fastyaml parses the subset of YAML that connkit manifests use
// into the same *yaml.Node tree go.yaml.in/yaml/v3 builds, several times
// faster and with a handful of allocations.
//
// The subset: block mappings and sequences, flow mappings and sequences,
// single-line plain and quoted scalars, literal and folded block scalars,
// comments, blank lines and one optional leading "---". Anything else
// (anchors, aliases, tags, directives, complex keys, multi-line plain or
// quoted scalars, tabs outside scalars and comments, several documents,
// CR line breaks, ...) makes Parse decline, and the caller parses with
// yaml.v3, which also words the errors.
package fastyaml

import (
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/connkit/connkit/manifest/internal/arena"
)

// maxKeyLen bounds the bytes between the start of a key and its ':'; yaml.v3
// stops looking for a key after 1024 characters.
const maxKeyLen = 1000

// Parse returns the top node of the single YAML document in data (what
// yaml.v3's Decoder puts in DocumentNode.Content[0]) and true, or nil and
// false when data is outside the supported subset, is not valid YAML, holds
// no node / a null root, or holds more than one document: the caller then
// parses with yaml.v3, which also words the errors.
//
// When Parse returns true, the node equals yaml.v3's in Kind, Style, Tag,
// Value, Line, Column and Content (recursively); comments are not recorded.
// Parse never panics. The nodes and Content slices come from a (nil: new
// memory), also when Parse declines.
func Parse(a *arena.Arena, data []byte) (root *yaml.Node, ok bool) {
	nodes, valid := scan(data)
	if !valid {
		return nil, false
	}
	p := parser{src: string(data), line: 1, chunk: nodes, arena: a, stack: make([]*yaml.Node, 0, 64)}
	defer func() {
		// Every way out of the subset, and any slip of the parser, ends
		// here: the caller falls back to yaml.v3.
		if r := recover(); r != nil {
			root, ok = nil, false
		}
	}()
	return p.document(), true
}

// scan checks that data holds only characters that yaml.v3 reads the way
// this parser does (no CR or other line breaks than LF, no control
// characters, no BOM, valid UTF-8) and estimates the number of nodes.
func scan(data []byte) (nodes int, ok bool) {
	nodes = 16
	for i := 0; i < len(data); {
		c := data[i]
		if c < utf8.RuneSelf {
			switch {
			case c == ':' && (i+1 == len(data) || data[i+1] == ' ' || data[i+1] == '\n'):
				nodes += 2 // a key and its value
			case c == '-' && (i+1 == len(data) || data[i+1] == ' ' || data[i+1] == '\n'),
				c == ',', c == '[', c == '{':
				nodes++
			case c < ' ' && c != '\t' && c != '\n', c == 0x7f:
				return 0, false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size == 1,
			r <= 0x9f, r == 0x2028, r == 0x2029, r == 0xfeff, r == 0xfffe, r == 0xffff:
			return 0, false
		}
		i += size
	}
	return nodes, true
}

// bailout is the panic value that abandons a parse.
type bailout struct{}

// bail abandons the parse: the input is outside the subset or invalid.
func bail() { panic(bailout{}) }

// parser holds the state of one parse. The cursor pos is a byte offset in
// src; line and lineStart locate it. Nodes come from chunks of a slab and
// Content slices from a shared backing array.
type parser struct {
	src       string
	pos       int
	line      int
	lineStart int
	// indent is the column (0-based, in spaces) of the first non-space
	// character of the line at pos after toContent, or -1 at the end.
	indent int
	// started is set once the cursor is past the leading "---", if any.
	started bool

	chunk int
	arena *arena.Arena
	slab  []yaml.Node
	kids  []*yaml.Node
	stack []*yaml.Node
	buf   []byte
}

// at returns the byte at offset i, or 0 past the end.
func (p *parser) at(i int) byte {
	if i < len(p.src) {
		return p.src[i]
	}
	return 0
}

// blankz reports whether offset i holds a space, tab, line break or the end.
func (p *parser) blankz(i int) bool {
	c := p.at(i)
	return c == ' ' || c == '\t' || c == '\n' || c == 0
}

// column returns the 1-based column of offset i on the current line, in
// characters as yaml.v3 counts them.
func (p *parser) column(i int) int {
	n := 1
	for j := p.lineStart; j < i; j++ {
		if p.src[j]&0xc0 != 0x80 {
			n++
		}
	}
	return n
}

// node returns a new node from the slab.
func (p *parser) node(kind yaml.Kind, style yaml.Style, tag, value string, line, col int) *yaml.Node {
	if len(p.slab) == cap(p.slab) {
		p.slab = p.arena.Nodes(p.chunk)[:0]
	}
	// Setting the fields one by one costs less than copying a whole Node.
	p.slab = p.slab[:len(p.slab)+1]
	n := &p.slab[len(p.slab)-1]
	n.Kind, n.Style, n.Tag, n.Value, n.Line, n.Column = kind, style, tag, value, line, col
	return n
}

// scalarAt returns a new scalar node at offset i of the current line.
func (p *parser) scalarAt(style yaml.Style, tag, value string, i int) *yaml.Node {
	return p.node(yaml.ScalarNode, style, tag, value, p.line, p.column(i))
}

// content moves the children pushed since mark from the stack into the
// shared backing array and returns them.
func (p *parser) content(mark int) []*yaml.Node {
	n := len(p.stack) - mark
	if n == 0 {
		return nil
	}
	if cap(p.kids)-len(p.kids) < n {
		p.kids = p.arena.Ptrs(max(p.chunk, n))[:0]
	}
	start := len(p.kids)
	p.kids = append(p.kids, p.stack[mark:]...)
	clear(p.stack[mark:])
	p.stack = p.stack[:mark]
	return p.kids[start:len(p.kids):len(p.kids)]
}

// newline moves the cursor past the line break at pos.
func (p *parser) newline() {
	p.pos++
	p.line++
	p.lineStart = p.pos
}

// endLine consumes the rest of the current line after a node: spaces, an
// optional comment, the line break; then moves to the next content.
func (p *parser) endLine() {
	for p.at(p.pos) == ' ' {
		p.pos++
	}
	switch p.at(p.pos) {
	case '#':
		if p.pos != p.lineStart && p.src[p.pos-1] != ' ' {
			bail()
		}
		p.skipComment()
	case '\n', 0:
	default:
		bail()
	}
	p.toContent()
}

// skipComment moves the cursor to the line break (or end) ending a comment.
func (p *parser) skipComment() {
	for p.pos < len(p.src) && p.src[p.pos] != '\n' {
		p.pos++
	}
}

// toContent moves the cursor from the end of a line (or the start of one)
// past blank and comment lines to the first non-space character of the next
// line with content, setting indent; at the end of input indent is -1.
func (p *parser) toContent() {
	for {
		switch p.at(p.pos) {
		case 0:
			p.indent = -1
			return
		case '\n':
			p.newline()
		case '#':
			p.skipComment()
			continue
		}
		// At the start of a line.
		i := p.pos
		for p.at(i) == ' ' {
			i++
		}
		switch p.at(i) {
		case '\n':
			p.pos = i
			continue
		case 0:
			p.pos = i
			p.indent = -1
			return
		case '#':
			p.pos = i
			p.skipComment()
			continue
		case '\t':
			bail()
		}
		p.pos = i
		p.indent = i - p.lineStart
		if p.indent == 0 && p.started && p.docMarker(i) {
			bail()
		}
		return
	}
}

// docMarker reports whether a "---" or "..." line starts at offset i.
func (p *parser) docMarker(i int) bool {
	c := p.at(i)
	return (c == '-' || c == '.') && p.at(i+1) == c && p.at(i+2) == c && p.blankz(i+3)
}

// document parses the whole input and returns its root.
func (p *parser) document() *yaml.Node {
	p.toContent()
	p.started = true
	switch {
	case p.indent != 0 || !p.docMarker(p.pos):
	case p.at(p.pos) == '.':
		bail() // a document end before any document
	default: // a leading "---"
		p.pos += 3
		p.endLine()
	}
	if p.indent < 0 {
		bail()
	}
	root := p.blockNode(-1, true, true)
	if p.indent >= 0 {
		bail()
	}
	return root
}

// blockNode parses the node at the cursor in block context; parent is the
// column of the innermost block collection (-1 for the root). mapOK and
// seqOK say whether a block mapping or sequence may start here. It returns
// with the cursor on the next content (see toContent).
func (p *parser) blockNode(parent int, mapOK, seqOK bool) *yaml.Node {
	i := p.pos
	switch c := p.at(i); c {
	case '-':
		if p.blankz(i + 1) {
			if !seqOK {
				bail()
			}
			return p.blockSeq(p.column(i)-1, parent)
		}
	case '[', '{':
		n := p.flowCollection(parent)
		p.endLine()
		return n
	case '|', '>':
		if parent < 0 {
			bail()
		}
		return p.blockScalar(parent, c == '|')
	case '\'', '"':
		key := p.quoted()
		if p.isValue() {
			if !mapOK {
				bail()
			}
			return p.blockMap(key, i)
		}
		p.endLine()
		return key
	}
	if !p.plainStart(false) {
		bail()
	}
	s := p.plainBlock()
	if p.isValue() {
		if !mapOK {
			bail()
		}
		return p.blockMap(s, i)
	}
	if parent < 0 {
		bail() // a scalar document
	}
	p.endLine()
	return s
}

// isValue reports whether the cursor, after a scalar, is at ':' followed by
// a blank (spaces in between allowed), that is, whether the scalar was a key.
func (p *parser) isValue() bool {
	i := p.pos
	for p.at(i) == ' ' {
		i++
	}
	if p.at(i) != ':' {
		return false
	}
	if !p.blankz(i + 1) {
		bail()
	}
	p.pos = i
	return true
}

// blockMap parses a block mapping whose first key, starting at offset start
// on the current line, was just read; the cursor is at its ':'.
func (p *parser) blockMap(key *yaml.Node, start int) *yaml.Node {
	col := key.Column - 1
	if col != start-p.lineStart {
		bail() // a key after multi-byte characters on its line
	}
	m := p.node(yaml.MappingNode, 0, tagMap, "", key.Line, key.Column)
	mark := len(p.stack)
	for {
		if p.pos-start > maxKeyLen {
			bail()
		}
		p.stack = append(p.stack, key)
		p.pos++ // ':'
		// An empty value sits just after the ':'.
		nullLine, nullCol := p.line, p.column(p.pos)
		for p.at(p.pos) == ' ' {
			p.pos++
		}
		var v *yaml.Node
		switch c := p.at(p.pos); {
		case c == '\t':
			bail()
		case c == '\n' || c == 0 || c == '#':
			if c == '#' && p.at(p.pos-1) != ' ' {
				bail()
			}
			p.endLine()
			switch {
			case p.indent > col:
				v = p.blockNode(col, true, true)
			case p.indent == col && p.at(p.pos) == '-' && p.blankz(p.pos+1):
				v = p.blockSeq(col, col)
			default:
				v = p.node(yaml.ScalarNode, 0, tagNull, "", nullLine, nullCol)
			}
		default:
			v = p.blockNode(col, false, false)
		}
		if p.addEntry(v, col) {
			break
		}
		start = p.pos
		switch p.at(start) {
		case '\'', '"':
			key = p.quoted()
		default:
			if !p.plainStart(false) {
				bail()
			}
			key = p.plainBlock()
		}
		if !p.isValue() {
			bail()
		}
	}
	m.Content = p.content(mark)
	return m
}

// addEntry adds v, an entry of the block collection in column col, and
// reports whether the collection ends: the next line is less indented. A
// more indented line is outside the subset.
func (p *parser) addEntry(v *yaml.Node, col int) (end bool) {
	p.stack = append(p.stack, v)
	if p.indent > col {
		bail()
	}
	return p.indent < col
}

// blockSeq parses a block sequence whose first '-' is at the cursor, in
// column col; parent is the column of the enclosing block collection, equal
// to col for a sequence at its key's indentation.
func (p *parser) blockSeq(col, parent int) *yaml.Node {
	s := p.node(yaml.SequenceNode, 0, tagSeq, "", p.line, col+1)
	mark := len(p.stack)
	for {
		p.pos++ // '-'
		for p.at(p.pos) == ' ' {
			p.pos++
		}
		switch c := p.at(p.pos); {
		case c == '\t':
			bail()
		case c == '\n' || c == 0 || c == '#':
			p.endLine()
			if p.indent <= col {
				bail() // an empty entry
			}
		}
		if p.addEntry(p.blockNode(col, true, true), col) {
			break
		}
		if p.at(p.pos) != '-' || !p.blankz(p.pos+1) {
			if parent == col {
				break // the key after a sequence at its key's indentation
			}
			bail()
		}
	}
	s.Content = p.content(mark)
	return s
}

// plainStart reports whether a plain scalar may start at the cursor.
func (p *parser) plainStart(flow bool) bool {
	switch c := p.at(p.pos); c {
	case 0, ' ', '\t', '\n', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
		return false
	case '-':
		n := p.at(p.pos + 1)
		return !p.blankz(p.pos+1) && !(flow && (n == ',' || n == '[' || n == ']' || n == '{' || n == '}'))
	}
	return true
}

// plainBlock reads a single-line plain scalar in block context. It stops
// before ": ", " #" and the line break; the cursor ends after the last
// non-space character.
func (p *parser) plainBlock() *yaml.Node {
	start := p.pos
	end := start
	i := start
	for {
		c := p.at(i)
		switch {
		case c == '\n' || c == 0:
			p.pos = end
			return p.plain(start, end)
		case c == ' ':
			if p.at(i+1) == '#' {
				p.pos = end
				return p.plain(start, end)
			}
			i++
			continue
		case c == '\t':
			bail()
		case c == ':' && p.blankz(i+1):
			p.pos = end
			return p.plain(start, end)
		}
		i++
		end = i
	}
}

// plain returns the plain scalar node for src[start:end].
func (p *parser) plain(start, end int) *yaml.Node {
	v := p.src[start:end]
	tag, ok := plainTag(v)
	if !ok {
		bail()
	}
	return p.scalarAt(0, tag, v, start)
}

// quoted reads a single-line single- or double-quoted scalar at the cursor.
func (p *parser) quoted() *yaml.Node {
	start := p.pos
	q := p.src[start]
	i := start + 1
	escaped := false
	for {
		c := p.at(i)
		switch {
		case c == '\n' || c == 0:
			bail() // multi-line or unterminated
		case c == q && q == '\'' && p.at(i+1) == '\'':
			escaped = true
			i += 2
			continue
		case c == q:
		case c == '\\' && q == '"':
			if n := p.at(i + 1); n == '\n' || n == 0 {
				bail() // an escaped line break
			}
			escaped = true
			i += 2
			continue
		default:
			i++
			continue
		}
		break
	}
	p.pos = i + 1
	style := yaml.SingleQuotedStyle
	if q == '"' {
		style = yaml.DoubleQuotedStyle
	}
	v := p.src[start+1 : i]
	if escaped {
		v = p.unescape(v, q)
	}
	return p.scalarAt(style, tagStr, v, start)
}

// unescape returns the value of the quoted text s (without its quotes).
func (p *parser) unescape(s string, q byte) string {
	b := p.buf[:0]
	for i := 0; i < len(s); i++ {
		c := s[i]
		if q == '\'' {
			if c == '\'' {
				i++ // the second quote of ''
			}
			b = append(b, c)
			continue
		}
		if c != '\\' {
			b = append(b, c)
			continue
		}
		i++
		if i >= len(s) {
			bail()
		}
		e := s[i]
		if r := simpleEscapes[e]; r != "" {
			b = append(b, r...)
			continue
		}
		var n int
		switch e {
		case 'x':
			n = 2
		case 'u':
			n = 4
		case 'U':
			n = 8
		default:
			bail()
		}
		if i+n >= len(s) {
			bail()
		}
		r := 0
		for _, h := range []byte(s[i+1 : i+1+n]) {
			d, ok := hexDigit(h)
			if !ok {
				bail()
			}
			r = r<<4 | d
		}
		if 0xd800 <= r && r <= 0xdfff || r > utf8.MaxRune {
			bail()
		}
		b = utf8.AppendRune(b, rune(r))
		i += n
	}
	p.buf = b
	return string(b)
}

// simpleEscapes maps the character after '\' in a double-quoted scalar to
// its text, for the one-character escapes.
var simpleEscapes = [256]string{
	'0': "\x00", 'a': "\a", 'b': "\b", 't': "\t", '\t': "\t", 'n': "\n", 'v': "\v",
	'f': "\f", 'r': "\r", 'e': "\x1b", ' ': " ", '"': "\"", '\'': "'", '\\': "\\",
	'N': "\u0085", '_': "\u00a0", 'L': "\u2028", 'P': "\u2029",
}

// hexDigit returns the value of the hexadecimal digit c.
func hexDigit(c byte) (int, bool) {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0'), true
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10, true
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10, true
	}
	return 0, false
}
