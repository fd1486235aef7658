// Package sqlite is the embedded store.Store: one SQLite file (pure Go, no
// cgo) in WAL mode, for one process or a few on the same machine.
//
// The schema is versioned: Open applies the migrations the file lacks in
// one transaction and refuses a file migrated by a newer connkit. A
// connection's lock is a lease row in the file, taken by one goroutine of
// one process at a time (a mutex first serializes the process's own
// goroutines); it expires if its holder dies, so a killed process delays
// the next renewal by at most the lease time but never blocks it for good.
package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite"

	"github.com/connkit/connkit/sdk/store"
	"github.com/connkit/connkit/sdk/store/internal/rows"
	"github.com/connkit/connkit/sdk/tokens"
)

// LeaseTime is how long a connection's lock is held at most: WithLock's fn
// gets a context that ends a little before, and a lock left by a process
// that died is taken over after it.
const LeaseTime = 2 * time.Minute

// busyTimeout is how long a statement waits for another writer, in ms.
const busyTimeout = 10000

// Store is a store.Store in one SQLite file.
type Store struct {
	db    *sql.DB
	path  string
	opts  store.Options
	owner string

	mu    sync.Mutex
	local map[string]chan struct{}
}

var _ store.Store = (*Store)(nil)

// Open opens (creating it if needed, readable by its owner only) the store
// in the file at path and migrates its schema. It fails with a
// *store.KeyError when the file holds secrets encrypted with a key
// opts.Keys lacks.
func Open(ctx context.Context, path string, opts store.Options) (*Store, error) {
	if path == "" {
		return nil, errors.New("open the SQLite store: no file path given")
	}
	if strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("open the SQLite store %s: the path contains '?': choose a file name without it", path)
	}
	if err := createFile(path); err != nil {
		return nil, err
	}
	dsn := path + fmt.Sprintf("?_pragma=busy_timeout(%d)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate", busyTimeout)
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open the SQLite store %s: %w", path, err)
	}
	owner := rand.Text()
	s := &Store{db: db, path: path, opts: opts.WithDefaults(), owner: owner, local: map[string]chan struct{}{}}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open the SQLite store %s: %w", path, err)
	}
	if err := s.checkKeys(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open the SQLite store %s: %w", path, err)
	}
	return s, nil
}

// createFile creates the database file, and its directory, for its owner
// only; SQLite gives the WAL files the same mode.
func createFile(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create the SQLite store's directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open the SQLite store: %w", err)
	}
	return f.Close()
}

// migrations are the schema versions, applied in order; never edit one
// that was released, add the next.
var migrations = []string{
	1: `
CREATE TABLE connections (
	id            TEXT PRIMARY KEY,
	connector_id  TEXT NOT NULL,
	method        TEXT NOT NULL,
	identity      TEXT NOT NULL,
	label         TEXT NOT NULL,
	status        TEXT NOT NULL,
	field_values  TEXT NOT NULL,
	secret_key_id TEXT NOT NULL,
	secrets       BLOB NOT NULL,
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX connections_account ON connections (connector_id, identity) WHERE identity <> '';
CREATE INDEX connections_connector ON connections (connector_id, created_at);
CREATE TABLE tokens (
	connection_id TEXT PRIMARY KEY REFERENCES connections (id) ON DELETE CASCADE,
	key_id        TEXT NOT NULL,
	secrets       BLOB NOT NULL,
	token_type    TEXT NOT NULL,
	scope         TEXT NOT NULL,
	issued_at     INTEGER,
	expiry        INTEGER,
	extra         TEXT NOT NULL,
	updated_at    INTEGER NOT NULL
);
CREATE TABLE locks (
	connection_id TEXT PRIMARY KEY,
	owner         TEXT NOT NULL,
	expires_at    INTEGER NOT NULL
);`,
}

// migrate applies the missing migrations in one immediate transaction, so
// that processes opening the file together apply each once.
func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	var version int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&version); err != nil {
		return fmt.Errorf("migrate: read the schema version: %w", err)
	}
	last := len(migrations) - 1
	if version > last {
		return fmt.Errorf("the store's schema is version %d but this connkit knows versions up to %d: upgrade connkit", version, last)
	}
	for v := version + 1; v <= last; v++ {
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			return fmt.Errorf("migrate to version %d: %w", v, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, v, s.opts.Now().UnixMicro()); err != nil {
			return fmt.Errorf("migrate to version %d: %w", v, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

func (s *Store) checkKeys(ctx context.Context) error {
	rs, err := s.db.QueryContext(ctx, `SELECT secret_key_id FROM connections UNION SELECT key_id FROM tokens`)
	if err != nil {
		return fmt.Errorf("read the key ids in use: %w", err)
	}
	defer rs.Close()
	var used []string
	for rs.Next() {
		var id string
		if err := rs.Scan(&id); err != nil {
			return fmt.Errorf("read the key ids in use: %w", err)
		}
		used = append(used, id)
	}
	if err := rs.Err(); err != nil {
		return fmt.Errorf("read the key ids in use: %w", err)
	}
	return s.opts.Keys.CheckKeys(used)
}

// Close closes the database.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close the SQLite store: %w", err)
	}
	return nil
}

// micro is a time as stored: unix microseconds, NULL for the zero time.
func micro(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMicro(), Valid: true}
}

func fromMicro(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.UnixMicro(n.Int64).UTC()
}

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

const connColumns = `id, connector_id, method, identity, label, status, field_values, secret_key_id, secrets, created_at, updated_at`

type scanner interface{ Scan(dest ...any) error }

func scanConn(sc scanner) (rows.Conn, error) {
	var r rows.Conn
	var values string
	var created, updated sql.NullInt64
	err := sc.Scan(&r.ID, &r.ConnectorID, &r.Method, &r.Identity, &r.Label, &r.Status, &values, &r.KeyID, &r.Secrets, &created, &updated)
	r.Values, r.CreatedAt, r.UpdatedAt = []byte(values), fromMicro(created), fromMicro(updated)
	return r, err
}

// SaveConnection implements store.Store.
func (s *Store) SaveConnection(ctx context.Context, c *store.Connection, tok *tokens.Token) (*store.Connection, error) {
	status, err := rows.Check(c)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("save connection: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	rec := *c
	rec.Status = status
	rec.UpdatedAt = store.Timestamp(s.opts.Now())
	rec.CreatedAt = rec.UpdatedAt
	old, err := s.existing(ctx, tx, c)
	if err != nil {
		return nil, err
	}
	switch {
	case old != nil:
		rec.ID, rec.CreatedAt = old.ID, old.CreatedAt
	case rec.ID == "":
		if rec.ID, err = rows.NewID(); err != nil {
			return nil, err
		}
	}
	row, err := rows.SealConn(s.opts.Keys, &rec)
	if err != nil {
		return nil, err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO connections (`+connColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET connector_id = excluded.connector_id, method = excluded.method, identity = excluded.identity,
	label = excluded.label, status = excluded.status, field_values = excluded.field_values,
	secret_key_id = excluded.secret_key_id, secrets = excluded.secrets, updated_at = excluded.updated_at`,
		row.ID, row.ConnectorID, row.Method, row.Identity, row.Label, row.Status, string(row.Values), row.KeyID, row.Secrets,
		micro(row.CreatedAt), micro(row.UpdatedAt))
	if err != nil {
		return nil, fmt.Errorf("save connection %s: %w", row.ID, err)
	}
	if tok == nil {
		if _, err := tx.ExecContext(ctx, `DELETE FROM tokens WHERE connection_id = ?`, row.ID); err != nil {
			return nil, fmt.Errorf("save connection %s: delete its token: %w", row.ID, err)
		}
	} else if err := s.putToken(ctx, tx, row.ID, tok); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("save connection %s: %w", row.ID, err)
	}
	return rows.OpenConn(s.opts.Keys, row)
}

// existing returns the stored connection c updates: the connector's
// connection with c's identity, else the one with c's ID; nil when none.
func (s *Store) existing(ctx context.Context, q querier, c *store.Connection) (*rows.Conn, error) {
	try := func(where string, args ...any) (*rows.Conn, error) {
		r, err := scanConn(q.QueryRowContext(ctx, `SELECT `+connColumns+` FROM connections WHERE `+where, args...))
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("save connection: look up the existing record: %w", err)
		}
		return &r, nil
	}
	if c.Identity != "" {
		if r, err := try(`connector_id = ? AND identity = ?`, c.ConnectorID, c.Identity); r != nil || err != nil {
			return r, err
		}
	}
	if c.ID != "" {
		return try(`id = ?`, c.ID)
	}
	return nil, nil
}

func (s *Store) connection(ctx context.Context, what, where string, args ...any) (*store.Connection, error) {
	r, err := scanConn(s.db.QueryRowContext(ctx, `SELECT `+connColumns+` FROM connections WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	return rows.OpenConn(s.opts.Keys, r)
}

// Connection implements store.Store.
func (s *Store) Connection(ctx context.Context, id string) (*store.Connection, error) {
	return s.connection(ctx, "connection "+id, `id = ?`, id)
}

// FindConnection implements store.Store.
func (s *Store) FindConnection(ctx context.Context, connectorID, identity string) (*store.Connection, error) {
	if identity == "" {
		return nil, fmt.Errorf("connection of %s without identity: %w", connectorID, store.ErrNotFound)
	}
	return s.connection(ctx, fmt.Sprintf("connection of %s with identity %q", connectorID, identity),
		`connector_id = ? AND identity = ?`, connectorID, identity)
}

// Connections implements store.Store.
func (s *Store) Connections(ctx context.Context, connectorID string) ([]*store.Connection, error) {
	rs, err := s.db.QueryContext(ctx, `SELECT `+connColumns+` FROM connections WHERE ? = '' OR connector_id = ? ORDER BY created_at, id`, connectorID, connectorID)
	if err != nil {
		return nil, fmt.Errorf("list connections: %w", err)
	}
	defer rs.Close()
	var out []*store.Connection
	for rs.Next() {
		r, err := scanConn(rs)
		if err != nil {
			return nil, fmt.Errorf("list connections: %w", err)
		}
		c, err := rows.OpenConn(s.opts.Keys, r)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("list connections: %w", err)
	}
	return out, nil
}

// SetStatus implements store.Store.
func (s *Store) SetStatus(ctx context.Context, id string, st store.Status) error {
	if err := st.Check(); err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, `UPDATE connections SET status = ?, updated_at = ? WHERE id = ?`, string(st), micro(store.Timestamp(s.opts.Now())), id)
	if err != nil {
		return fmt.Errorf("set the status of connection %s: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("set the status of connection %s: %w", id, store.ErrNotFound)
	}
	return nil
}

// DeleteConnection implements store.Store.
func (s *Store) DeleteConnection(ctx context.Context, id string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM connections WHERE id = ?`, id); err != nil {
		return fmt.Errorf("delete connection %s: %w", id, err)
	}
	return nil
}

// Token implements store.Store.
func (s *Store) Token(ctx context.Context, connID string) (*tokens.Token, error) {
	var r rows.Token
	var extra string
	var issued, expiry sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT key_id, secrets, token_type, scope, issued_at, expiry, extra FROM tokens WHERE connection_id = ?`, connID).
		Scan(&r.KeyID, &r.Secrets, &r.TokenType, &r.Scope, &issued, &expiry, &extra)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("token of connection %s: %w", connID, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read the token of connection %s: %w", connID, err)
	}
	r.IssuedAt, r.Expiry, r.Extra = fromMicro(issued), fromMicro(expiry), []byte(extra)
	return rows.OpenToken(s.opts.Keys, connID, r)
}

func (s *Store) putToken(ctx context.Context, q querier, connID string, tok *tokens.Token) error {
	r, err := rows.SealToken(s.opts.Keys, connID, tok)
	if err != nil {
		return err
	}
	// INSERT ... SELECT inserts nothing for an unknown connection.
	res, err := q.ExecContext(ctx, `INSERT INTO tokens (connection_id, key_id, secrets, token_type, scope, issued_at, expiry, extra, updated_at)
SELECT id, ?, ?, ?, ?, ?, ?, ?, ? FROM connections WHERE id = ?
ON CONFLICT (connection_id) DO UPDATE SET key_id = excluded.key_id, secrets = excluded.secrets, token_type = excluded.token_type,
	scope = excluded.scope, issued_at = excluded.issued_at, expiry = excluded.expiry, extra = excluded.extra, updated_at = excluded.updated_at`,
		r.KeyID, r.Secrets, r.TokenType, r.Scope, micro(r.IssuedAt), micro(r.Expiry), string(r.Extra), micro(store.Timestamp(s.opts.Now())), connID)
	if err != nil {
		return fmt.Errorf("store the token of connection %s: %w", connID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("store the token of connection %s: %w", connID, store.ErrNotFound)
	}
	return nil
}

// PutToken implements store.Store.
func (s *Store) PutToken(ctx context.Context, connID string, tok *tokens.Token) error {
	return s.putToken(ctx, s.db, connID, tok)
}

// DeleteToken implements store.Store.
func (s *Store) DeleteToken(ctx context.Context, connID string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM tokens WHERE connection_id = ?`, connID); err != nil {
		return fmt.Errorf("delete the token of connection %s: %w", connID, err)
	}
	return nil
}

// WithLock implements store.Store: the process's goroutines queue on a
// semaphore, then the holder takes the lease row, polling while another
// process holds it. fn's context ends a little before the lease does.
func (s *Store) WithLock(ctx context.Context, connID string, fn func(ctx context.Context, l store.Locked) error) error {
	wait, cancel := context.WithTimeout(ctx, s.opts.LockWait)
	defer cancel()
	s.mu.Lock()
	sem, ok := s.local[connID]
	if !ok {
		sem = make(chan struct{}, 1)
		s.local[connID] = sem
	}
	s.mu.Unlock()
	select {
	case sem <- struct{}{}:
	case <-wait.Done():
		return lockErr(ctx, connID)
	}
	defer func() { <-sem }()
	expires, err := s.lease(wait, connID)
	if wait.Err() != nil {
		return lockErr(ctx, connID)
	}
	if err != nil {
		return err
	}
	defer s.release(context.WithoutCancel(ctx), connID)
	held, stop := context.WithDeadline(ctx, expires.Add(-LeaseTime/10))
	defer stop()
	return fn(held, store.Bind(s, connID))
}

// lockErr is the error of a wait for a lock that ended: the caller's
// context's or ErrLockTimeout.
func lockErr(ctx context.Context, connID string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("lock connection %s: %w", connID, err)
	}
	return fmt.Errorf("lock connection %s: %w", connID, store.ErrLockTimeout)
}

// lease takes the connection's lease row, or an expired one, and returns
// when it expires; it polls until ctx ends, and then returns ctx's error.
func (s *Store) lease(ctx context.Context, connID string) (time.Time, error) {
	pause := 2 * time.Millisecond
	for {
		now := s.opts.Now()
		expires := now.Add(LeaseTime)
		res, err := s.db.ExecContext(ctx, `INSERT INTO locks (connection_id, owner, expires_at) VALUES (?, ?, ?)
ON CONFLICT (connection_id) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at WHERE locks.expires_at <= ?`,
			connID, s.owner, expires.UnixMicro(), now.UnixMicro())
		if err == nil {
			var n int64
			if n, err = res.RowsAffected(); err == nil && n == 1 {
				return expires, nil
			}
		}
		if ctx.Err() != nil {
			return time.Time{}, ctx.Err()
		}
		if err != nil {
			return time.Time{}, fmt.Errorf("lock connection %s: %w", connID, err)
		}
		t := time.NewTimer(pause)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
		pause = min(2*pause, 50*time.Millisecond)
	}
}

// release deletes the lease row if it is still this store's.
func (s *Store) release(ctx context.Context, connID string) {
	// A failed delete leaves a lease that expires by itself.
	_, _ = s.db.ExecContext(ctx, `DELETE FROM locks WHERE connection_id = ? AND owner = ?`, connID, s.owner)
}
