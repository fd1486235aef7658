package whitelist_test

import (
	"net/url"
	"testing"

	"github.com/connkit/connkit/whitelist"
)

// BenchmarkMatch matches pre-parsed URLs against a 10-entry whitelist.
func BenchmarkMatch(b *testing.B) {
	l, err := whitelist.Parse(testEntries[:10])
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct{ name, url string }{
		{"first entry", "https://api.acme.example/v2/contacts?limit=50"},
		{"wildcard", "https://eu.acme.example/v2/contacts/123"},
		{"last entry", "https://acme.zendesk.com/api/v2/tickets/1"},
		{"ip literal", "http://[::ffff:127.0.0.1]:8080/x"},
		{"encoded path", "https://api.acme.example/v2/caf%C3%A9"},
		{"unicode host", "https://ａｐｉ.acme.example/v2/x"},
		{"refused", "https://evil.example/v2"},
	} {
		u, err := url.Parse(bc.url)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				l.Match(u)
			}
		})
	}
}
