package oauth_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/connkit/connkit/sdk/oauth"
)

// FuzzCallback feeds arbitrary callback queries to Callback: it never
// panics, accepts a grant only for the pending state, and never echoes
// control characters into its errors.
func FuzzCallback(f *testing.F) {
	for _, seed := range []string{
		"code=c&state=STATE", "error=access_denied&state=STATE", "state=STATE&iss=https%3A%2F%2Flogin.example",
		"state=STATE&state=STATE", "code=c&state=x", "", "error=%0a%1b&error_description=%00&error_uri=javascript:x",
		"code=c&state=STATE&iss=https://evil", ";;&&==",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		s := oauth.NewStates(oauth.StatesOptions{})
		cfg := config("https://login.example")
		cfg.Issuer = "https://login.example"
		ar, err := s.Begin(cfg)
		if err != nil {
			t.Fatal(err)
		}
		q, err := url.ParseQuery(strings.ReplaceAll(raw, "STATE", ar.State))
		if err != nil {
			return
		}
		g, err := s.Callback(q)
		if err == nil {
			if q.Get("state") != ar.State || g.Code.Reveal() == "" {
				t.Fatalf("grant for query %v", q)
			}
			return
		}
		if strings.ContainsAny(err.Error(), "\n\r\x1b\x00") {
			t.Fatalf("error with control characters: %q", err)
		}
	})
}

// FuzzParseMetadata checks that ParseMetadata never panics and accepts only
// documents naming the issuer.
func FuzzParseMetadata(f *testing.F) {
	for _, seed := range []string{
		`{"issuer":"https://login.example","token_endpoint":"https://login.example/token"}`,
		`{"issuer":"https://evil.example"}`, `{"issuer":1}`, `[]`, `null`, `{"issuer":"https://login.example","revocation_endpoint":"ftp://x"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := oauth.ParseMetadata(body, "https://login.example")
		if err == nil && m.Issuer != "https://login.example" {
			t.Fatalf("accepted metadata for issuer %q", m.Issuer)
		}
	})
}

// FuzzWellKnownURLs checks that every URL built from an accepted issuer is an
// absolute URL on the issuer's host.
func FuzzWellKnownURLs(f *testing.F) {
	for _, seed := range []string{"https://login.example", "https://login.example/t/", "http://127.0.0.1:9877", "https://a?b", "x", "https://h/%2F"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, issuer string) {
		urls, err := oauth.WellKnownURLs(issuer)
		if err != nil {
			return
		}
		iu, _ := url.Parse(issuer)
		for _, s := range urls {
			u, err := url.Parse(s)
			if err != nil || u.Host != iu.Host || !strings.Contains(s, "/.well-known/") {
				t.Fatalf("WellKnownURLs(%q) gave %q", issuer, s)
			}
		}
	})
}

// FuzzCheckVerifier checks CheckVerifier against the RFC 7636 grammar.
func FuzzCheckVerifier(f *testing.F) {
	f.Add(strings.Repeat("a", 43))
	f.Add(strings.Repeat("~", 129))
	f.Add("short")
	f.Fuzz(func(t *testing.T, v string) {
		ok := len(v) >= 43 && len(v) <= 128 && strings.Trim(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~") == ""
		if (oauth.CheckVerifier(v) == nil) != ok {
			t.Fatalf("CheckVerifier(%q) = %v, want ok=%v", v, oauth.CheckVerifier(v), ok)
		}
	})
}
