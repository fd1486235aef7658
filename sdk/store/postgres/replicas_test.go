package postgres

import (
	"context"
	"os"
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
	return storetest.Replicas{DSN: schemaURL(t), Open: func(ctx context.Context, dsn string, opts store.Options) (store.Store, error) {
		return Open(ctx, dsn, opts)
	}}
}

// TestReplicasLoad: 4 processes sharing one database, 50 goroutines each,
// calling an API whose access tokens live 2s through 4 expiries, against a
// token server that rotates refresh tokens and revokes the grant when one
// is reused.
func TestReplicasLoad(t *testing.T) {
	replicas(t).TestLoad(t, 4, 50, 4, 2*time.Second)
}

func TestReplicasCrash(t *testing.T) {
	replicas(t).TestCrash(t, 2*time.Second)
}

func TestReplicasRestart(t *testing.T) {
	replicas(t).TestRestart(t)
}
