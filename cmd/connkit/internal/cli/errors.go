package cli

import (
	"fmt"

	urfave "github.com/urfave/cli/v2"
)

// usageError is a mistake in the command line: an unknown command or flag,
// a missing or extra argument. Main prints it with a hint and exits with
// ExitUsage.
type usageError struct {
	command string // the subcommand whose help the hint names; "" for the app
	msg     string
}

func (e *usageError) Error() string { return e.msg }

// usageErrorf returns a usage error of the command running in c.
func usageErrorf(c *urfave.Context, format string, args ...any) error {
	return &usageError{command: commandName(c), msg: fmt.Sprintf(format, args...)}
}

// commandName is the name of the subcommand running in c, or "" at the top
// level.
func commandName(c *urfave.Context) string {
	if c.Command == nil || c.Command.Name == name {
		return ""
	}
	return c.Command.Name
}

// ioError is a failure to read input or write output. Main exits with
// ExitUsage, as the CLI contract asks.
type ioError struct{ err error }

func (e *ioError) Error() string { return e.err.Error() }

func (e *ioError) Unwrap() error { return e.err }

// ioErrorf wraps err, with context, as an input/output error.
func ioErrorf(err error, format string, args ...any) error {
	return &ioError{err: fmt.Errorf(format+": %w", append(args, err)...)}
}
