package tokens

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// t0 is the fake clock's start: requests in tests are "sent" at t0.
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// clock is a fake clock that tests advance by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: t0} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// sleeper records the waits a Client asks for and advances the clock
// instead of sleeping.
type sleeper struct {
	clock *clock
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeper) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	s.clock.Advance(d)
	return ctx.Err()
}

// captured is what a test server saw of one request.
type captured struct {
	Method        string
	Path          string
	Query         string
	ContentType   string
	Accept        string
	Authorization string
	Body          string
}

// answer is one canned response.
type answer struct {
	status int
	header map[string]string
	body   string
}

// server is a test token endpoint that records requests and plays answers
// in order (the last one repeats).
type server struct {
	*httptest.Server
	count   atomic.Int64
	mu      sync.Mutex
	seen    []captured
	answers []answer
}

func newServer(t testing.TB, answers ...answer) *server {
	s := &server{answers: answers}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(s.count.Add(1))
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.seen = append(s.seen, captured{
			Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
			ContentType: r.Header.Get("Content-Type"), Accept: r.Header.Get("Accept"),
			Authorization: r.Header.Get("Authorization"), Body: string(body),
		})
		s.mu.Unlock()
		a := s.answers[min(n, len(s.answers))-1]
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(a.status)
		_, _ = io.WriteString(w, a.body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) requests() []captured {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]captured(nil), s.seen...)
}

// okToken is a minimal RFC 6749 section 5.1 answer.
var okToken = answer{status: 200, body: `{"access_token":"at-1","token_type":"Bearer","expires_in":3600}`}

func sprintf(format string, a ...any) string { return fmt.Sprintf(format, a...) }
