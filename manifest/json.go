package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
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

// parseJSON parses data as one JSON value (RFC 8259, strictly, with
// encoding/json) and returns it as a YAML node tree with the position of
// every node, so that JSON and YAML manifests are decoded and located the
// same way. It returns nil after reporting why there is no tree.
//
// JSON is not handed to the YAML parser: valid JSON such as the escape \/
// or a key longer than 1024 characters is refused by it, and invalid JSON
// such as a trailing comma or a comment would be accepted.
func (d *decoder) parseJSON(data []byte) *yaml.Node {
	if len(bytes.TrimSpace(data)) == 0 {
		d.errAt(1, 1, KindSyntax, emptyMsg)
		return nil
	}
	if !json.Valid(data) {
		d.jsonSyntaxError(data)
		return nil
	}
	p := jsonParser{data: data, cursor: newCursor(data), dec: json.NewDecoder(bytes.NewReader(data))}
	p.dec.UseNumber()
	root, err := p.value()
	if err != nil {
		// Not expected: the input is valid JSON.
		d.errAt(1, 1, KindSyntax, "JSON syntax error: "+err.Error())
		return nil
	}
	return root
}

// jsonSyntaxError reports where and why data is not valid JSON.
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

// jsonParser turns JSON tokens into YAML nodes. Valid JSON is known, so
// token starts are found by skipping whitespace and separators.
type jsonParser struct {
	data   []byte
	cursor *cursor
	dec    *json.Decoder
}

// value reads one JSON value and returns its node.
func (p *jsonParser) value() (*yaml.Node, error) {
	off := int(p.dec.InputOffset())
	for off < len(p.data) && strings.IndexByte(" \t\r\n,:", p.data[off]) >= 0 {
		off++
	}
	line, col := p.cursor.pos(off)
	tok, err := p.dec.Token()
	if err != nil {
		return nil, err
	}
	n := &yaml.Node{Line: line, Column: col}
	switch t := tok.(type) {
	case json.Delim:
		n.Style = yaml.FlowStyle
		if t == '{' {
			n.Kind, n.Tag = yaml.MappingNode, tagMap
		} else {
			n.Kind, n.Tag = yaml.SequenceNode, tagSeq
		}
		for p.dec.More() {
			if n.Kind == yaml.MappingNode {
				k, err := p.value()
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, k)
			}
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, v)
		}
		if _, err := p.dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
	case string:
		n.Kind, n.Tag, n.Style, n.Value = yaml.ScalarNode, tagStr, yaml.DoubleQuotedStyle, t
	case json.Number:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, tagInt, string(t)
		if strings.ContainsAny(n.Value, ".eE") {
			n.Tag = tagFloat
		}
	case bool:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, tagBool, fmt.Sprint(t)
	case nil:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, tagNull, "null"
	}
	return n, nil
}
