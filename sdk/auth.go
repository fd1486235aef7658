package sdk

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/manifest/interp"
	"github.com/connkit/connkit/sdk/secret"
	"github.com/connkit/connkit/sdk/tokens"
)

// fetch obtains a new token for the source: with the refresh API when the
// current token has a refresh token and the method can refresh, else with
// the token API.
func (conn *Connection) fetch(ctx context.Context) (*tokens.Token, error) {
	return conn.fetchFrom(ctx, conn.source.Current())
}

// fetchFrom obtains a new token to replace cur (which may be nil).
func (conn *Connection) fetchFrom(ctx context.Context, cur *tokens.Token) (*tokens.Token, error) {
	if ep := conn.refreshEndpoint(); ep != nil && cur != nil && !cur.RefreshToken.IsZero() {
		tok, err := conn.refresh(ctx, ep, cur)
		if err == nil {
			return tok, nil
		}
		var te *tokens.Error
		refused := errors.As(err, &te) && te.Code == tokens.CodeInvalidGrant
		if refused && conn.m.auth.Type == manifest.AuthOAuth2AuthorizationCode {
			return nil, conn.needsReauthorization(err)
		}
		if !refused {
			return nil, err
		}
		// A client-credentials or login connection whose refresh token is
		// refused simply obtains a new token.
	}
	if conn.m.auth.Type == manifest.AuthOAuth2AuthorizationCode {
		return nil, conn.needsReauthorization(errors.New("the access token expired and there is no refresh token to renew it"))
	}
	req, err := conn.tokenRequest(conn.m.token, nil, conn.data(nil), conn.grantType())
	if err != nil {
		return nil, err
	}
	return conn.m.tc.Fetch(ctx, req, conn.m.token.mapping)
}

// refreshEndpoint is the refresh API: the manifest's, or RFC 6749 section 6
// at the token URL for the authorization-code grant.
func (conn *Connection) refreshEndpoint() *endpoint {
	if conn.m.refresh != nil {
		return conn.m.refresh
	}
	if conn.m.auth.Type == manifest.AuthOAuth2AuthorizationCode {
		return conn.m.token
	}
	return nil
}

func (conn *Connection) refresh(ctx context.Context, ep *endpoint, cur *tokens.Token) (*tokens.Token, error) {
	req, err := conn.tokenRequest(ep, conn.m.token, conn.data(cur), "refresh_token")
	if err != nil {
		return nil, err
	}
	if ep.src.GrantType == "" {
		req.GrantType = "refresh_token"
	}
	req.Params = append(req.Params, tokens.Param{Name: "refresh_token", Value: cur.RefreshToken})
	// A rotated refresh token is single use: a retry after the request was
	// sent could present a token the server already replaced.
	req.Retry = tokens.NoRetry
	// The scope of a refresh defaults to the original grant (RFC 6749
	// section 6), so it is sent only when the refresh API names one.
	if ep.src.Scope == "" {
		req.Scope, req.IncludeScope = "", false
	}
	m := ep.mapping
	if ep.src.Response == nil {
		m = conn.m.token.mapping
	}
	tok, err := conn.m.tc.Fetch(ctx, req, m)
	if err != nil {
		return nil, err
	}
	tok.Inherit(cur)
	return tok, nil
}

func (conn *Connection) grantType() string {
	if g := conn.m.token.src.GrantType; g != "" {
		return g
	}
	if conn.m.auth.Type == manifest.AuthOAuth2ClientCredentials {
		return "client_credentials"
	}
	return ""
}

// tokenRequest renders an endpoint into a token request. Values the endpoint
// leaves out (URL, client authentication and credentials) come from base,
// the token API, when it is not nil.
func (conn *Connection) tokenRequest(e, base *endpoint, d interp.Data, grant string) (*tokens.Request, error) {
	src := e.src
	pick := func(own, inherited *interp.Template) *interp.Template {
		if own == nil && base != nil {
			return inherited
		}
		return own
	}
	var bID, bSecret *interp.Template
	clientAuth := src.ClientAuth
	basicRaw := src.BasicRaw
	if base != nil {
		bID, bSecret = base.clientID, base.clientSecret
		if clientAuth == "" {
			clientAuth, basicRaw = base.src.ClientAuth, base.src.BasicRaw
		}
	}
	if clientAuth == "" && conn.m.auth.Type == manifest.AuthLogin {
		// A login API has no client authentication unless it asks for it:
		// its body, query and headers are exactly what the manifest writes.
		clientAuth = manifest.ClientAuthNone
	}
	if clientAuth == manifest.ClientAuthNone {
		// A public client (or a revoke API that wants none) never sends the
		// secret it would otherwise inherit from the token API.
		bSecret = nil
	}
	u, err := conn.endpointURL(e, base, d)
	if err != nil {
		return nil, err
	}
	req := &tokens.Request{Method: src.Method, URL: u, ClientAuth: clientAuth, BasicRaw: basicRaw,
		Format: src.Format, GrantType: grant, Retry: e.retry, IncludeScope: src.IncludeScope == nil || *src.IncludeScope}
	if t := pick(e.clientID, bID); t != nil {
		if req.ClientID, err = t.Render(d); err != nil {
			return nil, classify(fmt.Errorf("client_id: %w", err))
		}
	}
	if req.ClientSecret, err = secretOf(pick(e.clientSecret, bSecret), d, false); err != nil {
		return nil, classify(fmt.Errorf("client_secret: %w", err))
	}
	if e.scope != nil {
		scope, err := e.scope.Render(d)
		if err != nil {
			return nil, classify(fmt.Errorf("scope: %w", err))
		}
		delim := src.ScopeDelimiter
		if delim == "" && base != nil {
			delim = base.src.ScopeDelimiter
		}
		req.Scope = delim.Join(scope)
	}
	for _, p := range e.params {
		v, err := secretOf(p.tpl, d, false)
		if err != nil {
			return nil, classify(fmt.Errorf("params.%s: %w", p.name, err))
		}
		req.Params = append(req.Params, tokens.Param{Name: p.name, Value: v})
	}
	if req.Query, err = renderQuery("query", e.query, d); err != nil {
		return nil, classify(err)
	}
	for _, p := range e.headers {
		v, err := secretOf(p.tpl, d, true)
		if err != nil {
			return nil, classify(fmt.Errorf("headers.%s: %w", p.name, err))
		}
		if req.Headers == nil {
			req.Headers = map[string]secret.Value{}
		}
		req.Headers[http.CanonicalHeaderKey(p.name)] = v
	}
	return req, nil
}
