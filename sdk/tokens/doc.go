// Package tokens obtains, parses and caches OAuth 2.0 and custom-login
// tokens for a connection.
//
// The pieces compose from the bottom up:
//
//   - Request is one fully rendered token, refresh, login or revoke call.
//     Client authentication is explicit (an RFC 6749 section 2.3.1 Basic
//     header, or form parameters, never both and never guessed).
//   - Client sends a Request through the connection's HTTP client (which
//     enforces the whitelist), never following redirects, and retries network
//     errors, 429 and 5xx (except 501) with exponential backoff, full jitter
//     and Retry-After, within Retry's bounds. Client.Send returns the raw
//     Response; Client.Fetch also parses it into a Token.
//   - Parse reads a token Response: RFC 6749 section 5.1 JSON by default,
//     form-encoded bodies, nested paths and headers as a
//     manifest.TokenResponse maps them, every common expiry format; it turns
//     RFC 6749 section 5.2 errors into *Error with a remediation hint.
//   - Source caches one connection's token, renews it ahead of expiry with
//     one in-flight fetch however many goroutines wait, and backs off while
//     the token endpoint fails.
//
// Secrets (client secrets, tokens, secret parameters and headers) are held as
// secret.Value and never appear in errors or formatted output: error texts
// quote at most a short, scrubbed snippet of what the server answered.
package tokens
