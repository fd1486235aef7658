package whitelist

import (
	"errors"
	"fmt"
	"strconv"
)

// ErrBlocked is the kind of every refusal by the whitelist or the dial-time
// guard: errors.Is(err, ErrBlocked) holds for any *BlockedError. The CLI
// reports it as error kind "blocked".
var ErrBlocked = errors.New("blocked")

// ErrTooManyRedirects is returned by the function from CheckRedirect when a
// request is redirected more often than allowed.
var ErrTooManyRedirects = errors.New("too many redirects")

// The rules a *BlockedError names: stable identifiers of the check that
// refused a request.
const (
	// RuleURL: the URL is missing or opaque.
	RuleURL = "url"
	// RuleUserinfo: the URL carries user:password@.
	RuleUserinfo = "userinfo"
	// RuleScheme: the scheme is not https (or http to a loopback host), or
	// not the scheme the matching entries name.
	RuleScheme = "scheme"
	// RuleHost: the host is malformed or not canonical.
	RuleHost = "host"
	// RulePort: the port is malformed or not the port the entries name.
	RulePort = "port"
	// RulePath: the path is unsafe or outside the entries' prefixes.
	RulePath = "path"
	// RuleNotListed: no entry names the host.
	RuleNotListed = "not-whitelisted"
	// RuleAddress: the host is or resolves to a loopback, private,
	// link-local, metadata or otherwise special address.
	RuleAddress = "address"
	// RuleHostHeader: the Host header names another host than the URL.
	RuleHostHeader = "host-header"
	// RuleRedirect: a redirect downgrades https to http.
	RuleRedirect = "redirect"
)

// BlockedError is a request the whitelist refuses. It never holds the
// query, the userinfo or the path of the request.
type BlockedError struct {
	// Host is the request's host, normalised when it could be.
	Host string
	// Reason says what is wrong and how to fix it.
	Reason string
	// Rule is the identifier of the check that refused (the Rule constants).
	Rule string
}

// Error returns "blocked: request to HOST: REASON [RULE]".
func (e *BlockedError) Error() string {
	return fmt.Sprintf("blocked: request to %s: %s [%s]", displayHost(e.Host), e.Reason, e.Rule)
}

// Is makes errors.Is(err, ErrBlocked) true.
func (e *BlockedError) Is(target error) bool { return target == ErrBlocked }

// maxDisplayHost bounds the host text an error repeats.
const maxDisplayHost = 100

// displayHost renders a host for a message: as it is when it only has host
// characters, quoted otherwise (control characters cannot reach a log line),
// shortened when long.
func displayHost(h string) string {
	if h == "" {
		return "(no host)"
	}
	if len(h) > maxDisplayHost {
		h = h[:maxDisplayHost] + "..."
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '_' || c == ':' || c == '[' || c == ']' || c == '*') {
			return strconv.Quote(h)
		}
	}
	return h
}

// EntryError is an invalid whitelist entry.
type EntryError struct {
	// Index is the entry's 0-based position in the whitelist; -1 from
	// ParseEntry.
	Index int
	// Entry is the entry as written.
	Entry string
	// Reason says what is wrong and how to fix it.
	Reason string
}

// Error returns `whitelist entry INDEX "ENTRY": REASON`.
func (e *EntryError) Error() string {
	if e.Index < 0 {
		return fmt.Sprintf("whitelist entry %q: %s", e.Entry, e.Reason)
	}
	return fmt.Sprintf("whitelist entry %d %q: %s", e.Index, e.Entry, e.Reason)
}

// EntryErrors returns every *EntryError in err, which Parse joins with
// errors.Join, so that a validator can report each with its index.
func EntryErrors(err error) []*EntryError {
	var out []*EntryError
	var walk func(error)
	walk = func(err error) {
		var ee *EntryError
		switch x := err.(type) {
		case nil:
		case interface{ Unwrap() []error }:
			for _, e := range x.Unwrap() {
				walk(e)
			}
		default:
			if errors.As(err, &ee) {
				out = append(out, ee)
			}
		}
	}
	walk(err)
	return out
}
