package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/connkit/connkit/sdk/store"
	"github.com/connkit/connkit/sdk/store/storetest"
)

func TestMain(m *testing.M) {
	storetest.ChildMain(func(ctx context.Context, dsn string, opts store.Options) (store.Store, error) {
		return Open(ctx, dsn, opts)
	})
	os.Exit(m.Run())
}

func replicas(t *testing.T) storetest.Replicas {
	return storetest.Replicas{DSN: filepath.Join(t.TempDir(), "connkit.db"), Open: func(ctx context.Context, dsn string, opts store.Options) (store.Store, error) {
		return Open(ctx, dsn, opts)
	}}
}

// TestReplicasLoad: processes on one machine sharing the file renew once
// per expiry, through the lease rows.
func TestReplicasLoad(t *testing.T) {
	replicas(t).TestLoad(t, 3, 20, 3, 2*time.Second)
}

// TestReplicasRestart: what one process stored, the next uses without
// authorizing again.
func TestReplicasRestart(t *testing.T) {
	replicas(t).TestRestart(t)
}
