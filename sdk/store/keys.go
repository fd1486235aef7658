package store

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// The operator's settings for the store key.
const (
	// KeyEnv names the environment variable holding the keys: one
	// base64-encoded 32-byte key, or a comma-separated list of ID:BASE64
	// entries (the first is the primary key, the others decrypt what
	// older keys encrypted).
	KeyEnv = "CONNKIT_STORE_KEY"
	// KeyFileEnv names the environment variable holding the path of a file
	// with the same content as KeyEnv.
	KeyFileEnv = "CONNKIT_STORE_KEY_FILE"
)

// KeySize is the size of a key: AES-256.
const KeySize = 32

// keyIDPattern is what an explicit key id looks like.
var keyIDPattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// Key is one AES-256 key with its id. Its bytes are never printed.
type Key struct {
	id   string
	aead cipher.AEAD
}

// ID returns the key's id.
func (k Key) ID() string { return k.id }

// String names the key by its id only.
func (k Key) String() string { return "store key " + k.id }

// NewKey makes a key of 32 bytes. An empty id is derived from the key (a
// short fingerprint of its SHA-256), so the same key always has the same
// id.
func NewKey(id string, raw []byte) (Key, error) {
	if len(raw) != KeySize {
		return Key{}, fmt.Errorf("a store key is %d bytes (base64 of 32 random bytes, such as the output of: openssl rand -base64 32), this one is %d", KeySize, len(raw))
	}
	if id == "" {
		sum := sha256.Sum256(raw)
		id = "k" + hex.EncodeToString(sum[:4])
	} else if !keyIDPattern.MatchString(id) {
		return Key{}, fmt.Errorf("key id %q: use 1 to 64 letters, digits, '_', '-' or '.'", id)
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return Key{}, fmt.Errorf("store key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return Key{}, fmt.Errorf("store key: %w", err)
	}
	return Key{id: id, aead: aead}, nil
}

// Keyring encrypts and decrypts secrets at rest. The first key is the
// primary one, which encrypts; every key decrypts what it encrypted. A nil
// *Keyring keeps secrets in clear and decrypts nothing. It is safe for
// concurrent use.
type Keyring struct {
	keys []Key
}

// NewKeyring returns a keyring whose primary key is the first.
func NewKeyring(primary Key, older ...Key) (*Keyring, error) {
	keys := append([]Key{primary}, older...)
	seen := map[string]bool{}
	for _, k := range keys {
		if k.aead == nil {
			return nil, errors.New("a key of the keyring was not made with NewKey")
		}
		if seen[k.id] {
			return nil, fmt.Errorf("key id %q is given twice: each key needs its own id", k.id)
		}
		seen[k.id] = true
	}
	return &Keyring{keys: keys}, nil
}

// ParseKeyring reads keys in the syntax of CONNKIT_STORE_KEY: one base64
// key, or comma-separated ID:BASE64 entries, primary first. Standard and
// URL-safe base64, padded or not, are accepted; spaces around entries are
// ignored. Error messages never quote the key material.
func ParseKeyring(s string) (*Keyring, error) {
	var keys []Key
	for i, entry := range strings.Split(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			return nil, fmt.Errorf("store key entry %d is empty: write ID:BASE64 entries separated by commas", i+1)
		}
		id, b64, found := strings.Cut(entry, ":")
		if !found {
			id, b64 = "", entry
		}
		raw, err := decodeBase64(b64)
		if err != nil {
			return nil, fmt.Errorf("store key entry %d is not base64: write ID:BASE64 or BASE64", i+1)
		}
		k, err := NewKey(strings.TrimSpace(id), raw)
		if err != nil {
			return nil, fmt.Errorf("store key entry %d: %w", i+1, err)
		}
		keys = append(keys, k)
	}
	return NewKeyring(keys[0], keys[1:]...)
}

func decodeBase64(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if raw, err := enc.DecodeString(s); err == nil {
			return raw, nil
		}
	}
	return nil, errors.New("not base64")
}

// LoadKeyring reads the operator's keys: from CONNKIT_STORE_KEY, else from
// the file CONNKIT_STORE_KEY_FILE names. It returns nil and no error when
// neither is set. getenv reads the environment (os.Getenv in a program).
func LoadKeyring(getenv func(string) string) (*Keyring, error) {
	if v := getenv(KeyEnv); v != "" {
		k, err := ParseKeyring(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", KeyEnv, err)
		}
		return k, nil
	}
	if p := getenv(KeyFileEnv); p != "" {
		return ReadKeyFile(p)
	}
	return nil, nil
}

// ReadKeyFile reads keys from a file holding what CONNKIT_STORE_KEY would.
func ReadKeyFile(path string) (*Keyring, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the store key file: %w", err)
	}
	k, err := ParseKeyring(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("store key file %s: %w", path, err)
	}
	return k, nil
}

// CreateKeyFile returns the keys of the file at path, first creating it
// (readable by its owner only, with its directory) with a new random key
// when it does not exist.
func CreateKeyFile(path string) (*Keyring, error) {
	if _, err := os.Stat(path); err == nil {
		return ReadKeyFile(path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("store key file: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create the store key file's directory: %w", err)
	}
	raw := make([]byte, KeySize)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("generate a store key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) { // created meanwhile by another process
		return ReadKeyFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("create the store key file: %w", err)
	}
	_, werr := f.WriteString(base64.StdEncoding.EncodeToString(raw) + "\n")
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return nil, fmt.Errorf("write the store key file: %w", werr)
	}
	return ReadKeyFile(path)
}

// IDs returns the ids of the keys, primary first.
func (k *Keyring) IDs() []string {
	if k == nil {
		return nil
	}
	ids := make([]string, len(k.keys))
	for i, key := range k.keys {
		ids[i] = key.id
	}
	return ids
}

// Primary returns the id of the key that encrypts, or "" for a nil Keyring.
func (k *Keyring) Primary() string {
	if k == nil {
		return ""
	}
	return k.keys[0].id
}

// Has reports whether the keyring holds the key with the id.
func (k *Keyring) Has(id string) bool {
	return slices.Contains(k.IDs(), id)
}

// String names the keys by id only.
func (k *Keyring) String() string {
	if k == nil {
		return "no store key"
	}
	return "store keys " + strings.Join(k.IDs(), ",")
}

// Seal encrypts plain under the primary key, binding it to context (the
// record it belongs to, so that a value moved to another record does not
// decrypt). It returns the key's id and the nonce followed by the
// ciphertext. A nil Keyring returns "" and plain unchanged.
func (k *Keyring) Seal(plain []byte, context string) (string, []byte, error) {
	if k == nil {
		return "", plain, nil
	}
	key := k.keys[0]
	nonce := make([]byte, key.aead.NonceSize(), key.aead.NonceSize()+len(plain)+key.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", nil, fmt.Errorf("encrypt: %w", err)
	}
	return key.id, key.aead.Seal(nonce, nonce, plain, []byte(context)), nil
}

// Open decrypts what Seal returned for the same context with the key of
// keyID; an empty keyID means data is in clear. The error never holds the
// data.
func (k *Keyring) Open(keyID string, data []byte, context string) ([]byte, error) {
	if keyID == "" {
		return data, nil
	}
	if k == nil {
		return nil, &KeyError{Missing: []string{keyID}}
	}
	for _, key := range k.keys {
		if key.id != keyID {
			continue
		}
		n := key.aead.NonceSize()
		if len(data) < n+key.aead.Overhead() {
			return nil, fmt.Errorf("decrypt %s: the stored value is truncated", context)
		}
		plain, err := key.aead.Open(nil, data[:n], data[n:], []byte(context))
		if err != nil {
			return nil, fmt.Errorf("decrypt %s with key %s: the value was altered or belongs to another record", context, keyID)
		}
		return plain, nil
	}
	return nil, &KeyError{Missing: []string{keyID}, Have: k.IDs()}
}

// CheckKeys returns a *KeyError when the store's data was encrypted with a
// key id (used) the keyring does not hold. Implementations call it on open
// with the key ids found in their data.
func (k *Keyring) CheckKeys(used []string) error {
	var missing []string
	for _, id := range used {
		if id != "" && !k.Has(id) && !slices.Contains(missing, id) {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	slices.Sort(missing)
	return &KeyError{Missing: missing, Have: k.IDs()}
}

// ErrNoKey is wrapped by a KeyError when no key was given at all.
var ErrNoKey = errors.New("no store key")

// KeyError is a store holding secrets encrypted with keys that were not
// given. It names key ids only, never key material.
type KeyError struct {
	// Missing are the ids of the keys the data needs.
	Missing []string
	// Have are the ids of the keys given, primary first; empty when none.
	Have []string
}

// Error says which keys are missing and how to give them.
func (e *KeyError) Error() string {
	need := strings.Join(e.Missing, ", ")
	if len(e.Have) == 0 {
		return fmt.Sprintf("the store holds secrets encrypted with key %s but no key was given: set %s (base64 of the 32-byte key, or ID:BASE64,...) or %s to the key the store was written with", need, KeyEnv, KeyFileEnv)
	}
	return fmt.Sprintf("the store holds secrets encrypted with key %s, which is not among the keys given (%s): after rotating keys, keep the old ones after the new primary in %s (NEW:BASE64,%s:BASE64)", need, strings.Join(e.Have, ", "), KeyEnv, e.Missing[0])
}

// Unwrap returns ErrNoKey when no key was given.
func (e *KeyError) Unwrap() error {
	if len(e.Have) == 0 {
		return ErrNoKey
	}
	return nil
}
