package whitelist

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// Entry is one parsed whitelist entry, scheme://host[:port]/path-prefix.
type Entry struct {
	// Raw is the entry as written in the manifest.
	Raw string
	// Scheme is "https", or "http" for a loopback host.
	Scheme string
	// Host is the normalised host (see Target.Host); for a wildcard entry
	// it is the domain after "*.".
	Host string
	// Wildcard entries match every subdomain of Host, at any depth, and
	// never Host itself.
	Wildcard bool
	// Port is the port number; the scheme's default when none is written.
	Port int
	// Path is the decoded path prefix without a trailing slash ("/" for
	// the root). It matches on segment boundaries: "/v2" matches "/v2" and
	// "/v2/x", never "/v2x".
	Path string

	addr netip.Addr
}

// String returns the entry's canonical form, which ParseEntry reads back
// to the same entry (the default port and a root path are omitted, a path
// prefix ends with "/").
func (e Entry) String() string {
	var b strings.Builder
	b.WriteString(e.Scheme)
	b.WriteString("://")
	if e.Wildcard {
		b.WriteString("*.")
	}
	if e.addr.Is6() {
		b.WriteString("[" + e.Host + "]")
	} else {
		b.WriteString(e.Host)
	}
	if e.Port != defaultPort(e.Scheme) {
		b.WriteString(":" + strconv.Itoa(e.Port))
	}
	b.WriteString((&url.URL{Path: e.Path}).EscapedPath())
	if e.Path != "/" {
		b.WriteByte('/')
	}
	return b.String()
}

// List is a parsed whitelist. The zero List and a nil *List match nothing.
// A List is immutable and safe for concurrent use.
type List struct {
	entries []Entry
}

// Parse parses a manifest's whitelist. It reports every invalid entry: the
// error is an *EntryError, or several joined with errors.Join (EntryErrors
// lists them). An empty whitelist parses to a List that matches nothing.
func Parse(entries []string) (*List, error) {
	l := &List{entries: make([]Entry, 0, len(entries))}
	var errs []error
	for i, s := range entries {
		e, err := parseEntry(s)
		if err != nil {
			errs = append(errs, &EntryError{Index: i, Entry: s, Reason: err.Reason})
			continue
		}
		l.entries = append(l.entries, e)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return l, nil
}

// ParseEntry parses one whitelist entry; its error is an *EntryError with
// Index -1.
func ParseEntry(s string) (Entry, error) {
	e, err := parseEntry(s)
	if err != nil {
		return Entry{}, &EntryError{Index: -1, Entry: s, Reason: err.Reason}
	}
	return e, nil
}

// Entries returns a copy of the list's entries in manifest order.
func (l *List) Entries() []Entry {
	if l == nil {
		return nil
	}
	return append([]Entry(nil), l.entries...)
}

// parseEntry parses and checks one entry.
func parseEntry(s string) (Entry, *BlockedError) {
	e, _, err := parseURLText(s, true)
	if err != nil {
		return Entry{}, err
	}
	e.Raw = s
	switch {
	case e.Wildcard:
		// Only ICANN suffixes (com, co.uk) are refused: a private suffix such
		// as myshopify.com is a provider's own domain whose subdomains are
		// its customers' tenants, which is what a wildcard entry is for. A bare
		// top-level domain (example, test) is refused like an ICANN one.
		if ps, icann := publicsuffix.PublicSuffix(e.Host); ps == e.Host && (icann || !strings.Contains(ps, ".")) {
			return Entry{}, &BlockedError{Rule: RuleHost, Reason: fmt.Sprintf(
				"*.%s would match every site under the public suffix %q; name the provider's own domain, like *.example.com", e.Host, e.Host)}
		}
	case e.addr.IsValid():
		if class, what := classify(e.addr); class == classForbidden {
			return Entry{}, &BlockedError{Rule: RuleHost, Reason: fmt.Sprintf(
				"%s is %s, which no connection may reach; name the server's own address", e.Host, what)}
		}
	}
	if strings.Contains(e.Path, "//") {
		return Entry{}, &BlockedError{Rule: RulePath, Reason: "the path has an empty segment (//); write single slashes"}
	}
	if e.Path != "/" {
		e.Path = strings.TrimSuffix(e.Path, "/")
	}
	return e, nil
}

// parseURLText parses the text of an entry or of a URL prefix with an
// optional "*." host wildcard. With entry false a query or fragment ends the
// text and the result is closed: nothing more can follow its path.
func parseURLText(s string, entry bool) (e Entry, closed bool, err *BlockedError) {
	if s == "" {
		return Entry{}, false, &BlockedError{Rule: RuleURL,
			Reason: "the entry is empty; write a URL prefix such as https://api.example.com/v1/"}
	}
	if strings.TrimSpace(s) != s {
		return Entry{}, false, &BlockedError{Rule: RuleURL, Reason: "remove the spaces around the URL"}
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] == 0x7f {
			return Entry{}, false, &BlockedError{Rule: RuleURL,
				Reason: "spaces and control characters are not allowed; percent-encode them in the path (%20)"}
		}
	}
	i := strings.Index(s, "://")
	if i < 0 {
		return Entry{}, false, &BlockedError{Rule: RuleScheme, Reason: "the URL has no scheme; write it as https://host/path"}
	}
	scheme, err := checkScheme(s[:i])
	if err != nil {
		return Entry{}, false, err
	}
	rest := s[i+3:]
	if q := strings.IndexAny(rest, "?#"); q >= 0 {
		if entry {
			return Entry{}, false, &BlockedError{Rule: RuleURL,
				Reason: "an entry is a URL prefix and cannot have a query (?) or a fragment (#); remove them"}
		}
		rest, closed = rest[:q], true
	}
	if strings.IndexByte(rest, '\\') >= 0 {
		return Entry{}, false, &BlockedError{Rule: RulePath, Reason: "backslashes are not allowed; use /"}
	}
	authority, path := rest, ""
	if j := strings.IndexByte(rest, '/'); j >= 0 {
		authority, path = rest[:j], rest[j:]
	}
	if strings.IndexByte(authority, '@') >= 0 {
		return Entry{}, false, &BlockedError{Rule: RuleUserinfo,
			Reason: "credentials (user@) are not allowed in a whitelisted URL; remove everything up to the @"}
	}
	hostText, bracketed, portText, err := splitHostPort(authority)
	if err != nil {
		return Entry{}, false, err
	}
	wildcard := false
	switch {
	case hostText == "*":
		return Entry{}, false, &BlockedError{Rule: RuleHost,
			Reason: "a bare * would allow every host; list the hosts the connector needs, or *.domain for the subdomains of one domain"}
	case strings.HasPrefix(hostText, "*."):
		wildcard, hostText = true, hostText[2:]
	}
	if strings.IndexByte(hostText, '*') >= 0 {
		return Entry{}, false, &BlockedError{Rule: RuleHost,
			Reason: "a wildcard is allowed only as the whole first label of the host, like *.example.com"}
	}
	host, addr, err := normalizeHost(hostText, bracketed)
	if err != nil {
		return Entry{}, false, err
	}
	if wildcard && addr.IsValid() {
		return Entry{}, false, &BlockedError{Rule: RuleHost, Reason: "a wildcard cannot precede an IP address; name the address alone"}
	}
	port, err := parsePort(portText, scheme)
	if err != nil {
		return Entry{}, false, err
	}
	if scheme == "http" && (wildcard || !isLoopback(host, addr)) {
		return Entry{}, false, &BlockedError{Rule: RuleScheme,
			Reason: "plain http is allowed only for loopback hosts (localhost, 127.0.0.0/8, [::1]); use https"}
	}
	if strings.IndexByte(path, '*') >= 0 {
		return Entry{}, false, &BlockedError{Rule: RulePath,
			Reason: "wildcards are not allowed in the path; a path is a prefix already (https://host/v2/ covers /v2/anything)"}
	}
	if err := checkEscapedPath(path); err != nil {
		return Entry{}, false, err
	}
	decoded, uerr := url.PathUnescape(path)
	if uerr != nil {
		return Entry{}, false, &BlockedError{Rule: RulePath, Reason: "the path has an invalid percent-escape; write % as %25"}
	}
	if decoded == "" {
		decoded = "/"
	}
	return Entry{Scheme: scheme, Host: host, Wildcard: wildcard, Port: port, Path: decoded, addr: addr}, closed, nil
}
