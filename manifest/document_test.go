package manifest

import (
	"regexp"
	"testing"
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
