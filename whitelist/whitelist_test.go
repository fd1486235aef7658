package whitelist_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"

	"github.com/connkit/connkit/whitelist"
	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/idna"
)

// The whitelist every table case runs against.
const (
	eAPI     = "https://api.acme.example/v2"
	eWild    = "https://*.acme.example/v2/"
	eLogin   = "https://login.acme.example/oauth/"
	eUploads = "https://uploads.acme.example:8443/files"
	eLoop    = "http://127.0.0.1:8080/"
	eV6      = "https://[2001:db8::10]/api"
	eIDN     = "https://bücher.example/"
	eTen     = "https://10.1.2.3/internal"
	eLocal   = "http://localhost:9000/"
	eZen     = "https://*.zendesk.com/api/v2"
	eDyn     = "https://*.dyn.example/"
)

var testEntries = []string{eAPI, eWild, eLogin, eUploads, eLoop, eV6, eIDN, eTen, eLocal, eZen, eDyn}

func testList(tb testing.TB) *whitelist.List {
	tb.Helper()
	l, err := whitelist.Parse(testEntries)
	if err != nil {
		tb.Fatalf("Parse: %v", err)
	}
	return l
}

// fakeResolver maps host names to addresses; other names do not exist.
type fakeResolver map[string][]string

func (r fakeResolver) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	addrs, ok := r[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	out := make([]net.IPAddr, len(addrs))
	for i, a := range addrs {
		out[i] = net.IPAddr{IP: net.ParseIP(a)}
	}
	return out, nil
}

var testResolver = fakeResolver{
	"loop.dyn.example":     {"127.0.0.1"},
	"meta.dyn.example":     {"169.254.169.254"},
	"meta6.dyn.example":    {"fd00:ec2::254"},
	"ali.dyn.example":      {"100.100.100.200"},
	"mapped.dyn.example":   {"::ffff:127.0.0.1"},
	"nat64.dyn.example":    {"64:ff9b::7f00:1"},
	"nat64pub.dyn.example": {"64:ff9b::808:808"},
	"mixed.dyn.example":    {"8.8.8.8", "10.0.0.1"},
	"pub.dyn.example":      {"8.8.8.8", "2001:4860:4860::8888"},
	"cgnat.dyn.example":    {"100.64.0.1"},
	"ll.dyn.example":       {"169.254.1.1"},
	"ll6.dyn.example":      {"fe80::1"},
	"ula.dyn.example":      {"fd12::1"},
	"unspec.dyn.example":   {"0.0.0.0"},
	"mcast.dyn.example":    {"224.0.0.1"},
	"bcast.dyn.example":    {"255.255.255.255"},
	"sixto4.dyn.example":   {"2002:7f00:1::"},
	"private.dyn.example":  {"192.168.1.1"},
	"lit.dyn.example":      {"10.1.2.3"},
	"empty.dyn.example":    {},
	"localhost":            {"127.0.0.1", "::1"},
}

// errDialStopped aborts a dial after the socket is made and before it
// connects, so tests see what would be dialled without any network.
var errDialStopped = errors.New("test dialer: stopped before connecting")

func recordingDialer(dialed *[]string) *net.Dialer {
	return &net.Dialer{ControlContext: func(_ context.Context, _, address string, _ syscall.RawConn) error {
		*dialed = append(*dialed, address)
		return errDialStopped
	}}
}

// transportAddr is the address net/http passes to DialContext for u.
func transportAddr(u *url.URL) string {
	host := u.Hostname()
	if !isASCII(host) {
		if a, err := idna.Lookup.ToASCII(host); err == nil {
			host = a
		}
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[strings.ToLower(u.Scheme)]
	}
	return net.JoinHostPort(host, port)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// Pseudo-rules of the table for refusals that are not a *BlockedError.
const (
	ruleParse   = "url.Parse"
	ruleResolve = "resolve"
)

type tableCase struct {
	name   string
	url    string
	via    string // when set, url is a redirect target from via
	dial   bool   // also dial through Policy.DialContext
	allowP bool   // Policy.AllowPrivate
	rule   string // "" when allowed
	reason string // substring of the error when refused
	entry  string // the matched entry when allowed (Match cases)
	dialed []string
}

// result is what a table case observes.
type result struct {
	Rule   string
	Entry  string
	Dialed []string
}

func runCase(t *testing.T, l *whitelist.List, c tableCase) (result, error) {
	t.Helper()
	p := &whitelist.Policy{List: l, AllowPrivate: c.allowP, Resolver: testResolver}
	var res result
	u, err := url.Parse(c.url)
	if err != nil {
		res.Rule = ruleParse
		return res, err
	}
	if c.via != "" {
		via, verr := url.Parse(c.via)
		if verr != nil {
			t.Fatalf("via: %v", verr)
		}
		req := &http.Request{URL: u, Header: http.Header{}}
		err = p.CheckRedirect(5, true)(req, []*http.Request{{URL: via, Header: http.Header{}}})
	} else {
		var e whitelist.Entry
		e, err = l.Match(u)
		res.Entry = e.Raw
	}
	if err == nil && c.dial {
		_, err = p.DialContext(recordingDialer(&res.Dialed))(context.Background(), "tcp", transportAddr(u))
		if errors.Is(err, errDialStopped) {
			err = nil
		}
	}
	var be *whitelist.BlockedError
	if err != nil {
		res.Entry = ""
	}
	switch {
	case errors.As(err, &be):
		res.Rule = be.Rule
	case err != nil:
		res.Rule = ruleResolve
	}
	return res, err
}

var tableCases = []tableCase{
	// Plain matches.
	{name: "exact prefix", url: "https://api.acme.example/v2", entry: eAPI},
	{name: "below prefix with query", url: "https://api.acme.example/v2/contacts?limit=5&token=s3cr3t", entry: eAPI},
	{name: "prefix with trailing slash", url: "https://api.acme.example/v2/", entry: eAPI},
	{name: "root outside prefix", url: "https://api.acme.example", rule: "path", reason: "not under a whitelisted prefix"},
	{name: "wildcard subdomain", url: "https://eu.acme.example/v2/x", entry: eWild},
	{name: "wildcard deep subdomain", url: "https://a.b.acme.example/v2", entry: eWild},
	{name: "login entry", url: "https://login.acme.example/oauth/token", entry: eLogin},
	{name: "login host under wildcard", url: "https://login.acme.example/v2/x", entry: eWild},
	{name: "wildcard host wrong path", url: "https://x.acme.example/oauth/token", rule: "path", reason: "https://*.acme.example/v2/"},
	{name: "underscore label", url: "https://api_x.acme.example/v2", entry: eWild},

	// Userinfo.
	{name: "user and password", url: "https://alice:hunter2@api.acme.example/v2", rule: "userinfo", reason: "credentials in the URL"},
	{name: "user only", url: "https://alice@api.acme.example/v2", rule: "userinfo"},
	{name: "whitelisted host as user", url: "https://api.acme.example@evil.example/v2", rule: "userinfo"},
	{name: "empty userinfo", url: "https://:@api.acme.example/v2", rule: "userinfo"},
	{name: "fragment hides at-sign", url: "https://evil.example#@api.acme.example/v2", rule: "not-whitelisted", reason: "not in the whitelist"},
	{name: "backslash before at-sign", url: `https://evil.example\@api.acme.example/`, rule: ruleParse},
	{name: "encoded at-sign in host", url: "https://api.acme.example%40evil.example/v2", rule: ruleParse},

	// Case.
	{name: "upper-case scheme and host", url: "HTTPS://API.ACME.EXAMPLE/v2", entry: eAPI},
	{name: "mixed-case host", url: "https://Api.Acme.Example/v2/x", entry: eAPI},
	{name: "path is case-sensitive", url: "https://api.acme.example/V2", rule: "path"},

	// Trailing dots and empty labels.
	{name: "one trailing dot", url: "https://api.acme.example./v2", entry: eAPI},
	{name: "trailing dot and port", url: "https://api.acme.example.:443/v2", entry: eAPI},
	{name: "two trailing dots", url: "https://api.acme.example../v2", rule: "host", reason: "empty label"},
	{name: "double dot inside", url: "https://api..acme.example/v2", rule: "host", reason: "empty label"},
	{name: "leading dot", url: "https://.api.acme.example/v2", rule: "host", reason: "empty label"},

	// Percent-encoding in the path.
	{name: "encoded utf-8", url: "https://api.acme.example/v2/caf%C3%A9", entry: eAPI},
	{name: "encoded unreserved letters", url: "https://api.acme.example/%76%32/x", entry: eAPI},
	{name: "encoded space", url: "https://api.acme.example/v2/a%20b", entry: eAPI},
	{name: "three dots is a name", url: "https://api.acme.example/v2/%2e%2e%2e", entry: eAPI},
	{name: "dot-dot", url: "https://api.acme.example/v2/../admin", rule: "path", reason: "dot-segments"},
	{name: "dot", url: "https://api.acme.example/v2/./x", rule: "path", reason: "dot-segments"},
	{name: "encoded dot-dot", url: "https://api.acme.example/v2/%2e%2e/admin", rule: "path", reason: "dot-segments"},
	{name: "upper encoded dot-dot", url: "https://api.acme.example/v2/%2E%2E/admin", rule: "path", reason: "dot-segments"},
	{name: "half encoded dot-dot", url: "https://api.acme.example/v2/.%2e/admin", rule: "path", reason: "dot-segments"},
	{name: "dot-dot with parameter", url: "https://api.acme.example/v2/..;/admin", rule: "path", reason: "dot-segments"},
	{name: "trailing dot-dot", url: "https://api.acme.example/v2/..", rule: "path", reason: "dot-segments"},
	{name: "encoded slash traversal", url: "https://api.acme.example/v2%2F..%2Fadmin", rule: "path", reason: "encoded slash"},
	{name: "lower encoded slash", url: "https://api.acme.example/v2%2fx", rule: "path", reason: "encoded slash"},
	{name: "encoded backslash", url: "https://api.acme.example/v2/a%5Cb", rule: "path", reason: "backslash"},
	{name: "backslash", url: `https://api.acme.example/v2/a\b`, rule: "path", reason: "backslash"},
	{name: "backslash traversal", url: `https://api.acme.example/v2\..\admin`, rule: "path", reason: "backslash"},
	{name: "double-encoded dot-dot", url: "https://api.acme.example/v2/%252e%252e/admin", rule: "path", reason: "double percent-encoding"},
	{name: "double-encoded slash", url: "https://api.acme.example/v2%252fx", rule: "path", reason: "double percent-encoding"},
	{name: "encoded NUL", url: "https://api.acme.example/v2/%00", rule: "path", reason: "control character"},
	{name: "encoded CRLF", url: "https://api.acme.example/v2/%0d%0aX", rule: "path", reason: "control character"},
	{name: "invalid escape", url: "https://api.acme.example/v2/%zz", rule: ruleParse},

	// Homoglyphs and Unicode dots.
	{name: "fullwidth letters", url: "https://ａｐｉ.acme.example/v2", entry: eAPI},
	{name: "ideographic full stop", url: "https://api。acme。example/v2", entry: eAPI},
	{name: "fullwidth full stop", url: "https://api．acme．example/v2", entry: eAPI},
	{name: "halfwidth ideographic full stop", url: "https://api｡acme｡example/v2", entry: eAPI},
	{name: "soft hyphen is ignored", url: "https://api.ac\u00adme.example/v2", entry: eAPI},
	{name: "cyrillic a in domain", url: "https://api.\u0430cme.example/v2", rule: "not-whitelisted"},
	{name: "cyrillic a in tld", url: "https://api.acme.ex\u0430mple/v2", rule: "not-whitelisted"},
	{name: "cyrillic a in subdomain is a subdomain", url: "https://\u0430pi.acme.example/v2", entry: eWild},
	{name: "zero width joiner", url: "https://a\u200d.acme.example/v2", rule: "host", reason: "internationalised"},
	{name: "one dot leader", url: "https://api.acme.example\u2024/v2", rule: "host", reason: "internationalised"},
	{name: "unicode trailing dots", url: "https://api.acme.example\u3002\u3002/v2", rule: "host", reason: "empty label"},
	{name: "fullwidth digits spell an address", url: "http://１２７.0.0.1:8080/", rule: "host", reason: "must not spell an IP address"},
	{name: "idn entry", url: "https://bücher.example/", entry: eIDN},
	{name: "idn entry as a-label", url: "https://xn--bcher-kva.example/x", entry: eIDN},
	{name: "idn entry upper-case", url: "https://BÜCHER.example/", entry: eIDN},

	// IPv4 spellings.
	{name: "dotted decimal", url: "http://127.0.0.1:8080/", entry: eLoop},
	{name: "decimal integer", url: "http://2130706433:8080/", rule: "host", reason: "not a canonical IPv4 address"},
	{name: "octal", url: "http://0177.0.0.1:8080/", rule: "host", reason: "not a canonical IPv4 address"},
	{name: "hex short", url: "http://0x7f.1:8080/", rule: "host", reason: "not a canonical IPv4 address"},
	{name: "hex integer", url: "http://0x7f000001:8080/", rule: "host", reason: "not a canonical IPv4 address"},
	{name: "short form", url: "http://127.1:8080/", rule: "host", reason: "not a canonical IPv4 address"},
	{name: "leading zero octet", url: "http://127.0.0.01:8080/", rule: "host", reason: "not a canonical IPv4 address"},
	{name: "padded octets", url: "http://127.000.000.001:8080/", rule: "host"},
	{name: "private literal", url: "https://10.1.2.3/internal/x", entry: eTen},
	{name: "octal private", url: "https://012.1.2.3/internal", rule: "host"},
	{name: "five parts", url: "https://10.1.2.3.4/internal", rule: "host"},
	{name: "address with trailing dot", url: "https://10.1.2.3./internal", rule: "host", reason: "trailing dot"},
	{name: "numeric last label", url: "https://acme.example.123/v2", rule: "host"},

	// IPv6 and IPv4-mapped literals.
	{name: "mapped loopback", url: "http://[::ffff:127.0.0.1]:8080/", entry: eLoop},
	{name: "mapped loopback in hex", url: "http://[::ffff:7f00:1]:8080/", entry: eLoop},
	{name: "mapped private", url: "https://[::ffff:10.1.2.3]/internal", entry: eTen},
	{name: "ipv4-compatible is not loopback", url: "http://[::127.0.0.1]:8080/", rule: "scheme", reason: "loopback"},
	{name: "ipv6 entry", url: "https://[2001:db8::10]/api", entry: eV6},
	{name: "ipv6 long form", url: "https://[2001:DB8:0:0:0:0:0:10]/api/x", entry: eV6},
	{name: "ipv6 zone", url: "https://[2001:db8::10%25eth0]/api", rule: "host", reason: "zone"},
	{name: "link-local zone", url: "https://[fe80::1%25en0]/", rule: "host", reason: "zone"},
	{name: "ipv4 in brackets", url: "https://[127.0.0.1]/", rule: ruleParse},
	{name: "ipv6 loopback is another address", url: "http://[::1]:8080/", rule: "not-whitelisted"},

	// Ports.
	{name: "explicit default port", url: "https://api.acme.example:443/v2", entry: eAPI},
	{name: "default port with leading zero", url: "https://api.acme.example:0443/v2", entry: eAPI},
	{name: "empty port", url: "https://api.acme.example:/v2", entry: eAPI},
	{name: "other port", url: "https://api.acme.example:8443/v2", rule: "port", reason: "port 8443"},
	{name: "entry port", url: "https://uploads.acme.example:8443/files/a", entry: eUploads},
	{name: "entry port with leading zero", url: "https://uploads.acme.example:08443/files", entry: eUploads},
	{name: "entry port missing", url: "https://uploads.acme.example/files/a", rule: "path", reason: "https://uploads.acme.example:8443/files/"},
	{name: "port zero", url: "https://api.acme.example:0/v2", rule: "port", reason: "port 0"},
	{name: "port too large", url: "https://api.acme.example:65536/v2", rule: "port", reason: "65535"},
	{name: "http default port", url: "http://127.0.0.1/", rule: "port", reason: "port 80"},
	{name: "http port with leading zero", url: "http://127.0.0.1:08080/", entry: eLoop},

	// Schemes.
	{name: "http downgrade", url: "http://api.acme.example/v2", rule: "scheme", reason: "use https"},
	{name: "http on port 443", url: "http://api.acme.example:443/v2", rule: "scheme"},
	{name: "ftp", url: "ftp://api.acme.example/v2", rule: "scheme", reason: `"ftp"`},
	{name: "websocket", url: "ws://api.acme.example/v2", rule: "scheme"},
	{name: "https to http-only entry", url: "https://127.0.0.1:8080/", rule: "scheme", reason: "http://127.0.0.1:8080/"},
	{name: "http localhost", url: "http://localhost:9000/x", entry: eLocal},
	{name: "http localhost upper-case with dot", url: "http://LOCALHOST.:9000/x", entry: eLocal},
	{name: "mixed-case http", url: "HtTp://127.0.0.1:8080/", entry: eLoop},
	{name: "no scheme", url: "//api.acme.example/v2", rule: "scheme"},
	{name: "opaque", url: "https:api.acme.example/v2", rule: "url", reason: "opaque"},
	{name: "no host", url: "https:///v2", rule: "host", reason: "no host"},

	// Path-prefix confusion.
	{name: "longer segment", url: "https://api.acme.example/v2x", rule: "path"},
	{name: "longer version", url: "https://api.acme.example/v22/x", rule: "path"},
	{name: "prefix without slash", url: "https://login.acme.example/oauth", entry: eLogin},
	{name: "longer oauth segment", url: "https://login.acme.example/oauthx", rule: "path"},
	{name: "double slash", url: "https://api.acme.example//v2", rule: "path"},
	{name: "parameter glued to segment", url: "https://api.acme.example/v2;x/admin", rule: "path"},
	{name: "longer internal segment", url: "https://10.1.2.3/internals", rule: "path"},

	// Suffix confusion and wildcard apex.
	{name: "whitelisted host as subdomain", url: "https://api.acme.example.evil.com/v2", rule: "not-whitelisted"},
	{name: "domain glued to prefix", url: "https://evilacme.example/v2", rule: "not-whitelisted"},
	{name: "apex as subdomain", url: "https://acme.example.evil.com/v2", rule: "not-whitelisted"},
	{name: "hyphen suffix", url: "https://api.acme.example-evil.com/v2", rule: "not-whitelisted"},
	{name: "letter glued to domain", url: "https://xacme.example/v2", rule: "not-whitelisted"},
	{name: "longer tld", url: "https://api.acme.examplex/v2", rule: "not-whitelisted"},
	{name: "wildcard apex", url: "https://acme.example/v2", rule: "not-whitelisted", reason: "add an entry such as https://acme.example/"},
	{name: "zendesk subdomain", url: "https://sub.evil.zendesk.com/api/v2/x", entry: eZen},
	{name: "zendesk apex", url: "https://zendesk.com/api/v2", rule: "not-whitelisted"},
	{name: "zendesk as subdomain", url: "https://zendesk.com.evil.example/api/v2", rule: "not-whitelisted"},
	{name: "zendesk glued", url: "https://evilzendesk.com/api/v2", rule: "not-whitelisted"},
	{name: "star in host", url: "https://api*.acme.example/v2", rule: "host", reason: "invalid character"},
	{name: "dollar in host", url: "https://a$b.acme.example/v2", rule: "host", reason: "invalid character"},

	// Names resolving to special addresses (dial-time guard).
	{name: "name to loopback", url: "https://loop.dyn.example/", dial: true, rule: "address", reason: "resolves to 127.0.0.1, a loopback address"},
	{name: "name to loopback allowed", url: "https://loop.dyn.example/", dial: true, allowP: true, entry: eDyn, dialed: []string{"127.0.0.1:443"}},
	{name: "name to metadata", url: "https://meta.dyn.example/latest/meta-data", dial: true, rule: "address", reason: "metadata"},
	{name: "name to metadata with private allowed", url: "https://meta.dyn.example/", dial: true, allowP: true, rule: "address", reason: "metadata"},
	{name: "name to ipv6 metadata", url: "https://meta6.dyn.example/", dial: true, rule: "address", reason: "metadata"},
	{name: "name to alibaba metadata", url: "https://ali.dyn.example/", dial: true, allowP: true, rule: "address", reason: "metadata"},
	{name: "name to mapped loopback", url: "https://mapped.dyn.example/", dial: true, rule: "address", reason: "127.0.0.1, a loopback"},
	{name: "name to nat64 loopback", url: "https://nat64.dyn.example/", dial: true, rule: "address", reason: "NAT64 address embedding 127.0.0.1"},
	{name: "name to nat64 public", url: "https://nat64pub.dyn.example/", dial: true, entry: eDyn, dialed: []string{"[64:ff9b::808:808]:443"}},
	{name: "name to public and private", url: "https://mixed.dyn.example/", dial: true, rule: "address", reason: "10.0.0.1"},
	{name: "name to public addresses", url: "https://pub.dyn.example/x", dial: true, entry: eDyn,
		dialed: []string{"8.8.8.8:443", "[2001:4860:4860::8888]:443"}},
	{name: "name to cgnat", url: "https://cgnat.dyn.example/", dial: true, rule: "address", reason: "carrier-grade NAT"},
	{name: "name to link-local", url: "https://ll.dyn.example/", dial: true, rule: "address", reason: "link-local"},
	{name: "name to ipv6 link-local", url: "https://ll6.dyn.example/", dial: true, rule: "address", reason: "link-local"},
	{name: "name to unique local", url: "https://ula.dyn.example/", dial: true, rule: "address", reason: "unique local"},
	{name: "name to unspecified", url: "https://unspec.dyn.example/", dial: true, allowP: true, rule: "address", reason: "never reachable"},
	{name: "name to multicast", url: "https://mcast.dyn.example/", dial: true, allowP: true, rule: "address", reason: "multicast"},
	{name: "name to broadcast", url: "https://bcast.dyn.example/", dial: true, allowP: true, rule: "address", reason: "broadcast"},
	{name: "name to 6to4 loopback", url: "https://sixto4.dyn.example/", dial: true, rule: "address", reason: "6to4 address embedding 127.0.0.1"},
	{name: "name to rfc1918", url: "https://private.dyn.example/", dial: true, rule: "address", reason: "RFC 1918"},
	{name: "name to literally whitelisted address", url: "https://lit.dyn.example/", dial: true, entry: eDyn, dialed: []string{"10.1.2.3:443"}},
	{name: "name that does not exist", url: "https://nx.dyn.example/", dial: true, rule: ruleResolve, reason: "no such host"},
	{name: "name without addresses", url: "https://empty.dyn.example/", dial: true, rule: ruleResolve, reason: "no addresses"},
	{name: "localhost needs the operator", url: "http://localhost:9000/", dial: true, rule: "address", reason: "loopback"},
	{name: "localhost with private allowed", url: "http://localhost:9000/", dial: true, allowP: true, entry: eLocal,
		dialed: []string{"127.0.0.1:9000", "[::1]:9000"}},
	{name: "loopback literal", url: "http://127.0.0.1:8080/x", dial: true, entry: eLoop, dialed: []string{"127.0.0.1:8080"}},
	{name: "private literal dialled", url: "https://10.1.2.3/internal", dial: true, entry: eTen, dialed: []string{"10.1.2.3:443"}},
	{name: "documentation literal dialled", url: "https://[2001:db8::10]/api", dial: true, entry: eV6, dialed: []string{"[2001:db8::10]:443"}},
	{name: "mapped literal dials ipv4", url: "http://[::ffff:127.0.0.1]:8080/", dial: true, entry: eLoop, dialed: []string{"127.0.0.1:8080"}},
	{name: "unicode host dials a-label", url: "https://ｌｏｏｐ.dyn.example/", dial: true, allowP: true, entry: eDyn, dialed: []string{"127.0.0.1:443"}},

	// Redirects.
	{name: "redirect to foreign host", via: eAPI + "/start", url: "https://evil.example/", rule: "not-whitelisted"},
	{name: "redirect to loopback over http", via: eAPI + "/start", url: "http://127.0.0.1:8080/", rule: "redirect", reason: "https to http"},
	{name: "redirect to loopback over https", via: eAPI + "/start", url: "https://127.0.0.1:8080/", rule: "scheme"},
	{name: "redirect to metadata", via: eAPI + "/start", url: "http://169.254.169.254/latest/meta-data/", rule: "scheme"},
	{name: "redirect to http downgrade", via: eAPI + "/start", url: "http://api.acme.example/v2", rule: "scheme"},
	{name: "redirect inside whitelist", via: eAPI + "/start", url: "https://eu.acme.example/v2/next"},
	{name: "redirect to token endpoint", via: eAPI + "/start", url: "https://login.acme.example/oauth/token"},
	{name: "redirect with dot-dot", via: eAPI + "/start", url: "https://api.acme.example/v2/../admin", rule: "path"},
	{name: "redirect with userinfo", via: eAPI + "/start", url: "https://u:p@api.acme.example/v2", rule: "userinfo"},
	{name: "redirect to name of loopback", via: eAPI + "/start", url: "https://loop.dyn.example/", dial: true, rule: "address", reason: "loopback"},
	{name: "redirect to name of metadata", via: eAPI + "/start", url: "https://meta.dyn.example/latest/meta-data", dial: true, rule: "address", reason: "metadata"},
	{name: "redirect between loopback paths", via: "http://127.0.0.1:8080/start", url: "http://127.0.0.1:8080/next"},
	{name: "redirect to mapped loopback", via: "http://127.0.0.1:8080/start", url: "http://[::ffff:127.0.0.1]:8080/next", dial: true, dialed: []string{"127.0.0.1:8080"}},
}

func TestTable(t *testing.T) {
	l := testList(t)
	if len(tableCases) < 80 {
		t.Fatalf("the table has %d cases; keep at least 80", len(tableCases))
	}
	for _, c := range tableCases {
		t.Run(c.name, func(t *testing.T) {
			got, err := runCase(t, l, c)
			want := result{Rule: c.rule, Entry: c.entry, Dialed: c.dialed}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: result mismatch (-want +got):\n%s\nerror: %v", c.url, diff, err)
			}
			if c.rule == "" {
				return
			}
			if !strings.Contains(err.Error(), c.reason) {
				t.Errorf("%s: error %q does not contain %q", c.url, err, c.reason)
			}
			if c.rule != ruleParse && c.rule != ruleResolve && !errors.Is(err, whitelist.ErrBlocked) {
				t.Errorf("%s: errors.Is(%v, ErrBlocked) is false", c.url, err)
			}
			for _, secret := range []string{"s3cr3t", "hunter2", "alice"} {
				if strings.Contains(c.url, secret) && strings.Contains(err.Error(), secret) {
					t.Errorf("%s: error %q repeats %q from the URL", c.url, err, secret)
				}
			}
		})
	}
}
