package sdk

import (
	"context"
	"errors"
	"fmt"
	"github.com/go-resty/resty/v2"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/manifest/interp"
	"github.com/connkit/connkit/sdk/oauth"
	"github.com/connkit/connkit/sdk/secret"
	"github.com/connkit/connkit/sdk/tokens"
)

// ConnectOptions tune Connect.
type ConnectOptions struct {
	// Method is the key of the auth method the user chose; empty when the
	// connector offers one.
	Method string
	// Token seeds the connection with a token obtained earlier (from a store
	// or the authorization-code flow) instead of requesting one.
	Token *tokens.Token
}

// Connection is one connected account: its field values, its token and the
// HTTP client that applies the connector's policy. It is safe for
// concurrent use.
type Connection struct {
	c      *Connector
	m      *method
	fields map[string]any
	source *tokens.Source
	hc     *http.Client
	// rc sends Do's requests over hc; built on first use.
	rcOnce sync.Once
	rc     *resty.Client
	defQ   url.Values
	defH   http.Header
	// creds caches the credentials rendered for the current token.
	creds   atomic.Pointer[credentials]
	revoked atomic.Bool
	// reauth is set when the provider refused the grant (see Status).
	reauth atomic.Bool
	// meta is the issuer's metadata, when the method names an issuer.
	meta  *oauth.Metadata
	label string
	ident string
	// id is the connection's id in the registry's store ("" without one).
	id string
}

// Connect checks values against the connector's fields, obtains a token (for
// OAuth 2.0 and login methods), runs the test call, and computes the label
// and identity.
func (c *Connector) Connect(ctx context.Context, values Values, opts ConnectOptions) (*Connection, error) {
	m, err := c.method(opts.Method)
	if err != nil {
		return nil, &Error{Kind: KindInvalidValues, Err: err}
	}
	conn, err := c.open(ctx, m, values)
	if err != nil {
		return nil, err
	}
	if conn.source != nil {
		if opts.Token != nil {
			conn.source.Set(opts.Token)
		} else if m.auth.Type == manifest.AuthOAuth2AuthorizationCode {
			return nil, &Error{Kind: KindConfig, Err: errors.New("an authorization-code connection needs a token from the authorization flow"),
				Hint: "run connkit authorize, or pass ConnectOptions.Token"}
		}
		if _, err := conn.source.Token(ctx); err != nil {
			return nil, classify(fmt.Errorf("obtain a token: %w", err))
		}
	} else if _, err := conn.credentials(nil); err != nil {
		// Static credentials are rendered once: a value that cannot go
		// into a header or query is refused before any request.
		return nil, err
	}
	if err := conn.verify(ctx); err != nil {
		return nil, err
	}
	if err := conn.persist(ctx, values); err != nil {
		return nil, err
	}
	return conn, nil
}

// open checks values against the fields of auth method m and returns a new
// connection, not yet holding a token, with the issuer's metadata read when
// the method names an issuer.
func (c *Connector) open(ctx context.Context, m *method, values Values) (*Connection, error) {
	fields, err := m.fields.check(values)
	if err != nil {
		return nil, &Error{Kind: KindInvalidValues, Err: err,
			Hint: "fill in the connector's fields as its manifest declares them"}
	}
	conn, err := c.newConnection(m, fields)
	if err != nil {
		return nil, err
	}
	if err := conn.discover(ctx); err != nil {
		return nil, err
	}
	return conn, nil
}

func (c *Connector) newConnection(m *method, fields map[string]any) (*Connection, error) {
	conn := &Connection{c: c, m: m, fields: fields}
	// Defaults are never secrets: they are logged in clear and sent even
	// where credentials are dropped (a redirect to another host).
	d := interp.Data{Fields: m.fields.public(fields)}
	var err error
	if conn.defQ, err = renderQuery("defaults.query", c.defQuery, d); err != nil {
		return nil, classify(fmt.Errorf("%w (defaults cannot use secret fields)", err))
	}
	if conn.defH, err = renderHeader("defaults.headers", c.defHead, d); err != nil {
		return nil, classify(fmt.Errorf("%w (defaults cannot use secret fields)", err))
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, fmt.Errorf("cookie jar: %w", err)
	}
	// No Client.Timeout: it costs a timer and a context per request. Do
	// and Run bound whole requests with the manifest's timeout through
	// their context; HTTPClient's callers choose their own bound.
	conn.hc = &http.Client{
		Transport:     &authTransport{conn: conn, next: m.base},
		CheckRedirect: m.checkRedirect,
		Jar:           jar,
	}
	if m.usesToken() {
		conn.source = tokens.NewSource(conn.fetchToken, tokens.SourceOptions{RenewBefore: m.renewBefore, Now: c.reg.opts.Now})
	}
	return conn, nil
}

func paramNames(ps []param) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.name
	}
	return out
}

// Connector returns the connector the connection was made from.
func (conn *Connection) Connector() *Connector { return conn.c }

// Method returns the key of the connection's auth method.
func (conn *Connection) Method() string { return conn.m.key }

// Label returns the connection's display label.
func (conn *Connection) Label() string { return conn.label }

// Identity returns the unique identifier of the connected account.
func (conn *Connection) Identity() string { return conn.ident }

// Token returns the connection's current token without renewing it, or nil
// for a method without one.
func (conn *Connection) Token() *tokens.Token {
	if conn.source == nil {
		return nil
	}
	return conn.source.Current()
}

// ExpiresAt returns when the current token expires (zero without a token).
func (conn *Connection) ExpiresAt() time.Time {
	if t := conn.Token(); t != nil {
		return t.Expiry
	}
	return time.Time{}
}

// HTTPClient returns an *http.Client that sends requests with the
// connection's policy: the whitelist checked before every request, at every
// redirect hop and at dial time; redirects followed only as the manifest
// allows; the defaults merged; the credentials applied and renewed; the
// connection's own cookie jar. Any Go API client can use it. Each call
// returns a new client, so changing it does not change the connection.
// Like http.DefaultClient it has no overall timeout (the manifest's
// http.timeout applies to Do and Run): set the returned client's Timeout,
// or bound each request with its context.
func (conn *Connection) HTTPClient() *http.Client {
	hc := *conn.hc
	return &hc
}

// String describes the connection without its secrets.
func (conn *Connection) String() string {
	return fmt.Sprintf("connection %s/%s %q", conn.c.m.ID, conn.m.key, conn.label)
}

// GoString describes the connection without its secrets, for %#v.
func (conn *Connection) GoString() string { return "sdk.Connection{" + conn.String() + "}" }

// Format writes String for every verb, so that no fmt directive prints the
// connection's fields, tokens or secrets.
func (conn *Connection) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, conn.GoString())
		return
	}
	_, _ = io.WriteString(f, conn.String())
}

// data returns the template data of the connection with the token's values.
func (conn *Connection) data(tok *tokens.Token) interp.Data {
	return interp.Data{Fields: conn.fields, Token: tokenData(tok)}
}

func tokenData(tok *tokens.Token) map[string]any {
	if tok == nil {
		return nil
	}
	m := make(map[string]any, 4+len(tok.Extra))
	for k, v := range tok.Extra {
		m[k] = v
	}
	m["access_token"] = tok.AccessToken
	if !tok.RefreshToken.IsZero() {
		m["refresh_token"] = tok.RefreshToken
	}
	if tok.TokenType != "" {
		m["token_type"] = tok.TokenType
	}
	if tok.Scope != "" {
		m["scope"] = tok.Scope
	}
	return m
}

// token returns the current valid token, renewing it when due; nil for a
// method without one. A revoked connection fails with KindRevoked.
func (conn *Connection) token(ctx context.Context) (*tokens.Token, error) {
	if conn.revoked.Load() {
		return nil, &Error{Kind: KindRevoked, Err: fmt.Errorf("connection %s/%s was revoked", conn.c.m.ID, conn.m.key),
			Hint: "connect the account again"}
	}
	if conn.source == nil {
		return nil, nil
	}
	if conn.reauth.Load() {
		return nil, conn.reauthError()
	}
	return conn.source.Token(ctx)
}

// renderQuery renders query parameters; where names them in errors.
func renderQuery(where string, ps []param, d interp.Data) (url.Values, error) {
	if len(ps) == 0 {
		return nil, nil
	}
	q := make(url.Values, len(ps))
	for _, p := range ps {
		v, err := p.tpl.Render(d)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", where, p.name, err)
		}
		q.Set(p.name, v)
	}
	return q, nil
}

// renderHeader renders header fields; where names them in errors.
func renderHeader(where string, ps []param, d interp.Data) (http.Header, error) {
	if len(ps) == 0 {
		return nil, nil
	}
	h := make(http.Header, len(ps))
	for _, p := range ps {
		v, err := p.tpl.RenderHeader(d)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", where, p.name, err)
		}
		h.Set(p.name, v)
	}
	return h, nil
}

// joinURL appends a path (with an optional query) to a base URL, keeping the
// base's path: "https://h/v2" and "/me" give "https://h/v2/me".
func joinURL(base, path string) string {
	if path == "" {
		return base
	}
	if strings.HasPrefix(path, "?") {
		return base + path
	}
	return strings.TrimRight(base, "/") + "/" + strings.TrimLeft(path, "/")
}

// secretOf renders a template into a secret value.
func secretOf(t *interp.Template, d interp.Data, header bool) (secret.Value, error) {
	if t == nil {
		return secret.Value{}, nil
	}
	var s string
	var err error
	if header {
		s, err = t.RenderHeader(d)
	} else {
		s, err = t.Render(d)
	}
	if err != nil {
		return secret.Value{}, err
	}
	return secret.New(s), nil
}
