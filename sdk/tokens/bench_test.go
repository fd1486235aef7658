package tokens

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/sdk/secret"
)

// BenchmarkSourceTokenHit measures the cache hit every API request pays,
// from 8 goroutines at once.
func BenchmarkSourceTokenHit(b *testing.B) {
	s := NewSource(func(context.Context) (*Token, error) {
		now := time.Now()
		return &Token{AccessToken: secret.New("at"), IssuedAt: now, Expiry: now.Add(time.Hour)}, nil
	}, SourceOptions{})
	ctx := context.Background()
	if _, err := s.Token(ctx); err != nil {
		b.Fatal(err)
	}
	b.SetParallelism(max(1, 8/runtime.GOMAXPROCS(0)))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Token(ctx); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkParse measures parsing a typical token response, flat and with
// nested paths and kept values.
func BenchmarkParse(b *testing.B) {
	cases := []struct {
		name  string
		body  string
		paths *manifest.TokenResponse
	}{
		{"rfc6749", `{"access_token":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl","token_type":"Bearer","expires_in":3600,"refresh_token":"rt-0123456789","scope":"crm.read crm.write"}`, nil},
		{"nested", `{"data":{"token":"at-0123456789","ttl":"3600.0","meta":[{"instance_url":"https://na1.example.com"}]}}`,
			&manifest.TokenResponse{AccessToken: "data.token", ExpiresIn: "data.ttl", Keep: map[string]string{"instance_url": "data.meta[0].instance_url"}}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			r := jsonResp(c.body)
			m := Mapping{Paths: c.paths}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(r, m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
