package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"go.yaml.in/yaml/v3"

	"github.com/connkit/connkit/manifest/internal/arena"
)

// The YAML core tags the loader gives nodes.
const (
	tagStr       = "!!str"
	tagInt       = "!!int"
	tagFloat     = "!!float"
	tagBool      = "!!bool"
	tagNull      = "!!null"
	tagMap       = "!!map"
	tagSeq       = "!!seq"
	tagTimestamp = "!!timestamp"
	tagMerge     = "!!merge"
)

// maxJSONDepth is the deepest nesting of arrays and objects parseJSON
// accepts: encoding/json's limit, so that both refuse the same input.
const maxJSONDepth = 10000

// parseJSON parses data as one JSON value (RFC 8259, strictly) and returns
// it as a YAML node tree with the position of every node, so that JSON and
// YAML manifests are decoded and located the same way. It returns nil after
// reporting why there is no tree.
//
// JSON is not handed to the YAML parser: valid JSON such as the escape \/
// or a key longer than 1024 characters is refused by it, and invalid JSON
// such as a trailing comma or a comment would be accepted.
func (d *decoder) parseJSON(data []byte) *yaml.Node {
	if len(bytes.TrimSpace(data)) == 0 {
		d.errAt(1, 1, KindSyntax, emptyMsg)
		return nil
	}
	root := newJSONScanner(d.file.arena, data).document()
	if root == nil {
		d.jsonSyntaxError(data)
	}
	return root
}

// jsonSyntaxError reports where and why data is not valid JSON, in
// encoding/json's words.
func (d *decoder) jsonSyntaxError(data []byte) {
	var raw json.RawMessage
	err := json.Unmarshal(data, &raw)
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		d.errAt(1, 1, KindSyntax, "JSON syntax error: the file is not valid JSON")
		return
	}
	// The offset is just past the offending byte, or the length of the
	// input when it ends too soon.
	off := int(se.Offset)
	if off < len(data) || !strings.Contains(se.Error(), "end of JSON input") {
		off--
	}
	line, col := d.lines.pos(off)
	d.errAt(line, col, KindSyntax, "JSON syntax error: "+se.Error())
}

// jsonScanner checks JSON text and builds its YAML node tree in one pass.
// It accepts exactly the text json.Valid accepts and gives values as
// encoding/json decodes them; it does not say why text is invalid (the
// caller asks encoding/json, which is slower but words it well).
//
// Nodes are taken from slabs, and values that hold no escape are slices of
// one string copy of the input.
type jsonScanner struct {
	data  []byte
	src   string // data as a string; values are slices of it
	off   int    // the offset of the next byte to read
	depth int    // the number of open arrays and objects

	// The position of the byte at colOff, in lines and characters.
	line, col, colOff int
	// wide says whether a byte past the ASCII range lies between colOff
	// and off, so that columns must count characters, not bytes.
	wide bool

	arena *arena.Arena // where slabs come from
	nodes []yaml.Node  // the unused nodes of the current slab
	ptrs  []*yaml.Node // the unused Content slots of the current slab
	open  []*yaml.Node // the children of the open arrays and objects
	buf   []byte       // scratch space for unescaping strings
}

// The lengths, in nodes, of the slabs nodes are taken from.
const (
	minJSONSlab = 16
	// maxJSONSlab keeps slabs within 32 KiB: the runtime allocates larger
	// objects on a slow path that costs more than scanning the nodes.
	maxJSONSlab = 32 << 10 / int(unsafe.Sizeof(yaml.Node{}))
	// jsonBytesPerNode is about the size of a node in indented JSON: slabs
	// are sized for the rest of the input.
	jsonBytesPerNode = 16
)

// newJSONScanner returns a scanner at the start of data that takes its
// slabs from a (nil: new memory).
func newJSONScanner(a *arena.Arena, data []byte) *jsonScanner {
	return &jsonScanner{arena: a, data: data, src: string(data), line: 1, col: 1}
}

// document scans the whole input as one JSON value and returns its node, or
// nil when the input is not valid JSON.
func (s *jsonScanner) document() *yaml.Node {
	s.space()
	root := s.node()
	if !s.value(root) {
		return nil
	}
	if s.space(); s.off != len(s.data) {
		return nil
	}
	return root
}

// slab returns the length of a new slab: room for the nodes of the rest of
// the input, within bounds.
func (s *jsonScanner) slab() int {
	return min(max((len(s.data)-s.off)/jsonBytesPerNode+1, minJSONSlab), maxJSONSlab)
}

// node returns a new zero node.
func (s *jsonScanner) node() *yaml.Node {
	if len(s.nodes) == 0 {
		s.nodes = s.arena.Nodes(s.slab())
	}
	n := &s.nodes[0]
	s.nodes = s.nodes[1:]
	return n
}

// content returns a copy of children whose capacity is its length, so that
// appending to it never writes over another node's Content.
func (s *jsonScanner) content(children []*yaml.Node) []*yaml.Node {
	k := len(children)
	if k > len(s.ptrs) {
		s.ptrs = s.arena.Ptrs(max(k, s.slab()))
	}
	c := s.ptrs[:k:k]
	s.ptrs = s.ptrs[k:]
	copy(c, children)
	return c
}

// space skips JSON whitespace, counting lines.
func (s *jsonScanner) space() {
	for ; s.off < len(s.data); s.off++ {
		switch s.data[s.off] {
		case ' ', '\t', '\r':
		case '\n':
			s.line, s.col, s.colOff, s.wide = s.line+1, 1, s.off+1, false
		default:
			return
		}
	}
}

// pos returns the line and column (in characters) of off.
func (s *jsonScanner) pos() (line, col int) {
	if s.wide {
		s.col += utf8.RuneCount(s.data[s.colOff:s.off])
	} else {
		s.col += s.off - s.colOff
	}
	s.colOff, s.wide = s.off, false
	return s.line, s.col
}

// value scans the value at off into n and says whether it is valid.
func (s *jsonScanner) value(n *yaml.Node) bool {
	if s.off >= len(s.data) {
		return false
	}
	n.Line, n.Column = s.pos()
	switch s.data[s.off] {
	case '{':
		return s.container(n, yaml.MappingNode, tagMap, '}')
	case '[':
		return s.container(n, yaml.SequenceNode, tagSeq, ']')
	case '"':
		n.Kind, n.Style, n.Tag = yaml.ScalarNode, yaml.DoubleQuotedStyle, tagStr
		var ok bool
		n.Value, ok = s.quoted()
		return ok
	case 't':
		return s.literal(n, "true", tagBool)
	case 'f':
		return s.literal(n, "false", tagBool)
	case 'n':
		return s.literal(n, "null", tagNull)
	}
	return s.number(n)
}

// container scans the array or object at off into n: its children are
// values, or key and value pairs when kind is MappingNode.
func (s *jsonScanner) container(n *yaml.Node, kind yaml.Kind, tag string, end byte) bool {
	n.Kind, n.Style, n.Tag = kind, yaml.FlowStyle, tag
	if s.depth++; s.depth > maxJSONDepth {
		return false
	}
	s.off++
	if s.space(); s.off < len(s.data) && s.data[s.off] == end {
		s.off++
		s.depth--
		return true
	}
	base := len(s.open)
	for {
		if kind == yaml.MappingNode {
			k := s.node()
			if s.off >= len(s.data) || s.data[s.off] != '"' || !s.value(k) {
				return false
			}
			s.open = append(s.open, k)
			if s.space(); s.off >= len(s.data) || s.data[s.off] != ':' {
				return false
			}
			s.off++
			s.space()
		}
		v := s.node()
		if !s.value(v) {
			return false
		}
		s.open = append(s.open, v)
		if s.space(); s.off >= len(s.data) {
			return false
		}
		c := s.data[s.off]
		s.off++
		if c == end {
			break
		}
		if c != ',' {
			return false
		}
		s.space()
	}
	n.Content = s.content(s.open[base:])
	s.open = s.open[:base]
	s.depth--
	return true
}

// literal scans the literal word at off (true, false or null) into n.
func (s *jsonScanner) literal(n *yaml.Node, word, tag string) bool {
	if !strings.HasPrefix(s.src[s.off:], word) {
		return false
	}
	s.off += len(word)
	n.Kind, n.Tag, n.Value = yaml.ScalarNode, tag, word
	return true
}

// number scans the number at off into n: its text, tagged !!float when it
// has a fraction or an exponent and !!int otherwise.
func (s *jsonScanner) number(n *yaml.Node) bool {
	d, i := s.data, s.off
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && '1' <= d[i] && d[i] <= '9':
		i = digitsEnd(d, i+1)
	default:
		return false
	}
	n.Kind, n.Tag = yaml.ScalarNode, tagInt
	if i < len(d) && d[i] == '.' {
		j := digitsEnd(d, i+1)
		if j == i+1 {
			return false
		}
		i, n.Tag = j, tagFloat
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		j := digitsEnd(d, i)
		if j == i {
			return false
		}
		i, n.Tag = j, tagFloat
	}
	n.Value = s.src[s.off:i]
	s.off = i
	return true
}

// digitsEnd returns the offset of the first byte at or after i in d that is
// not a decimal digit.
func digitsEnd(d []byte, i int) int {
	for i < len(d) && '0' <= d[i] && d[i] <= '9' {
		i++
	}
	return i
}

// jsonPlain marks the bytes a JSON string holds as they are: ASCII other
// than control characters, the quote and the backslash.
var jsonPlain = func() (t [256]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// quoted scans the string at off, which starts with a quote, and returns its
// value.
func (s *jsonScanner) quoted() (string, bool) {
	start := s.off + 1
	i := start
	for {
		for i < len(s.data) && jsonPlain[s.data[i]] {
			i++
		}
		if i >= len(s.data) {
			return "", false
		}
		c := s.data[i]
		if c == '"' {
			s.off = i + 1
			return s.src[start:i], true
		}
		if c < utf8.RuneSelf {
			return s.unescape(start, i)
		}
		s.wide = true
		r, size := utf8.DecodeRune(s.data[i:])
		if r == utf8.RuneError && size == 1 {
			return s.unescape(start, i)
		}
		i += size
	}
}

// unescape scans the rest of the string that starts at start from i, and
// returns its value: escapes are decoded and each byte that is not part of
// valid UTF-8 becomes U+FFFD, as encoding/json does.
func (s *jsonScanner) unescape(start, i int) (string, bool) {
	b := append(s.buf[:0], s.data[start:i]...)
	for i < len(s.data) {
		switch c := s.data[i]; {
		case c == '"':
			s.off, s.buf = i+1, b
			return string(b), true
		case c == '\\':
			if i+1 >= len(s.data) {
				return "", false
			}
			if r := unescapeByte[s.data[i+1]]; r != 0 {
				b = append(b, r)
				i += 2
				break
			}
			if s.data[i+1] != 'u' {
				return "", false
			}
			r := hexRune(s.data[i:])
			if r < 0 {
				return "", false
			}
			i += 6
			if utf16.IsSurrogate(r) {
				// A lone surrogate becomes U+FFFD; what follows it is
				// read on its own.
				if pair := utf16.DecodeRune(r, hexRune(s.data[i:])); pair != unicode.ReplacementChar {
					r = pair
					i += 6
				} else {
					r = unicode.ReplacementChar
				}
			}
			b = utf8.AppendRune(b, r)
		case c < ' ':
			return "", false
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			s.wide = true
			r, size := utf8.DecodeRune(s.data[i:])
			if r == utf8.RuneError && size == 1 {
				b = utf8.AppendRune(b, r)
			} else {
				b = append(b, s.data[i:i+size]...)
			}
			i += size
		}
	}
	return "", false
}

// unescapeByte maps the letter of each one-letter JSON escape to the byte
// it stands for.
var unescapeByte = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// hexRune returns the code unit of the \uXXXX escape that b starts with, or
// -1 when b does not start with one.
func hexRune(b []byte) rune {
	if len(b) < 6 || b[0] != '\\' || b[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range b[2:6] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}
