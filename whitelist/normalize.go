package whitelist

import (
	"fmt"
	"net/netip"
	"net/url"
	"strings"

	"golang.org/x/net/idna"
)

// Target is the normalised destination of a request: the host and port the
// transport dials and the path the server sees once it has decoded it.
type Target struct {
	// Scheme is "https", or "http" for a loopback host.
	Scheme string
	// Host is the lower-case ASCII host name (A-labels for
	// internationalised names) without a trailing dot, or the canonical text
	// of an IP address (no brackets, IPv4-mapped IPv6 unmapped).
	Host string
	// Port is the port number; the scheme's default when the URL has none.
	Port int
	// Path is the decoded path, "/" when the URL has none.
	Path string

	addr netip.Addr
}

// Addr returns the IP address of a host written as an IP literal.
func (t Target) Addr() (netip.Addr, bool) { return t.addr, t.addr.IsValid() }

// Normalize checks u and returns where it really leads. It refuses, with a
// *BlockedError, anything whose meaning could differ between this check, the
// transport and the server: userinfo, schemes other than https (http only for
// loopback hosts), malformed or non-canonical hosts (numeric IPv4 spellings
// other than dotted decimal, zone IDs, empty labels, invalid IDNA), ports
// outside 1-65535, and paths with dot-segments, encoded slashes or
// backslashes, backslashes, control characters or double percent-encoding.
// Normalize never reads the query or the fragment.
func Normalize(u *url.URL) (Target, error) {
	t, err := normalize(u)
	if err != nil {
		return Target{}, err
	}
	return t, nil
}

// normalize is Normalize returning the concrete error type, so that callers
// on the hot path compare against nil without an interface conversion.
func normalize(u *url.URL) (Target, *BlockedError) {
	if u == nil {
		return Target{}, &BlockedError{Rule: RuleURL, Reason: "the request has no URL"}
	}
	rawHost := u.Host
	if u.Opaque != "" {
		return Target{}, &BlockedError{Host: rawHost, Rule: RuleURL,
			Reason: "the URL is opaque (scheme:text); write it as scheme://host/path"}
	}
	if u.User != nil {
		return Target{}, &BlockedError{Host: rawHost, Rule: RuleUserinfo,
			Reason: "credentials in the URL (user:password@host) are not allowed; send them in a header set by the manifest's auth section"}
	}
	scheme, err := checkScheme(u.Scheme)
	if err != nil {
		err.Host = rawHost
		return Target{}, err
	}
	hostText, bracketed, portText, err := splitHostPort(u.Host)
	if err != nil {
		err.Host = rawHost
		return Target{}, err
	}
	host, addr, err := normalizeHost(hostText, bracketed)
	if err != nil {
		err.Host = rawHost
		return Target{}, err
	}
	port, err := parsePort(portText, scheme)
	if err != nil {
		err.Host = host
		return Target{}, err
	}
	if scheme == "http" && !isLoopback(host, addr) {
		return Target{}, &BlockedError{Host: host, Rule: RuleScheme,
			Reason: "plain http is allowed only for loopback hosts (localhost, 127.0.0.0/8, [::1]); use https"}
	}
	if err := checkEscapedPath(u.EscapedPath()); err != nil {
		err.Host = host
		return Target{}, err
	}
	path := u.Path
	if path == "" {
		path = "/"
	}
	return Target{Scheme: scheme, Host: host, Port: port, Path: path, addr: addr}, nil
}

// checkScheme lower-cases a scheme and accepts https and http.
func checkScheme(s string) (string, *BlockedError) {
	switch {
	case strings.EqualFold(s, "https"):
		return "https", nil
	case strings.EqualFold(s, "http"):
		return "http", nil
	case s == "":
		return "", &BlockedError{Rule: RuleScheme, Reason: "the URL has no scheme; write it as https://host/path"}
	}
	return "", &BlockedError{Rule: RuleScheme, Reason: fmt.Sprintf("scheme %q is not allowed; use https", s)}
}

// isLoopback reports whether a normalised host may be reached over plain
// http: the name localhost or a loopback address.
func isLoopback(host string, addr netip.Addr) bool {
	if addr.IsValid() {
		return addr.IsLoopback()
	}
	return host == "localhost"
}

// defaultPort returns the port a scheme implies.
func defaultPort(scheme string) int {
	if scheme == "http" {
		return 80
	}
	return 443
}

// splitHostPort splits an authority without userinfo into its host and
// port text. A bracketed host is returned without its brackets.
func splitHostPort(hp string) (host string, bracketed bool, port string, err *BlockedError) {
	if strings.HasPrefix(hp, "[") {
		end := strings.IndexByte(hp, ']')
		if end < 0 {
			return "", false, "", &BlockedError{Rule: RuleHost, Reason: "the IPv6 address has no closing ]"}
		}
		host, rest := hp[1:end], hp[end+1:]
		if rest == "" {
			return host, true, "", nil
		}
		if rest[0] != ':' {
			return "", false, "", &BlockedError{Rule: RuleHost,
				Reason: "unexpected text after the IPv6 address; write [address]:port"}
		}
		return host, true, rest[1:], nil
	}
	if i := strings.LastIndexByte(hp, ':'); i >= 0 {
		host, port = hp[:i], hp[i+1:]
	} else {
		host = hp
	}
	if strings.IndexByte(host, ':') >= 0 {
		return "", false, "", &BlockedError{Rule: RuleHost,
			Reason: "an IPv6 address must be written in brackets, like [2001:db8::1]"}
	}
	return host, false, port, nil
}

// idnaProfile converts internationalised host names exactly as net/http
// does before it dials (idna.Lookup: UTS #46 mapping, STD3 rules, bidi and
// joiner checks), so the host checked is the host dialled.
var idnaProfile = idna.Lookup

// maxHostLen is the longest DNS name in its text form without the root dot.
const maxHostLen = 253

// normalizeHost returns the canonical form of a host (lower-case ASCII, one
// trailing dot removed, A-labels) and its address when it is an IP literal.
func normalizeHost(h string, bracketed bool) (string, netip.Addr, *BlockedError) {
	if h == "" {
		return "", netip.Addr{}, &BlockedError{Rule: RuleHost, Reason: "the URL has no host"}
	}
	if bracketed {
		if strings.IndexByte(h, '%') >= 0 {
			return "", netip.Addr{}, &BlockedError{Rule: RuleHost,
				Reason: "IPv6 zone identifiers (%zone) are not allowed; write the address without the zone"}
		}
		a, err := netip.ParseAddr(h)
		if err != nil || !a.Is6() {
			return "", netip.Addr{}, &BlockedError{Rule: RuleHost,
				Reason: "the text in brackets is not an IPv6 address; write [2001:db8::1] or a plain IPv4 address"}
		}
		a = a.Unmap()
		return a.String(), a, nil
	}
	if strings.IndexByte(h, '%') >= 0 {
		return "", netip.Addr{}, &BlockedError{Rule: RuleHost,
			Reason: "percent-encoding is not allowed in a host; write the host name as plain text"}
	}
	name, ascii, upper := h, true, false
	for i := 0; i < len(h); i++ {
		c := h[i]
		if c >= 0x80 {
			ascii = false
			break
		}
		if 'A' <= c && c <= 'Z' {
			upper = true
		}
	}
	switch {
	case !ascii:
		a, err := idnaProfile.ToASCII(h)
		if err != nil {
			return "", netip.Addr{}, &BlockedError{Rule: RuleHost,
				Reason: fmt.Sprintf("the host is not a valid internationalised domain name (%v); write its A-label (xn--...) form", err)}
		}
		if numericLastLabel(strings.TrimSuffix(a, ".")) {
			return "", netip.Addr{}, &BlockedError{Rule: RuleHost,
				Reason: "a host in non-ASCII characters must not spell an IP address; write the address in ASCII digits"}
		}
		name = a
	case upper:
		name = strings.ToLower(h)
	}
	trimmed := strings.TrimSuffix(name, ".")
	if err := checkLabels(trimmed); err != nil {
		return "", netip.Addr{}, err
	}
	if !numericLastLabel(trimmed) {
		return trimmed, netip.Addr{}, nil
	}
	a, err := netip.ParseAddr(name)
	if err != nil || !a.Is4() {
		return "", netip.Addr{}, &BlockedError{Rule: RuleHost,
			Reason: "the host looks numeric but is not a canonical IPv4 address; write IPv4 addresses as four decimal numbers without leading zeros or a trailing dot, like 127.0.0.1"}
	}
	return name, a, nil
}

// checkLabels checks a lower-case ASCII host without its trailing dot: at
// most 253 characters, labels of 1 to 63 letters, digits, '-' or '_'.
func checkLabels(h string) *BlockedError {
	if len(h) > maxHostLen {
		return &BlockedError{Rule: RuleHost, Reason: "the host is longer than 253 characters"}
	}
	start := 0
	for i := 0; i <= len(h); i++ {
		if i < len(h) && h[i] != '.' {
			c := h[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return &BlockedError{Rule: RuleHost,
					Reason: fmt.Sprintf("invalid character %q in the host; a host name has letters, digits, '-', '_' and '.' only", c)}
			}
			continue
		}
		switch n := i - start; {
		case n == 0:
			return &BlockedError{Rule: RuleHost,
				Reason: "the host has an empty label (a leading dot, two dots in a row or more than one trailing dot)"}
		case n > 63:
			return &BlockedError{Rule: RuleHost, Reason: "a label of the host is longer than 63 characters"}
		}
		start = i + 1
	}
	return nil
}

// numericLastLabel reports whether a resolver would read the host as an IPv4
// address in some spelling (WHATWG URL "ends in a number"): its last label is
// decimal digits or 0x followed by hex digits.
func numericLastLabel(h string) bool {
	last := h[strings.LastIndexByte(h, '.')+1:]
	if last == "" {
		return false
	}
	digits := last
	isHex := len(last) >= 2 && last[0] == '0' && (last[1] == 'x' || last[1] == 'X')
	if isHex {
		digits = last[2:]
	}
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		if '0' <= c && c <= '9' || isHex && ('a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			continue
		}
		return false
	}
	return true
}

// parsePort parses a port in decimal (leading zeros allowed, as the dialer
// reads them); the empty text means the scheme's default port.
func parsePort(s, scheme string) (int, *BlockedError) {
	if s == "" {
		return defaultPort(scheme), nil
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, &BlockedError{Rule: RulePort, Reason: "the port is not a decimal number"}
		}
		n = n*10 + int(c-'0')
		if n > 65535 {
			return 0, &BlockedError{Rule: RulePort, Reason: "the port is larger than 65535"}
		}
	}
	if n == 0 {
		return 0, &BlockedError{Rule: RulePort, Reason: "port 0 is not allowed"}
	}
	return n, nil
}

// checkEscapedPath checks a path as it goes on the wire (percent-encoded):
// it must start with '/' and may not contain what servers and proxies
// decode or normalise differently: dot-segments (also percent-encoded and
// with ;parameters), backslashes, encoded '/' or '\', encoded control
// characters and double-encoded '.', '/' or '\'.
func checkEscapedPath(p string) *BlockedError {
	if p == "" {
		return nil
	}
	if p[0] != '/' {
		return &BlockedError{Rule: RulePath, Reason: "the path must start with /"}
	}
	start := 1
	for i := 1; i <= len(p); i++ {
		if i < len(p) && p[i] != '/' {
			continue
		}
		if err := checkSegment(p[start:i]); err != nil {
			return err
		}
		start = i + 1
	}
	return nil
}

// checkSegment checks one percent-encoded path segment.
func checkSegment(seg string) *BlockedError {
	core := seg
	if i := strings.IndexByte(seg, ';'); i >= 0 {
		core = seg[:i]
	}
	if isDotSegment(core) {
		return &BlockedError{Rule: RulePath,
			Reason: "dot-segments (. and .., also as %2e) are not allowed in the path; write the path without them"}
	}
	for i := 0; i < len(seg); i++ {
		switch seg[i] {
		case '\\':
			return &BlockedError{Rule: RulePath, Reason: "backslashes are not allowed in the path; use /"}
		case '%':
			b, ok := unhex2(seg, i+1)
			if !ok {
				return &BlockedError{Rule: RulePath, Reason: "the path has an invalid percent-escape; write % as %25"}
			}
			switch {
			case b == '/':
				return &BlockedError{Rule: RulePath,
					Reason: "an encoded slash (%2F) is not allowed in the path; servers disagree on what it means"}
			case b == '\\':
				return &BlockedError{Rule: RulePath,
					Reason: "an encoded backslash (%5C) is not allowed in the path; servers disagree on what it means"}
			case b < 0x20 || b == 0x7f:
				return &BlockedError{Rule: RulePath, Reason: "an encoded control character is not allowed in the path"}
			case b == '%':
				if d, ok := unhex2(seg, i+3); ok && (d == '.' || d == '/' || d == '\\') {
					return &BlockedError{Rule: RulePath,
						Reason: "double percent-encoding of '.', '/' or '\\' (like %252e) is not allowed in the path"}
				}
			}
			i += 2
		}
	}
	return nil
}

// isDotSegment reports whether a segment decodes to "." or "..".
func isDotSegment(s string) bool {
	dots := 0
	for i := 0; i < len(s); {
		switch {
		case s[i] == '.':
			i++
		case strings.HasPrefix(s[i:], "%2e") || strings.HasPrefix(s[i:], "%2E"):
			i += 3
		default:
			return false
		}
		dots++
	}
	return dots == 1 || dots == 2
}

// unhex2 decodes the two hex digits at s[i:i+2].
func unhex2(s string, i int) (byte, bool) {
	if i+2 > len(s) {
		return 0, false
	}
	hi, ok1 := unhex(s[i])
	lo, ok2 := unhex(s[i+1])
	return hi<<4 | lo, ok1 && ok2
}

// unhex decodes one hex digit.
func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
