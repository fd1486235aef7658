package tokens

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// The Source defaults.
const (
	DefaultFetchTimeout = 30 * time.Second
	DefaultErrorTTL     = 2 * time.Second
	DefaultMaxErrorTTL  = time.Minute
)

// SourceOptions tune a Source. The zero value gives the defaults.
type SourceOptions struct {
	// RenewBefore renews a token this long before it expires (default
	// DefaultRenewBefore), clamped per token to half its lifetime.
	RenewBefore time.Duration
	// Now returns the current time (default time.Now).
	Now func() time.Time
	// FetchTimeout bounds one fetch (default DefaultFetchTimeout).
	FetchTimeout time.Duration
	// ErrorTTL is how long a failed fetch is answered from the cache
	// before the next fetch is allowed (default DefaultErrorTTL). It
	// doubles with each consecutive failure up to MaxErrorTTL, and grows
	// to a longer Retry-After the endpoint asked for, within MaxErrorTTL.
	ErrorTTL time.Duration
	// MaxErrorTTL caps the error window (default DefaultMaxErrorTTL).
	MaxErrorTTL time.Duration
	// OnToken, if set, is called with each newly fetched token before any
	// caller gets it, under the fetch's context (the store persists a
	// rotated refresh token here). An error fails the fetch: the token is
	// neither cached nor handed out.
	OnToken func(ctx context.Context, t *Token) error
}

// Source caches one connection's token and renews it. It is safe for
// concurrent use: however many goroutines ask while the token must be
// renewed, one fetch runs and all of them get its result.
//
// The fetch runs on its own goroutine under a context that keeps the
// values of the caller that started it but not its cancellation, bounded
// by FetchTimeout; a caller whose context ends stops waiting without
// disturbing the fetch for the others. No lock is held while it runs.
//
// When a fetch fails, callers get that error; for the error window that
// follows (see SourceOptions.ErrorTTL) they get a *BackoffError wrapping
// it without a new request being sent. If the current token has not
// expired yet (it was only due for renewal) and has not been invalidated,
// callers keep getting it instead of the error.
type Source struct {
	fetch func(context.Context) (*Token, error)
	opt   SourceOptions

	// cur is read without the lock on the fast path.
	cur atomic.Pointer[entry]

	mu       sync.Mutex
	call     *call
	failures int
	lastErr  error
	retryAt  time.Time
}

// entry is the current token and when it must be renewed.
type entry struct {
	tok     *Token
	renewAt time.Time
	stale   bool
}

// fresh reports whether the entry can be handed out without renewal.
func (e *entry) fresh(now time.Time) bool {
	return e != nil && !e.stale && now.Before(e.renewAt)
}

// usable reports whether the entry's token still works, though it may be
// due for renewal.
func (e *entry) usable(now time.Time) bool {
	return e != nil && !e.stale && now.Before(e.tok.Expiry)
}

// call is one in-flight fetch.
type call struct {
	done chan struct{}
	tok  *Token
	err  error
}

// NewSource returns a Source that obtains tokens with fetch (typically a
// Client.Fetch of the connection's token or refresh request).
func NewSource(fetch func(ctx context.Context) (*Token, error), opts SourceOptions) *Source {
	if opts.RenewBefore <= 0 {
		opts.RenewBefore = DefaultRenewBefore
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.FetchTimeout <= 0 {
		opts.FetchTimeout = DefaultFetchTimeout
	}
	if opts.ErrorTTL <= 0 {
		opts.ErrorTTL = DefaultErrorTTL
	}
	if opts.MaxErrorTTL <= 0 {
		opts.MaxErrorTTL = DefaultMaxErrorTTL
	}
	return &Source{fetch: fetch, opt: opts}
}

// Token returns the cached token, or fetches a new one when there is none,
// it is due for renewal or it was invalidated. It returns early, with ctx's
// error, when ctx ends first.
func (s *Source) Token(ctx context.Context) (*Token, error) {
	now := s.opt.Now()
	if e := s.cur.Load(); e.fresh(now) {
		return e.tok, nil
	}
	s.mu.Lock()
	e := s.cur.Load()
	if e.fresh(now) {
		s.mu.Unlock()
		return e.tok, nil
	}
	if s.call == nil && s.lastErr != nil && now.Before(s.retryAt) {
		err := &BackoffError{Err: s.lastErr, NextAttempt: s.retryAt, Failures: s.failures}
		s.mu.Unlock()
		if e.usable(now) {
			return e.tok, nil
		}
		return nil, err
	}
	if s.call == nil {
		s.call = &call{done: make(chan struct{})}
		go s.run(context.WithoutCancel(ctx), s.call)
	}
	c := s.call
	s.mu.Unlock()
	select {
	case <-c.done:
		if c.err != nil {
			if e := s.cur.Load(); e.usable(s.opt.Now()) {
				return e.tok, nil
			}
		}
		return c.tok, c.err
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for a token: %w", ctx.Err())
	}
}

// run performs one fetch and publishes its result.
func (s *Source) run(parent context.Context, c *call) {
	ctx, cancel := context.WithTimeout(parent, s.opt.FetchTimeout)
	defer cancel()
	tok, err := s.fetch(ctx)
	if err == nil {
		err = s.accept(ctx, tok)
	}
	now := s.opt.Now()
	s.mu.Lock()
	if err == nil {
		s.cur.Store(&entry{tok: tok, renewAt: tok.RenewAt(s.opt.RenewBefore)})
		s.failures, s.lastErr = 0, nil
	} else {
		tok = nil
		s.failures++
		s.lastErr = err
		s.retryAt = now.Add(s.errorWindow(err))
	}
	s.call = nil
	s.mu.Unlock()
	c.tok, c.err = tok, err
	close(c.done)
}

// accept checks a fetched token and runs the OnToken hook.
func (s *Source) accept(ctx context.Context, tok *Token) error {
	switch {
	case tok == nil || tok.AccessToken.IsZero():
		return errors.New("token fetch returned no access token")
	case !s.opt.Now().Before(tok.Expiry):
		return fmt.Errorf("token fetch returned a token that expired at %s: check the response's expiry mapping and the clock", tok.Expiry.Format(time.RFC3339))
	}
	if s.opt.OnToken != nil {
		if err := s.opt.OnToken(ctx, tok); err != nil {
			return fmt.Errorf("token hook: %w", err)
		}
	}
	return nil
}

// errorWindow returns how long the error of the s.failures-th consecutive
// failure is served from the cache.
func (s *Source) errorWindow(err error) time.Duration {
	d := s.opt.MaxErrorTTL
	if shift := s.failures - 1; shift < 32 && s.opt.ErrorTTL<<shift > 0 {
		d = min(d, s.opt.ErrorTTL<<shift)
	}
	var te *Error
	if errors.As(err, &te) && te.RetryAfter > d {
		d = min(te.RetryAfter, s.opt.MaxErrorTTL)
	}
	return d
}

// Invalidate marks failed as stale if it is still the current token, so
// that the next Token call fetches a new one. Callers pass the token an API
// rejected; when many callers reject the same token, only the first
// Invalidate has an effect and one renewal follows. A token that was
// already replaced is ignored.
func (s *Source) Invalidate(failed *Token) {
	if failed == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.cur.Load(); e != nil && e.tok == failed && !e.stale {
		s.cur.Store(&entry{tok: e.tok, renewAt: e.renewAt, stale: true})
	}
}

// Set makes t the current token (for example one loaded from a store) and
// forgets any cached error. It does not call OnToken. Set(nil) forgets the
// current token.
func (s *Source) Set(t *Token) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t == nil {
		s.cur.Store(nil)
	} else {
		s.cur.Store(&entry{tok: t, renewAt: t.RenewAt(s.opt.RenewBefore)})
	}
	s.failures, s.lastErr = 0, nil
}

// Current returns the current token without fetching, whether or not it is
// still valid, or nil when there is none (for revocation and for stores).
func (s *Source) Current() *Token {
	if e := s.cur.Load(); e != nil {
		return e.tok
	}
	return nil
}

// BackoffError is returned while a Source waits out the error window after
// a failed fetch. errors.As reaches the failure it wraps.
type BackoffError struct {
	// Err is the last fetch's error.
	Err error
	// NextAttempt is when the next fetch is allowed.
	NextAttempt time.Time
	// Failures counts the consecutive failed fetches.
	Failures int
}

// Error says when the next attempt is allowed and why the last one failed.
func (e *BackoffError) Error() string {
	return fmt.Sprintf("token unavailable after %d failed fetch(es); next attempt at %s: %v", e.Failures, e.NextAttempt.Format(time.RFC3339), e.Err)
}

// Unwrap returns the last fetch's error.
func (e *BackoffError) Unwrap() error { return e.Err }
