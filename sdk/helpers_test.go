package sdk_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/sdk"
)

// t0 is the fake clock's start.
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// clock is a fake clock that tests advance by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: t0} }

// Now returns the fake time.
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the fake time forward.
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// sleeper records the waits between token request retries and advances
// the clock instead of sleeping.
type sleeper struct {
	clock *clock
	mu    sync.Mutex
	waits []time.Duration
}

// Sleep records d.
func (s *sleeper) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	if s.clock != nil {
		s.clock.Advance(d)
	}
	return ctx.Err()
}

// Waits returns the recorded waits.
func (s *sleeper) Waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// rec is what a test server saw of one request.
type rec struct {
	Method string
	// Path is the escaped path as sent.
	Path   string
	Query  string
	Header http.Header
	Body   string
}

// testServer records every request and routes it by "METHOD /path" or
// "/path"; an unknown route answers 404.
type testServer struct {
	*httptest.Server
	mu     sync.Mutex
	reqs   []rec
	hits   map[string]int
	total  atomic.Int64
	routes map[string]http.HandlerFunc
}

func newServer(t testing.TB, routes map[string]http.HandlerFunc) *testServer {
	t.Helper()
	s := &testServer{routes: routes, hits: map[string]int{}}
	s.Server = httptest.NewServer(s)
	t.Cleanup(s.Close)
	return s
}

// newTLSServer is newServer over https with the certificate cert.
func newTLSServer(t testing.TB, routes map[string]http.HandlerFunc, cert tls.Certificate) *testServer {
	t.Helper()
	s := &testServer{routes: routes, hits: map[string]int{}}
	s.Server = httptest.NewUnstartedServer(s)
	s.Server.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	s.Server.StartTLS()
	t.Cleanup(s.Close)
	return s
}

// ServeHTTP records the request and routes it.
func (s *testServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.total.Add(1)
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.reqs = append(s.reqs, rec{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery,
		Header: r.Header.Clone(), Body: string(body)})
	s.hits[r.URL.Path]++
	s.mu.Unlock()
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	h, ok := s.routes[r.Method+" "+r.URL.Path]
	if !ok {
		h, ok = s.routes[r.URL.Path]
	}
	if !ok {
		http.Error(w, "no route "+r.Method+" "+r.URL.Path, http.StatusNotFound)
		return
	}
	h(w, r)
}

// selfSigned returns a certificate for the DNS names and its pool.
func selfSigned(t testing.TB, names ...string) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: names[0]}, DNSNames: names,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// resolver resolves every name to 127.0.0.1 and records the lookups.
type resolver struct {
	mu    sync.Mutex
	hosts []string
}

// LookupIPAddr implements whitelist.Resolver.
func (r *resolver) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hosts = append(r.hosts, host)
	return []net.IPAddr{{IP: net.IPv4(127, 0, 0, 1)}}, nil
}

// Hosts returns the names looked up.
func (r *resolver) Hosts() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.hosts...)
}

// requests returns the recorded requests.
func (s *testServer) requests() []rec {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]rec(nil), s.reqs...)
}

// count returns how many requests reached path.
func (s *testServer) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

// last returns the last request to path.
func (s *testServer) last(t testing.TB, path string) rec {
	t.Helper()
	reqs := s.requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if strings.SplitN(reqs[i].Path, "?", 2)[0] == path {
			return reqs[i]
		}
	}
	t.Fatalf("no request reached %s", path)
	return rec{}
}

// manifestText replaces $URL with the server's URL and $HOST with its
// host:port.
func (s *testServer) manifestText(y string) string {
	return strings.NewReplacer("$URL", s.URL, "$HOST", strings.TrimPrefix(s.URL, "http://")).Replace(y)
}

// jsonReply answers status with v encoded as JSON.
func jsonReply(status int, v any) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, status, v)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// tokenReply answers an RFC 6749 section 5.1 token response.
func tokenReply(access string, expiresIn int) http.HandlerFunc {
	return jsonReply(200, map[string]any{"access_token": access, "token_type": "Bearer", "expires_in": expiresIn})
}

// sequence answers with each handler in turn; the last one repeats.
func sequence(hs ...http.HandlerFunc) http.HandlerFunc {
	var n atomic.Int64
	return func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		hs[min(i, len(hs)-1)](w, r)
	}
}

// bearerOnly answers 200 with body when the request carries "Bearer
// want", 401 otherwise.
func bearerOnly(want string, body any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+want {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "invalid_token"})
			return
		}
		writeJSON(w, 200, body)
	}
}

// connector registers the manifest y (with $URL and $HOST replaced) in a
// new registry.
func connector(t testing.TB, s *testServer, opts sdk.Options, y string) *sdk.Connector {
	t.Helper()
	if s != nil {
		y = s.manifestText(y)
	}
	f, err := manifest.Parse("test.yaml", []byte(y))
	if err != nil {
		t.Fatalf("manifest.Parse: %v\n%s", err, y)
	}
	if opts.Check == nil {
		opts.Check = acceptAll
	}
	c, err := sdk.NewRegistry(opts).Add(f)
	if err != nil {
		t.Fatalf("Registry.Add: %v", err)
	}
	return c
}

// acceptAll is the Check of tests that exercise the runtime's own defences
// on manifests the validator would refuse (a secret in the label, a field in
// a host without a pattern): the runtime must hold even then.
func acceptAll(*manifest.File) error { return nil }

// connect registers y and connects with values.
func connect(t testing.TB, s *testServer, opts sdk.Options, y string, values sdk.Values) *sdk.Connection {
	t.Helper()
	conn, err := connector(t, s, opts, y).Connect(context.Background(), values, sdk.ConnectOptions{})
	if err != nil {
		t.Fatalf("Connect: %v (kind %s, hint %q)", err, sdk.KindOf(err), sdk.HintOf(err))
	}
	return conn
}

// do sends a GET of path and fails the test on an error.
func do(t testing.TB, conn *sdk.Connection, req *sdk.Request) *sdk.Response {
	t.Helper()
	resp, err := conn.Do(context.Background(), req)
	if err != nil {
		t.Fatalf("Do: %v (kind %s)", err, sdk.KindOf(err))
	}
	return resp
}

// header is a shorthand to build a single-valued header.
func header(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

func sprintf(format string, a ...any) string { return fmt.Sprintf(format, a...) }
