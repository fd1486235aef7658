package tokens

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Error codes of RFC 6749 section 5.2 and the common extensions that have a
// hint of their own. Error.Code holds whatever the server sent.
const (
	CodeInvalidRequest         = "invalid_request"
	CodeInvalidClient          = "invalid_client"
	CodeInvalidGrant           = "invalid_grant"
	CodeUnauthorizedClient     = "unauthorized_client"
	CodeUnsupportedGrantType   = "unsupported_grant_type"
	CodeInvalidScope           = "invalid_scope"
	CodeRedirectURIMismatch    = "redirect_uri_mismatch"
	CodeAccessDenied           = "access_denied"
	CodeServerError            = "server_error"
	CodeTemporarilyUnavailable = "temporarily_unavailable"
)

// Error is a token endpoint's refusal or an answer that is not a token
// response: an RFC 6749 section 5.2 error (also when it comes with status
// 200), an HTTP error status, a redirect, an HTML page or an unreadable body.
// Its fields never hold a secret: Description, URI and Snippet are scrubbed
// of anything that looks like a token and capped in length.
type Error struct {
	// Status is the HTTP status of the answer.
	Status int `json:"status"`
	// Code is the RFC 6749 error code, such as invalid_client; empty when
	// the body was not an RFC 6749 error.
	Code string `json:"code,omitempty"`
	// Description is the server's error_description.
	Description string `json:"description,omitempty"`
	// URI is the server's error_uri, without query or fragment.
	URI string `json:"uri,omitempty"`
	// Snippet is the start of a body that is not an RFC 6749 error (or the
	// title of an HTML page), for diagnosis.
	Snippet string `json:"snippet,omitempty"`
	// Hint says what to check or do next.
	Hint string `json:"hint,omitempty"`
	// RetryAfter is the wait the server asked for with Retry-After, if any.
	RetryAfter time.Duration `json:"retry_after,omitempty"`
	// Attempts is the number of requests sent before giving up.
	Attempts int `json:"attempts,omitempty"`
}

// Error returns one line: the status, the code, the description, the
// snippet, the number of attempts and the hint.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("token endpoint answered HTTP ")
	b.WriteString(strconv.Itoa(e.Status))
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Description != "" {
		b.WriteString(": " + strconv.Quote(e.Description))
	}
	if e.URI != "" {
		b.WriteString(" (see " + e.URI + ")")
	}
	if e.Snippet != "" {
		b.WriteString(": body " + strconv.Quote(e.Snippet))
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts)", e.Attempts)
	}
	if e.Hint != "" {
		b.WriteString("; " + e.Hint)
	}
	return b.String()
}

// codeHints are the remediation hints of error codes.
var codeHints = map[string]string{
	CodeInvalidRequest:       "the provider found the request malformed: check the grant type, the extra params and the body format (form or json) against its docs",
	CodeInvalidClient:        "check the client ID, the client secret and the token URL, and the client_auth style (basic sends an Authorization header, body sends form parameters; the provider's docs say which)",
	CodeInvalidGrant:         "the authorization code or refresh token is expired, revoked or already used, or the redirect URL differs from the one used to authorize: re-authorize the connection",
	CodeUnauthorizedClient:   "this client may not use this grant type: enable the grant for the app in the provider's developer console",
	CodeUnsupportedGrantType: "the token URL does not accept this grant_type: check the grant type and the token URL against the provider's docs",
	CodeInvalidScope:         "check the requested scope against the provider's docs (names are case-sensitive, separated by spaces) and the scopes enabled for the app",
	CodeRedirectURIMismatch:  "the redirect URL must match the one registered at the provider exactly (scheme, host, port, path and trailing slash)",
	CodeAccessDenied:         "the user or the provider denied access: authorize again and grant the requested scope",
}

// statusHint is the hint of an answer that carries no error code.
func statusHint(status int, html bool) string {
	switch {
	case status == http.StatusTooManyRequests:
		return "the provider is rate limiting token requests: retry later"
	case status >= 500:
		return "the provider's token API failed: retry later"
	case html:
		return "the answer is an HTML page, not a token response: the token URL is probably wrong (it points to a web page rather than to the token API)"
	case status >= 300 && status < 400:
		return "the token URL redirects and token requests never follow redirects: use the final URL"
	case status == http.StatusUnauthorized:
		return codeHints[CodeInvalidClient]
	case status == http.StatusForbidden:
		return "the provider refused the request: check the app's permissions and the token URL"
	case status == http.StatusNotFound:
		return "the token URL was not found: check it against the provider's docs"
	case status == http.StatusMethodNotAllowed:
		return "the token URL does not accept this method: check the URL and the method"
	case status == http.StatusNotAcceptable || status == http.StatusUnsupportedMediaType:
		return "the provider does not accept the request's format: check format (form or json)"
	case status >= 400:
		return codeHints[CodeInvalidRequest]
	default:
		return "the answer is not a token response: check the token URL and the response mapping"
	}
}

// hint chooses the hint for an error answer and adds the server's
// Retry-After request.
func hint(status int, code string, html bool, retryAfter time.Duration) string {
	h, ok := codeHints[code]
	if !ok {
		h = statusHint(status, html)
	}
	if retryAfter > 0 && retryableStatus(status) {
		h += fmt.Sprintf(" (the server asked to wait %s)", retryAfter)
	}
	return h
}

// UnsupportedTokenTypeError is a token response whose token_type is not
// Bearer. Such a token (for example "mac" or "DPoP") cannot be applied as a
// bearer token, so it is refused rather than sent the wrong way.
type UnsupportedTokenTypeError struct {
	// Type is the token_type as the server sent it (scrubbed and capped).
	Type string
	// Path is where the token type was read.
	Path string
}

// Error names the type and what is supported.
func (e *UnsupportedTokenTypeError) Error() string {
	return fmt.Sprintf("token response has token_type %q at %q: only Bearer tokens (RFC 6750) are supported; for a custom login API use auth type login", e.Type, e.Path)
}

// MissingValueError is a token response without a required value.
type MissingValueError struct {
	// Field is the mapping entry, such as access_token.
	Field string
	// Path is where the value was looked for, such as data.token or
	// header:X-Auth-Token.
	Path string
}

// Error names the value and the path.
func (e *MissingValueError) Error() string {
	return fmt.Sprintf("token response has no %s at %q: check response.%s in the manifest against a real response from the provider", e.Field, e.Path, e.Field)
}

// InvalidValueError is a token response value of the wrong kind, such as an
// expiry that is not a number. It never holds the value itself.
type InvalidValueError struct {
	// Field is the mapping entry, such as expires_in.
	Field string
	// Path is where the value was read.
	Path string
	// Problem says what is wrong, such as "is an object, want a string".
	Problem string
}

// Error names the value, the path and the problem.
func (e *InvalidValueError) Error() string {
	return fmt.Sprintf("token response %s at %q %s: check response.%s (and expiry_format) in the manifest", e.Field, e.Path, e.Problem, e.Field)
}

// ErrResponseTooLarge is returned when a response body exceeds MaxBodySize.
var ErrResponseTooLarge = errors.New("token response body is larger than 1 MiB: the URL is probably not a token API")
