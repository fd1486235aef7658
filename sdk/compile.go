package sdk

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"time"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/manifest/interp"
	"github.com/connkit/connkit/sdk/oauth"
	"github.com/connkit/connkit/sdk/tokens"
	"github.com/connkit/connkit/whitelist"
)

// param is one compiled name/template pair of a query, header or body map,
// kept in name order so requests are deterministic.
type param struct {
	name string
	tpl  *interp.Template
}

// compiler parses a manifest's templates once, when the connector is
// registered, and remembers the first error.
type compiler struct{ err error }

func (c *compiler) tpl(where string, t manifest.Template) *interp.Template {
	if t == "" {
		return nil
	}
	p, err := interp.Parse(string(t))
	if err != nil && c.err == nil {
		c.err = fmt.Errorf("%s: %w", where, err)
	}
	return p
}

func (c *compiler) params(where string, m map[string]manifest.Template) []param {
	if len(m) == 0 {
		return nil
	}
	out := make([]param, 0, len(m))
	for k, v := range m {
		out = append(out, param{k, c.tpl(where+"."+k, v)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// body compiles a request body: every string in it is a template.
func (c *compiler) body(where string, v any) any {
	switch v := v.(type) {
	case string:
		return c.tpl(where, manifest.Template(v))
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = c.body(where+"."+k, e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = c.body(fmt.Sprintf("%s.%d", where, i), e)
		}
		return out
	}
	return v
}

// request is a compiled declarative request (test call or action).
type request struct {
	method  string
	path    *interp.Template
	url     *interp.Template
	query   []param
	headers []param
	format  manifest.BodyFormat
	body    any
}

func (c *compiler) request(where string, r *manifest.Request) *request {
	method := r.Method
	if method == "" {
		method = "GET"
	}
	return &request{
		method:  method,
		path:    c.tpl(where+".path", r.Path),
		url:     c.tpl(where+".url", r.URL),
		query:   c.params(where+".query", r.Query),
		headers: c.params(where+".headers", r.Headers),
		format:  r.Format,
		body:    c.body(where+".body", r.Body),
	}
}

// endpoint is a compiled token, refresh, revoke or login API.
type endpoint struct {
	src          *manifest.Endpoint
	url          *interp.Template
	clientID     *interp.Template
	clientSecret *interp.Template
	scope        *interp.Template
	params       []param
	query        []param
	headers      []param
	mapping      tokens.Mapping
	retry        tokens.Retry
}

func (c *compiler) endpoint(where string, e *manifest.Endpoint, lifetime time.Duration, login bool) *endpoint {
	if e == nil {
		return nil
	}
	return &endpoint{
		src:          e,
		url:          c.tpl(where+".url", e.URL),
		clientID:     c.tpl(where+".client_id", e.ClientID),
		clientSecret: c.tpl(where+".client_secret", e.ClientSecret),
		scope:        c.tpl(where+".scope", e.Scope),
		params:       c.params(where+".params", e.Params),
		query:        c.params(where+".query", e.Query),
		headers:      c.params(where+".headers", e.Headers),
		mapping:      tokens.Mapping{Paths: e.Response, DefaultLifetime: lifetime, Login: login},
		retry:        tokens.RetryFrom(e.Retry),
	}
}

// method is one compiled auth method of a connector.
type method struct {
	key         string
	label       string
	auth        *manifest.Auth
	fields      *fieldSet
	applyHeader []param
	applyQuery  []param
	basicUser   *interp.Template
	basicPass   *interp.Template
	token       *endpoint
	refresh     *endpoint
	revoke      *endpoint
	authorize   *authorizeTpl
	renewBefore time.Duration
	renewStatus map[int]bool
	renewBody   []*regexp.Regexp
	// Set by Connector.guard: the whitelist policy, the guarded transport
	// and redirect rule of the method's connections, and the client of its
	// token, refresh and revoke APIs.
	policy        *whitelist.Policy
	base          http.RoundTripper
	checkRedirect func(*http.Request, []*http.Request) error
	tc            *tokens.Client
	// disc reads the issuer's metadata; nil without auth.issuer.
	disc *oauth.Discovery
}

// defaultBearer is the apply rule of OAuth 2.0 and login methods that give
// none.
var defaultBearer = map[string]manifest.Template{"Authorization": "Bearer {{ token.access_token }}"}

// usesToken reports whether the method obtains a token from an API.
func (m *method) usesToken() bool { return m.token != nil }

func (c *compiler) method(where, key, label string, shared, own []manifest.Field, a *manifest.Auth) *method {
	all := append(append([]manifest.Field(nil), shared...), own...)
	fs, err := compileFields(all)
	if err != nil && c.err == nil {
		c.err = fmt.Errorf("%s: %w", where, err)
	}
	lifetime := time.Duration(a.DefaultLifetime)
	login := a.Type == manifest.AuthLogin
	m := &method{key: key, label: label, auth: a, fields: fs,
		renewBefore: time.Duration(a.RenewBefore),
		renewStatus: map[int]bool{}}
	if m.renewBefore == 0 {
		m.renewBefore = tokens.DefaultRenewBefore
	}
	switch a.Type {
	case manifest.AuthOAuth2ClientCredentials, manifest.AuthOAuth2AuthorizationCode, manifest.AuthLogin:
		m.token = c.endpoint(where+".token", a.Token, lifetime, login)
		m.refresh = c.endpoint(where+".refresh", a.Refresh, lifetime, login)
	}
	m.revoke = c.endpoint(where+".revoke", a.Revoke, lifetime, login)
	m.authorize = c.authorize(where+".authorize", a.Authorize)
	apply := a.Apply
	if apply == nil && m.token != nil {
		apply = &manifest.Apply{Headers: defaultBearer}
	}
	if apply != nil {
		m.applyHeader = c.params(where+".apply.headers", apply.Headers)
		m.applyQuery = c.params(where+".apply.query", apply.Query)
	}
	if a.Type == manifest.AuthBasic && a.Basic != nil {
		m.basicUser = c.tpl(where+".basic.username", a.Basic.Username)
		m.basicPass = c.tpl(where+".basic.password", a.Basic.Password)
	}
	statuses := []int{401}
	if a.RenewOn != nil && len(a.RenewOn.Status) > 0 {
		statuses = a.RenewOn.Status
	}
	for _, s := range statuses {
		m.renewStatus[s] = true
	}
	if a.RenewOn != nil {
		for i, p := range a.RenewOn.Body {
			re, err := regexp.Compile(p)
			if err != nil && c.err == nil {
				c.err = fmt.Errorf("%s.renew_on.body[%d]: %w", where, i, err)
			}
			m.renewBody = append(m.renewBody, re)
		}
	}
	return m
}
