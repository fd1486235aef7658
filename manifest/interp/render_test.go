package interp

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// secret is a runtime secret: revealed to templates, redacted elsewhere.
type secret string

func (s secret) Reveal() string { return string(s) }
func (s secret) String() string { return "[redacted]" }

type stringer struct{}

func (stringer) String() string { return "from-stringer" }

func testData() Data {
	return Data{
		Fields: map[string]any{
			"client_id":     "abc",
			"client_secret": secret("s3cr3t"),
			"n":             50.0,
			"frac":          0.25,
			"big":           1e21,
			"small":         1e-7,
			"f32":           float32(1.5),
			"i":             7,
			"i8":            int8(-8),
			"i16":           int16(16),
			"i32":           int32(-32),
			"i64":           int64(-3),
			"u":             uint(3),
			"u8":            uint8(9),
			"u16":           uint16(16),
			"u32":           uint32(32),
			"u64":           uint64(1 << 63),
			"num":           json.Number("12.50"),
			"b":             true,
			"f":             false,
			"nul":           nil,
			"empty":         "",
			"mixed":         "MiXeD é",
			"bytes":         "\xfb\xff",
			"query":         "a b&c=d/é",
			"list":          []any{1.0, "x", nil, true},
			"obj":           map[string]any{"b": 1.0, "a": "q\"\\\n\r\t\x01<é"},
			"sec":           map[string]any{"key": secret("hidden")},
			"st":            stringer{},
			"weird":         struct{}{},
			"nested_weird":  []any{struct{}{}},
			"a-b":           "dash",
		},
		Token: map[string]any{"access_token": "tok", "instance_url": "https://na1.salesforce.com"},
		Input: map[string]any{"limit": 50},
		Response: map[string]any{
			"id":      42.0,
			"items":   []any{map[string]any{"id": "i0"}},
			"company": map[string]any{"name": "Acme"},
			"0":       "zero-key",
		},
	}
}

func TestRender(t *testing.T) {
	tests := []struct {
		src     string
		want    string
		wantErr string
	}{
		{src: "Bearer {{ token.access_token }}", want: "Bearer tok"},
		{src: "{{fields.client_id}}|{{ fields.client_secret }}", want: "abc|s3cr3t"},
		{src: "{{ response.company.name }} ({{ response.id }})", want: "Acme (42)"},
		{src: "{{ response.items.0.id }}", want: "i0"},
		{src: "{{ response.0 }}", want: "zero-key"},
		{src: "{{ fields.a-b }}", want: "dash"},
		{src: "{{ fields.n }} {{ fields.frac }} {{ fields.big }} {{ fields.small }} {{ fields.f32 }}", want: "50 0.25 1e+21 1e-07 1.5"},
		{src: "{{ fields.i }} {{ fields.i8 }} {{ fields.i16 }} {{ fields.i32 }} {{ fields.i64 }}", want: "7 -8 16 -32 -3"},
		{src: "{{ fields.u }} {{ fields.u8 }} {{ fields.u16 }} {{ fields.u32 }} {{ fields.u64 }}", want: "3 9 16 32 9223372036854775808"},
		{src: "{{ fields.num }} {{ fields.b }} {{ fields.f }} {{ input.limit }}", want: "12.50 true false 50"},
		{src: "{{ fields.list }}", want: `[1,"x",null,true]`},
		{src: "{{ fields.obj }}", want: `{"a":"q\"\\\n\r\t\u0001<é","b":1}`},
		{src: "{{ fields.sec }}", want: `{"key":"hidden"}`},
		{src: "{{ fields.st }}", want: "from-stringer"},
		{src: "{{ response.items }}", want: `[{"id":"i0"}]`},
		{src: "{{ response.company }}", want: `{"name":"Acme"}`},
		// Functions.
		{src: "Basic {{ base64(concat(fields.client_id, ':', fields.client_secret)) }}", want: "Basic YWJjOnMzY3IzdA=="},
		{src: "{{ base64(fields.bytes) }} {{ base64url(fields.bytes) }}", want: "+/8= -_8"},
		{src: "{{ base64url('ab') }}", want: "YWI"},
		{src: "{{ urlencode(fields.query) }}", want: "a+b%26c%3Dd%2F%C3%A9"},
		{src: "{{ lower(fields.mixed) }} {{ upper(fields.mixed) }}", want: "mixed é MIXED É"},
		{src: "{{ concat(fields.n, '-', fields.b, \"-\", fields.list) }}", want: `50-true-[1,"x",null,true]`},
		{src: "{{ concat('only') }}", want: "only"},
		{src: "{{ upper(concat(lower('A'), 'b')) }}", want: "AB"},
		// default.
		{src: "{{ default(fields.missing, 'fb') }}", want: "fb"},
		{src: "{{ default(fields.empty, 'fb') }}", want: "fb"},
		{src: "{{ default(fields.nul, 'fb') }}", want: "fb"},
		{src: "{{ default(fields.client_id, 'fb') }}", want: "abc"},
		{src: "{{ default(fields.n, 'fb') }}", want: "50"},
		{src: "{{ default(fields.f, 'fb') }}", want: "false"},
		{src: "{{ default(concat(fields.missing, 'x'), 'fb') }}", want: "fb"},
		{src: "{{ default(fields.missing, default(fields.other, fields.client_id)) }}", want: "abc"},
		{src: "{{ default(response.items.5.id, response.items.0.id) }}", want: "i0"},
		// Missing values.
		{src: "x {{ fields.missing }}", wantErr: "fields.missing is not set"},
		{src: "{{ fields.nul }}", wantErr: "fields.nul is not set"},
		{src: "{{ default(fields.missing, fields.other) }}", wantErr: "fields.other is not set"},
		{src: "{{ base64(token.refresh_token) }}", wantErr: "token.refresh_token is not set"},
		{src: "{{ response.items.1.id }}", wantErr: "response.items.1.id is not set"},
		{src: "{{ response.items.first }}", wantErr: "response.items.first is not set"},
		{src: "{{ response.id.x }}", wantErr: "response.id.x is not set"},
		{src: "{{ fields.client_secret.x }}", wantErr: "fields.client_secret.x is not set"},
		{src: "{{ input.limit }}{{ input.other }}", wantErr: "input.other is not set"},
		// Unsupported values.
		{src: "{{ fields.weird }}", wantErr: "fields.weird: a value of type struct {} cannot be rendered (use strings, numbers, booleans, maps and lists)"},
		{src: "{{ lower(fields.nested_weird) }}", wantErr: "fields.nested_weird: a value of type struct {} cannot be rendered (use strings, numbers, booleans, maps and lists)"},
	}
	d := testData()
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			tpl, err := Parse(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tpl.Render(d)
			if diff := cmp.Diff(tt.wantErr, errString(err)); diff != "" {
				t.Fatalf("Render error mismatch (-want +got):\n%s", diff)
			}
			if got != tt.want {
				t.Errorf("Render = %q, want %q", got, tt.want)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestRenderMissingIsTyped(t *testing.T) {
	tpl, err := Parse("{{ concat('a', response.items.3.id) }}")
	if err != nil {
		t.Fatal(err)
	}
	_, err = tpl.Render(Data{})
	var missing *MissingError
	if !errors.As(err, &missing) {
		t.Fatalf("Render = %v, want a *MissingError", err)
	}
	want := Ref{Scope: "response", Path: []string{"items", "3", "id"}, Column: 16, Len: 19}
	if diff := cmp.Diff(want, missing.Ref); diff != "" {
		t.Errorf("MissingError.Ref mismatch (-want +got):\n%s", diff)
	}
}

func TestRenderValue(t *testing.T) {
	tests := []struct {
		src     string
		want    any
		wantErr string
	}{
		{src: "{{ input.limit }}", want: 50},
		{src: " {{input.limit}} ", want: " 50 "},
		{src: "{{ fields.n }}", want: 50.0},
		{src: "{{ fields.b }}", want: true},
		{src: "{{ fields.num }}", want: json.Number("12.50")},
		{src: "{{ fields.client_secret }}", want: "s3cr3t"},
		{src: "{{ fields.st }}", want: "from-stringer"},
		{src: "{{ fields.list }}", want: []any{1.0, "x", nil, true}},
		{src: "{{ fields.sec }}", want: map[string]any{"key": "hidden"}},
		{src: "{{ response }}", want: testData().Response},
		{src: "{{ default(input.limit, '1') }}", want: "50"},
		{src: "limit={{ input.limit }}", want: "limit=50"},
		{src: "plain", want: "plain"},
		{src: "{{ input.other }}", wantErr: "input.other is not set"},
		{src: "{{ fields.nested_weird }}", wantErr: "fields.nested_weird: a value of type struct {} cannot be rendered (use strings, numbers, booleans, maps and lists)"},
	}
	d := testData()
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			tpl, err := Parse(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tpl.RenderValue(d)
			if diff := cmp.Diff(tt.wantErr, errString(err)); diff != "" {
				t.Fatalf("RenderValue error mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("RenderValue mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRenderValueCopies(t *testing.T) {
	d := testData()
	tpl, err := Parse("{{ fields.list }}")
	if err != nil {
		t.Fatal(err)
	}
	v, err := tpl.RenderValue(d)
	if err != nil {
		t.Fatal(err)
	}
	v.([]any)[0] = "changed"
	if got := d.Fields["list"].([]any)[0]; got != 1.0 {
		t.Errorf("changing the rendered list changed the data: %v", got)
	}
}

func TestRenderHeader(t *testing.T) {
	d := Data{Fields: map[string]any{
		"ok": "value", "crlf": "x\r\nX-Evil: 1", "lf": "x\ny", "cr": "x\ry", "nul": "x\x00y", "secret_lf": secret("s3cr3t\n"),
	}}
	tests := []struct {
		src     string
		want    string
		wantErr *HeaderValueError
	}{
		{src: "Bearer {{ fields.ok }}", want: "Bearer value"},
		{src: "{{ base64(fields.crlf) }}", want: "eA0KWC1FdmlsOiAx"},
		{src: "{{ urlencode(fields.lf) }}", want: "x%0Ay"},
		{src: "a {{ fields.crlf }}", wantErr: &HeaderValueError{
			Ref: Ref{Scope: "fields", Path: []string{"crlf"}, Column: 6, Len: 11}, Expr: "fields.crlf",
			Reason: "the value holds a line break (CR or LF); header values are one line"}},
		{src: "{{ fields.lf }}", wantErr: &HeaderValueError{
			Ref: Ref{Scope: "fields", Path: []string{"lf"}, Column: 4, Len: 9}, Expr: "fields.lf",
			Reason: "the value holds a line break (CR or LF); header values are one line"}},
		{src: "{{ fields.cr }}", wantErr: &HeaderValueError{
			Ref: Ref{Scope: "fields", Path: []string{"cr"}, Column: 4, Len: 9}, Expr: "fields.cr",
			Reason: "the value holds a line break (CR or LF); header values are one line"}},
		{src: "{{ fields.nul }}", wantErr: &HeaderValueError{
			Ref: Ref{Scope: "fields", Path: []string{"nul"}, Column: 4, Len: 10}, Expr: "fields.nul",
			Reason: "the value holds a NUL character"}},
		{src: "{{ concat(fields.ok, fields.secret_lf) }}", wantErr: &HeaderValueError{
			Ref: Ref{Scope: "fields", Path: []string{"ok"}, Column: 11, Len: 9}, Expr: "concat(fields.ok, fields.secret_lf)",
			Reason: "the value holds a line break (CR or LF); header values are one line"}},
		{src: "{{ 'a\\nb' }}", wantErr: &HeaderValueError{
			Reason: "the template's text holds a line break or NUL; header values are one line"}},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			tpl, err := Parse(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tpl.RenderHeader(d)
			if tt.wantErr == nil {
				if err != nil || got != tt.want {
					t.Errorf("RenderHeader = %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			var he *HeaderValueError
			if !errors.As(err, &he) {
				t.Fatalf("RenderHeader = %q, %v; want a *HeaderValueError", got, err)
			}
			if diff := cmp.Diff(tt.wantErr, he); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
			if msg := err.Error(); strings.Contains(msg, "s3cr3t") || strings.Contains(msg, "X-Evil") {
				t.Errorf("error %q holds the value", msg)
			}
		})
	}
}

func TestHeaderValueErrorMessage(t *testing.T) {
	for _, tt := range []struct {
		err  *HeaderValueError
		want string
	}{
		{&HeaderValueError{Expr: "fields.x", Reason: "r"}, "cannot insert fields.x in a header: r"},
		{&HeaderValueError{Reason: "r"}, "header template: r"},
	} {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestRenderConcurrent(t *testing.T) {
	tpl, err := Parse("{{ base64(concat(fields.client_id, ':', fields.client_secret)) }}/{{ response.items.0.id }}")
	if err != nil {
		t.Fatal(err)
	}
	d := testData()
	want, err := tpl.Render(d)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				if got, err := tpl.Render(d); err != nil || got != want {
					errs <- got
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for got := range errs {
		t.Errorf("concurrent Render = %q, want %q", got, want)
	}
}
