package interp

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Reasons of URLValueError, as the tests expect them.
const (
	rHostChars  = "only ASCII letters, digits, hyphens and dots are allowed in a host name"
	rHostEmpty  = "the value is empty; a host name needs at least one character"
	rHostLabel  = "a host name label is empty (a leading, trailing or doubled dot)"
	rHostHyphen = "a host name label starts or ends with a hyphen"
	rHostLong   = "a host name label is longer than 63 characters"
	rPort       = "a port is a number from 0 to 65535, digits only"
	rPathDots   = `the path segment would be "." or "..", which changes the path`
	rPathEmpty  = "the value is empty, which leaves an empty path segment"
	rFragment   = "values are not allowed in the fragment, which is never sent to the server"
	rScheme     = "a value cannot be part of the URL scheme; write the scheme in the template, or make the value a whole base URL at the start of the template"
	rUserinfo   = `the template's "@" after this value turns it into user information; send credentials in a header instead`
	rBaseChars  = "the value holds characters a URL cannot (spaces, quotes, backslashes, non-ASCII or control characters)"
	rBaseQuery  = "the value must be a base URL without a query or fragment"
	rBaseScheme = "the value must be an absolute URL that starts with https:// or http://"
	rBaseHost   = "the value must be an absolute URL with a host, such as https://api.example.com"
	rBaseUser   = "the value must not hold user information (user@host)"
	rNumeric    = "a host name that ends in a number must be an IPv4 address such as 192.0.2.1"
	rBaseEmpty  = "the value is empty; it must be an absolute http or https URL such as https://api.example.com"
)

func TestRenderURL(t *testing.T) {
	const (
		zendesk = "https://{{ fields.v }}.zendesk.com/api"
		host    = "https://{{ fields.v }}/x"
		port    = "https://x.example:{{ fields.v }}/"
		path    = "https://api.example.com/users/{{ fields.v }}/posts"
		query   = "https://api.example.com/search?q={{ fields.v }}&x=1"
		start   = "{{ fields.v }}/v2/users"
	)
	tests := []struct {
		src     string
		v       any
		want    string
		wantPos string // the refused position, "" when accepted
		reason  string
	}{
		// Host fragments.
		{src: zendesk, v: "acme", want: "https://acme.zendesk.com/api"},
		{src: zendesk, v: "ACME", want: "https://acme.zendesk.com/api"},
		{src: zendesk, v: "eu-1.acme", want: "https://eu-1.acme.zendesk.com/api"},
		{src: zendesk, v: "evil.com/x", wantPos: "host", reason: rHostChars},
		{src: zendesk, v: "evil.com/", wantPos: "host", reason: rHostChars},
		{src: zendesk, v: "a.b@c", wantPos: "host", reason: rHostChars},
		{src: zendesk, v: "x#", wantPos: "host", reason: rHostChars},
		{src: zendesk, v: "x?y", wantPos: "host", reason: rHostChars},
		{src: zendesk, v: "%2e", wantPos: "host", reason: rHostChars},
		{src: zendesk, v: "a\u3002b", wantPos: "host", reason: rHostChars},
		{src: zendesk, v: "ex\u00e1mple", wantPos: "host", reason: rHostChars},
		{src: zendesk, v: "a b", wantPos: "host", reason: rHostChars},
		{src: zendesk, v: "a\\b", wantPos: "host", reason: rHostChars},
		{src: zendesk, v: "acme:8080", wantPos: "host", reason: rHostChars},
		{src: zendesk, v: "[::1]", wantPos: "host", reason: rHostChars},
		{src: zendesk, v: "::1", wantPos: "host", reason: rHostChars},
		{src: zendesk, v: "", wantPos: "host", reason: rHostEmpty},
		{src: zendesk, v: "acme.", wantPos: "host", reason: rHostLabel},
		{src: zendesk, v: ".acme", wantPos: "host", reason: rHostLabel},
		{src: zendesk, v: "a..b", wantPos: "host", reason: rHostLabel},
		{src: zendesk, v: "-acme", wantPos: "host", reason: rHostHyphen},
		{src: zendesk, v: "acme-", wantPos: "host", reason: rHostHyphen},
		{src: zendesk, v: strings.Repeat("a", 64), wantPos: "host", reason: rHostLong},
		{src: host, v: "API.Example.com", want: "https://api.example.com/x"},
		{src: host, v: "127.0.0.1", want: "https://127.0.0.1/x"},
		{src: host, v: "evil.com:80", wantPos: "host", reason: rHostChars},
		{src: host, v: "10.0.0.1", want: "https://10.0.0.1/x"},
		{src: host, v: "127.1", wantPos: "host", reason: "the host it forms is not valid: " + rNumeric},
		{src: host, v: "0x7f.1", wantPos: "host", reason: "the host it forms is not valid: " + rNumeric},
		{src: host, v: "2130706433", wantPos: "host", reason: "the host it forms is not valid: " + rNumeric},
		{src: zendesk, v: "1password", want: "https://1password.zendesk.com/api"},
		{src: "https://{{ fields.v }}.1:8080/", v: "127.0.0", want: "https://127.0.0.1:8080/"},
		{src: "https://{{ fields.v }}.1:8080/", v: "a", wantPos: "host", reason: "the host it forms is not valid: " + rNumeric},
		{src: "https://{{ fields.v }}-.example.com/", v: "a", wantPos: "host", reason: "the host it forms is not valid: " + rHostHyphen},
		{src: "https://{{ fields.v }}.example.com./", v: "a", want: "https://a.example.com./"},
		{src: "https://[{{ fields.v }}]/", v: "::1", wantPos: "host", reason: rHostChars},
		{src: "https://{{ fields.v }}@api.example.com/", v: "usr1", wantPos: "userinfo", reason: rUserinfo},
		{src: "https://user:{{ fields.v }}@api.example.com/", v: "1234", wantPos: "userinfo", reason: rUserinfo},
		{src: "https://user@{{ fields.v }}.example.com/", v: "acme", want: "https://user@acme.example.com/"},
		// Ports.
		{src: port, v: "8443", want: "https://x.example:8443/"},
		{src: port, v: 8443, want: "https://x.example:8443/"},
		{src: port, v: "84a", wantPos: "port", reason: rPort},
		{src: port, v: "65536", wantPos: "port", reason: rPort},
		{src: port, v: "80/x", wantPos: "port", reason: rPort},
		{src: port, v: "", wantPos: "port", reason: rPort},
		// Paths.
		{src: path, v: "42", want: "https://api.example.com/users/42/posts"},
		{src: path, v: 42.0, want: "https://api.example.com/users/42/posts"},
		{src: path, v: "a/b", want: "https://api.example.com/users/a%2Fb/posts"},
		{src: path, v: "a?b#c%2F", want: "https://api.example.com/users/a%3Fb%23c%252F/posts"},
		{src: path, v: "%2e%2e", want: "https://api.example.com/users/%252e%252e/posts"},
		{src: path, v: "...", want: "https://api.example.com/users/.../posts"},
		{src: path, v: "é ü", want: "https://api.example.com/users/%C3%A9%20%C3%BC/posts"},
		{src: path, v: "..", wantPos: "path", reason: rPathDots},
		{src: path, v: ".", wantPos: "path", reason: rPathDots},
		{src: path, v: "", wantPos: "path", reason: rPathEmpty},
		{src: "https://api.example.com/users/{{ fields.v }}", v: "..", wantPos: "path", reason: rPathDots},
		{src: "https://api.example.com/{{ fields.v }}?x=1", v: "", wantPos: "path", reason: rPathEmpty},
		{src: "/{{ fields.v }}{{ fields.v }}/x", v: ".", wantPos: "path", reason: rPathDots},
		{src: "/v{{ fields.v }}/x", v: ".", want: "/v./x"},
		{src: "/users/{{ fields.v }}", v: "a/b", want: "/users/a%2Fb"},
		{src: "users/{{ fields.v }}", v: "a/b", want: "users/a%2Fb"},
		// Queries.
		{src: query, v: "a b&c=d#e", want: "https://api.example.com/search?q=a+b%26c%3Dd%23e&x=1"},
		{src: "https://api.example.com/?q={{ urlencode(fields.v) }}", v: "a b&c", want: "https://api.example.com/?q=a+b%26c"},
		{src: "?q={{ fields.v }}", v: "a/b", want: "?q=a%2Fb"},
		// Fragments.
		{src: "https://api.example.com/#{{ fields.v }}", v: "x", wantPos: "fragment", reason: rFragment},
		{src: "https://api.example.com/?q=1#{{ fields.v }}", v: "x", wantPos: "fragment", reason: rFragment},
		// Base URLs at the start.
		{src: start, v: "https://api.acme.example/", want: "https://api.acme.example/v2/users"},
		{src: start, v: "https://api.acme.example/base//", want: "https://api.acme.example/base/v2/users"},
		{src: start, v: "http://127.0.0.1:8080", want: "http://127.0.0.1:8080/v2/users"},
		{src: start, v: "https://[::1]:8443", want: "https://[::1]:8443/v2/users"},
		{src: start, v: "HTTPS://API.example.com", want: "HTTPS://API.example.com/v2/users"},
		{src: start, v: "ftp://x.example", wantPos: "start", reason: rBaseScheme},
		{src: start, v: "javascript:alert(1)", wantPos: "start", reason: rBaseScheme},
		{src: start, v: "api.example.com", wantPos: "start", reason: rBaseScheme},
		{src: start, v: "https://user@x.example", wantPos: "start", reason: rBaseUser},
		{src: start, v: "https://x.example?q=1", wantPos: "start", reason: rBaseQuery},
		{src: start, v: "https://x.example#f", wantPos: "start", reason: rBaseQuery},
		{src: start, v: "http://", wantPos: "start", reason: rBaseHost},
		{src: start, v: "https:x.example", wantPos: "start", reason: rBaseHost},
		{src: start, v: "https://x.example:", wantPos: "start", reason: rBaseHost},
		{src: start, v: "https://exa mple.com", wantPos: "start", reason: rBaseChars},
		{src: start, v: "https://evil.example\\@good.example", wantPos: "start", reason: rBaseChars},
		{src: start, v: "https://x_y.example", wantPos: "start", reason: "the value's host is not valid: " + rHostChars},
		{src: start, v: "https://[fe80::1%25en0]", wantPos: "start", reason: "the value's host is not valid: an address in brackets must be an IPv6 address without a zone"},
		{src: start, v: "http://127.1", wantPos: "start", reason: "the value's host is not valid: " + rNumeric},
		{src: start, v: "https://[zz]", wantPos: "start", reason: "the value is not a valid URL"},
		{src: start, v: "", wantPos: "start", reason: rBaseEmpty},
		{src: "{{ fields.v }}@evil.example/", v: "https://good.example", wantPos: "userinfo", reason: rUserinfo},
		// Schemes.
		{src: "http{{ fields.v }}://x.example/", v: "s", wantPos: "scheme", reason: rScheme},
		{src: "https:{{ fields.v }}", v: "//x", wantPos: "scheme", reason: rScheme},
	}
	for _, tt := range tests {
		t.Run(tt.src+"/"+strings.ToValidUTF8(toText(tt.v), "?"), func(t *testing.T) {
			tpl, err := Parse(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tpl.RenderURL(Data{Fields: map[string]any{"v": tt.v}})
			if tt.wantPos == "" {
				if err != nil || got != tt.want {
					t.Fatalf("RenderURL = %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			var ue *URLValueError
			if !errors.As(err, &ue) {
				t.Fatalf("RenderURL = %q, %v; want a *URLValueError", got, err)
			}
			if diff := cmp.Diff([2]string{tt.wantPos, tt.reason}, [2]string{ue.Position, ue.Reason}); diff != "" {
				t.Errorf("position and reason mismatch (-want +got):\n%s", diff)
			}
			if ue.Ref.String() != "fields.v" || ue.Expr != "fields.v" {
				t.Errorf("error names %q (%v), want fields.v", ue.Expr, ue.Ref)
			}
			if s := toText(tt.v); len(s) >= 3 && strings.Contains(err.Error(), s) {
				t.Errorf("error %q holds the value %q", err, s)
			}
		})
	}
}

func toText(v any) string {
	var b strings.Builder
	if err := writeValue(&b, v, false); err != nil {
		panic(err)
	}
	return b.String()
}

func TestRenderURLExpressions(t *testing.T) {
	d := Data{
		Fields: map[string]any{"env": "https://api.acme.example/", "sub": "Acme", "id": "a/b", "bad": "x/y"},
		Token:  map[string]any{"instance_url": "https://na1.salesforce.com"},
	}
	tests := []struct {
		src, want string
		wantErr   *URLValueError
	}{
		{src: "{{ token.instance_url }}/services/data", want: "https://na1.salesforce.com/services/data"},
		{src: "{{ default(token.missing, fields.env) }}/v2", want: "https://api.acme.example/v2"},
		{src: "https://{{ lower(fields.sub) }}.example.com/{{ concat(fields.id, '-x') }}", want: "https://acme.example.com/a%2Fb-x"},
		{src: "https://{{ concat(fields.sub, '.', fields.bad) }}.example.com/", wantErr: &URLValueError{
			Ref: Ref{Scope: "fields", Path: []string{"sub"}, Column: 19, Len: 10}, Expr: "concat(fields.sub, '.', fields.bad)",
			Position: "host", Reason: rHostChars}},
		{src: "https://{{ base64('a') }}.example.com/", wantErr: &URLValueError{
			Expr: "base64('a')", Position: "host", Reason: rHostChars}},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			tpl, err := Parse(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tpl.RenderURL(d)
			if tt.wantErr == nil {
				if err != nil || got != tt.want {
					t.Fatalf("RenderURL = %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			var ue *URLValueError
			if !errors.As(err, &ue) {
				t.Fatalf("RenderURL = %q, %v; want a *URLValueError", got, err)
			}
			if diff := cmp.Diff(tt.wantErr, ue); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRenderURLMissing(t *testing.T) {
	tpl, err := Parse("https://{{ fields.subdomain }}.zendesk.com")
	if err != nil {
		t.Fatal(err)
	}
	_, err = tpl.RenderURL(Data{})
	if got, want := errString(err), "fields.subdomain is not set"; got != want {
		t.Errorf("RenderURL error = %q, want %q", got, want)
	}
}

func TestURLValueErrorMessage(t *testing.T) {
	err := &URLValueError{Expr: "fields.subdomain", Position: "host", Reason: rHostChars}
	want := "cannot insert fields.subdomain in the URL host: " + rHostChars
	if got := err.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
