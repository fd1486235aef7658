package sdk

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/sdk/store"
	"github.com/connkit/connkit/validator"
	"github.com/connkit/connkit/whitelist"
)

// Options configure a Registry and every connection made from it.
type Options struct {
	// AllowPrivateNetworks lets connections reach loopback, private and
	// link-local addresses (the operator's --allow-private-networks); by
	// default only a whitelist entry that names such an address literally
	// reaches it. Cloud metadata addresses stay refused.
	AllowPrivateNetworks bool
	// Resolver resolves host names at dial time (nil: net.DefaultResolver).
	Resolver whitelist.Resolver
	// RootCAs are the certificate authorities trusted for https (nil: the
	// system's), for an operator behind a private CA.
	RootCAs *x509.CertPool
	// ConnectTo sends the connections of some hosts to another address, like
	// curl's --connect-to: the key is "host:port" (or "host" for any port),
	// the value the "ip:port" or "name:port" actually dialled. The URL, the
	// whitelist match, the TLS server name and the Host header stay the real
	// ones, and the dialled address passes the same address rules (a local
	// stand-in for a provider needs AllowPrivateNetworks). For trying a
	// connector against a test server, or reaching a provider through a
	// fixed address.
	ConnectTo map[string]string
	// Logger receives debug and error records; secrets never reach it.
	// Nil discards them.
	Logger *slog.Logger
	// Debug logs every API request and response (resty's debug log, with
	// credentials, cookies and bodies redacted).
	Debug bool
	// Now returns the current time (nil: time.Now). Token expiries and
	// renewals follow it.
	Now func() time.Time
	// Sleep waits between retries of a token request, or until ctx is done
	// (nil: a timer). Tests and simulations replace it together with Now.
	Sleep func(ctx context.Context, d time.Duration) error
	// Check validates a manifest before it is registered; an error refuses
	// it. Nil means validator.Check: a manifest with validation errors is
	// refused with its diagnostics (warnings are accepted).
	Check func(*manifest.File) error
	// Store keeps connections and tokens beyond the process and shares
	// them between replicas (see Registry.Open); nil keeps nothing.
	// Connect saves each connection in it, and every token renewal takes
	// the connection's lock there, so that replicas renew once per expiry
	// and a rotated refresh token is stored before it is used.
	Store store.Store
}

// Registry holds the connectors a platform offers. It is safe for
// concurrent use.
type Registry struct {
	opts Options
	// connectTo looks up Options.ConnectTo, copied when the registry was
	// made; nil without one.
	connectTo func(host string, port int) (string, bool)
	log       *slog.Logger
	mu        sync.RWMutex
	byID      map[string]*Connector
}

// NewRegistry returns an empty registry.
func NewRegistry(opts Options) *Registry {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Registry{opts: opts, connectTo: connectTo(opts.ConnectTo), log: log, byID: map[string]*Connector{}}
}

// connectTo returns the lookup of an Options.ConnectTo map, nil for an empty
// one. Keys are matched without regard to case or a trailing dot on the host,
// "host:port" before "host".
func connectTo(m map[string]string) func(host string, port int) (string, bool) {
	if len(m) == 0 {
		return nil
	}
	norm := make(map[string]string, len(m))
	for k, v := range m {
		k = strings.ToLower(k)
		if h, p, err := net.SplitHostPort(k); err == nil {
			k = net.JoinHostPort(strings.TrimSuffix(h, "."), p)
		} else {
			k = strings.TrimSuffix(strings.Trim(k, "[]"), ".")
		}
		norm[k] = v
	}
	return func(host string, port int) (string, bool) {
		if to, ok := norm[net.JoinHostPort(host, strconv.Itoa(port))]; ok {
			return to, true
		}
		to, ok := norm[host]
		return to, ok
	}
}

// LoadError is a manifest the registry refused, with the reason (for an
// invalid manifest, its diagnostics).
type LoadError struct {
	// Path is the manifest file.
	Path string
	// Err says why it was refused.
	Err error
}

// Error names the file and the reason.
func (e *LoadError) Error() string { return e.Path + ": " + e.Err.Error() }

// Unwrap returns the reason.
func (e *LoadError) Unwrap() error { return e.Err }

// Load registers the manifest in the file at path.
func (r *Registry) Load(path string) (*Connector, error) {
	f, err := manifest.Load(path)
	if err != nil {
		return nil, &LoadError{Path: path, Err: err}
	}
	c, err := r.Add(f)
	if err != nil {
		return nil, &LoadError{Path: path, Err: err}
	}
	return c, nil
}

// LoadDir registers every manifest (.yaml, .yml, .json) under dir. Valid
// manifests are registered even when others are refused; the error joins a
// *LoadError for each refused one.
func (r *Registry) LoadDir(dir string) ([]*Connector, error) {
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".yaml", ".yml", ".json":
			if !d.IsDir() {
				paths = append(paths, p)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load connectors from %s: %w", dir, err)
	}
	sort.Strings(paths)
	var out []*Connector
	var errs []error
	for _, p := range paths {
		c, err := r.Load(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, c)
	}
	return out, errors.Join(errs...)
}

// Add registers a loaded manifest (load it with manifest.Parse or
// manifest.Load, and register it only when they report no error). A
// manifest the Check option refuses, one whose templates, patterns or
// whitelist do not compile, or one whose id is already registered from
// another file is refused.
func (r *Registry) Add(f *manifest.File) (*Connector, error) {
	if f == nil || f.Manifest == nil {
		return nil, errors.New("no manifest")
	}
	check := r.opts.Check
	if check == nil {
		check = validator.Check
	}
	if err := check(f); err != nil {
		return nil, err
	}
	c, err := compile(r, f)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.byID[c.m.ID]; ok && old.file.Path != f.Path {
		return nil, fmt.Errorf("connector id %q is already registered from %s: ids must be unique", c.m.ID, old.file.Path)
	}
	r.byID[c.m.ID] = c
	return c, nil
}

// Connector returns the registered connector with the id.
func (r *Registry) Connector(id string) (*Connector, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	c, ok := r.byID[id]
	return c, ok
}

// Connectors returns the registered connectors sorted by id.
func (r *Registry) Connectors() []*Connector {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]*Connector, 0, len(r.byID))
	for _, c := range r.byID {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].m.ID < out[j].m.ID })
	return out
}
