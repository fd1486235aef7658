package validator

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/manifest/interp"
)

// mustParse parses a template or fails the test.
func mustParse(t *testing.T, s string) *interp.Template {
	t.Helper()
	tpl, err := interp.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

// piecesOf parses a template and splits it into pieces.
func piecesOf(t *testing.T, src string) []piece {
	t.Helper()
	return pieces(src, mustParse(t, src).Refs())
}

func TestPieces(t *testing.T) {
	type p struct {
		Text string
		Hole bool
		Col  int
		Refs []string
	}
	tests := []struct {
		src  string
		want []p
	}{
		{"https://api.example/v1", []p{{Text: "https://api.example/v1", Col: 1}}},
		{"{{ fields.env }}/v2", []p{{Text: "fields.env", Hole: true, Col: 1, Refs: []string{"fields.env"}}, {Text: "/v2", Col: 17}}},
		{`a{{ concat(fields.a, "}}") }}b`, []p{{Text: "a", Col: 1},
			{Text: `concat(fields.a, "}}")`, Hole: true, Col: 2, Refs: []string{"fields.a"}}, {Text: "b", Col: 30}}},
		{"x{{input.a}}{{ token.b }}", []p{{Text: "x", Col: 1},
			{Text: "input.a", Hole: true, Col: 2, Refs: []string{"input.a"}},
			{Text: "token.b", Hole: true, Col: 13, Refs: []string{"token.b"}}}},
		{"é{{ fields.a }}", []p{{Text: "é", Col: 1}, {Text: "fields.a", Hole: true, Col: 2, Refs: []string{"fields.a"}}}},
		{`ü{{ concat("ö}", fields.a) }}ß{{ fields.b }}`, []p{{Text: "ü", Col: 1},
			{Text: `concat("ö}", fields.a)`, Hole: true, Col: 2, Refs: []string{"fields.a"}}, {Text: "ß", Col: 30},
			{Text: "fields.b", Hole: true, Col: 31, Refs: []string{"fields.b"}}}},
	}
	for _, tt := range tests {
		var got []p
		tpl := mustParse(t, tt.src)
		for _, pc := range pieces(tt.src, tpl.Refs()) {
			q := p{Text: pc.text, Hole: pc.hole, Col: pc.col}
			for _, r := range pc.refs {
				q.Refs = append(q.Refs, r.String())
			}
			got = append(got, q)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("pieces(%q) (-want +got):\n%s", tt.src, diff)
		}
	}
}

func TestShape(t *testing.T) {
	tests := []struct {
		text string
		want urlShape
	}{
		{"https://api.example/v1/me", urlShape{known: true, scheme: "https", host: "api.example", literal: true, path: "/v1/me", complete: true}},
		{"HTTPS://api.example:8443", urlShape{known: true, scheme: "https", host: "api.example:8443", literal: true, complete: true}},
		{"https://\x00.zendesk.com/api/v2/\x00", urlShape{known: true, scheme: "https", host: "*.zendesk.com", path: "/api/v2/"}},
		{"https://a-\x00.b.example/x", urlShape{known: true, scheme: "https", host: "*.b.example", path: "/x", complete: true}},
		{"https://\x00/x", urlShape{scheme: "https", tail: "/x"}},
		{"https://api.\x00/x", urlShape{scheme: "https", tail: "/x"}},
		{"\x00/services/data/\x00", urlShape{tail: "/services/data/"}},
		{"/oauth/token", urlShape{relative: true}},
		{"http://127.0.0.1:8080/v1", urlShape{known: true, scheme: "http", host: "127.0.0.1:8080", literal: true, path: "/v1", complete: true}},
	}
	for _, tt := range tests {
		tt.want.text = tt.text
		if diff := cmp.Diff(tt.want, shape(tt.text), cmp.AllowUnexported(urlShape{})); diff != "" {
			t.Errorf("shape(%q) (-want +got):\n%s", tt.text, diff)
		}
	}
}

func TestShapeHelpers(t *testing.T) {
	tests := []struct {
		text         string
		host         string
		insecure     bool
		loopbackHTTP bool
	}{
		{"https://api.example/v1", "api.example", false, false},
		{"http://api.example/v1", "api.example", true, false},
		{"http://localhost:3000/", "localhost", false, true},
		{"http://[::1]:8080/", "::1", false, true},
		{"http://127.0.0.2/", "127.0.0.2", false, true},
		{"ftp://files.example/", "files.example", true, false},
		{"http://\x00.example/", "*.example", true, false},
	}
	for _, tt := range tests {
		sh := shape(tt.text)
		if got := sh.hostName(); got != tt.host {
			t.Errorf("shape(%q).hostName() = %q, want %q", tt.text, got, tt.host)
		}
		if got := sh.insecure(); got != tt.insecure {
			t.Errorf("shape(%q).insecure() = %v, want %v", tt.text, got, tt.insecure)
		}
		if got := sh.loopbackHTTP(); got != tt.loopbackHTTP {
			t.Errorf("shape(%q).loopbackHTTP() = %v, want %v", tt.text, got, tt.loopbackHTTP)
		}
	}
}

func TestPartAfter(t *testing.T) {
	tests := []struct {
		prefix string
		want   urlPart
	}{
		{"", partStart},
		{"https", partScheme},
		{"https://", partHost},
		{"https://api.", partHost},
		{"https://api.example:", partPort},
		{"https://[::1]", partHost},
		{"https://[::1]:", partPort},
		{"https://api.example/", partPath},
		{"https://api.example/x?a=", partQuery},
		{"https://api.example/x?a=1#", partFragment},
		{"/users/", partPath},
		{"?q=", partQuery},
	}
	for _, tt := range tests {
		if got := partAfter(tt.prefix); got != tt.want {
			t.Errorf("partAfter(%q) = %v, want %v", tt.prefix, got, tt.want)
		}
	}
}

func TestExpand(t *testing.T) {
	env := &fieldDecl{ptr: "/fields/0", method: -1, field: &manifest.Field{Key: "env", Type: manifest.FieldSelect,
		Options: []manifest.Option{{Value: "https://sandbox.example/"}, {Value: "https://api.example"}}}}
	region := &fieldDecl{ptr: "/fields/1", method: -1, field: &manifest.Field{Key: "region", Type: manifest.FieldSelect,
		Options: []manifest.Option{{Value: "EU"}, {Value: "us west"}}}}
	free := &fieldDecl{ptr: "/fields/2", method: -1, field: &manifest.Field{Key: "free", Type: manifest.FieldString}}
	lookup := func(k string) *fieldDecl {
		for _, d := range []*fieldDecl{env, region, free} {
			if d.field.Key == k {
				return d
			}
		}
		return nil
	}
	tests := []struct {
		src  string
		want []string
	}{
		{"{{ fields.env }}/v2", []string{"https://sandbox.example/v2", "https://api.example/v2"}},
		{"https://{{ fields.region }}.api.example/{{ fields.region }}?r={{ fields.region }}", []string{
			"https://eu.api.example/EU?r=EU", "https://eu.api.example/EU?r=us+west",
			"https://eu.api.example/us%20west?r=EU", "https://eu.api.example/us%20west?r=us+west",
			"https://us west.api.example/EU?r=EU", "https://us west.api.example/EU?r=us+west",
			"https://us west.api.example/us%20west?r=EU", "https://us west.api.example/us%20west?r=us+west"}},
		{"https://{{ fields.free }}.example/{{ fields.env }}", []string{
			"https://\x00.example/https:%2F%2Fsandbox.example%2F", "https://\x00.example/https:%2F%2Fapi.example"}},
		{"{{ lower(fields.env) }}/x", []string{"\x00/x"}},
		{"{{ fields.unknown }}", []string{"\x00"}},
	}
	for _, tt := range tests {
		var got []string
		for _, v := range expand(piecesOf(t, tt.src), lookup) {
			got = append(got, textOf(v.pcs))
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("expand(%q) (-want +got):\n%s", tt.src, diff)
		}
	}
}

func TestExpandBound(t *testing.T) {
	opts := make([]manifest.Option, 6)
	for i := range opts {
		opts[i].Value = string(rune('a' + i))
	}
	d := &fieldDecl{ptr: "/fields/0", method: -1, field: &manifest.Field{Key: "x", Type: manifest.FieldSelect, Options: opts}}
	vs := expand(piecesOf(t, "https://{{ fields.x }}{{ fields.x }}{{ fields.x }}.example/"),
		func(string) *fieldDecl { return d })
	// The first field gives 6 variants; 36 would exceed maxVariants, so
	// the other two stay holes.
	if len(vs) != 6 {
		t.Fatalf("%d variants, want 6", len(vs))
	}
	if got := textOf(vs[0].pcs); got != "https://a\x00\x00.example/" {
		t.Errorf("first variant %q", got)
	}
}

func TestJoinPieces(t *testing.T) {
	tests := []struct{ base, path, want string }{
		{"https://api.example/v2", "/me", "https://api.example/v2/me"},
		{"https://api.example/v2/", "me", "https://api.example/v2/me"},
		{"https://api.example/v2//", "//me", "https://api.example/v2/me"},
		{"https://api.example/v2", "?q=1", "https://api.example/v2?q=1"},
		{"{{ token.instance_url }}", "/x", "\x00/x"},
		{"https://api.example", "{{ input.p }}", "https://api.example/\x00"},
	}
	for _, tt := range tests {
		got := textOf(joinPieces(piecesOf(t, tt.base), piecesOf(t, tt.path)))
		if got != tt.want {
			t.Errorf("joinPieces(%q, %q) = %q, want %q", tt.base, tt.path, got, tt.want)
		}
	}
}

func TestHostPatternLeak(t *testing.T) {
	tests := []struct {
		pattern string
		leaks   bool
	}{
		{"^[a-z0-9][a-z0-9-]*$", false},
		{"[a-z]+(\\.[a-z]+)*", false},
		{"^[A-Za-z0-9.-]+$", false},
		{"^.+$", true},
		{"^[^/]+$", true},
		{"^[a-z_]+$", true},
		{"\\S+", true},
	}
	for _, tt := range tests {
		if got := hostPatternLeak(tt.pattern) != ""; got != tt.leaks {
			t.Errorf("hostPatternLeak(%q) leaks = %v, want %v", tt.pattern, got, tt.leaks)
		}
	}
}
