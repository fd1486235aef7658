package sdk

import (
	"context"
	"errors"
	"fmt"

	"github.com/connkit/connkit/sdk/secret"
	"github.com/connkit/connkit/sdk/tokens"
)

// Revoke revokes the connection's tokens at the revocation API (RFC 7009:
// the refresh token, then the access token, each with its token_type_hint
// and the client authentication of the token API) and forgets them. A
// connector without a revocation API only forgets them. From the moment
// Revoke is called the connection refuses every request with KindRevoked,
// whether or not the revocation API answered. A stored connection is marked
// revoked in the store and its token deleted there.
func (conn *Connection) Revoke(ctx context.Context) error {
	if conn.revoked.Swap(true) {
		return nil
	}
	tok := conn.Token()
	if conn.source != nil {
		conn.source.Set(nil)
	}
	conn.creds.Store(nil)
	forgetErr := conn.forget(ctx)
	ep := conn.m.revoke
	if tok == nil || ep == nil {
		return forgetErr
	}
	send := func(hint string, value secret.Value) error {
		req, err := conn.tokenRequest(ep, conn.m.token, conn.data(tok), "")
		if err != nil {
			return err
		}
		req.Scope, req.IncludeScope = "", false
		req.Params = append(req.Params, tokens.Param{Name: "token", Value: value},
			tokens.Param{Name: "token_type_hint", Value: secret.New(hint)})
		resp, err := conn.m.tc.Send(ctx, req)
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
	// The access token is revoked even when revoking the refresh token
	// failed: each is a credential that should stop working.
	var errs []error
	if !tok.RefreshToken.IsZero() {
		errs = append(errs, send("refresh_token", tok.RefreshToken))
	}
	errs = append(errs, send("access_token", tok.AccessToken))
	return errors.Join(append(errs, forgetErr)...)
}
