package fastyaml_test

import (
	"os"
	"strings"
	"testing"

	"github.com/connkit/connkit/manifest/internal/fastyaml"
)

// accepted are valid inputs inside the subset: Parse must accept them and
// agree with yaml.v3.
var accepted = []string{
	"a: b\n",
	"a: b",
	"---\na: 1\n",
	"--- # doc\na: 1\n",
	"a: ~\nb: null\nc: Null\nd: NULL\ne: true\nf: False\ng: TRUE\nh: yes\ni: no\nj: on\n",
	"a: 1\nb: -1\nc: +1\nd: 0x1F\ne: 0o17\nf: 0b101\ng: 1_000\nh: 017\ni: 0b-1\nj: -0b11\nk: -0o7\nl: 0o+7\nm: 99999999999999999999\nn: 18446744073709551615\n",
	"a: 1.5\nb: .5\nc: 1e3\nd: -1.5e-3\ne: .inf\nf: -.Inf\ng: +.INF\nh: .nan\ni: .NaN\nj: 1.\nk: 1e400\nl: .1e999\nm: 1_0.5\nn: 0x1p3\n",
	"a: 2001-12-14\nb: 2001-12-14t21:59:43.10-05:00\nc: 2001-12-14 21:59:43.10\nd: 2001-12-14T21:59:43Z\ne: 2001-1-2\nf: 20011-12-14\ng: 2001-13-14\n",
	"b: -x\nc: x:y\nd: a#b\ne: a, b\nf: '[x]'\ng: http://x:8080/p?q=1#f\nh: x - y\n",
	"a: 'it''s'\nb: ''\nc: \"\"\nd: \"\\t\\n\\\\\\\"\\x41\\u00e9\\U0001F600\\0\\a\\b\\v\\f\\r\\e\\ \\N\\_\\L\\P\"\n",
	"a: \"tab\there\"\nb: 'x\t'\n",
	"a:\nb:\n  c:\nd: 1\n",
	"a:\n",
	"a:\n# trailing\n",
	"a:\n  - x\n  - y\nb:\n- x\n- y\nc: 1\n",
	"- a\n- b: 1\n  c: 2\n- - x\n  - y\n-\n  z: 1\n-   deep: 1\n    more: 2\n",
	"a: [x, 'y', \"z\", [], {}, {k: v, \"q\": 'r'}, [1, [2]]]\n",
	"a: {x: 1, y: [1, 2], z: {w: ~}}\n",
	"a: [x,\n  y, # c\n  z\n  ]\nb: {k: v,\n  l: w}\n",
	"{a: 1, b: 2}\n",
	"[a, b]\n",
	"a: {\"k\":v, 'l':w}\n",
	"a: [-1, -x, a b, 'c d']\n",
	"a: |\n  line1\n  line2\nb: >\n  folded\n  text\n\n  para\nc: |-\n  strip\n\n\nd: |+\n  keep\n\n\ne: >-\n  x\n    more\n  y\nf: |2\n    indented\ng: >+1\n  z\n",
	"a: |\n\n  lead\n   more\n\n  tail\n\n# c\nb: 1\n",
	"a: > # comment\n  x\n\n\n  y\n   z\n  w\n",
	"- |\n  in seq\n- >-\n  folded\n  seq\n- x\n",
	"a: |\n  x\nb: |",
	"a: |\nb: >\n",
	"# head\n\na: 1 # line\n\n# between\nb: # after key\n  c: 2\n    # indented comment\n  d: 3\n# foot\n",
	"é: ü\nlist:\n  - ñ: 1\n    x: [é, {k: ü}]\n  - \"ç\"\n",
	"a: 'é' # ü\nb: é x\n",
	"  a: 1\n  b: 2\n",
	"a:\n    b: 1\n    c: 2\nd: 3\n",
	"a: b\n\n\n",
	"k: v:w\n",
	"\"quoted key\": 1\n'single': 2\n",
	"- a:\n  - x\n  b: 1\n",
	"a:\n  b\nc:\n  'd'\ne:\n  [x]\nf:\n  |\n   x\n",
	"- [a,\n   b]\n- {k: v,\n   l: w}\n",
	"a: 'x'   # c\nb: \"y\"  # two spaces\n",
	"k: >\n  a\n  \tb\n  c\n",
	"k: |\n  a\n  \tb\n",
	"k: >\n\n  a\n\n\n  b\n  c\n   d\n  e\n",
	"a: [ x , y ]\nb: { k : v }\n",
	"a: [\"x\" , 'y']\n",
	"a: -1_000\nb: +0x_1\nc: 0B11\nd: 0X1f\ne: 00\nf: 08\ng: 1__0\nh: _1\ni: 1e\nj: +.5\nk: -.e1\n",
}

// declined are inputs Parse must decline: outside the subset, invalid YAML,
// an empty document, a null root or several documents.
var declined = []string{
	"",
	"# only a comment\n",
	"---\n",
	"~\n",
	"null\n",
	"a: &x 1\nb: *x\n",
	"a: !!str 1\n",
	"%YAML 1.2\n---\na: 1\n",
	"a: 1\n...\n",
	"a: 1\n---\nb: 2\n",
	"? a\n: b\n",
	"a: multi\n  line\n",
	"- multi\n  line\n",
	"a:\n\tb: 1\n",
	"a: 1\r\nb: 2\r\n",
	"<<: {a: 1}\n",
	"a: <<\n",
	"a: 'multi\n  line'\n",
	"a: \"esc\\\n  line\"\n",
	"a: \"bad \\q\"\n",
	"a: \"unterminated\n",
	"a: b: c\n",
	"a: - b\n",
	"- a\nb: 1\n",
	"a: 1\n  b: 2\n",
	"a: [1, 2,]\n",
	"a: [a: b]\n",
	"a: {a}\n",
	"a: {a: }\n",
	"a: [1\n",
	"[a]: b\n",
	"a: |0\n  x\n",
	"a: |x\n",
	"a:\n-\n- b\n",
	"plain root\n",
	"\"quoted\": 1\n\"x\"y: 2\n",
	"a: 1 #c\nb: 2\n\t\n",
	"a: [x, y]: z\n",
	"a: {{ x }}\n",
	"a: \"x\"#c\n",
	"a:\x01\n",
	"\xef\xbb\xbfa: 1\n",
	"a: \u2028\n",
	"a: 1\n\n  # c\n b: 2\n",
	"a: \"\\ud800\"\n",
	"a: -\n",
	"? : # not a key\n",
	"a: |-\n    four\n   three\n",
	"a: \"\\/\"\n",
	"k: |\n  a\n\tb\n",
	strings.Repeat("k", 1100) + ": v\n",
	"a: {" + strings.Repeat("k", 1100) + ": v}\n",
}

func TestAccepted(t *testing.T) {
	for _, in := range accepted {
		if !check(t, []byte(in)) {
			t.Errorf("Parse(%q) declined an input inside the subset", in)
		}
	}
}

func TestDeclined(t *testing.T) {
	for _, in := range declined {
		if n, ok := fastyaml.Parse(nil, []byte(in)); ok || n != nil {
			t.Errorf("Parse(%q) = %v, %v; want nil, false", in, n, ok)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, path := range repoFiles(f) {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, in := range accepted {
		f.Add([]byte(in))
	}
	for _, in := range declined {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		check(t, data)
	})
}
