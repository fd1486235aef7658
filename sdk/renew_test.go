package sdk_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/connkit/connkit/sdk"
)

// tokenIssuer issues AT-1, AT-2, ... with the given lifetime.
func tokenIssuer(expiresIn int) http.HandlerFunc {
	var n atomic.Int64
	return func(w http.ResponseWriter, r *http.Request) {
		tokenReply("AT-"+strconv.FormatInt(n.Add(1), 10), expiresIn)(w, r)
	}
}

// ccManifest is a client-credentials connector without a test call, with
// extra auth settings spliced into its auth section.
func ccManifest(auth string) string {
	return `
connkit: v1
id: t-renew
name: Renew
base_url: $URL/api
auth:
  type: oauth2_client_credentials
  token:
    url: $URL/oauth/token
    client_id: cid
    client_secret: csecret
` + auth + `
whitelist: [$URL/]
`
}

// TestConcurrentDoOneTokenRequest: 1,000 concurrent Do calls on a
// connection whose token must be renewed (expired, or refused by the API)
// cause exactly one token request.
func TestConcurrentDoOneTokenRequest(t *testing.T) {
	cases := []struct {
		name string
		// prepare makes the current token due for renewal.
		prepare func(*clock)
		// accepted is the token the API accepts: any, or only AT-2.
		accepted string
	}{
		{name: "expired", prepare: func(c *clock) { c.Advance(2 * time.Hour) }},
		{name: "refused by the API", prepare: func(*clock) {}, accepted: "AT-2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, map[string]http.HandlerFunc{
				"/oauth/token": tokenIssuer(3600),
				"/api/item": func(w http.ResponseWriter, r *http.Request) {
					got := r.Header.Get("Authorization")
					if !strings.HasPrefix(got, "Bearer AT-") || (tc.accepted != "" && got != "Bearer "+tc.accepted) {
						w.WriteHeader(http.StatusUnauthorized)
						return
					}
					w.WriteHeader(http.StatusOK)
				},
			})
			clk := newClock()
			conn := connect(t, s, sdk.Options{Now: clk.Now}, ccManifest(""), nil)
			if n := s.count("/oauth/token"); n != 1 {
				t.Fatalf("Connect sent %d token requests, want 1", n)
			}
			tc.prepare(clk)
			const callers = 1000
			var wg sync.WaitGroup
			statuses := make([]int, callers)
			errs := make([]error, callers)
			for i := range callers {
				wg.Go(func() {
					resp, err := conn.Do(context.Background(), &sdk.Request{Path: "/item"})
					errs[i] = err
					if err == nil {
						statuses[i] = resp.Status
					}
				})
			}
			wg.Wait()
			for i := range callers {
				if errs[i] != nil || statuses[i] != http.StatusOK {
					t.Fatalf("call %d: status %d, error %v", i, statuses[i], errs[i])
				}
			}
			if n := s.count("/oauth/token"); n != 2 {
				t.Errorf("%d token requests, want 2 (Connect and one renewal)", n)
			}
		})
	}
}

// TestRenewOnRefusal: a response that says the token is no longer valid
// renews it once and retries the request once, with its body; it never
// loops, and other answers never renew.
func TestRenewOnRefusal(t *testing.T) {
	type sent struct {
		Auth string
		Body string
	}
	cases := []struct {
		name   string
		auth   string
		api    func(w http.ResponseWriter, r *http.Request)
		req    sdk.Request
		status int
		tokens int
		want   []sent
	}{
		{
			name: "401 renews once and retries once",
			api:  bearerOnly("AT-2", map[string]any{"ok": true}),
			req:  sdk.Request{Path: "/item"}, status: 200, tokens: 2,
			want: []sent{{Auth: "Bearer AT-1"}, {Auth: "Bearer AT-2"}},
		},
		{
			name: "a refused new token does not loop",
			api:  bearerOnly("never", nil),
			req:  sdk.Request{Path: "/item"}, status: 401, tokens: 2,
			want: []sent{{Auth: "Bearer AT-1"}, {Auth: "Bearer AT-2"}},
		},
		{
			name: "a POST body is replayed",
			api:  bearerOnly("AT-2", map[string]any{"ok": true}),
			req: sdk.Request{Method: "POST", Path: "/item", Body: []byte(`{"n":1}`),
				Header: header("Content-Type", "application/json")},
			status: 200, tokens: 2,
			want: []sent{{Auth: "Bearer AT-1", Body: `{"n":1}`}, {Auth: "Bearer AT-2", Body: `{"n":1}`}},
		},
		{
			name: "renew_on status 403",
			auth: "  renew_on: {status: [403]}",
			api: func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("Authorization") != "Bearer AT-2" {
					w.WriteHeader(http.StatusForbidden)
					return
				}
				w.WriteHeader(http.StatusOK)
			},
			req: sdk.Request{Path: "/item"}, status: 200, tokens: 2,
			want: []sent{{Auth: "Bearer AT-1"}, {Auth: "Bearer AT-2"}},
		},
		{
			name: "401 does not renew when renew_on names other statuses",
			auth: "  renew_on: {status: [403]}",
			api:  bearerOnly("AT-2", nil),
			req:  sdk.Request{Path: "/item"}, status: 401, tokens: 1,
			want: []sent{{Auth: "Bearer AT-1"}},
		},
		{
			name: "renew_on body pattern on a 200",
			auth: `  renew_on: {body: ['"code":\s*"SESSION_EXPIRED"']}`,
			api: func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("Authorization") != "Bearer AT-2" {
					_, _ = io.WriteString(w, `{"code": "SESSION_EXPIRED"}`)
					return
				}
				_, _ = io.WriteString(w, `{"ok":true}`)
			},
			req: sdk.Request{Path: "/item"}, status: 200, tokens: 2,
			want: []sent{{Auth: "Bearer AT-1"}, {Auth: "Bearer AT-2"}},
		},
		{
			name: "a body that does not match keeps the token",
			auth: `  renew_on: {body: ['SESSION_EXPIRED']}`,
			api: func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = io.WriteString(w, `{"code":"BAD_INPUT"}`)
			},
			req: sdk.Request{Path: "/item"}, status: 400, tokens: 1,
			want: []sent{{Auth: "Bearer AT-1"}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, map[string]http.HandlerFunc{"/oauth/token": tokenIssuer(3600), "/api/item": tc.api})
			conn := connect(t, s, sdk.Options{}, ccManifest(tc.auth), nil)
			resp := do(t, conn, &tc.req)
			if resp.Status != tc.status {
				t.Errorf("status %d, want %d", resp.Status, tc.status)
			}
			if n := s.count("/oauth/token"); n != tc.tokens {
				t.Errorf("%d token requests, want %d", n, tc.tokens)
			}
			var got []sent
			for _, r := range s.requests() {
				if r.Path == "/api/item" {
					got = append(got, sent{Auth: r.Header.Get("Authorization"), Body: r.Body})
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("API requests (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRenewKeepsAnswerWithUnreplayableBody: through HTTPClient, a request
// whose body cannot be sent again is not retried: the caller gets the 401.
func TestRenewKeepsAnswerWithUnreplayableBody(t *testing.T) {
	s := newServer(t, map[string]http.HandlerFunc{"/oauth/token": tokenIssuer(3600), "/api/item": bearerOnly("AT-2", nil)})
	conn := connect(t, s, sdk.Options{}, ccManifest(""), nil)
	body := io.MultiReader(strings.NewReader("x")) // no GetBody
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, s.URL+"/api/item", body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := conn.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || s.count("/api/item") != 1 || s.count("/oauth/token") != 1 {
		t.Errorf("status %d, %d API and %d token requests; want 401, 1 and 1", resp.StatusCode, s.count("/api/item"), s.count("/oauth/token"))
	}
	// A replayable body is retried with the renewed token.
	req, err = http.NewRequestWithContext(context.Background(), http.MethodPost, s.URL+"/api/item", bytes.NewReader([]byte("y")))
	if err != nil {
		t.Fatal(err)
	}
	if resp, err = conn.HTTPClient().Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || s.last(t, "/api/item").Body != "y" {
		t.Errorf("status %d, last body %q; want 200 and y", resp.StatusCode, s.last(t, "/api/item").Body)
	}
}

// step advances the fake clock and says whether a renewal is then due.
type step struct {
	after time.Duration
	renew bool
}

// TestRenewBeforeExpiry: a token is renewed renew_before ahead of its
// expiry, clamped to half of a short lifetime.
func TestRenewBeforeExpiry(t *testing.T) {
	cases := []struct {
		name      string
		expiresIn int
		auth      string
		steps     []step
	}{
		{name: "default 60s ahead", expiresIn: 3600, steps: []step{{3539 * time.Second, false}, {2 * time.Second, true}}},
		{name: "renew_before 10m", expiresIn: 3600, auth: "  renew_before: 10m", steps: []step{{49 * time.Minute, false}, {61 * time.Second, true}}},
		{name: "short token: half its lifetime", expiresIn: 10, steps: []step{{4 * time.Second, false}, {2 * time.Second, true}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, map[string]http.HandlerFunc{"/oauth/token": tokenIssuer(tc.expiresIn), "/api/item": jsonReply(200, nil)})
			clk := newClock()
			conn := connect(t, s, sdk.Options{Now: clk.Now}, ccManifest(tc.auth), nil)
			if want := t0.Add(time.Duration(tc.expiresIn) * time.Second); !conn.ExpiresAt().Equal(want) {
				t.Errorf("ExpiresAt %v, want %v", conn.ExpiresAt(), want)
			}
			want := 1
			for i, st := range tc.steps {
				clk.Advance(st.after)
				do(t, conn, &sdk.Request{Path: "/item"})
				if st.renew {
					want++
				}
				if n := s.count("/oauth/token"); n != want {
					t.Errorf("step %d: %d token requests, want %d", i, n, want)
				}
			}
			if got := s.last(t, "/api/item").Header.Get("Authorization"); got != "Bearer AT-2" {
				t.Errorf("last request carried %q, want the renewed token", got)
			}
		})
	}
}
