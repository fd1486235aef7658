package manifest_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"go.yaml.in/yaml/v3"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/manifest/internal/schemagen"
)

// validDir holds the example manifests every part of connkit must accept.
const validDir = "../testdata/valid"

// minValidExamples guards against a glob that silently matches nothing.
const minValidExamples = 5

func TestSchemaUpToDate(t *testing.T) {
	t.Chdir("..") // schemagen reads ./manifest from the module root
	got, err := schemagen.Generate()
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	if diff := cmp.Diff(string(manifest.Schema()), string(got)); diff != "" {
		t.Errorf("manifest/schema.json is stale: run `go generate ./manifest` and commit the result (-committed +generated):\n%s", diff)
	}
}

func TestSchemaHeader(t *testing.T) {
	var head struct {
		Schema      string   `json:"$schema"`
		ID          string   `json:"$id"`
		Title       string   `json:"title"`
		Description string   `json:"description"`
		Required    []string `json:"required"`
	}
	if err := json.Unmarshal(manifest.Schema(), &head); err != nil {
		t.Fatalf("schema.json is not JSON: %v", err)
	}
	want := []string{"https://json-schema.org/draft/2020-12/schema", manifest.SchemaID, schemagen.Title}
	if diff := cmp.Diff(want, []string{head.Schema, head.ID, head.Title}); diff != "" {
		t.Errorf("$schema, $id, title (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(head.Description, "Manifest is one connector") {
		t.Errorf("description %q does not come from the doc comment of Manifest", head.Description)
	}
	if diff := cmp.Diff([]string{"connkit", "id", "name", "whitelist"}, head.Required); diff != "" {
		t.Errorf("required (-want +got):\n%s", diff)
	}
}

func TestSchemaReturnsCopy(t *testing.T) {
	a := manifest.Schema()
	a[0] = 'x'
	if b := manifest.Schema(); b[0] != '{' {
		t.Errorf("Schema() shares its bytes with callers: got %q after a caller's write", b[0])
	}
}

// TestSchemaStrict walks every object schema and checks that it closes its
// properties and types its map values: no object accepts unknown keys.
func TestSchemaStrict(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(manifest.Schema(), &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(ptr string, v any)
	walk = func(ptr string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if v["type"] == "object" {
				ap, ok := v["additionalProperties"]
				if !ok {
					t.Errorf("%s: object without additionalProperties", ptr)
				} else if ap == true {
					t.Errorf("%s: additionalProperties is true", ptr)
				}
			}
			for k, sub := range v {
				walk(ptr+"/"+k, sub)
			}
		case []any:
			for i, sub := range v {
				walk(fmt.Sprintf("%s/%d", ptr, i), sub)
			}
		}
	}
	walk("#", doc)
}

// TestSchemaConditionalKeys checks that every key named by a conditional
// rule (allOf, if, then, else, oneOf) exists in the object's properties, so
// a renamed field cannot leave a rule that silently never applies.
func TestSchemaConditionalKeys(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(manifest.Schema(), &doc); err != nil {
		t.Fatal(err)
	}
	defs, _ := doc["$defs"].(map[string]any)
	resolve := func(s map[string]any) map[string]any {
		if ref, ok := s["$ref"].(string); ok {
			d, _ := defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
			return d
		}
		return s
	}
	var check func(ptr string, object, rule map[string]any)
	check = func(ptr string, object, rule map[string]any) {
		props, _ := object["properties"].(map[string]any)
		req, _ := rule["required"].([]any)
		for _, k := range req {
			if _, ok := props[k.(string)]; !ok {
				t.Errorf("%s: required key %q is not a property", ptr, k)
			}
		}
		ruleProps, _ := rule["properties"].(map[string]any)
		for k, sub := range ruleProps {
			p, ok := props[k].(map[string]any)
			if !ok {
				t.Errorf("%s: key %q is not a property", ptr, k)
				continue
			}
			if sub, ok := sub.(map[string]any); ok {
				check(ptr+"/properties/"+k, resolve(p), sub)
			}
		}
		for _, kw := range []string{"if", "then", "else"} {
			if sub, ok := rule[kw].(map[string]any); ok {
				check(ptr+"/"+kw, object, sub)
			}
		}
		for _, kw := range []string{"allOf", "oneOf", "anyOf"} {
			subs, _ := rule[kw].([]any)
			for i, sub := range subs {
				check(fmt.Sprintf("%s/%s/%d", ptr, kw, i), object, sub.(map[string]any))
			}
		}
	}
	check("#", doc, doc)
	for name, d := range defs {
		d := d.(map[string]any)
		check("#/$defs/"+name, d, d)
	}
}

// compileSchema compiles the embedded schema with an independent validator,
// registered under its $id so that no local path leaks into messages.
func compileSchema(tb testing.TB) *jsonschema.Schema {
	tb.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(manifest.Schema()))
	if err != nil {
		tb.Fatalf("parsing schema.json: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(manifest.SchemaID, doc); err != nil {
		tb.Fatalf("adding schema.json: %v", err)
	}
	sch, err := c.Compile(manifest.SchemaID)
	if err != nil {
		tb.Fatalf("compiling schema.json: %v", err)
	}
	return sch
}

// decodeYAML decodes a YAML document into the values encoding/json would
// produce, as the validator expects them.
func decodeYAML(b []byte) (any, error) {
	var v any
	if err := yaml.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("decoding YAML: %w", err)
	}
	return jsonValue(v), nil
}

// jsonValue turns the maps of a decoded YAML document into map[string]any
// (YAML allows non-string keys, JSON does not).
func jsonValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = jsonValue(e)
		}
		return v
	case map[any]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[fmt.Sprint(k)] = jsonValue(e)
		}
		return m
	case []any:
		for i, e := range v {
			v[i] = jsonValue(e)
		}
		return v
	}
	return v
}

func TestSchemaValidExamples(t *testing.T) {
	sch := compileSchema(t)
	entries, err := os.ReadDir(validDir)
	if err != nil {
		t.Fatalf("reading %s: %v", validDir, err)
	}
	var files []string
	for _, e := range entries {
		switch filepath.Ext(e.Name()) {
		case ".yaml", ".yml", ".json":
			files = append(files, filepath.Join(validDir, e.Name()))
		}
	}
	if len(files) < minValidExamples {
		t.Fatalf("%s holds %d manifests, want at least %d", validDir, len(files), minValidExamples)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var v any
			if filepath.Ext(f) == ".json" {
				v, err = jsonschema.UnmarshalJSON(bytes.NewReader(b))
			} else {
				v, err = decodeYAML(b)
			}
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if err := sch.Validate(v); err != nil {
				t.Errorf("%s does not validate against the schema:\n%v", f, err)
			}
		})
	}
}

// minimal is the head of a manifest, to which each case adds its auth.
const minimal = `
connkit: v1
id: acme-crm
name: Acme CRM
whitelist: [https://api.acme.example/]
`

// bearer is a complete valid auth block.
const bearer = `
auth:
  type: bearer
  apply: {headers: {Authorization: "Bearer {{ fields.token }}"}}
`

func TestSchemaAccepts(t *testing.T) {
	sch := compileSchema(t)
	tests := []struct {
		name string
		doc  string
	}{
		{"bearer", minimal + bearer},
		{"none", minimal + "auth: {type: none}"},
		{"basic", minimal + `auth: {type: basic, basic: {username: "{{ fields.user }}", password: "{{ fields.password }}"}}`},
		{"client credentials with token url", minimal + `
auth:
  type: oauth2_client_credentials
  token:
    url: https://login.acme.example/oauth/token
    client_auth: body
    include_scope: false
    params: {audience: crm}
    retry: {attempts: 3, max_wait: 1m30s}
  renew_before: 60s
`},
		{"client credentials with issuer", minimal + `
auth: {type: oauth2_client_credentials, issuer: "https://login.acme.example", token: {client_id: "{{ fields.client_id }}"}}`},
		{"authorization code", minimal + `
auth:
  type: oauth2_authorization_code
  authorize: {url: https://login.acme.example/authorize, pkce: S256, params: {prompt: consent}}
  token: {url: https://login.acme.example/token, response: {expires_in: data.expiry, expiry_format: rfc3339, keep: {instance_url: instance_url}}}
  refresh: {}
  revoke: {url: https://login.acme.example/revoke}
`},
		{"authorization code with issuer", minimal + `
auth: {type: oauth2_authorization_code, issuer: "https://login.acme.example", token: {client_id: x}}`},
		{"login", minimal + `
auth:
  type: login
  token: {url: https://api.acme.example/login, format: json, headers: {Authorization: "Basic {{ base64(concat(fields.id, ':', fields.secret)) }}"}}
`},
		{"auth methods", minimal + `
auth_methods:
  - key: api_key
    label: API key
    fields: [{key: api_key, label: API key, type: secret, required: true}]
    auth: {type: api_key, apply: {query: {key: "{{ fields.api_key }}"}, query_required: true}}
  - {key: none, label: Public, auth: {type: none}}
`},
		{"select field, test, actions", minimal + bearer + `
fields:
  - {key: environment, label: Environment, type: select, default: production,
     options: [{value: https://sandbox.acme.example, label: Sandbox}]}
  - {key: port, label: Port, type: number, default: 443}
  - {key: debug, label: Debug, type: boolean, default: false}
base_url: "{{ fields.environment }}/v2"
defaults: {query: {version: "2"}, headers: {Accept: application/json}}
http: {follow_redirects: true, max_redirects: 3, timeout: 10s}
test:
  request: {method: GET, path: /me}
  expect: {status: [200], present: [id]}
label: "{{ response.company.name }}"
identity: "{{ response.id }}"
actions:
  list_contacts:
    description: Lists contacts.
    method: GET
    path: /contacts
    input: [{key: limit, type: number, default: 50}]
    query: {limit: "{{ input.limit }}"}
  create_contact:
    method: POST
    url: https://upload.acme.example/contacts
    format: form
    body: {name: "{{ input.name }}", tags: [a, b], nested: {n: 1}}
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := decodeYAML([]byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(v); err != nil {
				t.Errorf("rejected:\n%v", err)
			}
		})
	}
}

func TestSchemaRejects(t *testing.T) {
	sch := compileSchema(t)
	tests := []struct {
		name string
		doc  string
		want []string // "#pointer: ErrorKind" of every leaf error
	}{
		{"missing connkit", `{id: acme, name: Acme, whitelist: [https://a.example/], auth: {type: none}}`,
			[]string{"#: Required"}},
		{"wrong version", strings.Replace(minimal, "v1", "v2", 1) + bearer,
			[]string{"#/connkit: Enum"}},
		{"id not a slug", strings.Replace(minimal, "acme-crm", "Acme_CRM", 1) + bearer,
			[]string{"#/id: Pattern"}},
		{"name too long", strings.Replace(minimal, "Acme CRM", strings.Repeat("n", 51), 1) + bearer,
			[]string{"#/name: MaxLength"}},
		{"unknown top-level key", minimal + bearer + "authentication: {}",
			[]string{"#/authentication: AdditionalProperties"}},
		{"neither auth nor auth_methods", minimal,
			[]string{"#: Required"}},
		{"both auth and auth_methods", minimal + bearer + "auth_methods: [{key: none, label: None, auth: {type: none}}]",
			[]string{"#: OneOf"}},
		{"empty auth_methods", minimal + "auth_methods: []",
			[]string{"#/auth_methods: MinItems"}},
		{"empty whitelist", strings.Replace(minimal, "[https://api.acme.example/]", "[]", 1) + bearer,
			[]string{"#/whitelist: MinItems"}},
		{"unknown auth type", minimal + "auth: {type: oauth1}",
			[]string{"#/auth/type: Enum"}},
		{"client credentials without token", minimal + "auth: {type: oauth2_client_credentials}",
			[]string{"#/auth: Required"}},
		{"client credentials with authorize", minimal + `
auth: {type: oauth2_client_credentials, token: {url: https://a.example/t}, authorize: {url: https://a.example/a}}`,
			[]string{"#/auth/authorize: FalseSchema"}},
		{"client credentials token without url", minimal + "auth: {type: oauth2_client_credentials, token: {scope: read}}",
			[]string{"#/auth/token: Required"}},
		{"authorization code without authorize", minimal + `
auth: {type: oauth2_authorization_code, token: {url: https://a.example/t}}`,
			[]string{"#/auth: Required"}},
		{"login without token", minimal + "auth: {type: login}",
			[]string{"#/auth: Required"}},
		{"login with issuer", minimal + "auth: {type: login, issuer: https://a.example, token: {url: https://a.example/login}}",
			[]string{"#/auth/issuer: FalseSchema"}},
		{"basic without basic", minimal + "auth: {type: basic}",
			[]string{"#/auth: Required"}},
		{"api key without apply", minimal + "auth: {type: api_key}",
			[]string{"#/auth: Required"}},
		{"bearer with a token API", minimal + bearer + "  token: {url: https://a.example/t}",
			[]string{"#/auth/token: FalseSchema"}},
		{"auth method without basic", minimal + "auth_methods: [{key: b, label: B, auth: {type: basic}}]",
			[]string{"#/auth_methods/0/auth: Required"}},
		{"unknown key in the token API", minimal + "auth: {type: login, token: {url: https://a.example/l, secret: x}}",
			[]string{"#/auth/token/secret: AdditionalProperties"}},
		{"retry attempts zero", minimal + "auth: {type: login, token: {url: https://a.example/l, retry: {attempts: 0}}}",
			[]string{"#/auth/token/retry/attempts: Minimum"}},
		{"duration without unit", minimal + `auth: {type: login, token: {url: https://a.example/l}, renew_before: "60"}`,
			[]string{"#/auth/renew_before: Pattern"}},
		{"field of unknown type", minimal + bearer + "fields: [{key: k, label: K, type: text}]",
			[]string{"#/fields/0/type: Enum"}},
		{"select without options", minimal + bearer + "fields: [{key: k, label: K, type: select}]",
			[]string{"#/fields/0: Required"}},
		{"header value not a string", minimal + bearer + "defaults: {headers: {Accept: [a, b]}}",
			[]string{"#/defaults/headers/Accept: Type"}},
		{"test without request", minimal + bearer + "test: {expect: {status: [200]}}",
			[]string{"#/test: Required"}},
		{"request with path and url", minimal + bearer + "test: {request: {path: /me, url: https://api.acme.example/me}}",
			[]string{"#/test/request: OneOf"}},
		{"action with unknown method", minimal + bearer + "actions: {list: {method: TRACE, path: /x}}",
			[]string{"#/actions/list/method: Enum"}},
		{"action with unknown key", minimal + bearer + "actions: {list: {path: /x, params: {a: b}}}",
			[]string{"#/actions/list/params: AdditionalProperties"}},
		{"action without path or url", minimal + bearer + "actions: {list: {method: GET}}",
			[]string{"#/actions/list: Required"}},
		{"docs url not a URI", minimal + bearer + "docs_url: not a url",
			[]string{"#/docs_url: Format"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := decodeYAML([]byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			err = sch.Validate(v)
			var verr *jsonschema.ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("accepted; want errors at %v (error: %v)", tt.want, err)
			}
			if diff := cmp.Diff(tt.want, leafErrors(verr)); diff != "" {
				t.Errorf("error locations (-want +got):\n%s\nfull error:\n%v", diff, err)
			}
		})
	}
}

// leafErrors lists the innermost errors as "#pointer: Kind", sorted and
// without duplicates. An unknown key is reported at the key itself, not at
// the object that holds it.
func leafErrors(e *jsonschema.ValidationError) []string {
	var out []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		ptr := "#" + pointer(e.InstanceLocation)
		name := strings.TrimPrefix(fmt.Sprintf("%T", e.ErrorKind), "*kind.")
		if ap, ok := e.ErrorKind.(*kind.AdditionalProperties); ok {
			for _, p := range ap.Properties {
				out = append(out, ptr+pointer([]string{p})+": "+name)
			}
			return
		}
		out = append(out, ptr+": "+name)
	}
	walk(e)
	slices.Sort(out)
	return slices.Compact(out)
}

// pointer formats path segments as a JSON pointer (RFC 6901).
func pointer(segs []string) string {
	var b strings.Builder
	for _, s := range segs {
		b.WriteByte('/')
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(s))
	}
	return b.String()
}

// TestSchemaREADMEExample checks that the manifest shown in the README is
// valid.
func TestSchemaREADMEExample(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := bytes.Cut(b, []byte("```yaml\n"))
	example, _, closed := bytes.Cut(rest, []byte("```"))
	if !ok || !closed {
		t.Fatal("README.md has no ```yaml block")
	}
	v, err := decodeYAML(example)
	if err != nil {
		t.Fatal(err)
	}
	if err := compileSchema(t).Validate(v); err != nil {
		t.Errorf("the README's manifest does not validate:\n%v", err)
	}
}
