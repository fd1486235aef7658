package tokens

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/sdk/secret"
)

// Param is one body parameter. Its value is a secret.Value because many
// are secrets (code, code_verifier, refresh_token, password); all print
// redacted.
type Param struct {
	// Name is the parameter name.
	Name string
	// Value is the parameter value.
	Value secret.Value
}

// Params are body parameters, sent in order (a name may repeat in a form
// body, as RFC 8707 resource does).
type Params []Param

// Retry bounds the attempts of one request.
type Retry struct {
	// Attempts is the total number of requests sent (zero means
	// DefaultAttempts; 1 means no retry).
	Attempts int
	// MaxWait is the longest wait between two attempts (zero means
	// DefaultMaxWait). A Retry-After longer than MaxWait ends the retries.
	MaxWait time.Duration
}

// The default retry bounds, those of a manifest without retry.
const (
	DefaultAttempts = 3
	DefaultMaxWait  = 60 * time.Second
)

// NoRetry sends a request once. Use it for requests that must never be
// repeated once sent, such as an authorization code exchange.
var NoRetry = Retry{Attempts: 1}

// RetryFrom returns the bounds a manifest endpoint's retry gives (nil means
// the defaults).
func RetryFrom(r *manifest.Retry) Retry {
	if r == nil {
		return Retry{}
	}
	return Retry{Attempts: r.Attempts, MaxWait: time.Duration(r.MaxWait)}
}

// attempts returns the number of attempts, at least 1.
func (r Retry) attempts() int {
	if r.Attempts <= 0 {
		return DefaultAttempts
	}
	return r.Attempts
}

// maxWait returns the longest wait between attempts.
func (r Retry) maxWait() time.Duration {
	if r.MaxWait <= 0 {
		return DefaultMaxWait
	}
	return r.MaxWait
}

// Request is a fully rendered token, refresh, login or revoke request:
// every template has been interpolated by the connection.
//
// Client authentication is explicit. ClientAuth basic sends an
// Authorization: Basic header built per RFC 6749 section 2.3.1 (client ID
// and secret form-encoded, then joined by a colon and base64-encoded) or,
// with BasicRaw, from the raw values; body sends client_id and
// client_secret as body parameters; none sends no secret (and client_id in
// the body if ClientID is set, as a public client does). The secret is
// never sent both ways and no style is ever tried after another.
type Request struct {
	// Method is the HTTP method (default POST). GET and DELETE requests
	// carry no body.
	Method string
	// URL is the absolute http(s) URL of the API.
	URL string
	// Query are extra query parameters, added to the URL's own. Never
	// secrets: URLs end up in server logs.
	Query url.Values
	// Headers are extra headers; their values may be secrets (a login
	// API's Basic header). An Accept header replaces the default
	// application/json.
	Headers map[string]secret.Value
	// ClientAuth is where the client credentials go: basic (the default
	// when empty), body or none.
	ClientAuth manifest.ClientAuth
	// BasicRaw builds the Basic header from the raw client ID and secret.
	BasicRaw bool
	// ClientID is the OAuth 2.0 client ID.
	ClientID string
	// ClientSecret is the OAuth 2.0 client secret.
	ClientSecret secret.Value
	// Format is the body encoding: form (the default when empty) or json
	// (a JSON object of strings).
	Format manifest.BodyFormat
	// GrantType is the grant_type parameter; empty sends none (a login or
	// revoke API).
	GrantType string
	// Scope is the space-separated scope requested.
	Scope string
	// IncludeScope sends Scope as the scope parameter when it is not
	// empty.
	IncludeScope bool
	// Params are further body parameters, after grant_type, the client
	// credentials and scope. They must not repeat those.
	Params Params
	// Retry bounds the attempts.
	Retry Retry
}

// prepared is a Request checked and encoded once, from which each attempt
// builds a fresh *http.Request.
type prepared struct {
	method  string
	url     string
	safeURL string
	header  http.Header
	body    []byte
	hasBody bool
	// contentType is a Content-Type header the request sets itself.
	contentType string
	known       []string
}

// methodHasBody lists the methods allowed and whether they carry a body.
var methodHasBody = map[string]bool{
	http.MethodPost: true, http.MethodPut: true, http.MethodPatch: true,
	http.MethodGet: false, http.MethodDelete: false,
}

// prepare checks r and encodes its URL, headers and body.
func (r *Request) prepare() (*prepared, error) {
	p := &prepared{method: strings.ToUpper(r.Method), header: http.Header{}}
	if p.method == "" {
		p.method = http.MethodPost
	}
	withBody, ok := methodHasBody[p.method]
	if !ok {
		return nil, fmt.Errorf("token request method %q is not one of GET, POST, PUT, PATCH, DELETE", r.Method)
	}
	if err := p.setURL(r.URL, r.Query); err != nil {
		return nil, err
	}
	params, err := r.bodyParams()
	if err != nil {
		return nil, fmt.Errorf("token request to %s: %w", p.safeURL, err)
	}
	p.known = append(p.known, r.ClientSecret.Reveal())
	for _, prm := range r.Params {
		p.known = append(p.known, prm.Value.Reveal())
	}
	if err := r.setHeaders(p); err != nil {
		return nil, fmt.Errorf("token request to %s: %w", p.safeURL, err)
	}
	switch {
	case !withBody && len(params) > 0:
		return nil, fmt.Errorf("token request to %s: a %s request carries no body, but it has parameters (%s): use POST, or move them to query", p.safeURL, p.method, paramNames(params))
	case !withBody:
		return p, nil
	}
	p.hasBody = true
	switch r.Format {
	case manifest.FormatForm, "":
		p.header.Set("Content-Type", "application/x-www-form-urlencoded")
		p.body = encodeForm(params)
	case manifest.FormatJSON:
		p.header.Set("Content-Type", "application/json")
		if p.body, err = encodeJSON(params); err != nil {
			return nil, fmt.Errorf("token request to %s: %w", p.safeURL, err)
		}
	default:
		return nil, fmt.Errorf("token request body format %q is not form or json", r.Format)
	}
	if p.contentType != "" {
		p.header.Set("Content-Type", p.contentType)
	}
	return p, nil
}

// setURL parses the URL, adds the query and keeps a form of it that is safe
// for error messages (no query, no user info).
func (p *prepared) setURL(raw string, query url.Values) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("token request URL must be an absolute http or https URL, such as https://login.example.com/oauth/token")
	}
	p.safeURL = u.Scheme + "://" + u.Host + u.EscapedPath()
	if u.User != nil {
		return fmt.Errorf("token request URL %s must not hold a user name or password: use client_auth", p.safeURL)
	}
	if len(query) > 0 {
		q := u.Query()
		for k, vs := range query {
			for _, v := range vs {
				q.Add(k, v)
			}
		}
		u.RawQuery = q.Encode()
	}
	u.Fragment = ""
	p.url = u.String()
	return nil
}

// bodyParams returns grant_type, the client credentials (for body and
// none), scope and Params, in that order, refusing Params that repeat what
// the request sets itself.
func (r *Request) bodyParams() (Params, error) {
	var own Params
	if r.GrantType != "" {
		own = append(own, Param{"grant_type", secret.New(r.GrantType)})
	}
	switch r.ClientAuth {
	case manifest.ClientAuthBasic, "":
		if r.ClientID == "" {
			return nil, fmt.Errorf("client_auth basic needs a client ID: set client_id, or use client_auth none")
		}
	case manifest.ClientAuthBody:
		if r.ClientID == "" {
			return nil, fmt.Errorf("client_auth body needs a client ID: set client_id, or use client_auth none")
		}
		own = append(own, Param{"client_id", secret.New(r.ClientID)})
		if !r.ClientSecret.IsZero() {
			own = append(own, Param{"client_secret", r.ClientSecret})
		}
	case manifest.ClientAuthNone:
		if !r.ClientSecret.IsZero() {
			return nil, fmt.Errorf("client_auth none, but a client secret is set: use client_auth basic or body to send it")
		}
		if r.ClientID != "" {
			own = append(own, Param{"client_id", secret.New(r.ClientID)})
		}
	default:
		return nil, fmt.Errorf("client_auth %q is not basic, body or none", r.ClientAuth)
	}
	if r.IncludeScope && r.Scope != "" {
		own = append(own, Param{"scope", secret.New(r.Scope)})
	}
	for _, prm := range r.Params {
		switch {
		case prm.Name == "":
			return nil, fmt.Errorf("a body parameter has an empty name")
		case slices.ContainsFunc(own, func(o Param) bool { return o.Name == prm.Name }):
			return nil, fmt.Errorf("body parameter %q is already set by the request (grant type, client credentials or scope): remove it from params", prm.Name)
		case (prm.Name == "client_secret" || prm.Name == "client_id") && (r.ClientAuth == manifest.ClientAuthBasic || r.ClientAuth == ""):
			return nil, fmt.Errorf("body parameter %q with client_auth basic would send the client credentials twice: remove it from params, or use client_auth body", prm.Name)
		}
	}
	return append(own, r.Params...), nil
}

// setHeaders sets Accept, the Basic header and the request's headers.
func (r *Request) setHeaders(p *prepared) error {
	p.header.Set("Accept", "application/json")
	if r.ClientAuth == manifest.ClientAuthBasic || r.ClientAuth == "" {
		id, sec := r.ClientID, r.ClientSecret.Reveal()
		if r.BasicRaw {
			if strings.Contains(id, ":") {
				return fmt.Errorf("the client ID holds a colon, which a raw Basic header cannot carry: turn basic_raw off")
			}
		} else {
			id, sec = url.QueryEscape(id), url.QueryEscape(sec)
		}
		cred := base64.StdEncoding.EncodeToString([]byte(id + ":" + sec))
		p.header.Set("Authorization", "Basic "+cred)
		p.known = append(p.known, sec, cred)
	}
	for k, v := range r.Headers {
		name := http.CanonicalHeaderKey(strings.TrimSpace(k))
		switch {
		case name == "" || strings.ContainsAny(name, " \t\r\n:"):
			return fmt.Errorf("header name %q is not valid", k)
		case strings.ContainsAny(v.Reveal(), "\r\n\x00"):
			return fmt.Errorf("header %s has a line break or NUL in its value", name)
		case name == "Authorization" && p.header.Get("Authorization") != "":
			return fmt.Errorf("header Authorization is set while client_auth basic sets it too: remove the header, or use client_auth body or none")
		case name == "Content-Type":
			p.contentType = v.Reveal() // replaces the format's type, with the body
			continue
		}
		p.header.Set(name, v.Reveal())
		p.known = append(p.known, v.Reveal())
	}
	return nil
}

// encodeForm encodes params as application/x-www-form-urlencoded, in
// order.
func encodeForm(params Params) []byte {
	var b strings.Builder
	for i, prm := range params {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(prm.Name))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(prm.Value.Reveal()))
	}
	return []byte(b.String())
}

// encodeJSON encodes params as a JSON object of strings, in order.
func encodeJSON(params Params) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	seen := make(map[string]bool, len(params))
	for i, prm := range params {
		if seen[prm.Name] {
			return nil, fmt.Errorf("body parameter %q is repeated, which a JSON body cannot carry: use format form", prm.Name)
		}
		seen[prm.Name] = true
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(prm.Name)
		v, _ := json.Marshal(prm.Value.Reveal())
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// paramNames lists parameter names for an error message.
func paramNames(params Params) string {
	names := make([]string, len(params))
	for i, prm := range params {
		names[i] = prm.Name
	}
	return strings.Join(names, ", ")
}

// newRequest builds one attempt's *http.Request.
func (p *prepared) newRequest(ctx context.Context) (*http.Request, error) {
	var body io.Reader = http.NoBody
	if p.hasBody {
		body = bytes.NewReader(p.body)
	}
	hr, err := http.NewRequestWithContext(ctx, p.method, p.url, body)
	if err != nil {
		return nil, fmt.Errorf("token request to %s: %w", p.safeURL, err)
	}
	hr.Header = p.header.Clone()
	return hr, nil
}
