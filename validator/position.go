package validator

import (
	"bytes"

	"go.yaml.in/yaml/v3"

	"github.com/connkit/connkit/manifest"
)

// lineIndex gives the text of the lines of a source.
type lineIndex struct {
	src    []byte
	starts []int // byte offset of each line's start
}

// newLineIndex indexes the lines of src; positions count from after a
// UTF-8 byte order mark, as the loader's do.
func newLineIndex(src []byte) *lineIndex {
	src = bytes.TrimPrefix(src, []byte("\xef\xbb\xbf"))
	starts := make([]int, 1, 64)
	for i, b := range src {
		if b == '\n' {
			starts = append(starts, i+1)
		}
	}
	return &lineIndex{src: src, starts: starts}
}

// runesFrom returns the runes of 1-based line n from 1-based rune column
// col to the end of the line, or nil when there is no such place.
func (x *lineIndex) runesFrom(n, col int) []rune {
	if n < 1 || n > len(x.starts) || col < 1 {
		return nil
	}
	start, end := x.starts[n-1], len(x.src)
	if n < len(x.starts) {
		end = x.starts[n] - 1
	}
	line := []rune(string(bytes.TrimSuffix(x.src[start:end], []byte("\r"))))
	if col > len(line) {
		return nil
	}
	return line[col-1:]
}

// templatePos returns the position of the col-th character (1-based) of the
// string at ptr, a template: exact for a value written on one line, plain
// or quoted (JSON strings included), otherwise the position of the value.
func (c *context) templatePos(ptr string, col int) manifest.Pos {
	base := c.f.Pos(ptr)
	n := c.f.Node(ptr)
	if n == nil || n.Kind != yaml.ScalarNode || col <= 1 {
		return base
	}
	if c.lines == nil {
		c.lines = newLineIndex(c.f.Source)
	}
	rest := c.lines.runesFrom(n.Line, n.Column)
	if i, ok := scalarOffset(rest, n, col-1); ok {
		base.Col += i
	}
	return base
}

// scalarOffset returns how many source characters after the start of
// scalar n (whose source line, from its first character, is rest) the
// value's k-th character (0-based) is, and false when the value is not
// written on one line as a plain or quoted scalar.
func scalarOffset(rest []rune, n *yaml.Node, k int) (int, bool) {
	switch style := n.Style &^ yaml.TaggedStyle; style {
	case 0: // plain: the value is the source
		value := []rune(n.Value)
		if len(rest) < len(value) || string(rest[:len(value)]) != n.Value {
			return 0, false // folded over several lines
		}
		return k, true
	case yaml.SingleQuotedStyle, yaml.DoubleQuotedStyle:
		i := 1 // past the opening quote
		for range k {
			if i >= len(rest) {
				return 0, false // the value goes on on the next line
			}
			switch r := rest[i]; {
			case style == yaml.SingleQuotedStyle && r == '\'':
				if i+1 >= len(rest) || rest[i+1] != '\'' {
					return 0, false
				}
				i += 2
			case style == yaml.DoubleQuotedStyle && r == '"':
				return 0, false
			case style == yaml.DoubleQuotedStyle && r == '\\':
				i += escapeWidth(rest, i)
			default:
				i++
			}
		}
		return i, i <= len(rest)
	}
	return 0, false
}

// escapeWidth returns how many characters the escape sequence starting
// with the backslash at s[i] takes in a double-quoted YAML or JSON string.
func escapeWidth(s []rune, i int) int {
	if i+1 >= len(s) {
		return 1
	}
	switch s[i+1] {
	case 'x':
		return 4
	case 'u':
		return 6
	case 'U':
		return 10
	}
	return 2
}
