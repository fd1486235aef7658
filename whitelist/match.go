package whitelist

import (
	"fmt"
	"net/netip"
	"net/url"
	"strings"
)

// Match returns the first entry that u matches after normalisation (see
// Normalize): same scheme, same port, the entry's host (or, for a wildcard
// entry, a subdomain of it) and a path under the entry's prefix. A URL that
// matches no entry gets a *BlockedError saying which rule refused it.
func (l *List) Match(u *url.URL) (Entry, error) {
	t, err := normalize(u)
	if err != nil {
		return Entry{}, err
	}
	return l.matchTarget(t)
}

// miss ranks how close a URL came to an entry, for the error message.
type miss int

const (
	missHost miss = iota
	missPort
	missScheme
	missPath
)

// matchTarget returns the first entry a normalised target matches.
func (l *List) matchTarget(t Target) (Entry, error) {
	closest := missHost
	for i := range l.list() {
		e := &l.entries[i]
		switch {
		case !e.matchHost(t.Host):
			continue
		case e.Port != t.Port:
			closest = max(closest, missPort)
		case e.Scheme != t.Scheme:
			closest = max(closest, missScheme)
		case !matchPath(e.Path, t.Path):
			closest = max(closest, missPath)
		default:
			return *e, nil
		}
	}
	return Entry{}, l.missError(Entry{Scheme: t.Scheme, Host: t.Host, Port: t.Port, addr: t.addr}, closest)
}

// list returns the entries of a possibly nil list.
func (l *List) list() []Entry {
	if l == nil {
		return nil
	}
	return l.entries
}

// missError explains why nothing matched p (a target or a pattern as an
// Entry), listing the entries for its host.
func (l *List) missError(p Entry, closest miss) *BlockedError {
	host := p.Host
	if p.Wildcard {
		host = "*." + host
	}
	if closest == missHost {
		p.Path = "/"
		return &BlockedError{Host: host, Rule: RuleNotListed, Reason: fmt.Sprintf(
			"the host is not in the whitelist; if the connector needs it, add an entry such as %s to the manifest's whitelist", p)}
	}
	var forHost []string
	for i := range l.entries {
		if l.entries[i].coversHost(p) {
			forHost = append(forHost, l.entries[i].String())
		}
	}
	listed := strings.Join(forHost, ", ")
	switch closest {
	case missPort:
		return &BlockedError{Host: host, Rule: RulePort, Reason: fmt.Sprintf(
			"port %d is not whitelisted for this host; its entries: %s", p.Port, listed)}
	case missScheme:
		return &BlockedError{Host: host, Rule: RuleScheme, Reason: fmt.Sprintf(
			"scheme %s is not whitelisted for this host and port; its entries: %s", p.Scheme, listed)}
	}
	return &BlockedError{Host: host, Rule: RulePath, Reason: fmt.Sprintf(
		"the path is not under a whitelisted prefix for this host; its entries: %s", listed)}
}

// matchHost reports whether a normalised host is the entry's host or, for
// a wildcard entry, one of its subdomains.
func (e *Entry) matchHost(host string) bool {
	if !e.Wildcard {
		return host == e.Host
	}
	return isSubdomain(host, e.Host)
}

// isSubdomain reports whether host is a strict subdomain of domain.
func isSubdomain(host, domain string) bool {
	n := len(host) - len(domain)
	return n > 1 && host[n-1] == '.' && host[n:] == domain
}

// matchPath reports whether a decoded path is prefix or below it, on a
// segment boundary.
func matchPath(prefix, path string) bool {
	if prefix == "/" {
		return true
	}
	return strings.HasPrefix(path, prefix) && (len(path) == len(prefix) || path[len(prefix)] == '/')
}

// Covers reports, with the covering entry or a *BlockedError, whether every
// URL that starts with prefix is whitelisted. It is meant for the static
// check of a URL template: prefix is the template's literal start, which
// must contain the whole scheme://host[:port]; the host may start with
// "*." where a template field fills in one or more leading labels
// ("https://*.zendesk.com/api/v2/" for "https://{{ fields.subdomain
// }}.zendesk.com/api/v2/{{ input.path }}"), and is then covered only by a
// wildcard entry for that domain or a parent of it. Anything may follow the
// prefix's path, so "https://host/v2" is not covered by the entry
// "https://host/v2/" (it could continue as "/v2x"), but "https://host/v2/"
// is. A query or fragment in prefix ends its path: "https://host/v2?x=" is
// covered by "https://host/v2/".
func (l *List) Covers(prefix string) (Entry, error) {
	p, closed, err := parseURLText(prefix, false)
	if err != nil {
		err.Host = authorityHost(prefix)
		return Entry{}, err
	}
	return l.matchPattern(p, !closed)
}

// MatchPattern is Covers for a URL whose path is complete and whose host
// may be a pattern: hostPattern is host[:port], where the host may start
// with "*." (see Covers), and path is the percent-encoded path (with an
// optional query, ignored). The validator uses it for templates such as
// "https://{{ fields.subdomain }}.zendesk.com/api/v2/users/me".
func (l *List) MatchPattern(scheme, hostPattern, path string) (Entry, error) {
	if hostPattern == "" || strings.ContainsAny(hostPattern, "/?#@\\") {
		return Entry{}, &BlockedError{Host: hostPattern, Rule: RuleHost,
			Reason: "the host pattern must be host[:port], optionally starting with *."}
	}
	if path != "" && path[0] != '/' {
		return Entry{}, &BlockedError{Host: hostPattern, Rule: RulePath, Reason: "the path must start with /"}
	}
	p, _, err := parseURLText(scheme+"://"+hostPattern+path, false)
	if err != nil {
		err.Host = hostPattern
		return Entry{}, err
	}
	return l.matchPattern(p, false)
}

// matchPattern finds an entry that covers a parsed pattern; with open set,
// the pattern's path is a prefix anything may follow.
func (l *List) matchPattern(p Entry, open bool) (Entry, error) {
	closest := missHost
	for i := range l.list() {
		e := &l.entries[i]
		switch {
		case !e.coversHost(p):
			continue
		case e.Port != p.Port:
			closest = max(closest, missPort)
		case e.Scheme != p.Scheme:
			closest = max(closest, missScheme)
		case !coversPath(e.Path, p.Path, open):
			closest = max(closest, missPath)
		default:
			return *e, nil
		}
	}
	return Entry{}, l.missError(p, closest)
}

// coversHost reports whether the entry matches every host a pattern can
// stand for.
func (e *Entry) coversHost(p Entry) bool {
	if !p.Wildcard {
		return e.matchHost(p.Host)
	}
	return e.Wildcard && (p.Host == e.Host || isSubdomain(p.Host, e.Host))
}

// coversPath reports whether every path the pattern's path stands for is
// under prefix.
func coversPath(prefix, path string, open bool) bool {
	if !open || prefix == "/" {
		return matchPath(prefix, path)
	}
	return len(path) > len(prefix) && strings.HasPrefix(path, prefix) && path[len(prefix)] == '/'
}

// authorityHost extracts the host of a URL text for an error message,
// without userinfo.
func authorityHost(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[i+1:]
	}
	return s
}

// hasHostPort reports whether any entry names a host and port, whatever its
// scheme and path: the dial-time check, which sees no more than that.
func (l *List) hasHostPort(host string, port int) bool {
	for i := range l.list() {
		if l.entries[i].Port == port && l.entries[i].matchHost(host) {
			return true
		}
	}
	return false
}

// namesAddr reports whether an entry names the address literally, with the
// port.
func (l *List) namesAddr(a netip.Addr, port int) bool {
	for i := range l.list() {
		if l.entries[i].Port == port && l.entries[i].addr == a {
			return true
		}
	}
	return false
}
