package sdk_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/connkit/connkit/sdk"
)

// seen is the part of a recorded request a test compares.
type seen struct {
	Method  string
	Path    string
	Query   string
	Headers map[string]string
	Body    string
}

// project keeps the named headers of each request (absent ones as "").
func project(reqs []rec, names ...string) []seen {
	if len(reqs) == 0 {
		return nil
	}
	out := make([]seen, len(reqs))
	for i, r := range reqs {
		s := seen{Method: r.Method, Path: r.Path, Query: r.Query, Body: r.Body}
		if len(names) > 0 {
			s.Headers = map[string]string{}
			for _, n := range names {
				s.Headers[n] = r.Header.Get(n)
			}
		}
		out[i] = s
	}
	return out
}

func basicOf(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// meHandler is a test call answer.
var meBody = map[string]any{"id": 42, "name": "Ada", "org": map[string]any{"name": "Acme"}}

const testTail = `
test:
  request: {path: /me}
  expect: {status: [200], present: [id]}
label: "{{ response.name }} at {{ response.org.name }}"
identity: "{{ response.id }}"
`

func TestConnectAuthTypes(t *testing.T) {
	cases := []struct {
		name     string
		manifest string
		values   sdk.Values
		method   string
		routes   map[string]http.HandlerFunc
		headers  []string
		want     []seen
	}{
		{
			name: "none",
			manifest: `
connkit: v1
id: t-none
name: None
base_url: $URL/api
auth: {type: none}
whitelist: [$URL/]
` + testTail,
			headers: []string{"Authorization"},
			want:    []seen{{Method: "GET", Path: "/api/me", Headers: map[string]string{"Authorization": ""}}},
		},
		{
			name: "api_key header",
			manifest: `
connkit: v1
id: t-key
name: Key
fields:
  - {key: api_key, label: API key, type: secret, required: true}
base_url: $URL/api
auth:
  type: api_key
  apply: {headers: {X-API-Key: "{{ fields.api_key }}"}}
whitelist: [$URL/api/]
` + testTail,
			values:  sdk.Values{"api_key": "k-123"},
			headers: []string{"X-Api-Key", "Authorization"},
			want:    []seen{{Method: "GET", Path: "/api/me", Headers: map[string]string{"X-Api-Key": "k-123", "Authorization": ""}}},
		},
		{
			name: "api_key query",
			manifest: `
connkit: v1
id: t-keyq
name: KeyQ
fields:
  - {key: api_key, label: API key, type: secret, required: true}
base_url: $URL/api
auth:
  type: api_key
  apply: {query: {api_key: "{{ fields.api_key }}"}, query_required: true}
whitelist: [$URL/api/]
` + testTail,
			values: sdk.Values{"api_key": "k&1 2"},
			want:   []seen{{Method: "GET", Path: "/api/me", Query: "api_key=k%261+2"}},
		},
		{
			name: "bearer",
			manifest: `
connkit: v1
id: t-bearer
name: Bearer
fields:
  - {key: token, label: Token, type: secret, required: true, pattern: "pat_[a-z0-9]+"}
base_url: $URL/api
auth:
  type: bearer
  apply: {headers: {Authorization: "Bearer {{ fields.token }}"}}
whitelist: [$URL/api/]
` + testTail,
			values:  sdk.Values{"token": "pat_abc"},
			headers: []string{"Authorization"},
			want:    []seen{{Method: "GET", Path: "/api/me", Headers: map[string]string{"Authorization": "Bearer pat_abc"}}},
		},
		{
			name: "basic",
			manifest: `
connkit: v1
id: t-basic
name: Basic
fields:
  - {key: email, label: Email, type: string, required: true}
  - {key: token, label: Token, type: secret, required: true}
base_url: $URL/api
auth:
  type: basic
  basic: {username: "{{ fields.email }}/token", password: "{{ fields.token }}"}
whitelist: [$URL/api/]
` + testTail,
			values:  sdk.Values{"email": "a@b.example", "token": "p:w é"},
			headers: []string{"Authorization"},
			want:    []seen{{Method: "GET", Path: "/api/me", Headers: map[string]string{"Authorization": basicOf("a@b.example/token", "p:w é")}}},
		},
		{
			name: "client credentials, basic client auth",
			manifest: `
connkit: v1
id: t-cc
name: CC
fields:
  - {key: client_id, label: Client ID, type: string, required: true}
  - {key: client_secret, label: Secret, type: secret, required: true}
base_url: $URL/api
auth:
  type: oauth2_client_credentials
  token:
    url: $URL/oauth/token
    client_auth: basic
    client_id: "{{ fields.client_id }}"
    client_secret: "{{ fields.client_secret }}"
    scope: read write
    params: {audience: crm}
    query: {tenant: t1}
whitelist: [$URL/]
` + testTail,
			values: sdk.Values{"client_id": "id:1", "client_secret": "s&c ret"},
			routes: map[string]http.HandlerFunc{"/oauth/token": tokenReply("AT-1", 3600)},
			// RFC 6749 section 2.3.1: form-encode, then join with a colon.
			headers: []string{"Authorization", "Content-Type"},
			want: []seen{
				{Method: "POST", Path: "/oauth/token", Query: "tenant=t1",
					Headers: map[string]string{"Authorization": basicOf("id%3A1", "s%26c+ret"), "Content-Type": "application/x-www-form-urlencoded"},
					Body:    "grant_type=client_credentials&scope=read+write&audience=crm"},
				{Method: "GET", Path: "/api/me", Headers: map[string]string{"Authorization": "Bearer AT-1", "Content-Type": ""}},
			},
		},
		{
			name: "client credentials, body client auth, no scope",
			manifest: `
connkit: v1
id: t-cc-body
name: CC
fields:
  - {key: client_id, label: Client ID, type: string, required: true}
  - {key: client_secret, label: Secret, type: secret, required: true}
base_url: $URL/api
auth:
  type: oauth2_client_credentials
  token:
    url: $URL/oauth/token
    client_auth: body
    client_id: "{{ fields.client_id }}"
    client_secret: "{{ fields.client_secret }}"
    scope: read
    include_scope: false
whitelist: [$URL/]
` + testTail,
			values:  sdk.Values{"client_id": "cid", "client_secret": "s&c"},
			routes:  map[string]http.HandlerFunc{"/oauth/token": tokenReply("AT-2", 3600)},
			headers: []string{"Authorization"},
			want: []seen{
				{Method: "POST", Path: "/oauth/token", Headers: map[string]string{"Authorization": ""},
					Body: "grant_type=client_credentials&client_id=cid&client_secret=s%26c"},
				{Method: "GET", Path: "/api/me", Headers: map[string]string{"Authorization": "Bearer AT-2"}},
			},
		},
		{
			name: "client credentials, comma-delimited scopes",
			manifest: `
connkit: v1
id: t-cc-comma
name: CC
base_url: $URL/api
auth:
  type: oauth2_client_credentials
  token:
    url: $URL/oauth/token
    client_auth: body
    client_id: cid
    scope: "a:read  b:write"
    scope_delimiter: ","
whitelist: [$URL/]
` + testTail,
			routes: map[string]http.HandlerFunc{"/oauth/token": tokenReply("AT-3", 3600)},
			want: []seen{
				{Method: "POST", Path: "/oauth/token", Body: "grant_type=client_credentials&client_id=cid&scope=a%3Aread%2Cb%3Awrite"},
				{Method: "GET", Path: "/api/me"},
			},
		},
		{
			name: "login, JSON body, nested token",
			manifest: `
connkit: v1
id: t-login
name: Login
fields:
  - {key: username, label: User, type: string, required: true}
  - {key: password, label: Password, type: secret, required: true}
base_url: $URL/api
auth:
  type: login
  token:
    url: $URL/api/auth/login
    format: json
    params: {username: "{{ fields.username }}", password: "{{ fields.password }}"}
    response: {access_token: data.token, expires_in: data.ttl}
whitelist: [$URL/api/]
` + testTail,
			values: sdk.Values{"username": "ada", "password": `p"w`},
			routes: map[string]http.HandlerFunc{"/api/auth/login": jsonReply(200, map[string]any{
				"data": map[string]any{"token": "SESS-1", "ttl": "600"}})},
			headers: []string{"Authorization", "Content-Type"},
			want: []seen{
				{Method: "POST", Path: "/api/auth/login", Headers: map[string]string{"Authorization": "", "Content-Type": "application/json"},
					Body: `{"password":"p\"w","username":"ada"}`},
				{Method: "GET", Path: "/api/me", Headers: map[string]string{"Authorization": "Bearer SESS-1", "Content-Type": ""}},
			},
		},
		{
			name: "login, form body, Basic header from two fields, custom apply",
			manifest: `
connkit: v1
id: t-login-form
name: Login
fields:
  - {key: key_id, label: Key ID, type: string, required: true}
  - {key: key_secret, label: Key secret, type: secret, required: true}
base_url: $URL/api
auth:
  type: login
  token:
    url: $URL/api/session
    params: {lang: en}
    headers: {Authorization: "Basic {{ base64(concat(fields.key_id, ':', fields.key_secret)) }}"}
    response: {access_token: data.token}
  apply: {headers: {X-Session: "{{ token.access_token }}"}}
whitelist: [$URL/api/]
` + testTail,
			values: sdk.Values{"key_id": "kid", "key_secret": "ks"},
			routes: map[string]http.HandlerFunc{"/api/session": jsonReply(200, map[string]any{
				"data": map[string]any{"token": "SESS-2"}})},
			headers: []string{"Authorization", "X-Session"},
			want: []seen{
				{Method: "POST", Path: "/api/session", Headers: map[string]string{"Authorization": basicOf("kid", "ks"), "X-Session": ""},
					Body: "lang=en"},
				{Method: "GET", Path: "/api/me", Headers: map[string]string{"Authorization": "", "X-Session": "SESS-2"}},
			},
		},
		{
			name: "auth_methods, the chosen one",
			manifest: `
connkit: v1
id: t-methods
name: Methods
base_url: $URL/api
auth_methods:
  - key: pat
    label: Token
    fields: [{key: token, label: Token, type: secret, required: true}]
    auth:
      type: bearer
      apply: {headers: {Authorization: "Bearer {{ fields.token }}"}}
  - key: key
    label: Key
    fields: [{key: api_key, label: Key, type: secret, required: true}]
    auth:
      type: api_key
      apply: {headers: {X-Key: "{{ fields.api_key }}"}}
whitelist: [$URL/api/]
` + testTail,
			method:  "key",
			values:  sdk.Values{"api_key": "kk"},
			headers: []string{"Authorization", "X-Key"},
			want:    []seen{{Method: "GET", Path: "/api/me", Headers: map[string]string{"Authorization": "", "X-Key": "kk"}}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			routes := map[string]http.HandlerFunc{"/api/me": jsonReply(200, meBody)}
			for k, v := range tc.routes {
				routes[k] = v
			}
			s := newServer(t, routes)
			c := connector(t, s, sdk.Options{}, tc.manifest)
			conn, err := c.Connect(context.Background(), tc.values, sdk.ConnectOptions{Method: tc.method})
			if err != nil {
				t.Fatalf("Connect: %v (kind %s, hint %q)", err, sdk.KindOf(err), sdk.HintOf(err))
			}
			if diff := cmp.Diff(tc.want, project(s.requests(), tc.headers...)); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			got := []string{conn.Label(), conn.Identity(), conn.Method()}
			wantMethod := tc.method
			if wantMethod == "" {
				wantMethod = sdk.DefaultMethod
			}
			if diff := cmp.Diff([]string{"Ada at Acme", "42", wantMethod}, got); diff != "" {
				t.Errorf("label, identity, method (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConnectMethodChoice(t *testing.T) {
	y := `
connkit: v1
id: t-methods
name: Methods
base_url: $URL/api
auth_methods:
  - {key: a, label: A, auth: {type: none}}
  - {key: b, label: B, auth: {type: none}}
whitelist: [$URL/api/]
`
	s := newServer(t, nil)
	c := connector(t, s, sdk.Options{}, y)
	if diff := cmp.Diff([]string{"a", "b"}, c.Methods()); diff != "" {
		t.Errorf("Methods (-want +got):\n%s", diff)
	}
	for _, m := range []string{"", "c"} {
		_, err := c.Connect(context.Background(), nil, sdk.ConnectOptions{Method: m})
		if sdk.KindOf(err) != sdk.KindInvalidValues {
			t.Errorf("method %q: kind %s, want %s (%v)", m, sdk.KindOf(err), sdk.KindInvalidValues, err)
		}
	}
	if s.total.Load() != 0 {
		t.Errorf("%d requests sent, want none", s.total.Load())
	}
}

func TestConnectValues(t *testing.T) {
	y := `
connkit: v1
id: t-values
name: Values
fields:
  - {key: name, label: Name, type: string, required: true, help: "Settings -> Profile"}
  - {key: secret, label: Secret, type: secret, required: true, pattern: "sk_[a-z]+"}
  - {key: count, label: Count, type: number}
  - {key: flag, label: Flag, type: boolean}
  - {key: env, label: Env, type: select, default: prod, options: [{value: prod, label: Prod}, {value: test, label: Test}]}
  - {key: code, label: Code, type: string, pattern: "[A-Z]{3}"}
  - {key: site, label: Site, type: url}
base_url: $URL/api
auth: {type: none}
whitelist: [$URL/api/]
`
	cases := []struct {
		name   string
		values sdk.Values
		want   []sdk.ValueProblem
	}{
		{name: "valid", values: sdk.Values{"name": "n", "secret": "sk_abc", "count": "1.5", "flag": "true", "env": "test", "code": "ABC", "site": "https://x.example/a"}},
		{name: "defaults and empty optional", values: sdk.Values{"name": "n", "secret": "sk_abc", "count": ""}},
		{name: "required", values: sdk.Values{"secret": "sk_a"}, want: []sdk.ValueProblem{
			{Field: "name", Msg: `"Name" is required: fill it in (Settings -> Profile)`}}},
		{name: "wrong types", values: sdk.Values{"name": "n", "secret": "sk_a", "count": "ten", "flag": "yes", "env": "dev", "code": "abcd", "site": "ftp://x"}, want: []sdk.ValueProblem{
			{Field: "code", Msg: `"abcd" does not match the pattern [A-Z]{3}`},
			{Field: "count", Msg: `"ten" is not a number`},
			{Field: "env", Msg: `"dev" is not one of the options: prod, test`},
			{Field: "flag", Msg: `"yes" is not a boolean: use true or false`},
			{Field: "site", Msg: `"ftp://x" is not an absolute http(s) URL`},
		}},
		{name: "non-finite number", values: sdk.Values{"name": "n", "secret": "sk_a", "count": "NaN"}, want: []sdk.ValueProblem{
			{Field: "count", Msg: `"NaN" is not a number`}}},
		{name: "secret pattern never quotes the value", values: sdk.Values{"name": "n", "secret": "SECRET-VALUE"}, want: []sdk.ValueProblem{
			{Field: "secret", Msg: `does not match the pattern sk_[a-z]+`}}},
		{name: "unknown key", values: sdk.Values{"name": "n", "secret": "sk_a", "nmae": "x"}, want: []sdk.ValueProblem{
			{Field: "nmae", Msg: `is not a field of this connector: remove it or check its spelling`}}},
	}
	s := newServer(t, nil)
	c := connector(t, s, sdk.Options{}, y)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Connect(context.Background(), tc.values, sdk.ConnectOptions{})
			var ve *sdk.ValuesError
			if !errors.As(err, &ve) {
				if tc.want != nil || err != nil {
					t.Fatalf("Connect: %v, want problems %v", err, tc.want)
				}
				return
			}
			if diff := cmp.Diff(tc.want, ve.Problems); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
			if sdk.KindOf(err) != sdk.KindInvalidValues {
				t.Errorf("kind %s, want %s", sdk.KindOf(err), sdk.KindInvalidValues)
			}
			if strings.Contains(err.Error(), "SECRET-VALUE") {
				t.Errorf("error quotes a secret: %v", err)
			}
		})
	}
	if s.total.Load() != 0 {
		t.Errorf("%d requests sent, want none", s.total.Load())
	}
}
