package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/connkit/connkit/sdk/store"
	"github.com/connkit/connkit/sdk/store/storetest"
)

func harness(t *testing.T) storetest.Harness {
	path := filepath.Join(t.TempDir(), "connkit.db")
	return storetest.Harness{
		Open: func(_ testing.TB, opts store.Options) (store.Store, error) {
			return Open(context.Background(), path, opts)
		},
		Dump: func(t testing.TB) string {
			var b strings.Builder
			for _, p := range []string{path, path + "-wal"} {
				data, err := os.ReadFile(p)
				if err != nil && !os.IsNotExist(err) {
					t.Fatal(err)
				}
				b.Write(data)
			}
			return b.String()
		},
	}
}

func TestConformance(t *testing.T) {
	storetest.Run(t, harness)
}

func TestFileIsPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "connkit.db")
	s, err := Open(context.Background(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("store file mode %v, want 0600", perm)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	newer := filepath.Join(dir, "newer.db")
	s, err := Open(context.Background(), newer, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (99, 0)`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	tests := []struct {
		name, path, want string
	}{
		{"no path", "", "no file path"},
		{"question mark", filepath.Join(dir, "a?b.db"), "contains '?'"},
		{"newer schema", newer, "version 99 but this connkit knows versions up to 1: upgrade connkit"},
		{"directory", dir, "is a directory"},
	}
	for _, tc := range tests {
		s, err := Open(context.Background(), tc.path, store.Options{})
		if err == nil {
			s.Close()
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

// TestStaleLeaseTakenOver checks that a lease left by a process that died
// blocks until it expires, and no longer.
func TestStaleLeaseTakenOver(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "connkit.db")
	s, err := Open(ctx, path, store.Options{LockWait: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, err := s.SaveConnection(ctx, &store.Connection{ConnectorID: "x"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec(`INSERT INTO locks (connection_id, owner, expires_at) VALUES (?, 'dead', ?)`, c.ID, time.Now().Add(time.Hour).UnixMicro()); err != nil {
		t.Fatal(err)
	}
	noop := func(context.Context, store.Locked) error { return nil }
	if err := s.WithLock(ctx, c.ID, noop); !errors.Is(err, store.ErrLockTimeout) {
		t.Fatalf("WithLock under a live lease: %v, want ErrLockTimeout", err)
	}
	if _, err := s.db.Exec(`UPDATE locks SET expires_at = ? WHERE connection_id = ?`, time.Now().Add(-time.Second).UnixMicro(), c.ID); err != nil {
		t.Fatal(err)
	}
	var left time.Duration
	err = s.WithLock(ctx, c.ID, func(ctx context.Context, _ store.Locked) error {
		d, ok := ctx.Deadline()
		if !ok {
			return errors.New("fn's context has no deadline: the lease could expire under it")
		}
		left = time.Until(d)
		return nil
	})
	if err != nil {
		t.Fatalf("WithLock after the lease expired: %v", err)
	}
	if left > LeaseTime {
		t.Errorf("fn's context ends in %v, after the lease (%v)", left, LeaseTime)
	}
	var n int
	if err := s.db.QueryRow(`SELECT count(*) FROM locks`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d lease rows left after WithLock (err %v), want 0", n, err)
	}
}

func BenchmarkTokenRead(b *testing.B) {
	s, err := Open(context.Background(), filepath.Join(b.TempDir(), "connkit.db"), store.Options{Keys: storetest.NewKeyring(b)})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	storetest.BenchmarkTokenRead(b, s)
}

func BenchmarkTokenWrite(b *testing.B) {
	s, err := Open(context.Background(), filepath.Join(b.TempDir(), "connkit.db"), store.Options{Keys: storetest.NewKeyring(b)})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	storetest.BenchmarkTokenWrite(b, s)
}

func BenchmarkDo(b *testing.B) {
	for _, renew := range []bool{false, true} {
		b.Run(fmt.Sprintf("renew=%v", renew), func(b *testing.B) {
			s, err := Open(context.Background(), filepath.Join(b.TempDir(), "connkit.db"), store.Options{Keys: storetest.NewKeyring(b)})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			storetest.BenchmarkDo(b, s, renew)
		})
	}
}
