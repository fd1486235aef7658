package tokens

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// MaxBodySize bounds the bytes read from a token response body.
const MaxBodySize = 1 << 20

// drainLimit bounds the bytes discarded from a body left unread, so that
// the connection can be reused without reading an unbounded stream.
const drainLimit = 64 << 10

// Response is a token endpoint's answer, read in full (at most
// MaxBodySize bytes). Its formatted output never shows the body or the
// headers, which hold tokens.
type Response struct {
	// Status is the HTTP status code.
	Status int
	// Header holds the response headers.
	Header http.Header
	// Body is the response body.
	Body []byte
	// SentAt is when the request that got this answer was sent; relative
	// expiries count from it.
	SentAt time.Time
	// RetryAfter is the wait the server asked for in a Retry-After header
	// (zero when absent).
	RetryAfter time.Duration
	// Attempts is the number of requests sent, this one included.
	Attempts int

	// known are the request's secrets, scrubbed from error texts.
	known []string
	// safeURL is the request URL without query, for error messages.
	safeURL string
}

// ReadResponse reads and closes an HTTP response's body (at most
// MaxBodySize bytes; a larger body is ErrResponseTooLarge) and returns it
// as a Response sent at sentAt.
func ReadResponse(hr *http.Response, sentAt time.Time) (*Response, error) {
	defer func() {
		_, _ = io.CopyN(io.Discard, hr.Body, drainLimit)
		_ = hr.Body.Close()
	}()
	body, err := io.ReadAll(io.LimitReader(hr.Body, MaxBodySize+1))
	if err != nil {
		return nil, fmt.Errorf("reading the token response body: %w", err)
	}
	if len(body) > MaxBodySize {
		return nil, ErrResponseTooLarge
	}
	return &Response{Status: hr.StatusCode, Header: hr.Header, Body: body, SentAt: sentAt}, nil
}

// String describes the response without its body or headers.
func (r Response) String() string {
	return fmt.Sprintf("tokens.Response{HTTP %d, %d-byte body %s}", r.Status, len(r.Body), redactedMark)
}

// Format writes String for every verb, so that no fmt directive prints the
// body or the headers.
func (r Response) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, r.String()) }

// Err returns nil for a 2xx answer and an *Error for any other: the
// RFC 6749 section 5.2 error in the body if there is one, else the status
// with a scrubbed snippet of the body, and a remediation hint. A 2xx answer
// may still carry an error; Parse checks for that.
func (r Response) Err() error {
	if r.Status >= 200 && r.Status < 300 {
		return nil
	}
	doc, _ := decode(&r)
	return r.errorFrom(doc)
}

// errorFrom builds the *Error of an answer that is not a token response.
func (r *Response) errorFrom(doc *document) *Error {
	sc := scrubber{known: r.known}
	e := &Error{Status: r.Status, RetryAfter: r.RetryAfter, Attempts: r.Attempts}
	html := doc.kind == kindHTML
	if code, desc, uri, ok := doc.rfcError(); ok {
		e.Code = sc.text(code)
		e.Description = sc.text(desc)
		e.URI = sc.uri(uri)
	} else if r.Status >= 300 && r.Status < 400 {
		e.Snippet = "redirect to " + sc.uri(r.Header.Get("Location"))
	} else if len(doc.body) > 0 {
		e.Snippet = sc.snippet(doc.body, html)
	}
	e.Hint = hint(r.Status, e.Code, html, r.RetryAfter)
	return e
}

// uri returns an absolute http(s) URL without user info, query or fragment,
// scrubbed; anything else is dropped.
func (sc scrubber) uri(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return sc.text(u.Scheme + "://" + u.Host + u.EscapedPath())
}

// ParseRetryAfter reads a Retry-After header value, given as delay-seconds
// or as an HTTP-date (RFC 9110 section 10.2.3), as a wait from now. A date
// in the past is a zero wait. It reports false for an empty or malformed
// value.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if v[0] >= '0' && v[0] <= '9' {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n > int64(maxSeconds) {
			return 0, false
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}
