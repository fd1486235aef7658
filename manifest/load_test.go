package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"github.com/connkit/connkit/internal/suggest"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The valid keys of some mappings, as unknown-key errors list them.
const (
	topKeys      = "connkit, id, name, description, docs_url, fields, base_url, auth, auth_methods, whitelist, defaults, http, test, label, identity, actions"
	endpointKeys = "url, method, client_auth, basic_raw, client_id, client_secret, grant_type, scope, scope_delimiter, include_scope, format, params, query, headers, response, retry"
	fieldKeys    = "key, label, type, required, default, options, pattern, help, placeholder"
	actionKeys   = "description, input, method, path, url, query, headers, format, body"
	authKeys     = "type, basic, issuer, authorize, token, refresh, revoke, renew_before, default_lifetime, renew_on, apply"
)

// errorCases are inputs with the exact error lines Parse must give.
var errorCases = []struct {
	name string
	path string
	src  string
	want []string
}{
	{
		name: "unknown top-level key with a suggestion",
		path: "m.yaml",
		src:  "connkit: v1\nnmae: Acme\n",
		want: []string{`m.yaml:2:1: unknown key "nmae" at the top level; did you mean "name"? (valid keys: ` + topKeys + `)`},
	},
	{
		name: "unknown key in a nested mapping",
		path: "m.yaml",
		src:  "auth:\n  type: oauth2_client_credentials\n  token:\n    url: https://auth.example/token\n    scop: read\n",
		want: []string{`m.yaml:5:5: unknown key "scop" in auth.token; did you mean "scope"? (valid keys: ` + endpointKeys + `)`},
	},
	{
		name: "unknown key without a close match",
		path: "m.yaml",
		src:  "auth:\n  type: none\n  colour: red\n",
		want: []string{`m.yaml:3:3: unknown key "colour" in auth (valid keys: ` + authKeys + `)`},
	},
	{
		name: "unknown key in a list item, with a transposition",
		path: "m.yaml",
		src:  "fields:\n  - key: token\n    lable: Token\n",
		want: []string{`m.yaml:3:5: unknown key "lable" in fields[0]; did you mean "label"? (valid keys: ` + fieldKeys + `)`},
	},
	{
		name: "unknown key in an action, which inlines the request keys",
		path: "m.yaml",
		src:  "actions:\n  list:\n    methd: GET\n    Path: /x\n",
		want: []string{
			`m.yaml:3:5: unknown key "methd" in actions.list; did you mean "method"? (valid keys: ` + actionKeys + `)`,
			`m.yaml:4:5: unknown key "Path" in actions.list; did you mean "path"? (valid keys: ` + actionKeys + `)`,
		},
	},
	{
		name: "unknown key in JSON",
		path: "m.json",
		src:  `{"connkit": "v1", "base-url": "https://api.example"}`,
		want: []string{`m.json:1:19: unknown key "base-url" at the top level; did you mean "base_url"? (valid keys: ` + topKeys + `)`},
	},
	{
		name: "duplicate keys",
		path: "m.yaml",
		src: "name: A\nname: B\nauth:\n  type: bearer\n  apply:\n    headers: {X-Key: a, X-Key: b}\n" +
			"actions:\n  a:\n    body: {n: 1, n: 2}\n",
		want: []string{
			`m.yaml:2:1: duplicate key "name" at the top level: it is first given at line 1, column 1; remove one of them`,
			`m.yaml:6:25: duplicate key "X-Key" in auth.apply.headers: it is first given at line 6, column 15; remove one of them`,
			`m.yaml:9:18: duplicate key "n" in actions.a.body: it is first given at line 9, column 12; remove one of them`,
		},
	},
	{
		name: "duplicate keys in JSON",
		path: "m.json",
		src:  "{\n  \"id\": \"a\",\n  \"id\": \"b\"\n}\n",
		want: []string{`m.json:3:3: duplicate key "id" at the top level: it is first given at line 2, column 3; remove one of them`},
	},
	{
		name: "wrong types",
		path: "m.yaml",
		src: "fields: client_id\nwhitelist: {a: b}\nauth: bearer\nname: 42\ntest:\n  request: [GET, /me]\n" +
			"  expect: {status: 200, present: [[id]]}\n",
		want: []string{
			`m.yaml:1:9: fields: expected a list of fields, got a string; write a list, even of one item: "- item" lines or [item]`,
			`m.yaml:2:12: whitelist: expected a list of strings, got a mapping; write a list, even of one item: "- item" lines or [item]`,
			`m.yaml:3:7: auth: expected a mapping, got a string`,
			`m.yaml:4:7: name: expected a string, got a number; quote it to make it a string`,
			`m.yaml:6:12: test.request: expected a mapping, got a list`,
			`m.yaml:7:20: test.expect.status: expected a list of integers, got a number; write a list, even of one item: "- item" lines or [item]`,
			`m.yaml:7:35: test.expect.present[0]: expected a string, got a list`,
		},
	},
	{
		name: "quoted booleans and integers, floats for integers",
		path: "m.yaml",
		src: "fields:\n  - {key: a, required: \"true\"}\nhttp: {max_redirects: \"5\", follow_redirects: 1}\n" +
			"auth:\n  token:\n    retry: {attempts: 2.5}\n    include_scope: no\n",
		want: []string{
			`m.yaml:2:24: fields[0].required: expected a boolean (true or false), got a string; remove the quotes`,
			`m.yaml:3:23: http.max_redirects: expected an integer, got a string; remove the quotes`,
			`m.yaml:3:46: http.follow_redirects: expected a boolean (true or false), got a number`,
			`m.yaml:6:23: auth.token.retry.attempts: expected an integer, got a number`,
			`m.yaml:7:20: auth.token.include_scope: expected a boolean (true or false), got a string`,
		},
	},
	{
		name: "unquoted template in YAML",
		path: "m.yaml",
		src:  "label: {{ response.name }}\n",
		want: []string{`m.yaml:1:8: label: expected a string, got a mapping; in YAML a value that starts with "{{" must be quoted: "{{ ... }}"`},
	},
	{
		name: "template errors, located in the line",
		path: "m.yaml",
		src: "base_url: https://{{ field.sub }}.example\n" +
			"label: \"\\t\\u00e9 {{ response.name\"\n" +
			"identity: 'it''s {{ bas64(response.id) }}'\n" +
			"auth:\n  type: bearer\n  apply:\n    headers:\n      Authorization: >-\n        Bearer\n        {{ token.access_token }\n",
		want: []string{
			`m.yaml:1:22: base_url: bad template: unknown scope "field": did you mean "fields"?`,
			`m.yaml:2:18: label: bad template: unclosed "{{": add "}}" after the expression, or write {{ "{{" }} for literal braces`,
			`m.yaml:3:21: identity: bad template: unknown function "bas64": did you mean "base64"?`,
			`m.yaml:8:22: auth.apply.headers.Authorization: bad template: unclosed "{{": add "}}" after the expression, or write {{ "{{" }} for literal braces`,
		},
	},
	{
		name: "template errors in JSON, after escapes",
		path: "m.json",
		src:  `{"label": "\"\u00e9\/ {{ input }}", "actions": {"a": {"body": {"q": ["{{ token. }}"]}}}}`,
		want: []string{
			`m.json:1:26: label: bad template: input needs a key: write input.KEY`,
			`m.json:1:79: actions.a.body.q[0]: bad template: "token." ends with ".": add a key after the dot or remove it`,
		},
	},
	{
		name: "durations",
		path: "m.yaml",
		src:  "auth:\n  renew_before: 60\n  default_lifetime: 1 hour\n  token:\n    retry: {max_wait: -5s}\nhttp: {timeout: [1s]}\n",
		want: []string{
			`m.yaml:2:17: auth.renew_before: expected a duration such as "60s", got a number; add a unit, such as "60s"`,
			`m.yaml:3:21: auth.default_lifetime: "1 hour" is not a duration: write a number with a unit, such as "60s", "5m" or "1h"`,
			`m.yaml:5:23: auth.token.retry.max_wait: "-5s" is negative: a duration must be zero or more`,
			`m.yaml:6:17: http.timeout: expected a duration such as "60s", got a list`,
		},
	},
	{
		name: "regular expressions",
		path: "m.yaml",
		src:  "fields:\n  - {key: sub, pattern: \"^[a-z\"}\nauth:\n  renew_on:\n    body: [ok, \"(?P<x\", 3]\n",
		want: []string{
			"m.yaml:2:25: fields[0].pattern: bad regular expression: missing closing ]: `[a-z`",
			"m.yaml:5:16: auth.renew_on.body[1]: bad regular expression: invalid named capture: `(?P<x`",
			`m.yaml:5:25: auth.renew_on.body[2]: expected a string, got a number; quote it to make it a string`,
		},
	},
	{
		name: "anchors, aliases, merge keys and tags",
		path: "m.yaml",
		src: "defaults:\n  headers: &h {Accept: application/json}\ntest:\n  request:\n    headers: *h\n" +
			"    <<: {method: GET}\n    path: !!binary L21l\n    url: !custom x\n",
		want: []string{
			`m.yaml:2:12: defaults.headers: anchor &h is not supported: manifests do not use YAML anchors and aliases; remove it`,
			`m.yaml:5:14: test.request.headers: alias *h is not supported: manifests do not use YAML anchors and aliases; write the value out`,
			`m.yaml:6:5: merge key << is not supported in test.request: write the keys out`,
			`m.yaml:7:11: test.request.path: YAML tag !!binary is not supported: remove it`,
			`m.yaml:8:10: test.request.url: YAML tag !custom is not supported: remove it`,
		},
	},
	{
		name: "an alias bomb is refused, never expanded",
		path: "m.yaml",
		src: "actions:\n  a:\n    body:\n      l0: &a [x, x, x, x, x, x, x, x, x, x]\n      l1: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n" +
			"      l2: [*b, *b]\n",
		want: []string{
			`m.yaml:4:11: actions.a.body.l0: anchor &a is not supported: manifests do not use YAML anchors and aliases; remove it`,
			`m.yaml:5:11: actions.a.body.l1: anchor &b is not supported: manifests do not use YAML anchors and aliases; remove it`,
			`m.yaml:5:15: actions.a.body.l1[0]: alias *a is not supported: manifests do not use YAML anchors and aliases; write the value out`,
			`m.yaml:5:19: actions.a.body.l1[1]: alias *a is not supported: manifests do not use YAML anchors and aliases; write the value out`,
			`m.yaml:5:23: actions.a.body.l1[2]: alias *a is not supported: manifests do not use YAML anchors and aliases; write the value out`,
			`m.yaml:5:27: actions.a.body.l1[3]: alias *a is not supported: manifests do not use YAML anchors and aliases; write the value out`,
			`m.yaml:5:31: actions.a.body.l1[4]: alias *a is not supported: manifests do not use YAML anchors and aliases; write the value out`,
			`m.yaml:5:35: actions.a.body.l1[5]: alias *a is not supported: manifests do not use YAML anchors and aliases; write the value out`,
			`m.yaml:5:39: actions.a.body.l1[6]: alias *a is not supported: manifests do not use YAML anchors and aliases; write the value out`,
			`m.yaml:5:43: actions.a.body.l1[7]: alias *a is not supported: manifests do not use YAML anchors and aliases; write the value out`,
			`m.yaml:5:47: actions.a.body.l1[8]: alias *a is not supported: manifests do not use YAML anchors and aliases; write the value out`,
			`m.yaml:5:51: actions.a.body.l1[9]: alias *a is not supported: manifests do not use YAML anchors and aliases; write the value out`,
			`m.yaml:6:12: actions.a.body.l2[0]: alias *b is not supported: manifests do not use YAML anchors and aliases; write the value out`,
			`m.yaml:6:16: actions.a.body.l2[1]: alias *b is not supported: manifests do not use YAML anchors and aliases; write the value out`,
		},
	},
	{
		name: "keys that are not strings",
		path: "m.yaml",
		src:  "test:\n  expect: {status: [200]}\n  200: ok\n  [a]: b\nactions:\n  a:\n    body: {true: 1, null: 2}\n",
		want: []string{
			`m.yaml:3:3: key 200 is a number, but mapping keys must be strings: quote it`,
			`m.yaml:4:3: a mapping key must be a string, got a list`,
			`m.yaml:7:12: key true is a boolean, but mapping keys must be strings: quote it`,
			`m.yaml:7:21: key null is null, but mapping keys must be strings: quote it`,
		},
	},
	{
		name: "numbers a JSON body cannot hold",
		path: "m.yaml",
		src:  "actions:\n  a:\n    body: {a: .inf, b: [-.Inf, .NaN]}\n",
		want: []string{
			`m.yaml:3:15: actions.a.body.a: .inf is not a finite number, which JSON cannot hold`,
			`m.yaml:3:25: actions.a.body.b[0]: -.Inf is not a finite number, which JSON cannot hold`,
			`m.yaml:3:32: actions.a.body.b[1]: .NaN is not a finite number, which JSON cannot hold`,
		},
	},
	{
		name: "a JSON number out of range",
		path: "m.json",
		src:  `{"actions": {"a": {"body": {"n": -1e400}}}}`,
		want: []string{`m.json:1:34: actions.a.body.n: -1e400 is not a finite number, which JSON cannot hold`},
	},
	{
		name: "empty file",
		path: "m.yaml",
		src:  "",
		want: []string{`m.yaml:1:1: the file is empty: a manifest is a mapping that starts with "connkit: v1"`},
	},
	{
		name: "comments only",
		path: "m.yaml",
		src:  "# nothing yet\n",
		want: []string{`m.yaml:1:1: the file is empty: a manifest is a mapping that starts with "connkit: v1"`},
	},
	{
		name: "an explicit empty document",
		path: "m.yaml",
		src:  "---\n",
		want: []string{`m.yaml:1:1: the file is empty: a manifest is a mapping that starts with "connkit: v1"`},
	},
	{
		name: "empty JSON file",
		path: "m.json",
		src:  " \n",
		want: []string{`m.json:1:1: the file is empty: a manifest is a mapping that starts with "connkit: v1"`},
	},
	{
		name: "two documents",
		path: "m.yaml",
		src:  "connkit: v1\n---\nconnkit: v1\n",
		want: []string{`m.yaml:2:1: a manifest file holds one YAML document: remove this "---" and what follows, or move the next manifest to a file of its own`},
	},
	{
		name: "a list instead of a manifest",
		path: "m.yaml",
		src:  "- connkit: v1\n",
		want: []string{`m.yaml:1:1: the manifest: expected a mapping, got a list`},
	},
	{
		name: "a string instead of a manifest",
		path: "m.json",
		src:  `"connkit"`,
		want: []string{`m.json:1:1: the manifest: expected a mapping, got a string`},
	},
	{
		name: "YAML syntax error",
		path: "m.yaml",
		src:  "connkit: v1\nauth:\n  type: none\n   apply: x\n",
		want: []string{`m.yaml:4:4: YAML syntax error: mapping values are not allowed in this context`},
	},
	{
		name: "YAML indented with a tab",
		path: "m.yaml",
		src:  "auth:\n\ttype: none\n",
		want: []string{`m.yaml:2:2: YAML syntax error: found character that cannot start any token (indent with spaces: YAML does not allow tabs in indentation)`},
	},
	{
		name: "JSON with a trailing comma",
		path: "m.json",
		src:  "{\n  \"connkit\": \"v1\",\n}\n",
		want: []string{`m.json:3:1: JSON syntax error: invalid character '}' looking for beginning of object key string`},
	},
	{
		name: "YAML syntax in a JSON file",
		path: "m.json",
		src:  "{connkit: v1}",
		want: []string{`m.json:1:2: JSON syntax error: invalid character 'c' looking for beginning of object key string`},
	},
	{
		name: "JSON with a comment",
		path: "m.json",
		src:  "{\"id\": \"a\" // the slug\n}",
		want: []string{`m.json:1:12: JSON syntax error: invalid character '/' after object key:value pair`},
	},
	{
		name: "JSON cut short",
		path: "m.json",
		src:  "{\"id\": \"a\",\n \"name\": ",
		want: []string{`m.json:2:10: JSON syntax error: unexpected end of JSON input`},
	},
	{
		name: "NUL byte",
		path: "m.yaml",
		src:  "connkit: v1\nid: a\x00b\n",
		want: []string{`m.yaml:2:6: the file holds a NUL byte: a manifest is UTF-8 text, not binary data`},
	},
	{
		name: "invalid UTF-8",
		path: "m.yaml",
		src:  "connkit: v1\nname: Caf\xe9\n",
		want: []string{`m.yaml:2:10: the file is not valid UTF-8 text here: save it as UTF-8`},
	},
	{
		name: "UTF-16",
		path: "m.json",
		src:  "\xff\xfe{\x00}\x00",
		want: []string{`m.json:1:1: the file is UTF-16 text: save it as UTF-8`},
	},
	{
		name: "every error of a file, in order",
		path: "m.yaml",
		src:  "connkit: v1\nid: 7\nnmae: x\nfields: {}\nauth:\n  type: basic\n  renew_before: soon\n",
		want: []string{
			`m.yaml:2:5: id: expected a string, got a number; quote it to make it a string`,
			`m.yaml:3:1: unknown key "nmae" at the top level; did you mean "name"? (valid keys: ` + topKeys + `)`,
			`m.yaml:4:9: fields: expected a list of fields, got a mapping; write a list, even of one item: "- item" lines or [item]`,
			`m.yaml:7:17: auth.renew_before: "soon" is not a duration: write a number with a unit, such as "60s", "5m" or "1h"`,
		},
	},
}

func TestParseErrors(t *testing.T) {
	for _, tc := range errorCases {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse(tc.path, []byte(tc.src))
			if f == nil || f.Manifest == nil {
				t.Fatalf("Parse returned File %v", f)
			}
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("Parse error = %v (%T), want Errors", err, err)
			}
			if diff := cmp.Diff(tc.want, strings.Split(err.Error(), "\n")); diff != "" {
				t.Errorf("errors differ (-want +got):\n%s", diff)
			}
		})
	}
}

// TestErrorFields checks the structured fields of an error, which Error's
// text does not show.
func TestErrorFields(t *testing.T) {
	_, err := Parse("m.yaml", []byte("actions:\n  list/all:\n    query: {limit: 5}\n    methd: GET\n"))
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Parse error = %v, want Errors", err)
	}
	want := Errors{
		{Pos: Pos{File: "m.yaml", Line: 3, Col: 20}, Pointer: "/actions/list~1all/query/limit", Kind: KindType,
			Msg: "actions.list/all.query.limit: expected a string, got a number; quote it to make it a string"},
		{Pos: Pos{File: "m.yaml", Line: 4, Col: 5}, Pointer: "/actions/list~1all/methd", Kind: KindUnknownKey,
			Msg: `unknown key "methd" in actions.list/all; did you mean "method"? (valid keys: ` + actionKeys + `)`},
	}
	if diff := cmp.Diff(want, errs); diff != "" {
		t.Errorf("errors differ (-want +got):\n%s", diff)
	}
	var one *Error
	if !errors.As(err, &one) || one != errs[0] {
		t.Errorf("errors.As(*Error) = %v, want the first error", one)
	}
}

func TestErrorKinds(t *testing.T) {
	tests := []struct {
		src  string
		want ErrorKind
	}{
		{"a: [", KindSyntax},
		{"name: &a x", KindUnsupported},
		{"nam: x", KindUnknownKey},
		{"name: x\nname: y", KindDuplicateKey},
		{"name: [x]", KindType},
		{"label: '{{ x'", KindInterpolation},
		{"http: {timeout: 5}", KindType},
		{"http: {timeout: 5 s}", KindValue},
	}
	for _, tc := range tests {
		_, err := Parse("m.yaml", []byte(tc.src))
		var errs Errors
		if !errors.As(err, &errs) || len(errs) != 1 || errs[0].Kind != tc.want {
			t.Errorf("Parse(%q) = %v, want one error of kind %s", tc.src, err, tc.want)
		}
	}
}

// TestDecode checks the model decoded from a manifest that uses every kind
// of value, in both notations.
func TestDecode(t *testing.T) {
	const src = `
connkit: v1
id: acme
fields:
  - {key: n, type: number, default: 50, options: [{value: a, label: A}]}
  - {key: b, type: boolean, default: true, required: false}
  - {key: s, default: ~}
auth:
  type: oauth2_client_credentials
  token:
    url: https://auth.example/token
    include_scope: false
    basic_raw: true
    retry: {attempts: 0x3, max_wait: 1m30s}
    response: {keep: {instance_url: instance_url}}
  refresh: {}
  revoke: null
  renew_on: {status: [401, 403], body: [expired]}
whitelist: [https://api.example/]
http: {follow_redirects: true, max_redirects: 5, timeout: 2024-01-01}
actions:
  create:
    input: [{key: when, default: 2024-01-01}]
    method: POST
    path: /things
    body: {n: 1, f: 2.5, list: [true, null, "x"], nested: {empty: {}}, date: 2024-01-01}
`
	includeScope := false
	want := &Manifest{
		Connkit: "v1", ID: "acme",
		Fields: []Field{
			{Key: "n", Type: FieldNumber, Default: "50", Options: []Option{{Value: "a", Label: "A"}}},
			{Key: "b", Type: FieldBoolean, Default: "true"},
			{Key: "s"},
		},
		Auth: &Auth{
			Type: AuthOAuth2ClientCredentials,
			Token: &Endpoint{URL: "https://auth.example/token", IncludeScope: &includeScope, BasicRaw: true,
				Retry:    &Retry{Attempts: 3, MaxWait: Duration(90 * time.Second)},
				Response: &TokenResponse{Keep: map[string]string{"instance_url": "instance_url"}}},
			Refresh: &Endpoint{},
			RenewOn: &RenewOn{Status: []int{401, 403}, Body: []string{"expired"}},
		},
		Whitelist: []string{"https://api.example/"},
		HTTP:      &HTTPOptions{FollowRedirects: true, MaxRedirects: 5},
		Actions: map[string]Action{"create": {
			Input: []Input{{Key: "when", Default: "2024-01-01"}},
			Request: Request{Method: "POST", Path: "/things", Body: map[string]any{
				"n": 1.0, "f": 2.5, "list": []any{true, nil, "x"},
				"nested": map[string]any{"empty": map[string]any{}}, "date": "2024-01-01",
			}},
		}},
	}
	f, err := Parse("m.yaml", []byte(src))
	if got := err.Error(); got != `m.yaml:20:59: http.timeout: "2024-01-01" is not a duration: write a number with a unit, such as "60s", "5m" or "1h"` {
		t.Errorf("Parse error = %s", got)
	}
	if diff := cmp.Diff(want, f.Manifest); diff != "" {
		t.Errorf("YAML manifest differs (-want +got):\n%s", diff)
	}
	jf, err := Parse("m.json", nodeJSON(f.root))
	if err == nil || !strings.Contains(err.Error(), "http.timeout") {
		t.Errorf("JSON Parse error = %v, want the timeout error", err)
	}
	if diff := cmp.Diff(want, jf.Manifest); diff != "" {
		t.Errorf("JSON manifest differs (-want +got):\n%s", diff)
	}
}

func TestDocument(t *testing.T) {
	const src = "a: [1, 0x10, -.5, 1e3, 0o17, true, null, s, 2024-01-01, '7']\nb: {c: {}}\nb: dup\n'~': .inf\n"
	f, _ := Parse("m.yaml", []byte(src))
	got := f.Document()
	want := map[string]any{
		"a": []any{json.Number("1"), json.Number("16"), json.Number("-0.5"), json.Number("1e3"), json.Number("15"),
			true, nil, "s", "2024-01-01", "7"},
		"b": map[string]any{"c": map[string]any{}},
		"~": 0.0, // replaced below: cmp cannot compare +Inf literally in a map literal
	}
	inf, ok := got.(map[string]any)["~"].(float64)
	if !ok || inf <= 1e308 {
		t.Errorf(`Document()["~"] = %v, want +Inf`, got.(map[string]any)["~"])
	}
	got.(map[string]any)["~"] = 0.0
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Document() differs (-want +got):\n%s", diff)
	}
	if doc := (&File{Path: "x.yaml", Manifest: &Manifest{}}).Document(); doc != nil {
		t.Errorf("Document() of a file without a tree = %v, want nil", doc)
	}
}

func TestSyntaxDetection(t *testing.T) {
	tests := []struct {
		path, src string
		want      Syntax
	}{
		{"m.json", `{"connkit": "v1"}`, SyntaxJSON},
		{"M.JSON", `{"connkit": "v1"}`, SyntaxJSON},
		{"m.yaml", `{"connkit": "v1"}`, SyntaxYAML},
		{"m.yml", "connkit: v1", SyntaxYAML},
		{"-", " \n{\"connkit\": \"v1\"}", SyntaxJSON},
		{"-", "{connkit: v1}", SyntaxYAML},
		{"-", "connkit: v1", SyntaxYAML},
		{"manifest", "\xef\xbb\xbf{\"connkit\": \"v1\"}", SyntaxJSON},
	}
	for _, tc := range tests {
		f, err := Parse(tc.path, []byte(tc.src))
		if err != nil || f.Syntax != tc.want || f.Manifest.Connkit != "v1" {
			t.Errorf("Parse(%q, %q) = syntax %s, connkit %q, error %v; want %s", tc.path, tc.src, f.Syntax, f.Manifest.Connkit, err, tc.want)
		}
	}
}

func TestLoad(t *testing.T) {
	path := filepath.Join(examplesDir, "zendesk-subdomain.yaml")
	f, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if f.Path != path || f.Manifest.ID != "zendesk" || len(f.Source) == 0 {
		t.Errorf("Load = path %q, id %q, %d bytes", f.Path, f.Manifest.ID, len(f.Source))
	}

	_, err = Load(filepath.Join(t.TempDir(), "missing.yaml"))
	if !errors.Is(err, fs.ErrNotExist) || errors.As(err, new(Errors)) {
		t.Errorf("Load(missing) = %v, want a wrapped fs.ErrNotExist", err)
	}

	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("nme: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(bad); !errors.As(err, new(Errors)) || !strings.HasPrefix(err.Error(), bad+":1:1: unknown key") {
		t.Errorf("Load(bad) = %v, want Errors at %s:1:1", err, bad)
	}
}

func TestParseReader(t *testing.T) {
	_, err := ParseReader("big.yaml", io.MultiReader(strings.NewReader("name: "), bytes.NewReader(bytes.Repeat([]byte("x"), MaxSize))))
	if want := "big.yaml:1:1: the file is larger than 4 MiB, the limit for a manifest"; err == nil || err.Error() != want {
		t.Errorf("ParseReader(too large) = %v, want %s", err, want)
	}
	boom := errors.New("boom")
	_, err = ParseReader("-", iotest.ErrReader(boom))
	if !errors.Is(err, boom) || errors.As(err, new(Errors)) {
		t.Errorf("ParseReader(failing reader) = %v, want a wrapped read error", err)
	}
	f, err := ParseReader("-", strings.NewReader(`{"connkit": "v1"}`))
	if err != nil || f.Syntax != SyntaxJSON || f.Manifest.Connkit != "v1" {
		t.Errorf("ParseReader(JSON) = %v, %v", f, err)
	}
}

func TestSuggest(t *testing.T) {
	keys := []string{"url", "method", "client_id", "client_secret", "scope", "include_scope", "headers"}
	tests := []struct{ key, want string }{
		{"scop", "scope"},
		{"Scope", "scope"},
		{"client_secert", "client_secret"},
		{"clientid", "client_id"},
		{"header", "headers"},
		{"uri", "url"},
		{"URL", "url"},
		{"includescope", "include_scope"},
		{"colour", ""},
		{"id", ""},
		{"secret", ""},
	}
	for _, tc := range tests {
		if got := suggest.Nearest(tc.key, keys); got != tc.want {
			t.Errorf("suggest.Nearest(%q) = %q, want %q", tc.key, got, tc.want)
		}
	}
}

// TestParseErrorsGolden loads each file of testdata/errors and compares its
// errors with NAME.EXT.golden (rewritten by -update-loader).
func TestParseErrorsGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "errors", "*"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, path := range files {
		if filepath.Ext(path) == ".golden" {
			continue
		}
		n++
		t.Run(filepath.Base(path), func(t *testing.T) {
			_, err := Load(path)
			if !errors.As(err, new(Errors)) {
				t.Fatalf("Load(%s) = %v, want Errors", path, err)
			}
			got := filepath.ToSlash(err.Error()) + "\n"
			golden := path + ".golden"
			if *updateLoader {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./manifest -run TestParseErrorsGolden -update-loader)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("errors of %s differ from %s (-want +got):\n%s", path, golden, diff)
			}
		})
	}
	if n < 3 {
		t.Errorf("testdata/errors holds %d cases, want at least 3", n)
	}
}

func TestTooManyErrors(t *testing.T) {
	src := "whitelist:\n" + strings.Repeat("  - [x]\n", maxErrors+10)
	_, err := Parse("m.yaml", []byte(src))
	var errs Errors
	if !errors.As(err, &errs) || len(errs) != maxErrors+1 {
		t.Fatalf("Parse gave %d errors, want %d", len(errs), maxErrors+1)
	}
	last := errs[len(errs)-1]
	want := &Error{Pos: Pos{File: "m.yaml", Line: maxErrors + 2, Col: 5}, Pointer: "/whitelist/1000", Kind: KindTooMany,
		Msg: "too many errors: only the first 1000 are reported; fix them and load the file again"}
	if diff := cmp.Diff(want, last); diff != "" {
		t.Errorf("last error differs (-want +got):\n%s", diff)
	}
}

// TestPartialManifest checks what a manifest with errors holds: what could
// be decoded, and no empty struct for a value of the wrong type.
func TestPartialManifest(t *testing.T) {
	f, err := Parse("m.yaml", []byte("name: Acme\nauth: bearer\nhttp: {timeout: 5, max_redirects: 3}\ntest: {request: {path: /me}, expect: [200]}\n"))
	if err == nil {
		t.Fatal("Parse succeeded")
	}
	want := &Manifest{Name: "Acme", HTTP: &HTTPOptions{MaxRedirects: 3}, Test: &Test{Request: Request{Path: "/me"}}}
	if diff := cmp.Diff(want, f.Manifest); diff != "" {
		t.Errorf("manifest differs (-want +got):\n%s", diff)
	}
}
