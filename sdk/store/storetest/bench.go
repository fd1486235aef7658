package storetest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/sdk"
	"github.com/connkit/connkit/sdk/store"
)

// BenchmarkDo measures Connection.Do against a local API with st as the
// registry's store (nil: none). With renew, the clock jumps two hours
// before each call, so every call renews the token through the store
// (lock, read, token request, write); without, calls use the cached token
// from parallel goroutines.
func BenchmarkDo(b *testing.B, st store.Store, renew bool) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, _ *http.Request) {
		reply(w, http.StatusOK, map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 3600})
	})
	mux.HandleFunc("GET /api/", func(w http.ResponseWriter, _ *http.Request) {
		reply(w, http.StatusOK, map[string]any{"id": "bench-user"})
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	f, err := manifest.Parse("bench.yaml", []byte(fmt.Sprintf(`connkit: v1
id: bench-do
name: Bench
base_url: %[1]s/api
auth:
  type: oauth2_client_credentials
  token: {url: %[1]s/token, client_id: cid, client_secret: cs}
whitelist: [%[1]s/]
test:
  request: {method: GET, path: /me}
identity: "{{ response.id }}"
`, srv.URL)))
	if err != nil {
		b.Fatal(err)
	}
	var skew atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	reg := sdk.NewRegistry(sdk.Options{Store: st, AllowPrivateNetworks: true, Now: now})
	c, err := reg.Add(f)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	conn, err := c.Connect(ctx, nil, sdk.ConnectOptions{})
	if err != nil {
		b.Fatal(err)
	}
	req := &sdk.Request{Path: "/x"}
	do := func() {
		resp, err := conn.Do(ctx, req)
		if err != nil || resp.Status != http.StatusOK {
			b.Errorf("Do: %v %v", resp, err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	if !renew {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				do()
			}
		})
		return
	}
	for b.Loop() {
		skew.Add(int64(2 * time.Hour))
		do()
	}
}
