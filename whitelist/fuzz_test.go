package whitelist_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/connkit/connkit/whitelist"
	"github.com/google/go-cmp/cmp"
)

// FuzzMatch checks that Match never panics, refuses only with ErrBlocked,
// and that an allowed URL really is inside its entry and stays allowed,
// with the same target, once re-serialised and re-parsed.
func FuzzMatch(f *testing.F) {
	for _, c := range tableCases {
		f.Add(c.url)
	}
	l := testList(f)
	f.Fuzz(func(t *testing.T, s string) {
		u, err := url.Parse(s)
		if err != nil {
			return
		}
		e, err := l.Match(u)
		if err != nil {
			if !errors.Is(err, whitelist.ErrBlocked) {
				t.Fatalf("Match(%q) = %v, not ErrBlocked", s, err)
			}
			return
		}
		target, err := whitelist.Normalize(u)
		if err != nil {
			t.Fatalf("Match(%q) allowed a URL Normalize refuses: %v", s, err)
		}
		if e.Wildcard && !strings.HasSuffix(target.Host, "."+e.Host) || !e.Wildcard && target.Host != e.Host {
			t.Fatalf("Match(%q): host %q is outside entry %q", s, target.Host, e.Raw)
		}
		if target.Port != e.Port || target.Scheme != e.Scheme {
			t.Fatalf("Match(%q): %s port %d does not fit entry %q", s, target.Scheme, target.Port, e.Raw)
		}
		if e.Path != "/" && target.Path != e.Path && !strings.HasPrefix(target.Path, e.Path+"/") {
			t.Fatalf("Match(%q): path %q is outside entry %q", s, target.Path, e.Raw)
		}
		again, err := url.Parse(u.String())
		if err != nil {
			t.Fatalf("Match(%q) allowed a URL whose serialisation %q does not parse: %v", s, u.String(), err)
		}
		e2, err := l.Match(again)
		if err != nil {
			t.Fatalf("Match(%q) allowed, but its serialisation %q is refused: %v", s, u.String(), err)
		}
		target2, _ := whitelist.Normalize(again)
		if e2.Raw != e.Raw || !cmp.Equal(target, target2, ignoreAddr) {
			t.Fatalf("Match(%q) = %q %+v, but its serialisation %q gives %q %+v", s, e.Raw, target, u.String(), e2.Raw, target2)
		}
	})
}

// FuzzParseEntry checks that ParseEntry never panics, refuses with an
// *EntryError, that an entry's canonical form parses back to the same entry,
// and that the entry covers its canonical form and matches a URL below it.
func FuzzParseEntry(f *testing.F) {
	for _, s := range testEntries {
		f.Add(s)
	}
	for _, s := range []string{"https://*.com/", "http://api.example/", "https://a.example/v2/%2e%2e", "https://[fe80::1%25eth0]/",
		"https://0x7f.1/", "https://*/", "https://a.example/?q", "https://u@a.example/", "https://a.example:0443/a%20b/", "https://[::ffff:10.0.0.1]/x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := whitelist.ParseEntry(s)
		if err != nil {
			var ee *whitelist.EntryError
			if !errors.As(err, &ee) || ee.Reason == "" {
				t.Fatalf("ParseEntry(%q) = %v, want an *EntryError with a reason", s, err)
			}
			return
		}
		canonical := e.String()
		e2, err := whitelist.ParseEntry(canonical)
		if err != nil {
			t.Fatalf("ParseEntry(%q): canonical form %q does not parse: %v", s, canonical, err)
		}
		e.Raw, e2.Raw = "", ""
		if diff := cmp.Diff(e, e2, ignoreAddr); diff != "" {
			t.Fatalf("ParseEntry(%q): canonical form %q parses differently (-first +second):\n%s", s, canonical, diff)
		}
		l, err := whitelist.Parse([]string{s})
		if err != nil {
			t.Fatalf("Parse([%q]): %v", s, err)
		}
		if _, err := l.Covers(canonical); err != nil {
			t.Fatalf("entry %q does not cover its canonical form %q: %v", s, canonical, err)
		}
		below := canonical + "x"
		if e.Wildcard {
			below = strings.Replace(below, "://*.", "://a.", 1)
		}
		u, err := url.Parse(below)
		if err != nil {
			t.Fatalf("entry %q: %q does not parse: %v", s, below, err)
		}
		if _, err := l.Match(u); err != nil {
			t.Fatalf("entry %q does not match %q: %v", s, below, err)
		}
	})
}
