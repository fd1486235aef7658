package manifest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

const posYAML = `connkit: v1
auth:
  type: oauth2_client_credentials
  token:
    url: https://auth.example/token
fields:
  - key: client_id
    label: Client ID
actions:
  list/all:
    path: /contacts
  "a~b":
    path: /x
  empty:
`

const posJSON = `{
  "auth": {"type": "bearer",
           "apply": {"headers": {"Authorization": "Bearer {{ fields.token }}"}}},
  "fields": [{"key": "token"}, {"key": "é", "label": "Ünïcode"}]
}
`

func TestPos(t *testing.T) {
	yf := mustParseNoCheck(t, "m.yaml", posYAML)
	jf := mustParseNoCheck(t, "m.json", posJSON)
	tests := []struct {
		file    *File
		pointer string
		pos     string
		keyPos  string
		found   bool
	}{
		{yf, "", "m.yaml:1:1", "m.yaml:1:1", true},
		{yf, "/connkit", "m.yaml:1:10", "m.yaml:1:1", true},
		{yf, "/auth/token/url", "m.yaml:5:10", "m.yaml:5:5", true},
		{yf, "/auth/token", "m.yaml:5:5", "m.yaml:4:3", true},
		{yf, "/fields", "m.yaml:7:3", "m.yaml:6:1", true},
		{yf, "/fields/0", "m.yaml:7:5", "m.yaml:7:5", true},
		{yf, "/fields/0/key", "m.yaml:7:10", "m.yaml:7:5", true},
		{yf, "/actions/list~1all/path", "m.yaml:11:11", "m.yaml:11:5", true},
		{yf, "/actions/a~0b/path", "m.yaml:13:11", "m.yaml:13:5", true},
		{yf, "/actions/empty", "m.yaml:14:9", "m.yaml:14:3", true},
		// Missing nodes: the nearest existing ancestor.
		{yf, "/auth/token/scope", "m.yaml:5:5", "m.yaml:4:3", false},
		{yf, "/auth/token/url/x", "m.yaml:5:10", "m.yaml:5:5", false},
		{yf, "/fields/1", "m.yaml:7:3", "m.yaml:6:1", false},
		{yf, "/fields/00", "m.yaml:7:3", "m.yaml:6:1", false},
		{yf, "/fields/-", "m.yaml:7:3", "m.yaml:6:1", false},
		{yf, "/actions/list/all", "m.yaml:10:3", "m.yaml:9:1", false},
		{yf, "no-slash", "m.yaml:1:1", "m.yaml:1:1", false},
		{jf, "/auth/apply/headers/Authorization", "m.json:3:51", "m.json:3:34", true},
		{jf, "/auth/apply", "m.json:3:21", "m.json:3:12", true},
		{jf, "/fields/1", "m.json:4:32", "m.json:4:32", true},
		{jf, "/fields/1/label", "m.json:4:54", "m.json:4:45", true},
	}
	for _, tc := range tests {
		if got := tc.file.Pos(tc.pointer).String(); got != tc.pos {
			t.Errorf("%s: Pos(%q) = %s, want %s", tc.file.Path, tc.pointer, got, tc.pos)
		}
		if got := tc.file.KeyPos(tc.pointer).String(); got != tc.keyPos {
			t.Errorf("%s: KeyPos(%q) = %s, want %s", tc.file.Path, tc.pointer, got, tc.keyPos)
		}
		if got := tc.file.Node(tc.pointer) != nil; got != tc.found {
			t.Errorf("%s: Node(%q) found = %v, want %v", tc.file.Path, tc.pointer, got, tc.found)
		}
	}
	if n := yf.Node("/auth/type"); n == nil || n.Value != "oauth2_client_credentials" {
		t.Errorf("Node(/auth/type) = %v", n)
	}
}

// mustParseNoCheck parses src, which may have errors the test ignores.
func mustParseNoCheck(t *testing.T, path, src string) *File {
	t.Helper()
	f, _ := Parse(path, []byte(src))
	if f.root == nil {
		t.Fatalf("Parse(%s) gave no syntax tree", path)
	}
	return f
}

func TestPosWithoutTree(t *testing.T) {
	f, err := Parse("bad.yaml", []byte("a: ["))
	if err == nil {
		t.Fatal("Parse succeeded")
	}
	want := Pos{File: "bad.yaml", Line: 1, Col: 1}
	if got := f.Pos("/a"); got != want {
		t.Errorf("Pos = %v, want %v", got, want)
	}
	if got := f.KeyPos("/a"); got != want {
		t.Errorf("KeyPos = %v, want %v", got, want)
	}
	if n := f.Node(""); n != nil {
		t.Errorf("Node = %v, want nil", n)
	}
}

func TestPosString(t *testing.T) {
	if got := (Pos{File: "a/b.yaml", Line: 3, Col: 7}).String(); got != "a/b.yaml:3:7" {
		t.Errorf("String = %q", got)
	}
	if got := (Pos{Line: 3, Col: 7}).String(); got != "3:7" {
		t.Errorf("String without a file = %q", got)
	}
}

func TestPointer(t *testing.T) {
	tests := []struct {
		tokens  []string
		pointer string
	}{
		{nil, ""},
		{[]string{""}, "/"},
		{[]string{"actions", "list/all", "path"}, "/actions/list~1all/path"},
		{[]string{"a~b", "~1", "/~"}, "/a~0b/~01/~1~0"},
		{[]string{"fields", "0", "key"}, "/fields/0/key"},
	}
	for _, tc := range tests {
		if got := Pointer(tc.tokens...); got != tc.pointer {
			t.Errorf("Pointer(%q) = %q, want %q", tc.tokens, got, tc.pointer)
		}
		got, ok := SplitPointer(tc.pointer)
		if !ok {
			t.Errorf("SplitPointer(%q) failed", tc.pointer)
		}
		if diff := cmp.Diff(tc.tokens, got); diff != "" {
			t.Errorf("SplitPointer(%q) differs (-want +got):\n%s", tc.pointer, diff)
		}
	}
	if _, ok := SplitPointer("fields/0"); ok {
		t.Error(`SplitPointer("fields/0") succeeded`)
	}
}

func TestLineIndex(t *testing.T) {
	x := newLineIndex([]byte("ab\r\nçd\n\nlast"))
	tests := []struct{ off, line, col int }{
		{0, 1, 1}, {1, 1, 2}, {4, 2, 1}, {6, 2, 2}, {8, 3, 1}, {9, 4, 1}, {13, 4, 5}, {99, 4, 5}, {-1, 1, 1},
	}
	for _, tc := range tests {
		if line, col := x.pos(tc.off); line != tc.line || col != tc.col {
			t.Errorf("pos(%d) = %d:%d, want %d:%d", tc.off, line, col, tc.line, tc.col)
		}
	}
	for n, want := range map[int]string{0: "", 1: "ab", 2: "çd", 3: "", 4: "last", 5: ""} {
		if got := x.line(n); got != want {
			t.Errorf("line(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestTemplatePos(t *testing.T) {
	src := "connkit: v1\nlabel: \"a\\tb {{ fields.x }}\"\nidentity: '{{ response.id }}'\nbase_url: |\n  {{ fields.u }}\n"
	f, _ := Parse("t.yaml", []byte(src))
	for _, tc := range []struct {
		ptr  string
		col  int
		want string
	}{
		{"/label", 1, "t.yaml:2:9"},     // the first character, after the quote
		{"/label", 6, "t.yaml:2:15"},    // "{{": the \t escape takes two source characters
		{"/identity", 4, "t.yaml:3:15"}, // single-quoted, the quote at column 11
		{"/base_url", 3, "t.yaml:4:11"}, // a block scalar: the value's position
		{"/missing", 3, "t.yaml:1:1"},   // no such node: the nearest ancestor
		{"/label", 0, "t.yaml:2:8"},     // no column: the value's position
	} {
		if got := f.TemplatePos(tc.ptr, tc.col).String(); got != tc.want {
			t.Errorf("TemplatePos(%s, %d) = %s, want %s", tc.ptr, tc.col, got, tc.want)
		}
	}
}
