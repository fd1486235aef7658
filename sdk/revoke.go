package sdk

import (
	"context"
	"fmt"

	"github.com/connkit/connkit/sdk/secret"
	"github.com/connkit/connkit/sdk/tokens"
)

// Revoke revokes the connection's tokens at the revocation API (RFC 7009:
// the refresh token, then the access token, each with its token_type_hint)
// and forgets them. A connector without a revocation API only forgets them.
// A revoked connection refuses further requests.
func (conn *Connection) Revoke(ctx context.Context) error {
	tok := conn.Token()
	conn.mu.Lock()
	conn.revoked = true
	conn.mu.Unlock()
	ep := conn.m.revoke
	if tok == nil || ep == nil {
		return nil
	}
	send := func(hint string, value tokens.Param) error {
		req, err := conn.tokenRequest(ep, conn.m.token, conn.data(tok), "")
		if err != nil {
			return err
		}
		req.Scope, req.IncludeScope = "", false
		req.Params = append(req.Params, value, tokens.Param{Name: "token_type_hint", Value: secret.New(hint)})
		resp, err := conn.tc.Send(ctx, req)
		if err != nil {
			return classify(fmt.Errorf("revoke the %s: %w", hint, err))
		}
		// RFC 7009 section 2.2: 200 also for a token the server does not
		// know (already revoked or expired).
		if err := resp.Err(); err != nil {
			return classify(fmt.Errorf("revoke the %s: %w", hint, err))
		}
		return nil
	}
	if !tok.RefreshToken.IsZero() {
		if err := send("refresh_token", tokens.Param{Name: "token", Value: tok.RefreshToken}); err != nil {
			return err
		}
	}
	return send("access_token", tokens.Param{Name: "token", Value: tok.AccessToken})
}
