package storetest

import (
	"bufio"
	"context"
	crand "crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/sdk"
	"github.com/connkit/connkit/sdk/secret"
	"github.com/connkit/connkit/sdk/store"
	"github.com/connkit/connkit/sdk/tokens"
)

// Opener opens the store that the processes of a replica test share, from
// the data source name the test gives (a file path, a URL).
type Opener func(ctx context.Context, dsn string, opts store.Options) (store.Store, error)

// childEnv carries a child process's role, as JSON.
const childEnv = "CONNKIT_STORETEST_CHILD"

// ChildMain runs the child part of the replica tests and exits when the
// test binary was started as a child; otherwise it returns at once. Call it
// first in the package's TestMain.
func ChildMain(open Opener) {
	spec := os.Getenv(childEnv)
	if spec == "" {
		return
	}
	var job childJob
	if err := json.Unmarshal([]byte(spec), &job); err != nil {
		fmt.Fprintf(os.Stderr, "child: bad %s: %v\n", childEnv, err)
		os.Exit(2)
	}
	res, err := job.run(open)
	if err != nil {
		fmt.Fprintf(os.Stderr, "child %s: %v (kind %s, hint %q)\n", job.Role, err, sdk.KindOf(err), sdk.HintOf(err))
		os.Exit(1)
	}
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		os.Exit(1)
	}
	os.Exit(0)
}

// childJob is what a child process does.
type childJob struct {
	// Role is load (call the API from goroutines until Duration or
	// Calls), crash (renew once, then block after the new token is
	// committed, to be killed) or connect (Connect with a token, as the
	// authorization flow would, and save the connection).
	Role       string
	DSN        string
	Manifest   string
	ConnID     string
	Goroutines int
	Duration   time.Duration
	Calls      int
	Interval   time.Duration
	// Access and Refresh seed a connect.
	Access, Refresh string
	Lifetime        time.Duration
}

// childResult is what a child process reports on stdout.
type childResult struct {
	ConnID string
	OK     int
	// Failures counts answers other than 200 and errors, by status or
	// error kind and message.
	Failures map[string]int
}

// crashMarker is the line a crash child prints once the renewed token is
// committed.
const crashMarker = "committed"

func (j *childJob) run(open Opener) (*childResult, error) {
	ctx := context.Background()
	keys, err := store.LoadKeyring(os.Getenv)
	if err != nil {
		return nil, err
	}
	st, err := open(ctx, j.DSN, store.Options{Keys: keys})
	if err != nil {
		return nil, err
	}
	defer st.Close()
	if j.Role == "crash" {
		st = crashStore{st}
	}
	reg := sdk.NewRegistry(sdk.Options{Store: st, AllowPrivateNetworks: true})
	c, err := reg.Load(j.Manifest)
	if err != nil {
		return nil, err
	}
	if j.Role == "connect" {
		now := time.Now()
		seed := &tokens.Token{AccessToken: secret.New(j.Access), RefreshToken: secret.New(j.Refresh), TokenType: "Bearer",
			IssuedAt: now, Expiry: now.Add(j.Lifetime)}
		conn, err := c.Connect(ctx, sdk.Values{"client_id": clientID, "client_secret": clientSecret}, sdk.ConnectOptions{Token: seed})
		if err != nil {
			return nil, err
		}
		return &childResult{ConnID: conn.ID()}, nil
	}
	conn, err := reg.Open(ctx, j.ConnID)
	if err != nil {
		return nil, err
	}
	return j.load(ctx, conn), nil
}

// load calls the API from j.Goroutines goroutines, each until j.Duration
// has passed or it made j.Calls calls, pausing about j.Interval between
// calls.
func (j *childJob) load(ctx context.Context, conn *sdk.Connection) *childResult {
	res := &childResult{ConnID: conn.ID(), Failures: map[string]int{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	end := time.Now().Add(j.Duration)
	for range j.Goroutines {
		wg.Go(func() {
			for n := 0; (j.Calls == 0 || n < j.Calls) && (j.Duration == 0 || time.Now().Before(end)); n++ {
				resp, err := conn.Do(ctx, &sdk.Request{Path: "/ping"})
				mu.Lock()
				switch {
				case err != nil:
					res.Failures[fmt.Sprintf("%s: %v", sdk.KindOf(err), err)]++
				case resp.Status != http.StatusOK:
					res.Failures[fmt.Sprintf("status %d", resp.Status)]++
				default:
					res.OK++
				}
				mu.Unlock()
				if j.Interval > 0 {
					time.Sleep(j.Interval/2 + rand.N(j.Interval))
				}
			}
		})
	}
	wg.Wait()
	return res
}

// crashStore announces on stdout each token committed under a lock and
// then blocks, holding the lock, until the process is killed.
type crashStore struct{ store.Store }

func (s crashStore) WithLock(ctx context.Context, connID string, fn func(context.Context, store.Locked) error) error {
	return s.Store.WithLock(ctx, connID, func(ctx context.Context, l store.Locked) error {
		return fn(ctx, crashLocked{l})
	})
}

type crashLocked struct{ store.Locked }

func (l crashLocked) PutToken(ctx context.Context, tok *tokens.Token) error {
	if err := l.Locked.PutToken(ctx, tok); err != nil {
		return err
	}
	fmt.Println(crashMarker)
	select {} // killed here: after the commit, before the token is used or the lock released
}

// The client credentials of the test token server.
const (
	clientID     = "replica-client"
	clientSecret = "replica-secret"
)

// TokenServer is an OAuth 2.0 token endpoint and a protected API, strict
// as the best providers are: refresh tokens rotate on every use, a refresh
// token presented a second time revokes the whole grant, and access
// tokens live Lifetime.
type TokenServer struct {
	*httptest.Server
	lifetime time.Duration

	mu       sync.Mutex
	current  string          // the one valid refresh token
	used     map[string]bool // refresh tokens already exchanged
	access   map[string]time.Time
	revoked  bool
	gen      int
	counts   Counts
	apiCalls atomic.Int64
}

// Counts are what the token server saw.
type Counts struct {
	// Refreshes counts refresh requests answered with a new token.
	Refreshes int
	// InvalidGrant counts refresh requests refused with invalid_grant
	// (a reused or unknown refresh token, or a revoked grant).
	InvalidGrant int
	// Reuses counts refresh tokens presented after they were exchanged.
	Reuses int
	// Unauthorized counts API calls refused with 401 (an expired or
	// unknown access token).
	Unauthorized int
}

// NewTokenServer starts a token server whose access tokens live lifetime,
// with one valid refresh token, which it returns.
func NewTokenServer(t testing.TB, lifetime time.Duration) (*TokenServer, string) {
	s := &TokenServer{lifetime: lifetime, used: map[string]bool{}, access: map[string]time.Time{}}
	s.current = s.mint("rt")
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", s.token)
	mux.HandleFunc("GET /api/", s.api)
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s, s.current
}

// Grant issues an access token as an authorization-code exchange would,
// returning it and the current refresh token.
func (s *TokenServer) Grant() (access, refresh string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	access = s.mint("at")
	s.access[access] = time.Now().Add(s.lifetime)
	return access, s.current
}

// Counts returns what the server saw so far.
func (s *TokenServer) Counts() Counts {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts
}

// Current returns the valid refresh token.
func (s *TokenServer) Current() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.current
}

// mint returns a new unique token; the caller holds s.mu or owns s.
func (s *TokenServer) mint(prefix string) string {
	s.gen++
	return fmt.Sprintf("%s-%d-%s", prefix, s.gen, crand.Text()[:8])
}

func (s *TokenServer) token(w http.ResponseWriter, r *http.Request) {
	id, sec, ok := r.BasicAuth()
	if !ok || id != clientID || sec != clientSecret {
		reply(w, http.StatusUnauthorized, map[string]any{"error": "invalid_client"})
		return
	}
	if r.PostFormValue("grant_type") != "refresh_token" {
		reply(w, http.StatusBadRequest, map[string]any{"error": "unsupported_grant_type"})
		return
	}
	rt := r.PostFormValue("refresh_token")
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.used[rt]:
		// Reuse: a stolen or raced refresh token. Revoke everything.
		s.counts.Reuses++
		s.revoked = true
		fallthrough
	case s.revoked || rt != s.current:
		s.counts.InvalidGrant++
		reply(w, http.StatusBadRequest, map[string]any{"error": "invalid_grant"})
		return
	}
	s.used[rt] = true
	s.current = s.mint("rt")
	at := s.mint("at")
	s.access[at] = time.Now().Add(s.lifetime)
	s.counts.Refreshes++
	reply(w, http.StatusOK, map[string]any{"access_token": at, "refresh_token": s.current, "token_type": "Bearer",
		"expires_in": int(s.lifetime / time.Second)})
}

func (s *TokenServer) api(w http.ResponseWriter, r *http.Request) {
	s.apiCalls.Add(1)
	at := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	exp, known := s.access[at]
	ok := known && !s.revoked && time.Now().Before(exp)
	if !ok {
		s.counts.Unauthorized++
	}
	s.mu.Unlock()
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		reply(w, http.StatusUnauthorized, map[string]any{"error": "invalid_token"})
		return
	}
	reply(w, http.StatusOK, map[string]any{"id": "user-1", "name": "Replica User"})
}

func reply(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// replicaManifest is the test connector, renewing renewBefore ahead of
// expiry.
func replicaManifest(url string, renewBefore time.Duration) string {
	return fmt.Sprintf(`connkit: v1
id: replica-test
name: Replica test
fields:
  - {key: client_id, label: Client ID, type: string, required: true}
  - {key: client_secret, label: Client Secret, type: secret, required: true}
base_url: %[1]s/api
auth:
  type: oauth2_authorization_code
  authorize: {url: %[1]s/authorize, redirect_url: %[1]s/callback}
  token:
    url: %[1]s/token
    client_id: "{{ fields.client_id }}"
    client_secret: "{{ fields.client_secret }}"
  renew_before: %[2]dms
whitelist: [%[1]s/]
test:
  request: {method: GET, path: /me}
  expect: {status: [200]}
label: "{{ response.name }}"
identity: "{{ response.id }}"
`, url, renewBefore.Milliseconds())
}

// Replicas are the multi-process tests of one store implementation: the
// test binary starts copies of itself (see ChildMain) that share the store
// named by DSN, against a TokenServer in the parent.
type Replicas struct {
	// DSN names the shared store for Open.
	DSN string
	// Open opens it, in the parent and in the children.
	Open Opener
}

// env is the environment of the children: the parent's, the store key,
// and the job.
func (r Replicas) env(t testing.TB, key string, job childJob) []string {
	spec, err := json.Marshal(job)
	if err != nil {
		t.Fatal(err)
	}
	return append(os.Environ(), store.KeyEnv+"="+key, childEnv+"="+string(spec))
}

// setup writes the manifest and makes a store key; it returns the
// manifest's path, the key, and the parent's store.
func (r Replicas) setup(t *testing.T, srv *TokenServer, renewBefore time.Duration) (string, string, store.Store) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "replica.yaml")
	if err := os.WriteFile(path, []byte(replicaManifest(srv.URL, renewBefore)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := manifest.Load(path); err != nil {
		t.Fatalf("the test manifest does not load: %v", err)
	}
	raw := make([]byte, store.KeySize)
	if _, err := crand.Read(raw); err != nil {
		t.Fatal(err)
	}
	key := "replica:" + base64.StdEncoding.EncodeToString(raw)
	keys, err := store.ParseKeyring(key)
	if err != nil {
		t.Fatal(err)
	}
	st, err := r.Open(context.Background(), r.DSN, store.Options{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return path, key, st
}

// seed stores the connection with an expired access token and the server's
// refresh token, as a platform would import one.
func seed(t *testing.T, st store.Store, refresh string) string {
	t.Helper()
	past := time.Now().Add(-time.Hour)
	c, err := st.SaveConnection(context.Background(), &store.Connection{ConnectorID: "replica-test", Method: sdk.DefaultMethod,
		Identity: "user-1", Label: "Replica User", Values: map[string]string{"client_id": clientID},
		Secrets: map[string]secret.Value{"client_secret": secret.New(clientSecret)}},
		&tokens.Token{AccessToken: secret.New("expired"), RefreshToken: secret.New(refresh), TokenType: "Bearer",
			IssuedAt: past, Expiry: past.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// child is a started child process.
type child struct {
	cmd    *exec.Cmd
	stdout *bufio.Reader
	stderr *strings.Builder
}

func (r Replicas) start(t *testing.T, key string, job childJob) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = r.env(t, key, job)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return &child{cmd: cmd, stdout: bufio.NewReader(out), stderr: &stderr}
}

// result waits for the child to finish and returns its report.
func (c *child) result(t *testing.T) *childResult {
	t.Helper()
	out, _ := io.ReadAll(c.stdout)
	if err := c.cmd.Wait(); err != nil {
		t.Fatalf("child failed: %v\nstderr:\n%s", err, c.stderr)
	}
	var res childResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("child's report %q: %v\nstderr:\n%s", out, err, c.stderr)
	}
	return &res
}

// run starts a child and waits for its report.
func (r Replicas) run(t *testing.T, key string, job childJob) *childResult {
	t.Helper()
	return r.start(t, key, job).result(t)
}

// TestLoad runs procs processes of goroutines goroutines each, calling the
// API for about expiries token lifetimes of lifetime, and checks that
// every call succeeded, that no refresh token was used twice, and that
// each expiring token was refreshed once, by one process.
func (r Replicas) TestLoad(t *testing.T, procs, goroutines, expiries int, lifetime time.Duration) {
	srv, rt := NewTokenServer(t, lifetime)
	renewBefore := lifetime / 4
	manifestPath, key, st := r.setup(t, srv, renewBefore)
	id := seed(t, st, rt)
	duration := time.Duration(expiries) * lifetime
	job := childJob{Role: "load", DSN: r.DSN, Manifest: manifestPath, ConnID: id, Goroutines: goroutines,
		Duration: duration, Interval: 100 * time.Millisecond}
	children := make([]*child, procs)
	for i := range children {
		children[i] = r.start(t, key, job)
	}
	total, failures := 0, map[string]int{}
	for _, c := range children {
		res := c.result(t)
		total += res.OK
		for k, v := range res.Failures {
			failures[k] += v
		}
	}
	got := srv.Counts()
	// A token is renewed renewBefore ahead of its expiry, so one lives
	// lifetime-renewBefore; the first refresh happens at the start.
	period := lifetime - renewBefore
	maxRefreshes := int(duration/period) + 2
	t.Logf("%d processes x %d goroutines for %v (access tokens live %v, renewed %v ahead): %d successful calls, %d refresh requests (at most %d expected: one per expiry), %d invalid_grant, %d refresh token reuses, %d 401s",
		procs, goroutines, duration, lifetime, renewBefore, total, got.Refreshes, maxRefreshes, got.InvalidGrant, got.Reuses, got.Unauthorized)
	if len(failures) > 0 {
		t.Errorf("failed calls: %v", failures)
	}
	// A 401 can happen when a machine is so loaded that a call reaches
	// the server after its token expired; the call is then renewed and
	// retried, so it is reported but only failed calls fail the test.
	if got.InvalidGrant != 0 || got.Reuses != 0 {
		t.Errorf("the token server saw %d invalid_grant and %d reuses; want none", got.InvalidGrant, got.Reuses)
	}
	if got.Refreshes < expiries || got.Refreshes > maxRefreshes {
		t.Errorf("%d refresh requests in %v with tokens renewed every %v: want one per expiry, %d to %d", got.Refreshes, duration, period, expiries, maxRefreshes)
	}
	if total == 0 {
		t.Error("no call succeeded")
	}
	r.checkStored(t, st, id, srv)
}

// checkStored checks that the store holds the server's valid refresh
// token.
func (r Replicas) checkStored(t *testing.T, st store.Store, id string, srv *TokenServer) {
	t.Helper()
	tok, err := st.Token(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if !tok.RefreshToken.Equal(secret.New(srv.Current())) {
		t.Error("the stored refresh token is not the server's valid one")
	}
	c, err := st.Connection(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != store.StatusAuthorized {
		t.Errorf("connection status %s, want %s", c.Status, store.StatusAuthorized)
	}
}

// TestCrash kills a process (SIGKILL) after it received and committed a
// rotated refresh token but before it used it or released the lock, and
// checks that the next process carries on: it renews with the committed
// refresh token, and nothing is refused.
func (r Replicas) TestCrash(t *testing.T, lifetime time.Duration) {
	srv, rt := NewTokenServer(t, lifetime)
	manifestPath, key, st := r.setup(t, srv, lifetime/4)
	id := seed(t, st, rt)
	victim := r.start(t, key, childJob{Role: "crash", DSN: r.DSN, Manifest: manifestPath, ConnID: id, Goroutines: 1, Calls: 1})
	lines := make(chan string, 1)
	go func() {
		line, _ := victim.stdout.ReadString('\n')
		lines <- strings.TrimSpace(line)
	}()
	select {
	case line := <-lines:
		if line != crashMarker {
			_ = victim.cmd.Process.Kill()
			_ = victim.cmd.Wait()
			t.Fatalf("crash child printed %q, want %q\nstderr:\n%s", line, crashMarker, victim.stderr)
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("the crash child did not renew within 60s\nstderr:\n%s", victim.stderr)
	}
	if err := victim.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	err := victim.cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != -1 {
		t.Fatalf("the crash child ended with %v, want killed by a signal", err)
	}
	before := srv.Counts()
	// The next process runs across two expiries: its first call uses the
	// committed token, the next ones renew with the committed refresh
	// token.
	res := r.run(t, key, childJob{Role: "load", DSN: r.DSN, Manifest: manifestPath, ConnID: id, Goroutines: 2,
		Duration: 2 * lifetime, Interval: 100 * time.Millisecond})
	got := srv.Counts()
	t.Logf("after the crash: %d successful calls, %d refresh requests by the killed process, %d by the next, %d invalid_grant",
		res.OK, before.Refreshes, got.Refreshes-before.Refreshes, got.InvalidGrant)
	if before.Refreshes != 1 {
		t.Errorf("the killed process sent %d refresh requests, want 1", before.Refreshes)
	}
	if len(res.Failures) > 0 || res.OK == 0 {
		t.Errorf("the next process: %d successful calls, failures %v", res.OK, res.Failures)
	}
	if got.InvalidGrant != 0 || got.Reuses != 0 || got.Refreshes <= before.Refreshes {
		t.Errorf("token server counts %+v: want refreshes by the next process and no invalid_grant", got)
	}
	r.checkStored(t, st, id, srv)
}

// TestRestart connects in one process, which stores the connection and
// its token, and calls the API from the next process without authorizing
// again: no token request at all while the token is valid.
func (r Replicas) TestRestart(t *testing.T) {
	srv, _ := NewTokenServer(t, time.Hour)
	manifestPath, key, _ := r.setup(t, srv, time.Minute)
	at, rt := srv.Grant()
	first := r.run(t, key, childJob{Role: "connect", DSN: r.DSN, Manifest: manifestPath, Access: at, Refresh: rt, Lifetime: time.Hour})
	if first.ConnID == "" {
		t.Fatal("the connecting process reported no connection id")
	}
	// Connecting the same account again updates the same connection.
	at2, rt2 := srv.Grant()
	again := r.run(t, key, childJob{Role: "connect", DSN: r.DSN, Manifest: manifestPath, Access: at2, Refresh: rt2, Lifetime: time.Hour})
	if again.ConnID != first.ConnID {
		t.Errorf("connecting the same account again made connection %s, want the existing %s", again.ConnID, first.ConnID)
	}
	next := r.run(t, key, childJob{Role: "load", DSN: r.DSN, Manifest: manifestPath, ConnID: first.ConnID, Goroutines: 1, Calls: 3})
	got := srv.Counts()
	if next.OK != 3 || len(next.Failures) > 0 {
		t.Errorf("the next process: %d successful calls of 3, failures %v", next.OK, next.Failures)
	}
	if got.Refreshes != 0 || got.InvalidGrant != 0 {
		t.Errorf("token server counts %+v: want no token request after a restart", got)
	}
}
