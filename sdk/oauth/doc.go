// Package oauth implements the client side of the OAuth 2.0 authorization-code
// grant (RFC 6749 section 4.1) with PKCE (RFC 7636), the authorization
// response's issuer check (RFC 9207) and authorization server discovery
// (RFC 8414, OpenID Connect Discovery 1.0).
//
// It works on plain, already rendered values (URLs, client credentials,
// scope, extra parameters and a token request template), so the sdk can
// call it for a manifest and anyone else for hand-written settings:
//
//   - States keeps the pending authorizations. Begin draws a state of 256
//     bits and a PKCE verifier from crypto/rand, remembers them with the
//     Config until the callback, and returns the URL to open in the browser.
//     States are single use and expire; the store is bounded.
//   - States.Callback checks a redirect's parameters: the state (a wrong,
//     missing, replayed or expired one is a *StateError), the iss parameter
//     (*IssuerError), an error response (*CallbackError with a hint), and
//     returns a Grant.
//   - Grant.Exchange trades the code for tokens at the token endpoint with the
//     verifier and the exact redirect URL that was sent. It is sent once and
//     never retried (a code is single use); when it fails, the *ExchangeError
//     says what to do, and shows the redirect URL when the provider refused it.
//   - Discovery reads and caches an issuer's metadata, checking that it names
//     the configured issuer exactly.
//
// No error of this package holds a secret (a code, a verifier, a client
// secret or a token).
package oauth
