// Package cli is the connkit command line: an App with injected standard
// streams and environment whose Main returns the process exit code, so that
// tests run every command in process with buffers.
//
// Each command lives in its own file as a constructor returning a
// *urfave.Command; commands lists them.
package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	urfave "github.com/urfave/cli/v2"
)

// Exit codes of connkit. Other tools and CI depend on them.
const (
	// ExitOK means success (for validate: no errors, or only warnings
	// without --strict).
	ExitOK = 0
	// ExitFindings means the run found what it looks for: invalid
	// manifests, a failed test call, an API error.
	ExitFindings = 1
	// ExitUsage means a usage error (unknown command or flag, a missing or
	// extra argument) or an input/output error (an unreadable file, an
	// unwritable output).
	ExitUsage = 2
	// ExitFailure means an unexpected failure inside connkit.
	ExitFailure = 3
)

// name is the program name in help and messages, whatever the binary is
// called.
const name = "connkit"

// App is the connkit command line with its environment injected.
type App struct {
	// Stdin is read by commands that take "-" for standard input; nil reads
	// nothing.
	Stdin io.Reader
	// Stdout receives the commands' output; nil discards it.
	Stdout io.Writer
	// Stderr receives errors and hints; nil discards them.
	Stderr io.Writer
	// Getenv reads the operator's environment (CONNKIT_STORE, env: values);
	// nil sees an empty environment.
	Getenv func(string) string
}

// commands lists the subcommands in the order help shows them. A new command
// is a file with a constructor, added here.
func (a *App) commands() []*urfave.Command {
	return []*urfave.Command{
		a.testCommand(),
		a.callCommand(),
		a.authorizeCommand(),
		a.revokeCommand(),
		a.validateCommand(),
		a.schemaCommand(),
		a.initCommand(),
		a.versionCommand(),
	}
}

// Main runs the command line args (args[0] is the program name) and returns
// the exit code. It never calls os.Exit and never panics on bad input; errors
// go to Stderr as one line followed, for usage errors, by a hint.
func (a *App) Main(args []string) int {
	notFound := ""
	app := &urfave.App{
		Name:            name,
		HelpName:        name,
		Usage:           "connectors for any API, described in one manifest",
		Reader:          a.stdin(),
		Writer:          a.stdout(),
		ErrWriter:       a.stderr(),
		HideVersion:     true,
		Commands:        a.commands(),
		OnUsageError:    onUsageError,
		ExitErrHandler:  func(*urfave.Context, error) {}, // Main maps errors to exit codes
		CommandNotFound: func(_ *urfave.Context, cmd string) { notFound = cmd },
		Action: func(c *urfave.Context) error {
			if c.NArg() == 0 {
				return &usageError{msg: "no command given"}
			}
			return &usageError{msg: fmt.Sprintf("unknown command %q", c.Args().First())}
		},
	}
	for _, cmd := range app.Commands {
		cmd.OnUsageError = onUsageError
		cmd.Before = chain(rejectLateFlags, cmd.Before)
	}
	err := app.Run(args)
	if err == nil && notFound != "" { // connkit help NAME
		err = &usageError{msg: fmt.Sprintf("no help for unknown command %q", notFound)}
	}
	return a.report(err)
}

// report writes err to Stderr and returns its exit code.
func (a *App) report(err error) int {
	if err == nil {
		return ExitOK
	}
	var ue *usageError
	var ie *ioError
	var fe *failure
	var re *reported
	switch {
	case errors.As(err, &re):
		return ExitFindings
	case errors.As(err, &fe):
		fmt.Fprintf(a.stderr(), "%s: %s: %v\n", name, fe.kind, fe.err)
		if fe.hint != "" {
			fmt.Fprintf(a.stderr(), "hint: %s\n", fe.hint)
		}
		return ExitFindings
	case errors.As(err, &ue):
		help := name
		if ue.command != "" {
			help += " " + ue.command
		}
		fmt.Fprintf(a.stderr(), "%s: %s\nRun '%s --help' for usage.\n", name, ue.msg, help)
		return ExitUsage
	case errors.As(err, &ie):
		fmt.Fprintf(a.stderr(), "%s: %v\n", name, err)
		return ExitUsage
	default:
		fmt.Fprintf(a.stderr(), "%s: %v\n", name, err)
		return ExitFailure
	}
}

// onUsageError turns a flag parsing error into a usage error.
func onUsageError(c *urfave.Context, err error, _ bool) error {
	return &usageError{command: commandName(c), msg: err.Error()}
}

// rejectLateFlags refuses flags written after the first argument, which
// urfave/cli v2 would silently take as arguments. Everything after a literal
// "--" is an argument.
func rejectLateFlags(c *urfave.Context) error {
	for _, arg := range c.Args().Tail() {
		if arg == "--" {
			return nil
		}
		if strings.HasPrefix(arg, "-") && arg != "-" {
			return usageErrorf(c, "flag %s comes after the argument %q: put flags before arguments", arg, c.Args().First())
		}
	}
	return nil
}

// noArgs is the Before of a command that takes no arguments.
func noArgs(c *urfave.Context) error {
	if c.NArg() > 0 {
		return usageErrorf(c, "%s takes no arguments, got %q", c.Command.Name, c.Args().First())
	}
	return nil
}

// chain runs the Before functions in order until one fails; nil ones are
// skipped.
func chain(fns ...urfave.BeforeFunc) urfave.BeforeFunc {
	return func(c *urfave.Context) error {
		for _, f := range fns {
			if f == nil {
				continue
			}
			if err := f(c); err != nil {
				return err
			}
		}
		return nil
	}
}

func (a *App) stdin() io.Reader {
	if a.Stdin == nil {
		return strings.NewReader("")
	}
	return a.Stdin
}

func (a *App) stdout() io.Writer {
	if a.Stdout == nil {
		return io.Discard
	}
	return a.Stdout
}

func (a *App) stderr() io.Writer {
	if a.Stderr == nil {
		return io.Discard
	}
	return a.Stderr
}
