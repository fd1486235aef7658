package oauth

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/connkit/connkit/sdk/tokens"
)

// StateProblem says why a callback's state was refused.
type StateProblem string

// The state problems.
const (
	// StateMissing: the callback has no state parameter, or several.
	StateMissing StateProblem = "missing"
	// StateUnknown: no pending authorization has this state (a forged or
	// mistyped callback, or one evicted from a full store).
	StateUnknown StateProblem = "unknown"
	// StateReplayed: the state was already used by an earlier callback.
	StateReplayed StateProblem = "replayed"
	// StateExpired: the authorization was started too long ago.
	StateExpired StateProblem = "expired"
)

// StateError is a callback whose state does not belong to a pending
// authorization: nothing was exchanged.
type StateError struct {
	// Problem says why the state was refused.
	Problem StateProblem
	// ProviderError is the error code the callback carried, if any. It is
	// not trusted (the state did not check out) and is shown for diagnosis
	// only.
	ProviderError string
}

// Error says why the state was refused.
func (e *StateError) Error() string {
	msg := map[StateProblem]string{
		StateMissing:  "the callback has no single state parameter",
		StateUnknown:  "the callback's state matches no pending authorization",
		StateReplayed: "the callback's state was already used",
		StateExpired:  "the authorization that the callback answers has expired",
	}[e.Problem]
	if msg == "" {
		msg = "the callback's state was refused (" + string(e.Problem) + ")"
	}
	if e.ProviderError != "" {
		msg += " (it also carried error=" + e.ProviderError + ")"
	}
	return msg + ": nothing was exchanged"
}

// Hint says what to do.
func (e *StateError) Hint() string {
	return "start the authorization again and complete it once, in the same browser, without reloading the callback page"
}

// IssuerError is a callback whose iss parameter (RFC 9207) is missing while
// the server announces it, repeated, or names another authorization server:
// a possible mix-up attack, so nothing was exchanged.
type IssuerError struct {
	// Want is the issuer the authorization was sent to.
	Want string
	// Got is the iss parameter received; empty when it was missing.
	Got string
}

// Error names both issuers.
func (e *IssuerError) Error() string {
	if e.Got == "" {
		return fmt.Sprintf("the callback has no single iss parameter, which %s announces it always sends (RFC 9207): nothing was exchanged", e.Want)
	}
	return fmt.Sprintf("the callback's iss parameter %q is not the issuer %q the authorization was sent to (RFC 9207): nothing was exchanged", clean(e.Got), e.Want)
}

// Hint says what to do.
func (e *IssuerError) Hint() string {
	return "the response may come from another authorization server (a mix-up attack): start the authorization again, and check auth.issuer against the provider's metadata"
}

// CallbackError is an authorization error response (RFC 6749 section
// 4.1.2.1), such as access_denied when the user declines. Its texts are
// cleaned and capped; it never holds a secret.
type CallbackError struct {
	// Code is the error code, such as access_denied.
	Code string
	// Description is the error_description.
	Description string
	// URI is the error_uri, without query or fragment.
	URI string
	// RedirectURL is the redirect URL the authorization request sent.
	RedirectURL string
}

// Error returns one line with the code and the description.
func (e *CallbackError) Error() string {
	var b strings.Builder
	b.WriteString("the authorization server answered " + e.Code)
	if e.Description != "" {
		b.WriteString(": " + strconv.Quote(e.Description))
	}
	if e.URI != "" {
		b.WriteString(" (see " + e.URI + ")")
	}
	return b.String()
}

// callbackHints are the hints of RFC 6749 section 4.1.2.1's error codes.
var callbackHints = map[string]string{
	tokens.CodeAccessDenied:           "the user declined, or the provider refused, the request: authorize again and approve the requested scopes",
	tokens.CodeInvalidScope:           "check the requested scope against the provider's docs (names are case-sensitive, separated by spaces) and the scopes enabled for the app",
	tokens.CodeUnauthorizedClient:     "this client may not use the authorization-code grant: enable it for the app in the provider's developer console",
	"unsupported_response_type":       "the provider does not accept response_type=code for this client: check the app's type and grants",
	tokens.CodeInvalidRequest:         "the provider refused the authorization request: check the authorize URL, the extra params and the PKCE method against its docs",
	tokens.CodeServerError:            "the provider failed: try again later",
	tokens.CodeTemporarilyUnavailable: "the provider is temporarily unavailable: try again later",
}

// Hint says what to do.
func (e *CallbackError) Hint() string {
	if mentionsRedirect(e.Code, e.Description) {
		return redirectHint(e.RedirectURL)
	}
	if h, ok := callbackHints[e.Code]; ok {
		return h
	}
	return "the provider refused the authorization: check its documentation for error " + e.Code
}

// ErrNoCode is a callback that checks out but has neither a code nor an
// error parameter (or several codes).
var ErrNoCode error = &sentinel{
	msg:  "the callback has no single code parameter and no error: the provider answered something else than an authorization response",
	hint: "check that the redirect URL is the one the provider redirects to with the code, and authorize again",
}

// ErrCodeUsed is returned by a second Exchange of the same Grant: a code is
// used once.
var ErrCodeUsed error = &sentinel{
	msg:  "this authorization code was already exchanged",
	hint: "a code is used once: start the authorization again",
}

// sentinel is an error value with a hint.
type sentinel struct{ msg, hint string }

func (e *sentinel) Error() string { return e.msg }

// Hint says what to do.
func (e *sentinel) Hint() string { return e.hint }

// ExchangeError is a failed code exchange. The code was sent at most once and
// is not sent again.
type ExchangeError struct {
	// RedirectURL is the redirect URL sent with the code.
	RedirectURL string
	// Sent reports whether the request may have reached the provider (so
	// the code may be spent).
	Sent bool
	// Err is the cause: a *tokens.Error when the provider answered, a
	// transport or context error when it did not.
	Err error
}

// Error describes the failure, with the redirect URL when the provider may
// have refused it.
func (e *ExchangeError) Error() string {
	msg := "exchange the authorization code: " + e.Err.Error()
	if e.redirectRefused() || e.code() == tokens.CodeInvalidGrant {
		msg += " (the redirect URL sent was " + strconv.Quote(e.RedirectURL) + ")"
	}
	return msg
}

// code returns the provider's error code, if it answered one.
func (e *ExchangeError) code() string {
	var te *tokens.Error
	if errors.As(e.Err, &te) {
		return te.Code
	}
	return ""
}

// Unwrap returns the cause.
func (e *ExchangeError) Unwrap() error { return e.Err }

// Hint says what to do: register the redirect URL that was sent when the
// provider refused it, authorize again when no answer came.
func (e *ExchangeError) Hint() string {
	var te *tokens.Error
	switch {
	case e.redirectRefused():
		return redirectHint(e.RedirectURL)
	case e.code() == tokens.CodeInvalidGrant:
		// Providers such as oidc-provider answer invalid_grant to a
		// redirect URL that differs from the authorization request's.
		return fmt.Sprintf("the code was refused: it expired or was already used, the PKCE verifier does not match, or the redirect URL %q differs from the one registered or authorized: authorize again, and if it fails again check the redirect URL", e.RedirectURL)
	case errors.As(e.Err, &te):
		return te.Hint
	case e.Sent:
		return "the code exchange got no answer, and a code is used only once: authorize again"
	}
	return "authorize again once the cause is fixed"
}

// redirectRefused reports whether the provider's answer is about the
// redirect URL: redirect_uri_mismatch, or an error whose description names
// the redirect URI.
func (e *ExchangeError) redirectRefused() bool {
	var te *tokens.Error
	return errors.As(e.Err, &te) && mentionsRedirect(te.Code, te.Description)
}

// mentionsRedirect reports whether an error code or description is about the
// redirect URL.
func mentionsRedirect(code, desc string) bool {
	if code == tokens.CodeRedirectURIMismatch {
		return true
	}
	d := strings.ToLower(desc)
	return strings.Contains(d, "redirect_uri") || strings.Contains(d, "redirect uri") || strings.Contains(d, "redirect url")
}

func redirectHint(sent string) string {
	return fmt.Sprintf("the provider refused the redirect URL %q: register exactly this URL for the app (scheme http/https, www, port, path and trailing slash must all match), or set auth.authorize.redirect_url to the one registered", sent)
}

// HintOf returns the hint of the first error of this package in err's chain,
// or "".
func HintOf(err error) string {
	var h interface{ Hint() string }
	if errors.As(err, &h) {
		return h.Hint()
	}
	return ""
}

// maxText caps the texts a callback or a metadata document puts into errors.
const maxText = 200

// clean makes a text received from outside safe for a one-line message:
// control and invisible characters become spaces, and it is capped.
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= maxText {
		return s
	}
	return string([]rune(s)[:maxText]) + "..."
}

// cleanURI keeps an http(s) error_uri without its query and fragment.
func cleanURI(s string) string {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return clean(redact(s))
}
