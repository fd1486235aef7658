package oauth_test

import (
	"net/url"
	"testing"

	"github.com/connkit/connkit/sdk/oauth"
)

// BenchmarkBeginCallback measures one authorization's local work: drawing
// the state and verifier, building the URL, and checking the callback.
func BenchmarkBeginCallback(b *testing.B) {
	s := oauth.NewStates(oauth.StatesOptions{})
	cfg := config("https://login.example")
	b.ReportAllocs()
	for b.Loop() {
		ar, err := s.Begin(cfg)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Callback(url.Values{"state": {ar.State}, "code": {"c"}}); err != nil {
			b.Fatal(err)
		}
	}
}
