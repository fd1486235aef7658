package cli

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// connectToExample is a valid --connect-to value, for messages.
const connectToExample = "api.github.com:443:127.0.0.1:8443"

// parseConnectTo reads the --connect-to values, HOST:PORT:ADDR each, into the
// map of sdk.Options.ConnectTo: "host:port" (or "host" when PORT is empty,
// for any port) to ADDR, an "ip:port" or "name:port". An IPv6 HOST is
// written in brackets, as in ADDR.
func parseConnectTo(specs []string) (map[string]string, error) {
	if len(specs) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(specs))
	for _, spec := range specs {
		key, addr, err := parseConnectToSpec(spec)
		if err != nil {
			return nil, fmt.Errorf("%q: %w; write HOST:PORT:ADDR, such as %s", spec, err, connectToExample)
		}
		if prev, ok := out[key]; ok && prev != addr {
			return nil, fmt.Errorf("%q: %s is already sent to %s; give each HOST:PORT once", spec, key, prev)
		}
		out[key] = addr
	}
	return out, nil
}

// parseConnectToSpec splits one HOST:PORT:ADDR value into its map key and
// address.
func parseConnectToSpec(spec string) (key, addr string, err error) {
	host, rest, ok := cutHost(spec)
	if !ok {
		return "", "", fmt.Errorf("no HOST:PORT: before the address")
	}
	if err := checkConnectHost(host); err != nil {
		return "", "", fmt.Errorf("HOST %w", err)
	}
	port, addr, ok := strings.Cut(rest, ":")
	if !ok {
		return "", "", fmt.Errorf("no address after HOST:PORT:")
	}
	if port != "" {
		if err := checkPort(port); err != nil {
			return "", "", fmt.Errorf("PORT %w (leave it empty for any port)", err)
		}
	}
	ah, ap, serr := net.SplitHostPort(addr)
	if serr != nil {
		return "", "", fmt.Errorf("ADDR %q is not ip:port", addr)
	}
	if err := checkConnectHost(ah); err != nil {
		return "", "", fmt.Errorf("ADDR %w", err)
	}
	if err := checkPort(ap); err != nil {
		return "", "", fmt.Errorf("ADDR port %w", err)
	}
	key = strings.ToLower(host)
	if port != "" {
		key = net.JoinHostPort(key, port)
	}
	return key, addr, nil
}

// cutHost cuts the HOST of HOST:PORT:ADDR (an IPv6 HOST in brackets, given
// back without them) and the text after its colon.
func cutHost(spec string) (host, rest string, ok bool) {
	if strings.HasPrefix(spec, "[") {
		end := strings.Index(spec, "]:")
		if end < 0 {
			return "", "", false
		}
		return spec[1:end], spec[end+2:], true
	}
	return strings.Cut(spec, ":")
}

// checkConnectHost accepts a host name or IP address: letters, digits, dots,
// dashes and underscores, or the colons and hex digits of an IPv6 address.
func checkConnectHost(h string) error {
	if h == "" {
		return fmt.Errorf("is empty")
	}
	if strings.Contains(h, ":") {
		if ip := net.ParseIP(h); ip == nil {
			return fmt.Errorf("%q is not an IPv6 address", h)
		}
		return nil
	}
	for _, r := range h {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			return fmt.Errorf("%q is not a host name or IP address", h)
		}
	}
	return nil
}

// checkPort accepts a decimal port number from 1 to 65535.
func checkPort(p string) error {
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 || strings.TrimLeft(p, "0123456789") != "" {
		return fmt.Errorf("%q is not a port number (1-65535)", p)
	}
	return nil
}
