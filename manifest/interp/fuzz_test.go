package interp

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", "plain", "Bearer {{ token.access_token }}", "{{ response.company.name }} ({{ fields.environment }})",
		`{{ "{{" }}`, `{{ base64(concat(fields.client_id, ":", fields.client_secret)) }}`, `{{ default(input.limit, '50') }}`,
		"{{ fields.environment }}/v2/{{ input.id }}?q={{ urlencode(input.q) }}", "{{ response.items.0.id }}", "{{ response }}",
		"abc {{ fields.x", "{{ }}", "{{ feilds.a }}", `{{ "abc }}`, `{{ "\x" }}`, `{{ base64(fields.a, fields.b) }}`,
		"{{ fields.a fields.b }}", "{{ {{ fields.a }} }}", "{{ fields. }}", "{{ fïelds.a }}", "é{{ lower(upper('É')) }}",
		"{{ concat(fields.a,) }}", "{{ fields.a } }}", "}}{{", "{{{{", "{{\n\tfields.a\r\n}}", "{{ response.items.99999999999 }}",
	} {
		f.Add(s)
	}
	d := Data{
		Fields:   map[string]any{"a": "x", "b": 2.5, "environment": "https://api.example.com"},
		Token:    map[string]any{"access_token": "tok"},
		Input:    map[string]any{"limit": 50, "id": "a/b"},
		Response: map[string]any{"items": []any{map[string]any{"id": "i0"}}},
	}
	f.Fuzz(func(t *testing.T, s string) {
		tpl, err := Parse(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) error %v is not a *SyntaxError", s, err)
			}
			if se.Column < 1 || se.Column > utf8.RuneCountInString(s)+1 || se.Msg == "" {
				t.Fatalf("Parse(%q) = %v: column out of range 1..%d or empty message", s, err, utf8.RuneCountInString(s)+1)
			}
			return
		}
		if tpl.Source() != s {
			t.Fatalf("Source() = %q, want %q", tpl.Source(), s)
		}
		again, err := Parse(tpl.Source())
		if err != nil {
			t.Fatalf("Parse(Source()) of %q: %v", s, err)
		}
		if diff := cmp.Diff(tpl.Refs(), again.Refs()); diff != "" {
			t.Fatalf("Refs differ after a round trip of %q:\n%s", s, diff)
		}
		runes := []rune(s)
		for _, r := range tpl.Refs() {
			if r.Column < 1 || r.Column-1+r.Len > len(runes) || string(runes[r.Column-1:r.Column-1+r.Len]) != r.String() {
				t.Fatalf("Ref %v (column %d, len %d) does not match the source %q", r, r.Column, r.Len, s)
			}
		}
		out, err := tpl.Render(d)
		out2, err2 := again.Render(d)
		if out != out2 || errString(err) != errString(err2) {
			t.Fatalf("renders differ after a round trip of %q: %q, %v and %q, %v", s, out, err, out2, err2)
		}
		if tpl.IsLiteral() {
			if err != nil {
				t.Fatalf("literal template %q: Render error %v", s, err)
			}
			lit, err := Parse(Lit(out).Source())
			if err != nil {
				t.Fatalf("Parse(Lit(%q).Source()): %v", out, err)
			}
			if got, err := lit.Render(Data{}); err != nil || got != out {
				t.Fatalf("Lit round trip of %q = %q, %v", out, got, err)
			}
		}
		// The other renderers must not panic; their results are checked
		// elsewhere.
		_, _ = tpl.RenderValue(d)
		_, _ = tpl.RenderHeader(d)
		_, _ = tpl.RenderURL(d)
	})
}

func FuzzRenderURL(f *testing.F) {
	for _, s := range []string{
		"acme", "ACME", "a-b.c", "evil.com/x", "a.b@c", "x#", "x?y", "..", ".", "", "%2F", "%2e", "a\u3002b",
		"acme.", "[::1]", "::1", "a:80", "a b", "a\\b", "https://api.example.com/", "http://127.0.0.1:8080",
		"https://user@x.example", "https://[::1]:8443", "é", "a\r\nb", "a/b?c#d",
		"127.1", "0x7f.1", "2130706433", "http://127.1", "https://[fe80::1%25en0]",
	} {
		f.Add(s, s)
	}
	hosts := []struct{ src, prefix, suffix, port string }{
		{"https://{{ fields.h }}.example.com/x", "", ".example.com", ""},
		{"https://api-{{ fields.h }}.example.com:8443/x", "api-", ".example.com", "8443"},
		{"https://{{ fields.h }}/x", "", "", ""},
		{"https://{{ fields.h }}", "", "", ""},
		{"https://{{ fields.h }}?q=1", "", "", ""},
		{"http://x.{{ fields.h }}:80#top", "x.", "", "80"},
		{"https://{{ upper(fields.h) }}.example.com/", "", ".example.com", ""},
	}
	parsed := make([]*Template, len(hosts))
	for i, h := range hosts {
		parsed[i] = mustParse(f, h.src)
	}
	paths := mustParse(f, "https://api.example.com/a/{{ input.p }}/b?x={{ input.p }}")
	base := mustParse(f, "{{ fields.base }}/v2/{{ input.p }}")
	f.Fuzz(func(t *testing.T, h, p string) {
		d := Data{Fields: map[string]any{"h": h, "base": h}, Input: map[string]any{"p": p}}
		for i, tpl := range parsed {
			out, err := tpl.RenderURL(d)
			if err != nil {
				continue
			}
			u, err := url.Parse(out)
			if err != nil {
				t.Fatalf("%s with %q rendered %q, which does not parse: %v", hosts[i].src, h, out, err)
			}
			if want := hosts[i].prefix + strings.ToLower(h) + hosts[i].suffix; u.Hostname() != want || u.Port() != hosts[i].port || u.User != nil {
				t.Fatalf("%s with %q rendered %q: host %q port %q user %v, want host %q port %q", hosts[i].src, h, out, u.Hostname(), u.Port(), u.User, want, hosts[i].port)
			}
		}
		if out, err := paths.RenderURL(d); err == nil {
			u, err := url.Parse(out)
			if err != nil {
				t.Fatalf("path %q rendered %q, which does not parse: %v", p, out, err)
			}
			segs := strings.Split(u.EscapedPath(), "/")
			if len(segs) != 4 || segs[1] != "a" || segs[3] != "b" || u.Host != "api.example.com" || u.Fragment != "" {
				t.Fatalf("path %q rendered %q: segments %q, host %q", p, out, segs, u.Host)
			}
			if got, err := url.PathUnescape(segs[2]); err != nil || got != p || got == "." || got == ".." {
				t.Fatalf("path %q rendered %q: segment %q decodes to %q, %v", p, out, segs[2], got, err)
			}
			if got := u.Query(); len(got) != 1 || got.Get("x") != p {
				t.Fatalf("query %q rendered %q: query %v", p, out, got)
			}
		}
		if out, err := base.RenderURL(d); err == nil {
			u, err := url.Parse(out)
			if err != nil {
				t.Fatalf("base %q rendered %q, which does not parse: %v", h, out, err)
			}
			b, err := url.Parse(h)
			if err != nil || u.Host != b.Host || u.User != nil || u.RawQuery != "" || u.Fragment != "" ||
				(u.Scheme != "http" && u.Scheme != "https") || !strings.HasSuffix(u.EscapedPath(), "/v2/"+url.PathEscape(p)) {
				t.Fatalf("base %q and path %q rendered %q", h, p, out)
			}
		}
	})
}

func mustParse(tb testing.TB, s string) *Template {
	tb.Helper()
	tpl, err := Parse(s)
	if err != nil {
		tb.Fatal(err)
	}
	return tpl
}
