package cli

import (
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"

	urfave "github.com/urfave/cli/v2"

	"github.com/connkit/connkit/sdk"
	"github.com/connkit/connkit/sdk/store"
)

// connectFlags are the flags of the commands that connect an account: test,
// call, authorize and revoke.
func connectFlags() []urfave.Flag {
	return []urfave.Flag{
		&urfave.StringFlag{Name: "manifest", Aliases: []string{"m"}, Usage: "the connector manifest `FILE`"},
		&urfave.StringFlag{Name: "values", Usage: "the `FILE` of field values (YAML or JSON; env:NAME and file:PATH are read)"},
		&urfave.StringFlag{Name: "auth-method", Usage: "the `KEY` of the auth method, for a connector that offers several"},
		&urfave.BoolFlag{Name: "allow-private-networks", Usage: "let requests reach loopback and private addresses (for a local test server)"},
		&urfave.StringSliceFlag{Name: "connect-to", Usage: "dial `HOST:PORT:ADDR` instead of HOST:PORT (PORT empty: any port; ADDR is ip:port), keeping the URL, TLS name and Host header; repeatable"},
		&urfave.BoolFlag{Name: "debug", Usage: "log requests and responses to stderr, credentials redacted"},
		&urfave.StringFlag{Name: "format", Value: "text", Usage: "output `FORMAT`: text or json"},
		storeFlag(),
	}
}

// session is what a connecting command works with.
type session struct {
	conn      *sdk.Connector
	values    sdk.Values
	method    string
	jsonOut   bool
	reg       *sdk.Registry
	stderrLog *slog.Logger
	// store keeps the connections (see store.go); close it when done.
	store store.Store
}

// openSession checks the connecting flags, loads the manifest and the values.
func (a *App) openSession(c *urfave.Context) (*session, error) {
	if c.NArg() > 0 {
		return nil, usageErrorf(c, "%s takes no arguments, got %q", c.Command.Name, c.Args().First())
	}
	format := c.String("format")
	if format != "text" && format != "json" {
		return nil, usageErrorf(c, "unknown format %q: use text or json", format)
	}
	for _, f := range []string{"manifest", "values"} {
		if c.String(f) == "" {
			return nil, usageErrorf(c, "--%s is required", f)
		}
	}
	values, err := a.readValues(c.String("values"))
	if err != nil {
		return nil, err
	}
	opts := sdk.Options{AllowPrivateNetworks: c.Bool("allow-private-networks")}
	if opts.ConnectTo, err = parseConnectTo(c.StringSlice("connect-to")); err != nil {
		return nil, usageErrorf(c, "--connect-to: %v", err)
	}
	if c.Bool("debug") {
		opts.Debug = true
		opts.Logger = slog.New(slog.NewTextHandler(a.stderr(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	st, err := a.openStore(c)
	if err != nil {
		return nil, err
	}
	opts.Store = st
	reg := sdk.NewRegistry(opts)
	conn, err := reg.Load(c.String("manifest"))
	if err != nil {
		_ = st.Close() // nothing was written to it
		var le *sdk.LoadError
		if errors.As(err, &le) && !isContentError(le.Err) {
			return nil, &ioError{err}
		}
		return nil, &failure{kind: sdk.KindConfig, err: err, hint: "run connkit validate on the manifest"}
	}
	return &session{conn: conn, values: values, method: c.String("auth-method"), jsonOut: format == "json", reg: reg, store: st}, nil
}

// failure is a command that ran and failed (exit 1), reported with a kind
// and a hint, in JSON as {"ok": false, "error": {...}}.
type failure struct {
	kind sdk.Kind
	err  error
	hint string
}

func (f *failure) Error() string { return f.err.Error() }

func (f *failure) Unwrap() error { return f.err }

// asFailure turns a runtime error into a failure with its kind and hint.
func asFailure(err error) *failure {
	var f *failure
	if errors.As(err, &f) {
		return f
	}
	return &failure{kind: sdk.KindOf(err), err: err, hint: sdk.HintOf(err)}
}

// errorJSON is the error object of the CLI contract.
type errorJSON struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
	Hint    string `json:"hint,omitempty"`
}

// writeFailure prints a failure as the format asks and returns it for Main
// to exit 1.
func (a *App) writeFailure(jsonOut bool, err error) error {
	f := asFailure(err)
	if jsonOut {
		out := struct {
			OK    bool      `json:"ok"`
			Error errorJSON `json:"error"`
		}{false, errorJSON{string(f.kind), f.err.Error(), f.hint}}
		if werr := writeJSON(a.stdout(), out); werr != nil {
			return werr
		}
		return &reported{f}
	}
	return f
}

// reported is a failure already printed on stdout: Main exits 1 without
// printing it again.
type reported struct{ f *failure }

func (r *reported) Error() string { return r.f.Error() }

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return ioErrorf(err, "write the output")
	}
	return nil
}

// isContentError reports whether a load error is about the manifest's
// content rather than reading it.
func isContentError(err error) bool {
	var pe *fs.PathError
	return !errors.As(err, &pe)
}
