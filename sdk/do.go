package sdk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/go-resty/resty/v2"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/manifest/interp"
	"github.com/connkit/connkit/sdk/tokens"
)

// MaxResponseSize bounds the response bodies Do and Run read.
const MaxResponseSize = 32 << 20

// Request is an API request sent with Connection.Do.
type Request struct {
	// Method is the HTTP method (default GET).
	Method string
	// Path is resolved against the connector's base URL, keeping the base
	// URL's path ("/me" on "https://api.example/v2" is "/v2/me"). Exactly
	// one of Path and URL is set.
	Path string
	// URL is an absolute URL.
	URL string
	// Query parameters, merged over the URL's own and the defaults.
	Query url.Values
	// Header fields, merged over the defaults.
	Header http.Header
	// Body is sent as it is; it can be replayed when the token is renewed.
	Body []byte
}

// Response is an API response read in full.
type Response struct {
	// Status is the HTTP status code.
	Status int
	// Header holds the response headers.
	Header http.Header
	// Body is the response body.
	Body []byte
}

// JSON decodes the body as JSON into a generic value.
func (r *Response) JSON() (any, error) {
	var v any
	d := json.NewDecoder(bytes.NewReader(r.Body))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("the response body is not JSON: %w", err)
	}
	return v, nil
}

// Do sends an API request with the connection's policy and returns the
// response whatever its status; the error is for requests that got no
// response (blocked, network, token, timeout) or whose body exceeds
// MaxResponseSize. The manifest's http.timeout bounds the whole request.
func (conn *Connection) Do(ctx context.Context, req *Request) (*Response, error) {
	if req == nil {
		return nil, &Error{Kind: KindConfig, Err: errors.New("Do needs a request")}
	}
	tok, err := conn.token(ctx)
	if err != nil {
		return nil, classify(fmt.Errorf("obtain a token: %w", err))
	}
	target, err := conn.resolve(tok, req.Path, req.URL)
	if err != nil {
		return nil, err
	}
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	ctx, cancel := context.WithTimeout(ctx, conn.c.timeout)
	defer cancel()
	r := conn.resty().R().SetContext(ctx)
	if len(req.Query) > 0 {
		r.SetQueryParamsFromValues(req.Query)
	}
	for k, vs := range req.Header {
		// A Host field is sent as the request's host, which the whitelist
		// guard checks against the URL.
		r.Header[http.CanonicalHeaderKey(k)] = vs
	}
	// resty sets Accept to the Content-Type of a JSON or XML body when the
	// request has none, which would hide the defaults' Accept (merged later,
	// under the request's own fields): give the request the default's.
	if vs, ok := conn.defH["Accept"]; ok && r.Header.Get("Accept") == "" {
		r.Header["Accept"] = slices.Clone(vs)
	}
	if req.Body != nil {
		// resty sends a []byte body through a *bytes.Reader, so the request
		// has a GetBody and can be replayed when the token is renewed.
		r.SetBody(req.Body)
	}
	resp, err := r.Execute(method, target)
	if err != nil {
		return nil, classify(unwrapURL(err))
	}
	raw := resp.RawResponse
	defer raw.Body.Close()
	b, err := readBody(raw)
	if err != nil {
		return nil, classify(fmt.Errorf("read the response of %s %s: %w", method, safeURL(raw.Request.URL), err))
	}
	return &Response{Status: raw.StatusCode, Header: raw.Header, Body: b}, nil
}

// readBody reads a response body of at most MaxResponseSize bytes, in one
// allocation when the length is announced.
func readBody(resp *http.Response) ([]byte, error) {
	n := int64(512)
	if resp.ContentLength >= 0 && resp.ContentLength <= MaxResponseSize {
		n = resp.ContentLength + 1 // +1: reaching EOF needs no growth
	}
	b := make([]byte, 0, n)
	r := io.LimitReader(resp.Body, MaxResponseSize+1)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		k, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+k]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if len(b) > MaxResponseSize {
		return nil, ErrResponseTooLarge
	}
	return b, nil
}

// resty returns the connection's resty client, built on first use over the
// connection's own HTTP client: the same policy transport, redirect rule and
// cookie jar (no cookie ever crosses connections). resty's debug log and
// curl output stay off: the policy transport logs requests without their
// query or secrets.
func (conn *Connection) resty() *resty.Client {
	conn.rcOnce.Do(func() {
		conn.rc = resty.NewWithClient(conn.hc).
			SetLogger(restyLogger{conn.c.reg.log}).
			// Do reads the body itself, in one allocation when its length is
			// announced, and bounds it.
			SetDoNotParseResponse(true).
			SetHeader("User-Agent", "connkit")
	})
	return conn.rc
}

// ErrResponseTooLarge is returned by Do and Run for a response body larger
// than MaxResponseSize.
var ErrResponseTooLarge = errors.New("the response body is larger than 32 MiB (MaxResponseSize)")

// unwrapURL strips the *url.Error that net/http wraps around transport
// errors: its message quotes the whole URL, query included.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s %s: %w", ue.Op, redactURL(ue.URL), ue.Err)
	}
	return err
}

// redactURL drops the query, fragment and userinfo of a URL for messages.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return safeURL(u)
}

// resolve returns the absolute URL of a request: path against the base URL
// (rendered with tok, which may carry the API host), or url.
func (conn *Connection) resolve(tok *tokens.Token, path, abs string) (string, error) {
	switch {
	case path == "" && abs == "":
		return "", &Error{Kind: KindConfig, Err: errors.New("the request has neither a path nor a URL: set one")}
	case path != "" && abs != "":
		return "", &Error{Kind: KindConfig, Err: errors.New("the request has both a path and a URL: set one")}
	case abs != "":
		return abs, nil
	}
	if conn.c.baseURL == nil {
		return "", &Error{Kind: KindConfig, Err: errors.New("the connector has no base_url: give an absolute URL")}
	}
	cr, err := conn.credentials(tok)
	if err != nil {
		return "", err
	}
	if cr.baseErr != nil {
		return "", cr.baseErr
	}
	return joinURL(cr.base, path), nil
}

// send renders a declarative request with d and sends it.
func (conn *Connection) send(ctx context.Context, where string, rq *request, d interp.Data) (*Response, error) {
	var path, abs string
	var err error
	if rq.path != nil {
		if path, err = rq.path.RenderURL(d); err != nil {
			return nil, classify(fmt.Errorf("%s.path: %w", where, err))
		}
	} else if rq.url != nil {
		if abs, err = rq.url.RenderURL(d); err != nil {
			return nil, classify(fmt.Errorf("%s.url: %w", where, err))
		}
	}
	req := &Request{Method: rq.method, Path: path, URL: abs}
	for _, p := range rq.query {
		v, err := p.tpl.Render(d)
		if err != nil {
			var me *interp.MissingError
			if errors.As(err, &me) && me.Ref.Scope == "input" {
				continue // an optional input that was not given
			}
			return nil, classify(fmt.Errorf("%s.query.%s: %w", where, p.name, err))
		}
		if req.Query == nil {
			req.Query = url.Values{}
		}
		req.Query.Set(p.name, v)
	}
	for _, p := range rq.headers {
		v, err := p.tpl.RenderHeader(d)
		if err != nil {
			return nil, classify(fmt.Errorf("%s.headers.%s: %w", where, p.name, err))
		}
		if req.Header == nil {
			req.Header = http.Header{}
		}
		req.Header.Set(p.name, v)
	}
	if rq.body != nil {
		if req.Body, err = encodeBody(rq, d); err != nil {
			return nil, classify(fmt.Errorf("%s.body: %w", where, err))
		}
		if req.Header == nil {
			req.Header = http.Header{}
		}
		if req.Header.Get("Content-Type") == "" {
			ct := "application/json"
			if rq.format == manifest.FormatForm {
				ct = "application/x-www-form-urlencoded"
			}
			req.Header.Set("Content-Type", ct)
		}
	}
	return conn.Do(ctx, req)
}

// encodeBody renders a compiled body as JSON or as a form.
func encodeBody(rq *request, d interp.Data) ([]byte, error) {
	v, err := renderBody(rq.body, d)
	if err != nil {
		return nil, err
	}
	if rq.format != manifest.FormatForm {
		return json.Marshal(v)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("a form body must be a map of names to values")
	}
	form := url.Values{}
	for k, e := range obj {
		switch e := e.(type) {
		case string:
			form.Set(k, e)
		case nil:
		default:
			b, err := json.Marshal(e)
			if err != nil {
				return nil, err
			}
			form.Set(k, strings.Trim(string(b), `"`))
		}
	}
	return []byte(form.Encode()), nil
}

func renderBody(v any, d interp.Data) (any, error) {
	switch v := v.(type) {
	case *interp.Template:
		r, err := v.RenderValue(d)
		var me *interp.MissingError
		if errors.As(err, &me) && me.Ref.Scope == "input" {
			return nil, nil
		}
		if rv, ok := r.(interp.Revealer); ok {
			return rv.Reveal(), err
		}
		return r, err
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			r, err := renderBody(e, d)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			if r != nil {
				out[k] = r
			}
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(v))
		for i, e := range v {
			r, err := renderBody(e, d)
			if err != nil {
				return nil, fmt.Errorf("%d: %w", i, err)
			}
			out = append(out, r)
		}
		return out, nil
	}
	return v, nil
}

// verify runs the test call, checks its success rule and renders the label
// and identity.
func (conn *Connection) verify(ctx context.Context) error {
	c := conn.c
	d := conn.data(conn.Token())
	if c.test != nil {
		resp, err := conn.send(ctx, "test.request", c.test, d)
		if err != nil {
			return err
		}
		if err := checkExpect(c.expect, resp); err != nil {
			return &Error{Kind: KindTest, Err: err, Hint: testHint(resp.Status)}
		}
		if v, err := resp.JSON(); err == nil {
			d.Response = v
		}
	}
	// The label and identity are shown and stored in clear: they see no
	// secret field and no token, only the token's kept values.
	d.Fields = conn.m.fields.public(conn.fields)
	d.Token = nil
	if tok := conn.Token(); tok != nil && len(tok.Extra) > 0 {
		d.Token = make(map[string]any, len(tok.Extra))
		for k, v := range tok.Extra {
			d.Token[k] = v
		}
	}
	var err error
	conn.label = c.m.Name
	if c.label != nil {
		if conn.label, err = c.label.Render(d); err != nil {
			return &Error{Kind: KindTest, Err: fmt.Errorf("label: %w", err), Hint: "check the label template against the test call's response (secret fields and tokens cannot be used)"}
		}
	}
	if c.identity != nil {
		if conn.ident, err = c.identity.Render(d); err != nil {
			return &Error{Kind: KindTest, Err: fmt.Errorf("identity: %w", err), Hint: "check the identity template against the test call's response (secret fields and tokens cannot be used)"}
		}
	}
	return nil
}

func testHint(status int) string {
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return "the credentials were refused: check them, and the scopes the test call needs"
	case status == http.StatusNotFound:
		return "check the test call's path and the base URL"
	}
	return "check the test call against the provider's documentation"
}

// checkExpect applies a success rule: the status (any 2xx by default) and the
// response paths that must be present.
func checkExpect(e *manifest.Expect, resp *Response) error {
	var statuses []int
	if e != nil {
		statuses = e.Status
	}
	ok := resp.Status >= 200 && resp.Status < 300
	if len(statuses) > 0 {
		ok = false
		for _, s := range statuses {
			ok = ok || s == resp.Status
		}
	}
	if !ok {
		return fmt.Errorf("the test call answered status %d, want %s", resp.Status, statusList(statuses))
	}
	if e == nil || len(e.Present) == 0 {
		return nil
	}
	v, err := resp.JSON()
	if err != nil {
		return err
	}
	var missing []string
	for _, p := range e.Present {
		if _, found := lookupPath(v, p); !found {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("the test call's response lacks %s", strings.Join(missing, ", "))
	}
	return nil
}

func statusList(s []int) string {
	if len(s) == 0 {
		return "2xx"
	}
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = strconv.Itoa(v)
	}
	return strings.Join(parts, " or ")
}

// lookupPath finds a dot-separated path in a decoded JSON value; digits
// index lists.
func lookupPath(v any, path string) (any, bool) {
	for _, seg := range strings.Split(path, ".") {
		switch c := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = c[seg]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			v = c[i]
		default:
			return nil, false
		}
	}
	return v, v != nil
}

// Run runs a named action with its inputs and returns the response whatever
// its status.
func (conn *Connection) Run(ctx context.Context, name string, input map[string]any) (*Response, error) {
	a, ok := conn.c.actions[name]
	if !ok {
		return nil, &Error{Kind: KindAction, Err: fmt.Errorf("connector %s has no action %q", conn.c.m.ID, name),
			Hint: "use one of: " + strings.Join(conn.c.Actions(), ", ")}
	}
	in, err := checkInputs(a.inputs, input)
	if err != nil {
		return nil, &Error{Kind: KindAction, Err: fmt.Errorf("action %s: %w", name, err)}
	}
	tok, err := conn.token(ctx)
	if err != nil {
		return nil, classify(fmt.Errorf("obtain a token: %w", err))
	}
	d := conn.data(tok)
	d.Input = in
	return conn.send(ctx, "actions."+name, a.req, d)
}

// checkInputs types the inputs of an action, applies defaults and reports
// missing, unknown and mistyped ones together.
func checkInputs(decl []manifest.Input, input map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(decl))
	var problems []string
	known := map[string]bool{}
	for _, in := range decl {
		known[in.Key] = true
		v, given := input[in.Key]
		if !given || v == nil {
			if in.Default == "" {
				if in.Required {
					problems = append(problems, in.Key+" is required")
				}
				continue
			}
			v = string(in.Default)
		}
		tv, err := typeInput(in.Type, v)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", in.Key, err))
			continue
		}
		out[in.Key] = tv
	}
	var unknown []string
	for k := range input {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		problems = append(problems, k+" is not an input of this action")
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	return out, nil
}

func typeInput(t manifest.InputType, v any) (any, error) {
	switch t {
	case manifest.InputNumber:
		switch n := v.(type) {
		case int, int64:
			return n, nil
		case float64:
			if math.IsNaN(n) || math.IsInf(n, 0) {
				return nil, fmt.Errorf("%v is not a finite number", n)
			}
			return n, nil
		case json.Number:
			if _, ok := parseNumber(string(n)); !ok {
				return nil, fmt.Errorf("%q is not a number", string(n))
			}
			return n, nil
		case string:
			if _, ok := parseNumber(n); !ok {
				return nil, fmt.Errorf("%q is not a number", n)
			}
			return json.Number(strings.TrimSpace(n)), nil
		}
		return nil, fmt.Errorf("want a number, got %s", typeName(v))
	case manifest.InputBoolean:
		switch b := v.(type) {
		case bool:
			return b, nil
		case string:
			p, err := strconv.ParseBool(b)
			if err != nil {
				return nil, fmt.Errorf("%q is not a boolean", b)
			}
			return p, nil
		}
		return nil, fmt.Errorf("want a boolean, got %s", typeName(v))
	}
	switch s := v.(type) {
	case string:
		return s, nil
	case float64, int, int64, json.Number, bool:
		return fmt.Sprint(s), nil
	}
	return nil, fmt.Errorf("want a string, got %s", typeName(v))
}

// typeName names the JSON type of an input value for messages.
func typeName(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case float64, float32, int, int64, int32, json.Number:
		return "a number"
	}
	return fmt.Sprintf("a %T", v)
}
