package tokens

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/sdk/secret"
)

// Mapping says how to read a token response.
type Mapping struct {
	// Paths maps the token's values to paths in the response; nil or empty
	// entries mean the RFC 6749 section 5.1 names.
	Paths *manifest.TokenResponse
	// DefaultLifetime is the lifetime of a token whose response gives none,
	// zero or a negative one (zero means DefaultLifetime).
	DefaultLifetime time.Duration
	// Login marks a custom login API: its token_type, if any, is kept as it
	// is instead of being required to be Bearer.
	Login bool
}

// DefaultLifetime is the lifetime assumed for a token whose response states
// none: a token is never taken as valid forever.
const DefaultLifetime = time.Hour

// maxSeconds is the largest number of seconds a time.Duration holds.
const maxSeconds = math.MaxInt64 / int64(time.Second)

// Parse reads a token response: for a 2xx answer, the access token, refresh
// token, token type, scope, expiry and kept values at the paths of m; for
// any other answer, or a 2xx answer whose body has an "error" member, an
// *Error. Relative expiries count from r.SentAt.
//
// Errors are *Error (the server refused or answered something else),
// *MissingValueError (no access token at its path),
// *UnsupportedTokenTypeError (a token type other than Bearer) and
// *InvalidValueError (a value of the wrong kind); none holds a secret.
func Parse(r *Response, m Mapping) (*Token, error) {
	doc, derr := decode(r)
	if r.Status < 200 || r.Status >= 300 || doc.hasError() {
		return nil, r.errorFrom(doc)
	}
	p := paths(m.Paths)
	// A body that is not a token response is an error unless the token
	// comes from a header (a login API may answer with any body).
	if !strings.HasPrefix(p.AccessToken, "header:") {
		switch {
		case derr != nil:
			return nil, derr
		case doc.kind == kindHTML || doc.kind == kindOther:
			e := r.errorFrom(doc)
			if doc.kind == kindOther {
				e.Hint = "the answer is neither JSON nor form-encoded: check the token URL; " + e.Hint
			}
			return nil, e
		}
	}
	t := &Token{IssuedAt: r.SentAt}
	var err error
	if t.AccessToken, err = doc.secret("access_token", p.AccessToken, true); err != nil {
		return nil, err
	}
	if t.RefreshToken, err = doc.secret("refresh_token", p.RefreshToken, false); err != nil {
		return nil, err
	}
	if t.TokenType, err = doc.tokenType(p.TokenType, m.Login); err != nil {
		return nil, err
	}
	if t.Scope, err = doc.scope(p.Scope); err != nil {
		return nil, err
	}
	lifetime := m.DefaultLifetime
	if lifetime <= 0 {
		lifetime = DefaultLifetime
	}
	if t.Expiry, err = doc.expiry(p.ExpiresIn, p.ExpiryFormat, r.SentAt, lifetime); err != nil {
		return nil, err
	}
	for _, name := range slices.Sorted(maps.Keys(p.Keep)) {
		v, err := doc.text("keep."+name, p.Keep[name])
		if err != nil {
			return nil, err
		}
		if v != "" {
			if t.Extra == nil {
				t.Extra = make(map[string]string, len(p.Keep))
			}
			t.Extra[name] = v
		}
	}
	return t, nil
}

// paths returns m with every empty path set to its RFC 6749 default.
func paths(m *manifest.TokenResponse) manifest.TokenResponse {
	var p manifest.TokenResponse
	if m != nil {
		p = *m
	}
	for _, f := range []struct {
		v   *string
		def string
	}{
		{&p.AccessToken, "access_token"}, {&p.RefreshToken, "refresh_token"},
		{&p.TokenType, "token_type"}, {&p.Scope, "scope"}, {&p.ExpiresIn, "expires_in"},
	} {
		if *f.v == "" {
			*f.v = f.def
		}
	}
	if p.ExpiryFormat == "" {
		p.ExpiryFormat = manifest.ExpirySeconds
	}
	return p
}

// docKind is how a response body is encoded.
type docKind int

// The body kinds.
const (
	kindEmpty docKind = iota
	kindJSON
	kindForm
	kindHTML
	kindOther
)

// document is a decoded response: its body as JSON or form values, and its
// headers for header: paths.
type document struct {
	kind   docKind
	body   []byte
	json   any
	form   url.Values
	header http.Header
}

// decode sniffs and decodes a response body: JSON when it starts with { or
// [ (whatever the Content-Type says, since providers mislabel it), HTML
// when it starts with < or says text/html, form-encoded when it says so or
// looks like key=value pairs. The error reports JSON that does not parse;
// the document is usable for an error answer even then.
func decode(r *Response) (*document, error) {
	body := bytes.TrimSpace(bytes.TrimPrefix(r.Body, []byte("\xef\xbb\xbf")))
	doc := &document{kind: kindOther, body: body, header: r.Header}
	media, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case len(body) == 0:
		doc.kind = kindEmpty
	case body[0] == '{' || body[0] == '[':
		d := json.NewDecoder(bytes.NewReader(body))
		d.UseNumber()
		if err := d.Decode(&doc.json); err != nil {
			return doc, fmt.Errorf("token response is not valid JSON (%s): check that the URL is the token API", jsonProblem(err))
		}
		if d.More() {
			return doc, fmt.Errorf("token response has data after its JSON value: check that the URL is the token API")
		}
		doc.kind = kindJSON
	case body[0] == '<' || media == "text/html":
		doc.kind = kindHTML
	case media == "application/x-www-form-urlencoded" || (!strings.Contains(media, "json") && bytes.IndexByte(body, '=') > 0):
		form, err := url.ParseQuery(string(body))
		if err == nil {
			doc.kind, doc.form = kindForm, form
		}
	}
	return doc, nil
}

// jsonProblem describes a JSON decoding error by its position only: the
// decoder's own messages may quote the body.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Sprintf("syntax error at byte %d", syn.Offset)
	}
	return "unexpected end or type"
}

// hasError reports whether a body carries an "error" member that is not
// empty (null, false, "", 0, {} and [] are empty): such a body is an error
// answer even with status 200.
func (d *document) hasError() bool {
	switch d.kind {
	case kindForm:
		return d.form.Get("error") != ""
	case kindJSON:
		obj, _ := d.json.(map[string]any)
		switch e := obj["error"].(type) {
		case nil:
			return false
		case bool:
			return e
		case string:
			return e != ""
		case json.Number:
			return e.String() != "0"
		case map[string]any:
			return len(e) > 0
		case []any:
			return len(e) > 0
		}
	}
	return false
}

// rfcError returns the RFC 6749 section 5.2 members of an error body whose
// "error" member is a string.
func (d *document) rfcError() (code, desc, uri string, ok bool) {
	switch d.kind {
	case kindForm:
		code, desc, uri = d.form.Get("error"), d.form.Get("error_description"), d.form.Get("error_uri")
	case kindJSON:
		obj, _ := d.json.(map[string]any)
		code, _ = obj["error"].(string)
		desc, _ = obj["error_description"].(string)
		uri, _ = obj["error_uri"].(string)
	}
	return code, desc, uri, code != ""
}

// lookup returns the value at a path: header:NAME, or dot-separated keys
// with optional [N] array indices (a bare number also indexes an array).
// A JSON null and an empty header count as absent.
func (d *document) lookup(field, path string) (any, bool, error) {
	if name, ok := strings.CutPrefix(path, "header:"); ok {
		v := d.header.Get(strings.TrimSpace(name))
		return v, v != "", nil
	}
	steps, err := parsePath(path)
	if err != nil {
		return nil, false, fmt.Errorf("response.%s path %q: %w", field, path, err)
	}
	var cur any
	switch d.kind {
	case kindJSON:
		cur = d.json
	case kindForm:
		if len(steps) != 1 || steps[0].index >= 0 {
			return nil, false, nil
		}
		v := d.form.Get(steps[0].key)
		return v, v != "", nil
	default:
		return nil, false, nil
	}
	for _, s := range steps {
		if s.key != "" {
			cur = child(cur, s.key)
		}
		if s.index >= 0 {
			arr, _ := cur.([]any)
			if s.index >= len(arr) {
				return nil, false, nil
			}
			cur = arr[s.index]
		}
	}
	return cur, cur != nil, nil
}

// child returns an object's member, or an array's element when key is a
// number; nil when there is none.
func child(v any, key string) any {
	switch v := v.(type) {
	case map[string]any:
		return v[key]
	case []any:
		if i, err := strconv.Atoi(key); err == nil && i >= 0 && i < len(v) {
			return v[i]
		}
	}
	return nil
}

// step is one part of a path: a key, an array index (-1 for none), or a
// key followed by an index.
type step struct {
	key   string
	index int
}

// parsePath splits a path such as data.tokens[0].value into steps.
func parsePath(path string) ([]step, error) {
	if path == "" {
		return nil, fmt.Errorf("empty path")
	}
	var steps []step
	for _, seg := range strings.Split(path, ".") {
		key, rest, _ := strings.Cut(seg, "[")
		if key == "" && rest == "" {
			return nil, fmt.Errorf("empty key between dots: write keys like data.token")
		}
		if rest == "" {
			steps = append(steps, step{key: key, index: -1})
			continue
		}
		first := true
		for _, idx := range strings.Split("["+rest, "[")[1:] {
			n, err := strconv.Atoi(strings.TrimSuffix(idx, "]"))
			if !strings.HasSuffix(idx, "]") || err != nil || n < 0 {
				return nil, fmt.Errorf("bad array index %q: write [0], [1], ...", "["+idx)
			}
			if first {
				steps = append(steps, step{key: key, index: n})
				first = false
			} else {
				steps = append(steps, step{index: n})
			}
		}
	}
	return steps, nil
}

// text returns the scalar at path as a string ("" when absent): a string,
// a number's literal text or a boolean.
func (d *document) text(field, path string) (string, error) {
	v, ok, err := d.lookup(field, path)
	if err != nil || !ok {
		return "", err
	}
	switch v := v.(type) {
	case string:
		return v, nil
	case json.Number:
		return v.String(), nil
	case bool:
		return strconv.FormatBool(v), nil
	default:
		return "", &InvalidValueError{Field: field, Path: path, Problem: "is " + kindName(v) + ", want a string"}
	}
}

// kindName names a JSON value's kind for an error message.
func kindName(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	default:
		return "a string"
	}
}

// secret returns the token at path; a required one must be present and
// non-empty.
func (d *document) secret(field, path string, required bool) (secret.Value, error) {
	v, err := d.text(field, path)
	if err != nil {
		return secret.Value{}, err
	}
	if v == "" && required {
		return secret.Value{}, &MissingValueError{Field: field, Path: path}
	}
	return secret.New(v), nil
}

// tokenType returns the canonical token type: "Bearer" for bearer in any
// case, or when the response gives none. Any other type is refused, except
// from a login API, whose type is kept as sent.
func (d *document) tokenType(path string, login bool) (string, error) {
	v, err := d.text("token_type", path)
	switch {
	case err != nil:
		return "", err
	case strings.EqualFold(v, "bearer"):
		return "Bearer", nil
	case login:
		return v, nil
	case v == "":
		return "Bearer", nil
	default:
		return "", &UnsupportedTokenTypeError{Type: scrubber{}.text(v), Path: path}
	}
}

// scope returns the granted scope; an array of scopes is joined with
// spaces.
func (d *document) scope(path string) (string, error) {
	v, ok, err := d.lookup("scope", path)
	if arr, isArr := v.([]any); ok && err == nil && isArr {
		parts := make([]string, 0, len(arr))
		for _, e := range arr {
			s, isStr := e.(string)
			if !isStr {
				return "", &InvalidValueError{Field: "scope", Path: path, Problem: "is an array holding " + kindName(e) + ", want strings"}
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, " "), nil
	}
	return d.text("scope", path)
}

// expiry returns when the token expires: the value at path read in format,
// or sentAt+def when the response gives no lifetime or one that is zero or
// negative.
func (d *document) expiry(path string, format manifest.ExpiryFormat, sentAt time.Time, def time.Duration) (time.Time, error) {
	v, ok, err := d.lookup("expires_in", path)
	if err != nil {
		return time.Time{}, err
	}
	if !ok {
		return sentAt.Add(def), nil
	}
	invalid := func(problem string) error {
		return &InvalidValueError{Field: "expires_in", Path: path, Problem: problem}
	}
	var at time.Time
	switch format {
	case manifest.ExpiryRFC3339:
		s, isStr := v.(string)
		if !isStr {
			return time.Time{}, invalid("is " + kindName(v) + ", want an RFC 3339 time such as 2025-01-02T15:04:05Z")
		}
		if at, err = time.Parse(time.RFC3339Nano, strings.TrimSpace(s)); err != nil {
			return time.Time{}, invalid("is not an RFC 3339 time such as 2025-01-02T15:04:05Z")
		}
	case manifest.ExpirySeconds, manifest.ExpiryMilliseconds, manifest.ExpiryUnix, manifest.ExpiryUnixMillis:
		n, ok := number(v)
		if !ok {
			return time.Time{}, invalid("is " + kindName(v) + " that is not a decimal number, want " + string(format))
		}
		unit := time.Second
		if format == manifest.ExpiryMilliseconds || format == manifest.ExpiryUnixMillis {
			unit = time.Millisecond
		}
		if math.Abs(n) >= float64(math.MaxInt64)/float64(unit) {
			return time.Time{}, invalid("is too large for " + string(format))
		}
		d := time.Duration(n * float64(unit))
		if format == manifest.ExpiryUnix || format == manifest.ExpiryUnixMillis {
			at = time.Unix(0, 0).Add(d)
		} else {
			at = sentAt.Add(d)
		}
	default:
		return time.Time{}, fmt.Errorf("response.expiry_format %q is not one of seconds, milliseconds, unix, unix_ms, rfc3339", format)
	}
	if !at.After(sentAt) {
		return sentAt.Add(def), nil
	}
	return at, nil
}

// number reads a JSON number or a string holding a decimal number (such as
// "3600" or "3600.0").
func number(v any) (float64, bool) {
	var s string
	switch v := v.(type) {
	case json.Number:
		s = v.String()
	case string:
		s = strings.TrimSpace(v)
	default:
		return 0, false
	}
	if !decimal(s) {
		return 0, false
	}
	n, err := strconv.ParseFloat(s, 64)
	return n, err == nil
}

// decimal reports whether s is a decimal number as JSON writes them, with
// an optional sign: no hex, no Inf or NaN, no underscores.
func decimal(s string) bool {
	sign := func() {
		if s != "" && (s[0] == '+' || s[0] == '-') {
			s = s[1:]
		}
	}
	digits := func() int {
		n := 0
		for n < len(s) && s[n] >= '0' && s[n] <= '9' {
			n++
		}
		s = s[n:]
		return n
	}
	sign()
	if digits() == 0 {
		return false
	}
	if strings.HasPrefix(s, ".") {
		s = s[1:]
		if digits() == 0 {
			return false
		}
	}
	if s != "" && (s[0] == 'e' || s[0] == 'E') {
		s = s[1:]
		sign()
		if digits() == 0 {
			return false
		}
	}
	return s == ""
}
