package interp

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		src  string
		want SyntaxError
	}{
		{"abc {{ fields.x", SyntaxError{5, `unclosed "{{": add "}}" after the expression, or write {{ "{{" }} for literal braces`}},
		{"{{", SyntaxError{1, `unclosed "{{": add "}}" after the expression, or write {{ "{{" }} for literal braces`}},
		{"{{ fields.a and more", SyntaxError{1, `unclosed "{{": add "}}" after the expression, or write {{ "{{" }} for literal braces`}},
		{"{{ }}", SyntaxError{1, `empty expression: put a reference such as fields.KEY between "{{" and "}}", or write {{ "{{" }} for literal braces`}},
		{"x{{}}", SyntaxError{2, `empty expression: put a reference such as fields.KEY between "{{" and "}}", or write {{ "{{" }} for literal braces`}},
		{"{{ feilds.a }}", SyntaxError{4, `unknown scope "feilds": did you mean "fields"?`}},
		{"{{ Fields.a }}", SyntaxError{4, `unknown scope "Fields": did you mean "fields"?`}},
		{"{{ resp.id }}", SyntaxError{4, `unknown scope "resp": did you mean "response"?`}},
		{"{{ inptu.limit }}", SyntaxError{4, `unknown scope "inptu": did you mean "input"?`}},
		{"{{ client_id }}", SyntaxError{4, `unknown scope "client_id": references start with a scope: fields, token, response, input (as in fields.KEY)`}},
		{"é {{ feilds.a }}", SyntaxError{6, `unknown scope "feilds": did you mean "fields"?`}},
		{`{{ "abc }}`, SyntaxError{4, `unterminated string: add the closing "`}},
		{`{{ 'abc\' }}`, SyntaxError{4, `unterminated string: add the closing '`}},
		{`{{ "abc\`, SyntaxError{4, `unterminated string: add the closing "`}},
		{`{{ "\x" }}`, SyntaxError{5, `unknown escape "\x" in string: use \\, \", \', \n or \t`}},
		{`{{ base64(fields.a, fields.b) }}`, SyntaxError{4, `base64 takes 1 argument, got 2: write base64(value)`}},
		{`{{ base64url() }}`, SyntaxError{4, `base64url takes 1 argument, got 0: write base64url(value)`}},
		{`{{ urlencode(fields.a, "x") }}`, SyntaxError{4, `urlencode takes 1 argument, got 2: write urlencode(value)`}},
		{`{{ concat() }}`, SyntaxError{4, `concat takes at least 1 argument, got 0: write concat(a, b, ...)`}},
		{`{{ lower() }}`, SyntaxError{4, `lower takes 1 argument, got 0: write lower(value)`}},
		{`{{ upper("a", "b") }}`, SyntaxError{4, `upper takes 1 argument, got 2: write upper(value)`}},
		{`{{ default(fields.a) }}`, SyntaxError{4, `default takes 2 arguments, got 1: write default(value, fallback)`}},
		{`{{ default(fields.a, "x", "y") }}`, SyntaxError{4, `default takes 2 arguments, got 3: write default(value, fallback)`}},
		{`{{ fields.a fields.b }}`, SyntaxError{13, `unexpected "fields.b" after fields.a: expected "}}" (one expression per braces; join values with concat(a, b))`}},
		{`{{ "a" "b" }}`, SyntaxError{8, `unexpected "\"" after "a": expected "}}" (one expression per braces; join values with concat(a, b))`}},
		{`{{ {{ fields.a }} }}`, SyntaxError{4, `"{{" inside an expression: expressions do not nest; write the inner expression directly, as in {{ base64(fields.KEY) }}`}},
		{`{{ base64({{ fields.a }}) }}`, SyntaxError{11, `"{{" inside an expression: expressions do not nest; write the inner expression directly, as in {{ base64(fields.KEY) }}`}},
		{`{{ fields.a {{ x }}`, SyntaxError{13, `"{{" inside an expression: expressions do not nest; write the inner expression directly, as in {{ base64(fields.KEY) }}`}},
		{`{{ fields }}`, SyntaxError{4, `fields needs a key: write fields.KEY`}},
		{`{{ token }}`, SyntaxError{4, `token needs a key: write token.KEY`}},
		{`{{ fields. }}`, SyntaxError{10, `"fields." ends with ".": add a key after the dot or remove it`}},
		{`{{ fields..a }}`, SyntaxError{11, `"fields..a" has an empty key between two dots`}},
		{`{{ fields.1a }}`, SyntaxError{11, `key "1a" must start with a letter or "_", or be all digits to index a list`}},
		{`{{ fields.-a }}`, SyntaxError{11, `key "-a" must start with a letter or "_", or be all digits to index a list`}},
		{`{{ response.items.99999999999 }}`, SyntaxError{19, `list index 99999999999 is too large`}},
		{`{{ fields.a|upper }}`, SyntaxError{12, `invalid character "|" in reference "fields.a|upper": keys use ASCII letters, digits, "_" and "-"`}},
		{`{{ fïelds.a }}`, SyntaxError{5, `invalid character "ï" in reference "fïelds.a": keys use ASCII letters, digits, "_" and "-"`}},
		{`{{ bas64(fields.a) }}`, SyntaxError{4, `unknown function "bas64": did you mean "base64"?`}},
		{`{{ lowr(fields.a) }}`, SyntaxError{4, `unknown function "lowr": did you mean "lower"?`}},
		{`{{ json(fields.a) }}`, SyntaxError{4, `unknown function "json": the functions are base64, base64url, urlencode, concat, lower, upper, default`}},
		{`{{ fields(a) }}`, SyntaxError{4, `fields is a scope, not a function: write fields.KEY`}},
		{`{{ fields.a(b) }}`, SyntaxError{12, `unexpected "(" after reference fields.a: only functions take arguments`}},
		{`{{ upper fields.a }}`, SyntaxError{4, `upper is a function: call it with parentheses, as in upper(value)`}},
		{`{{ base64(fields.a }}`, SyntaxError{10, `base64( is not closed: add ")" after its arguments`}},
		{`{{ base64( }}`, SyntaxError{10, `base64( is not closed: add ")" after its arguments`}},
		{`{{ concat(fields.a,) }}`, SyntaxError{20, `missing argument after "," in concat(...): remove the comma or add an argument`}},
		{`{{ concat(fields.a "b") }}`, SyntaxError{20, `expected "," or ")" after an argument of concat, found "\""`}},
		{`{{ concat(, fields.a) }}`, SyntaxError{11, `unexpected ',': expected a reference (such as fields.KEY), a quoted string or a function call`}},
		{`{{ fields.a) }}`, SyntaxError{12, `unexpected ")": no function call is open`}},
		{`{{ fields.a } }}`, SyntaxError{13, `found a single "}": close the expression with "}}"`}},
		{`{{ 42 }}`, SyntaxError{4, `unexpected "42": expected a reference (such as fields.KEY), a quoted string or a function call; write numbers as strings ("42")`}},
		{`{{ $x }}`, SyntaxError{4, `unexpected '$': expected a reference (such as fields.KEY), a quoted string or a function call`}},
		{`{{ lower(lower(lower(lower(lower(lower(lower(lower(lower(lower(lower(lower(lower(lower(lower(lower(lower(lower(lower(lower(lower(lower(lower(lower(lower(lower(lower(lower(lower(lower(lower(lower(lower("x"))))))))))))))))))))))))))))))))) }}`,
			SyntaxError{196, `function calls nest deeper than 32: simplify the expression`}},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			tpl, err := Parse(tt.src)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) = %v, %v; want a *SyntaxError", tt.src, tpl, err)
			}
			if diff := cmp.Diff(tt.want, *se); diff != "" {
				t.Errorf("Parse(%q) error mismatch (-want +got):\n%s", tt.src, diff)
			}
		})
	}
}

func TestSyntaxErrorString(t *testing.T) {
	_, err := Parse("{{ feilds.a }}")
	if got, want := err.Error(), `column 4: unknown scope "feilds": did you mean "fields"?`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestRefs(t *testing.T) {
	tests := []struct {
		src  string
		want []Ref
	}{
		{"plain text", []Ref{}},
		{"Bearer {{ token.access_token }}", []Ref{{Scope: "token", Path: []string{"access_token"}, Column: 11, Len: 18}}},
		{"{{fields.a}}", []Ref{{Scope: "fields", Path: []string{"a"}, Column: 3, Len: 8}}},
		{"é{{ concat(fields.a-b, response.items.0.id, 'x') }}{{ response }}", []Ref{
			{Scope: "fields", Path: []string{"a-b"}, Column: 12, Len: 10},
			{Scope: "response", Path: []string{"items", "0", "id"}, Column: 24, Len: 19},
			{Scope: "response", Path: []string{}, Column: 55, Len: 8},
		}},
		{"{{ default(input.limit, fields._x) }}", []Ref{
			{Scope: "input", Path: []string{"limit"}, Column: 12, Len: 11},
			{Scope: "fields", Path: []string{"_x"}, Column: 25, Len: 9},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			tpl, err := Parse(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, tpl.Refs()); diff != "" {
				t.Errorf("Refs() mismatch (-want +got):\n%s", diff)
			}
			if got, want := tpl.IsLiteral(), len(tt.want) == 0; got != want {
				t.Errorf("IsLiteral() = %v, want %v", got, want)
			}
		})
	}
}

func TestRefsAreCopies(t *testing.T) {
	tpl, err := Parse("{{ fields.a }}")
	if err != nil {
		t.Fatal(err)
	}
	tpl.Refs()[0].Path[0] = "changed"
	if got := tpl.Refs()[0].String(); got != "fields.a" {
		t.Errorf("after changing a returned Ref, Refs()[0] = %q, want fields.a", got)
	}
}

func TestRefString(t *testing.T) {
	for _, tt := range []struct {
		ref  Ref
		want string
	}{
		{Ref{Scope: "fields", Path: []string{"client_id"}}, "fields.client_id"},
		{Ref{Scope: "response", Path: []string{"items", "0"}}, "response.items.0"},
		{Ref{Scope: "response"}, "response"},
	} {
		if got := tt.ref.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.ref, got, tt.want)
		}
	}
}

func TestLiteralTemplates(t *testing.T) {
	tests := []struct {
		src, want string
	}{
		{"", ""},
		{"no braces { here }}", "no braces { here }}"},
		{`{{ "{{" }} not an expression }}`, "{{ not an expression }}"},
		{`a{{'b'}}c`, "abc"},
		{`{{ "q\"\\\n\t'" }}`, "q\"\\\n\t'"},
		{`{{ 'it\'s' }}`, "it's"},
		{`{{ base64("a:b") }}`, "YTpi"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			tpl, err := Parse(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			if !tpl.IsLiteral() {
				t.Error("IsLiteral() = false, want true")
			}
			if tpl.Source() != tt.src {
				t.Errorf("Source() = %q, want %q", tpl.Source(), tt.src)
			}
			got, err := tpl.Render(Data{})
			if err != nil || got != tt.want {
				t.Errorf("Render = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestLit(t *testing.T) {
	for _, s := range []string{"", "plain", "a {{ fields.x }} b", "{{{", "{{{{", "x{", "}}{{"} {
		lit := Lit(s)
		if got, err := lit.Render(Data{}); err != nil || got != s {
			t.Errorf("Lit(%q).Render = %q, %v", s, got, err)
		}
		if !lit.IsLiteral() {
			t.Errorf("Lit(%q).IsLiteral() = false", s)
		}
		again, err := Parse(lit.Source())
		if err != nil {
			t.Fatalf("Parse(Lit(%q).Source()) = %v", s, err)
		}
		if got, err := again.Render(Data{}); err != nil || got != s {
			t.Errorf("Parse(Lit(%q).Source()).Render = %q, %v", s, got, err)
		}
	}
}
