package oauth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/sdk/secret"
	"github.com/connkit/connkit/sdk/tokens"
	"github.com/connkit/connkit/whitelist"
)

// Grant is a checked authorization response: the code, with what is needed
// to exchange it. It prints without the code.
type Grant struct {
	// Code is the authorization code.
	Code     secret.Value
	cfg      Config
	verifier secret.Value
	used     atomic.Bool
}

// RedirectURL returns the redirect URL the authorization request sent, which
// the exchange sends again.
func (g *Grant) RedirectURL() string { return g.cfg.RedirectURL }

// Exchange trades the code for tokens at the token endpoint (RFC 6749
// section 4.1.3), sent by the Config's Client: grant_type authorization_code, the code, the exact redirect
// URL sent before and the PKCE verifier, with the client authentication of
// the token request template. The request is sent once, never retried, and a
// Grant is exchanged at most once (ErrCodeUsed). A token response without a
// scope gets the requested one.
//
// Failures are *ExchangeError; errors.As reaches the *tokens.Error of a
// provider's refusal.
func (g *Grant) Exchange(ctx context.Context) (*tokens.Token, error) {
	if !g.used.CompareAndSwap(false, true) {
		return nil, ErrCodeUsed
	}
	cfg := g.cfg
	req := *cfg.Token
	if req.GrantType == "" {
		req.GrantType = "authorization_code"
	}
	// The authorization request carried the scope; RFC 6749 section 4.1.3
	// has none in the exchange.
	req.Scope, req.IncludeScope = "", false
	req.Retry = tokens.NoRetry
	req.Params = append(slices.Clone(req.Params),
		tokens.Param{Name: "code", Value: g.Code},
		tokens.Param{Name: "redirect_uri", Value: secret.New(cfg.RedirectURL)})
	if cfg.PKCE != manifest.PKCENone {
		req.Params = append(req.Params, tokens.Param{Name: "code_verifier", Value: g.verifier})
	}
	tok, err := cfg.Client.Fetch(ctx, &req, cfg.Mapping)
	if err != nil {
		return nil, &ExchangeError{RedirectURL: cfg.RedirectURL, Sent: mayHaveSent(err), Err: err}
	}
	if tok.Scope == "" {
		tok.Scope = cfg.Scope
	}
	return tok, nil
}

// mayHaveSent reports whether a failed Fetch may have delivered the code:
// every failure except a request refused before it was sent.
func mayHaveSent(err error) bool {
	return !errors.Is(err, whitelist.ErrBlocked)
}

// String describes the grant without its code.
func (g *Grant) String() string {
	return fmt.Sprintf("authorization code grant for %s", g.cfg.RedirectURL)
}
