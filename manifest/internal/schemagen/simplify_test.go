package schemagen

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/invopop/jsonschema"
	validate "github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"

	"github.com/connkit/connkit/manifest"
)

// compile compiles s as the validator package does.
func compile(t *testing.T, s *jsonschema.Schema) *validate.Schema {
	t.Helper()
	b, err := encode(s)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := validate.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	c := validate.NewCompiler()
	c.DefaultDraft(validate.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(manifest.SchemaID, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(manifest.SchemaID)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// failures lists what a validation error says about the document: every
// failure with its instance location, leaving out the kinds that only
// group others ($ref, allOf, the whole schema), whose schema locations
// the rewrites change.
func failures(err error) []string {
	var out []string
	var walk func(e *validate.ValidationError)
	walk = func(e *validate.ValidationError) {
		switch e.ErrorKind.(type) {
		case *kind.Group, *kind.Reference, *kind.AllOf, *kind.Schema:
		default:
			out = append(out, fmt.Sprintf("%q %T %+v", e.InstanceLocation, e.ErrorKind, e.ErrorKind))
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	if e, ok := err.(*validate.ValidationError); ok {
		walk(e)
	} else if err != nil {
		out = append(out, err.Error())
	}
	slices.Sort(out)
	return out
}

// equivalenceDocs returns the documents the simplified schema must judge
// as the reflected one does: the manifests of testdata and a case for
// each rewritten construct.
func equivalenceDocs(t *testing.T) map[string][]byte {
	t.Helper()
	docs := map[string][]byte{}
	for _, dir := range []string{"testdata/valid", "testdata/invalid"} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if ext := filepath.Ext(e.Name()); ext == ".yaml" || ext == ".yml" || ext == ".json" {
				b, err := os.ReadFile(filepath.Join(dir, e.Name()))
				if err != nil {
					t.Fatal(err)
				}
				docs[filepath.Join(dir, e.Name())] = b
			}
		}
	}
	const head = "connkit: v1\nid: acme\nname: Acme\nwhitelist: [https://a.example/]\n"
	// Every key an auth type may forbid or require, wrongly typed or not.
	const allKeys = `, basic: {username: u}, revoke: {}, apply: {}, issuer: "x", authorize: {},
  token: {scope: s}, refresh: {}, renew_before: soon, default_lifetime: 5, renew_on: {}`
	for _, typ := range append(slices.Clone(manifest.AuthTypes), "", "oauth1") {
		docs["auth "+string(typ)] = []byte(head + fmt.Sprintf("auth: {type: %q}\n", typ))
		docs["auth all keys "+string(typ)] = []byte(head + fmt.Sprintf("auth: {type: %q%s}\n", typ, allKeys))
		docs["auth issuer "+string(typ)] = []byte(head + fmt.Sprintf("auth: {type: %q, issuer: https://i.example, token: {}}\n", typ))
	}
	for name, doc := range map[string]string{
		"auth without type":   "auth: {apply: {}}",
		"auth type a number":  "auth: {type: 5, basic: {}}",
		"auth type null":      "auth: {type: null, token: {}}",
		"template not string": "auth: {type: basic, basic: {username: 5, password: [x]}}",
		"duration":            "auth: {type: login, token: {url: u, retry: {max_wait: 1 minute}}, renew_before: 5}",
		"scope delimiter":     "auth: {type: oauth2_authorization_code, authorize: {url: u, scope_delimiter: ';'}, token: {url: u, scope_delimiter: 1}}",
		"scalar":              "auth: {type: none}\nfields: [{key: a, label: A, type: string, default: {x: 1}}, {key: b, label: B, type: select, default: [1], options: []}]",
		"request":             "auth: {type: none}\ntest: {request: {path: 5, url: 6, headers: {a: 1}}}\nactions: {a: {}, b: {path: p, input: [{key: k, default: null}]}}",
	} {
		docs[name] = []byte(head + doc + "\n")
	}
	return docs
}

// TestSimplifyEquivalent checks that the generated schema accepts and
// rejects the same documents as the schema reflected from the types, with
// the same failures at the same places.
func TestSimplifyEquivalent(t *testing.T) {
	chdirRoot(t)
	reflected, err := reflectSchema()
	if err != nil {
		t.Fatal(err)
	}
	simplified, err := reflectSchema()
	if err != nil {
		t.Fatal(err)
	}
	simplify(simplified)
	before, after := compile(t, reflected), compile(t, simplified)
	for name, b := range equivalenceDocs(t) {
		f, _ := manifest.Parse(name, b)
		doc := f.Document()
		if doc == nil {
			continue
		}
		want := failures(before.Validate(doc))
		if diff := cmp.Diff(want, failures(after.Validate(doc))); diff != "" {
			t.Errorf("%s: failures differ (-reflected +simplified):\n%s", name, diff)
		}
	}
}

func TestSimplifyRewrites(t *testing.T) {
	chdirRoot(t)
	s, err := reflectSchema()
	if err != nil {
		t.Fatal(err)
	}
	simplify(s)
	b, err := encode(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, absent := range []string{`"#/$defs/Template"`, `"#/$defs/Duration"`, `"#/$defs/Scalar"`, `"#/$defs/ScopeDelimiter"`} {
		if bytes.Contains(b, []byte(absent)) {
			t.Errorf("the schema still refers to %s", absent)
		}
	}
	auth := s.Definitions["Auth"]
	if auth.AllOf != nil {
		t.Errorf("Auth keeps its allOf of per-type rules")
	}
	var chain []any
	for link := auth; link != nil; link = link.Else {
		_, v, ok := constCondition(link.If)
		if !ok {
			t.Fatalf("link %d of the Auth chain has no type condition", len(chain))
		}
		chain = append(chain, v)
	}
	want := make([]any, len(manifest.AuthTypes))
	for i, typ := range manifest.AuthTypes {
		want[i] = string(typ)
	}
	if diff := cmp.Diff(want, chain); diff != "" {
		t.Errorf("Auth chain (-want +got):\n%s", diff)
	}
	path, _ := s.Definitions["Action"].Properties.Get("path")
	if path.Type != "string" || !strings.HasPrefix(path.Description, "Path is resolved") {
		t.Errorf("inlined template: type %q, description %q; want string with the field's own description", path.Type, path.Description)
	}
}

// TestChainExclusiveRules checks that only rules whose conditions exclude
// each other are chained.
func TestChainExclusiveRules(t *testing.T) {
	is := func(key, value string) *jsonschema.Schema {
		props := jsonschema.NewProperties()
		props.Set(key, &jsonschema.Schema{Const: value})
		return &jsonschema.Schema{Properties: props, Required: []string{key}}
	}
	then := func() *jsonschema.Schema { return &jsonschema.Schema{Required: []string{"x"}} }
	tests := []struct {
		name  string
		rules []*jsonschema.Schema
		chain bool
	}{
		{"distinct values of one key", []*jsonschema.Schema{{If: is("t", "a"), Then: then()}, {If: is("t", "b"), Then: then()}}, true},
		{"same value twice", []*jsonschema.Schema{{If: is("t", "a"), Then: then()}, {If: is("t", "a"), Then: then()}}, false},
		{"two keys", []*jsonschema.Schema{{If: is("t", "a"), Then: then()}, {If: is("u", "b"), Then: then()}}, false},
		{"an else", []*jsonschema.Schema{{If: is("t", "a"), Then: then(), Else: then()}, {If: is("t", "b"), Then: then()}}, false},
		{"not only a condition", []*jsonschema.Schema{{If: is("t", "a"), Then: then()}, {Required: []string{"t"}}}, false},
		{"a single rule", []*jsonschema.Schema{{If: is("t", "a"), Then: then()}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &jsonschema.Schema{AllOf: tt.rules}
			chainExclusiveRules(s)
			if got := s.AllOf == nil; got != tt.chain {
				t.Errorf("chained: %v, want %v", got, tt.chain)
			}
			if tt.chain && (s.If != tt.rules[0].If || s.Else.If != tt.rules[1].If || s.Else.Then != tt.rules[1].Then) {
				t.Errorf("chain does not hold the rules in order")
			}
		})
	}
}
