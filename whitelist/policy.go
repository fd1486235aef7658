package whitelist

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DefaultMaxRedirects is the redirect bound CheckRedirect uses when given
// none (the manifest's http.max_redirects default).
const DefaultMaxRedirects = 5

// Resolver looks up the addresses of a host name; *net.Resolver is one.
type Resolver interface {
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
}

// Policy enforces a whitelist on HTTP requests: on the URL before a request
// is sent, at every redirect hop, and at dial time on the resolved
// addresses, so that a refused request never opens a connection.
type Policy struct {
	// List is the whitelist; nil refuses every request.
	List *List
	// AllowPrivate lets connections reach loopback, private, link-local and
	// other non-public addresses (the operator's --allow-private-networks).
	// Cloud metadata addresses stay refused unless an entry names them.
	AllowPrivate bool
	// Resolver resolves host names at dial time; nil means
	// net.DefaultResolver.
	Resolver Resolver
	// SecretHeaders names request headers that carry credentials (for
	// example the API-key header of the manifest's auth.apply); they are
	// dropped, with Authorization, Cookie and Proxy-Authorization, when a
	// redirect leaves the original host.
	SecretHeaders []string
	// ConnectTo is the operator's connect-to map (like curl's
	// --connect-to): for a host and port the whitelist names, it returns
	// the address to dial instead, "ip:port" or "name:port", or ok false to
	// dial the host itself. Only the dialled address changes: the URL, the
	// whitelist match, the TLS server name and the Host header stay the
	// real ones, and the address passes the same address rules (a loopback
	// stand-in needs AllowPrivate or an entry naming it literally). Nil
	// dials every host itself.
	ConnectTo func(host string, port int) (addr string, ok bool)
}

// Check reports whether a request to u may be sent: u must match the
// whitelist (see List.Match). An IP literal matches only an entry that names
// it, so the address rules of the dial-time guard hold for it by
// construction; the guard checks the address again when it dials.
func (p *Policy) Check(u *url.URL) error {
	_, err := p.List.Match(u)
	return err
}

// RoundTripper wraps next (nil means p.Transport()) so that every request,
// redirects included, is checked with Check, and its Host header (when set)
// must name the URL's host, before next sees it.
func (p *Policy) RoundTripper(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = p.Transport()
	}
	return &guard{policy: p, next: next}
}

// guard is the RoundTripper of Policy.RoundTripper.
type guard struct {
	policy *Policy
	next   http.RoundTripper
}

// RoundTrip checks the request and passes it on; a refused request's body
// is closed, as the RoundTripper contract requires.
func (g *guard) RoundTrip(req *http.Request) (*http.Response, error) {
	err := g.policy.Check(req.URL)
	if err == nil && req.Host != "" && req.Host != req.URL.Host {
		err = checkHostHeader(req.Host, req.URL)
	}
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	return g.next.RoundTrip(req)
}

// checkHostHeader refuses a Host header that names another host or port
// than the URL (which already passed Check): it would let a request reach
// another virtual host than the one whitelisted.
func checkHostHeader(hostHeader string, u *url.URL) error {
	target, _ := normalize(u)
	if host, port, ok := parseHostHeader(hostHeader, target.Scheme); ok && host == target.Host && port == target.Port {
		return nil
	}
	return &BlockedError{Host: target.Host, Rule: RuleHostHeader,
		Reason: "the Host header names another host than the URL; remove the Host header or put that host in the URL"}
}

// parseHostHeader normalises the host and port of a Host header.
func parseHostHeader(hp, scheme string) (string, int, bool) {
	h, bracketed, portText, err := splitHostPort(hp)
	if err != nil {
		return "", 0, false
	}
	host, _, err := normalizeHost(h, bracketed)
	if err != nil {
		return "", 0, false
	}
	port, err := parsePort(portText, scheme)
	return host, port, err == nil
}

// Transport returns a new *http.Transport with sane defaults, no proxy (a
// proxy from the environment would bypass the guard) and DialContext set to
// the dial-time guard. The transport keeps the URL's host for TLS (SNI and
// certificate verification) while the guard dials the checked address.
// Alone it checks host, port and addresses; wrap it with RoundTripper to
// check scheme and path too.
func (p *Policy) Transport() *http.Transport {
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           p.DialContext(&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}),
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// DialContext returns a dial function for an http.Transport (base nil means
// a zero net.Dialer). It accepts only TCP to a host and port the whitelist
// names, resolves the host itself, refuses when any resolved address is
// special (loopback, private, link-local, CGNAT, NAT64 or 6to4 embedding
// such an address, unspecified, multicast, broadcast, documentation, cloud
// metadata; IPv4-mapped addresses unmapped first) unless AllowPrivate is set
// or an entry names that address and port literally (metadata addresses
// need the latter), and then dials the checked addresses, never the name
// again, so a second DNS answer cannot redirect the connection. Where
// ConnectTo maps the host and port, the address it gives is resolved and
// checked instead.
func (p *Policy) DialContext(base *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	if base == nil {
		base = &net.Dialer{}
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		addrs, err := p.resolve(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		var errs []error
		for _, a := range addrs {
			c, err := base.DialContext(ctx, network, a.String())
			if err == nil {
				return c, nil
			}
			errs = append(errs, err)
		}
		return nil, fmt.Errorf("whitelist: dial %s: %w", addr, errors.Join(errs...))
	}
}

// resolve checks a dial address and returns the addresses to dial.
func (p *Policy) resolve(ctx context.Context, network, addr string) ([]netip.AddrPort, error) {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return nil, &BlockedError{Host: addr, Rule: RuleURL, Reason: fmt.Sprintf("network %q is not allowed; connections use TCP", network)}
	}
	host, lit, port, err := splitDialAddr("dial", addr)
	if err != nil {
		return nil, err
	}
	if !p.List.hasHostPort(host, port) {
		return nil, &BlockedError{Host: host, Rule: RuleNotListed, Reason: fmt.Sprintf(
			"no whitelist entry names this host with port %d (checked when connecting)", port)}
	}
	to, redirected := "", false
	if p.ConnectTo != nil {
		to, redirected = p.ConnectTo(host, port)
	}
	dialHost, dialPort := host, port
	if redirected {
		if dialHost, lit, dialPort, err = splitDialAddr("connect-to", to); err != nil {
			return nil, fmt.Errorf("whitelist: connect-to for %s: %w", net.JoinHostPort(host, strconv.Itoa(port)), err)
		}
	}
	addrs := []netip.Addr{lit}
	if !lit.IsValid() {
		if addrs, err = p.lookup(ctx, dialHost); err != nil {
			return nil, err
		}
	}
	out, err := p.checkAddrs(network, dialHost, dialPort, addrs)
	var be *BlockedError
	if redirected && errors.As(err, &be) {
		be.Host = host
		be.Reason = fmt.Sprintf("connect-to sends it to %s: %s", to, be.Reason)
	}
	return out, err
}

// splitDialAddr parses a host:port address to dial (what names it in
// errors): the normalised host, its address when it is an IP literal, and
// the port, which must be present.
func splitDialAddr(what, addr string) (string, netip.Addr, int, error) {
	hostText, portText, serr := net.SplitHostPort(addr)
	if serr != nil {
		return "", netip.Addr{}, 0, fmt.Errorf("whitelist: %s address %q: %w", what, addr, serr)
	}
	host, lit, err := normalizeHost(hostText, strings.IndexByte(hostText, ':') >= 0)
	if err != nil {
		err.Host = hostText
		return "", netip.Addr{}, 0, err
	}
	port, err := parsePort(portText, "")
	if err != nil || portText == "" {
		return "", netip.Addr{}, 0, &BlockedError{Host: host, Rule: RulePort, Reason: "the " + what + " address has no valid port"}
	}
	return host, lit, port, nil
}

// lookup resolves a host name with the policy's resolver.
func (p *Policy) lookup(ctx context.Context, host string) ([]netip.Addr, error) {
	r := p.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	ips, err := r.LookupIPAddr(ctx, host)
	if err != nil {
		return nil, fmt.Errorf("whitelist: resolve %s: %w", host, err)
	}
	addrs := make([]netip.Addr, 0, len(ips))
	for _, ip := range ips {
		a, ok := netip.AddrFromSlice(ip.IP)
		if !ok {
			return nil, fmt.Errorf("whitelist: resolve %s: invalid address %v", host, ip.IP)
		}
		addrs = append(addrs, a.Unmap().WithZone(ip.Zone))
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("whitelist: resolve %s: no addresses", host)
	}
	return addrs, nil
}

// checkAddrs refuses the whole dial when any address is refused, and
// returns the addresses of the network's family with the port.
func (p *Policy) checkAddrs(network, host string, port int, addrs []netip.Addr) ([]netip.AddrPort, error) {
	out := make([]netip.AddrPort, 0, len(addrs))
	for _, a := range addrs {
		if err := p.checkAddr(host, a, port); err != nil {
			return nil, err
		}
		if network == "tcp4" && !a.Is4() || network == "tcp6" && !a.Is6() {
			continue
		}
		out = append(out, netip.AddrPortFrom(a, uint16(port)))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("whitelist: %s has no address for network %s", host, network)
	}
	return out, nil
}

// checkAddr applies the address rules to one resolved address.
func (p *Policy) checkAddr(host string, a netip.Addr, port int) *BlockedError {
	bare := a.WithZone("")
	class, what := classify(bare)
	switch {
	case class == classPublic:
		return nil
	case class == classPrivate && p.AllowPrivate, class != classForbidden && p.List.namesAddr(bare, port):
		return nil
	}
	subject := "the host resolves to " + bare.String() + ", "
	if host == bare.String() {
		subject = "the host is "
	}
	hint := fmt.Sprintf("the operator can allow private networks, or the whitelist can name the address %s with port %d literally", bare, port)
	switch class {
	case classMetadata:
		hint = "cloud metadata services are reachable only when the whitelist names the address literally"
	case classForbidden:
		hint = "such addresses are never reachable"
	}
	return &BlockedError{Host: host, Rule: RuleAddress, Reason: subject + what + "; " + hint}
}

// CheckRedirect returns an http.Client CheckRedirect function. Unless
// follow is set, redirects are not followed: the client returns the 3xx
// response itself. Otherwise at most maxRedirects (DefaultMaxRedirects when
// not positive) are followed, each hop must pass Check, https never
// redirects to http, the Referer header is removed, and once the chain has
// left the original host and port, Authorization, Cookie,
// Proxy-Authorization and the SecretHeaders are dropped.
func (p *Policy) CheckRedirect(maxRedirects int, follow bool) func(req *http.Request, via []*http.Request) error {
	if maxRedirects <= 0 {
		maxRedirects = DefaultMaxRedirects
	}
	return func(req *http.Request, via []*http.Request) error {
		if !follow {
			return http.ErrUseLastResponse
		}
		if len(via) >= maxRedirects {
			return fmt.Errorf("whitelist: stopped after %d redirects: %w", len(via), ErrTooManyRedirects)
		}
		t, err := p.checkHop(req.URL, via)
		if err != nil {
			return fmt.Errorf("whitelist: redirect %d: %w", len(via), err)
		}
		req.Header.Del("Referer")
		if leftOrigin(t, via) {
			for _, h := range append([]string{"Authorization", "Cookie", "Cookie2", "Proxy-Authorization"}, p.SecretHeaders...) {
				req.Header.Del(h)
			}
		}
		return nil
	}
}

// checkHop checks one redirect target: the whitelist, and no https to
// http downgrade.
func (p *Policy) checkHop(u *url.URL, via []*http.Request) (Target, error) {
	t, err := normalize(u)
	if err != nil {
		return Target{}, err
	}
	if len(via) > 0 && strings.EqualFold(via[len(via)-1].URL.Scheme, "https") && t.Scheme != "https" {
		return Target{}, &BlockedError{Host: t.Host, Rule: RuleRedirect,
			Reason: "a redirect from https to http is refused: it would send the request unencrypted"}
	}
	if _, err := p.List.matchTarget(t); err != nil {
		return Target{}, err
	}
	return t, nil
}

// leftOrigin reports whether the redirect chain ending in t has visited
// another host or port than its first request.
func leftOrigin(t Target, via []*http.Request) bool {
	if len(via) == 0 {
		return false
	}
	first, err := normalize(via[0].URL)
	if err != nil {
		return true
	}
	if t.Host != first.Host || t.Port != first.Port {
		return true
	}
	for _, r := range via[1:] {
		hop, err := normalize(r.URL)
		if err != nil || hop.Host != first.Host || hop.Port != first.Port {
			return true
		}
	}
	return false
}
