package validator

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzValidate runs the whole path, bytes to diagnostics, on arbitrary
// input: it must never panic (a recovered panic is a finding of rule
// internal, which fails too) and every diagnostic must have a position.
// The seed corpus is testdata/valid and testdata/invalid.
func FuzzValidate(f *testing.F) {
	addManifestSeeds(f)
	v := testValidator()
	f.Fuzz(func(t *testing.T, json bool, data []byte) {
		name := fuzzName(json)
		for _, d := range v.Validate(name, data) {
			if d.Line < 1 || d.Column < 1 {
				t.Errorf("no position: %s", d.Error())
			}
			if d.Rule == ruleInternal {
				t.Errorf("the validator failed: %s", d.Error())
			}
			if d.File != name || d.Message == "" || (d.Severity != SeverityError && d.Severity != SeverityWarning) {
				t.Errorf("incomplete diagnostic %#v", d)
			}
		}
	})
}

// addManifestSeeds adds the manifests of testdata/valid and
// testdata/invalid to a fuzz target's seed corpus, each with whether it
// is JSON.
func addManifestSeeds(f *testing.F) {
	for _, dir := range []string{"../testdata/valid", invalidDir} {
		for _, file := range manifestFiles(f, dir) {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(filepath.Ext(file) == ".json", data)
		}
	}
}

// fuzzName is the file name fuzz input is validated under.
func fuzzName(json bool) string {
	if json {
		return "fuzz.json"
	}
	return "fuzz.yaml"
}
