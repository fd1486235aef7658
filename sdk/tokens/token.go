package tokens

import (
	"time"

	"github.com/connkit/connkit/sdk/secret"
)

// DefaultRenewBefore is how long before expiry a token is renewed when no
// other value is configured.
const DefaultRenewBefore = time.Minute

// Token is an access token with what came with it. Its secrets are
// secret.Values, so printing or encoding a Token never shows them. A Token
// handed out by a Source is shared: do not modify it.
type Token struct {
	// AccessToken is the credential applied to API requests.
	AccessToken secret.Value
	// RefreshToken obtains a new access token (RFC 6749 section 6); empty
	// when the grant gives none.
	RefreshToken secret.Value
	// TokenType is "Bearer" for OAuth 2.0 tokens; a login API's type as sent.
	TokenType string
	// Scope is the granted scope, space-separated.
	Scope string
	// IssuedAt is when the request that obtained the token was sent; with
	// Expiry it gives the token's lifetime.
	IssuedAt time.Time
	// Expiry is when the token expires. A zero Expiry means unknown, and
	// such a token is never Valid.
	Expiry time.Time
	// Extra holds the values kept by the response mapping's keep entries
	// (for example instance_url), used as {{ token.NAME }}. They are not
	// secret and print in clear.
	Extra map[string]string
}

// Lifetime returns Expiry-IssuedAt, or zero when either is unknown.
func (t *Token) Lifetime() time.Duration {
	if t.IssuedAt.IsZero() || t.Expiry.IsZero() {
		return 0
	}
	return max(t.Expiry.Sub(t.IssuedAt), 0)
}

// RenewAt returns when the token should be renewed: renewBefore ahead of
// its expiry, where renewBefore is clamped to half the token's lifetime
// (when known) so that a short-lived token is used for at least half of
// its life instead of being renewed on every call.
func (t *Token) RenewAt(renewBefore time.Duration) time.Time {
	if l := t.Lifetime(); l > 0 {
		renewBefore = min(renewBefore, l/2)
	}
	return t.Expiry.Add(-max(renewBefore, 0))
}

// Valid reports whether the token has an access token and is not due for
// renewal at now (see RenewAt). A nil Token is not valid.
func (t *Token) Valid(now time.Time, renewBefore time.Duration) bool {
	return t != nil && !t.AccessToken.IsZero() && !t.Expiry.IsZero() && now.Before(t.RenewAt(renewBefore))
}

// Inherit fills what a refresh response left out from the token it
// replaces: the refresh token (RFC 6749 section 6: keep the old one unless
// a new one is issued), the scope and the kept values. prev may be nil.
func (t *Token) Inherit(prev *Token) {
	if prev == nil {
		return
	}
	if t.RefreshToken.IsZero() {
		t.RefreshToken = prev.RefreshToken
	}
	if t.Scope == "" {
		t.Scope = prev.Scope
	}
	for k, v := range prev.Extra {
		if _, ok := t.Extra[k]; !ok {
			if t.Extra == nil {
				t.Extra = make(map[string]string, len(prev.Extra))
			}
			t.Extra[k] = v
		}
	}
}
