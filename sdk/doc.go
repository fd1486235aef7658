// Package sdk is the connkit runtime: it loads connector manifests and
// connects users' accounts with them.
//
// A Registry holds compiled connectors (Registry.Load, LoadDir, Add).
// Connector.Connect checks the user's values against the manifest's fields,
// obtains a token where the auth method has a token API, runs the test call
// and renders the label and identity. The Connection it returns sends API
// requests with Do, runs the manifest's actions with Run, and gives any Go
// API client an *http.Client with the same policy (HTTPClient); Revoke ends
// it.
//
// Every request a connection sends (token, refresh, revoke, test call,
// actions, HTTPClient) goes through one stack per auth method: the
// whitelist checked on the normalised URL, at every redirect hop and at
// dial time against the resolved address (package whitelist); redirects
// followed only where the manifest allows, without credentials once they
// leave the original host; the defaults merged under the request's own
// values; the credentials applied as auth.apply says. Credentials are
// rendered once per token (once per connection for static ones), and a
// value holding CR or LF is refused before anything is sent.
//
// Tokens are cached per connection and renewed renew_before ahead of
// expiry by one fetch however many callers wait (package tokens). An
// answer that renew_on matches (401 by default) renews the token once and
// retries the request once when its body can be replayed; the retried
// answer is final. Token requests retry network errors, 5xx and 429 within
// the manifest's bounds and never a whitelist refusal.
//
// Secrets never appear in errors, logs or formatted output: secret fields
// and tokens are secret.Values, errors name URLs without their query, the
// debug log (Options.Debug) records method, URL without query, status,
// duration and headers with every value redacted except harmless ones, and
// never a body. Errors are *Error values with a Kind and a remediation
// hint; KindOf and HintOf classify any error the runtime returns.
package sdk
