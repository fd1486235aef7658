// Package memory is a store.Store held in the process's memory: for tests,
// tools and platforms that need no persistence. Stores opened with the same
// name share their data and locks, as replicas sharing a database would.
// Secrets are sealed with the keyring as the other stores seal them.
package memory

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/connkit/connkit/sdk/store"
	"github.com/connkit/connkit/sdk/store/internal/rows"
	"github.com/connkit/connkit/sdk/tokens"
)

// Store is an in-memory store.Store.
type Store struct {
	db   *db
	opts store.Options
}

var _ store.Store = (*Store)(nil)

// db is the data that stores of the same name share.
type db struct {
	mu    sync.Mutex
	conns map[string]rows.Conn
	toks  map[string]rows.Token
	// locks holds one single-slot semaphore per locked connection.
	locks map[string]chan struct{}
}

var (
	namedMu sync.Mutex
	named   = map[string]*db{}
)

// New opens an in-memory store. An empty name gives a store of its own;
// stores opened with the same non-empty name share their data for the
// life of the process. It fails with a *store.KeyError when the named data
// holds secrets sealed with a key opts.Keys lacks.
func New(name string, opts store.Options) (*Store, error) {
	d := &db{conns: map[string]rows.Conn{}, toks: map[string]rows.Token{}, locks: map[string]chan struct{}{}}
	if name != "" {
		namedMu.Lock()
		if old, ok := named[name]; ok {
			d = old
		} else {
			named[name] = d
		}
		namedMu.Unlock()
	}
	s := &Store{db: d, opts: opts.WithDefaults()}
	d.mu.Lock()
	var used []string
	for _, c := range d.conns {
		used = append(used, c.KeyID)
	}
	for _, t := range d.toks {
		used = append(used, t.KeyID)
	}
	d.mu.Unlock()
	if err := opts.Keys.CheckKeys(used); err != nil {
		return nil, fmt.Errorf("open memory store %q: %w", name, err)
	}
	return s, nil
}

// Close does nothing: named data lives as long as the process.
func (s *Store) Close() error { return nil }

// SaveConnection implements store.Store.
func (s *Store) SaveConnection(ctx context.Context, c *store.Connection, tok *tokens.Token) (*store.Connection, error) {
	status, err := rows.Check(c)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d := s.db
	d.mu.Lock()
	defer d.mu.Unlock()
	rec := *c
	rec.Status = status
	rec.UpdatedAt = s.opts.Now()
	rec.CreatedAt = rec.UpdatedAt
	old, found := d.byIdentity(c.ConnectorID, c.Identity)
	if !found && c.ID != "" {
		old, found = d.conns[c.ID]
	}
	switch {
	case found:
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
	var trow rows.Token
	if tok != nil {
		if trow, err = rows.SealToken(s.opts.Keys, rec.ID, tok); err != nil {
			return nil, err
		}
	}
	d.conns[rec.ID] = row
	if tok != nil {
		d.toks[rec.ID] = trow
	} else {
		delete(d.toks, rec.ID)
	}
	return rows.OpenConn(s.opts.Keys, row)
}

// byIdentity returns the connection of the connector with a non-empty
// identity. The caller holds d.mu.
func (d *db) byIdentity(connectorID, identity string) (rows.Conn, bool) {
	if identity == "" {
		return rows.Conn{}, false
	}
	for _, c := range d.conns {
		if c.ConnectorID == connectorID && c.Identity == identity {
			return c, true
		}
	}
	return rows.Conn{}, false
}

// Connection implements store.Store.
func (s *Store) Connection(ctx context.Context, id string) (*store.Connection, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.db.mu.Lock()
	row, ok := s.db.conns[id]
	s.db.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("connection %s: %w", id, store.ErrNotFound)
	}
	return rows.OpenConn(s.opts.Keys, row)
}

// FindConnection implements store.Store.
func (s *Store) FindConnection(ctx context.Context, connectorID, identity string) (*store.Connection, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.db.mu.Lock()
	row, ok := s.db.byIdentity(connectorID, identity)
	s.db.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("connection of %s with identity %q: %w", connectorID, identity, store.ErrNotFound)
	}
	return rows.OpenConn(s.opts.Keys, row)
}

// Connections implements store.Store.
func (s *Store) Connections(ctx context.Context, connectorID string) ([]*store.Connection, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.db.mu.Lock()
	var list []rows.Conn
	for _, c := range s.db.conns {
		if connectorID == "" || c.ConnectorID == connectorID {
			list = append(list, c)
		}
	}
	s.db.mu.Unlock()
	slices.SortFunc(list, func(a, b rows.Conn) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	out := make([]*store.Connection, 0, len(list))
	for _, row := range list {
		c, err := rows.OpenConn(s.opts.Keys, row)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// SetStatus implements store.Store.
func (s *Store) SetStatus(ctx context.Context, id string, st store.Status) error {
	if err := st.Check(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	row, ok := s.db.conns[id]
	if !ok {
		return fmt.Errorf("set the status of connection %s: %w", id, store.ErrNotFound)
	}
	row.Status = string(st)
	row.UpdatedAt = store.Timestamp(s.opts.Now())
	s.db.conns[id] = row
	return nil
}

// DeleteConnection implements store.Store.
func (s *Store) DeleteConnection(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	delete(s.db.conns, id)
	delete(s.db.toks, id)
	return nil
}

// Token implements store.Store.
func (s *Store) Token(ctx context.Context, connID string) (*tokens.Token, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.db.mu.Lock()
	row, ok := s.db.toks[connID]
	s.db.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("token of connection %s: %w", connID, store.ErrNotFound)
	}
	return rows.OpenToken(s.opts.Keys, connID, row)
}

// PutToken implements store.Store.
func (s *Store) PutToken(ctx context.Context, connID string, tok *tokens.Token) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	row, err := rows.SealToken(s.opts.Keys, connID, tok)
	if err != nil {
		return err
	}
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	if _, ok := s.db.conns[connID]; !ok {
		return fmt.Errorf("store the token of connection %s: %w", connID, store.ErrNotFound)
	}
	s.db.toks[connID] = row
	return nil
}

// DeleteToken implements store.Store.
func (s *Store) DeleteToken(ctx context.Context, connID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	delete(s.db.toks, connID)
	return nil
}

// WithLock implements store.Store with a semaphore per connection, shared
// by the stores of the same name.
func (s *Store) WithLock(ctx context.Context, connID string, fn func(ctx context.Context, l store.Locked) error) error {
	d := s.db
	d.mu.Lock()
	sem, ok := d.locks[connID]
	if !ok {
		sem = make(chan struct{}, 1)
		d.locks[connID] = sem
	}
	d.mu.Unlock()
	timer := time.NewTimer(s.opts.LockWait)
	defer timer.Stop()
	select {
	case sem <- struct{}{}:
	case <-timer.C:
		return fmt.Errorf("lock connection %s: %w", connID, store.ErrLockTimeout)
	case <-ctx.Done():
		return fmt.Errorf("lock connection %s: %w", connID, ctx.Err())
	}
	defer func() { <-sem }()
	return fn(ctx, store.Bind(s, connID))
}

// dump returns every stored record as the store holds it (secrets sealed),
// for tests that check nothing is kept in clear.
func (s *Store) dump() string {
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	var b strings.Builder
	for _, c := range s.db.conns {
		fmt.Fprintf(&b, "%s %s %s %s %s %q %s %q\n", c.ID, c.ConnectorID, c.Identity, c.Label, c.Status, c.Values, c.KeyID, c.Secrets)
	}
	for id, t := range s.db.toks {
		fmt.Fprintf(&b, "%s %s %q %s %s %q\n", id, t.KeyID, t.Secrets, t.TokenType, t.Scope, t.Extra)
	}
	return b.String()
}
