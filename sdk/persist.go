package sdk

import (
	"context"
	"errors"
	"fmt"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/sdk/secret"
	"github.com/connkit/connkit/sdk/store"
	"github.com/connkit/connkit/sdk/tokens"
)

// ID returns the connection's id in the registry's store, or "" when the
// registry has no store.
func (conn *Connection) ID() string { return conn.id }

// persist saves a connection Connect made, with its values and token. The
// same account connected again (same connector and identity) updates the
// stored connection.
func (conn *Connection) persist(ctx context.Context, values Values) error {
	st := conn.c.reg.opts.Store
	if st == nil {
		return nil
	}
	rec := &store.Connection{ConnectorID: conn.c.m.ID, Method: conn.m.key, Identity: conn.ident, Label: conn.label}
	for _, f := range conn.m.fields.fields {
		v := values[f.Key]
		switch {
		case v == "":
		case f.Type == manifest.FieldSecret:
			if rec.Secrets == nil {
				rec.Secrets = map[string]secret.Value{}
			}
			rec.Secrets[f.Key] = secret.New(v)
		default:
			if rec.Values == nil {
				rec.Values = map[string]string{}
			}
			rec.Values[f.Key] = v
		}
	}
	saved, err := st.SaveConnection(ctx, rec, conn.Token())
	if err != nil {
		return storeError("save the connection", err)
	}
	conn.id = saved.ID
	return nil
}

// storeError classifies a store failure.
func storeError(what string, err error) error {
	var ke *store.KeyError
	switch {
	case errors.As(err, &ke):
		return &Error{Kind: KindConfig, Err: fmt.Errorf("%s: %w", what, err),
			Hint: "give the key the store was written with (" + store.KeyEnv + " or " + store.KeyFileEnv + ")"}
	case errors.Is(err, store.ErrLockTimeout):
		return &Error{Kind: KindTimeout, Err: fmt.Errorf("%s: %w", what, err),
			Hint: "another replica is renewing the token and has not finished: retry shortly"}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return classify(fmt.Errorf("%s: %w", what, err))
	}
	return &Error{Kind: KindInternal, Err: fmt.Errorf("%s: %w", what, err), Hint: "check that the store is reachable"}
}

// Open restores a stored connection, with its token, without authorizing
// it again or running the test call: the connection a process, or another
// replica, made earlier with Connect. Its connector must be registered. A
// connection that was revoked fails with KindRevoked; one whose grant the
// provider refused fails with KindAuth and asks to connect again.
func (r *Registry) Open(ctx context.Context, id string) (*Connection, error) {
	st := r.opts.Store
	if st == nil {
		return nil, &Error{Kind: KindConfig, Err: errors.New("the registry has no store to open a connection from"),
			Hint: "set Options.Store (connkit: --store)"}
	}
	rec, err := st.Connection(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, &Error{Kind: KindConfig, Err: fmt.Errorf("connection %s is not in the store", id),
			Hint: "connect the account first"}
	}
	if err != nil {
		return nil, storeError("open connection "+id, err)
	}
	if err := checkStatus(rec); err != nil {
		return nil, err
	}
	c, ok := r.Connector(rec.ConnectorID)
	if !ok {
		return nil, &Error{Kind: KindConfig, Err: fmt.Errorf("connection %s is of connector %s, which is not registered", id, rec.ConnectorID),
			Hint: "load the connector's manifest into the registry"}
	}
	m, err := c.method(rec.Method)
	if err != nil {
		return nil, &Error{Kind: KindConfig, Err: fmt.Errorf("connection %s: %w", id, err), Hint: "connect the account again"}
	}
	values := make(Values, len(rec.Values)+len(rec.Secrets))
	for k, v := range rec.Values {
		values[k] = v
	}
	for k, v := range rec.Secrets {
		values[k] = v.Reveal()
	}
	fields, err := m.fields.check(values)
	if err != nil {
		return nil, &Error{Kind: KindInvalidValues, Err: fmt.Errorf("connection %s: the stored values no longer fit the connector's fields: %w", id, err),
			Hint: "the manifest's fields changed since the account was connected: connect it again"}
	}
	conn, err := c.newConnection(m, fields)
	if err != nil {
		return nil, err
	}
	conn.id, conn.label, conn.ident = rec.ID, rec.Label, rec.Identity
	if err := conn.discover(ctx); err != nil {
		return nil, err
	}
	if conn.source == nil {
		if _, err := conn.credentials(nil); err != nil {
			return nil, err
		}
		return conn, nil
	}
	tok, err := st.Token(ctx, id)
	switch {
	case err == nil:
		conn.source.Set(tok)
	case !errors.Is(err, store.ErrNotFound):
		return nil, storeError("open connection "+id, err)
	}
	return conn, nil
}

// checkStatus refuses a stored connection that cannot be used.
func checkStatus(rec *store.Connection) error {
	switch rec.Status {
	case store.StatusRevoked:
		return &Error{Kind: KindRevoked, Err: fmt.Errorf("connection %s was revoked", rec.ID), Hint: "connect the account again"}
	case store.StatusNeedsReauthorization:
		return &Error{Kind: KindReauthorize, Err: fmt.Errorf("connection %s needs to be authorized again: the provider refused its grant", rec.ID),
			Hint: "re-authorize the connection (connkit authorize)"}
	}
	return nil
}

// fetchToken is the Source's fetch: through the store when the connection
// is stored, so that replicas renew once, else directly.
func (conn *Connection) fetchToken(ctx context.Context) (*tokens.Token, error) {
	st := conn.c.reg.opts.Store
	if st == nil || conn.id == "" {
		return conn.fetch(ctx)
	}
	var tok *tokens.Token
	var ferr error
	err := st.WithLock(ctx, conn.id, func(ctx context.Context, l store.Locked) error {
		tok, ferr = conn.renewLocked(ctx, l)
		return ferr
	})
	if ferr != nil {
		return nil, ferr
	}
	if err != nil {
		return nil, storeError("lock the connection to renew its token", err)
	}
	return tok, nil
}

// renewLocked runs under the connection's store lock: it takes the stored
// token when another replica renewed it meanwhile, else renews from the
// stored token (whose refresh token is the latest) and commits the new
// token before anyone uses it.
func (conn *Connection) renewLocked(ctx context.Context, l store.Locked) (*tokens.Token, error) {
	rec, err := l.Connection(ctx)
	if err != nil {
		return nil, storeError("read the connection", err)
	}
	if err := checkStatus(rec); err != nil {
		// Another replica revoked it or lost its grant: stop here too.
		if rec.Status == store.StatusRevoked {
			conn.revoked.Store(true)
		} else {
			conn.reauth.Store(true)
		}
		return nil, err
	}
	cur := conn.source.Current()
	stored, err := l.Token(ctx)
	switch {
	case errors.Is(err, store.ErrNotFound):
		stored = cur
	case err != nil:
		return nil, storeError("read the stored token", err)
	case !sameToken(stored, cur) && stored.Valid(conn.c.reg.opts.Now(), conn.m.renewBefore):
		return stored, nil
	}
	tok, err := conn.fetchFrom(ctx, stored)
	if err != nil {
		if conn.reauth.Load() {
			// The grant is gone: every replica must stop using it.
			if serr := l.SetStatus(ctx, store.StatusNeedsReauthorization); serr != nil {
				return nil, errors.Join(err, storeError("mark the connection as needing authorization", serr))
			}
		}
		return nil, err
	}
	if err := l.PutToken(ctx, tok); err != nil {
		return nil, storeError("store the renewed token before using it", err)
	}
	return tok, nil
}

// sameToken reports whether a and b hold the same access token.
func sameToken(a, b *tokens.Token) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.AccessToken.Equal(b.AccessToken)
}

// forget marks a revoked connection in the store and deletes its token.
func (conn *Connection) forget(ctx context.Context) error {
	st := conn.c.reg.opts.Store
	if st == nil || conn.id == "" {
		return nil
	}
	if err := st.SetStatus(ctx, conn.id, store.StatusRevoked); err != nil && !errors.Is(err, store.ErrNotFound) {
		return storeError("mark the connection revoked", err)
	}
	if err := st.DeleteToken(ctx, conn.id); err != nil {
		return storeError("delete the revoked connection's token", err)
	}
	return nil
}
