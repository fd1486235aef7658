package tokens

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/sdk/secret"
	"github.com/google/go-cmp/cmp"
)

// testClient is a Client on srv with a fake clock and a recording sleep,
// and a backoff that always waits its ceiling so waits are predictable.
func testClient(srv *server) (*Client, *sleeper) {
	clk := newClock()
	sl := &sleeper{clock: clk}
	return &Client{
		HTTP:  srv.Client(),
		Now:   clk.Now,
		Sleep: sl.Sleep,
		Backoff: func(attempt int, maxWait time.Duration) time.Duration {
			return min(time.Duration(attempt)*time.Second, maxWait)
		},
	}, sl
}

func ccRequest(url string, retry Retry) *Request {
	return &Request{URL: url, ClientID: "id", ClientSecret: secret.New("s3cret"), GrantType: "client_credentials", Scope: "a b", IncludeScope: true, Retry: retry}
}

func TestFetchRetries(t *testing.T) {
	unavailable := answer{status: 503, body: `{"error":"temporarily_unavailable"}`}
	tests := []struct {
		name      string
		answers   []answer
		retry     Retry
		wantCount int64
		wantWaits []time.Duration
		wantErr   *Error // nil: success
	}{{
		name:      "invalid_client is final",
		answers:   []answer{{status: 401, body: `{"error":"invalid_client"}`}},
		wantCount: 1,
		wantErr:   &Error{Status: 401, Code: "invalid_client", Attempts: 1, Hint: codeHints[CodeInvalidClient]},
	}, {
		name:      "400 invalid_grant is final",
		answers:   []answer{{status: 400, body: `{"error":"invalid_grant"}`}},
		wantCount: 1,
		wantErr:   &Error{Status: 400, Code: "invalid_grant", Attempts: 1, Hint: codeHints[CodeInvalidGrant]},
	}, {
		name:      "501 is final",
		answers:   []answer{{status: 501, body: ``}},
		wantCount: 1,
		wantErr:   &Error{Status: 501, Attempts: 1, Hint: statusHint(501, false)},
	}, {
		name:      "503, 503, 200 within bounds",
		answers:   []answer{unavailable, unavailable, okToken},
		wantCount: 3,
		wantWaits: []time.Duration{time.Second, 2 * time.Second},
	}, {
		name:      "500s exhaust the attempts",
		answers:   []answer{{status: 500, body: "boom"}},
		wantCount: 3,
		wantWaits: []time.Duration{time.Second, 2 * time.Second},
		wantErr:   &Error{Status: 500, Snippet: "boom", Attempts: 3, Hint: statusHint(500, false)},
	}, {
		name:      "429 with Retry-After seconds",
		answers:   []answer{{status: 429, header: map[string]string{"Retry-After": "7"}}, okToken},
		wantCount: 2,
		wantWaits: []time.Duration{7 * time.Second},
	}, {
		name:      "503 with Retry-After HTTP-date",
		answers:   []answer{{status: 503, header: map[string]string{"Retry-After": t0.Add(42 * time.Second).Format(http.TimeFormat)}}, okToken},
		wantCount: 2,
		wantWaits: []time.Duration{42 * time.Second},
	}, {
		name:      "Retry-After beyond max_wait stops",
		answers:   []answer{{status: 503, header: map[string]string{"Retry-After": "120"}}, okToken},
		retry:     Retry{MaxWait: time.Minute},
		wantCount: 1,
		wantErr:   &Error{Status: 503, RetryAfter: 2 * time.Minute, Attempts: 1, Hint: statusHint(503, false) + " (the server asked to wait 2m0s)"},
	}, {
		name:      "backoff is capped at max_wait",
		answers:   []answer{unavailable, unavailable, unavailable, okToken},
		retry:     Retry{Attempts: 4, MaxWait: 1500 * time.Millisecond},
		wantCount: 4,
		wantWaits: []time.Duration{time.Second, 1500 * time.Millisecond, 1500 * time.Millisecond},
	}, {
		name:      "NoRetry sends once",
		answers:   []answer{unavailable, okToken},
		retry:     NoRetry,
		wantCount: 1,
		wantErr:   &Error{Status: 503, Code: "temporarily_unavailable", Attempts: 1, Hint: statusHint(503, false)},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, tt.answers...)
			c, sl := testClient(srv)
			tok, err := c.Fetch(context.Background(), ccRequest(srv.URL+"/token", tt.retry), Mapping{})
			if got := srv.count.Load(); got != tt.wantCount {
				t.Errorf("server got %d requests, want %d", got, tt.wantCount)
			}
			if d := cmp.Diff(tt.wantWaits, sl.waits); d != "" {
				t.Errorf("waits (-want +got):\n%s", d)
			}
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Fetch: %v", err)
				}
				if tok.AccessToken.Reveal() != "at-1" || tok.Scope != "a b" {
					t.Errorf("token = %q scope %q", tok.AccessToken.Reveal(), tok.Scope)
				}
				return
			}
			wantError(*tt.wantErr)(t, err)
			if !strings.HasPrefix(err.Error(), "token request to "+srv.URL+"/token: token endpoint answered HTTP") {
				t.Errorf("error lacks the URL context: %v", err)
			}
		})
	}
}

func TestSendStopsOnContext(t *testing.T) {
	srv := newServer(t, answer{status: 503})
	c, _ := testClient(srv)
	ctx, cancel := context.WithCancel(context.Background())
	c.Sleep = func(ctx context.Context, d time.Duration) error {
		cancel()
		<-ctx.Done()
		return ctx.Err()
	}
	_, err := c.Send(ctx, ccRequest(srv.URL, Retry{Attempts: 10}))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
	if got := srv.count.Load(); got != 1 {
		t.Errorf("server got %d requests after cancellation, want 1", got)
	}
}

func TestSendStopsBeforeDeadline(t *testing.T) {
	srv := newServer(t, answer{status: 429, header: map[string]string{"Retry-After": "30"}})
	c, sl := testClient(srv)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := c.Send(ctx, ccRequest(srv.URL, Retry{}))
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if r.Status != 429 || srv.count.Load() != 1 || len(sl.waits) != 0 {
		t.Errorf("status %d after %d requests and waits %v; want the 429 at once", r.Status, srv.count.Load(), sl.waits)
	}
}

func TestSendRetriesNetworkErrors(t *testing.T) {
	srv := newServer(t, okToken)
	c, sl := testClient(srv)
	fails := 2
	c.HTTP = doerFunc(func(r *http.Request) (*http.Response, error) {
		if fails > 0 {
			fails--
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
		}
		return srv.Client().Do(r)
	})
	if _, err := c.Fetch(context.Background(), ccRequest(srv.URL, Retry{}), Mapping{}); err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if len(sl.waits) != 2 || srv.count.Load() != 1 {
		t.Errorf("waits %v, server requests %d; want 2 waits and 1 request", sl.waits, srv.count.Load())
	}

	fails = 10
	_, err := c.Fetch(context.Background(), ccRequest(srv.URL+"/token?api_key=CANARY-SECRET-q1w2e3r4t5y6", Retry{}), Mapping{})
	var op *net.OpError
	if !errors.As(err, &op) || !strings.Contains(err.Error(), "failed (attempt 3 of 3)") {
		t.Errorf("error = %v, want the dial error after 3 attempts", err)
	}
	if strings.Contains(err.Error(), "CANARY") {
		t.Errorf("error shows the query: %v", err)
	}
}

type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

func TestSendNeverFollowsRedirects(t *testing.T) {
	target := newServer(t, okToken)
	srv := newServer(t, answer{status: http.StatusTemporaryRedirect, header: map[string]string{"Location": target.URL + "/token"}})
	c, _ := testClient(srv)
	_, err := c.Fetch(context.Background(), ccRequest(srv.URL, Retry{}), Mapping{})
	wantError(Error{Status: 307, Snippet: "redirect to " + target.URL + "/token", Attempts: 1, Hint: statusHint(307, false)})(t, err)
	if target.count.Load() != 0 {
		t.Error("the redirect was followed")
	}
	if srv.Client().CheckRedirect != nil {
		t.Error("Send changed the caller's *http.Client")
	}
}

func TestSendRefusesLargeBodies(t *testing.T) {
	srv := newServer(t, answer{status: 200, body: `{"access_token":"` + strings.Repeat("a", MaxBodySize) + `"}`})
	c, _ := testClient(srv)
	_, err := c.Send(context.Background(), ccRequest(srv.URL, Retry{}))
	if !errors.Is(err, ErrResponseTooLarge) || srv.count.Load() != 1 {
		t.Errorf("error = %v after %d requests, want ErrResponseTooLarge after 1", err, srv.count.Load())
	}
}

func TestSendNeedsHTTP(t *testing.T) {
	_, err := (&Client{}).Send(context.Background(), ccRequest("https://x.example/t", Retry{}))
	if err == nil || !strings.Contains(err.Error(), "Client.HTTP is nil") {
		t.Errorf("error = %v", err)
	}
}

func TestDefaultRetryPolicy(t *testing.T) {
	done, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		resp *Response
		err  error
		want bool
	}{
		{"network error", context.Background(), nil, errors.New("reset"), true},
		{"context done", done, nil, errors.New("reset"), false},
		{"too large", context.Background(), nil, ErrResponseTooLarge, false},
		{"429", context.Background(), &Response{Status: 429}, nil, true},
		{"500", context.Background(), &Response{Status: 500}, nil, true},
		{"502", context.Background(), &Response{Status: 502}, nil, true},
		{"501", context.Background(), &Response{Status: 501}, nil, false},
		{"400", context.Background(), &Response{Status: 400}, nil, false},
		{"401", context.Background(), &Response{Status: 401}, nil, false},
		{"200", context.Background(), &Response{Status: 200}, nil, false},
	}
	for _, tt := range tests {
		if got := DefaultRetryPolicy(tt.ctx, tt.resp, tt.err); got != tt.want {
			t.Errorf("%s: DefaultRetryPolicy = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestExponentialBackoff(t *testing.T) {
	b := ExponentialBackoff(time.Second)
	for attempt, ceiling := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 6: 10 * time.Second, 100: 10 * time.Second} {
		for range 200 {
			if d := b(attempt, 10*time.Second); d < 0 || d > ceiling {
				t.Fatalf("backoff(%d) = %s, want within [0, %s]", attempt, d, ceiling)
			}
		}
	}
	if d := DefaultBackoff(1, 0); d != 0 {
		t.Errorf("backoff with no room = %s", d)
	}
}

func TestFetchAuthorizationCodeOnce(t *testing.T) {
	srv := newServer(t, answer{status: 502})
	c, _ := testClient(srv)
	req := &Request{URL: srv.URL, ClientAuth: manifest.ClientAuthBody, ClientID: "id", ClientSecret: secret.New("s"),
		GrantType: "authorization_code", Params: Params{{"code", secret.New("one-time")}}, Retry: NoRetry}
	if _, err := c.Fetch(context.Background(), req, Mapping{}); err == nil {
		t.Fatal("Fetch succeeded on a 502")
	}
	if got := srv.count.Load(); got != 1 {
		t.Errorf("the code was sent %d times, want 1", got)
	}
}

func TestSendReusesConnections(t *testing.T) {
	var conns, n atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, strings.Repeat("busy ", 1000))
			return
		}
		_, _ = io.WriteString(w, okToken.body)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c := &Client{HTTP: srv.Client(), Sleep: func(context.Context, time.Duration) error { return nil }}
	if _, err := c.Fetch(context.Background(), ccRequest(srv.URL, Retry{}), Mapping{}); err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if n.Load() != 3 || conns.Load() != 1 {
		t.Errorf("%d requests over %d connections, want 3 over 1", n.Load(), conns.Load())
	}
}
