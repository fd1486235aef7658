package sdk

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/manifest/interp"
	"github.com/connkit/connkit/sdk/oauth"
	"github.com/connkit/connkit/sdk/tokens"
	"github.com/connkit/connkit/whitelist"
)

// Status is the state of a connection's authorization, for a platform to
// show next to the connection.
type Status string

// The connection statuses.
const (
	// StatusAuthorized: the connection works, or can renew its token.
	StatusAuthorized Status = "authorized"
	// StatusNeedsReauthorization: the provider refused the refresh token
	// (expired, revoked or reused) or there is none to renew an expired
	// token; the user must authorize again.
	StatusNeedsReauthorization Status = "needs_reauthorization"
	// StatusRevoked: the connection was revoked.
	StatusRevoked Status = "revoked"
)

// Status returns the connection's authorization status.
func (conn *Connection) Status() Status {
	switch {
	case conn.revoked.Load():
		return StatusRevoked
	case conn.reauth.Load():
		return StatusNeedsReauthorization
	}
	return StatusAuthorized
}

// needsReauthorization marks the connection as needing the user to authorize
// again: no request is sent with its grant any more.
func (conn *Connection) needsReauthorization(err error) error {
	conn.reauth.Store(true)
	return &Error{Kind: KindReauthorize, Err: err,
		Hint: "the provider no longer accepts this connection's grant (the refresh token expired, was revoked or was reused): re-authorize the connection"}
}

// reauthError is what a connection that needs re-authorization answers.
func (conn *Connection) reauthError() error {
	return &Error{Kind: KindReauthorize, Err: fmt.Errorf("connection %s/%s needs to be authorized again", conn.c.m.ID, conn.m.key),
		Hint: "re-authorize the connection"}
}

// authorizeTpl is the compiled browser step of the authorization-code grant.
type authorizeTpl struct {
	src      *manifest.Authorize
	url      *interp.Template
	scope    *interp.Template
	redirect *interp.Template
	params   []param
}

func (c *compiler) authorize(where string, a *manifest.Authorize) *authorizeTpl {
	if a == nil {
		return nil
	}
	return &authorizeTpl{src: a,
		url:      c.tpl(where+".url", a.URL),
		scope:    c.tpl(where+".scope", a.Scope),
		redirect: c.tpl(where+".redirect_url", a.RedirectURL),
		params:   c.params(where+".params", a.Params),
	}
}

// AuthorizeOptions tune Connector.Authorize.
type AuthorizeOptions struct {
	// Method is the key of the auth method the user chose; empty when the
	// connector offers one.
	Method string
	// RedirectURL replaces the manifest's auth.authorize.redirect_url (for
	// example the loopback address connkit authorize listens on). It is
	// sent exactly as given.
	RedirectURL string
}

// Authorize starts the authorization-code grant for the values a user filled
// in: it renders the manifest's authorize section and token API (reading the
// issuer's metadata for the URLs the manifest leaves out, which must be in
// the whitelist), checks that the authorize URL is https (it needs no
// whitelist entry: only the browser opens it), and returns the authorization
// request to open in the user's browser. The state and the PKCE verifier stay in this
// connector's memory until Exchange receives the callback, within
// oauth.DefaultStateTTL.
func (c *Connector) Authorize(ctx context.Context, values Values, opts AuthorizeOptions) (*oauth.AuthRequest, error) {
	m, err := c.method(opts.Method)
	if err != nil {
		return nil, &Error{Kind: KindInvalidValues, Err: err}
	}
	if m.auth.Type != manifest.AuthOAuth2AuthorizationCode {
		return nil, &Error{Kind: KindConfig, Err: fmt.Errorf("connector %s: auth method %s is %s, not oauth2_authorization_code", c.m.ID, m.key, m.auth.Type),
			Hint: "connect it directly (Connect, connkit test): only the authorization-code grant has a browser step"}
	}
	conn, err := c.open(ctx, m, values)
	if err != nil {
		return nil, err
	}
	cfg, err := conn.authorizeConfig(opts.RedirectURL)
	if err != nil {
		return nil, err
	}
	ar, err := c.states.Begin(*cfg)
	if err != nil {
		return nil, oauthError(err)
	}
	return ar, nil
}

// Exchange completes an authorization that Authorize started on this
// connector: it checks the callback's parameters (the query of the URL the
// provider redirected the browser to: state, iss, error) and exchanges the
// code, once, for a token. Pass the token to Connect as ConnectOptions.Token.
//
// A refused callback is KindAuth with a hint (errors.As reaches
// *oauth.StateError, *oauth.IssuerError or *oauth.CallbackError, such as
// access_denied); a failed exchange wraps *oauth.ExchangeError, and its hint
// asks the user to authorize again when the code may be spent.
func (c *Connector) Exchange(ctx context.Context, callback url.Values) (*tokens.Token, error) {
	g, err := c.states.Callback(callback)
	if err != nil {
		return nil, oauthError(err)
	}
	tok, err := g.Exchange(ctx)
	if err != nil {
		return nil, oauthError(err)
	}
	return tok, nil
}

// oauthError gives an error of package oauth its kind and hint.
func oauthError(err error) *Error {
	cl := classify(err)
	kind, hint := cl.Kind, oauth.HintOf(err)
	var ce *oauth.ConfigError
	switch {
	case errors.As(err, &ce):
		kind = KindConfig
	case kind == KindInternal:
		kind = KindAuth // state, iss and error responses
	}
	if hint == "" {
		hint = cl.Hint
	}
	return &Error{Kind: kind, Err: err, Hint: hint}
}

// authorizeConfig renders the authorization request and the code exchange.
func (conn *Connection) authorizeConfig(redirect string) (*oauth.Config, error) {
	m := conn.m
	a := m.authorize
	d := interp.Data{Fields: conn.fields}
	if a != nil && a.src.ResponseType != "" && a.src.ResponseType != "code" {
		return nil, &Error{Kind: KindConfig, Err: fmt.Errorf("auth.authorize.response_type is %q: only code is supported (the implicit grant is unsafe, RFC 9700 section 2.1.2)", a.src.ResponseType)}
	}
	req, err := conn.tokenRequest(m.token, nil, d, m.token.src.GrantType)
	if err != nil {
		return nil, err
	}
	cfg := &oauth.Config{ClientID: req.ClientID, Scope: req.Scope, RedirectURL: redirect,
		Token: req, Mapping: m.token.mapping, Client: m.tc}
	if conn.meta != nil {
		cfg.Issuer = conn.meta.Issuer
		cfg.RequireIssuer = conn.meta.AuthorizationResponseIssParameterSupported
		cfg.AuthorizeURL = conn.meta.AuthorizationEndpoint
	}
	if a != nil {
		cfg.PKCE = a.src.PKCE
		cfg.ScopeDelimiter = a.src.ScopeDelimiter
		if a.url != nil {
			if cfg.AuthorizeURL, err = a.url.RenderURL(d); err != nil {
				return nil, classify(fmt.Errorf("auth.authorize.url: %w", err))
			}
		}
		if a.scope != nil {
			if cfg.Scope, err = a.scope.Render(d); err != nil {
				return nil, classify(fmt.Errorf("auth.authorize.scope: %w", err))
			}
		}
		if cfg.RedirectURL == "" && a.redirect != nil {
			if cfg.RedirectURL, err = a.redirect.RenderURL(d); err != nil {
				return nil, classify(fmt.Errorf("auth.authorize.redirect_url: %w", err))
			}
		}
		for _, p := range a.params {
			v, err := p.tpl.Render(d)
			if err != nil {
				return nil, classify(fmt.Errorf("auth.authorize.params.%s: %w", p.name, err))
			}
			if cfg.Params == nil {
				cfg.Params = map[string]string{}
			}
			cfg.Params[p.name] = v
		}
	}
	if cfg.AuthorizeURL == "" {
		return nil, &Error{Kind: KindConfig, Err: errors.New("the authorization-code grant has no authorize URL"),
			Hint: "set auth.authorize.url, or auth.issuer to a provider whose metadata names its authorization_endpoint"}
	}
	if cfg.RedirectURL == "" {
		return nil, &Error{Kind: KindConfig, Err: errors.New("the authorization-code grant has no redirect URL"),
			Hint: "set auth.authorize.redirect_url to the exact redirect URL registered at the provider"}
	}
	// The user's browser opens the authorize URL and connkit never fetches
	// it, so it needs no whitelist entry (an entry would also let the
	// connection's requests, credentials included, reach that host); one
	// from the issuer's metadata was checked by discover. It must still be
	// https (http only on loopback) with a valid host.
	if err := checkBrowserURL(cfg.AuthorizeURL); err != nil {
		return nil, classify(fmt.Errorf("the authorize URL: %w", err))
	}
	return cfg, nil
}

// checkBrowserURL checks a URL that the user's browser opens.
func checkBrowserURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	_, err = whitelist.Normalize(u)
	return err
}

// checkURL checks a URL that came from an issuer's metadata against the
// whitelist.
func (conn *Connection) checkURL(what, raw string) error {
	u, err := url.Parse(raw)
	if err == nil {
		err = conn.m.policy.Check(u)
	}
	if err != nil {
		return classify(fmt.Errorf("%s: %w", what, err))
	}
	return nil
}

// discover reads the issuer's metadata when the auth method names an issuer,
// and checks the endpoints it provides for the method against the whitelist.
// The metadata is cached per method (oauth.DefaultMetadataTTL).
func (conn *Connection) discover(ctx context.Context) error {
	m := conn.m
	if m.disc == nil {
		return nil
	}
	meta, err := m.disc.Metadata(ctx, m.auth.Issuer)
	if err != nil {
		return oauthError(err)
	}
	needAuthorize := m.auth.Type == manifest.AuthOAuth2AuthorizationCode && (m.authorize == nil || m.authorize.url == nil)
	for _, ep := range []struct {
		name, url string
		needed    bool
	}{
		{"authorization_endpoint", meta.AuthorizationEndpoint, needAuthorize},
		{"token_endpoint", meta.TokenEndpoint, m.token != nil && m.token.url == nil},
		{"revocation_endpoint", meta.RevocationEndpoint, m.revoke != nil && m.revoke.url == nil},
	} {
		if !ep.needed {
			continue
		}
		if ep.url == "" {
			return &Error{Kind: KindConfig, Err: fmt.Errorf("the metadata of issuer %s has no %s", m.auth.Issuer, ep.name),
				Hint: "give the endpoint's url in the manifest"}
		}
		if err := conn.checkURL("the issuer's "+ep.name, ep.url); err != nil {
			return err
		}
	}
	conn.meta = meta
	return nil
}

// endpointURL renders the URL of a token, refresh or revoke API. Without a
// URL of its own, a revoke API uses the issuer's revocation endpoint, else
// the token API's URL; a token or refresh API uses the token API's URL, else
// the issuer's token endpoint.
func (conn *Connection) endpointURL(e, base *endpoint, d interp.Data) (string, error) {
	t := e.url
	var discovered string
	if conn.meta != nil {
		discovered = conn.meta.TokenEndpoint
		if e == conn.m.revoke {
			discovered = conn.meta.RevocationEndpoint
		}
	}
	switch {
	case t != nil:
	case e == conn.m.revoke && discovered != "":
		return discovered, nil
	case base != nil && base.url != nil:
		t = base.url
	case discovered != "":
		return discovered, nil
	default:
		return "", &Error{Kind: KindConfig, Err: errors.New("the token API has no URL"),
			Hint: "set auth.token.url, or auth.issuer to a provider whose metadata names its token_endpoint"}
	}
	u, err := t.RenderURL(d)
	if err != nil {
		return "", classify(fmt.Errorf("token URL: %w", err))
	}
	return u, nil
}

// newDiscovery returns the metadata reader of an auth method that names an
// issuer, over the method's guarded transport.
func newDiscovery(mt *method, rt http.RoundTripper, c *Connector) *oauth.Discovery {
	if mt.auth.Issuer == "" {
		return nil
	}
	return &oauth.Discovery{HTTP: &http.Client{Transport: rt, Timeout: c.timeout}, Now: c.reg.opts.Now}
}
