package fastyaml

import "go.yaml.in/yaml/v3"

// flowCollection parses the flow sequence or mapping whose opening bracket
// is at the cursor; parent is the column of the enclosing block collection.
// Continuation lines must be indented more than parent. The cursor ends
// after the closing bracket.
func (p *parser) flowCollection(parent int) *yaml.Node {
	kind, tag, closing := yaml.SequenceNode, tagSeq, byte(']')
	if p.src[p.pos] == '{' {
		kind, tag, closing = yaml.MappingNode, tagMap, '}'
	}
	n := p.node(kind, yaml.FlowStyle, tag, "", p.line, p.column(p.pos))
	p.pos++
	mark := len(p.stack)
	p.flowSpace(parent)
	if p.at(p.pos) == closing {
		p.pos++
		return n
	}
	for {
		if kind == yaml.MappingNode {
			p.stack = append(p.stack, p.flowKey())
		}
		p.stack = append(p.stack, p.flowNode(parent))
		p.flowSpace(parent)
		switch p.at(p.pos) {
		case ',':
			p.pos++
			p.flowSpace(parent)
			if p.at(p.pos) == closing {
				bail() // a trailing comma
			}
			continue
		case closing:
			p.pos++
			n.Content = p.content(mark)
			return n
		}
		bail()
	}
}

// flowKey reads a scalar key of a flow mapping and its ':' (on the same
// line), leaving the cursor on the value, which must start on that line.
func (p *parser) flowKey() *yaml.Node {
	start := p.pos
	var k *yaml.Node
	switch p.at(start) {
	case '\'', '"':
		k = p.quoted()
	default:
		if !p.plainStart(true) {
			bail()
		}
		k = p.plainFlow()
	}
	for p.at(p.pos) == ' ' {
		p.pos++
	}
	if p.at(p.pos) != ':' || p.pos-start > maxKeyLen {
		bail()
	}
	p.pos++
	for p.at(p.pos) == ' ' {
		p.pos++
	}
	switch p.at(p.pos) {
	case '\n', 0, '#', ',', '}', '\t':
		bail() // an empty value or one on the next line
	}
	return k
}

// flowNode parses a node inside a flow collection.
func (p *parser) flowNode(parent int) *yaml.Node {
	switch p.at(p.pos) {
	case '[', '{':
		return p.flowCollection(parent)
	case '\'', '"':
		return p.quoted()
	}
	if !p.plainStart(true) {
		bail()
	}
	return p.plainFlow()
}

// plainFlow reads a single-line plain scalar in flow context: it stops
// before ": ", " #", the line break and any of ",?[]{}".
func (p *parser) plainFlow() *yaml.Node {
	start := p.pos
	end := start
	for i := start; ; i++ {
		switch c := p.at(i); c {
		case '\n', 0, ',', '?', '[', ']', '{', '}':
			p.pos = end
			return p.plain(start, end)
		case ' ':
			if p.at(i+1) == '#' {
				p.pos = end
				return p.plain(start, end)
			}
			continue
		case '\t':
			bail()
		case ':':
			if p.blankz(i + 1) {
				p.pos = end
				return p.plain(start, end)
			}
		}
		end = i + 1
	}
}

// flowSpace skips spaces, comments and line breaks between flow tokens.
func (p *parser) flowSpace(parent int) {
	for {
		switch p.at(p.pos) {
		case ' ':
			p.pos++
		case '#':
			if p.pos != p.lineStart && p.src[p.pos-1] != ' ' {
				bail()
			}
			p.skipComment()
		case '\n':
			p.newline()
			for p.at(p.pos) == ' ' {
				p.pos++
			}
			switch c := p.at(p.pos); {
			case c == '\n' || c == '#':
			case c == '\t' || c == 0 || p.pos-p.lineStart <= max(parent, 0):
				bail()
			}
		default:
			return
		}
	}
}
