package sdk

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/manifest/interp"
	"github.com/connkit/connkit/sdk/oauth"
	"github.com/connkit/connkit/sdk/tokens"
	"github.com/connkit/connkit/whitelist"
)

// Connector is a registered manifest, compiled: its templates parsed, its
// whitelist and field patterns compiled. It is immutable and safe for
// concurrent use; Connect creates connections from it.
type Connector struct {
	reg      *Registry
	file     *manifest.File
	m        *manifest.Manifest
	list     *whitelist.List
	methods  []*method
	baseURL  *interp.Template
	defQuery []param
	defHead  []param
	test     *request
	expect   *manifest.Expect
	label    *interp.Template
	identity *interp.Template
	actions  map[string]*action
	timeout  time.Duration
	follow   bool
	maxRedir int
	// states keeps the authorizations Authorize started until Exchange.
	states *oauth.States
}

// action is a compiled action.
type action struct {
	req    *request
	inputs []manifest.Input
}

// ID returns the connector's id.
func (c *Connector) ID() string { return c.m.ID }

// Manifest returns the connector's manifest. Callers must not modify it.
func (c *Connector) Manifest() *manifest.Manifest { return c.m }

// Methods returns the keys of the connector's auth methods; a connector
// with a single auth section has one method, "default".
func (c *Connector) Methods() []string {
	keys := make([]string, len(c.methods))
	for i, m := range c.methods {
		keys[i] = m.key
	}
	return keys
}

// Actions returns the names of the connector's actions, sorted.
func (c *Connector) Actions() []string {
	names := make([]string, 0, len(c.actions))
	for n := range c.actions {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// DefaultMethod is the key of the auth method of a manifest that has a single
// auth section.
const DefaultMethod = "default"

func compile(r *Registry, f *manifest.File) (*Connector, error) {
	m := f.Manifest
	list, err := whitelist.Parse(m.Whitelist)
	if err != nil {
		return nil, fmt.Errorf("whitelist: %w", err)
	}
	var cp compiler
	c := &Connector{reg: r, file: f, m: m, list: list,
		states:   oauth.NewStates(oauth.StatesOptions{Now: r.opts.Now}),
		baseURL:  cp.tpl("base_url", m.BaseURL),
		label:    cp.tpl("label", m.Label),
		identity: cp.tpl("identity", m.Identity),
		actions:  map[string]*action{},
		timeout:  30 * time.Second,
	}
	if m.Auth != nil {
		c.methods = append(c.methods, cp.method("auth", DefaultMethod, m.Name, m.Fields, nil, m.Auth))
	}
	for i := range m.AuthMethods {
		am := &m.AuthMethods[i]
		c.methods = append(c.methods, cp.method(fmt.Sprintf("auth_methods[%d].auth", i), am.Key, am.Label, m.Fields, am.Fields, &am.Auth))
	}
	if h := m.HTTP; h != nil {
		if h.Timeout > 0 {
			c.timeout = time.Duration(h.Timeout)
		}
		c.follow = h.FollowRedirects
		c.maxRedir = h.MaxRedirects
	}
	if len(c.methods) == 0 {
		return nil, fmt.Errorf("manifest has neither auth nor auth_methods: add an auth section (type: none for a public API)")
	}
	if m.Defaults != nil {
		c.defQuery = cp.params("defaults.query", m.Defaults.Query)
		c.defHead = cp.params("defaults.headers", m.Defaults.Headers)
	}
	if m.Test != nil {
		c.test = cp.request("test.request", &m.Test.Request)
		c.expect = m.Test.Expect
	}
	for name, a := range m.Actions {
		c.actions[name] = &action{req: cp.request("actions."+name, &a.Request), inputs: a.Input}
	}
	if cp.err != nil {
		return nil, cp.err
	}
	for _, mt := range c.methods {
		c.guard(mt)
	}
	return c, nil
}

// guard builds an auth method's whitelist policy and its HTTP stack,
// shared by the method's connections: one guarded connection pool, the
// redirect rule, and the token client.
func (c *Connector) guard(mt *method) {
	opts := c.reg.opts
	mt.policy = &whitelist.Policy{List: c.list, AllowPrivate: opts.AllowPrivateNetworks,
		Resolver: opts.Resolver, SecretHeaders: paramNames(mt.applyHeader), ConnectTo: c.reg.connectTo}
	tr := mt.policy.Transport()
	if opts.RootCAs != nil {
		tr.TLSClientConfig.RootCAs = opts.RootCAs
	}
	rt := mt.policy.RoundTripper(tr)
	if opts.Debug && opts.Logger != nil {
		plain := map[string]bool{}
		for _, p := range c.defHead {
			plain[http.CanonicalHeaderKey(p.name)] = true
		}
		for _, p := range mt.applyHeader {
			delete(plain, http.CanonicalHeaderKey(p.name))
		}
		rt = &logTransport{log: c.reg.log, plain: plain, next: rt}
	}
	mt.base = rt
	mt.checkRedirect = mt.policy.CheckRedirect(c.maxRedir, c.follow)
	mt.disc = newDiscovery(mt, rt, c)
	if mt.usesToken() || mt.revoke != nil {
		mt.tc = &tokens.Client{
			HTTP:   &http.Client{Transport: rt, Timeout: c.timeout},
			Now:    opts.Now,
			Sleep:  opts.Sleep,
			Policy: tokenRetryPolicy,
		}
	}
}

// tokenRetryPolicy is tokens.DefaultRetryPolicy except that a request the
// whitelist refused is never retried: it would be refused again.
func tokenRetryPolicy(ctx context.Context, resp *tokens.Response, err error) bool {
	if err != nil && errors.Is(err, whitelist.ErrBlocked) {
		return false
	}
	return tokens.DefaultRetryPolicy(ctx, resp, err)
}

func (c *Connector) method(key string) (*method, error) {
	if key == "" {
		if len(c.methods) == 1 {
			return c.methods[0], nil
		}
		return nil, fmt.Errorf("connector %s offers several auth methods (%v): choose one with ConnectOptions.Method", c.m.ID, c.Methods())
	}
	for _, m := range c.methods {
		if m.key == key {
			return m, nil
		}
	}
	return nil, fmt.Errorf("connector %s has no auth method %q: use one of %v", c.m.ID, key, c.Methods())
}
