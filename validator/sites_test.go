package validator

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/connkit/connkit/manifest"
)

// templateDoc builds a value of type t, as a JSON document would hold it,
// with every template set, and lists the pointers of those templates.
// Auth types are set to oauth2_authorization_code, whose sections hold
// every template an Auth has.
func templateDoc(t reflect.Type, ptr string, ptrs *[]string) any {
	switch t {
	case reflect.TypeFor[manifest.Template]():
		*ptrs = append(*ptrs, ptr)
		return "{{ fields.x }}"
	case reflect.TypeFor[manifest.AuthType]():
		return string(manifest.AuthOAuth2AuthorizationCode)
	}
	switch t.Kind() {
	case reflect.Pointer:
		return templateDoc(t.Elem(), ptr, ptrs)
	case reflect.Struct:
		m := map[string]any{}
		addStructFields(t, ptr, m, ptrs)
		return m
	case reflect.Slice:
		return []any{templateDoc(t.Elem(), ptr+"/0", ptrs)}
	case reflect.Map:
		return map[string]any{"k": templateDoc(t.Elem(), ptr+"/k", ptrs)}
	case reflect.Interface: // a request body: its strings are templates
		*ptrs = append(*ptrs, ptr)
		return "{{ fields.x }}"
	}
	return reflect.Zero(t).Interface()
}

// addStructFields adds the fields of struct type t to m, inlining embedded
// structs as encoding/json does.
func addStructFields(t reflect.Type, ptr string, m map[string]any, ptrs *[]string) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" {
			addStructFields(f.Type, ptr, m, ptrs)
			continue
		}
		if f.IsExported() && name != "-" {
			m[name] = templateDoc(f.Type, ptr+manifest.Pointer(name), ptrs)
		}
	}
}

// TestEveryTemplateIsASite checks that the rules see every template the
// manifest model has: a template field added to the model without a site
// would escape the reference, secret and URL rules.
func TestEveryTemplateIsASite(t *testing.T) {
	var want []string
	doc := templateDoc(reflect.TypeFor[manifest.Manifest](), "", &want)
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	f, err := manifest.Parse("all.json", data)
	if err != nil {
		t.Fatalf("the generated manifest does not load: %v", err)
	}
	c := newContext(f)
	var got []string
	for _, s := range c.sites {
		if !strings.HasSuffix(s.ptr, "/issuer") {
			got = append(got, s.ptr)
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("template sites (-model +collected):\n%s", diff)
	}
}
