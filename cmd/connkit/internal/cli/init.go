package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	urfave "github.com/urfave/cli/v2"

	"github.com/connkit/connkit/templates"
)

// initCommand writes a new manifest from an embedded template.
func (a *App) initCommand() *urfave.Command {
	var names []string
	for _, t := range templates.List() {
		names = append(names, t.Name)
	}
	return &urfave.Command{
		Name:      "init",
		Usage:     "write a new manifest from a template",
		ArgsUsage: "PATH",
		Description: "Writes the template, with the id and name set, to PATH (parent directories are created;\n" +
			"- writes to standard output). An existing file is kept unless --force is given.\n" +
			"connkit init --list shows the templates, one per auth style.\n\n" +
			"Flags go before PATH: connkit init --template bearer --id acme connectors/acme.yaml",
		Flags: []urfave.Flag{
			&urfave.StringFlag{Name: "template", Aliases: []string{"t"}, Usage: "the template: " + strings.Join(names, ", ")},
			&urfave.StringFlag{Name: "id", Usage: "the connector's `SLUG` (lower-case letters, digits and dashes)"},
			&urfave.StringFlag{Name: "name", Usage: "the API's display `NAME`, at most 50 characters (default: made from the id)"},
			&urfave.BoolFlag{Name: "force", Usage: "overwrite PATH if it exists"},
			&urfave.BoolFlag{Name: "list", Usage: "list the templates and exit"},
		},
		Action: a.initManifest,
	}
}

// initManifest is the action of connkit init.
func (a *App) initManifest(c *urfave.Context) error {
	if c.Bool("list") {
		for _, f := range []string{"template", "id", "name", "force"} {
			if c.IsSet(f) {
				return usageErrorf(c, "--list takes no other flag, got --%s", f)
			}
		}
		if c.NArg() > 0 {
			return usageErrorf(c, "--list takes no path, got %q", c.Args().First())
		}
		return a.listTemplates()
	}
	for _, f := range []string{"template", "id"} {
		if c.String(f) == "" {
			return usageErrorf(c, "--%s is required (connkit init --list shows the templates)", f)
		}
	}
	switch c.NArg() {
	case 0:
		return usageErrorf(c, "no path given: name the manifest file to write, or - for standard output")
	case 1:
	default:
		return usageErrorf(c, "init writes one manifest, got %d paths", c.NArg())
	}
	out, err := templates.Render(c.String("template"), c.String("id"), c.String("name"))
	if err != nil {
		return usageErrorf(c, "%v", err)
	}
	path := c.Args().First()
	if path == "-" {
		if _, err := a.stdout().Write(out); err != nil {
			return ioErrorf(err, "write the manifest")
		}
		return nil
	}
	if err := writeNew(path, out, c.Bool("force")); err != nil {
		return err
	}
	fmt.Fprintf(a.stderr(), "%s: wrote %s from the %s template; fill it in, then run: %s validate --strict %s\n",
		name, path, c.String("template"), name, path)
	return nil
}

// listTemplates prints the templates, one aligned line each.
func (a *App) listTemplates() error {
	tw := tabwriter.NewWriter(a.stdout(), 0, 0, 2, ' ', 0)
	for _, t := range templates.List() {
		fmt.Fprintf(tw, "%s\t%s\n", t.Name, t.Summary)
	}
	if err := tw.Flush(); err != nil {
		return ioErrorf(err, "write the templates")
	}
	return nil
}

// writeNew writes data to path, creating its parent directories. Without
// force an existing file is refused, and the file is created exclusively so
// that a file appearing meanwhile is not overwritten either.
func writeNew(path string, data []byte, force bool) error {
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		return &ioError{fmt.Errorf("%s is a directory: name the manifest file to write, such as %s", path, filepath.Join(path, "my-api.yaml"))}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return ioErrorf(err, "create the directory of %s", path)
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return &ioError{fmt.Errorf("%s already exists: pass --force to overwrite it, or choose another path", path)}
	}
	if err != nil {
		return ioErrorf(err, "create %s", path)
	}
	_, werr := f.Write(data)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return ioErrorf(werr, "write %s", path)
	}
	return nil
}
