package cli

import (
	"fmt"

	urfave "github.com/urfave/cli/v2"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/sdk"
)

// revokeCommand connects an account and revokes its tokens.
func (a *App) revokeCommand() *urfave.Command {
	return &urfave.Command{
		Name:      "revoke",
		Usage:     "revoke a connection's tokens at the provider and forget them",
		UsageText: "connkit revoke --manifest FILE --values FILE [--format json] [--allow-private-networks]",
		Description: "Connects with the values, then revokes the tokens at the connector's revoke API\n" +
			"(RFC 7009: the refresh token, then the access token) and forgets them; a connector\n" +
			"without a revoke API only forgets them. This checks that the manifest's revoke API\n" +
			"works. Exit 0 on success, 1 on failure.",
		Flags: connectFlags(),
		Action: func(c *urfave.Context) error {
			s, err := a.openSession(c)
			if err != nil {
				return err
			}
			defer s.close()
			auth := methodAuth(s.conn.Manifest(), s.method)
			if auth != nil && auth.Type == manifest.AuthOAuth2AuthorizationCode && s.storedID(c.Context) == "" {
				// Its tokens exist only where connkit authorize stored them.
				return a.writeFailure(s.jsonOut, &failure{kind: sdk.KindConfig,
					err:  fmt.Errorf("there is no stored authorization of %s with these values to revoke", s.conn.ID()),
					hint: "run connkit authorize with the same --store first, or revoke the app's access in the account settings at the provider"})
			}
			conn, err := s.connect(c.Context)
			if err != nil {
				return a.writeFailure(s.jsonOut, err)
			}
			remote := conn.Token() != nil && auth != nil && auth.Revoke != nil
			if err := conn.Revoke(c.Context); err != nil {
				return a.writeFailure(s.jsonOut, err)
			}
			return a.writeRevoked(s.jsonOut, conn, remote)
		},
	}
}

// revokedJSON is the success output of connkit revoke.
type revokedJSON struct {
	OK bool `json:"ok"`
	// Revoked is true when the provider's revoke API was called, false when
	// the tokens were only forgotten.
	Revoked  bool   `json:"revoked"`
	Label    string `json:"label"`
	Identity string `json:"identity"`
}

func (a *App) writeRevoked(jsonOut bool, conn *sdk.Connection, remote bool) error {
	out := revokedJSON{OK: true, Revoked: remote, Label: conn.Label(), Identity: conn.Identity()}
	if jsonOut {
		return writeJSON(a.stdout(), out)
	}
	msg := fmt.Sprintf("ok: revoked the tokens of %q at the provider and forgot them", out.Label)
	if !remote {
		msg = fmt.Sprintf("ok: forgot the tokens of %q (the connector has no revoke API)", out.Label)
	}
	if _, err := fmt.Fprintln(a.stdout(), msg); err != nil {
		return ioErrorf(err, "write the output")
	}
	return nil
}
