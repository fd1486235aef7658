// Package postgres is the store.Store for platforms that run several
// replicas: PostgreSQL through a pgx connection pool.
//
// Its tables (connkit_connections, connkit_tokens) live in the schema the
// connection's search_path names first, beside the platform's own; the
// schema is versioned in connkit_schema_migrations and migrated on Open
// under an advisory lock, so that replicas starting together apply each
// migration once.
//
// A connection's lock is a session-level advisory lock held on one pooled
// connection, taken with a lock_timeout so that the wait is bounded. The
// writes made under it are committed at once on that same connection,
// before the lock is released. If the process dies, PostgreSQL ends its
// session and releases the lock.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/connkit/connkit/sdk/store"
	"github.com/connkit/connkit/sdk/store/internal/rows"
	"github.com/connkit/connkit/sdk/tokens"
)

// Advisory lock classes (the first key of pg_advisory_lock(int, int)),
// "ckit" and its successors, so that connkit's locks do not collide with
// the platform's own.
const (
	classMigrate    int32 = 0x636b6974
	classConnection int32 = classMigrate + 1
	classAccount    int32 = classMigrate + 2
)

// Store is a store.Store in PostgreSQL.
type Store struct {
	pool *pgxpool.Pool
	opts store.Options
	// schema is the schema the tables live in; it scopes the advisory
	// locks, which are per database.
	schema string
}

var _ store.Store = (*Store)(nil)

// Open connects to the database at url (a postgres:// URL or a key=value
// DSN, as pgx reads them), migrates the schema and checks the keys. It
// fails with a *store.KeyError when the database holds secrets encrypted
// with a key opts.Keys lacks. Errors never show the URL's password.
func Open(ctx context.Context, url string, opts store.Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's message quotes the URL with its password masked.
		return nil, fmt.Errorf("open the PostgreSQL store: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open the PostgreSQL store: %w", err)
	}
	s := &Store{pool: pool, opts: opts.WithDefaults()}
	if err := s.init(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open the PostgreSQL store on %s:%d/%s: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database, err)
	}
	return s, nil
}

func (s *Store) init(ctx context.Context) error {
	if err := s.pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&s.schema); err != nil {
		return fmt.Errorf("read the current schema: %w", err)
	}
	if s.schema == "" {
		return errors.New("no schema: the search_path names no existing schema; create one or fix search_path")
	}
	if err := s.migrate(ctx); err != nil {
		return err
	}
	return s.checkKeys(ctx)
}

// key returns the advisory lock key of a name in the store's schema.
func (s *Store) key(name string) int32 {
	h := fnv.New32a()
	h.Write([]byte(s.schema))
	h.Write([]byte{0})
	h.Write([]byte(name))
	return int32(h.Sum32())
}

// migrations are the schema versions, applied in order; never edit one
// that was released, add the next.
var migrations = []string{
	1: `
CREATE TABLE connkit_connections (
	id            text PRIMARY KEY,
	connector_id  text NOT NULL,
	method        text NOT NULL,
	identity      text NOT NULL,
	label         text NOT NULL,
	status        text NOT NULL,
	field_values  jsonb NOT NULL,
	secret_key_id text NOT NULL,
	secrets       bytea NOT NULL,
	created_at    timestamptz NOT NULL,
	updated_at    timestamptz NOT NULL
);
CREATE UNIQUE INDEX connkit_connections_account ON connkit_connections (connector_id, identity) WHERE identity <> '';
CREATE INDEX connkit_connections_connector ON connkit_connections (connector_id, created_at);
CREATE TABLE connkit_tokens (
	connection_id text PRIMARY KEY REFERENCES connkit_connections (id) ON DELETE CASCADE,
	key_id        text NOT NULL,
	secrets       bytea NOT NULL,
	token_type    text NOT NULL,
	scope         text NOT NULL,
	issued_at     timestamptz,
	expiry        timestamptz,
	extra         jsonb NOT NULL,
	updated_at    timestamptz NOT NULL
);`,
}

// migrate applies the missing migrations, each in its own transaction,
// under an advisory lock that serializes the replicas opening the store.
func (s *Store) migrate(ctx context.Context) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Release()
	wait, cancel := context.WithTimeout(ctx, s.opts.LockWait)
	defer cancel()
	if _, err := conn.Exec(wait, `SELECT pg_advisory_lock($1, $2)`, classMigrate, s.key("migrate")); err != nil {
		closeConn(conn)
		return fmt.Errorf("migrate: wait for other replicas migrating: %w", err)
	}
	defer unlock(conn, classMigrate, s.key("migrate"))
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS connkit_schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	var version int
	if err := conn.QueryRow(ctx, `SELECT COALESCE(max(version), 0) FROM connkit_schema_migrations`).Scan(&version); err != nil {
		return fmt.Errorf("migrate: read the schema version: %w", err)
	}
	last := len(migrations) - 1
	if version > last {
		return fmt.Errorf("the store's schema is version %d but this connkit knows versions up to %d: upgrade connkit", version, last)
	}
	for v := version + 1; v <= last; v++ {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, migrations[v]); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO connkit_schema_migrations (version, applied_at) VALUES ($1, $2)`, v, s.opts.Now())
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate to version %d: %w", v, err)
		}
	}
	return nil
}

// unlock releases a session-level advisory lock; a connection on which
// that fails is closed, which releases it too.
func unlock(conn *pgxpool.Conn, class, key int32) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_unlock($1, $2)`, class, key); err != nil {
		closeConn(conn)
	}
}

// closeConn closes a pooled connection whose session state is unknown;
// the pool drops it when it is released.
func closeConn(conn *pgxpool.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = conn.Conn().Close(ctx) // the session ends either way
}

func (s *Store) checkKeys(ctx context.Context) error {
	rs, err := s.pool.Query(ctx, `SELECT secret_key_id FROM connkit_connections UNION SELECT key_id FROM connkit_tokens`)
	if err != nil {
		return fmt.Errorf("read the key ids in use: %w", err)
	}
	used, err := pgx.CollectRows(rs, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("read the key ids in use: %w", err)
	}
	return s.opts.Keys.CheckKeys(used)
}

// Close closes the pool.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// querier is what the pool, a pooled connection and a transaction share.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// nullTime is a time as a parameter: NULL for the zero time.
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func fromNull(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return store.Timestamp(*t)
}

const connColumns = `id, connector_id, method, identity, label, status, field_values, secret_key_id, secrets, created_at, updated_at`

func scanConn(row pgx.Row) (rows.Conn, error) {
	var r rows.Conn
	err := row.Scan(&r.ID, &r.ConnectorID, &r.Method, &r.Identity, &r.Label, &r.Status, &r.Values, &r.KeyID, &r.Secrets, &r.CreatedAt, &r.UpdatedAt)
	return r, err
}

// SaveConnection implements store.Store. Saves of the same account are
// serialized by a transaction-level advisory lock.
func (s *Store) SaveConnection(ctx context.Context, c *store.Connection, tok *tokens.Token) (*store.Connection, error) {
	status, err := rows.Check(c)
	if err != nil {
		return nil, err
	}
	var row rows.Conn
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if c.Identity != "" {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, classAccount, s.key(c.ConnectorID+"\x00"+c.Identity)); err != nil {
				return err
			}
		}
		rec := *c
		rec.Status = status
		rec.UpdatedAt = store.Timestamp(s.opts.Now())
		rec.CreatedAt = rec.UpdatedAt
		old, err := existing(ctx, tx, c)
		if err != nil {
			return err
		}
		switch {
		case old != nil:
			rec.ID, rec.CreatedAt = old.ID, old.CreatedAt
		case rec.ID == "":
			if rec.ID, err = rows.NewID(); err != nil {
				return err
			}
		}
		if row, err = rows.SealConn(s.opts.Keys, &rec); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO connkit_connections (`+connColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (id) DO UPDATE SET connector_id = excluded.connector_id, method = excluded.method, identity = excluded.identity,
	label = excluded.label, status = excluded.status, field_values = excluded.field_values,
	secret_key_id = excluded.secret_key_id, secrets = excluded.secrets, updated_at = excluded.updated_at`,
			row.ID, row.ConnectorID, row.Method, row.Identity, row.Label, row.Status, string(row.Values), row.KeyID, row.Secrets,
			row.CreatedAt, row.UpdatedAt)
		if err != nil {
			return err
		}
		if tok == nil {
			_, err = tx.Exec(ctx, `DELETE FROM connkit_tokens WHERE connection_id = $1`, row.ID)
			return err
		}
		return s.putToken(ctx, tx, row.ID, tok)
	})
	if err != nil {
		return nil, fmt.Errorf("save connection: %w", err)
	}
	return rows.OpenConn(s.opts.Keys, row)
}

// existing returns the stored connection c updates: the connector's
// connection with c's identity, else the one with c's ID; nil when none.
func existing(ctx context.Context, q querier, c *store.Connection) (*rows.Conn, error) {
	try := func(where string, args ...any) (*rows.Conn, error) {
		r, err := scanConn(q.QueryRow(ctx, `SELECT `+connColumns+` FROM connkit_connections WHERE `+where, args...))
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("look up the existing record: %w", err)
		}
		return &r, nil
	}
	if c.Identity != "" {
		if r, err := try(`connector_id = $1 AND identity = $2`, c.ConnectorID, c.Identity); r != nil || err != nil {
			return r, err
		}
	}
	if c.ID != "" {
		return try(`id = $1`, c.ID)
	}
	return nil, nil
}

func (s *Store) connection(ctx context.Context, q querier, what, where string, args ...any) (*store.Connection, error) {
	r, err := scanConn(q.QueryRow(ctx, `SELECT `+connColumns+` FROM connkit_connections WHERE `+where, args...))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	return rows.OpenConn(s.opts.Keys, r)
}

// Connection implements store.Store.
func (s *Store) Connection(ctx context.Context, id string) (*store.Connection, error) {
	return s.connection(ctx, s.pool, "connection "+id, `id = $1`, id)
}

// FindConnection implements store.Store.
func (s *Store) FindConnection(ctx context.Context, connectorID, identity string) (*store.Connection, error) {
	if identity == "" {
		return nil, fmt.Errorf("connection of %s without identity: %w", connectorID, store.ErrNotFound)
	}
	return s.connection(ctx, s.pool, fmt.Sprintf("connection of %s with identity %q", connectorID, identity),
		`connector_id = $1 AND identity = $2`, connectorID, identity)
}

// Connections implements store.Store.
func (s *Store) Connections(ctx context.Context, connectorID string) ([]*store.Connection, error) {
	rs, err := s.pool.Query(ctx, `SELECT `+connColumns+` FROM connkit_connections WHERE $1 = '' OR connector_id = $1 ORDER BY created_at, id`, connectorID)
	if err != nil {
		return nil, fmt.Errorf("list connections: %w", err)
	}
	list, err := pgx.CollectRows(rs, func(r pgx.CollectableRow) (rows.Conn, error) { return scanConn(r) })
	if err != nil {
		return nil, fmt.Errorf("list connections: %w", err)
	}
	out := make([]*store.Connection, 0, len(list))
	for _, r := range list {
		c, err := rows.OpenConn(s.opts.Keys, r)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func (s *Store) setStatus(ctx context.Context, q querier, id string, st store.Status) error {
	if err := st.Check(); err != nil {
		return err
	}
	tag, err := q.Exec(ctx, `UPDATE connkit_connections SET status = $1, updated_at = $2 WHERE id = $3`, string(st), store.Timestamp(s.opts.Now()), id)
	if err != nil {
		return fmt.Errorf("set the status of connection %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("set the status of connection %s: %w", id, store.ErrNotFound)
	}
	return nil
}

// SetStatus implements store.Store.
func (s *Store) SetStatus(ctx context.Context, id string, st store.Status) error {
	return s.setStatus(ctx, s.pool, id, st)
}

// DeleteConnection implements store.Store.
func (s *Store) DeleteConnection(ctx context.Context, id string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM connkit_connections WHERE id = $1`, id); err != nil {
		return fmt.Errorf("delete connection %s: %w", id, err)
	}
	return nil
}

func (s *Store) token(ctx context.Context, q querier, connID string) (*tokens.Token, error) {
	var r rows.Token
	var issued, expiry *time.Time
	err := q.QueryRow(ctx, `SELECT key_id, secrets, token_type, scope, issued_at, expiry, extra FROM connkit_tokens WHERE connection_id = $1`, connID).
		Scan(&r.KeyID, &r.Secrets, &r.TokenType, &r.Scope, &issued, &expiry, &r.Extra)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("token of connection %s: %w", connID, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read the token of connection %s: %w", connID, err)
	}
	r.IssuedAt, r.Expiry = fromNull(issued), fromNull(expiry)
	return rows.OpenToken(s.opts.Keys, connID, r)
}

// Token implements store.Store.
func (s *Store) Token(ctx context.Context, connID string) (*tokens.Token, error) {
	return s.token(ctx, s.pool, connID)
}

func (s *Store) putToken(ctx context.Context, q querier, connID string, tok *tokens.Token) error {
	r, err := rows.SealToken(s.opts.Keys, connID, tok)
	if err != nil {
		return err
	}
	// INSERT ... SELECT inserts nothing for an unknown connection.
	tag, err := q.Exec(ctx, `INSERT INTO connkit_tokens (connection_id, key_id, secrets, token_type, scope, issued_at, expiry, extra, updated_at)
SELECT id, $2, $3, $4, $5, $6, $7, $8, $9 FROM connkit_connections WHERE id = $1
ON CONFLICT (connection_id) DO UPDATE SET key_id = excluded.key_id, secrets = excluded.secrets, token_type = excluded.token_type,
	scope = excluded.scope, issued_at = excluded.issued_at, expiry = excluded.expiry, extra = excluded.extra, updated_at = excluded.updated_at`,
		connID, r.KeyID, r.Secrets, r.TokenType, r.Scope, nullTime(r.IssuedAt), nullTime(r.Expiry), string(r.Extra), store.Timestamp(s.opts.Now()))
	if err != nil {
		return fmt.Errorf("store the token of connection %s: %w", connID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store the token of connection %s: %w", connID, store.ErrNotFound)
	}
	return nil
}

// PutToken implements store.Store.
func (s *Store) PutToken(ctx context.Context, connID string, tok *tokens.Token) error {
	return s.putToken(ctx, s.pool, connID, tok)
}

// DeleteToken implements store.Store.
func (s *Store) DeleteToken(ctx context.Context, connID string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM connkit_tokens WHERE connection_id = $1`, connID); err != nil {
		return fmt.Errorf("delete the token of connection %s: %w", connID, err)
	}
	return nil
}

// lockTimeout is PostgreSQL's SQLSTATE for lock_not_available, which a
// lock wait longer than lock_timeout ends with.
const lockTimeout = "55P03"

// WithLock implements store.Store with a session-level advisory lock on
// one pooled connection, through which fn's reads and writes go.
func (s *Store) WithLock(ctx context.Context, connID string, fn func(ctx context.Context, l store.Locked) error) error {
	wait, cancel := context.WithTimeout(ctx, s.opts.LockWait)
	defer cancel()
	conn, err := s.pool.Acquire(wait)
	if err != nil {
		return lockErr(ctx, connID, err)
	}
	defer conn.Release()
	key := s.key(connID)
	// lock_timeout bounds the wait on the server, leaving the connection
	// usable; SET LOCAL lasts until the end of this transaction, and the
	// session-level lock taken inside it outlives it.
	err = pgx.BeginFunc(wait, conn, func(tx pgx.Tx) error {
		ms := max(time.Until(deadline(wait)).Milliseconds(), 1)
		if _, err := tx.Exec(wait, `SELECT set_config('lock_timeout', $1, true)`, fmt.Sprintf("%dms", ms)); err != nil {
			return err
		}
		_, err := tx.Exec(wait, `SELECT pg_advisory_lock($1, $2)`, classConnection, key)
		return err
	})
	if err != nil {
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != lockTimeout {
			// Whether the lock was taken is unknown: end the session.
			closeConn(conn)
		}
		return lockErr(ctx, connID, err)
	}
	defer unlock(conn, classConnection, key)
	return fn(ctx, locked{s: s, conn: conn, id: connID})
}

// deadline returns ctx's deadline, which WithLock always sets.
func deadline(ctx context.Context) time.Time {
	d, _ := ctx.Deadline()
	return d
}

// lockErr is the error of a lock wait that failed: the caller's context's,
// ErrLockTimeout, or the database's.
func lockErr(ctx context.Context, connID string, err error) error {
	var pe *pgconn.PgError
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("lock connection %s: %w", connID, ctx.Err())
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &pe) && pe.Code == lockTimeout:
		return fmt.Errorf("lock connection %s: %w", connID, store.ErrLockTimeout)
	}
	return fmt.Errorf("lock connection %s: %w", connID, err)
}

// locked is the Locked handle: every statement runs on the connection
// holding the lock and commits at once.
type locked struct {
	s    *Store
	conn *pgxpool.Conn
	id   string
}

func (l locked) Connection(ctx context.Context) (*store.Connection, error) {
	return l.s.connection(ctx, l.conn, "connection "+l.id, `id = $1`, l.id)
}

func (l locked) Token(ctx context.Context) (*tokens.Token, error) {
	return l.s.token(ctx, l.conn, l.id)
}

func (l locked) PutToken(ctx context.Context, tok *tokens.Token) error {
	return l.s.putToken(ctx, l.conn, l.id, tok)
}

func (l locked) SetStatus(ctx context.Context, st store.Status) error {
	return l.s.setStatus(ctx, l.conn, l.id, st)
}
