// Package whitelist is the security boundary of the connkit runtime: every
// request a connection sends must match an entry of its manifest's
// whitelist. The validator uses it for static coverage checks (Parse,
// Covers, MatchPattern), the runtime for enforcement (Policy).
//
// An entry is scheme://host[:port]/path-prefix. The scheme is https; http
// is allowed only for loopback hosts (localhost, 127.0.0.0/8, [::1]). The
// host may start with "*." to match every subdomain of a domain, at any
// depth, never the domain itself nor a public suffix; IP literals are
// allowed. There is no userinfo, query, fragment or any other wildcard. The
// path prefix matches on segment boundaries: "/v2" matches "/v2" and
// "/v2/x", never "/v2x".
//
// A request URL is normalised before it is matched (see Normalize): the
// host is lower-cased, one trailing dot removed and internationalised
// names converted to A-labels exactly as net/http dials them; numeric
// hosts must be canonical dotted-decimal IPv4 or bracketed IPv6 (IPv4-mapped
// addresses unmapped, zones refused); ports are compared as numbers with
// the scheme's default filled in; the path is matched decoded and refused
// when it has dot-segments, encoded slashes or backslashes, backslashes or
// encoded control characters, rather than cleaned.
//
// Policy enforces a List at three points: Check (or the RoundTripper
// wrapper) before a request is sent, CheckRedirect at every redirect hop,
// and DialContext when connecting, where it resolves the host itself,
// refuses loopback, private, link-local, metadata and other special
// addresses unless the operator allows private networks or an entry names
// the address literally, and dials the checked address. A refused request
// never opens a connection and fails with a *BlockedError, for which
// errors.Is(err, ErrBlocked) holds.
package whitelist
