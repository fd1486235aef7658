package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

// jsonSeedDirs hold the JSON files that seed FuzzParseJSON.
var jsonSeedDirs = []string{"../testdata", "../connectors", "../templates", "../validator/bench/testdata"}

// jsonSnippets are tricky inputs, valid and not, for FuzzParseJSON.
var jsonSnippets = []string{
	`{}`, `[]`, `{"a":1}`, ` { "a" : [ 1 , 2 ] } `, "\t\r\n{\r\n\t\"a\"\t:\ttrue\r\n}\n",
	`"s"`, `0`, `-0`, `-0.0`, `1e5`, `1E+5`, `1.0E-2`, `-1.5e-0`, `123456789012345678901234567890`,
	`3.14159265358979323846264338327950288`, `true`, `false`, `null`, `[true,false,null]`,
	`{"a":1,"a":2,"a":{"a":[]}}`, `{"":""}`, `[[[[[]]]],{}]`,
	`"\"\\\/\b\f\n\r\t"`, `"\u0041\u00e9\u20AC\uFFFF"`, `"\u0000"`,
	`"\ud83d\ude00"`, `"\uD83D\uDE00x"`, `"\ud83d"`, `"\ude00"`, `"\ud83dx"`, `"\ud83d\u0041"`,
	`"\ud83d\ud83d\ude00"`, `"\ude00\ud83d"`, `"\ud83d\"`, `"\ud83d\u12"`, `"a\ud800\udc00b"`,
	"\"caf\u00e9 \u65e5\u672c \U0001F600\"", "{\"\u00e9\":\"\u00e9\",\n \"k\": [\"\u65e5\", 1]}",
	"\"\xff\xfe\"", "\"a\xc3\"", "\"\xed\xa0\x80\"", "[\"\xe2\x82\", 1]", "\"\xef\xbf\xbd\"",
	strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
	strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	strings.Repeat(`{"a":`, 200) + "1" + strings.Repeat("}", 200),
	// Invalid inputs.
	``, ` `, "\u00a0", `{`, `}`, `[1,]`, `{"a":1,}`, `{"a"}`, `{"a":}`, `{a:1}`, `{"a":1}x`, `{} {}`,
	`01`, `-`, `-a`, `1.`, `.5`, `1e`, `1e+`, `+1`, `0x10`, `NaN`, `Infinity`, `tru`, `nulll`, `True`,
	`"abc`, `"\x"`, `"\u12G4"`, "\"a\tb\"", "\"a\nb\"", `'a'`, `// c` + "\n{}", `/* c */{}`,
	"\xef\xbb\xbf{}", `[1 2]`, `{"a" 1}`, `{"a":1 "b":2}`, `[,1]`, `{,}`, `[`, `"`, `\`,
}

// FuzzParseJSON checks that the JSON front end refuses exactly the input
// encoding/json refuses, with the same errors as the Decoder-based builder
// it replaced, and that it builds the same tree from the input it accepts.
func FuzzParseJSON(f *testing.F) {
	for _, dir := range jsonSeedDirs {
		err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() || filepath.Ext(path) != ".json" {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			f.Add(data)
			return nil
		})
		if err != nil {
			f.Fatal(err)
		}
	}
	for _, s := range jsonSnippets {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, gotErrs := parseJSONForTest(data)
		want, wantErrs := referenceParseJSON(data)
		if (got != nil) != json.Valid(data) {
			t.Errorf("parseJSON returned a tree: %t; json.Valid: %t", got != nil, json.Valid(data))
		}
		if diff := cmp.Diff(flatten(want), flatten(got)); diff != "" {
			t.Errorf("tree differs from the reference (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(wantErrs, gotErrs); diff != "" {
			t.Errorf("errors differ from the reference (-want +got):\n%s", diff)
		}
	})
}

// parseJSONForTest runs parseJSON on data, as Parse does for a .json file.
func parseJSONForTest(data []byte) (*yaml.Node, Errors) {
	d := &decoder{file: &File{Path: "test.json"}, lines: newLineIndex(data)}
	return d.parseJSON(data), d.errs
}

// TestParseJSON checks the values and positions parseJSON gives nodes.
func TestParseJSON(t *testing.T) {
	str := func(line, col int, v string) node {
		return node{Kind: yaml.ScalarNode, Style: yaml.DoubleQuotedStyle, Tag: tagStr, Value: v, Line: line, Column: col}
	}
	scalar := func(line, col int, tag, v string) node {
		return node{Kind: yaml.ScalarNode, Tag: tag, Value: v, Line: line, Column: col}
	}
	tests := []struct {
		name, src string
		want      node
	}{
		{"escapes", `"\"\\\/\b\f\n\r\t\u0041"`, str(1, 1, "\"\\/\b\f\n\r\tA")},
		{"surrogate pair", `"\ud83d\ude00"`, str(1, 1, "\U0001F600")},
		{"lone high surrogate", `"\ud83dx"`, str(1, 1, "\uFFFDx")},
		{"lone low surrogate", `"\ude00"`, str(1, 1, "\uFFFD")},
		{"high then pair", `"\ud83d\ud83d\ude00"`, str(1, 1, "\uFFFD\U0001F600")},
		{"invalid UTF-8", "\"a\xffb\"", str(1, 1, "a\uFFFDb")},
		{"int", ` -0`, scalar(1, 2, tagInt, "-0")},
		{"big int", `123456789012345678901234567890`, scalar(1, 1, tagInt, "123456789012345678901234567890")},
		{"float", `1.0E-2`, scalar(1, 1, tagFloat, "1.0E-2")},
		{"exponent", `1e5`, scalar(1, 1, tagFloat, "1e5")},
		{"true", `true`, scalar(1, 1, tagBool, "true")},
		{"null", "\n null", scalar(2, 2, tagNull, "null")},
		{"columns count characters", "{\"\u00e9\u65e5\": [\"\U0001F600\", 1],\r\n\t\"a\": {}}", node{
			Kind: yaml.MappingNode, Style: yaml.FlowStyle, Tag: tagMap, Line: 1, Column: 1,
			Content: []node{
				str(1, 2, "\u00e9\u65e5"),
				{Kind: yaml.SequenceNode, Style: yaml.FlowStyle, Tag: tagSeq, Line: 1, Column: 8,
					Content: []node{str(1, 9, "\U0001F600"), scalar(1, 14, tagInt, "1")}},
				str(2, 2, "a"),
				{Kind: yaml.MappingNode, Style: yaml.FlowStyle, Tag: tagMap, Line: 2, Column: 7},
			}}},
		{"duplicate keys", `{"a":1,"a":2}`, node{
			Kind: yaml.MappingNode, Style: yaml.FlowStyle, Tag: tagMap, Line: 1, Column: 1,
			Content: []node{str(1, 2, "a"), scalar(1, 6, tagInt, "1"), str(1, 8, "a"), scalar(1, 12, tagInt, "2")}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, errs := parseJSONForTest([]byte(tc.src))
			if errs != nil {
				t.Fatalf("parseJSON: %v", errs)
			}
			if diff := cmp.Diff(&tc.want, project(got)); diff != "" {
				t.Errorf("parseJSON (-want +got):\n%s", diff)
			}
		})
	}
}

// TestParseJSONErrors checks the errors parseJSON reports.
func TestParseJSONErrors(t *testing.T) {
	tests := []struct {
		name, src string
		line, col int
		msg       string
	}{
		{"empty", " \n", 1, 1, emptyMsg},
		{"trailing comma", "{\"a\": 1,\n}", 2, 1, "JSON syntax error: invalid character '}' looking for beginning of object key string"},
		{"unterminated", `{"a": "b`, 1, 9, "JSON syntax error: unexpected end of JSON input"},
		{"too deep", strings.Repeat("[", 10001), 1, 10001, "JSON syntax error: invalid character '[' exceeded max depth"},
		{"second value", `{} {}`, 1, 4, "JSON syntax error: invalid character '{' after top-level value"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root, errs := parseJSONForTest([]byte(tc.src))
			want := Errors{{Pos: Pos{File: "test.json", Line: tc.line, Col: tc.col}, Kind: KindSyntax, Msg: tc.msg}}
			if root != nil {
				t.Error("parseJSON returned a tree")
			}
			if diff := cmp.Diff(want, errs); diff != "" {
				t.Errorf("parseJSON errors (-want +got):\n%s", diff)
			}
		})
	}
}

// TestParseJSONDepth checks that the deepest nesting encoding/json accepts
// is accepted too.
func TestParseJSONDepth(t *testing.T) {
	const depth = 10000
	root, errs := parseJSONForTest([]byte(strings.Repeat("[", depth) + strings.Repeat("]", depth)))
	if errs != nil {
		t.Fatal(errs)
	}
	n := 0
	for ; root != nil; n++ {
		if len(root.Content) == 0 {
			root = nil
		} else {
			root = root.Content[0]
		}
	}
	if n != depth {
		t.Errorf("the tree is %d levels deep, want %d", n, depth)
	}
}

// TestParseJSONContentAppend checks that appending to the Content of one
// node leaves the other nodes alone, though Content slices share memory.
func TestParseJSONContentAppend(t *testing.T) {
	root, errs := parseJSONForTest([]byte(`[[1],[2]]`))
	if errs != nil {
		t.Fatal(errs)
	}
	first := root.Content[0]
	first.Content = append(first.Content, &yaml.Node{Value: "x"})
	if got := root.Content[1].Content[0].Value; got != "2" {
		t.Errorf("after an append to the first list the second holds %q, want 2", got)
	}
}

// BenchmarkParseJSON parses the JSON benchmark samples with the JSON front
// end alone (front=scanner), with the Decoder-based front end it replaced
// (front=reference, for a comparison under the same load: benchstat -col
// /front), and through Parse.
func BenchmarkParseJSON(b *testing.B) {
	paths, err := filepath.Glob("../validator/bench/testdata/sample-*.json")
	if err != nil || len(paths) == 0 {
		b.Fatalf("no samples: %v", err)
	}
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(path), ".json")
		for _, front := range []struct {
			name  string
			parse func([]byte) (*yaml.Node, Errors)
		}{{"scanner", parseJSONForTest}, {"reference", referenceParseJSON}} {
			b.Run(name+"/front="+front.name, func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				for b.Loop() {
					if root, errs := front.parse(data); root == nil {
						b.Fatal(errs)
					}
				}
			})
		}
		b.Run(name+"/Parse", func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(path, data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// node is the part of a yaml.Node the JSON front end sets.
type node struct {
	Kind         yaml.Kind
	Style        yaml.Style
	Tag, Value   string
	Line, Column int
	Content      []node
}

// project returns the part of the tree at n the JSON front end sets.
func project(n *yaml.Node) *node {
	if n == nil {
		return nil
	}
	p := &node{Kind: n.Kind, Style: n.Style, Tag: n.Tag, Value: n.Value, Line: n.Line, Column: n.Column}
	if n.Content != nil {
		p.Content = make([]node, len(n.Content))
		for i, c := range n.Content {
			p.Content[i] = *project(c)
		}
	}
	return p
}

// flatNode is the part of a yaml.Node the JSON front end sets, with its
// depth and number of children (-1 for nil Content) in place of Content: a
// tree is its list of flatNodes in preorder. go-cmp compares long lists
// quickly but deep trees slowly.
type flatNode struct {
	Depth        int
	Kind         yaml.Kind
	Style        yaml.Style
	Tag, Value   string
	Line, Column int
	Children     int
}

// flatten returns the tree at n as a list in preorder.
func flatten(n *yaml.Node) []flatNode {
	var list []flatNode
	var walk func(n *yaml.Node, depth int)
	walk = func(n *yaml.Node, depth int) {
		children := len(n.Content)
		if n.Content == nil {
			children = -1
		}
		list = append(list, flatNode{Depth: depth, Kind: n.Kind, Style: n.Style, Tag: n.Tag, Value: n.Value,
			Line: n.Line, Column: n.Column, Children: children})
		for _, c := range n.Content {
			walk(c, depth+1)
		}
	}
	if n != nil {
		walk(n, 0)
	}
	return list
}

// referenceParseJSON is the JSON front end parseJSON replaced, kept as the
// oracle of FuzzParseJSON: json.Valid, then encoding/json's Decoder.Token
// into YAML nodes, positioned with a cursor.
func referenceParseJSON(data []byte) (*yaml.Node, Errors) {
	d := &decoder{file: &File{Path: "test.json"}, lines: newLineIndex(data)}
	if len(bytes.TrimSpace(data)) == 0 {
		d.errAt(1, 1, KindSyntax, emptyMsg)
		return nil, d.errs
	}
	if !json.Valid(data) {
		d.jsonSyntaxError(data)
		return nil, d.errs
	}
	p := referenceParser{data: data, cursor: newCursor(data), dec: json.NewDecoder(bytes.NewReader(data))}
	p.dec.UseNumber()
	root, err := p.value()
	if err != nil {
		d.errAt(1, 1, KindSyntax, "JSON syntax error: "+err.Error())
		return nil, d.errs
	}
	return root, d.errs
}

// referenceParser turns JSON tokens into YAML nodes. Valid JSON is known,
// so token starts are found by skipping whitespace and separators.
type referenceParser struct {
	data   []byte
	cursor *cursor
	dec    *json.Decoder
}

// value reads one JSON value and returns its node.
func (p *referenceParser) value() (*yaml.Node, error) {
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

// cursor turns increasing byte offsets of a source into positions in one
// pass over the source, however long its lines.
type cursor struct {
	src       []byte
	off       int // the offset of line:col
	line, col int
}

// newCursor returns a cursor at the start of src.
func newCursor(src []byte) *cursor { return &cursor{src: src, line: 1, col: 1} }

// pos returns the 1-based line and rune column of off, which must not be
// less than the offset of the previous call.
func (c *cursor) pos(off int) (line, col int) {
	off = min(off, len(c.src))
	for c.off < off {
		r, size := utf8.DecodeRune(c.src[c.off:])
		if r == '\n' {
			c.line, c.col = c.line+1, 1
		} else {
			c.col++
		}
		c.off += size
	}
	return c.line, c.col
}
