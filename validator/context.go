package validator

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/manifest/interp"
)

// context is what the semantic rules see: the manifest, the file for
// positions, the auth methods with the fields each can use, and every
// template of the manifest with its place and role.
type context struct {
	f     *manifest.File
	m     *manifest.Manifest
	rule  *Rule // the rule being run; report uses it
	diags []Diagnostic

	methods []*method
	fields  []*fieldDecl // shared fields, then each method's own
	sites   []*site
	// siteBlock is the block the next sites are allocated in.
	siteBlock []site
	actions   []string // action names, sorted

	net  *network   // whitelist and requests, built on first use
	urls []*urlSite // absolute-URL templates, built on first use
}

// method is one way of authenticating: the manifest's auth, or one entry of
// auth_methods.
type method struct {
	index int    // in auth_methods; -1 for auth
	key   string // the auth method's key; "" for auth
	ptr   string // the pointer of the Auth: /auth or /auth_methods/N/auth
	auth  *manifest.Auth
	// fields are the fields the method's templates can use: the shared
	// ones and its own, by key (the first declaration of a key).
	fields map[string]*fieldDecl
	// tokenNames are the names {{ token.X }} can use; nil when the method
	// obtains no token.
	tokenNames []string
}

// name names the method in messages.
func (m *method) name() string {
	if m.index < 0 {
		return "auth of type " + string(m.auth.Type)
	}
	return fmt.Sprintf("auth method %q (type %s)", m.key, m.auth.Type)
}

// hasToken says whether the method obtains a token from an API.
func (m *method) hasToken() bool { return m.tokenNames != nil }

// fieldDecl is one declared field.
type fieldDecl struct {
	field  *manifest.Field
	ptr    string // /fields/N or /auth_methods/M/fields/N
	method int    // the index of the declaring auth method; -1 when shared
}

// siteKind is what a template is used for.
type siteKind int

const (
	kindURL           siteKind = iota // an absolute URL (base, endpoint, request url)
	kindPath                          // a request path, relative to the base URL
	kindRedirect                      // the redirect URL
	kindQuery                         // a query parameter of a request or of the authorize URL
	kindHeader                        // a request header
	kindBody                          // a string in a request body or a form parameter
	kindCredential                    // a basic user name or password, a client ID or secret
	kindScope                         // a requested scope
	kindApplyHeader                   // a header of auth.apply
	kindApplyQuery                    // a query parameter of auth.apply
	kindDefaultQuery                  // a default query parameter
	kindDefaultHeader                 // a default header
	kindLabel                         // the label
	kindIdentity                      // the identity
)

// stage is when a template is rendered, which decides the values it can use.
type stage int

const (
	stageAuthorize stage = iota // the browser step: no token yet
	stageToken                  // the token or login request: no token yet
	stageRenew                  // refresh and revoke requests: the token exists
	stageAPI                    // API requests: the token exists when the method has one
	stageResult                 // label and identity: after the test call
)

// site is one template of the manifest.
type site struct {
	ptr    string // the JSON pointer of the string
	src    string // the template as written
	kind   siteKind
	stage  stage
	method int    // the auth method it belongs to; -1 for shared templates
	action string // the action it belongs to; "" otherwise

	refs []interp.Ref // the template's references
	pcs  []piece      // the template's pieces, split on first use
}

// pieces returns the literal text and expressions of the site's template.
func (s *site) pieces() []piece {
	if s.pcs == nil {
		s.pcs = pieces(s.src, s.refs)
	}
	return s.pcs
}

// where names the site for messages: auth.token.url, actions.list.path.
func (s *site) where() string { return where(s.ptr) }

// newContext builds the context of a file that loaded without errors.
func newContext(f *manifest.File) *context {
	c := &context{f: f, m: f.Manifest}
	c.collectMethods()
	c.collectSites()
	for name := range c.m.Actions {
		c.actions = append(c.actions, name)
	}
	slices.Sort(c.actions)
	return c
}

// collectMethods lists the auth methods and the fields each can use.
func (c *context) collectMethods() {
	for i := range c.m.Fields {
		c.fields = append(c.fields, &fieldDecl{field: &c.m.Fields[i], ptr: manifest.Pointer("fields", strconv.Itoa(i)), method: -1})
	}
	if c.m.Auth != nil {
		c.methods = append(c.methods, &method{index: -1, ptr: "/auth", auth: c.m.Auth})
	}
	for i := range c.m.AuthMethods {
		am := &c.m.AuthMethods[i]
		c.methods = append(c.methods, &method{index: i, key: am.Key,
			ptr: manifest.Pointer("auth_methods", strconv.Itoa(i), "auth"), auth: &am.Auth})
		for j := range am.Fields {
			c.fields = append(c.fields, &fieldDecl{field: &am.Fields[j], method: i,
				ptr: manifest.Pointer("auth_methods", strconv.Itoa(i), "fields", strconv.Itoa(j))})
		}
	}
	for _, m := range c.methods {
		m.fields = make(map[string]*fieldDecl, len(c.fields))
		for _, d := range c.fields {
			if _, dup := m.fields[d.field.Key]; !dup && (d.method == -1 || d.method == m.index) {
				m.fields[d.field.Key] = d
			}
		}
		m.tokenNames = tokenNames(m.auth)
	}
}

// tokenNames returns the names {{ token.X }} can use with auth a, or nil
// when a obtains no token.
func tokenNames(a *manifest.Auth) []string {
	switch a.Type {
	case manifest.AuthOAuth2ClientCredentials, manifest.AuthOAuth2AuthorizationCode, manifest.AuthLogin:
	default:
		return nil
	}
	names := []string{"access_token", "refresh_token", "token_type", "scope"}
	for _, e := range []*manifest.Endpoint{a.Token, a.Refresh} {
		if e != nil && e.Response != nil {
			for k := range e.Response.Keep {
				names = append(names, k)
			}
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// collectSites lists every template of the manifest with its role.
func (c *context) collectSites() {
	m := c.m
	c.add("/base_url", m.BaseURL, kindURL, stageAPI, -1, "")
	c.add("/label", m.Label, kindLabel, stageResult, -1, "")
	c.add("/identity", m.Identity, kindIdentity, stageResult, -1, "")
	if m.Defaults != nil {
		c.addMap("/defaults/query", m.Defaults.Query, kindDefaultQuery, stageAPI, -1, "")
		c.addMap("/defaults/headers", m.Defaults.Headers, kindDefaultHeader, stageAPI, -1, "")
	}
	if m.Test != nil {
		c.addRequest("/test/request", &m.Test.Request, "")
	}
	for name, a := range m.Actions {
		c.addRequest(manifest.Pointer("actions", name), &a.Request, name)
	}
	for i, me := range c.methods {
		c.addAuth(me.ptr, me.auth, i)
	}
}

// add records one template; an empty one or one that does not parse (the
// loader reported it) is skipped. Text without "{{" is literal and needs
// no parsing.
func (c *context) add(ptr string, t manifest.Template, kind siteKind, st stage, method int, action string) {
	if t == "" {
		return
	}
	var refs []interp.Ref
	if strings.Contains(string(t), "{{") {
		tpl, err := c.f.Template(string(t))
		if err != nil {
			return
		}
		refs = tpl.Refs()
	}
	c.addSite(site{ptr: ptr, src: string(t), kind: kind, stage: st, method: method, action: action, refs: refs})
}

// addSite records a site. Sites are allocated in blocks: a manifest has
// dozens of them.
func (c *context) addSite(s site) {
	if len(c.siteBlock) == cap(c.siteBlock) {
		c.siteBlock = make([]site, 0, 32)
	}
	c.siteBlock = append(c.siteBlock, s)
	c.sites = append(c.sites, &c.siteBlock[len(c.siteBlock)-1])
}

// addMap records the templates of a map of names to templates.
func (c *context) addMap(ptr string, m map[string]manifest.Template, kind siteKind, st stage, method int, action string) {
	for k, t := range m {
		c.add(ptr+manifest.Pointer(k), t, kind, st, method, action)
	}
}

// addRequest records the templates of a test call or an action at ptr.
func (c *context) addRequest(ptr string, r *manifest.Request, action string) {
	c.add(ptr+"/path", r.Path, kindPath, stageAPI, -1, action)
	c.add(ptr+"/url", r.URL, kindURL, stageAPI, -1, action)
	c.addMap(ptr+"/query", r.Query, kindQuery, stageAPI, -1, action)
	c.addMap(ptr+"/headers", r.Headers, kindHeader, stageAPI, -1, action)
	c.addBody(ptr+"/body", r.Body, action)
}

// addBody records the strings of a request body.
func (c *context) addBody(ptr string, v any, action string) {
	switch v := v.(type) {
	case string:
		c.add(ptr, manifest.Template(v), kindBody, stageAPI, -1, action)
	case map[string]any:
		for k, e := range v {
			c.addBody(ptr+manifest.Pointer(k), e, action)
		}
	case []any:
		for i, e := range v {
			c.addBody(ptr+"/"+strconv.Itoa(i), e, action)
		}
	}
}

// addAuth records the templates of auth method i, whose Auth is at ptr:
// the sections its type uses (the schema reports the others).
func (c *context) addAuth(ptr string, a *manifest.Auth, i int) {
	if a.Issuer != "" {
		// The issuer is a plain string, never a template: it has no
		// references and all its text is literal.
		c.addSite(site{ptr: ptr + "/issuer", src: a.Issuer, pcs: []piece{{text: a.Issuer, col: 1}},
			kind: kindURL, stage: stageAuthorize, method: i})
	}
	if a.Basic != nil {
		c.add(ptr+"/basic/username", a.Basic.Username, kindCredential, stageAPI, i, "")
		c.add(ptr+"/basic/password", a.Basic.Password, kindCredential, stageAPI, i, "")
	}
	if z := a.Authorize; z != nil && a.Type == manifest.AuthOAuth2AuthorizationCode {
		c.add(ptr+"/authorize/url", z.URL, kindURL, stageAuthorize, i, "")
		c.add(ptr+"/authorize/scope", z.Scope, kindScope, stageAuthorize, i, "")
		c.addMap(ptr+"/authorize/params", z.Params, kindQuery, stageAuthorize, i, "")
		c.add(ptr+"/authorize/redirect_url", z.RedirectURL, kindRedirect, stageAuthorize, i, "")
	}
	if c.methods[i].hasToken() {
		// Other types have no token API; the schema reports the keys.
		c.addEndpoint(ptr+"/token", a.Token, stageToken, i)
		c.addEndpoint(ptr+"/refresh", a.Refresh, stageRenew, i)
	}
	c.addEndpoint(ptr+"/revoke", a.Revoke, stageRenew, i)
	if a.Apply != nil {
		c.addMap(ptr+"/apply/headers", a.Apply.Headers, kindApplyHeader, stageAPI, i, "")
		c.addMap(ptr+"/apply/query", a.Apply.Query, kindApplyQuery, stageAPI, i, "")
	}
}

// addEndpoint records the templates of a token, refresh or revoke API.
func (c *context) addEndpoint(ptr string, e *manifest.Endpoint, st stage, i int) {
	if e == nil {
		return
	}
	c.add(ptr+"/url", e.URL, kindURL, st, i, "")
	c.add(ptr+"/client_id", e.ClientID, kindCredential, st, i, "")
	c.add(ptr+"/client_secret", e.ClientSecret, kindCredential, st, i, "")
	c.add(ptr+"/scope", e.Scope, kindScope, st, i, "")
	c.addMap(ptr+"/params", e.Params, kindBody, st, i, "")
	c.addMap(ptr+"/query", e.Query, kindQuery, st, i, "")
	c.addMap(ptr+"/headers", e.Headers, kindHeader, st, i, "")
}

// methodsOf returns the auth methods a site is rendered for: its own, or
// every method for a shared site.
func (c *context) methodsOf(s *site) []*method {
	if s.method >= 0 {
		return c.methods[s.method : s.method+1]
	}
	return c.methods
}

// lookupField returns the declaration of field key as site s sees it: for
// a shared site, a shared field or any method's.
func (c *context) lookupField(s *site, key string) *fieldDecl {
	if s.method >= 0 {
		return c.methods[s.method].fields[key]
	}
	for _, d := range c.fields {
		if d.field.Key == key {
			return d
		}
	}
	return nil
}

// isSecretRef says whether ref names a secret as site s sees it: a secret
// field, the access token or the refresh token.
func (c *context) isSecretRef(s *site, ref interp.Ref) bool {
	if len(ref.Path) == 0 {
		return false
	}
	switch ref.Scope {
	case "fields":
		d := c.lookupField(s, ref.Path[0])
		return d != nil && d.field.Type == manifest.FieldSecret
	case "token":
		return ref.Path[0] == "access_token" || ref.Path[0] == "refresh_token"
	}
	return false
}

// report records a finding of the running rule at the value of the node at
// ptr.
func (c *context) report(ptr string, format string, args ...any) {
	c.reportAt(ptr, c.f.Pos(ptr), format, args...)
}

// reportKey records a finding of the running rule at the key of the node
// at ptr.
func (c *context) reportKey(ptr string, format string, args ...any) {
	c.reportAt(ptr, c.f.KeyPos(ptr), format, args...)
}

// reportRef records a finding of the running rule at a reference inside
// the template of site s.
func (c *context) reportRef(s *site, ref interp.Ref, format string, args ...any) {
	c.reportAt(s.ptr, c.f.TemplatePos(s.ptr, ref.Column), format, args...)
}

// reportAt records a finding of the running rule at pos.
func (c *context) reportAt(ptr string, pos manifest.Pos, format string, args ...any) {
	c.diags = append(c.diags, Diagnostic{File: c.f.Path, Line: pos.Line, Column: pos.Col,
		Severity: c.rule.Severity, Rule: c.rule.ID, Message: fmt.Sprintf(format, args...), Pointer: ptr})
}

// where turns a JSON pointer into the dotted path messages use:
// /auth/token/url is auth.token.url, /fields/0/key is fields[0].key.
func where(ptr string) string {
	tokens, ok := manifest.SplitPointer(ptr)
	if !ok || len(tokens) == 0 {
		return "the manifest"
	}
	var b strings.Builder
	for i, t := range tokens {
		switch {
		case isIndex(t):
			b.WriteString("[" + t + "]")
		case i > 0:
			b.WriteString("." + t)
		default:
			b.WriteString(t)
		}
	}
	return b.String()
}

// isIndex says whether a pointer token is a list index.
func isIndex(t string) bool {
	if t == "" {
		return false
	}
	for _, r := range t {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
