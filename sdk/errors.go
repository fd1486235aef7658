package sdk

import (
	"context"
	"encoding/json"
	"errors"
	"net"

	"github.com/connkit/connkit/manifest/interp"
	"github.com/connkit/connkit/sdk/tokens"
	"github.com/connkit/connkit/whitelist"
)

// Kind classifies an error for platforms and for the CLI's JSON output.
type Kind string

// The error kinds.
const (
	// KindInvalidValues: the values given to Connect do not fit the fields.
	KindInvalidValues Kind = "invalid_values"
	// KindConfig: the manifest cannot do what was asked (missing section,
	// a template that cannot be rendered).
	KindConfig Kind = "config"
	// KindBlocked: the whitelist refused a request; nothing was sent.
	KindBlocked Kind = "blocked"
	// KindAuth: the token API refused or answered something unusable.
	KindAuth Kind = "auth"
	// KindTest: the test call did not meet its success rule.
	KindTest Kind = "test_failed"
	// KindAction: an action's inputs are invalid or the action is unknown.
	KindAction Kind = "action"
	// KindNetwork: the request could not be sent or answered.
	KindNetwork Kind = "network"
	// KindTimeout: the request or the caller's context timed out.
	KindTimeout Kind = "timeout"
	// KindCanceled: the caller's context was canceled.
	KindCanceled Kind = "canceled"
	// KindRevoked: the connection was revoked.
	KindRevoked Kind = "revoked"
	// KindReauthorize: the provider no longer accepts the connection's
	// grant (invalid_grant on refresh, or no refresh token): the user must
	// authorize again (Connection.Status is StatusNeedsReauthorization).
	KindReauthorize Kind = "reauthorize"
	// KindInternal: anything else.
	KindInternal Kind = "internal"
)

// Error is a runtime error with its kind and a remediation hint. It never
// holds a secret.
type Error struct {
	// Kind classifies the error.
	Kind Kind
	// Hint says what to check or do next; may be empty.
	Hint string
	// Err is the underlying error.
	Err error
}

// Error returns the underlying message.
func (e *Error) Error() string { return e.Err.Error() }

// MarshalJSON encodes the error as the CLI reports it: {"kind", "message",
// "hint"}.
func (e *Error) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Kind    Kind   `json:"kind"`
		Message string `json:"message"`
		Hint    string `json:"hint,omitempty"`
	}{e.Kind, e.Error(), e.Hint})
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the kind of err: its *Error's kind, or one derived from the
// error types of the runtime's packages (so errors of HTTPClient requests,
// which net/http wraps, are classified too). It returns "" for nil.
func KindOf(err error) Kind {
	if err == nil {
		return ""
	}
	return classify(err).Kind
}

// HintOf returns the remediation hint for err, if any: its *Error's hint,
// or the hint its kind implies.
func HintOf(err error) string {
	if err == nil {
		return ""
	}
	return classify(err).Hint
}

// classify wraps err in an *Error whose kind follows from its type; an
// *Error is returned as it is.
func classify(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var (
		te  *tokens.Error
		ne  net.Error
		ue  *interp.URLValueError
		he  *interp.HeaderValueError
		me  *interp.MissingError
		mve *tokens.MissingValueError
		ute *tokens.UnsupportedTokenTypeError
		ive *tokens.InvalidValueError
	)
	switch {
	case errors.Is(err, whitelist.ErrBlocked):
		return &Error{Kind: KindBlocked, Err: err, Hint: "add the URL to the manifest's whitelist if the connector really needs it"}
	case errors.As(err, &he) && he.Ref.Scope == "token":
		return &Error{Kind: KindAuth, Err: err, Hint: "the token API answered a token that cannot go into a header (it holds a line break or NUL): check auth.token.response"}
	case errors.As(err, &ue), errors.As(err, &he):
		return &Error{Kind: KindBlocked, Err: err, Hint: "check the field values inserted into the URL or header"}
	case errors.As(err, &te):
		return &Error{Kind: KindAuth, Err: err, Hint: te.Hint}
	case errors.As(err, &mve), errors.As(err, &ute), errors.As(err, &ive):
		return &Error{Kind: KindAuth, Err: err, Hint: "check auth.token.response against what the token API answers"}
	case errors.As(err, &me):
		return &Error{Kind: KindConfig, Err: err}
	case errors.Is(err, context.DeadlineExceeded):
		return &Error{Kind: KindTimeout, Err: err, Hint: "the provider did not answer in time: retry later, or raise http.timeout"}
	case errors.Is(err, context.Canceled):
		return &Error{Kind: KindCanceled, Err: err}
	case errors.As(err, &ne):
		if ne.Timeout() {
			return &Error{Kind: KindTimeout, Err: err}
		}
		return &Error{Kind: KindNetwork, Err: err}
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return &Error{Kind: KindNetwork, Err: err}
	}
	return &Error{Kind: KindInternal, Err: err}
}
