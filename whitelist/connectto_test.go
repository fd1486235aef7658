package whitelist_test

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/connkit/connkit/whitelist"
)

func TestConnectTo(t *testing.T) {
	// The operator's map, keyed by host:port or by host for any port.
	targets := map[string]string{
		"api.acme.example":            "127.0.0.1:9443",
		"uploads.acme.example:8443":   "pub.dyn.example:8443",
		"evil.example:443":            "127.0.0.1:9443",
		"login.acme.example:443":      "127.0.0.1:",
		"meta-target.acme.example":    "169.254.169.254:80",
		"literal-target.acme.example": "127.0.0.1:8080",
	}
	connectTo := func(host string, port int) (string, bool) {
		if to, ok := targets[net.JoinHostPort(host, strconv.Itoa(port))]; ok {
			return to, true
		}
		to, ok := targets[host]
		return to, ok
	}
	tests := []struct {
		name         string
		addr         string
		allowPrivate bool
		rule         string // "" when dialled, "other" for a non-blocked error
		dialed       []string
	}{
		{name: "mapped host dials the stand-in", addr: "api.acme.example:443", allowPrivate: true,
			dialed: []string{"127.0.0.1:9443"}},
		{name: "the stand-in still needs the operator's private networks", addr: "api.acme.example:443",
			rule: whitelist.RuleAddress},
		{name: "a name as the target is resolved and checked", addr: "uploads.acme.example:8443",
			dialed: []string{"8.8.8.8:8443", "[2001:4860:4860::8888]:8443"}},
		{name: "a target the whitelist names literally", addr: "literal-target.acme.example:443",
			dialed: []string{"127.0.0.1:8080"}},
		{name: "a metadata target stays refused", addr: "meta-target.acme.example:443", allowPrivate: true,
			rule: whitelist.RuleAddress},
		{name: "connect-to never widens the whitelist", addr: "evil.example:443", allowPrivate: true,
			rule: whitelist.RuleNotListed},
		{name: "a target without a port", addr: "login.acme.example:443", allowPrivate: true,
			rule: whitelist.RulePort},
		{name: "unmapped hosts are dialled themselves", addr: "loop.dyn.example:443", allowPrivate: true,
			dialed: []string{"127.0.0.1:443"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var dialed []string
			p := &whitelist.Policy{List: testList(t), Resolver: testResolver, AllowPrivate: tt.allowPrivate, ConnectTo: connectTo}
			_, err := p.DialContext(recordingDialer(&dialed))(context.Background(), "tcp", tt.addr)
			switch {
			case tt.rule == "" && !errors.Is(err, errDialStopped):
				t.Errorf("dial %s = %v, want it dialled", tt.addr, err)
			case tt.rule != "" && ruleOf(err) != tt.rule:
				t.Errorf("dial %s = %v, want rule %q", tt.addr, err, tt.rule)
			}
			if diff := cmp.Diff(tt.dialed, dialed); diff != "" {
				t.Errorf("dialled addresses (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConnectToErrorNamesTheRealHost(t *testing.T) {
	p := &whitelist.Policy{List: testList(t), ConnectTo: func(string, int) (string, bool) { return "127.0.0.1:9443", true }}
	_, err := p.DialContext(nil)(context.Background(), "tcp", "api.acme.example:443")
	var be *whitelist.BlockedError
	if !errors.As(err, &be) {
		t.Fatalf("dial = %v, want a *BlockedError", err)
	}
	if be.Host != "api.acme.example" || !strings.Contains(be.Reason, "connect-to sends it to 127.0.0.1:9443") {
		t.Errorf("BlockedError = %+v, want the real host and the connect-to target in the reason", be)
	}
	// A malformed target is the operator's mistake, reported as such.
	p.ConnectTo = func(string, int) (string, bool) { return "no port", true }
	if _, err := p.DialContext(nil)(context.Background(), "tcp", "api.acme.example:443"); err == nil ||
		errors.Is(err, whitelist.ErrBlocked) || !strings.Contains(err.Error(), "connect-to") {
		t.Errorf("dial with a malformed target = %v, want a connect-to address error", err)
	}
	var opErr *net.AddrError
	if _, err := p.DialContext(nil)(context.Background(), "tcp", "api.acme.example:443"); !errors.As(err, &opErr) {
		t.Errorf("dial with a malformed target = %v, want a *net.AddrError inside", err)
	}
}
