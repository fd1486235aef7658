package interp

import (
	"net/netip"
	"net/url"
	"strings"
)

// urlPos is a position in a URL being written.
type urlPos uint8

const (
	posStart  urlPos = iota // nothing written yet
	posScheme               // the scheme, or the first segment of a relative path
	posColon                // after "scheme:", before "//"
	posHost
	posPort
	posPath
	posQuery
	posFragment
)

// RenderURL renders the template as a URL (or a relative reference that
// starts with "/" or "?"), escaping every inserted value for its position
// or refusing it with a *URLValueError; see the package documentation.
func (t *Template) RenderURL(d Data) (string, error) {
	w := urlWriter{t: t}
	w.b.Grow(t.size)
	for i := range t.parts {
		p := &t.parts[i]
		if p.e == nil {
			if err := w.literal(p.text); err != nil {
				return "", err
			}
			continue
		}
		s, err := t.text(p.e, &d)
		if err != nil {
			return "", err
		}
		if err := w.insert(p.e, s); err != nil {
			return "", err
		}
	}
	if err := w.end(w.b.Len()); err != nil {
		return "", err
	}
	return w.b.String(), nil
}

// urlWriter writes a URL and follows the position of its end.
type urlWriter struct {
	t   *Template
	b   strings.Builder
	pos urlPos
	// slashes counts the "/" after "scheme:".
	slashes int
	// bracket is set inside the "[...]" of an IPv6 host.
	bracket bool
	// hostStart is the offset in b of the current host.
	hostStart int
	// hostExpr is the first expression inserted in the current host, or
	// nil.
	hostExpr *expr
	// authExpr is the first expression inserted in the current host or
	// port, or nil.
	authExpr *expr
	// segStart is the offset in b of the current path segment.
	segStart int
	// segExpr is the first expression inserted in the current path
	// segment, or nil.
	segExpr *expr
}

// literal writes text that is trusted as written.
func (w *urlWriter) literal(s string) error {
	base := w.b.Len()
	w.b.WriteString(s)
	for i := 0; i < len(s); i++ {
		if err := w.step(s[i], base+i); err != nil {
			return err
		}
	}
	return nil
}

// step advances the position over the byte c written at offset off.
func (w *urlWriter) step(c byte, off int) error {
	switch w.pos {
	case posStart, posScheme:
		switch {
		case isLetter(c) || (w.pos == posScheme && (isDigit(c) || c == '+' || c == '-' || c == '.')):
			w.pos = posScheme
		case c == ':' && w.pos == posScheme:
			w.pos, w.slashes = posColon, 0
		case c == '?':
			w.pos = posQuery
		case c == '#':
			w.pos = posFragment
		case c == '/':
			w.pos, w.segStart, w.segExpr = posPath, off+1, nil
		default:
			// A relative path whose first segment started at 0.
			w.pos = posPath
		}
	case posColon:
		switch {
		case c == '/' && w.slashes == 1:
			w.pos, w.hostStart = posHost, off+1
		case c == '/':
			w.slashes++
		default:
			// An opaque or rootless URL: the rest is path.
			w.pos, w.segStart, w.segExpr = posPath, off, nil
		}
	case posHost, posPort:
		switch c {
		case '/', '?', '#':
			if err := w.end(off); err != nil {
				return err
			}
			switch c {
			case '/':
				w.pos, w.segStart, w.segExpr = posPath, off+1, nil
			case '?':
				w.pos = posQuery
			default:
				w.pos = posFragment
			}
		case '@':
			if w.authExpr != nil {
				return w.refuse(w.authExpr, "userinfo", `the template's "@" after this value turns it into user information; send credentials in a header instead`)
			}
			w.pos, w.bracket, w.hostStart = posHost, false, off+1
		case '[':
			w.bracket = w.bracket || w.pos == posHost
		case ']':
			w.bracket = false
		case ':':
			if w.pos == posHost && !w.bracket {
				if err := w.end(off); err != nil {
					return err
				}
				w.pos = posPort
			}
		}
	case posPath:
		switch c {
		case '/':
			if err := w.end(off); err != nil {
				return err
			}
			w.segStart, w.segExpr = off+1, nil
		case '?', '#':
			if err := w.end(off); err != nil {
				return err
			}
			w.pos = posQuery
			if c == '#' {
				w.pos = posFragment
			}
		}
	case posQuery:
		if c == '#' {
			w.pos = posFragment
		}
	}
	return nil
}

// end checks the host or path segment that ends at offset end, when a value
// was inserted in it: the whole host must be a valid host name that does not
// end in a number unless it is an IPv4 address (some resolvers read "127.1"
// or "0x7f.1" as addresses); a path segment must not be empty, "." or "..".
func (w *urlWriter) end(end int) error {
	switch {
	case w.pos == posHost && w.hostExpr != nil:
		if reason := fullHostReason(w.b.String()[w.hostStart:end]); reason != "" {
			return w.refuse(w.hostExpr, "host", "the host it forms is not valid: "+reason)
		}
		return nil
	case w.pos != posPath || w.segExpr == nil:
		return nil
	}
	seg := w.b.String()[w.segStart:end]
	if strings.Contains(seg, "%") {
		if u, err := url.PathUnescape(seg); err == nil {
			seg = u
		}
	}
	switch seg {
	case "":
		return w.refuse(w.segExpr, "path", "the value is empty, which leaves an empty path segment")
	case ".", "..":
		return w.refuse(w.segExpr, "path", `the path segment would be "." or "..", which changes the path`)
	}
	return nil
}

// insert writes the text s of the expression e, escaped or checked for the
// current position.
func (w *urlWriter) insert(e *expr, s string) error {
	switch w.pos {
	case posStart:
		v, reason := baseURL(s)
		if reason != "" {
			return w.refuse(e, "start", reason)
		}
		// The value is checked: follow it like literal text, and its host
		// like an inserted one.
		w.hostExpr, w.authExpr = e, e
		return w.literal(v)
	case posScheme, posColon:
		return w.refuse(e, "scheme", "a value cannot be part of the URL scheme; write the scheme in the template, or make the value a whole base URL at the start of the template")
	case posHost:
		if reason := hostReason(s); reason != "" {
			return w.refuse(e, "host", reason)
		}
		w.b.WriteString(strings.ToLower(s))
		if w.authExpr == nil {
			w.authExpr = e
		}
		if w.hostExpr == nil {
			w.hostExpr = e
		}
	case posPort:
		if reason := portReason(s); reason != "" {
			return w.refuse(e, "port", reason)
		}
		w.b.WriteString(s)
		if w.authExpr == nil {
			w.authExpr = e
		}
	case posPath:
		w.b.WriteString(url.PathEscape(s))
		if w.segExpr == nil {
			w.segExpr = e
		}
	case posQuery:
		if e.kind == exprCall && e.fn == fnEncode {
			w.b.WriteString(s) // already escaped by urlencode
		} else {
			w.b.WriteString(url.QueryEscape(s))
		}
	case posFragment:
		return w.refuse(e, "fragment", "values are not allowed in the fragment, which is never sent to the server")
	}
	return nil
}

func (w *urlWriter) refuse(e *expr, position, reason string) error {
	return &URLValueError{Ref: w.t.refOf(e), Expr: w.t.exprText(e), Position: position, Reason: reason}
}

// baseURL checks a value at the start of a URL and returns it without
// trailing slashes, or the reason it is refused.
func baseURL(s string) (string, string) {
	v := strings.TrimRight(s, "/")
	if v == "" {
		return "", "the value is empty; it must be an absolute http or https URL such as https://api.example.com"
	}
	for i := 0; i < len(v); i++ {
		if !isURLByte(v[i]) {
			return "", "the value holds characters a URL cannot (spaces, quotes, backslashes, non-ASCII or control characters)"
		}
	}
	if strings.ContainsAny(v, "?#") {
		return "", "the value must be a base URL without a query or fragment"
	}
	u, err := url.Parse(v)
	if err != nil {
		return "", "the value is not a valid URL"
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", "the value must be an absolute URL that starts with https:// or http://"
	case u.Opaque != "" || u.Host == "" || strings.HasSuffix(u.Host, ":"):
		return "", "the value must be an absolute URL with a host, such as https://api.example.com"
	case u.User != nil:
		return "", "the value must not hold user information (user@host)"
	}
	if reason := fullHostReason(strings.TrimSuffix(u.Host, ":"+u.Port())); reason != "" {
		return "", "the value's host is not valid: " + reason
	}
	return v, ""
}

// fullHostReason returns why host, as written in a URL (an IPv6 address in
// brackets, a host name with an optional final dot), cannot be a URL's host,
// or "".
func fullHostReason(host string) string {
	if inner, ok := strings.CutPrefix(host, "["); ok {
		a, err := netip.ParseAddr(strings.TrimSuffix(inner, "]"))
		if !strings.HasSuffix(inner, "]") || err != nil || !a.Is6() || a.Zone() != "" {
			return "an address in brackets must be an IPv6 address without a zone"
		}
		return ""
	}
	host = strings.TrimSuffix(host, ".")
	if reason := hostReason(host); reason != "" {
		return reason
	}
	if last := host[strings.LastIndexByte(host, '.')+1:]; isDigit(last[0]) {
		if a, err := netip.ParseAddr(host); err != nil || !a.Is4() {
			return "a host name that ends in a number must be an IPv4 address such as 192.0.2.1"
		}
	}
	return ""
}

// isURLByte reports whether c may appear in a URL as written (RFC 3986
// unreserved and reserved characters and "%").
func isURLByte(c byte) bool {
	if isLetter(c) || isDigit(c) {
		return true
	}
	return strings.IndexByte("-._~:/?#[]@!$&'()*+,;=%", c) >= 0
}

// hostReason returns why s cannot be written in a host, or "".
func hostReason(s string) string {
	if s == "" {
		return "the value is empty; a host name needs at least one character"
	}
	if len(s) > 253 {
		return "the value is longer than a host name may be (253 characters)"
	}
	label := 0 // start of the current label
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != '.' {
			if c := s[i]; !isLetter(c) && !isDigit(c) && c != '-' {
				return "only ASCII letters, digits, hyphens and dots are allowed in a host name"
			}
			continue
		}
		switch l := s[label:i]; {
		case l == "":
			return "a host name label is empty (a leading, trailing or doubled dot)"
		case l[0] == '-' || l[len(l)-1] == '-':
			return "a host name label starts or ends with a hyphen"
		case len(l) > 63:
			return "a host name label is longer than 63 characters"
		}
		label = i + 1
	}
	return ""
}

// portReason returns why s cannot be a port, or "".
func portReason(s string) string {
	if !isAllDigits(s) || len(s) > 5 {
		return "a port is a number from 0 to 65535, digits only"
	}
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	if n > 65535 {
		return "a port is a number from 0 to 65535, digits only"
	}
	return ""
}
