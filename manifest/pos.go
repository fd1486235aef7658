package manifest

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Pos is a position in a manifest file. Line and Col are 1-based; Col counts
// characters (runes), not bytes. The zero Pos means "no position".
type Pos struct {
	// File is the path of the file as given to Parse or Load.
	File string
	// Line is the 1-based line number.
	Line int
	// Col is the 1-based column, in characters.
	Col int
}

// String formats the position as "file:line:col", or "line:col" when the
// file has no name.
func (p Pos) String() string {
	s := strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Col)
	if p.File == "" {
		return s
	}
	return p.File + ":" + s
}

// Pointer builds an RFC 6901 JSON pointer from unescaped reference tokens:
// Pointer("actions", "list/all", "path") is "/actions/list~1all/path".
// Pointer() is "", the whole document.
func Pointer(tokens ...string) string {
	n := 0
	for _, t := range tokens {
		n += 1 + len(t)
	}
	var b strings.Builder
	b.Grow(n)
	for _, t := range tokens {
		b.WriteByte('/')
		if strings.ContainsAny(t, "~/") {
			pointerEscaper.WriteString(&b, t)
		} else {
			b.WriteString(t)
		}
	}
	return b.String()
}

// SplitPointer returns the unescaped reference tokens of an RFC 6901 JSON
// pointer. It reports false when p is neither "" nor starts with "/".
func SplitPointer(p string) ([]string, bool) {
	if p == "" {
		return nil, true
	}
	if p[0] != '/' {
		return nil, false
	}
	tokens := strings.Split(p[1:], "/")
	for i, t := range tokens {
		if strings.IndexByte(t, '~') >= 0 {
			tokens[i] = pointerUnescaper.Replace(t)
		}
	}
	return tokens, true
}

var (
	pointerEscaper   = strings.NewReplacer("~", "~0", "/", "~1")
	pointerUnescaper = strings.NewReplacer("~1", "/", "~0", "~")
)

// Node returns the YAML node at the JSON pointer (RFC 6901), or nil when the
// document has no such node or could not be parsed. Node("") is the root
// mapping. Mapping keys are matched exactly; when a key is duplicated, the
// first occurrence is the one found (the loader reports the others).
func (f *File) Node(pointer string) *yaml.Node {
	_, n, exact := f.lookup(pointer)
	if !exact {
		return nil
	}
	return n
}

// Pos returns the position of the node at the JSON pointer or, when there is
// no such node, of its nearest existing ancestor. A file that could not be
// parsed has every pointer at line 1, column 1.
func (f *File) Pos(pointer string) Pos {
	_, n, _ := f.lookup(pointer)
	return f.nodePos(n)
}

// KeyPos returns the position of the mapping key of the node at the JSON
// pointer: validators point findings about a key itself (unknown, extra,
// forbidden) there. For a list item or the root it is the node's own
// position; when there is no such node, that of its nearest existing
// ancestor.
func (f *File) KeyPos(pointer string) Pos {
	key, n, _ := f.lookup(pointer)
	if key != nil {
		return f.nodePos(key)
	}
	return f.nodePos(n)
}

// nodePos returns the position of n, or line 1, column 1 when n is nil.
func (f *File) nodePos(n *yaml.Node) Pos {
	if n == nil || n.Line < 1 {
		return Pos{File: f.Path, Line: 1, Col: 1}
	}
	return Pos{File: f.Path, Line: n.Line, Col: max(n.Column, 1)}
}

// lookup walks the pointer from the root. It returns the deepest node
// reached, the mapping key whose value that node is (nil for list items and
// the root), and whether the whole pointer was resolved.
func (f *File) lookup(pointer string) (key, node *yaml.Node, exact bool) {
	node = f.root
	if node == nil {
		return nil, nil, false
	}
	tokens, ok := SplitPointer(pointer)
	if !ok {
		return nil, node, false
	}
	for _, t := range tokens {
		k, child := childNode(node, t)
		if child == nil {
			return key, node, false
		}
		key, node = k, child
	}
	return key, node, true
}

// childNode returns the child of n named by one pointer token, and its key
// when n is a mapping.
func childNode(n *yaml.Node, token string) (key, child *yaml.Node) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; k.Kind == yaml.ScalarNode && k.Value == token {
				return k, n.Content[i+1]
			}
		}
	case yaml.SequenceNode:
		if i, ok := pointerIndex(token); ok && i < len(n.Content) {
			return nil, n.Content[i]
		}
	}
	return nil, nil
}

// pointerIndex parses a pointer token as an array index: "0" or a decimal
// number without leading zeros.
func pointerIndex(t string) (int, bool) {
	if t == "" || len(t) > 9 || (t[0] == '0' && len(t) > 1) {
		return 0, false
	}
	i := 0
	for _, c := range []byte(t) {
		if c < '0' || c > '9' {
			return 0, false
		}
		i = i*10 + int(c-'0')
	}
	return i, true
}

// lineIndex maps byte offsets and lines of a source to positions.
type lineIndex struct {
	src    []byte
	starts []int // byte offset of the start of each line; starts[0] is 0
}

// newLineIndex indexes the lines of src.
func newLineIndex(src []byte) *lineIndex {
	starts := make([]int, 1, 64)
	for i, c := range src {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return &lineIndex{src: src, starts: starts}
}

// line returns the text of the 1-based line without its line break, or ""
// when there is no such line.
func (x *lineIndex) line(n int) string {
	if n < 1 || n > len(x.starts) {
		return ""
	}
	start, end := x.starts[n-1], len(x.src)
	if n < len(x.starts) {
		end = x.starts[n] - 1
	}
	return strings.TrimSuffix(string(x.src[start:end]), "\r")
}

// pos returns the 1-based line and rune column of a byte offset.
func (x *lineIndex) pos(off int) (line, col int) {
	off = min(max(off, 0), len(x.src))
	lo, hi := 0, len(x.starts)
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if x.starts[mid] <= off {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo + 1, utf8.RuneCount(x.src[x.starts[lo]:off]) + 1
}

// TemplatePos returns the position of the col-th character (1-based, in
// runes) of the string at pointer, such as a reference inside a template
// (interp.Ref.Column): exact for a value written on one line, plain or
// quoted (JSON strings included); otherwise the position of the value.
func (f *File) TemplatePos(pointer string, col int) Pos {
	_, n, exact := f.lookup(pointer)
	if !exact || n == nil || n.Kind != yaml.ScalarNode {
		return f.Pos(pointer)
	}
	return f.scalarPos(n, col)
}

// textAt returns the rest of the source line from the position of n, or nil.
func (f *File) textAt(n *yaml.Node) []rune {
	if f.lines == nil {
		return nil
	}
	line := []rune(f.lines.line(n.Line))
	if n.Column < 1 || n.Column > len(line) {
		return nil
	}
	return line[n.Column-1:]
}

// scalarPos returns the position of the col-th character (1-based) of the
// value of scalar n. It is exact for a value written on one line, plain or
// quoted; for other values it is the position of the value.
func (f *File) scalarPos(n *yaml.Node, col int) Pos {
	base := f.nodePos(n)
	rest := f.textAt(n)
	if col < 1 || len(rest) == 0 {
		return base
	}
	at := func(i int) Pos { return Pos{File: base.File, Line: base.Line, Col: base.Col + i} }
	switch style := n.Style &^ yaml.TaggedStyle; style {
	case 0: // plain
		if !hasPrefix(rest, n.Value) {
			return base // a plain scalar folded over several lines
		}
		return at(col - 1)
	case yaml.SingleQuotedStyle, yaml.DoubleQuotedStyle:
		i := 1 // past the opening quote
		for range col - 1 {
			if i >= len(rest) {
				return base // the value goes on on the next line
			}
			switch c := rest[i]; {
			case style == yaml.SingleQuotedStyle && c == '\'':
				if i+1 >= len(rest) || rest[i+1] != '\'' {
					return base
				}
				i += 2
			case style == yaml.DoubleQuotedStyle && c == '"':
				return base
			case style == yaml.DoubleQuotedStyle && c == '\\':
				i += escapeLen(rest, i)
			default:
				i++
			}
		}
		if i > len(rest) {
			return base
		}
		return at(i)
	}
	return base
}
