package whitelist

import "net/netip"

// addrClass says who may reach an address.
type addrClass int

const (
	// classPublic addresses are reachable when the whitelist matches.
	classPublic addrClass = iota
	// classPrivate addresses (loopback, private, link-local, ...) need the
	// operator's AllowPrivate or a whitelist entry naming the address.
	classPrivate
	// classMetadata addresses (cloud instance metadata) need an entry
	// naming the address; AllowPrivate is not enough.
	classMetadata
	// classForbidden addresses (unspecified, multicast, broadcast,
	// reserved) are never reachable.
	classForbidden
)

// addrRange is a special-purpose address block.
type addrRange struct {
	prefix netip.Prefix
	class  addrClass
	what   string
}

// specialRanges lists special-purpose blocks, more specific first (the first
// block containing an address classifies it). IPv4-mapped addresses are
// unmapped and NAT64 and 6to4 addresses are judged by the IPv4 address they
// embed before this table is consulted.
var specialRanges = []addrRange{
	{netip.MustParsePrefix("169.254.169.254/32"), classMetadata, "the cloud metadata address"},
	{netip.MustParsePrefix("100.100.100.200/32"), classMetadata, "the cloud metadata address"},
	{netip.MustParsePrefix("fd00:ec2::254/128"), classMetadata, "the cloud metadata address"},
	{netip.MustParsePrefix("255.255.255.255/32"), classForbidden, "the broadcast address"},

	{netip.MustParsePrefix("0.0.0.0/8"), classForbidden, "an unspecified (this-network) address"},
	{netip.MustParsePrefix("10.0.0.0/8"), classPrivate, "a private (RFC 1918) address"},
	{netip.MustParsePrefix("100.64.0.0/10"), classPrivate, "a shared (carrier-grade NAT) address"},
	{netip.MustParsePrefix("127.0.0.0/8"), classPrivate, "a loopback address"},
	{netip.MustParsePrefix("169.254.0.0/16"), classPrivate, "a link-local address"},
	{netip.MustParsePrefix("172.16.0.0/12"), classPrivate, "a private (RFC 1918) address"},
	{netip.MustParsePrefix("192.0.0.0/24"), classPrivate, "an IETF protocol assignment address"},
	{netip.MustParsePrefix("192.0.2.0/24"), classPrivate, "a documentation address"},
	{netip.MustParsePrefix("192.88.99.0/24"), classForbidden, "a deprecated 6to4 relay address"},
	{netip.MustParsePrefix("192.168.0.0/16"), classPrivate, "a private (RFC 1918) address"},
	{netip.MustParsePrefix("198.18.0.0/15"), classPrivate, "a benchmarking address"},
	{netip.MustParsePrefix("198.51.100.0/24"), classPrivate, "a documentation address"},
	{netip.MustParsePrefix("203.0.113.0/24"), classPrivate, "a documentation address"},
	{netip.MustParsePrefix("224.0.0.0/4"), classForbidden, "a multicast address"},
	{netip.MustParsePrefix("240.0.0.0/4"), classForbidden, "a reserved address"},

	{netip.MustParsePrefix("::/128"), classForbidden, "an unspecified address"},
	{netip.MustParsePrefix("::1/128"), classPrivate, "a loopback address"},
	{netip.MustParsePrefix("::/96"), classForbidden, "a deprecated IPv4-compatible address"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), classPrivate, "a local-use NAT64 address"},
	{netip.MustParsePrefix("100::/64"), classForbidden, "a discard-only address"},
	{netip.MustParsePrefix("2001:db8::/32"), classPrivate, "a documentation address"},
	{netip.MustParsePrefix("2001::/32"), classPrivate, "a Teredo tunnel address"},
	{netip.MustParsePrefix("fc00::/7"), classPrivate, "a unique local (private) address"},
	{netip.MustParsePrefix("fe80::/10"), classPrivate, "a link-local address"},
	{netip.MustParsePrefix("fec0::/10"), classPrivate, "a deprecated site-local address"},
	{netip.MustParsePrefix("ff00::/8"), classForbidden, "a multicast address"},
}

// Blocks whose addresses embed an IPv4 address.
var (
	nat64Prefix = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour   = netip.MustParsePrefix("2002::/16")
)

// classify says who may reach a and describes a special address for a
// message ("a loopback address").
func classify(a netip.Addr) (addrClass, string) {
	a = a.Unmap().WithZone("")
	if v4, via, ok := embeddedIPv4(a); ok {
		class, what := classify(v4)
		if class == classPublic {
			return classPublic, ""
		}
		return class, via + " embedding " + v4.String() + ", " + what
	}
	for _, r := range specialRanges {
		if r.prefix.Contains(a) {
			return r.class, r.what
		}
	}
	return classPublic, ""
}

// embeddedIPv4 returns the IPv4 address inside a NAT64 (64:ff9b::/96) or
// 6to4 (2002::/16) address.
func embeddedIPv4(a netip.Addr) (netip.Addr, string, bool) {
	if !a.Is6() {
		return netip.Addr{}, "", false
	}
	b := a.As16()
	switch {
	case nat64Prefix.Contains(a):
		return netip.AddrFrom4([4]byte(b[12:16])), "a NAT64 address", true
	case sixToFour.Contains(a):
		return netip.AddrFrom4([4]byte(b[2:6])), "a 6to4 address", true
	}
	return netip.Addr{}, "", false
}
