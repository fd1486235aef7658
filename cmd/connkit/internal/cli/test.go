package cli

import (
	"fmt"
	"time"

	urfave "github.com/urfave/cli/v2"

	"github.com/connkit/connkit/sdk"
)

// testCommand connects an account and runs the connector's test call.
func (a *App) testCommand() *urfave.Command {
	return &urfave.Command{
		Name:      "test",
		Usage:     "connect an account and run the connector's test call",
		UsageText: "connkit test --manifest FILE --values FILE [--format json] [--allow-private-networks]",
		Description: "Obtains a token as the manifest says, runs the test (\"me\") call and prints the\n" +
			"connection's label, identity and token expiry. Exit 0 on success, 1 on failure.",
		Flags: connectFlags(),
		Action: func(c *urfave.Context) error {
			s, err := a.openSession(c)
			if err != nil {
				return err
			}
			defer s.close()
			conn, err := s.conn.Connect(c.Context, s.values, sdk.ConnectOptions{Method: s.method})
			if err != nil {
				return a.writeFailure(s.jsonOut, err)
			}
			return a.writeConnected(s.jsonOut, conn)
		},
	}
}

// connectedJSON is the success output of connkit test.
type connectedJSON struct {
	OK        bool   `json:"ok"`
	Label     string `json:"label"`
	Identity  string `json:"identity"`
	ExpiresAt string `json:"expires_at,omitempty"`
}

func (a *App) writeConnected(jsonOut bool, conn *sdk.Connection) error {
	out := connectedJSON{OK: true, Label: conn.Label(), Identity: conn.Identity()}
	if exp := conn.ExpiresAt(); !exp.IsZero() {
		out.ExpiresAt = exp.UTC().Format(time.RFC3339)
	}
	if jsonOut {
		return writeJSON(a.stdout(), out)
	}
	msg := fmt.Sprintf("ok: connected %q", out.Label)
	if out.Identity != "" {
		msg += fmt.Sprintf(" (identity %s)", out.Identity)
	}
	if out.ExpiresAt != "" {
		msg += ", token expires at " + out.ExpiresAt
	}
	if _, err := fmt.Fprintln(a.stdout(), msg); err != nil {
		return ioErrorf(err, "write the output")
	}
	return nil
}
