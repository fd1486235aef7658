package whitelist_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/connkit/connkit/whitelist"
	"github.com/google/go-cmp/cmp"
)

func mustParseURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func newRequests(t *testing.T, urls ...string) []*http.Request {
	t.Helper()
	reqs := make([]*http.Request, len(urls))
	for i, s := range urls {
		reqs[i] = &http.Request{URL: mustParseURL(t, s), Header: http.Header{}}
	}
	return reqs
}

func TestCheckRedirectHeaders(t *testing.T) {
	p := &whitelist.Policy{List: testList(t), SecretHeaders: []string{"X-Api-Key"}}
	check := p.CheckRedirect(5, true)
	sent := http.Header{
		"Authorization":       {"Bearer t0ken"},
		"Cookie":              {"session=c00kie"},
		"Proxy-Authorization": {"Basic cHJveHk="},
		"X-Api-Key":           {"k3y"},
		"Accept":              {"application/json"},
		"Referer":             {"https://api.acme.example/v2/start?token=t0ken"},
	}
	kept := http.Header{"Accept": {"application/json"}}
	withAuth := sent.Clone()
	withAuth.Del("Referer")
	tests := []struct {
		name string
		via  []string
		to   string
		want http.Header
	}{
		{"same host keeps credentials", []string{"https://api.acme.example/v2/a"}, "https://api.acme.example/v2/b", withAuth},
		{"same host with explicit port keeps credentials", []string{"https://api.acme.example/v2/a"}, "https://API.acme.example.:443/v2/b", withAuth},
		{"other host drops credentials", []string{"https://api.acme.example/v2/a"}, "https://eu.acme.example/v2/b", kept},
		{"other port drops credentials", []string{"https://uploads.acme.example:8443/files/a"}, "https://uploads.acme.example/v2/b", kept},
		{"back to the first host still drops them", []string{"https://api.acme.example/v2/a", "https://eu.acme.example/v2/b"}, "https://api.acme.example/v2/c", kept},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := &http.Request{URL: mustParseURL(t, tt.to), Header: sent.Clone()}
			if err := check(req, newRequests(t, tt.via...)); err != nil {
				t.Fatalf("CheckRedirect: %v", err)
			}
			if diff := cmp.Diff(tt.want, req.Header); diff != "" {
				t.Errorf("headers after CheckRedirect (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCheckRedirectLimits(t *testing.T) {
	p := &whitelist.Policy{List: testList(t)}
	req := &http.Request{URL: mustParseURL(t, "https://api.acme.example/v2/b"), Header: http.Header{}}
	if err := p.CheckRedirect(5, false)(req, newRequests(t, "https://api.acme.example/v2/a")); err != http.ErrUseLastResponse {
		t.Errorf("not following: got %v, want http.ErrUseLastResponse", err)
	}
	via := newRequests(t, "https://api.acme.example/v2/1", "https://api.acme.example/v2/2")
	if err := p.CheckRedirect(2, true)(req, via); !errors.Is(err, whitelist.ErrTooManyRedirects) {
		t.Errorf("third redirect with a bound of 2: got %v, want ErrTooManyRedirects", err)
	}
	if err := p.CheckRedirect(3, true)(req, via); err != nil {
		t.Errorf("third redirect with a bound of 3: %v", err)
	}
	via = append(via, newRequests(t, "https://api.acme.example/v2/3", "https://api.acme.example/v2/4", "https://api.acme.example/v2/5")...)
	if err := p.CheckRedirect(0, true)(req, via); !errors.Is(err, whitelist.ErrTooManyRedirects) || errors.Is(err, whitelist.ErrBlocked) {
		t.Errorf("sixth redirect with the default bound: got %v, want ErrTooManyRedirects", err)
	}
}

// countingRoundTripper counts the requests that reach it.
type countingRoundTripper struct{ n atomic.Int64 }

func (c *countingRoundTripper) RoundTrip(*http.Request) (*http.Response, error) {
	c.n.Add(1)
	return &http.Response{StatusCode: http.StatusNoContent, Body: http.NoBody}, nil
}

// closeRecorder is a request body that records Close.
type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

func TestRoundTripper(t *testing.T) {
	tests := []struct {
		name string
		url  string
		host string
		rule string
	}{
		{"allowed", "https://api.acme.example/v2/x", "", ""},
		{"same Host header", "https://api.acme.example/v2/x", "api.acme.example", ""},
		{"Host header with default port", "https://api.acme.example/v2/x", "API.acme.example:443", ""},
		{"path outside prefix", "https://api.acme.example/admin", "", whitelist.RulePath},
		{"Host header of another host", "https://api.acme.example/v2/x", "internal.acme.example", whitelist.RuleHostHeader},
		{"Host header with another port", "https://api.acme.example/v2/x", "api.acme.example:8443", whitelist.RuleHostHeader},
		{"malformed Host header", "https://api.acme.example/v2/x", "api.acme.example:x", whitelist.RuleHostHeader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next := &countingRoundTripper{}
			rt := (&whitelist.Policy{List: testList(t)}).RoundTripper(next)
			body := &closeRecorder{Reader: strings.NewReader("{}")}
			req, err := http.NewRequest(http.MethodPost, tt.url, body)
			if err != nil {
				t.Fatal(err)
			}
			if tt.host != "" {
				req.Host = tt.host
			}
			resp, err := rt.RoundTrip(req)
			if resp != nil {
				resp.Body.Close()
			}
			if got := ruleOf(err); got != tt.rule {
				t.Fatalf("RoundTrip: %v, want rule %q", err, tt.rule)
			}
			wantSent := int64(1)
			if tt.rule != "" {
				wantSent = 0
				if !body.closed {
					t.Errorf("the body of a refused request was not closed")
				}
			}
			if got := next.n.Load(); got != wantSent {
				t.Errorf("next transport saw %d requests, want %d", got, wantSent)
			}
		})
	}
}

func TestDialContextRefusesOtherNetworks(t *testing.T) {
	var dialed []string
	p := &whitelist.Policy{List: testList(t), Resolver: testResolver, AllowPrivate: true}
	dial := p.DialContext(recordingDialer(&dialed))
	for _, tt := range []struct{ network, addr, rule string }{
		{"udp", "127.0.0.1:8080", whitelist.RuleURL},
		{"tcp", "evil.example:443", whitelist.RuleNotListed},
		{"tcp", "api.acme.example:8443", whitelist.RuleNotListed},
		{"tcp", "2130706433:8080", whitelist.RuleHost},
		{"tcp", "127.0.0.1:0", whitelist.RulePort},
		{"tcp", "127.0.0.1:", whitelist.RulePort},
		{"tcp4", "[2001:db8::10]:443", "other"},
	} {
		_, err := dial(context.Background(), tt.network, tt.addr)
		if got := ruleOf(err); got != tt.rule {
			t.Errorf("dial(%q, %q) = %v, want rule %q", tt.network, tt.addr, err, tt.rule)
		}
	}
	if _, err := dial(context.Background(), "tcp", "no-port"); err == nil || errors.Is(err, whitelist.ErrBlocked) {
		t.Errorf("dial without a port = %v, want an address error", err)
	}
	if len(dialed) != 0 {
		t.Errorf("refused dials reached the dialer: %v", dialed)
	}
	if _, err := dial(context.Background(), "tcp6", "localhost:9000"); !errors.Is(err, errDialStopped) {
		t.Errorf("tcp6 dial of localhost = %v, want the test dialer's stop", err)
	}
	if diff := cmp.Diff([]string{"[::1]:9000"}, dialed); diff != "" {
		t.Errorf("tcp6 dial addresses (-want +got):\n%s", diff)
	}
}

func TestMetadataNamedLiterally(t *testing.T) {
	l, err := whitelist.Parse([]string{"https://169.254.169.254/latest/", "https://*.dyn.example/"})
	if err != nil {
		t.Fatal(err)
	}
	var dialed []string
	p := &whitelist.Policy{List: l, Resolver: testResolver}
	for _, addr := range []string{"169.254.169.254:443", "meta.dyn.example:443"} {
		if _, err := p.DialContext(recordingDialer(&dialed))(context.Background(), "tcp", addr); !errors.Is(err, errDialStopped) {
			t.Errorf("dial %s = %v, want it dialled", addr, err)
		}
	}
	if diff := cmp.Diff([]string{"169.254.169.254:443", "169.254.169.254:443"}, dialed); diff != "" {
		t.Errorf("dialled addresses (-want +got):\n%s", diff)
	}
}

// seenRequest is what the test server saw of one request.
type seenRequest struct {
	Path          string
	Authorization string
	APIKey        string
	Referer       string
}

// TestRefusedRequestsNeverReachServer sends real requests through
// Policy.RoundTripper(Policy.Transport()) and CheckRedirect to servers on
// 127.0.0.1 and checks that only the allowed ones arrive.
func TestRefusedRequestsNeverReachServer(t *testing.T) {
	var (
		hits atomic.Int64
		mu   sync.Mutex
		seen []seenRequest
	)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		mu.Lock()
		seen = append(seen, seenRequest{r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("X-Api-Key"), r.Header.Get("Referer")})
		mu.Unlock()
		switch {
		case strings.HasSuffix(r.URL.Path, "/redirect"):
			http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
		case strings.HasSuffix(r.URL.Path, "/loop"):
			http.Redirect(w, r, r.URL.Path, http.StatusFound)
		default:
			w.WriteHeader(http.StatusOK)
		}
	})
	tlsSrv := httptest.NewTLSServer(handler)
	defer tlsSrv.Close()
	plainSrv := httptest.NewServer(handler)
	defer plainSrv.Close()
	tlsPort := mustParseURL(t, tlsSrv.URL).Port()
	plainPort := mustParseURL(t, plainSrv.URL).Port()
	rootCAs := tlsSrv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs

	// The test certificate names example.com and 127.0.0.1.
	entries := []string{
		"https://example.com:" + tlsPort + "/api",
		"https://*.example.com:" + tlsPort + "/",
		"http://127.0.0.1:" + plainPort + "/",
	}
	resolver := fakeResolver{
		"example.com":      {"127.0.0.1"},
		"evil.test":        {"127.0.0.1"},
		"meta.example.com": {"169.254.169.254"},
		"loop.example.com": {"127.0.0.1"},
	}
	policy := func(allowPrivate bool, extra ...string) *whitelist.Policy {
		l, err := whitelist.Parse(append(append([]string(nil), entries...), extra...))
		if err != nil {
			t.Fatal(err)
		}
		return &whitelist.Policy{List: l, AllowPrivate: allowPrivate, Resolver: resolver, SecretHeaders: []string{"X-Api-Key"}}
	}
	open := policy(true)
	strict := policy(false)
	literal := policy(false, "https://127.0.0.1:"+tlsPort+"/")

	api := "https://example.com:" + tlsPort + "/api"
	tests := []struct {
		name   string
		policy *whitelist.Policy
		bare   bool // Transport without the RoundTripper check
		follow bool
		url    string
		host   string
		status int // 0 when refused
		rule   string
		seen   []seenRequest
	}{
		{name: "allowed with private networks", policy: open, url: api + "/x", status: 200,
			seen: []seenRequest{{Path: "/api/x", Authorization: "Bearer t0ken", APIKey: "k3y"}}},
		{name: "loopback refused without the operator", policy: strict, url: api + "/x", rule: whitelist.RuleAddress},
		{name: "loopback refused by the bare transport", policy: strict, bare: true, url: api + "/x", rule: whitelist.RuleAddress},
		{name: "loopback named literally", policy: literal, url: api + "/x", status: 200,
			seen: []seenRequest{{Path: "/api/x", Authorization: "Bearer t0ken", APIKey: "k3y"}}},
		{name: "plain http to a literal loopback entry", policy: strict, url: "http://127.0.0.1:" + plainPort + "/p", status: 200,
			seen: []seenRequest{{Path: "/p", Authorization: "Bearer t0ken", APIKey: "k3y"}}},
		{name: "host not whitelisted", policy: open, url: "https://evil.test:" + tlsPort + "/api", rule: whitelist.RuleNotListed},
		{name: "host not whitelisted, bare transport", policy: open, bare: true, url: "https://evil.test:" + tlsPort + "/api", rule: whitelist.RuleNotListed},
		{name: "port not whitelisted, bare transport", policy: open, bare: true, url: "http://127.0.0.1:" + tlsPort + "/", rule: whitelist.RuleNotListed},
		{name: "path outside the prefix", policy: open, url: "https://example.com:" + tlsPort + "/admin", rule: whitelist.RulePath},
		{name: "dot-dot out of the prefix", policy: open, url: api + "/%2e%2e/admin", rule: whitelist.RulePath},
		{name: "name of a metadata address", policy: open, url: "https://meta.example.com:" + tlsPort + "/", rule: whitelist.RuleAddress},
		{name: "name of a metadata address, bare transport", policy: open, bare: true, url: "https://meta.example.com:" + tlsPort + "/", rule: whitelist.RuleAddress},
		{name: "wildcard name of loopback without the operator", policy: strict, url: "https://loop.example.com:" + tlsPort + "/", rule: whitelist.RuleAddress},
		{name: "Host header of another host", policy: open, url: api + "/x", host: "evil.test:" + tlsPort, rule: whitelist.RuleHostHeader},
		{name: "redirect not followed", policy: open, url: api + "/redirect?to=/api/next", status: http.StatusFound,
			seen: []seenRequest{{Path: "/api/redirect", Authorization: "Bearer t0ken", APIKey: "k3y"}}},
		{name: "redirect inside the whitelist", policy: open, follow: true, url: api + "/redirect?to=/api/next", status: 200,
			seen: []seenRequest{
				{Path: "/api/redirect", Authorization: "Bearer t0ken", APIKey: "k3y"},
				{Path: "/api/next", Authorization: "Bearer t0ken", APIKey: "k3y"},
			}},
		{name: "redirect to another whitelisted host drops credentials", policy: literal, follow: true,
			url: api + "/redirect?to=https://127.0.0.1:" + tlsPort + "/api/next", status: 200,
			seen: []seenRequest{
				{Path: "/api/redirect", Authorization: "Bearer t0ken", APIKey: "k3y"},
				{Path: "/api/next"},
			}},
		{name: "redirect to a foreign host", policy: open, follow: true, url: api + "/redirect?to=https://evil.test:" + tlsPort + "/api", rule: whitelist.RuleNotListed,
			seen: []seenRequest{{Path: "/api/redirect", Authorization: "Bearer t0ken", APIKey: "k3y"}}},
		{name: "redirect to 127.0.0.1 over http", policy: open, follow: true, url: api + "/redirect?to=http://127.0.0.1:" + plainPort + "/", rule: whitelist.RuleRedirect,
			seen: []seenRequest{{Path: "/api/redirect", Authorization: "Bearer t0ken", APIKey: "k3y"}}},
		{name: "redirect to a name of a metadata address", policy: open, follow: true, url: api + "/redirect?to=https://meta.example.com:" + tlsPort + "/", rule: whitelist.RuleAddress,
			seen: []seenRequest{{Path: "/api/redirect", Authorization: "Bearer t0ken", APIKey: "k3y"}}},
		{name: "redirect loop stops at the bound", policy: open, follow: true, url: api + "/loop", rule: "other",
			seen: []seenRequest{
				{Path: "/api/loop", Authorization: "Bearer t0ken", APIKey: "k3y"},
				{Path: "/api/loop", Authorization: "Bearer t0ken", APIKey: "k3y"},
				{Path: "/api/loop", Authorization: "Bearer t0ken", APIKey: "k3y"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := hits.Load()
			mu.Lock()
			seen = nil
			mu.Unlock()

			transport := tt.policy.Transport()
			defer transport.CloseIdleConnections()
			transport.TLSClientConfig.RootCAs = rootCAs
			client := &http.Client{Transport: tt.policy.RoundTripper(transport), CheckRedirect: tt.policy.CheckRedirect(3, tt.follow)}
			if tt.bare {
				client.Transport = transport
			}
			req, err := http.NewRequest(http.MethodGet, tt.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer t0ken")
			req.Header.Set("X-Api-Key", "k3y")
			if tt.host != "" {
				req.Host = tt.host
			}
			resp, err := client.Do(req)
			status := 0
			if resp != nil {
				status = resp.StatusCode
				resp.Body.Close()
			}
			if tt.rule == "" {
				if err != nil || status != tt.status {
					t.Fatalf("Do: status %d, %v; want status %d", status, err, tt.status)
				}
			} else if got := ruleOf(err); got != tt.rule {
				t.Fatalf("Do: %v, want rule %q", err, tt.rule)
			}
			if tt.rule == "other" && !errors.Is(err, whitelist.ErrTooManyRedirects) {
				t.Errorf("Do: %v, want ErrTooManyRedirects", err)
			}
			mu.Lock()
			got := seen
			mu.Unlock()
			if diff := cmp.Diff(tt.seen, got); diff != "" {
				t.Errorf("requests the server saw (-want +got):\n%s", diff)
			}
			if n := hits.Load() - before; n != int64(len(tt.seen)) {
				t.Errorf("the server counted %d requests, want %d", n, len(tt.seen))
			}
		})
	}
}

// Example shows the client a runtime builds for a connection.
func Example() {
	list, err := whitelist.Parse([]string{"https://api.acme.example/v2", "https://login.acme.example/oauth/"})
	if err != nil {
		fmt.Println(err)
		return
	}
	policy := &whitelist.Policy{List: list}
	client := &http.Client{
		Transport:     policy.RoundTripper(policy.Transport()),
		CheckRedirect: policy.CheckRedirect(whitelist.DefaultMaxRedirects, false),
	}
	_, err = client.Get("https://api.acme.example.evil.example/v2/contacts?api_key=s3cr3t")
	var blocked *whitelist.BlockedError
	if errors.As(err, &blocked) {
		fmt.Println(blocked)
	}
	// Output: blocked: request to api.acme.example.evil.example: the host is not in the whitelist; if the connector needs it, add an entry such as https://api.acme.example.evil.example/ to the manifest's whitelist [not-whitelisted]
}

func ExampleList_Covers() {
	list, _ := whitelist.Parse([]string{"https://*.zendesk.com/api/v2"})
	// The literal prefix of "https://{{ fields.subdomain }}.zendesk.com/api/v2/{{ input.path }}".
	e, err := list.Covers("https://*.zendesk.com/api/v2/")
	fmt.Println(e.Raw, err)
	_, err = list.Covers("https://*.zendesk.com/api/v2")
	fmt.Println(err)
	// Output:
	// https://*.zendesk.com/api/v2 <nil>
	// blocked: request to *.zendesk.com: the path is not under a whitelisted prefix for this host; its entries: https://*.zendesk.com/api/v2/ [path]
}
