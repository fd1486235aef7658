package validator

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/connkit/connkit/manifest"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/invalid")

// invalidDir holds one manifest per rule, RULE.yaml (or RULE.json, or
// RULE--variant.yaml), with its expected diagnostics in RULE.golden.
const invalidDir = "../testdata/invalid"

// testValidator returns a Validator shared by the tests.
var testValidator = sync.OnceValue(func() *Validator {
	v, err := New()
	if err != nil {
		panic(err)
	}
	return v
})

// manifestFiles lists the .yaml, .yml and .json files of dir.
func manifestFiles(t testing.TB, dir string) []string {
	t.Helper()
	var files []string
	for _, ext := range []string{"*.yaml", "*.yml", "*.json"} {
		m, err := filepath.Glob(filepath.Join(dir, ext))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	slices.Sort(files)
	return files
}

// ruleOf returns the rule an invalid case is named for: the file name
// without its extension and without a "--variant" suffix.
func ruleOf(file string) string {
	name := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	rule, _, _ := strings.Cut(name, "--")
	return rule
}

// goldenOf returns the golden file of an invalid case.
func goldenOf(file string) string {
	return strings.TrimSuffix(file, filepath.Ext(file)) + ".golden"
}

func TestInvalidGolden(t *testing.T) {
	files := manifestFiles(t, invalidDir)
	if len(files) == 0 {
		t.Fatalf("no test cases in %s", invalidDir)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			diags := testValidator().Validate(filepath.Base(file), data)
			var got strings.Builder
			for _, d := range diags {
				fmt.Fprintln(&got, d.Error())
				if d.Line < 1 || d.Column < 1 {
					t.Errorf("no position: %s", d.Error())
				}
				if d.Rule == "" || d.Message == "" || (d.Severity != SeverityError && d.Severity != SeverityWarning) {
					t.Errorf("incomplete diagnostic: %#v", d)
				}
			}
			golden := goldenOf(file)
			if *update {
				if err := os.WriteFile(golden, []byte(got.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./validator/... -update to write it)", err)
			}
			if diff := cmp.Diff(string(want), got.String()); diff != "" {
				t.Errorf("diagnostics differ from %s (-want +got):\n%s", golden, diff)
			}
			if rule := ruleOf(file); !strings.Contains(string(want), " ["+rule+"]\n") {
				t.Errorf("%s does not hold a finding of rule %s, which the case is named for", golden, rule)
			}
		})
	}
}

// untestableByFile are the rules without a testdata case, and why.
var untestableByFile = map[string]string{
	ruleInternal:                 "reports a bug of the validator; TestPanicIsReported covers it",
	string(manifest.KindTooMany): "needs more than 1000 errors; TestTooManyErrors covers it",
}

func TestEveryRuleHasACase(t *testing.T) {
	cases := map[string]bool{}
	for _, file := range manifestFiles(t, invalidDir) {
		cases[ruleOf(file)] = true
	}
	for _, r := range Rules() {
		if !cases[r.ID] && untestableByFile[r.ID] == "" {
			t.Errorf("rule %s has no test case: add %s/%s.yaml", r.ID, invalidDir, r.ID)
		}
	}
	ids := map[string]bool{}
	for _, r := range Rules() {
		ids[r.ID] = true
	}
	for c := range cases {
		if !ids[c] {
			t.Errorf("test case %s is named for no rule", c)
		}
	}
}

// The manifests of testdata/valid, the connectors and the templates are
// checked in CI: they must have no findings at all.
func TestNoFindings(t *testing.T) {
	for _, dir := range []string{"../testdata/valid", "../connectors", "../templates"} {
		files := manifestFiles(t, dir)
		if dir == "../testdata/valid" && len(files) == 0 {
			t.Fatalf("no manifests in %s", dir)
		}
		for _, file := range files {
			t.Run(file, func(t *testing.T) {
				data, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				for _, d := range testValidator().Validate(file, data) {
					t.Error(d.Error())
				}
			})
		}
	}
}

func TestRules(t *testing.T) {
	rules := Rules()
	if !slices.IsSortedFunc(rules, func(a, b Rule) int { return strings.Compare(a.ID, b.ID) }) {
		t.Error("Rules() is not sorted by ID")
	}
	seen := map[string]bool{}
	for _, r := range rules {
		if seen[r.ID] {
			t.Errorf("rule %s is listed twice", r.ID)
		}
		seen[r.ID] = true
		if r.ID != strings.ToLower(r.ID) || strings.ContainsAny(r.ID, " _") {
			t.Errorf("rule ID %q is not kebab-case", r.ID)
		}
		if r.Doc == "" || strings.Contains(r.Doc, "\n") {
			t.Errorf("rule %s: the doc must be one line", r.ID)
		}
		if r.Severity != SeverityError && r.Severity != SeverityWarning {
			t.Errorf("rule %s: severity %q", r.ID, r.Severity)
		}
	}
	for _, id := range []string{"schema", "syntax", "unknown-key", "duplicate-key", "type", "interpolation"} {
		if !seen[id] {
			t.Errorf("Rules() lacks %s", id)
		}
	}
}
