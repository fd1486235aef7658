// Command schemagen writes the manifest JSON Schema. It is run by
// `go generate ./manifest` (see manifest/schema.go):
//
//	go run ./internal/schemagen/cmd/schemagen -o schema.json
//
// The output path is relative to the working directory; the doc comments are
// read from the module root, found by walking up to go.mod.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/connkit/connkit/manifest/internal/schemagen"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "schemagen:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("schemagen", flag.ContinueOnError)
	out := fs.String("o", "schema.json", "write the schema to `FILE`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q: schemagen takes only -o FILE", fs.Args())
	}
	dst, err := filepath.Abs(*out)
	if err != nil {
		return fmt.Errorf("resolving %s: %w", *out, err)
	}
	root, err := schemagen.ModuleRoot(".")
	if err != nil {
		return err
	}
	// schemagen.Generate reads ./manifest relative to the module root.
	if err := os.Chdir(root); err != nil {
		return fmt.Errorf("changing to the module root: %w", err)
	}
	b, err := schemagen.Generate()
	if err != nil {
		return err
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		return fmt.Errorf("writing the schema: %w", err)
	}
	return nil
}
