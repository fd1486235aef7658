package postgres

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/connkit/connkit/sdk/store"
	"github.com/connkit/connkit/sdk/store/storetest"
)

// serverURL returns the URL of the test server: CONNKIT_PG_URL, which
// .ci/pg/start.sh prints. Without it the test is skipped, or fails when
// CONNKIT_REQUIRE_INTEROP is set (in CI).
func serverURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("CONNKIT_PG_URL")
	if u == "" {
		if os.Getenv("CONNKIT_REQUIRE_INTEROP") != "" {
			t.Fatal("CONNKIT_PG_URL is not set but CONNKIT_REQUIRE_INTEROP is: start PostgreSQL with .ci/pg/start.sh")
		}
		t.Skip("CONNKIT_PG_URL is not set: start PostgreSQL with `eval export $(bash .ci/pg/start.sh)`")
	}
	return u
}

// schemaURL creates a schema of its own for the test, dropped when it
// ends, and returns the server URL with a search_path naming it.
func schemaURL(t testing.TB) string {
	t.Helper()
	base := serverURL(t)
	schema := "t_" + strings.ToLower(rand.Text())
	conn, err := pgx.Connect(context.Background(), base)
	if err != nil {
		t.Fatalf("connect to %s: %v", base, err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func harness(t *testing.T) storetest.Harness {
	u := schemaURL(t)
	return storetest.Harness{
		Open: func(_ testing.TB, opts store.Options) (store.Store, error) {
			return Open(context.Background(), u, opts)
		},
		Dump: func(t testing.TB) string { return dump(t, u) },
	}
}

// dump returns the stored secrets and values as raw bytes.
func dump(t testing.TB, u string) string {
	conn, err := pgx.Connect(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rs, err := conn.Query(context.Background(), `SELECT secrets, field_values::text::bytea FROM connkit_connections
UNION ALL SELECT secrets, extra::text::bytea FROM connkit_tokens`)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for rs.Next() {
		var secrets, plain []byte
		if err := rs.Scan(&secrets, &plain); err != nil {
			t.Fatal(err)
		}
		b.Write(secrets)
		b.Write(plain)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestConformance(t *testing.T) {
	storetest.Run(t, harness)
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	_, err := Open(ctx, "postgres://user:hunter2@127.0.0.1:1/db?sslmode=disable&connect_timeout=2", store.Options{})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("Open of an unreachable server: %v; want an error without the password", err)
	}
	_, err = Open(ctx, "postgres://user:hunter2@%zz", store.Options{})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("Open of a bad URL: %v; want an error without the password", err)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	u := schemaURL(t)
	s, err := Open(context.Background(), u, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(context.Background(), `INSERT INTO connkit_schema_migrations (version, applied_at) VALUES (99, now())`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = Open(context.Background(), u, store.Options{})
	if err == nil || !strings.Contains(err.Error(), "version 99") || !strings.Contains(err.Error(), "upgrade connkit") {
		t.Errorf("Open of a newer schema: %v; want an error asking to upgrade", err)
	}
}

func TestConcurrentOpenMigratesOnce(t *testing.T) {
	u := schemaURL(t)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			s, err := Open(context.Background(), u, store.Options{})
			if err == nil {
				s.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Errorf("concurrent Open: %v", err)
		}
	}
	conn, err := pgx.Connect(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM connkit_schema_migrations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != len(migrations)-1 {
		t.Errorf("%d migrations recorded, want %d", n, len(migrations)-1)
	}
}

func BenchmarkTokenRead(b *testing.B) {
	s, err := Open(context.Background(), schemaURL(b), store.Options{Keys: storetest.NewKeyring(b)})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	storetest.BenchmarkTokenRead(b, s)
}

func BenchmarkTokenWrite(b *testing.B) {
	s, err := Open(context.Background(), schemaURL(b), store.Options{Keys: storetest.NewKeyring(b)})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	storetest.BenchmarkTokenWrite(b, s)
}

func BenchmarkDo(b *testing.B) {
	for _, renew := range []bool{false, true} {
		b.Run(fmt.Sprintf("renew=%v", renew), func(b *testing.B) {
			s, err := Open(context.Background(), schemaURL(b), store.Options{Keys: storetest.NewKeyring(b)})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			storetest.BenchmarkDo(b, s, renew)
		})
	}
}
