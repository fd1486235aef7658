package fastyaml

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// blockScalar parses the literal or folded scalar whose indicator is at the
// cursor; parent is the column of the enclosing block collection. It returns
// with the cursor on the next content.
func (p *parser) blockScalar(parent int, literal bool) *yaml.Node {
	style := yaml.FoldedStyle
	if literal {
		style = yaml.LiteralStyle
	}
	n := p.scalarAt(style, tagStr, "", p.pos)
	i := p.pos + 1
	chomp, incr := 0, 0
	chomping := func() {
		switch p.at(i) {
		case '-':
			chomp = -1
			i++
		case '+':
			chomp = 1
			i++
		}
	}
	indentation := func() {
		if c := p.at(i); isDigit(c) {
			if c == '0' {
				bail()
			}
			incr = int(c - '0')
			i++
		}
	}
	if c := p.at(i); c == '+' || c == '-' {
		chomping()
		indentation()
	} else {
		indentation()
		chomping()
	}
	spaced := false
	for p.at(i) == ' ' {
		i++
		spaced = true
	}
	if p.at(i) == '#' {
		if !spaced {
			bail()
		}
		p.pos = i
		p.skipComment()
		i = p.pos
	}
	switch p.at(i) {
	case '\n':
		p.pos = i
		p.newline()
	case 0:
		p.pos = i
	default:
		bail()
	}

	indent := 0
	if incr > 0 {
		indent = parent + incr
	}
	b := p.buf[:0]
	breaks := 0
	col := p.blockBreaks(&indent, &breaks, parent)
	leadingBreak, leadingBlank := false, false
	for col == indent && p.pos < len(p.src) {
		trailingBlank := p.at(p.pos) == ' ' || p.at(p.pos) == '\t'
		if !literal && !leadingBlank && !trailingBlank && leadingBreak {
			if breaks == 0 {
				b = append(b, ' ')
			}
		} else if leadingBreak {
			b = append(b, '\n')
		}
		b = appendBreaks(b, breaks)
		breaks = 0
		leadingBlank = trailingBlank
		end := strings.IndexByte(p.src[p.pos:], '\n')
		if end < 0 {
			b = append(b, p.src[p.pos:]...)
			p.pos = len(p.src)
			leadingBreak = false
		} else {
			b = append(b, p.src[p.pos:p.pos+end]...)
			p.pos += end
			p.newline()
			leadingBreak = true
		}
		col = p.blockBreaks(&indent, &breaks, parent)
	}
	if chomp != -1 && leadingBreak {
		b = append(b, '\n')
	}
	if chomp == 1 {
		b = appendBreaks(b, breaks)
	}
	n.Value = string(b)
	p.buf = b

	if p.pos >= len(p.src) {
		p.indent = -1
	} else {
		p.pos = p.lineStart
		p.toContent()
	}
	return n
}

// blockBreaks skips the indentation and the empty lines before a line of a
// block scalar, counting the line breaks, and settles the indentation when
// it is not yet known (0), as yaml.v3 does. It returns the column reached.
func (p *parser) blockBreaks(indent, breaks *int, parent int) int {
	maxIndent, col := 0, 0
	for {
		col = 0
		for (*indent == 0 || col < *indent) && p.at(p.pos) == ' ' {
			p.pos++
			col++
		}
		maxIndent = max(maxIndent, col)
		if (*indent == 0 || col < *indent) && p.at(p.pos) == '\t' {
			bail()
		}
		if p.at(p.pos) != '\n' {
			break
		}
		p.newline()
		*breaks++
	}
	if *indent == 0 {
		*indent = max(maxIndent, parent+1, 1)
	}
	return col
}

// appendBreaks appends n line breaks to b.
func appendBreaks(b []byte, n int) []byte {
	for range n {
		b = append(b, '\n')
	}
	return b
}
