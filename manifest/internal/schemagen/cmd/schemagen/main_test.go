package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/connkit/connkit/manifest/internal/schemagen"
)

func TestRun(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(wd) // run changes directory; restore it after the test
	out := filepath.Join(t.TempDir(), "schema.json")
	if err := run([]string{"-o", out}); err != nil {
		t.Fatalf("run: %v", err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := schemagen.Generate() // the working directory is now the module root
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("run wrote %d bytes that differ from Generate's %d", len(got), len(want))
	}
}

func TestRunUsage(t *testing.T) {
	err := run([]string{"extra"})
	if err == nil || !strings.Contains(err.Error(), "takes only -o FILE") {
		t.Errorf("run with an extra argument: error %v, want a usage message", err)
	}
}
