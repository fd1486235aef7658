package tokens

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/connkit/connkit/sdk/secret"
)

// counter is a fetch function that issues numbered tokens of a fixed
// lifetime on a clock, or fails with err when set.
type counter struct {
	clock    *clock
	lifetime time.Duration
	n        atomic.Int64
	mu       sync.Mutex
	err      error
}

func (c *counter) fetch(context.Context) (*Token, error) {
	n := c.n.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return nil, c.err
	}
	now := c.clock.Now()
	return &Token{AccessToken: secret.New("at-" + strconv.FormatInt(n, 10)), IssuedAt: now, Expiry: now.Add(c.lifetime)}, nil
}

func (c *counter) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.err = err
}

func mustToken(t *testing.T, s *Source) *Token {
	t.Helper()
	tok, err := s.Token(context.Background())
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	return tok
}

func TestSourceOneFetchForManyCallers(t *testing.T) {
	srv := newServer(t, okToken)
	c := &Client{HTTP: srv.Client()}
	s := NewSource(func(ctx context.Context) (*Token, error) {
		return c.Fetch(ctx, ccRequest(srv.URL, Retry{}), Mapping{})
	}, SourceOptions{})
	const callers = 1000
	toks := make([]*Token, callers)
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() { toks[i], errs[i] = s.Token(context.Background()) })
	}
	wg.Wait()
	if got := srv.count.Load(); got != 1 {
		t.Errorf("%d concurrent callers caused %d token requests, want 1", callers, got)
	}
	for i := range callers {
		if errs[i] != nil || toks[i] != toks[0] {
			t.Fatalf("caller %d got %v, %v; want the shared token", i, toks[i], errs[i])
		}
	}
}

func TestSourceRenewal(t *testing.T) {
	tests := []struct {
		name     string
		lifetime time.Duration
		steps    []time.Duration // clock advances, each followed by a Token call
		want     []int64         // fetches after each call
	}{
		{"renews renew_before ahead of expiry", time.Hour,
			[]time.Duration{0, time.Hour - 61*time.Second, 2 * time.Second, time.Minute}, []int64{1, 1, 2, 2}},
		{"a short-lived token is used for half its life", 5 * time.Second,
			[]time.Duration{0, 2 * time.Second, time.Second, time.Second}, []int64{1, 1, 2, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			f := &counter{clock: clk, lifetime: tt.lifetime}
			s := NewSource(f.fetch, SourceOptions{Now: clk.Now, RenewBefore: time.Minute})
			for i, d := range tt.steps {
				clk.Advance(d)
				mustToken(t, s)
				if got := f.n.Load(); got != tt.want[i] {
					t.Fatalf("after step %d (+%s): %d fetches, want %d", i, d, got, tt.want[i])
				}
			}
		})
	}
}

func TestSourceInvalidate(t *testing.T) {
	clk := newClock()
	f := &counter{clock: clk, lifetime: time.Hour}
	s := NewSource(f.fetch, SourceOptions{Now: clk.Now})
	a := mustToken(t, s)

	// 50 callers had the same token rejected: one renewal.
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			s.Invalidate(a)
			if _, err := s.Token(context.Background()); err != nil {
				t.Errorf("Token: %v", err)
			}
		})
	}
	wg.Wait()
	if got := f.n.Load(); got != 2 {
		t.Fatalf("50 invalidations of one token caused %d fetches, want 2 in all", got)
	}
	b := mustToken(t, s)
	if b == a {
		t.Fatal("the invalidated token is still handed out")
	}

	// A stale token does nothing.
	s.Invalidate(a)
	s.Invalidate(nil)
	s.Invalidate(&Token{AccessToken: b.AccessToken, Expiry: b.Expiry})
	if got := mustToken(t, s); got != b || f.n.Load() != 2 {
		t.Errorf("Invalidate with a replaced token renewed: %d fetches", f.n.Load())
	}
	if s.Current() != b {
		t.Error("Current() is not the current token")
	}
}

func TestSourceErrorWindow(t *testing.T) {
	clk := newClock()
	srv := newServer(t, answer{status: 500, body: `{"error":"server_error"}`})
	c := &Client{HTTP: srv.Client(), Now: clk.Now}
	s := NewSource(func(ctx context.Context) (*Token, error) {
		return c.Fetch(ctx, ccRequest(srv.URL, NoRetry), Mapping{})
	}, SourceOptions{Now: clk.Now, ErrorTTL: 2 * time.Second, MaxErrorTTL: 5 * time.Second})

	// N concurrent callers on a failing endpoint: one request.
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			if _, err := s.Token(context.Background()); err == nil {
				t.Error("Token succeeded on a failing endpoint")
			}
		})
	}
	wg.Wait()
	if got := srv.count.Load(); got != 1 {
		t.Fatalf("100 callers caused %d requests, want 1", got)
	}

	steps := []struct {
		advance   time.Duration
		wantCount int64
		wantUntil time.Duration // from t0; zero: a fresh failure, not a BackoffError
	}{
		{0, 1, 2 * time.Second},                        // inside the first window
		{1900 * time.Millisecond, 1, 2 * time.Second},  // still inside
		{100 * time.Millisecond, 2, 0},                 // window over: a new request fails
		{3900 * time.Millisecond, 2, 6 * time.Second},  // second window is 4s
		{100 * time.Millisecond, 3, 0},                 // over
		{4900 * time.Millisecond, 3, 11 * time.Second}, // third window is capped at 5s
	}
	for i, st := range steps {
		clk.Advance(st.advance)
		_, err := s.Token(context.Background())
		if got := srv.count.Load(); got != st.wantCount {
			t.Fatalf("step %d: %d requests, want %d", i, got, st.wantCount)
		}
		var be *BackoffError
		var te *Error
		if !errors.As(err, &te) || te.Code != "server_error" {
			t.Fatalf("step %d: error %v does not wrap the endpoint's *Error", i, err)
		}
		if st.wantUntil == 0 {
			if errors.As(err, &be) {
				t.Errorf("step %d: got a cached error, want a fresh one", i)
			}
			continue
		}
		if !errors.As(err, &be) || !be.NextAttempt.Equal(t0.Add(st.wantUntil)) {
			t.Fatalf("step %d: error %v, want a BackoffError until %s", i, err, t0.Add(st.wantUntil))
		}
		if !strings.Contains(be.Error(), "next attempt at "+t0.Add(st.wantUntil).Format(time.RFC3339)) {
			t.Errorf("BackoffError says %q", be.Error())
		}
	}

	// Set forgets the error.
	s.Set(&Token{AccessToken: secret.New("seeded"), IssuedAt: clk.Now(), Expiry: clk.Now().Add(time.Hour)})
	if tok := mustToken(t, s); tok.AccessToken.Reveal() != "seeded" || srv.count.Load() != 3 {
		t.Errorf("after Set: token %q, %d requests", tok.AccessToken.Reveal(), srv.count.Load())
	}
}

func TestSourceErrorWindowHonoursRetryAfter(t *testing.T) {
	clk := newClock()
	f := &counter{clock: clk}
	f.fail(&Error{Status: 429, RetryAfter: 30 * time.Second})
	s := NewSource(f.fetch, SourceOptions{Now: clk.Now})
	_, _ = s.Token(context.Background())
	clk.Advance(29 * time.Second)
	_, err := s.Token(context.Background())
	var be *BackoffError
	if !errors.As(err, &be) || !be.NextAttempt.Equal(t0.Add(30*time.Second)) || f.n.Load() != 1 {
		t.Errorf("error %v after %d fetches; want a BackoffError until +30s after 1", err, f.n.Load())
	}
}

func TestSourceKeepsUsableTokenWhileFailing(t *testing.T) {
	clk := newClock()
	f := &counter{clock: clk, lifetime: time.Hour}
	s := NewSource(f.fetch, SourceOptions{Now: clk.Now})
	a := mustToken(t, s)
	f.fail(errors.New("endpoint down"))
	clk.Advance(time.Hour - 30*time.Second) // due for renewal, not expired
	for range 3 {
		if got := mustToken(t, s); got != a {
			t.Fatal("a usable token was not handed out while renewal fails")
		}
	}
	if f.n.Load() != 2 {
		t.Errorf("%d fetches, want 2", f.n.Load())
	}
	s.Invalidate(a)
	if _, err := s.Token(context.Background()); err == nil {
		t.Error("an invalidated token was handed out")
	}
	clk.Advance(time.Minute)
	s.Set(a)
	if _, err := s.Token(context.Background()); err == nil || !strings.Contains(err.Error(), "endpoint down") {
		t.Errorf("an expired token: error %v", err)
	}
}

func TestSourceCallerCancellation(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	var fetchCtxAlive atomic.Bool
	var fetches atomic.Int64
	s := NewSource(func(ctx context.Context) (*Token, error) {
		fetches.Add(1)
		if _, ok := ctx.Deadline(); !ok {
			t.Error("the fetch has no deadline")
		}
		close(started)
		<-release
		fetchCtxAlive.Store(ctx.Err() == nil)
		return &Token{AccessToken: secret.New("at"), IssuedAt: time.Now(), Expiry: time.Now().Add(time.Hour)}, nil
	}, SourceOptions{})

	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan error)
	go func() { _, err := s.Token(ctx); first <- err }()
	<-started
	second := make(chan *Token)
	go func() { tok, _ := s.Token(context.Background()); second <- tok }()
	cancel()
	if err := <-first; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled caller got %v, want context.Canceled", err)
	}
	close(release)
	if tok := <-second; tok == nil {
		t.Error("the other caller got no token after the first one gave up")
	}
	if !fetchCtxAlive.Load() {
		t.Error("the fetch's context was cancelled with the first caller's")
	}
	if fetches.Load() != 1 {
		t.Errorf("%d fetches, want 1", fetches.Load())
	}
}

func TestSourceOnToken(t *testing.T) {
	clk := newClock()
	f := &counter{clock: clk, lifetime: time.Hour}
	var hooked []*Token
	s := NewSource(f.fetch, SourceOptions{Now: clk.Now, OnToken: func(ctx context.Context, tok *Token) error {
		hooked = append(hooked, tok)
		return nil
	}})
	tok := mustToken(t, s)
	if len(hooked) != 1 || hooked[0] != tok {
		t.Fatalf("OnToken saw %v, want the handed-out token once", hooked)
	}
	mustToken(t, s)
	s.Set(&Token{AccessToken: secret.New("seeded"), Expiry: clk.Now().Add(time.Hour)})
	if len(hooked) != 1 {
		t.Errorf("OnToken ran %d times; want once (not for cache hits or Set)", len(hooked))
	}

	failing := NewSource(f.fetch, SourceOptions{Now: clk.Now, OnToken: func(context.Context, *Token) error {
		return errors.New("store unavailable")
	}})
	_, err := failing.Token(context.Background())
	if err == nil || !strings.Contains(err.Error(), "token hook: store unavailable") || failing.Current() != nil {
		t.Errorf("hook failure: error %v, current %v; want the hook's error and nothing cached", err, failing.Current())
	}
}

func TestSourceRefusesBadFetches(t *testing.T) {
	clk := newClock()
	tests := []struct {
		name string
		tok  *Token
		want string
	}{
		{"nil", nil, "returned no access token"},
		{"empty", &Token{Expiry: t0.Add(time.Hour)}, "returned no access token"},
		{"expired", &Token{AccessToken: secret.New("at"), Expiry: t0.Add(-time.Second)}, "returned a token that expired at 2025-03-01T11:59:59Z"},
	}
	for _, tt := range tests {
		s := NewSource(func(context.Context) (*Token, error) { return tt.tok, nil }, SourceOptions{Now: clk.Now})
		if _, err := s.Token(context.Background()); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
}
