package sdk_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/connkit/connkit/sdk"
)

// status answers code with a JSON body and optional headers.
func status(code int, body string, kv ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(kv); i += 2 {
			w.Header().Set(kv[i], kv[i+1])
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	}
}

// TestTokenEndpointMisbehaving: retries of network-level and server
// failures within the manifest's bounds, honouring Retry-After; final 4xx
// answers; typed errors with hints.
func TestTokenEndpointMisbehaving(t *testing.T) {
	ok := tokenReply("AT-1", 3600)
	cases := []struct {
		name     string
		retry    string
		answers  []http.HandlerFunc
		requests int
		// waits are the exact waits between attempts; nil with maxWait
		// checks only their count and bound.
		waits     []time.Duration
		nWaits    int
		wantKind  sdk.Kind
		wantHint  string
		wantInMsg string
	}{
		{name: "503, 503, 200 is retried", retry: "{attempts: 3, max_wait: 5s}",
			answers: []http.HandlerFunc{status(503, ""), status(503, ""), ok}, requests: 3, nWaits: 2},
		{name: "503 until the attempts run out", retry: "{attempts: 3, max_wait: 5s}",
			answers: []http.HandlerFunc{status(503, "")}, requests: 3, nWaits: 2,
			wantKind: sdk.KindAuth, wantHint: "retry later"},
		{name: "Retry-After seconds is honoured", retry: "{attempts: 3, max_wait: 30s}",
			answers: []http.HandlerFunc{status(503, "", "Retry-After", "7"), ok}, requests: 2, waits: []time.Duration{7 * time.Second}},
		{name: "Retry-After HTTP-date is honoured", retry: "{attempts: 3, max_wait: 30s}",
			answers:  []http.HandlerFunc{status(429, "", "Retry-After", t0.Add(12*time.Second).Format(http.TimeFormat)), ok},
			requests: 2, waits: []time.Duration{12 * time.Second}},
		{name: "Retry-After beyond max_wait ends the retries", retry: "{attempts: 3, max_wait: 30s}",
			answers: []http.HandlerFunc{status(503, "", "Retry-After", "120"), ok}, requests: 1,
			wantKind: sdk.KindAuth, wantHint: "the server asked to wait 2m0s"},
		{name: "invalid_client is not retried", retry: "{attempts: 3, max_wait: 5s}",
			answers:  []http.HandlerFunc{status(401, `{"error":"invalid_client","error_description":"bad secret"}`), ok},
			requests: 1, wantKind: sdk.KindAuth, wantHint: "check the client ID, the client secret and the token URL", wantInMsg: "invalid_client"},
		{name: "invalid_scope", answers: []http.HandlerFunc{status(400, `{"error":"invalid_scope"}`)},
			requests: 1, wantKind: sdk.KindAuth, wantHint: "check the requested scope against the provider's docs"},
		{name: "501 is not retried", answers: []http.HandlerFunc{status(501, ""), ok},
			requests: 1, wantKind: sdk.KindAuth},
		{name: "an HTML page", answers: []http.HandlerFunc{status(200, "<html><title>Sign in</title></html>", "Content-Type", "text/html")},
			requests: 1, wantKind: sdk.KindAuth, wantHint: "the token URL is probably wrong"},
		{name: "200 with an error body", answers: []http.HandlerFunc{status(200, `{"error":"invalid_grant"}`)},
			requests: 1, wantKind: sdk.KindAuth, wantInMsg: "invalid_grant"},
		{name: "200 without a token", answers: []http.HandlerFunc{status(200, `{"token_type":"Bearer"}`)},
			requests: 1, wantKind: sdk.KindAuth, wantInMsg: "access_token"},
		{name: "unknown token type fails closed", answers: []http.HandlerFunc{status(200, `{"access_token":"x","token_type":"mac"}`)},
			requests: 1, wantKind: sdk.KindAuth, wantInMsg: "mac"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, map[string]http.HandlerFunc{"/oauth/token": sequence(tc.answers...)})
			clk := newClock()
			sl := &sleeper{clock: clk}
			auth := ""
			if tc.retry != "" {
				auth = "    retry: " + tc.retry
			}
			c := connector(t, s, sdk.Options{Now: clk.Now, Sleep: sl.Sleep}, ccManifest(auth))
			conn, err := c.Connect(context.Background(), nil, sdk.ConnectOptions{})
			if n := s.count("/oauth/token"); n != tc.requests {
				t.Errorf("%d token requests, want %d", n, tc.requests)
			}
			switch {
			case tc.waits != nil:
				if diff := cmp.Diff(tc.waits, sl.Waits()); diff != "" {
					t.Errorf("waits (-want +got):\n%s", diff)
				}
			case len(sl.Waits()) != tc.nWaits:
				t.Errorf("waits %v, want %d", sl.Waits(), tc.nWaits)
			}
			for _, w := range sl.Waits() {
				if w < 0 || w > 30*time.Second {
					t.Errorf("wait %v beyond max_wait", w)
				}
			}
			if tc.wantKind == "" {
				if err != nil {
					t.Fatalf("Connect: %v", err)
				}
				if conn.Token() == nil {
					t.Error("no token")
				}
				return
			}
			if sdk.KindOf(err) != tc.wantKind {
				t.Fatalf("Connect: %v (kind %s), want kind %s", err, sdk.KindOf(err), tc.wantKind)
			}
			if !strings.Contains(sdk.HintOf(err), tc.wantHint) {
				t.Errorf("hint %q, want it to contain %q", sdk.HintOf(err), tc.wantHint)
			}
			if !strings.Contains(err.Error(), tc.wantInMsg) {
				t.Errorf("error %q, want it to contain %q", err, tc.wantInMsg)
			}
		})
	}
}

// TestTokenErrorWindow: while the token endpoint fails, further callers get
// the cached error instead of sending more requests, until the window ends.
func TestTokenErrorWindow(t *testing.T) {
	s := newServer(t, map[string]http.HandlerFunc{
		"/oauth/token": sequence(tokenReply("AT-1", 60), status(400, `{"error":"invalid_client"}`), tokenReply("AT-2", 3600)),
		"/api/item":    jsonReply(200, nil),
	})
	clk := newClock()
	conn := connect(t, s, sdk.Options{Now: clk.Now}, ccManifest(""), nil)
	clk.Advance(2 * time.Minute) // expired
	for range 5 {
		if _, err := conn.Do(context.Background(), &sdk.Request{Path: "/item"}); sdk.KindOf(err) != sdk.KindAuth {
			t.Fatalf("Do: %v (kind %s), want kind auth", err, sdk.KindOf(err))
		}
	}
	if n := s.count("/oauth/token"); n != 2 {
		t.Errorf("%d token requests while failing, want 2", n)
	}
	clk.Advance(time.Minute)
	do(t, conn, &sdk.Request{Path: "/item"})
	if n := s.count("/oauth/token"); n != 3 {
		t.Errorf("%d token requests after the window, want 3", n)
	}
	if s.count("/api/item") != 1 {
		t.Errorf("%d API requests, want 1", s.count("/api/item"))
	}
}

// TestTokenURLBlocked: a token URL outside the whitelist is refused once,
// without retries, and nothing reaches the server.
func TestTokenURLBlocked(t *testing.T) {
	s := newServer(t, map[string]http.HandlerFunc{"/oauth/token": tokenReply("AT", 3600)})
	sl := &sleeper{}
	y := strings.Replace(ccManifest(""), "whitelist: [$URL/]", "whitelist: [$URL/api/]", 1)
	c := connector(t, s, sdk.Options{Sleep: sl.Sleep}, y)
	_, err := c.Connect(context.Background(), nil, sdk.ConnectOptions{})
	if sdk.KindOf(err) != sdk.KindBlocked {
		t.Fatalf("Connect: %v (kind %s), want blocked", err, sdk.KindOf(err))
	}
	if s.total.Load() != 0 || len(sl.Waits()) != 0 {
		t.Errorf("%d requests and waits %v, want none", s.total.Load(), sl.Waits())
	}
}
