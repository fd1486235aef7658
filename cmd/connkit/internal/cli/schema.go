package cli

import (
	urfave "github.com/urfave/cli/v2"

	"github.com/connkit/connkit/manifest"
)

// schemaCommand prints the manifest JSON Schema.
func (a *App) schemaCommand() *urfave.Command {
	return &urfave.Command{
		Name:  "schema",
		Usage: "print the JSON Schema (draft 2020-12) of the manifest",
		Description: "Prints the schema that editors use for completion and that validate checks manifests against.\n" +
			"Its $id is " + manifest.SchemaID + ".",
		Before: noArgs,
		Action: func(*urfave.Context) error {
			if _, err := a.stdout().Write(manifest.Schema()); err != nil {
				return ioErrorf(err, "writing the schema")
			}
			return nil
		},
	}
}
