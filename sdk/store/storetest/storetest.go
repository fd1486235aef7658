// Package storetest is the conformance suite of store.Store: every
// implementation runs Run against itself, so that memory, SQLite and
// PostgreSQL behave the same way.
package storetest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/connkit/connkit/sdk/secret"
	"github.com/connkit/connkit/sdk/store"
	"github.com/connkit/connkit/sdk/tokens"
)

// Harness opens stores over one set of data (a file, a database schema, a
// named memory store).
type Harness struct {
	// Open opens a store over the harness's data; every call opens the
	// same data, as another process or replica would.
	Open func(t testing.TB, opts store.Options) (store.Store, error)
	// Dump returns the data as stored, to check that secrets are not kept
	// in clear; nil skips that check.
	Dump func(t testing.TB) string
}

// Run runs the conformance suite. newHarness returns a harness over new,
// empty data; it is called once per test.
func Run(t *testing.T, newHarness func(t *testing.T) Harness) {
	tests := []struct {
		name string
		fn   func(*testing.T, Harness)
	}{
		{"SaveAndRead", testSaveAndRead},
		{"Deduplication", testDeduplication},
		{"ConcurrentSave", testConcurrentSave},
		{"Tokens", testTokens},
		{"Status", testStatus},
		{"InvalidInput", testInvalidInput},
		{"List", testList},
		{"LockExcludes", testLockExcludes},
		{"LockBoundedWait", testLockBoundedWait},
		{"LockHandle", testLockHandle},
		{"EncryptedAtRest", testEncryptedAtRest},
		{"KeyRotation", testKeyRotation},
		{"ClearThenKeyed", testClearThenKeyed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newHarness(t)) })
	}
}

// open opens a store and closes it when the test ends.
func open(t testing.TB, h Harness, opts store.Options) store.Store {
	t.Helper()
	s, err := h.Open(t, opts)
	if err != nil {
		t.Fatalf("open the store: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close the store: %v", err)
		}
	})
	return s
}

// NewKey returns a random key with the id, for tests.
func NewKey(t testing.TB, id string) store.Key {
	t.Helper()
	raw := make([]byte, store.KeySize)
	if _, err := rand.Read(raw); err != nil {
		t.Fatal(err)
	}
	k, err := store.NewKey(id, raw)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// NewKeyring returns a keyring of one random key, for tests and
// benchmarks.
func NewKeyring(t testing.TB) *store.Keyring { return keyring(t, NewKey(t, "")) }

// keyring returns a keyring of the keys, primary first.
func keyring(t testing.TB, keys ...store.Key) *store.Keyring {
	t.Helper()
	k, err := store.NewKeyring(keys[0], keys[1:]...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// Canaries are secret values whose presence in a dump means a secret is
// kept in clear.
const (
	canaryField   = "field-canary-5b0c"
	canaryAccess  = "access-canary-77e1"
	canaryRefresh = "refresh-canary-c3d9"
)

func sampleConn(identity string) *store.Connection {
	return &store.Connection{
		ConnectorID: "acme-crm", Method: "default", Identity: identity, Label: "Acme (" + identity + ")",
		Values:  map[string]string{"environment": "https://api.acme.example", "client_id": "cid"},
		Secrets: map[string]secret.Value{"client_secret": secret.New(canaryField)},
	}
}

func sampleToken() *tokens.Token {
	now := time.Now()
	return &tokens.Token{AccessToken: secret.New(canaryAccess), RefreshToken: secret.New(canaryRefresh),
		TokenType: "Bearer", Scope: "crm.read crm.write", IssuedAt: now, Expiry: now.Add(time.Hour),
		Extra: map[string]string{"instance_url": "https://eu1.acme.example"}}
}

// normToken is tok as a store returns it.
func normToken(tok *tokens.Token) *tokens.Token {
	c := *tok
	c.IssuedAt, c.Expiry = store.Timestamp(c.IssuedAt), store.Timestamp(c.Expiry)
	return &c
}

var cmpOpts = cmp.Options{cmpopts.EquateEmpty()}

// ignoreStored ignores what the store chooses: id and timestamps.
var ignoreStored = cmpopts.IgnoreFields(store.Connection{}, "ID", "CreatedAt", "UpdatedAt")

func save(t testing.TB, s store.Store, c *store.Connection, tok *tokens.Token) *store.Connection {
	t.Helper()
	got, err := s.SaveConnection(context.Background(), c, tok)
	if err != nil {
		t.Fatalf("SaveConnection: %v", err)
	}
	return got
}

func testSaveAndRead(t *testing.T, h Harness) {
	ctx := context.Background()
	s := open(t, h, store.Options{})
	in, tok := sampleConn("u1"), sampleToken()
	before := time.Now().Add(-time.Second)
	got := save(t, s, in, tok)
	want := *in
	want.Status = store.StatusAuthorized
	if diff := cmp.Diff(&want, got, cmpOpts, ignoreStored); diff != "" {
		t.Errorf("SaveConnection returned (-want +got):\n%s", diff)
	}
	if got.ID == "" || got.CreatedAt.Before(before) || got.UpdatedAt.Before(got.CreatedAt) {
		t.Errorf("stored connection has ID %q, CreatedAt %v, UpdatedAt %v: want an ID and times since %v", got.ID, got.CreatedAt, got.UpdatedAt, before)
	}
	byID, err := s.Connection(ctx, got.ID)
	if err != nil {
		t.Fatalf("Connection: %v", err)
	}
	if diff := cmp.Diff(got, byID, cmpOpts); diff != "" {
		t.Errorf("Connection (-saved +read):\n%s", diff)
	}
	found, err := s.FindConnection(ctx, in.ConnectorID, in.Identity)
	if err != nil {
		t.Fatalf("FindConnection: %v", err)
	}
	if diff := cmp.Diff(got, found, cmpOpts); diff != "" {
		t.Errorf("FindConnection (-saved +read):\n%s", diff)
	}
	gotTok, err := s.Token(ctx, got.ID)
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	if diff := cmp.Diff(normToken(tok), gotTok, cmpOpts); diff != "" {
		t.Errorf("Token (-saved +read):\n%s", diff)
	}
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"Connection of an unknown id", func() error { _, err := s.Connection(ctx, "nope"); return err }()},
		{"FindConnection of an unknown identity", func() error { _, err := s.FindConnection(ctx, in.ConnectorID, "nope"); return err }()},
		{"FindConnection of another connector", func() error { _, err := s.FindConnection(ctx, "other", in.Identity); return err }()},
		{"FindConnection of an empty identity", func() error { _, err := s.FindConnection(ctx, in.ConnectorID, ""); return err }()},
	} {
		if !errors.Is(tc.err, store.ErrNotFound) {
			t.Errorf("%s: error %v, want ErrNotFound", tc.name, tc.err)
		}
	}
}

func testDeduplication(t *testing.T, h Harness) {
	tests := []struct {
		name string
		// second is saved after the first; sameID reports whether it must
		// update the first record.
		first, second func(firstID string) *store.Connection
		sameID        bool
		count         int
	}{
		{"same connector and identity", func(string) *store.Connection { return sampleConn("u1") },
			func(string) *store.Connection {
				c := sampleConn("u1")
				c.Label, c.Values = "renamed", map[string]string{"client_id": "cid2"}
				return c
			}, true, 1},
		{"same identity, other connector", func(string) *store.Connection { return sampleConn("u1") },
			func(string) *store.Connection { c := sampleConn("u1"); c.ConnectorID = "other"; return c }, false, 2},
		{"empty identity twice", func(string) *store.Connection { return sampleConn("") },
			func(string) *store.Connection { return sampleConn("") }, false, 2},
		{"empty identity, same ID", func(string) *store.Connection { return sampleConn("") },
			func(id string) *store.Connection { c := sampleConn(""); c.ID = id; c.Label = "again"; return c }, true, 1},
		{"identity found after an empty one", func(string) *store.Connection { return sampleConn("") },
			func(id string) *store.Connection { c := sampleConn("u9"); c.ID = id; return c }, true, 1},
		{"identity wins over an unknown ID", func(string) *store.Connection { return sampleConn("u1") },
			func(string) *store.Connection { c := sampleConn("u1"); c.ID = "unknown-id"; return c }, true, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Each case gets its own connector ids to stay independent.
			s := open(t, h, store.Options{})
			suffix := "-" + strings.ReplaceAll(tc.name, " ", "-")
			first := tc.first("")
			first.ConnectorID += suffix
			a := save(t, s, first, sampleToken())
			second := tc.second(a.ID)
			second.ConnectorID += suffix
			tok2 := sampleToken()
			tok2.AccessToken = secret.New("second-access")
			b := save(t, s, second, tok2)
			if (a.ID == b.ID) != tc.sameID {
				t.Errorf("first ID %s, second ID %s: want same=%v", a.ID, b.ID, tc.sameID)
			}
			if tc.sameID {
				if !b.CreatedAt.Equal(a.CreatedAt) {
					t.Errorf("update changed CreatedAt from %v to %v", a.CreatedAt, b.CreatedAt)
				}
				want := *second
				want.Status = store.StatusAuthorized
				if diff := cmp.Diff(&want, b, cmpOpts, ignoreStored); diff != "" {
					t.Errorf("updated connection (-want +got):\n%s", diff)
				}
				gotTok, err := s.Token(context.Background(), b.ID)
				if err != nil || !gotTok.AccessToken.Equal(tok2.AccessToken) {
					t.Errorf("token after the update: %v (err %v), want the second token", gotTok, err)
				}
			}
			var all []*store.Connection
			for id := range map[string]bool{first.ConnectorID: true, second.ConnectorID: true} {
				list, err := s.Connections(context.Background(), id)
				if err != nil {
					t.Fatal(err)
				}
				all = append(all, list...)
			}
			if len(all) != tc.count {
				t.Errorf("%d connections stored, want %d", len(all), tc.count)
			}
		})
	}
}

func testConcurrentSave(t *testing.T, h Harness) {
	const n = 8
	var wg sync.WaitGroup
	ids := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		// Each goroutine has its own store, as replicas would.
		s := open(t, h, store.Options{})
		wg.Go(func() {
			c := sampleConn("same-account")
			c.Label = strconv.Itoa(i)
			got, err := s.SaveConnection(context.Background(), c, sampleToken())
			if err == nil {
				ids[i] = got.ID
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("save %d: %v", i, err)
		}
		if ids[i] != ids[0] {
			t.Errorf("save %d got ID %s, save 0 got %s: the same account must have one record", i, ids[i], ids[0])
		}
	}
	list, err := open(t, h, store.Options{}).Connections(context.Background(), "acme-crm")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Errorf("%d connections stored, want 1", len(list))
	}
}

func testTokens(t *testing.T, h Harness) {
	ctx := context.Background()
	s := open(t, h, store.Options{})
	if err := s.PutToken(ctx, "unknown", sampleToken()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("PutToken for an unknown connection: %v, want ErrNotFound", err)
	}
	c := save(t, s, sampleConn("u1"), nil)
	if _, err := s.Token(ctx, c.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Token of a connection saved without one: %v, want ErrNotFound", err)
	}
	// A token with only an access token and no times.
	bare := &tokens.Token{AccessToken: secret.New("bare")}
	steps := []*tokens.Token{sampleToken(), bare, sampleToken()}
	for i, tok := range steps {
		if err := s.PutToken(ctx, c.ID, tok); err != nil {
			t.Fatalf("PutToken %d: %v", i, err)
		}
		got, err := s.Token(ctx, c.ID)
		if err != nil {
			t.Fatalf("Token %d: %v", i, err)
		}
		if diff := cmp.Diff(normToken(tok), got, cmpOpts); diff != "" {
			t.Errorf("Token %d (-put +read):\n%s", i, diff)
		}
	}
	if err := s.DeleteToken(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Token(ctx, c.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Token after DeleteToken: %v, want ErrNotFound", err)
	}
	if err := s.DeleteToken(ctx, c.ID); err != nil {
		t.Errorf("DeleteToken without a token: %v", err)
	}
	// Saving the connection without a token removes its token.
	if err := s.PutToken(ctx, c.ID, sampleToken()); err != nil {
		t.Fatal(err)
	}
	save(t, s, sampleConn("u1"), nil)
	if _, err := s.Token(ctx, c.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Token after saving the connection without one: %v, want ErrNotFound", err)
	}
	// Deleting the connection deletes its token.
	save(t, s, sampleConn("u1"), sampleToken())
	if err := s.DeleteConnection(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Token(ctx, c.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Token after DeleteConnection: %v, want ErrNotFound", err)
	}
	if _, err := s.Connection(ctx, c.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Connection after DeleteConnection: %v, want ErrNotFound", err)
	}
}

func testStatus(t *testing.T, h Harness) {
	ctx := context.Background()
	s := open(t, h, store.Options{})
	c := save(t, s, sampleConn("u1"), sampleToken())
	for _, st := range []store.Status{store.StatusNeedsReauthorization, store.StatusRevoked, store.StatusAuthorized} {
		if err := s.SetStatus(ctx, c.ID, st); err != nil {
			t.Fatalf("SetStatus(%s): %v", st, err)
		}
		got, err := s.Connection(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != st || got.UpdatedAt.Before(c.UpdatedAt) {
			t.Errorf("after SetStatus(%s): status %s, updated %v (saved %v)", st, got.Status, got.UpdatedAt, c.UpdatedAt)
		}
	}
	if err := s.SetStatus(ctx, c.ID, "broken"); err == nil || !strings.Contains(err.Error(), "broken") {
		t.Errorf("SetStatus(broken): %v, want an error naming the status", err)
	}
	if err := s.SetStatus(ctx, "unknown", store.StatusRevoked); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetStatus of an unknown connection: %v, want ErrNotFound", err)
	}
	// Saving the account again sets the status it is saved with.
	if err := s.SetStatus(ctx, c.ID, store.StatusNeedsReauthorization); err != nil {
		t.Fatal(err)
	}
	if got := save(t, s, sampleConn("u1"), sampleToken()); got.Status != store.StatusAuthorized || got.ID != c.ID {
		t.Errorf("saved again: status %s, ID %s; want authorized and %s", got.Status, got.ID, c.ID)
	}
}

func testInvalidInput(t *testing.T, h Harness) {
	s := open(t, h, store.Options{})
	tests := []struct {
		name string
		c    *store.Connection
		want string
	}{
		{"no connection", nil, "no connection"},
		{"no connector id", &store.Connection{Identity: "u"}, "connector id"},
		{"unknown status", &store.Connection{ConnectorID: "c", Status: "sleeping"}, "sleeping"},
	}
	for _, tc := range tests {
		_, err := s.SaveConnection(context.Background(), tc.c, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func testList(t *testing.T, h Harness) {
	ctx := context.Background()
	s := open(t, h, store.Options{})
	var want []string
	for i := range 3 {
		c := save(t, s, sampleConn(fmt.Sprintf("u%d", i)), nil)
		want = append(want, c.ID)
	}
	other := sampleConn("u0")
	other.ConnectorID = "other"
	o := save(t, s, other, nil)
	list, err := s.Connections(ctx, "acme-crm")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, ids(list)); diff != "" {
		t.Errorf("Connections(acme-crm) (-want +got):\n%s", diff)
	}
	all, err := s.Connections(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(append(want, o.ID), ids(all), cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("Connections() (-want +got):\n%s", diff)
	}
	none, err := s.Connections(ctx, "nobody")
	if err != nil || len(none) != 0 {
		t.Errorf("Connections(nobody) = %d, %v; want none", len(none), err)
	}
}

func ids(list []*store.Connection) []string {
	out := make([]string, len(list))
	for i, c := range list {
		out[i] = c.ID
	}
	return out
}

// testLockExcludes runs read-modify-write cycles under the lock from
// several stores over the same data; a lost update means two holders.
func testLockExcludes(t *testing.T, h Harness) {
	ctx := context.Background()
	stores := []store.Store{open(t, h, store.Options{}), open(t, h, store.Options{})}
	c := save(t, stores[0], sampleConn("u1"), &tokens.Token{AccessToken: secret.New("0")})
	const workers, rounds = 6, 5
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds)
	for w := range workers {
		wg.Go(func() {
			s := stores[w%len(stores)]
			for range rounds {
				errs <- s.WithLock(ctx, c.ID, func(ctx context.Context, l store.Locked) error {
					tok, err := l.Token(ctx)
					if err != nil {
						return err
					}
					n, err := strconv.Atoi(tok.AccessToken.Reveal())
					if err != nil {
						return err
					}
					return l.PutToken(ctx, &tokens.Token{AccessToken: secret.New(strconv.Itoa(n + 1))})
				})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("WithLock: %v", err)
		}
	}
	tok, err := stores[1].Token(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tok.AccessToken.Reveal(), strconv.Itoa(workers*rounds); got != want {
		t.Errorf("counter is %s after %s locked increments: updates were lost", got, want)
	}
}

// hold takes the connection's lock in the background and returns a
// function that releases it and returns WithLock's error.
func hold(t *testing.T, s store.Store, id string) func() error {
	t.Helper()
	held, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- s.WithLock(context.Background(), id, func(context.Context, store.Locked) error {
			close(held)
			<-release
			return nil
		})
	}()
	select {
	case <-held:
	case err := <-done:
		t.Fatalf("hold the lock: %v", err)
	}
	return func() error { close(release); return <-done }
}

func testLockBoundedWait(t *testing.T, h Harness) {
	ctx := context.Background()
	a := open(t, h, store.Options{LockWait: 200 * time.Millisecond})
	b := open(t, h, store.Options{LockWait: 200 * time.Millisecond})
	c1 := save(t, a, sampleConn("u1"), nil)
	c2 := save(t, a, sampleConn("u2"), nil)
	release := hold(t, a, c1.ID)
	ran := false
	err := b.WithLock(ctx, c1.ID, func(context.Context, store.Locked) error { ran = true; return nil })
	if !errors.Is(err, store.ErrLockTimeout) || ran {
		t.Errorf("WithLock while another store holds the lock: ran=%v, error %v; want ErrLockTimeout", ran, err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := b.WithLock(cctx, c1.ID, func(context.Context, store.Locked) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("WithLock with a canceled context while the lock is held: %v, want context.Canceled", err)
	}
	// Another connection's lock is free meanwhile.
	if err := b.WithLock(ctx, c2.ID, func(context.Context, store.Locked) error { return nil }); err != nil {
		t.Errorf("WithLock of another connection: %v", err)
	}
	if err := release(); err != nil {
		t.Fatalf("the holder's WithLock: %v", err)
	}
	// Released: it can be taken, fn's error comes back, and an error
	// releases the lock too.
	errFn := errors.New("fn failed")
	if err := b.WithLock(ctx, c1.ID, func(context.Context, store.Locked) error { return errFn }); !errors.Is(err, errFn) {
		t.Errorf("WithLock returned %v, want fn's error", err)
	}
	if err := a.WithLock(ctx, c1.ID, func(context.Context, store.Locked) error { return nil }); err != nil {
		t.Errorf("WithLock after a failed fn: %v", err)
	}
}

func testLockHandle(t *testing.T, h Harness) {
	ctx := context.Background()
	s := open(t, h, store.Options{})
	other := open(t, h, store.Options{})
	c := save(t, s, sampleConn("u1"), nil)
	tok := sampleToken()
	err := s.WithLock(ctx, c.ID, func(ctx context.Context, l store.Locked) error {
		got, err := l.Connection(ctx)
		if err != nil {
			return err
		}
		if got.ID != c.ID {
			return fmt.Errorf("Locked.Connection returned %s, want %s", got.ID, c.ID)
		}
		if _, err := l.Token(ctx); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("Locked.Token without a token: %v, want ErrNotFound", err)
		}
		if err := l.PutToken(ctx, tok); err != nil {
			return err
		}
		if err := l.SetStatus(ctx, store.StatusNeedsReauthorization); err != nil {
			return err
		}
		// Writes are visible to other stores before the lock is released.
		seen, err := other.Token(ctx, c.ID)
		if err != nil {
			return fmt.Errorf("another store reading the token written under the lock: %w", err)
		}
		if diff := cmp.Diff(normToken(tok), seen, cmpOpts); diff != "" {
			return fmt.Errorf("token read by another store (-put +read):\n%s", diff)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := other.Connection(ctx, c.ID)
	if err != nil || got.Status != store.StatusNeedsReauthorization {
		t.Errorf("status after Locked.SetStatus: %v (err %v), want %s", got, err, store.StatusNeedsReauthorization)
	}
}

// checkClear fails when a dump of the data shows a secret in clear.
func checkClear(t *testing.T, h Harness) {
	t.Helper()
	if h.Dump == nil {
		return
	}
	d := h.Dump(t)
	if d == "" {
		t.Fatal("the dump of the store is empty")
	}
	for _, c := range []string{canaryField, canaryAccess, canaryRefresh} {
		if strings.Contains(d, c) {
			t.Errorf("the stored data holds the secret %q in clear", c)
		}
	}
}

func testEncryptedAtRest(t *testing.T, h Harness) {
	ctx := context.Background()
	k1, k2 := NewKey(t, "k1"), NewKey(t, "k2")
	s := open(t, h, store.Options{Keys: keyring(t, k1)})
	c := save(t, s, sampleConn("u1"), sampleToken())
	checkClear(t, h)

	_, err := h.Open(t, store.Options{})
	var ke *store.KeyError
	if !errors.As(err, &ke) || !errors.Is(err, store.ErrNoKey) || !strings.Contains(err.Error(), store.KeyEnv) {
		t.Fatalf("open without a key: %v; want a *KeyError wrapping ErrNoKey that names %s", err, store.KeyEnv)
	}
	if diff := cmp.Diff([]string{"k1"}, ke.Missing); diff != "" {
		t.Errorf("KeyError.Missing (-want +got):\n%s", diff)
	}
	_, err = h.Open(t, store.Options{Keys: keyring(t, k2)})
	if !errors.As(err, &ke) || errors.Is(err, store.ErrNoKey) {
		t.Fatalf("open with another key: %v; want a *KeyError", err)
	}
	if diff := cmp.Diff(&store.KeyError{Missing: []string{"k1"}, Have: []string{"k2"}}, ke); diff != "" {
		t.Errorf("KeyError (-want +got):\n%s", diff)
	}
	// The same key under another store instance reads everything.
	again := open(t, h, store.Options{Keys: keyring(t, k1)})
	got, err := again.Connection(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(c, got, cmpOpts); diff != "" {
		t.Errorf("connection read back (-saved +read):\n%s", diff)
	}
}

func testKeyRotation(t *testing.T, h Harness) {
	ctx := context.Background()
	old, cur := NewKey(t, "old"), NewKey(t, "new")
	s := open(t, h, store.Options{Keys: keyring(t, old)})
	c := save(t, s, sampleConn("u1"), sampleToken())

	rotated := open(t, h, store.Options{Keys: keyring(t, cur, old)})
	got, err := rotated.Connection(ctx, c.ID)
	if err != nil {
		t.Fatalf("read with the old key as secondary: %v", err)
	}
	if diff := cmp.Diff(c, got, cmpOpts); diff != "" {
		t.Errorf("connection (-saved +read):\n%s", diff)
	}
	// Saving again re-encrypts under the new primary key; then the old
	// key can go.
	save(t, rotated, sampleConn("u1"), sampleToken())
	checkClear(t, h)
	only := open(t, h, store.Options{Keys: keyring(t, cur)})
	if _, err := only.Token(ctx, c.ID); err != nil {
		t.Errorf("read with the new key only after rewriting: %v", err)
	}
}

func testClearThenKeyed(t *testing.T, h Harness) {
	ctx := context.Background()
	clear := open(t, h, store.Options{})
	c := save(t, clear, sampleConn("u1"), sampleToken())
	keyed := open(t, h, store.Options{Keys: keyring(t, NewKey(t, "k1"))})
	got, err := keyed.Connection(ctx, c.ID)
	if err != nil {
		t.Fatalf("a store with a key reading secrets kept in clear: %v", err)
	}
	if diff := cmp.Diff(c, got, cmpOpts); diff != "" {
		t.Errorf("connection (-saved +read):\n%s", diff)
	}
	// Secrets written in clear may linger in a file's free space, so only
	// the key requirement is checked here.
	save(t, keyed, sampleConn("u1"), sampleToken())
	if _, err := h.Open(t, store.Options{}); !errors.Is(err, store.ErrNoKey) {
		t.Errorf("open without a key after secrets were encrypted: %v, want ErrNoKey", err)
	}
}

// BenchmarkTokenRead measures Token reads of one stored token by parallel
// goroutines, reported as reads/s.
func BenchmarkTokenRead(b *testing.B, s store.Store) {
	ctx := context.Background()
	c, err := s.SaveConnection(ctx, sampleConn("bench"), sampleToken())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Token(ctx, c.ID); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reads/s")
}

// BenchmarkTokenWrite measures locked token renewals (WithLock, Token,
// PutToken), the store's part of one refresh, reported as renewals/s.
func BenchmarkTokenWrite(b *testing.B, s store.Store) {
	ctx := context.Background()
	c, err := s.SaveConnection(ctx, sampleConn("bench-write"), sampleToken())
	if err != nil {
		b.Fatal(err)
	}
	tok := sampleToken()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		err := s.WithLock(ctx, c.ID, func(ctx context.Context, l store.Locked) error {
			if _, err := l.Token(ctx); err != nil {
				return err
			}
			return l.PutToken(ctx, tok)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "renewals/s")
}
