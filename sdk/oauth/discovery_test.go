package oauth_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/connkit/connkit/sdk/oauth"
)

func TestWellKnownURLs(t *testing.T) {
	for _, tc := range []struct {
		issuer string
		want   []string
		err    string
	}{
		{"https://login.example", []string{"https://login.example/.well-known/oauth-authorization-server", "https://login.example/.well-known/openid-configuration"}, ""},
		{"https://login.example/", []string{"https://login.example/.well-known/oauth-authorization-server", "https://login.example/.well-known/openid-configuration"}, ""},
		{"https://login.example/tenant/v2", []string{"https://login.example/.well-known/oauth-authorization-server/tenant/v2", "https://login.example/tenant/v2/.well-known/openid-configuration"}, ""},
		{"https://login.example/tenant/", []string{"https://login.example/.well-known/oauth-authorization-server/tenant", "https://login.example/tenant/.well-known/openid-configuration"}, ""},
		{"http://127.0.0.1:9877", []string{"http://127.0.0.1:9877/.well-known/oauth-authorization-server", "http://127.0.0.1:9877/.well-known/openid-configuration"}, ""},
		{"https://login.example?x=1", nil, "query"},
		{"https://login.example#f", nil, "fragment"},
		{"login.example", nil, "absolute"},
		{"", nil, "empty"},
	} {
		got, err := oauth.WellKnownURLs(tc.issuer)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("WellKnownURLs(%q) error = %v, want one about %q", tc.issuer, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("WellKnownURLs(%q): %v", tc.issuer, err)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("WellKnownURLs(%q) (-want +got):\n%s", tc.issuer, diff)
		}
	}
}

func TestParseMetadata(t *testing.T) {
	const iss = "https://login.example"
	for _, tc := range []struct {
		name, body string
		err        string
	}{
		{"ok", `{"issuer":"https://login.example","token_endpoint":"https://login.example/token","authorization_response_iss_parameter_supported":true}`, ""},
		{"another issuer", `{"issuer":"https://evil.example"}`, "must not be used"},
		{"trailing slash differs", `{"issuer":"https://login.example/"}`, "must not be used"},
		{"no issuer", `{"token_endpoint":"https://login.example/token"}`, "no issuer"},
		{"relative endpoint", `{"issuer":"https://login.example","token_endpoint":"/token"}`, "token_endpoint"},
		{"wrong type", `{"issuer":"https://login.example","scopes_supported":"a b"}`, "scopes_supported"},
		{"not JSON", `<html>`, "not a JSON object"},
		{"two documents", `{"issuer":"https://login.example"} {}`, "after"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := oauth.ParseMetadata([]byte(tc.body), iss)
			if tc.err == "" {
				if err != nil || m.TokenEndpoint != "https://login.example/token" || !m.AuthorizationResponseIssParameterSupported {
					t.Fatalf("ParseMetadata = %+v, %v", m, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("ParseMetadata error = %v, want one about %q", err, tc.err)
			}
		})
	}
}

// metadataServer serves documents by path and counts requests.
type metadataServer struct {
	*httptest.Server
	mu   sync.Mutex
	hits map[string]int
}

func newMetadataServer(t *testing.T, docs map[string]func(base string) string) *metadataServer {
	s := &metadataServer{hits: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits[r.URL.Path]++
		s.mu.Unlock()
		doc, ok := docs[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if body := doc(s.URL); strings.HasPrefix(body, "redirect:") {
			http.Redirect(w, r, strings.TrimPrefix(body, "redirect:"), http.StatusFound)
		} else {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, body)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *metadataServer) total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, h := range s.hits {
		n += h
	}
	return n
}

func doc(path string) func(string) string {
	return func(base string) string {
		return fmt.Sprintf(`{"issuer":%q,"authorization_endpoint":"%s/auth","token_endpoint":"%s/token","revocation_endpoint":"%s/revoke"}`,
			base+path, base, base, base)
	}
}

func TestDiscovery(t *testing.T) {
	for _, tc := range []struct {
		name   string
		path   string
		docs   map[string]func(string) string
		err    string
		visits int
	}{
		{"RFC 8414", "", map[string]func(string) string{"/.well-known/oauth-authorization-server": doc("")}, "", 1},
		{"RFC 8414 with a path", "/tenant", map[string]func(string) string{"/.well-known/oauth-authorization-server/tenant": doc("/tenant")}, "", 1},
		{"OpenID after a 404", "/tenant", map[string]func(string) string{"/tenant/.well-known/openid-configuration": doc("/tenant")}, "", 2},
		{"issuer mismatch stops", "", map[string]func(string) string{
			"/.well-known/oauth-authorization-server": func(string) string { return `{"issuer":"https://evil.example"}` },
			"/.well-known/openid-configuration":       doc(""),
		}, "must not be used", 1},
		{"redirect is not followed", "", map[string]func(string) string{
			"/.well-known/oauth-authorization-server": func(b string) string { return "redirect:" + b + "/elsewhere" },
			"/elsewhere": doc(""),
		}, "HTTP 302", 2},
		{"nothing found", "", nil, "HTTP 404", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newMetadataServer(t, tc.docs)
			d := &oauth.Discovery{HTTP: srv.Client()}
			m, err := d.Metadata(context.Background(), srv.URL+tc.path)
			if tc.err != "" {
				var de *oauth.DiscoveryError
				if !errors.As(err, &de) || !strings.Contains(err.Error(), tc.err) || oauth.HintOf(err) == "" {
					t.Fatalf("Metadata error = %v, want a DiscoveryError about %q with a hint", err, tc.err)
				}
			} else if err != nil || m.TokenEndpoint != srv.URL+"/token" || m.RevocationEndpoint != srv.URL+"/revoke" {
				t.Fatalf("Metadata = %+v, %v", m, err)
			}
			if n := srv.total(); n != tc.visits {
				t.Errorf("%d metadata requests, want %d", n, tc.visits)
			}
		})
	}
}

func TestDiscoveryCache(t *testing.T) {
	srv := newMetadataServer(t, map[string]func(string) string{"/.well-known/oauth-authorization-server": doc("")})
	clk := newClock()
	d := &oauth.Discovery{HTTP: srv.Client(), TTL: time.Hour, Now: clk.Now}
	var wg sync.WaitGroup
	var failures atomic.Int32
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := d.Metadata(context.Background(), srv.URL); err != nil {
				failures.Add(1)
			}
		}()
	}
	wg.Wait()
	if failures.Load() != 0 || srv.total() != 1 {
		t.Fatalf("%d failures, %d fetches; want 0 and 1", failures.Load(), srv.total())
	}
	clk.Advance(59 * time.Minute)
	if _, err := d.Metadata(context.Background(), srv.URL); err != nil || srv.total() != 1 {
		t.Fatalf("within the TTL: %v, %d fetches", err, srv.total())
	}
	clk.Advance(time.Minute)
	if _, err := d.Metadata(context.Background(), srv.URL); err != nil || srv.total() != 2 {
		t.Fatalf("after the TTL: %v, %d fetches, want a second one", err, srv.total())
	}
}

func TestDiscoveryFailureNotCached(t *testing.T) {
	var up atomic.Bool
	srv := newMetadataServer(t, map[string]func(string) string{"/.well-known/oauth-authorization-server": func(b string) string {
		if !up.Load() {
			return "not json"
		}
		return doc("")(b)
	}})
	d := &oauth.Discovery{HTTP: srv.Client()}
	if _, err := d.Metadata(context.Background(), srv.URL); err == nil {
		t.Fatal("a broken document was accepted")
	}
	up.Store(true)
	if _, err := d.Metadata(context.Background(), srv.URL); err != nil {
		t.Fatalf("after the fix: %v", err)
	}
}

func TestDiscoveryCallerCancel(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		http.NotFound(w, r)
	}))
	defer srv.Close()
	defer close(release)
	d := &oauth.Discovery{HTTP: srv.Client()}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := d.Metadata(ctx, srv.URL); !errors.Is(err, context.Canceled) {
		t.Fatalf("Metadata with a cancelled context: %v", err)
	}
}
