package tokens

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"time"
)

// Doer sends an HTTP request: an *http.Client or anything wrapping one.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// RetryPolicy reports whether an attempt that ended with resp (its body
// read) or with err (a transport error, resp nil) should be retried. The
// Client stops anyway when the attempts are used up or ctx is done.
type RetryPolicy func(ctx context.Context, resp *Response, err error) bool

// DefaultRetryPolicy retries transport errors, 429 and 5xx answers except
// 501 Not Implemented. It does not retry when ctx is done, on certificate
// errors, or on ErrResponseTooLarge; every other answer (4xx such as
// invalid_client) is final. Wrap it to exclude more errors, such as a
// whitelist refusal.
func DefaultRetryPolicy(ctx context.Context, resp *Response, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	if err != nil {
		var cert *tls.CertificateVerificationError
		return !errors.Is(err, ErrResponseTooLarge) && !errors.As(err, &cert)
	}
	return resp != nil && retryableStatus(resp.Status)
}

// retryableStatus reports whether a status is worth retrying.
func retryableStatus(status int) bool {
	return status == http.StatusTooManyRequests || (status >= 500 && status != http.StatusNotImplemented && status < 600)
}

// Backoff returns how long to wait after the attempt-th failed attempt
// (1-based), at most maxWait. It is used when the server sends no
// Retry-After.
type Backoff func(attempt int, maxWait time.Duration) time.Duration

// ExponentialBackoff returns a Backoff with full jitter: a uniformly random
// wait between zero and base*2^(attempt-1), capped at maxWait.
func ExponentialBackoff(base time.Duration) Backoff {
	return func(attempt int, maxWait time.Duration) time.Duration {
		ceiling := maxWait
		if attempt >= 1 && attempt < 32 && base > 0 && base<<(attempt-1) > 0 {
			ceiling = min(ceiling, base<<(attempt-1))
		}
		if ceiling <= 0 {
			return 0
		}
		return rand.N(ceiling + 1)
	}
}

// DefaultBackoff is exponential backoff with full jitter from a one-second
// base.
var DefaultBackoff = ExponentialBackoff(time.Second)

// Client sends token requests with retries. The zero Client needs only
// HTTP; it is safe for concurrent use once set up.
type Client struct {
	// HTTP sends the requests: the connection's whitelisted client. An
	// *http.Client is used as a copy that never follows redirects; any
	// other Doer must not follow them either, since a token request that
	// is redirected must fail, not be resent elsewhere.
	HTTP Doer
	// Now returns the current time (default time.Now); relative expiries
	// and HTTP-date Retry-After count from it.
	Now func() time.Time
	// Sleep waits d or until ctx is done (default: a timer).
	Sleep func(ctx context.Context, d time.Duration) error
	// Policy decides which failed attempts are retried (default
	// DefaultRetryPolicy).
	Policy RetryPolicy
	// Backoff chooses the wait between attempts when the server sends no
	// Retry-After (default DefaultBackoff).
	Backoff Backoff
}

// Fetch sends req and parses the answer with m: Send, then Parse. A token
// response without a scope gets the requested one (RFC 6749 section 5.1).
func (c *Client) Fetch(ctx context.Context, req *Request, m Mapping) (*Token, error) {
	r, err := c.Send(ctx, req)
	if err != nil {
		return nil, err
	}
	t, err := Parse(r, m)
	if err != nil {
		return nil, fmt.Errorf("token request to %s: %w", r.safeURL, err)
	}
	if t.Scope == "" && req.IncludeScope {
		t.Scope = req.Scope
	}
	return t, nil
}

// Send sends req, retrying as req.Retry and the Client's Policy allow, and
// returns the last answer whatever its status (Response.Err or Parse turn
// an error status into an *Error). Retries wait as the server's
// Retry-After asks or as Backoff chooses, at most req.Retry.MaxWait; a
// Retry-After longer than that, or than ctx's deadline allows, ends the
// retries with the answer at hand. The error is non-nil only when no
// answer came: the request is invalid, the last attempt failed in
// transport, or ctx is done.
func (c *Client) Send(ctx context.Context, req *Request) (*Response, error) {
	if c.HTTP == nil {
		return nil, errors.New("tokens.Client.HTTP is nil: give it the connection's whitelisted HTTP client")
	}
	p, err := req.prepare()
	if err != nil {
		return nil, err
	}
	doer := c.HTTP
	if hc, ok := doer.(*http.Client); ok {
		noRedirect := *hc
		noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		doer = &noRedirect
	}
	attempts, maxWait := req.Retry.attempts(), req.Retry.maxWait()
	for attempt := 1; ; attempt++ {
		r, err := c.attempt(ctx, doer, p)
		if r != nil {
			r.Attempts = attempt
		}
		if err != nil && ctx.Err() != nil {
			return nil, fmt.Errorf("token request to %s: %w", p.safeURL, ctx.Err())
		}
		if attempt >= attempts || !c.policy()(ctx, r, err) {
			if err != nil {
				return nil, fmt.Errorf("token request to %s failed (attempt %d of %d): %w", p.safeURL, attempt, attempts, err)
			}
			return r, nil
		}
		wait := min(max(c.backoff()(attempt, maxWait), 0), maxWait)
		if r != nil && r.RetryAfter > 0 {
			if r.RetryAfter > maxWait {
				return r, nil // the server asks for a longer wait than allowed
			}
			wait = r.RetryAfter
		}
		if !fitsDeadline(ctx, wait) {
			if err != nil {
				return nil, fmt.Errorf("token request to %s failed (attempt %d of %d, no time left to retry): %w", p.safeURL, attempt, attempts, err)
			}
			return r, nil
		}
		if err := c.sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("token request to %s: waiting to retry: %w", p.safeURL, err)
		}
	}
}

// attempt sends one request and reads its answer.
func (c *Client) attempt(ctx context.Context, doer Doer, p *prepared) (*Response, error) {
	hr, err := p.newRequest(ctx)
	if err != nil {
		return nil, err
	}
	sentAt := c.now()
	resp, err := doer.Do(hr)
	if err != nil {
		// A *url.Error repeats the URL, query included; keep its cause.
		if ue, ok := err.(*url.Error); ok {
			err = ue.Err
		}
		return nil, err
	}
	r, err := ReadResponse(resp, sentAt)
	if err != nil {
		return nil, err
	}
	r.known = p.known
	r.safeURL = p.safeURL
	if d, ok := ParseRetryAfter(resp.Header.Get("Retry-After"), c.now()); ok {
		r.RetryAfter = d
	}
	return r, nil
}

// fitsDeadline reports whether waiting d ends before ctx's deadline (on the
// real clock, as context deadlines are).
func fitsDeadline(ctx context.Context, d time.Duration) bool {
	deadline, ok := ctx.Deadline()
	return !ok || d < time.Until(deadline)
}

// now returns the Client's current time.
func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// policy returns the Client's retry policy.
func (c *Client) policy() RetryPolicy {
	if c.Policy != nil {
		return c.Policy
	}
	return DefaultRetryPolicy
}

// backoff returns the Client's backoff.
func (c *Client) backoff() Backoff {
	if c.Backoff != nil {
		return c.Backoff
	}
	return DefaultBackoff
}

// sleep waits d, or until ctx is done.
func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
