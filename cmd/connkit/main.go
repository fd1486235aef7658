// Command connkit checks, scaffolds and tries connector manifests. See
// package cli for the commands.
package main

import (
	"os"

	"github.com/connkit/connkit/cmd/connkit/internal/cli"
)

func main() {
	app := &cli.App{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	os.Exit(app.Main(os.Args))
}
