package cli

import (
	"fmt"
	"runtime/debug"

	urfave "github.com/urfave/cli/v2"
)

// versionCommand prints the connkit version.
func (a *App) versionCommand() *urfave.Command {
	return &urfave.Command{
		Name:   "version",
		Usage:  "print the connkit version",
		Before: noArgs,
		Action: func(*urfave.Context) error {
			info, ok := debug.ReadBuildInfo()
			if _, err := fmt.Fprintf(a.stdout(), "%s %s\n", name, version(info, ok)); err != nil {
				return ioErrorf(err, "writing the version")
			}
			return nil
		},
	}
}

// version is the main module's version from the build info, or "devel"
// for a build from a source tree without one.
func version(info *debug.BuildInfo, ok bool) string {
	if !ok || info == nil || info.Main.Version == "" || info.Main.Version == "(devel)" {
		return "devel"
	}
	return info.Main.Version
}
