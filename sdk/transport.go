package sdk

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"

	"github.com/connkit/connkit/sdk/tokens"
)

// renewSniff is how much of an error response's body is read to match the
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
// request: it sends a clone.
func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	conn := t.conn
	tok, err := conn.token(req.Context())
	if err != nil {
		closeBody(req)
		return nil, fmt.Errorf("obtain a token: %w", err)
	}
	out, err := conn.decorate(req, tok)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	resp, err := t.next.RoundTrip(out)
	if err != nil || tok == nil || !conn.m.renews(resp) {
		return resp, err
	}
	// The token was refused: renew once and retry once, if the body can be
	// sent again.
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return resp, nil
	}
	conn.source.Invalidate(tok)
	fresh, err := conn.token(req.Context())
	if err != nil || fresh == tok {
		// Renewal failed: the caller gets the original answer.
		return resp, nil
	}
	drain(resp)
	retry, err := conn.decorate(req, fresh)
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

// decorate returns a clone of req with the defaults merged (the request's
// own values win) and the credentials applied.
func (conn *Connection) decorate(req *http.Request, tok *tokens.Token) (*http.Request, error) {
	out := req.Clone(req.Context())
	for k, vs := range conn.defH {
		if _, ok := out.Header[k]; !ok {
			out.Header[k] = vs
		}
	}
	m := conn.m
	if len(conn.defQ) == 0 && len(m.applyQuery) == 0 && len(m.applyHeader) == 0 && m.basicUser == nil {
		return out, nil
	}
	d := conn.data(tok)
	if len(conn.defQ) > 0 || len(m.applyQuery) > 0 {
		q := out.URL.Query()
		for k, vs := range conn.defQ {
			if _, ok := q[k]; !ok {
				q[k] = vs
			}
		}
		for _, p := range m.applyQuery {
			v, err := p.tpl.Render(d)
			if err != nil {
				return nil, classify(fmt.Errorf("auth.apply.query.%s: %w", p.name, err))
			}
			q.Set(p.name, v)
		}
		out.URL.RawQuery = q.Encode()
	}
	for _, p := range m.applyHeader {
		v, err := p.tpl.RenderHeader(d)
		if err != nil {
			return nil, classify(fmt.Errorf("auth.apply.headers.%s: %w", p.name, err))
		}
		out.Header.Set(p.name, v)
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
		out.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+pass)))
	}
	return out, nil
}

// renews reports whether resp says the token must be renewed: a status of
// renew_on.status, or an error body matching a renew_on.body pattern. The
// body stays readable.
func (m *method) renews(resp *http.Response) bool {
	if m.renewStatus[resp.StatusCode] {
		return true
	}
	if len(m.renewBody) == 0 || resp.StatusCode < 400 || resp.Body == nil {
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
