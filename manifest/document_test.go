package manifest

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// jsonNumberGrammar is RFC 8259's number, the reference for isJSONNumber.
var jsonNumberGrammar = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$`)

func TestIsJSONNumber(t *testing.T) {
	tests := map[string]bool{
		"0": true, "-0": true, "7": true, "42": true, "-42": true, "1.5": true, "0.25": true,
		"1e9": true, "1E+9": true, "2.5e-3": true, "-0.0e0": true,
		"": false, "-": false, "+1": false, "01": false, "-01": false, "1.": false, ".5": false,
		"1e": false, "1e+": false, "0x10": false, "0o17": false, "1_000": false, ".inf": false,
		"1.5.2": false, "1e5e5": false, "١": false, "1 ": false,
	}
	for s, want := range tests {
		if got := isJSONNumber(s); got != want {
			t.Errorf("isJSONNumber(%q) = %v, want %v", s, got, want)
		}
		if jsonNumberGrammar.MatchString(s) != want {
			t.Errorf("case %q disagrees with the RFC 8259 grammar: fix the test", s)
		}
	}
}

func FuzzIsJSONNumber(f *testing.F) {
	for _, s := range []string{"0", "-12.5e+3", "01", "1.", "0x1F", "+.inf", "1e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := isJSONNumber(s), jsonNumberGrammar.MatchString(s); got != want {
			t.Errorf("isJSONNumber(%q) = %v; the RFC 8259 grammar says %v", s, got, want)
		}
	})
}

// TestRelease parses manifests one after the other, releasing each, so
// that later ones are built in the memory of earlier ones, and compares
// each with a parse that releases nothing.
func TestRelease(t *testing.T) {
	inputs := []struct{ path, text string }{
		{"a.yaml", "connkit: v1\nid: a\nname: A\nwhitelist: [https://a.example/]\n"},
		{"b.json", `{"connkit": "v1", "id": "b", "name": "B", "fields": [{"key": "k", "label": "K"}]}`},
		{"c.yaml", "id: c\nfields:\n  - {key: x, label: X}\n  - {key: y, label: Y}\n"},
		{"d", `{"id": "d"}`},
	}
	for round := 0; round < 3; round++ {
		for _, in := range inputs {
			want, wantErr := Parse(in.path, []byte(in.text))
			got, gotErr := Parse(in.path, []byte(in.text))
			if diff := cmp.Diff(want.Document(), got.Document()); diff != "" {
				t.Errorf("%s: Document of a parse in reused memory (-fresh +reused):\n%s", in.path, diff)
			}
			if diff := cmp.Diff(fmt.Sprint(wantErr), fmt.Sprint(gotErr)); diff != "" {
				t.Errorf("%s: errors differ:\n%s", in.path, diff)
			}
			if w, g := want.Pos("/id"), got.Pos("/id"); w != g {
				t.Errorf("%s: Pos(/id) = %v, want %v", in.path, g, w)
			}
			got.Release()
			if got.Document() != nil || got.Pos("/id").Line != 1 || got.Pos("/id").Col != 1 {
				t.Errorf("%s: the released file still has a tree", in.path)
			}
			if got.Manifest.ID != want.Manifest.ID {
				t.Errorf("%s: the released file lost its manifest", in.path)
			}
		}
	}
}
