package secret_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/connkit/connkit/sdk/secret"
	"github.com/google/go-cmp/cmp"
)

const canary = "CANARY-SECRET-4f9c2b7e1d"

type exported struct {
	Name  string
	Token secret.Value
	Ptr   *secret.Value
}

type unexported struct {
	name  string
	token secret.Value
}

type nested struct {
	Inner  exported
	inner  unexported
	Map    map[string]secret.Value
	Slice  []secret.Value
	Array  [1]secret.Value
	Any    any
	Keyed  map[secret.Value]int
	Hidden *unexported
}

func sample() nested {
	v := secret.New(canary)
	return nested{
		Inner:  exported{Name: "n", Token: v, Ptr: &v},
		inner:  unexported{name: "n", token: v},
		Map:    map[string]secret.Value{"k": v},
		Slice:  []secret.Value{v, v},
		Array:  [1]secret.Value{v},
		Any:    v,
		Keyed:  map[secret.Value]int{v: 1},
		Hidden: &unexported{name: "h", token: v},
	}
}

func TestRevealIsTheOnlyWayOut(t *testing.T) {
	v := secret.New(canary)
	if got := v.Reveal(); got != canary {
		t.Fatalf("Reveal() = %q, want the secret", got)
	}
	if v.IsZero() {
		t.Error("IsZero() = true for a non-empty value")
	}
	for _, z := range []secret.Value{{}, secret.New("")} {
		if !z.IsZero() || z.Reveal() != "" {
			t.Errorf("empty value: IsZero()=%v Reveal()=%q", z.IsZero(), z.Reveal())
		}
	}
}

func TestEqual(t *testing.T) {
	tests := []struct {
		a, b secret.Value
		want bool
	}{
		{secret.New("a"), secret.New("a"), true},
		{secret.New("a"), secret.New("b"), false},
		{secret.New("a"), secret.New("ab"), false},
		{secret.Value{}, secret.New(""), true},
		{secret.Value{}, secret.New("a"), false},
	}
	for _, tt := range tests {
		if got := tt.a.Equal(tt.b); got != tt.want {
			t.Errorf("Equal(%q, %q) = %v, want %v", tt.a.Reveal(), tt.b.Reveal(), got, tt.want)
		}
	}
	// go-cmp picks up the Equal method.
	if d := cmp.Diff(exported{Token: secret.New("x")}, exported{Token: secret.New("x")}); d != "" {
		t.Errorf("cmp.Diff of equal secrets: %s", d)
	}
	if cmp.Equal(exported{Token: secret.New("x")}, exported{Token: secret.New("y")}) {
		t.Error("cmp.Equal of different secrets = true")
	}
}

func TestFormatVerbs(t *testing.T) {
	v := secret.New(canary)
	tests := []struct {
		format string
		want   string
	}{
		{"%v", "[redacted]"},
		{"%+v", "[redacted]"},
		{"%#v", "secret.Value{[redacted]}"},
		{"%s", "[redacted]"},
		{"%q", `"[redacted]"`},
		{"%x", "[redacted]"},
		{"%X", "[redacted]"},
		{"%d", "[redacted]"},
		{"%12s|", "  [redacted]|"},
		{"%-12v|", "[redacted]  |"},
		{"%.3s", "[re"},
		{"%T", "secret.Value"},
	}
	for _, tt := range tests {
		if got := fmt.Sprintf(tt.format, v); got != tt.want {
			t.Errorf("Sprintf(%q) = %q, want %q", tt.format, got, tt.want)
		}
	}
	if got := fmt.Sprint(v); got != "[redacted]" {
		t.Errorf("Sprint = %q", got)
	}
	if got := fmt.Sprintln(v, &v); got != "[redacted] [redacted]\n" {
		t.Errorf("Sprintln = %q", got)
	}
	if got := v.String(); got != secret.Redacted {
		t.Errorf("String() = %q", got)
	}
}

func TestEmptyFormatsAsEmpty(t *testing.T) {
	var v secret.Value
	tests := []struct{ format, want string }{
		{"%v", ""}, {"%q", `""`}, {"%#v", "secret.Value{}"}, {"%s", ""},
	}
	for _, tt := range tests {
		if got := fmt.Sprintf(tt.format, v); got != tt.want {
			t.Errorf("Sprintf(%q, empty) = %q, want %q", tt.format, got, tt.want)
		}
	}
	b, err := json.Marshal(v)
	if err != nil || string(b) != `""` {
		t.Errorf("json.Marshal(empty) = %s, %v", b, err)
	}
}

// TestNestedNeverLeaks prints and encodes a Value every way it can be
// reached: exported and unexported fields, pointers, maps (as values and
// keys), slices, arrays and interfaces.
func TestNestedNeverLeaks(t *testing.T) {
	s := sample()
	outputs := map[string]string{}
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
		outputs["Sprintf "+format] = fmt.Sprintf(format, s)
		outputs["Sprintf pointer "+format] = fmt.Sprintf(format, &s)
		outputs["Sprintf hidden "+format] = fmt.Sprintf(format, s.Hidden)
		outputs["Sprintf slice "+format] = fmt.Sprintf(format, []any{s, s.inner})
	}
	outputs["Sprint"] = fmt.Sprint(s, s.inner, &s.inner)
	for name, v := range map[string]any{"struct": s, "pointer": &s, "map": s.Map, "slice": s.Slice, "keyed": s.Keyed} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("json.Marshal(%s): %v", name, err)
		}
		outputs["json "+name] = string(b)
	}
	x, err := xml.Marshal(struct {
		XMLName xml.Name     `xml:"x"`
		V       secret.Value `xml:"v"`
		A       secret.Value `xml:"a,attr"`
	}{V: secret.New(canary), A: secret.New(canary)})
	if err != nil {
		t.Fatalf("xml.Marshal: %v", err)
	}
	outputs["xml"] = string(x)

	for name, out := range outputs {
		if strings.Contains(out, canary) {
			t.Errorf("%s leaks the secret: %s", name, out)
		}
	}
	// The exported paths show the marker (the unexported ones an address).
	for _, name := range []string{"Sprintf %+v", "json struct", "json map", "json keyed", "xml"} {
		if !strings.Contains(outputs[name], secret.Redacted) {
			t.Errorf("%s does not show %s: %s", name, secret.Redacted, outputs[name])
		}
	}
	if want := `{"Name":"n","Token":"[redacted]","Ptr":"[redacted]"}`; !strings.Contains(outputs["json struct"], want) {
		t.Errorf("json struct = %s, want it to contain %s", outputs["json struct"], want)
	}
}

func TestErrorsNeverLeak(t *testing.T) {
	v := secret.New(canary)
	base := fmt.Errorf("login with password %v failed", v)
	wrapped := fmt.Errorf("connect: %w", base)
	joined := errors.Join(wrapped, fmt.Errorf("token %s, %q, %+v, %#v", v, v, sample(), v))
	for _, err := range []error{base, wrapped, joined} {
		for _, out := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
			if strings.Contains(out, canary) {
				t.Errorf("error output leaks the secret: %s", out)
			}
		}
	}
	if !strings.Contains(wrapped.Error(), "password [redacted] failed") {
		t.Errorf("wrapped error = %q", wrapped.Error())
	}
}

func TestSlog(t *testing.T) {
	v := secret.New(canary)
	for name, newHandler := range map[string]func(*bytes.Buffer) slog.Handler{
		"text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		"json": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	} {
		var buf bytes.Buffer
		log := slog.New(newHandler(&buf))
		log.Info("token", "access_token", v, "any", any(v), slog.Any("nested", sample()), slog.Group("g", "secret", v))
		out := buf.String()
		if strings.Contains(out, canary) {
			t.Errorf("%s log leaks the secret: %s", name, out)
		}
		if !strings.Contains(out, secret.Redacted) {
			t.Errorf("%s log does not show %s: %s", name, secret.Redacted, out)
		}
	}
}

func TestMarshalText(t *testing.T) {
	b, err := secret.New(canary).MarshalText()
	if err != nil || string(b) != secret.Redacted {
		t.Errorf("MarshalText() = %q, %v", b, err)
	}
}
