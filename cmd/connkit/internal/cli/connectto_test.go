package cli

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseConnectTo(t *testing.T) {
	tests := []struct {
		name  string
		specs []string
		want  map[string]string
		err   string
	}{
		{name: "none"},
		{name: "host and port", specs: []string{"API.GitHub.com:443:127.0.0.1:8443"},
			want: map[string]string{"api.github.com:443": "127.0.0.1:8443"}},
		{name: "any port", specs: []string{"acme.zendesk.com::127.0.0.1:8443"},
			want: map[string]string{"acme.zendesk.com": "127.0.0.1:8443"}},
		{name: "IPv6 host and address", specs: []string{"[2001:db8::1]:443:[::1]:8443"},
			want: map[string]string{"[2001:db8::1]:443": "[::1]:8443"}},
		{name: "a name as the address", specs: []string{"api.github.com:443:staging.internal:443", "slack.com::10.0.0.2:443"},
			want: map[string]string{"api.github.com:443": "staging.internal:443", "slack.com": "10.0.0.2:443"}},
		{name: "the same mapping twice", specs: []string{"a.example:443:127.0.0.1:1", "a.example:443:127.0.0.1:1"},
			want: map[string]string{"a.example:443": "127.0.0.1:1"}},
		{name: "two targets for one host", specs: []string{"a.example:443:127.0.0.1:1", "A.example:443:127.0.0.1:2"},
			err: "a.example:443 is already sent to 127.0.0.1:1"},
		{name: "no address", specs: []string{"api.github.com:443"}, err: "no address after HOST:PORT:"},
		{name: "no colon", specs: []string{"api.github.com"}, err: "no HOST:PORT: before the address"},
		{name: "empty host", specs: []string{":443:127.0.0.1:1"}, err: "HOST is empty"},
		{name: "path in host", specs: []string{"a.example/x:443:127.0.0.1:1"}, err: `HOST "a.example/x" is not a host name`},
		{name: "URL as host", specs: []string{"https://api.github.com:443:127.0.0.1:1"}, err: `PORT "//api.github.com" is not a port number`},
		{name: "bad port", specs: []string{"a.example:https:127.0.0.1:1"}, err: `PORT "https" is not a port number`},
		{name: "port out of range", specs: []string{"a.example:70000:127.0.0.1:1"}, err: `PORT "70000" is not a port number`},
		{name: "signed port", specs: []string{"a.example:+443:127.0.0.1:1"}, err: `PORT "+443" is not a port number`},
		{name: "address without a port", specs: []string{"a.example:443:127.0.0.1"}, err: `ADDR "127.0.0.1" is not ip:port`},
		{name: "address port zero", specs: []string{"a.example:443:127.0.0.1:0"}, err: `ADDR port "0" is not a port number`},
		{name: "unclosed IPv6 host", specs: []string{"[::1:443:127.0.0.1:1"}, err: "no HOST:PORT: before the address"},
		{name: "bad IPv6 host", specs: []string{"[zz::1]:443:127.0.0.1:1"}, err: `HOST "zz::1" is not an IPv6 address`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseConnectTo(tt.specs)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("parseConnectTo(%q) = %v, want an error with %q", tt.specs, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseConnectTo(%q): %v", tt.specs, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("parseConnectTo(%q) (-want +got):\n%s", tt.specs, diff)
			}
		})
	}
}

func FuzzParseConnectTo(f *testing.F) {
	for _, s := range []string{"api.github.com:443:127.0.0.1:8443", "a::[::1]:1", "[::1]:1:b:2", ":::", "[]:", "a:1:b:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		m, err := parseConnectTo([]string{spec})
		if err != nil {
			if !strings.Contains(err.Error(), connectToExample) {
				t.Errorf("error %q does not show the format", err)
			}
			return
		}
		if len(m) != 1 {
			t.Fatalf("parseConnectTo(%q) = %v, want one mapping", spec, m)
		}
		for k, v := range m {
			// The value is the address as written: the spec ends with it.
			if !strings.HasSuffix(spec, ":"+v) || k != strings.ToLower(k) {
				t.Errorf("parseConnectTo(%q) = %q -> %q", spec, k, v)
			}
		}
	})
}

// TestConnectToFlag: connkit test reaches a provider host through
// --connect-to, which still needs --allow-private-networks for a loopback
// stand-in, and refuses a malformed value as a usage error.
func TestConnectToFlag(t *testing.T) {
	srv, hits := apiServer(t)
	standIn := strings.TrimPrefix(srv.URL, "http://")
	// The manifest names localhost:1, where nothing listens.
	mf, vf := writeFiles(t, "http://localhost:1", "env:ACME_SECRET")
	env := map[string]string{"ACME_SECRET": canary}
	args := []string{"test", "--manifest", mf, "--values", vf, "--format", "json", "--connect-to", "localhost:1:" + standIn}

	code, out, errOut := runApp(env, append(args, "--allow-private-networks")...)
	if code != ExitOK || !strings.Contains(out, `"ok":true`) {
		t.Fatalf("with --allow-private-networks: exit %d, stdout %s, stderr %s", code, out, errOut)
	}
	if n := hits.Load(); n != 2 {
		t.Errorf("the stand-in saw %d requests, want 2 (token, test)", n)
	}

	code, out, _ = runApp(env, args...)
	if code != ExitFindings || !strings.Contains(out, `"kind":"blocked"`) || !strings.Contains(out, "connect-to") {
		t.Errorf("without --allow-private-networks: exit %d, stdout %s; want kind blocked naming connect-to", code, out)
	}

	code, _, errOut = runApp(env, "test", "--manifest", mf, "--values", vf, "--connect-to", "localhost:1")
	if code != ExitUsage || !strings.Contains(errOut, "--connect-to") {
		t.Errorf("malformed --connect-to: exit %d, stderr %s; want a usage error", code, errOut)
	}
}
