// Package rows converts connections and tokens to the form the stores keep
// them in: plain columns, JSON objects and one sealed blob of secrets per
// record, bound to the record's id so that a blob copied to another record
// does not decrypt.
package rows

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/connkit/connkit/sdk/secret"
	"github.com/connkit/connkit/sdk/store"
	"github.com/connkit/connkit/sdk/tokens"
)

// Conn is a connection as stored.
type Conn struct {
	ID          string
	ConnectorID string
	Method      string
	Identity    string
	Label       string
	Status      string
	// Values is the JSON object of the values that are not secret.
	Values []byte
	// KeyID is the key that sealed Secrets ("" when in clear).
	KeyID string
	// Secrets is the sealed JSON object of the secret values.
	Secrets   []byte
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Token is a token as stored.
type Token struct {
	// KeyID is the key that sealed Secrets ("" when in clear).
	KeyID string
	// Secrets is the sealed JSON object of the access and refresh tokens.
	Secrets   []byte
	TokenType string
	Scope     string
	IssuedAt  time.Time
	Expiry    time.Time
	// Extra is the JSON object of the token's kept values.
	Extra []byte
}

// NewID returns a new random connection id.
func NewID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate a connection id: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// Check validates a connection before it is saved and returns its status
// (an empty one is authorized).
func Check(c *store.Connection) (store.Status, error) {
	if c == nil {
		return "", errors.New("save a connection: no connection given")
	}
	if c.ConnectorID == "" {
		return "", errors.New("save a connection: the connector id is empty")
	}
	s := c.Status
	if s == "" {
		s = store.StatusAuthorized
	}
	if err := s.Check(); err != nil {
		return "", fmt.Errorf("save a connection of %s: %w", c.ConnectorID, err)
	}
	return s, nil
}

func secretsContext(id string) string { return "connkit/connection/" + id + "/secrets" }

func tokenContext(id string) string { return "connkit/connection/" + id + "/token" }

// SealConn returns the stored form of c, whose ID, status and timestamps
// are set.
func SealConn(k *store.Keyring, c *store.Connection) (Conn, error) {
	values, err := json.Marshal(nonNil(c.Values))
	if err != nil {
		return Conn{}, fmt.Errorf("encode the values of connection %s: %w", c.ID, err)
	}
	plain := make(map[string]string, len(c.Secrets))
	for key, v := range c.Secrets {
		plain[key] = v.Reveal()
	}
	raw, err := json.Marshal(plain)
	if err != nil {
		return Conn{}, fmt.Errorf("encode the secrets of connection %s: %w", c.ID, err)
	}
	keyID, sealed, err := k.Seal(raw, secretsContext(c.ID))
	if err != nil {
		return Conn{}, fmt.Errorf("seal the secrets of connection %s: %w", c.ID, err)
	}
	return Conn{ID: c.ID, ConnectorID: c.ConnectorID, Method: c.Method, Identity: c.Identity, Label: c.Label,
		Status: string(c.Status), Values: values, KeyID: keyID, Secrets: sealed,
		CreatedAt: store.Timestamp(c.CreatedAt), UpdatedAt: store.Timestamp(c.UpdatedAt)}, nil
}

// OpenConn returns the connection r stores.
func OpenConn(k *store.Keyring, r Conn) (*store.Connection, error) {
	c := &store.Connection{ID: r.ID, ConnectorID: r.ConnectorID, Method: r.Method, Identity: r.Identity,
		Label: r.Label, Status: store.Status(r.Status),
		CreatedAt: store.Timestamp(r.CreatedAt), UpdatedAt: store.Timestamp(r.UpdatedAt)}
	if err := unmarshal(r.Values, &c.Values); err != nil {
		return nil, fmt.Errorf("decode the values of connection %s: %w", r.ID, err)
	}
	raw, err := k.Open(r.KeyID, r.Secrets, secretsContext(r.ID))
	if err != nil {
		return nil, fmt.Errorf("connection %s: %w", r.ID, err)
	}
	var plain map[string]string
	if err := unmarshal(raw, &plain); err != nil {
		return nil, fmt.Errorf("decode the secrets of connection %s: the stored value is not a JSON object", r.ID)
	}
	if len(plain) > 0 {
		c.Secrets = make(map[string]secret.Value, len(plain))
		for key, v := range plain {
			c.Secrets[key] = secret.New(v)
		}
	}
	return c, nil
}

// tokenSecrets is the sealed part of a token.
type tokenSecrets struct {
	Access  string `json:"access_token"`
	Refresh string `json:"refresh_token,omitempty"`
}

// SealToken returns the stored form of the token of connection id.
func SealToken(k *store.Keyring, id string, t *tokens.Token) (Token, error) {
	if t == nil {
		return Token{}, fmt.Errorf("store the token of connection %s: no token given", id)
	}
	raw, err := json.Marshal(tokenSecrets{Access: t.AccessToken.Reveal(), Refresh: t.RefreshToken.Reveal()})
	if err != nil {
		return Token{}, fmt.Errorf("encode the token of connection %s: %w", id, err)
	}
	keyID, sealed, err := k.Seal(raw, tokenContext(id))
	if err != nil {
		return Token{}, fmt.Errorf("seal the token of connection %s: %w", id, err)
	}
	extra, err := json.Marshal(nonNil(t.Extra))
	if err != nil {
		return Token{}, fmt.Errorf("encode the token values of connection %s: %w", id, err)
	}
	return Token{KeyID: keyID, Secrets: sealed, TokenType: t.TokenType, Scope: t.Scope,
		IssuedAt: store.Timestamp(t.IssuedAt), Expiry: store.Timestamp(t.Expiry), Extra: extra}, nil
}

// OpenToken returns the token r stores for connection id.
func OpenToken(k *store.Keyring, id string, r Token) (*tokens.Token, error) {
	raw, err := k.Open(r.KeyID, r.Secrets, tokenContext(id))
	if err != nil {
		return nil, fmt.Errorf("token of connection %s: %w", id, err)
	}
	var s tokenSecrets
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("decode the token of connection %s: the stored value is not a JSON object", id)
	}
	t := &tokens.Token{AccessToken: secret.New(s.Access), RefreshToken: secret.New(s.Refresh),
		TokenType: r.TokenType, Scope: r.Scope, IssuedAt: store.Timestamp(r.IssuedAt), Expiry: store.Timestamp(r.Expiry)}
	if err := unmarshal(r.Extra, &t.Extra); err != nil {
		return nil, fmt.Errorf("decode the token values of connection %s: %w", id, err)
	}
	return t, nil
}

// UsedKeys returns the distinct non-empty key ids of ids.
func UsedKeys(ids ...string) []string {
	var out []string
	seen := map[string]bool{}
	for _, id := range ids {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// unmarshal decodes a JSON object into *m, leaving it nil when the object
// is empty or the input is empty.
func unmarshal[V any](b []byte, m *map[string]V) error {
	if len(b) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, m); err != nil {
		return err
	}
	if len(*m) == 0 {
		*m = nil
	}
	return nil
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
