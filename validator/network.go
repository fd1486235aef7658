package validator

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/whitelist"
)

// network is the static picture of where a connection sends requests: the
// parsed whitelist and every request with the URLs it can reach.
type network struct {
	list    *whitelist.List         // the valid entries; nil when there are none or some are invalid
	entries []netEntry              // the valid entries
	bad     []*whitelist.EntryError // the invalid entries

	requests []*request
}

// netEntry is one valid whitelist entry.
type netEntry struct {
	index  int // in the manifest's whitelist
	entry  whitelist.Entry
	used   bool
	single *whitelist.List // a list of this entry alone, built on demand
}

// request is one request the connection can send, with the URL shapes it
// can have.
type request struct {
	ptr string // the URL or path template it is reported at
	// base is set for the base URL: anything may follow it, and it is
	// covered when some entry lies under it, since the whitelist may
	// list only the paths the connector uses.
	base bool
	// relative is set for a path joined to the base URL.
	relative bool
	variants []reqVariant
}

// reqVariant is one shape of a request's URL, with the select options
// chosen to get it.
type reqVariant struct {
	shape   urlShape
	choices []*optionChoice
	err     error // the whitelist's refusal; nil when covered
}

// network returns the context's network, building it on first use.
func (c *context) network() *network {
	if c.net != nil {
		return c.net
	}
	n := &network{}
	c.net = n
	n.parseWhitelist(c.m.Whitelist)
	c.collectRequests()
	if n.list != nil {
		n.evaluate()
	}
	return n
}

// parseWhitelist parses the entries, keeping the valid ones and the errors
// of the others.
func (n *network) parseWhitelist(raw []string) {
	if len(raw) == 0 {
		return
	}
	list, err := whitelist.Parse(raw)
	if err != nil {
		n.bad = whitelist.EntryErrors(err)
		return
	}
	n.list = list
	for i, e := range list.Entries() {
		n.entries = append(n.entries, netEntry{index: i, entry: e})
	}
}

// collectRequests lists the requests: the base URL, the test call and the
// actions (relative paths joined to the base URL), and each auth method's
// token, refresh and revoke APIs.
func (c *context) collectRequests() {
	n := c.net
	shared := func(key string) *fieldDecl { return c.lookupField(&site{method: -1}, key) }
	var base []piece
	if s := c.siteAt("/base_url"); s != nil {
		base = s.pieces()
		n.add(&request{ptr: "/base_url", base: true}, joinPieces(base, []piece{{text: "/"}}), shared)
	}
	for _, s := range c.sites {
		switch {
		case s.kind == kindPath && base != nil:
			n.add(&request{ptr: s.ptr, relative: true}, joinPieces(base, s.pieces()), shared)
		case s.kind == kindPath:
			// absolute-url reports the missing base URL; the path still
			// tells which entries it was meant for.
			n.add(&request{ptr: s.ptr, relative: true}, s.pieces(), shared)
		case s.kind == kindURL && s.stage == stageAPI && s.ptr != "/base_url":
			n.add(&request{ptr: s.ptr}, s.pieces(), shared)
		case s.kind == kindURL && (s.stage == stageToken || s.stage == stageRenew):
			fields := c.methods[s.method].fields
			n.add(&request{ptr: s.ptr}, s.pieces(), func(key string) *fieldDecl { return fields[key] })
		}
	}
}

// siteAt returns the site of the template at ptr, or nil.
func (c *context) siteAt(ptr string) *site {
	for _, s := range c.sites {
		if s.ptr == ptr {
			return s
		}
	}
	return nil
}

// add records a request with the variants of its URL.
func (n *network) add(r *request, pcs []piece, lookup func(string) *fieldDecl) {
	for _, v := range expand(pcs, lookup) {
		r.variants = append(r.variants, reqVariant{shape: shape(textOf(v.pcs)), choices: v.choices})
	}
	n.requests = append(n.requests, r)
}

// evaluate checks every request variant against the whitelist and marks
// the entries that some request can use.
func (n *network) evaluate() {
	for _, r := range n.requests {
		for i := range r.variants {
			v := &r.variants[i]
			sh := v.shape
			switch {
			case sh.relative:
				n.markTail(sh.literalPath())
				continue
			case !sh.known:
				n.markTail(sh.tail)
				continue
			case sh.insecure():
				// insecure-url reports it; it still uses the entry it
				// would with https.
				sh.scheme = "https"
				if e, err := cover(n.list, sh, r.base); err == nil {
					n.markRaw(e.Raw)
				}
				continue
			}
			var e whitelist.Entry
			e, v.err = cover(n.list, sh, r.base)
			if v.err == nil {
				n.markRaw(e.Raw)
			} else if r.base && n.markUnder(sh) {
				v.err = nil
			}
		}
	}
	for i := range n.entries {
		ne := &n.entries[i]
		if !ne.used {
			ne.used = n.reachable(ne)
		}
	}
}

// cover checks a known URL shape against a list: a complete URL with
// MatchPattern, a prefix (open, or cut at a hole) with Covers.
func cover(l *whitelist.List, sh urlShape, open bool) (whitelist.Entry, error) {
	if sh.complete && !open {
		path := sh.path
		if i := strings.IndexByte(path, '#'); i >= 0 {
			path = path[:i]
		}
		if strings.HasPrefix(path, "?") {
			path = "/" + path
		}
		return l.MatchPattern(sh.scheme, sh.host, path)
	}
	return l.Covers(sh.prefix())
}

// prefix returns the known start of a URL shape: scheme://host/path.
func (sh urlShape) prefix() string { return sh.scheme + "://" + sh.host + sh.path }

// markRaw marks the first entry written as raw as used.
func (n *network) markRaw(raw string) {
	for i := range n.entries {
		if n.entries[i].entry.Raw == raw {
			n.entries[i].used = true
			return
		}
	}
}

// markUnder marks the entries under the prefix of a known URL shape, and
// says whether there are any.
func (n *network) markUnder(sh urlShape) bool {
	found := false
	for i := range n.entries {
		if strings.HasPrefix(n.entries[i].entry.String(), sh.prefix()) {
			n.entries[i].used, found = true, true
		}
	}
	return found
}

// markTail marks the entries a request of unknown origin may use: those
// whose path prefix can hold its literal path, or every entry when that
// path is unknown.
func (n *network) markTail(tail string) {
	for i := range n.entries {
		p := n.entries[i].entry.Path
		if tail == "" || p == "/" || tail == p || strings.HasPrefix(tail, p+"/") || strings.HasPrefix(p, tail) {
			n.entries[i].used = true
		}
	}
}

// reachable says whether some request can reach an entry the first match
// did not name: a later entry that covers it too, or an entry narrower than
// a prefix request.
func (n *network) reachable(ne *netEntry) bool {
	for _, r := range n.requests {
		for _, v := range r.variants {
			if !v.shape.known {
				continue
			}
			if (!v.shape.complete || r.base) && strings.HasPrefix(ne.entry.String(), v.shape.prefix()) {
				return true
			}
			if ne.single == nil {
				ne.single, _ = whitelist.Parse([]string{ne.entry.Raw})
			}
			if _, err := cover(ne.single, v.shape, r.base); err == nil {
				return true
			}
		}
	}
	return false
}

// isLoopback says whether host (without brackets or port) is a loopback
// name or address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	a, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil && a.Unmap().IsLoopback()
}

// checkWhitelistEntries reports invalid whitelist entries, each at its
// place in the list.
func checkWhitelistEntries(c *context) {
	bad := c.network().bad
	slices.SortFunc(bad, func(a, b *whitelist.EntryError) int { return a.Index - b.Index })
	for _, e := range bad {
		c.report(manifest.Pointer("whitelist", strconv.Itoa(e.Index)), "whitelist entry %q is invalid: %s", e.Entry, e.Reason)
	}
}

// checkWhitelistCoverage reports each request some of whose URLs no entry
// covers.
func checkWhitelistCoverage(c *context) {
	n := c.network()
	if n.list == nil {
		return // an empty or invalid whitelist is reported by itself
	}
	var failed [][]*optionChoice // the choices of the base URL variants not covered
	for _, r := range n.requests {
		for _, v := range r.variants {
			if r.base && v.err != nil {
				failed = append(failed, v.choices)
			}
		}
	}
	for _, r := range n.requests {
		for _, v := range r.variants {
			if v.err == nil || !v.shape.known || r.relative && startsWithAny(v.choices, failed) {
				continue // the base URL's finding says what to fix
			}
			url := v.shape.prefix()
			if r.base || !v.shape.complete {
				url += "..."
			}
			what := where(r.ptr)
			if r.relative {
				what += " (" + url + ")"
			} else {
				what += " " + url
			}
			c.report(r.ptr, "%s is not covered by the whitelist%s: %s", what, choicesText(v.choices), blockedReason(v.err))
		}
	}
}

// startsWithAny says whether one of prefixes is a prefix of choices: a
// relative request variant built on a base URL variant starts with its
// choices.
func startsWithAny(choices []*optionChoice, prefixes [][]*optionChoice) bool {
	for _, p := range prefixes {
		if len(p) <= len(choices) && slices.EqualFunc(p, choices[:len(p)], func(a, b *optionChoice) bool {
			return a.field == b.field && a.index == b.index
		}) {
			return true
		}
	}
	return false
}

// checkUnusedWhitelist reports entries no request can use.
func checkUnusedWhitelist(c *context) {
	n := c.network()
	if n.list == nil {
		return
	}
	for _, ne := range n.entries {
		if !ne.used {
			c.report(manifest.Pointer("whitelist", strconv.Itoa(ne.index)),
				"whitelist entry %q covers no request of the connection (token, refresh, revoke, base URL, test call or action): remove it, or fix the URL it was meant for", ne.entry.Raw)
		}
	}
}

// blockedReason returns the reason of a whitelist refusal.
func blockedReason(err error) string {
	if be, ok := err.(*whitelist.BlockedError); ok {
		return be.Reason
	}
	return err.Error()
}

// choicesText says which select options a URL variant was built with.
func choicesText(choices []*optionChoice) string {
	if len(choices) == 0 {
		return ""
	}
	parts := make([]string, len(choices))
	for i, ch := range choices {
		parts[i] = "fields." + ch.field.field.Key + " = " + strconv.Quote(ch.field.field.Options[ch.index].Value)
	}
	return " (when " + strings.Join(parts, ", ") + ")"
}
