// Package store keeps connections and their tokens so that they outlive a
// process and are shared by every replica of a platform.
//
// A Store holds two kinds of records: connections (the connector, the auth
// method, the field values, a status, the label and identity of the
// connected account) and tokens (one per connection). Secret field values
// and tokens are encrypted at rest with AES-256-GCM under a Keyring the
// operator provides; every encrypted value records the id of its key, so
// keys can be rotated by putting a new primary key in front of the old
// ones.
//
// Renewal across replicas goes through WithLock: the runtime takes the
// connection's lock, reads the stored token, and either uses a token that
// another replica renewed meanwhile or renews it itself and writes the new
// token before the lock is released and before the token is used. A
// rotated refresh token is therefore committed before anyone could present
// the old one again.
//
// Implementations: package memory (one process, for tests and tools),
// package sqlite (the embedded default, one file) and package postgres (for
// many replicas). Package storetest holds the conformance suite every
// implementation passes.
package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/connkit/connkit/sdk/secret"
	"github.com/connkit/connkit/sdk/tokens"
)

// Store keeps connections and tokens. Implementations are safe for
// concurrent use, also by several processes where the implementation says
// so. Times are kept to the microsecond, in UTC.
type Store interface {
	// SaveConnection stores c with its token in one transaction and
	// returns the stored connection, with its ID and timestamps. A
	// connection with the same connector id and a non-empty identity is
	// the same account connected again: its record is updated (keeping
	// its ID and creation time) instead of a second one being created.
	// Otherwise the connection with c.ID is updated if there is one, or a
	// new connection is created (with c.ID, or a new random ID when it is
	// empty). A nil tok removes the connection's token. An empty Status
	// means StatusAuthorized.
	SaveConnection(ctx context.Context, c *Connection, tok *tokens.Token) (*Connection, error)
	// Connection returns the connection with the id, or an error that
	// wraps ErrNotFound.
	Connection(ctx context.Context, id string) (*Connection, error)
	// FindConnection returns the connection of the connector with the
	// identity, or an error that wraps ErrNotFound.
	FindConnection(ctx context.Context, connectorID, identity string) (*Connection, error)
	// Connections lists the connector's connections (every connection
	// when connectorID is empty), oldest first.
	Connections(ctx context.Context, connectorID string) ([]*Connection, error)
	// SetStatus changes a connection's status.
	SetStatus(ctx context.Context, id string, s Status) error
	// DeleteConnection removes a connection and its token.
	DeleteConnection(ctx context.Context, id string) error
	// Token returns the connection's token, or an error that wraps
	// ErrNotFound when it has none.
	Token(ctx context.Context, connID string) (*tokens.Token, error)
	// PutToken stores the connection's token, replacing the previous one.
	// It fails with ErrNotFound when the connection does not exist.
	PutToken(ctx context.Context, connID string, tok *tokens.Token) error
	// DeleteToken removes the connection's token, if it has one.
	DeleteToken(ctx context.Context, connID string) error
	// WithLock runs fn while holding the connection's lock, which no other
	// WithLock call on the same connection holds at the same time, in this
	// process or (where the implementation is shared) in any other. It
	// waits at most Options.LockWait for the lock and then fails with an
	// error that wraps ErrLockTimeout. Every write fn makes through the
	// Locked handle is committed when the call returns, before the lock is
	// released; a process that dies while holding the lock releases it.
	// fn's context is done when ctx is, or when the implementation can no
	// longer guarantee the lock.
	WithLock(ctx context.Context, connID string, fn func(ctx context.Context, l Locked) error) error
	// Close releases the store's resources.
	io.Closer
}

// Locked reads and writes one connection's records while its lock is held.
type Locked interface {
	// Connection returns the locked connection.
	Connection(ctx context.Context) (*Connection, error)
	// Token returns the connection's token, or an error that wraps
	// ErrNotFound.
	Token(ctx context.Context) (*tokens.Token, error)
	// PutToken stores the connection's token, committed when it returns.
	PutToken(ctx context.Context, tok *tokens.Token) error
	// SetStatus changes the connection's status, committed when it
	// returns.
	SetStatus(ctx context.Context, s Status) error
}

// Bind returns the Locked handle of a store whose writes are committed one
// by one as they are made (the memory and SQLite stores): each method calls
// the store's own with the connection id.
func Bind(s Store, connID string) Locked { return bound{s: s, id: connID} }

type bound struct {
	s  Store
	id string
}

func (b bound) Connection(ctx context.Context) (*Connection, error) { return b.s.Connection(ctx, b.id) }

func (b bound) Token(ctx context.Context) (*tokens.Token, error) { return b.s.Token(ctx, b.id) }

func (b bound) PutToken(ctx context.Context, tok *tokens.Token) error {
	return b.s.PutToken(ctx, b.id, tok)
}

func (b bound) SetStatus(ctx context.Context, st Status) error { return b.s.SetStatus(ctx, b.id, st) }

// Connection is a stored connection.
type Connection struct {
	// ID identifies the connection in the store; the store chooses it
	// when it is empty.
	ID string
	// ConnectorID is the id of the connector's manifest.
	ConnectorID string
	// Method is the key of the auth method.
	Method string
	// Identity is the unique identifier of the connected account; empty
	// when the connector computes none.
	Identity string
	// Label is the connection's display label.
	Label string
	// Status says whether the connection can be used.
	Status Status
	// Values are the field values that are not secret, kept in clear.
	Values map[string]string
	// Secrets are the secret field values, encrypted at rest.
	Secrets map[string]secret.Value
	// CreatedAt is when the connection was first stored.
	CreatedAt time.Time
	// UpdatedAt is when it was last saved or its status changed.
	UpdatedAt time.Time
}

// Status says whether a connection can be used.
type Status string

// The connection statuses.
const (
	// StatusAuthorized: the connection works.
	StatusAuthorized Status = "authorized"
	// StatusNeedsReauthorization: the provider refused the connection's
	// grant (invalid_grant); the user must connect the account again.
	StatusNeedsReauthorization Status = "needs_reauthorization"
	// StatusRevoked: the connection was revoked.
	StatusRevoked Status = "revoked"
)

// Check returns an error for a status other than the three known ones.
func (s Status) Check() error {
	switch s {
	case StatusAuthorized, StatusNeedsReauthorization, StatusRevoked:
		return nil
	}
	return fmt.Errorf("unknown connection status %q: use %s, %s or %s", string(s), StatusAuthorized, StatusNeedsReauthorization, StatusRevoked)
}

// DefaultLockWait is how long WithLock waits for a lock by default: longer
// than one token request with its retries normally takes.
const DefaultLockWait = 45 * time.Second

// Options are the settings every implementation takes.
type Options struct {
	// Keys encrypt secrets at rest. Nil keeps new secrets in clear; a
	// store that already holds encrypted secrets then refuses to open
	// (see KeyError).
	Keys *Keyring
	// LockWait bounds the wait for a connection's lock (default
	// DefaultLockWait).
	LockWait time.Duration
	// Now returns the current time for the records' timestamps (default
	// time.Now).
	Now func() time.Time
}

// WithDefaults returns o with the defaults filled in.
func (o Options) WithDefaults() Options {
	if o.LockWait <= 0 {
		o.LockWait = DefaultLockWait
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// ErrNotFound is wrapped by the errors for a missing connection or token.
var ErrNotFound = errors.New("not found in the store")

// ErrLockTimeout is wrapped by the error of a WithLock call that waited
// Options.LockWait without getting the lock.
var ErrLockTimeout = errors.New("timed out waiting for the connection's lock: another process holds it; it is released when that process finishes or dies")

// Timestamp returns t as stores keep it: in UTC, to the microsecond, with
// the zero time kept as zero.
func Timestamp(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}
