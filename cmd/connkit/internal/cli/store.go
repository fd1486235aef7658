package cli

import (
	"cmp"
	"context"
	"errors"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	urfave "github.com/urfave/cli/v2"

	"github.com/connkit/connkit/sdk"
	"github.com/connkit/connkit/sdk/store"
	"github.com/connkit/connkit/sdk/store/memory"
	"github.com/connkit/connkit/sdk/store/postgres"
	"github.com/connkit/connkit/sdk/store/sqlite"
)

// storeEnv names the environment variable that chooses the store when
// --store is not given.
const storeEnv = "CONNKIT_STORE"

// storeFlag is the --store flag of the connecting commands.
func storeFlag() urfave.Flag {
	return &urfave.StringFlag{Name: "store", Usage: "where connections and tokens are kept: `STORE` is sqlite:PATH, postgres://... or memory: " +
		"(default: $" + storeEnv + ", else sqlite: in the user's config directory). Secrets are encrypted with $" + store.KeyEnv +
		" or $" + store.KeyFileEnv + ", else with a key connkit keeps beside the default store"}
}

// openStore opens the store the command line names: --store, else
// CONNKIT_STORE, else the SQLite file in the user's config directory. With
// neither and no config directory (an environment without HOME) nothing
// is kept: the store lives in memory.
func (a *App) openStore(c *urfave.Context) (store.Store, error) {
	spec := c.String("store")
	where := "--store"
	if spec == "" {
		spec, where = a.getenv(storeEnv), storeEnv
	}
	dir := userConfigDir(a.getenv)
	if spec == "" {
		if dir == "" {
			spec = "memory:"
		} else {
			spec = "sqlite:"
		}
	}
	keys, err := store.LoadKeyring(a.getenv)
	if err != nil {
		return nil, &failure{kind: sdk.KindConfig, err: err, hint: "set " + store.KeyEnv + " to a base64 32-byte key (openssl rand -base64 32), or ID:BASE64,... when rotating keys"}
	}
	needKey := func() error {
		if keys != nil {
			return nil
		}
		if dir == "" {
			return &failure{kind: sdk.KindConfig, err: errors.New("no store key: the environment names no config directory to keep one in"),
				hint: "set " + store.KeyEnv + " or " + store.KeyFileEnv}
		}
		keys, err = store.CreateKeyFile(filepath.Join(dir, "connkit", "store.key"))
		if err != nil {
			return &ioError{err}
		}
		return nil
	}
	ctx := c.Context
	var st store.Store
	switch {
	case strings.HasPrefix(spec, "memory:"):
		st, err = memory.New(strings.TrimPrefix(spec, "memory:"), store.Options{Keys: keys})
	case strings.HasPrefix(spec, "sqlite:"):
		path := strings.TrimPrefix(spec, "sqlite:")
		if path == "" {
			if dir == "" {
				return nil, usageErrorf(c, "%s=sqlite: needs a path: the environment names no config directory for the default one", where)
			}
			path = filepath.Join(dir, "connkit", "connkit.db")
		}
		if err := needKey(); err != nil {
			return nil, err
		}
		st, err = sqlite.Open(ctx, path, store.Options{Keys: keys})
	case strings.HasPrefix(spec, "postgres://"), strings.HasPrefix(spec, "postgresql://"):
		if err := needKey(); err != nil {
			return nil, err
		}
		st, err = postgres.Open(ctx, spec, store.Options{Keys: keys})
	default:
		return nil, usageErrorf(c, "%s: unknown store %q: use sqlite:PATH, postgres://USER@HOST/DB or memory:", where, redactStore(spec))
	}
	if err != nil {
		var ke *store.KeyError
		if errors.As(err, &ke) {
			return nil, &failure{kind: sdk.KindConfig, err: err, hint: "give the key the store was written with"}
		}
		return nil, &failure{kind: sdk.KindConfig, err: err, hint: "check " + where + ": the store could not be opened"}
	}
	return st, nil
}

// redactStore hides what looks like a password in a store spec.
func redactStore(spec string) string {
	if at := strings.LastIndex(spec, "@"); at >= 0 {
		if colon := strings.Index(spec, "://"); colon >= 0 && colon < at {
			return spec[:colon+3] + "...@" + spec[at+1:]
		}
	}
	return spec
}

// userConfigDir is os.UserConfigDir read from the injected environment;
// empty when it names none.
func userConfigDir(getenv func(string) string) string {
	switch runtime.GOOS {
	case "windows":
		return getenv("AppData")
	case "darwin", "ios":
		if h := getenv("HOME"); h != "" {
			return filepath.Join(h, "Library", "Application Support")
		}
		return ""
	case "plan9":
		if h := getenv("home"); h != "" {
			return filepath.Join(h, "lib")
		}
		return ""
	}
	if d := getenv("XDG_CONFIG_HOME"); filepath.IsAbs(d) {
		return d
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".config")
	}
	return ""
}

// connect returns the stored connection made earlier with the same
// connector, auth method and values (the latest, if several accounts
// were), or connects anew (and stores the connection).
func (s *session) connect(ctx context.Context) (*sdk.Connection, error) {
	if id := s.storedID(ctx); id != "" {
		if conn, err := s.reg.Open(ctx, id); err == nil {
			return conn, nil
		}
	}
	return s.conn.Connect(ctx, s.values, sdk.ConnectOptions{Method: s.method})
}

// storedID returns the id of the latest authorized stored connection with
// the session's connector, method and values, or "".
func (s *session) storedID(ctx context.Context) string {
	if s.store == nil {
		return ""
	}
	list, err := s.store.Connections(ctx, s.conn.ID())
	if err != nil {
		return ""
	}
	method := s.method
	if method == "" {
		method = sdk.DefaultMethod
	}
	list = slices.DeleteFunc(list, func(c *store.Connection) bool {
		return c.Method != method || c.Status != store.StatusAuthorized || !sameValues(c, s.values)
	})
	if len(list) == 0 {
		return ""
	}
	latest := slices.MaxFunc(list, func(a, b *store.Connection) int { return cmp.Compare(a.UpdatedAt.UnixNano(), b.UpdatedAt.UnixNano()) })
	return latest.ID
}

// sameValues reports whether a stored connection was made with values.
func sameValues(c *store.Connection, values sdk.Values) bool {
	n := 0
	for k, v := range values {
		if v == "" {
			continue
		}
		n++
		if sv, ok := c.Secrets[k]; ok {
			if sv.Reveal() != v {
				return false
			}
		} else if c.Values[k] != v {
			return false
		}
	}
	return n == len(c.Values)+len(c.Secrets)
}

// close releases the session's store. The command's outcome is decided by
// then, so a failure to close changes nothing the user can act on.
func (s *session) close() {
	if s.store != nil {
		_ = s.store.Close()
	}
}
