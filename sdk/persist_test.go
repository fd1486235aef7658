package sdk_test

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/sdk"
	"github.com/connkit/connkit/sdk/secret"
	"github.com/connkit/connkit/sdk/store"
	"github.com/connkit/connkit/sdk/store/memory"
	"github.com/connkit/connkit/sdk/tokens"
)

// storedManifest is an authorization-code connector with a secret field,
// a test call that gives the identity, and short renewal.
const storedManifest = `
connkit: v1
id: t-stored
name: Stored
fields:
  - {key: region, label: Region, type: string, required: true}
  - {key: client_secret, label: Client Secret, type: secret, required: true}
base_url: $URL/api
auth:
  type: oauth2_authorization_code
  authorize: {url: $URL/authorize}
  token:
    url: $URL/oauth/token
    client_id: cid
    client_secret: "{{ fields.client_secret }}"
  renew_before: 1m
whitelist: [$URL/]
test:
  request: {method: GET, path: /me}
  expect: {status: [200]}
label: "{{ response.name }} ({{ fields.region }})"
identity: "{{ response.id }}"
`

// rotating answers refresh requests with a new access and refresh token
// each time, refusing a refresh token it already replaced.
type rotating struct {
	mu      sync.Mutex
	current string
	n       int
	reused  int
}

func (r *rotating) handler(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if req.PostFormValue("refresh_token") != r.current {
		r.reused++
		status(400, `{"error":"invalid_grant"}`)(w, req)
		return
	}
	r.n++
	r.current = "RT-" + string(rune('A'+r.n))
	jsonReply(200, map[string]any{"access_token": "AT-" + string(rune('A'+r.n)), "refresh_token": r.current,
		"token_type": "Bearer", "expires_in": 3600})(w, req)
}

func memStore(t *testing.T, name string) store.Store {
	t.Helper()
	st, err := memory.New(name, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func seedToken(access, refresh string, expiry time.Time) *tokens.Token {
	return &tokens.Token{AccessToken: secret.New(access), RefreshToken: secret.New(refresh), TokenType: "Bearer",
		IssuedAt: expiry.Add(-time.Hour), Expiry: expiry}
}

var storedValues = sdk.Values{"region": "eu", "client_secret": "cs"}

// storedRegistry registers storedManifest in a new registry with opts.
func storedRegistry(t *testing.T, s *testServer, opts sdk.Options) (*sdk.Registry, *sdk.Connector) {
	t.Helper()
	f, err := manifest.Parse("stored.yaml", []byte(s.manifestText(storedManifest)))
	if err != nil {
		t.Fatal(err)
	}
	if opts.Check == nil {
		opts.Check = acceptAll
	}
	reg := sdk.NewRegistry(opts)
	c, err := reg.Add(f)
	if err != nil {
		t.Fatal(err)
	}
	return reg, c
}

// TestConnectStores: Connect saves the connection, its values and token;
// connecting the same account again updates it; Open restores it without
// a token request or test call.
func TestConnectStores(t *testing.T) {
	rot := &rotating{current: "RT-1"}
	s := newServer(t, map[string]http.HandlerFunc{
		"/oauth/token": rot.handler,
		"/api/me":      jsonReply(200, map[string]any{"id": "u-1", "name": "Ada"}),
		"/api/x":       jsonReply(200, nil),
	})
	clk := newClock()
	st := memStore(t, "")
	opts := sdk.Options{Now: clk.Now, Store: st}
	_, c := storedRegistry(t, s, opts)
	ctx := context.Background()
	conn, err := c.Connect(ctx, storedValues, sdk.ConnectOptions{Token: seedToken("AT-1", "RT-1", t0.Add(time.Hour))})
	if err != nil {
		t.Fatal(err)
	}
	if conn.ID() == "" {
		t.Fatal("a connection made with a store has no ID")
	}
	rec, err := st.Connection(ctx, conn.ID())
	if err != nil {
		t.Fatal(err)
	}
	if rec.Identity != "u-1" || rec.Label != "Ada (eu)" || rec.Values["region"] != "eu" || rec.Secrets["client_secret"].Reveal() != "cs" || rec.Values["client_secret"] != "" {
		t.Errorf("stored connection %+v: want identity u-1, label, region in clear and the secret among the secrets", rec)
	}
	again, err := c.Connect(ctx, storedValues, sdk.ConnectOptions{Token: seedToken("AT-2", "RT-1", t0.Add(time.Hour))})
	if err != nil {
		t.Fatal(err)
	}
	if again.ID() != conn.ID() {
		t.Errorf("the same account connected again got ID %s, want %s", again.ID(), conn.ID())
	}
	if list, _ := st.Connections(ctx, "t-stored"); len(list) != 1 {
		t.Errorf("%d stored connections, want 1", len(list))
	}
	before := s.count("/oauth/token") + s.count("/api/me")
	// Another registry, as after a restart.
	reg, _ := storedRegistry(t, s, opts)
	opened, err := reg.Open(ctx, conn.ID())
	if err != nil {
		t.Fatal(err)
	}
	if opened.Label() != "Ada (eu)" || opened.Identity() != "u-1" || !opened.Token().AccessToken.Equal(secret.New("AT-2")) {
		t.Errorf("opened connection %v identity %s token %v: want the stored ones", opened, opened.Identity(), opened.Token())
	}
	do(t, opened, &sdk.Request{Path: "/x"})
	if after := s.count("/oauth/token") + s.count("/api/me"); after != before {
		t.Errorf("Open sent %d token requests or test calls, want none", after-before)
	}
	if got := s.last(t, "/api/x").Header.Get("Authorization"); got != "Bearer AT-2" {
		t.Errorf("the opened connection sent Authorization %q, want the stored token", got)
	}
}

// TestReplicasRenewOnce: connections in two registries sharing a store
// renew an expired token once; the second takes the token the first
// stored, and the rotated refresh token is never presented twice.
func TestReplicasRenewOnce(t *testing.T) {
	rot := &rotating{current: "RT-1"}
	s := newServer(t, map[string]http.HandlerFunc{
		"/oauth/token": rot.handler,
		"/api/me":      jsonReply(200, map[string]any{"id": "u-1", "name": "Ada"}),
		"/api/x":       jsonReply(200, nil),
	})
	clk := newClock()
	name := rand.Text()
	_, c := storedRegistry(t, s, sdk.Options{Now: clk.Now, Store: memStore(t, name)})
	ctx := context.Background()
	conn, err := c.Connect(ctx, storedValues, sdk.ConnectOptions{Token: seedToken("AT-1", "RT-1", t0.Add(time.Hour))})
	if err != nil {
		t.Fatal(err)
	}
	var replicas []*sdk.Connection
	for range 3 {
		reg, _ := storedRegistry(t, s, sdk.Options{Now: clk.Now, Store: memStore(t, name)})
		r, err := reg.Open(ctx, conn.ID())
		if err != nil {
			t.Fatal(err)
		}
		replicas = append(replicas, r)
	}
	for round := range 3 {
		clk.Advance(2 * time.Hour)
		var wg sync.WaitGroup
		for _, r := range replicas {
			for range 5 {
				wg.Go(func() {
					if resp, err := r.Do(ctx, &sdk.Request{Path: "/x"}); err != nil || resp.Status != 200 {
						t.Errorf("round %d: Do: %v %v", round, resp, err)
					}
				})
			}
		}
		wg.Wait()
	}
	rot.mu.Lock()
	defer rot.mu.Unlock()
	if rot.n != 3 || rot.reused != 0 {
		t.Errorf("%d refreshes and %d refused refresh tokens in 3 expiries, want 3 and 0", rot.n, rot.reused)
	}
}

// TestInvalidGrantMarksConnection: a refused grant marks the stored
// connection, which Open then refuses with a hint to re-authorize;
// Revoke marks it revoked and forgets its token.
func TestInvalidGrantMarksConnection(t *testing.T) {
	s := newServer(t, map[string]http.HandlerFunc{
		"/oauth/token": status(400, `{"error":"invalid_grant"}`),
		"/api/me":      jsonReply(200, map[string]any{"id": "u-1", "name": "Ada"}),
	})
	clk := newClock()
	st := memStore(t, "")
	reg, c := storedRegistry(t, s, sdk.Options{Now: clk.Now, Store: st})
	ctx := context.Background()
	conn, err := c.Connect(ctx, storedValues, sdk.ConnectOptions{Token: seedToken("AT-1", "RT-1", t0.Add(time.Hour))})
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Hour)
	if _, err := conn.Do(ctx, &sdk.Request{Path: "/x"}); sdk.KindOf(err) != sdk.KindReauthorize {
		t.Fatalf("Do with a refused grant: %v, want kind %s", err, sdk.KindReauthorize)
	}
	rec, err := st.Connection(ctx, conn.ID())
	if err != nil || rec.Status != store.StatusNeedsReauthorization {
		t.Fatalf("stored status %v (err %v), want %s", rec, err, store.StatusNeedsReauthorization)
	}
	_, err = reg.Open(ctx, conn.ID())
	if sdk.KindOf(err) != sdk.KindReauthorize || !strings.Contains(sdk.HintOf(err), "re-authorize") {
		t.Errorf("Open of a connection needing authorization: %v (kind %s, hint %q)", err, sdk.KindOf(err), sdk.HintOf(err))
	}

	// Connecting again authorizes it again; revoking marks it revoked.
	fresh, err := c.Connect(ctx, storedValues, sdk.ConnectOptions{Token: seedToken("AT-9", "RT-9", t0.Add(3*time.Hour))})
	if err != nil || fresh.ID() != conn.ID() {
		t.Fatalf("reconnect: %v, ID %s want %s", err, fresh.ID(), conn.ID())
	}
	if err := fresh.Revoke(ctx); err != nil {
		t.Fatal(err)
	}
	if rec, err := st.Connection(ctx, conn.ID()); err != nil || rec.Status != store.StatusRevoked {
		t.Errorf("status after Revoke %v (err %v), want revoked", rec, err)
	}
	if _, err := st.Token(ctx, conn.ID()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("token after Revoke: %v, want none", err)
	}
	if _, err := reg.Open(ctx, conn.ID()); sdk.KindOf(err) != sdk.KindRevoked {
		t.Errorf("Open of a revoked connection: %v, want kind revoked", err)
	}
}

// failingStore refuses to store tokens.
type failingStore struct{ store.Store }

func (f failingStore) WithLock(ctx context.Context, id string, fn func(context.Context, store.Locked) error) error {
	return f.Store.WithLock(ctx, id, func(ctx context.Context, l store.Locked) error { return fn(ctx, failingLocked{l}) })
}

type failingLocked struct{ store.Locked }

func (failingLocked) PutToken(context.Context, *tokens.Token) error { return errors.New("disk full") }

// TestUnstoredTokenNotUsed: a renewed token that cannot be stored is not
// used, since its refresh token would be lost.
func TestUnstoredTokenNotUsed(t *testing.T) {
	rot := &rotating{current: "RT-1"}
	s := newServer(t, map[string]http.HandlerFunc{
		"/oauth/token": rot.handler,
		"/api/me":      jsonReply(200, map[string]any{"id": "u-1", "name": "Ada"}),
		"/api/x":       jsonReply(200, nil),
	})
	clk := newClock()
	_, c := storedRegistry(t, s, sdk.Options{Now: clk.Now, Store: failingStore{memStore(t, "")}})
	conn, err := c.Connect(context.Background(), storedValues, sdk.ConnectOptions{Token: seedToken("AT-1", "RT-1", t0.Add(time.Hour))})
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Hour)
	_, err = conn.Do(context.Background(), &sdk.Request{Path: "/x"})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Do when the renewed token cannot be stored: %v, want the store's error", err)
	}
	if s.count("/api/x") != 0 {
		t.Error("the API was called with a token that was not stored")
	}
}

// TestOpenErrors: Open explains what is missing.
func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := sdk.NewRegistry(sdk.Options{}).Open(ctx, "x"); sdk.KindOf(err) != sdk.KindConfig || !strings.Contains(sdk.HintOf(err), "Options.Store") {
		t.Errorf("Open without a store: %v (hint %q)", err, sdk.HintOf(err))
	}
	st := memStore(t, "")
	reg := sdk.NewRegistry(sdk.Options{Store: st})
	if _, err := reg.Open(ctx, "missing"); sdk.KindOf(err) != sdk.KindConfig || !strings.Contains(err.Error(), "not in the store") {
		t.Errorf("Open of an unknown id: %v", err)
	}
	rec, err := st.SaveConnection(ctx, &store.Connection{ConnectorID: "unregistered"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Open(ctx, rec.ID); sdk.KindOf(err) != sdk.KindConfig || !strings.Contains(err.Error(), "not registered") {
		t.Errorf("Open of an unregistered connector's connection: %v", err)
	}
}
