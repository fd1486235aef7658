package cli

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// result is what one run of the command line produced.
type result struct {
	Code   int
	Stdout string
	Stderr string
}

// The tests do not call t.Parallel: urfave/cli v2 keeps its help command in
// a package variable and changes it while showing help.

// run runs connkit with args in process, with buffers for its streams.
func run(t *testing.T, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	app := &App{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr,
		Getenv: func(string) string { return "" }}
	code := app.Main(append([]string{"connkit"}, args...))
	return result{Code: code, Stdout: stdout.String(), Stderr: stderr.String()}
}

func TestExitCodes(t *testing.T) {
	// The values are a contract with CI and other tools.
	got := []int{ExitOK, ExitFindings, ExitUsage, ExitFailure}
	if diff := cmp.Diff([]int{0, 1, 2, 3}, got); diff != "" {
		t.Errorf("exit codes (-want +got):\n%s", diff)
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"no command", nil,
			"connkit: no command given\nRun 'connkit --help' for usage.\n"},
		{"unknown command", []string{"frobnicate"},
			"connkit: unknown command \"frobnicate\"\nRun 'connkit --help' for usage.\n"},
		{"unknown global flag", []string{"--bogus", "schema"},
			"connkit: flag provided but not defined: -bogus\nRun 'connkit --help' for usage.\n"},
		{"unknown command flag", []string{"schema", "--bogus"},
			"connkit: flag provided but not defined: -bogus\nRun 'connkit schema --help' for usage.\n"},
		{"extra argument", []string{"schema", "extra"},
			"connkit: schema takes no arguments, got \"extra\"\nRun 'connkit schema --help' for usage.\n"},
		{"flag after an argument", []string{"version", "x", "--json"},
			"connkit: flag --json comes after the argument \"x\": put flags before arguments\nRun 'connkit version --help' for usage.\n"},
		{"short flag after an argument", []string{"schema", "x", "-o", "y"},
			"connkit: flag -o comes after the argument \"x\": put flags before arguments\nRun 'connkit schema --help' for usage.\n"},
		{"dash dash ends the flags", []string{"schema", "x", "--", "--y"},
			"connkit: schema takes no arguments, got \"x\"\nRun 'connkit schema --help' for usage.\n"},
		{"flag-like argument after dash dash", []string{"schema", "--", "-x"},
			"connkit: schema takes no arguments, got \"-x\"\nRun 'connkit schema --help' for usage.\n"},
		{"help for an unknown command", []string{"help", "frobnicate"},
			"connkit: no help for unknown command \"frobnicate\"\nRun 'connkit --help' for usage.\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := run(t, tt.args...)
			want := result{Code: ExitUsage, Stderr: tt.stderr}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("connkit %s (-want +got):\n%s", strings.Join(tt.args, " "), diff)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	tests := []struct {
		args []string
		want []string // substrings of stdout
	}{
		{[]string{"--help"}, []string{"schema", "version", "connkit [global options] command"}},
		{[]string{"help"}, []string{"schema", "version"}},
		{[]string{"help", "schema"}, []string{"connkit schema", "draft 2020-12"}},
		{[]string{"schema", "--help"}, []string{"connkit schema", "draft 2020-12"}},
		{[]string{"version", "-h"}, []string{"connkit version"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			got := run(t, tt.args...)
			if got.Code != ExitOK || got.Stderr != "" {
				t.Fatalf("exit %d, stderr %q; want 0 and nothing", got.Code, got.Stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(got.Stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, got.Stdout)
				}
			}
		})
	}
}

func TestNilStreams(t *testing.T) {
	// A zero App discards its output and reads nothing; it must not panic.
	for _, args := range [][]string{{"connkit", "version"}, {"connkit", "bogus"}} {
		want := ExitOK
		if args[1] == "bogus" {
			want = ExitUsage
		}
		if got := (&App{}).Main(args); got != want {
			t.Errorf("Main(%q) = %d, want %d", args, got, want)
		}
	}
}

// failingWriter fails every write, like a closed pipe.
type failingWriter struct{}

var errClosed = errors.New("write |1: broken pipe")

func (failingWriter) Write([]byte) (int, error) { return 0, errClosed }

func TestOutputError(t *testing.T) {
	for _, cmd := range []string{"schema", "version"} {
		t.Run(cmd, func(t *testing.T) {
			var stderr bytes.Buffer
			app := &App{Stdout: failingWriter{}, Stderr: &stderr}
			if code := app.Main([]string{"connkit", cmd}); code != ExitUsage {
				t.Errorf("exit %d, want %d (an I/O error)", code, ExitUsage)
			}
			want := "connkit: writing the " + cmd + ": " + errClosed.Error() + "\n"
			if diff := cmp.Diff(want, stderr.String()); diff != "" {
				t.Errorf("stderr (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUnexpectedError(t *testing.T) {
	var stderr bytes.Buffer
	app := &App{Stderr: &stderr}
	if code := app.report(errors.New("boom")); code != ExitFailure {
		t.Errorf("report = %d, want %d", code, ExitFailure)
	}
	if diff := cmp.Diff("connkit: boom\n", stderr.String()); diff != "" {
		t.Errorf("stderr (-want +got):\n%s", diff)
	}
}
