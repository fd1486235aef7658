package sdk

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/connkit/connkit/sdk/tokens"
)

// renewSniff is how much of a response's body is read to match the
// manifest's renew_on.body patterns.
const renewSniff = 64 << 10

// authTransport applies a connection's defaults and credentials to every
// request and renews the token once when a response says it is no longer
// valid. The whitelist is enforced by next.
type authTransport struct {
	conn *Connection
	next http.RoundTripper
}

// RoundTrip implements http.RoundTripper. It never changes the caller's
// request: it sends a copy.
func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	conn := t.conn
	if !sameOrigin(req) {
		// A redirect that left the original host gets no credentials (the
		// client's CheckRedirect has dropped the caller's own), only the
		// defaults.
		out, _ := conn.decorate(req, nil, false)
		return t.next.RoundTrip(out)
	}
	tok, err := conn.token(req.Context())
	if err != nil {
		closeBody(req)
		return nil, fmt.Errorf("obtain a token: %w", err)
	}
	out, err := conn.decorate(req, tok, true)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	resp, err := t.next.RoundTrip(out)
	if err != nil || tok == nil || !conn.m.renews(resp) {
		return resp, err
	}
	// The token was refused: renew once and retry once, if the body can be
	// sent again. The retried answer is final, whatever it says.
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return resp, nil
	}
	conn.source.Invalidate(tok)
	fresh, err := conn.token(req.Context())
	if err != nil || fresh == tok {
		// Renewal failed: the caller gets the original answer.
		conn.c.reg.log.LogAttrs(req.Context(), levelWarn, "token renewal after a refused request failed",
			attrConnector(conn), attrErr(err))
		return resp, nil
	}
	drain(resp)
	retry, err := conn.decorate(req, fresh, true)
	if err != nil {
		return nil, err
	}
	if req.GetBody != nil {
		if retry.Body, err = req.GetBody(); err != nil {
			return nil, fmt.Errorf("replay the request body: %w", err)
		}
	}
	return t.next.RoundTrip(retry)
}

// credentials are a connection's auth.apply headers and query parameters
// rendered for one token (or once, for a method without tokens), so that
// requests reuse them instead of rendering templates each time.
type credentials struct {
	tok    *tokens.Token
	header []headerValue
	query  url.Values
	// base is the base URL rendered with the token (empty when the
	// connector has none); baseErr is why it could not be.
	base    string
	baseErr error
}

// headerValue is one rendered header: a canonical name and a one-element
// value slice, shared read-only by every request that carries it.
type headerValue struct {
	name  string
	value []string
}

// credentials returns the rendered credentials for tok, from the cache
// when tok is the token they were rendered for.
func (conn *Connection) credentials(tok *tokens.Token) (*credentials, error) {
	if cr := conn.creds.Load(); cr != nil && cr.tok == tok {
		return cr, nil
	}
	cr, err := conn.render(tok)
	if err != nil {
		return nil, err
	}
	conn.creds.Store(cr)
	return cr, nil
}

// render renders the apply rules and the base URL for tok.
func (conn *Connection) render(tok *tokens.Token) (*credentials, error) {
	m := conn.m
	d := conn.data(tok)
	cr := &credentials{tok: tok}
	for _, p := range m.applyHeader {
		v, err := p.tpl.RenderHeader(d)
		if err != nil {
			return nil, classify(fmt.Errorf("auth.apply.headers.%s: %w", p.name, err))
		}
		cr.header = append(cr.header, headerValue{http.CanonicalHeaderKey(p.name), []string{v}})
	}
	if m.basicUser != nil {
		user, err := m.basicUser.RenderHeader(d)
		if err != nil {
			return nil, classify(fmt.Errorf("auth.basic.username: %w", err))
		}
		pass, err := m.basicPass.RenderHeader(d)
		if err != nil {
			return nil, classify(fmt.Errorf("auth.basic.password: %w", err))
		}
		if strings.Contains(user, ":") {
			return nil, &Error{Kind: KindInvalidValues, Err: errors.New("auth.basic.username: the user name contains a colon, which HTTP Basic authentication cannot carry (RFC 7617)"),
				Hint: "check the user name field"}
		}
		cr.header = append(cr.header, headerValue{"Authorization",
			[]string{"Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))}})
	}
	if len(m.applyQuery) > 0 {
		cr.query = make(url.Values, len(m.applyQuery))
		for _, p := range m.applyQuery {
			v, err := p.tpl.Render(d)
			if err != nil {
				return nil, classify(fmt.Errorf("auth.apply.query.%s: %w", p.name, err))
			}
			cr.query.Set(p.name, v)
		}
	}
	if conn.c.baseURL != nil {
		var err error
		if cr.base, err = conn.c.baseURL.RenderURL(d); err != nil {
			cr.baseErr = classify(fmt.Errorf("base_url: %w", err))
		}
	}
	return cr, nil
}

// sameOrigin reports whether req is not a redirect, or a redirect whose
// chain has stayed on the scheme, host and port of its first request.
func sameOrigin(req *http.Request) bool {
	for r := req; r.Response != nil && r.Response.Request != nil; {
		r = r.Response.Request
		if r.URL.Scheme != req.URL.Scheme || !strings.EqualFold(r.URL.Host, req.URL.Host) {
			return false
		}
	}
	return true
}

// noCredentials are the credentials of a request that must carry none.
var noCredentials = &credentials{}

// decorate returns a copy of req with the defaults merged (the request's
// own values win) and, with apply, the credentials for tok. Like
// golang.org/x/oauth2's Transport it copies the request shallowly and
// clones only what it changes: the header and, when it adds query
// parameters, the URL.
func (conn *Connection) decorate(req *http.Request, tok *tokens.Token, apply bool) (*http.Request, error) {
	cr := noCredentials
	if apply {
		var err error
		if cr, err = conn.credentials(tok); err != nil {
			return nil, err
		}
	}
	out := new(http.Request)
	*out = *req
	out.Header = cloneHeader(req.Header, len(conn.defH)+len(cr.header))
	for k, vs := range conn.defH {
		if _, ok := out.Header[k]; !ok {
			out.Header[k] = vs
		}
	}
	for _, h := range cr.header {
		out.Header[h.name] = h.value
	}
	if len(conn.defQ) > 0 || len(cr.query) > 0 {
		u := *req.URL
		out.URL = &u
		q := u.Query()
		for k, vs := range conn.defQ {
			if _, ok := q[k]; !ok {
				q[k] = vs
			}
		}
		for k, vs := range cr.query {
			q[k] = vs
		}
		u.RawQuery = q.Encode()
	}
	return out, nil
}

// cloneHeader copies h into a header with room for extra more names. The
// values share one backing array, as http.Header.Clone does, with each
// slice capped so that appending to one never writes into the next.
func cloneHeader(h http.Header, extra int) http.Header {
	n := 0
	for _, vs := range h {
		n += len(vs)
	}
	out := make(http.Header, len(h)+extra)
	if n == 0 {
		for k := range h {
			out[k] = nil
		}
		return out
	}
	all := make([]string, n)
	for k, vs := range h {
		if vs == nil {
			out[k] = nil
			continue
		}
		c := copy(all, vs)
		out[k] = all[:c:c]
		all = all[c:]
	}
	return out
}

// renews reports whether resp says the token must be renewed: a status of
// renew_on.status, or a body matching a renew_on.body pattern (whatever
// the status: some APIs answer an expired session with 200 and an error
// body). The body stays readable.
func (m *method) renews(resp *http.Response) bool {
	if m.renewStatus[resp.StatusCode] {
		return true
	}
	if len(m.renewBody) == 0 || resp.Body == nil || resp.Body == http.NoBody {
		return false
	}
	head, err := io.ReadAll(io.LimitReader(resp.Body, renewSniff))
	resp.Body = readCloser{io.MultiReader(bytes.NewReader(head), resp.Body), resp.Body}
	if err != nil {
		return false
	}
	for _, re := range m.renewBody {
		if re.Match(head) {
			return true
		}
	}
	return false
}

type readCloser struct {
	io.Reader
	io.Closer
}

// drain reads a bounded rest of a response body and closes it, so that the
// connection can be reused.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, renewSniff))
	_ = resp.Body.Close()
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}
