package sdk_test

import (
	"context"
	"io"
	"net/http"
	"runtime"
	"slices"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/connkit/connkit/sdk"
)

// The benchmarks compare the runtime with what a hand-written client would
// do against the same httptest server on loopback, in one run:
//
//	go test -run '^$' -bench . -benchmem -count 10 ./sdk/ > /tmp/bench.txt
//	go run golang.org/x/perf/cmd/benchstat@latest /tmp/bench.txt

const benchToken = "AT-bench-0123456789"

// benchServer answers the token API and a small JSON API call that checks
// the bearer token.
func benchServer(b *testing.B) *testServer {
	b.Helper()
	ok := []byte(`{"id":1,"name":"bench"}`)
	return newServer(b, map[string]http.HandlerFunc{
		"/oauth/token": tokenReply(benchToken, 3600),
		"/api/item": func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer "+benchToken {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(ok)
		},
	})
}

const benchManifest = `
connkit: v1
id: bench
name: Bench
fields:
  - {key: client_id, label: Client ID, type: string, required: true}
  - {key: client_secret, label: Secret, type: secret, required: true}
base_url: $URL/api
auth:
  type: oauth2_client_credentials
  token:
    url: $URL/oauth/token
    client_id: "{{ fields.client_id }}"
    client_secret: "{{ fields.client_secret }}"
whitelist: [$URL/]
defaults:
  headers: {Accept: application/json}
`

func benchConn(b *testing.B, s *testServer) *sdk.Connection {
	b.Helper()
	return connect(b, s, sdk.Options{}, benchManifest, sdk.Values{"client_id": "id", "client_secret": "secret"})
}

// sendAndRead is what every compared client does per request: send, read
// the whole body, close it.
func sendAndRead(b *testing.B, c *http.Client, req *http.Request) {
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.ReadAll(resp.Body); err != nil {
		b.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("status %d", resp.StatusCode)
	}
}

// The compared clients: each returns a function that sends one request.

func viaDo(b *testing.B, s *testServer) func() {
	conn := benchConn(b, s)
	ctx := context.Background()
	req := &sdk.Request{Path: "/item"}
	return func() {
		resp, err := conn.Do(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		if resp.Status != http.StatusOK {
			b.Fatalf("status %d", resp.Status)
		}
	}
}

// viaBareHTTP is a bare net/http client that sets the same headers itself.
func viaBareHTTP(b *testing.B, s *testServer) func() {
	c := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	url := s.URL + "/api/item"
	return func() {
		req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Authorization", "Bearer "+benchToken)
		sendAndRead(b, c, req)
	}
}

// viaClient sends with c the request a generated API client would.
func viaClient(b *testing.B, s *testServer, c *http.Client) func() {
	url := s.URL + "/api/item"
	return func() {
		req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Accept", "application/json")
		sendAndRead(b, c, req)
	}
}

func viaHTTPClient(b *testing.B, s *testServer) func() {
	return viaClient(b, s, benchConn(b, s).HTTPClient())
}

// viaOAuth2Transport is a golang.org/x/oauth2 Transport with a static token.
func viaOAuth2Transport(b *testing.B, s *testServer) func() {
	return viaClient(b, s, &http.Client{Transport: &oauth2.Transport{
		Source: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: benchToken, TokenType: "Bearer"}),
		Base:   http.DefaultTransport.(*http.Transport).Clone(),
	}})
}

func bench(b *testing.B, via func(*testing.B, *testServer) func()) {
	send := via(b, benchServer(b))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		send()
	}
}

// BenchmarkDo sends GET requests with Connection.Do.
func BenchmarkDo(b *testing.B) { bench(b, viaDo) }

// BenchmarkBareHTTP sends the same requests with a bare net/http client.
func BenchmarkBareHTTP(b *testing.B) { bench(b, viaBareHTTP) }

// BenchmarkHTTPClient sends GET requests through Connection.HTTPClient.
func BenchmarkHTTPClient(b *testing.B) { bench(b, viaHTTPClient) }

// BenchmarkOAuth2Transport sends the same requests through an oauth2
// Transport.
func BenchmarkOAuth2Transport(b *testing.B) { bench(b, viaOAuth2Transport) }

// BenchmarkPaired alternates the two clients of each comparison request by
// request, against one server, and reports the ratio of their median
// request times (metric "x"): on a shared, busy machine both see the same
// load, which separate benchmarks run seconds apart do not, and the median
// ignores the stalls a busy scheduler adds to a few requests.
func BenchmarkPaired(b *testing.B) {
	pairs := []struct {
		name       string
		ours, base func(*testing.B, *testServer) func()
	}{
		{"Do-vs-BareHTTP", viaDo, viaBareHTTP},
		{"HTTPClient-vs-OAuth2Transport", viaHTTPClient, viaOAuth2Transport},
	}
	for _, p := range pairs {
		b.Run(p.name, func(b *testing.B) {
			s := benchServer(b)
			ours, base := p.ours(b, s), p.base(b, s)
			var tOurs, tBase []time.Duration
			timed := func(send func(), times *[]time.Duration) {
				start := time.Now()
				send()
				*times = append(*times, time.Since(start))
			}
			odd := false
			for b.Loop() {
				// Alternate which goes first, so that neither always
				// finds the connection pool and the server warmer.
				if odd = !odd; odd {
					timed(ours, &tOurs)
					timed(base, &tBase)
				} else {
					timed(base, &tBase)
					timed(ours, &tOurs)
				}
			}
			b.ReportMetric(float64(median(tOurs))/float64(median(tBase)), "x")
		})
	}
}

func median(d []time.Duration) time.Duration {
	slices.Sort(d)
	return d[len(d)/2]
}

// BenchmarkTokenCacheHit measures the token lookup every API request
// pays, from 8 goroutines at once.
func BenchmarkTokenCacheHit(b *testing.B) {
	s := benchServer(b)
	conn := benchConn(b, s)
	ctx := context.Background()
	b.SetParallelism(max(1, 8/runtime.GOMAXPROCS(0)))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := sdk.CurrentToken(ctx, conn); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkIdleConnection reports the heap memory each connected, idle
// connection keeps (metric B/conn), over 1,000 connections that have
// obtained a token and run their test call.
func BenchmarkIdleConnection(b *testing.B) {
	const n = 1000
	s := newServer(b, map[string]http.HandlerFunc{
		"/oauth/token": tokenReply(benchToken, 3600),
		"/api/me":      jsonReply(200, meBody),
	})
	c := connector(b, s, sdk.Options{}, benchManifest+testTail)
	values := sdk.Values{"client_id": "id", "client_secret": "secret"}
	ctx := context.Background()
	var perConn float64
	for b.Loop() {
		conns := make([]*sdk.Connection, n)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for i := range conns {
			conn, err := c.Connect(ctx, values, sdk.ConnectOptions{})
			if err != nil {
				b.Fatal(err)
			}
			conns[i] = conn
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		perConn = float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / n
		runtime.KeepAlive(conns)
	}
	b.ReportMetric(perConn, "B/conn")
}
