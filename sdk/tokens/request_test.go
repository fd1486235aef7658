package tokens

import (
	"context"
	"encoding/base64"
	"net/url"
	"strings"
	"testing"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/sdk/secret"
	"github.com/google/go-cmp/cmp"
)

func basic(s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(s)) }

func TestRequestEncoding(t *testing.T) {
	const form = "application/x-www-form-urlencoded"
	tests := []struct {
		name string
		req  Request
		want captured
	}{{
		name: "basic client auth (the default), scope included, extra params in order",
		req: Request{ClientID: "client", ClientSecret: secret.New("s3cret"), GrantType: "client_credentials",
			Scope: "crm.read crm.write", IncludeScope: true,
			Params: Params{{"audience", secret.New("crm")}, {"resource", secret.New("https://a.example/")}, {"resource", secret.New("https://b.example/")}}},
		want: captured{Method: "POST", Path: "/token", ContentType: form, Accept: "application/json",
			Authorization: basic("client:s3cret"),
			Body:          "grant_type=client_credentials&scope=crm.read+crm.write&audience=crm&resource=https%3A%2F%2Fa.example%2F&resource=https%3A%2F%2Fb.example%2F"},
	}, {
		name: "RFC 6749 2.3.1 encodes the ID and secret before base64",
		req:  Request{ClientAuth: manifest.ClientAuthBasic, ClientID: "id:with space", ClientSecret: secret.New("s3cr%t+"), GrantType: "client_credentials"},
		want: captured{Method: "POST", Path: "/token", ContentType: form, Accept: "application/json",
			Authorization: basic("id%3Awith+space:s3cr%25t%2B"), Body: "grant_type=client_credentials"},
	}, {
		name: "basic_raw sends the raw values",
		req:  Request{ClientAuth: manifest.ClientAuthBasic, BasicRaw: true, ClientID: "id with space", ClientSecret: secret.New("s3cr%t+"), GrantType: "client_credentials"},
		want: captured{Method: "POST", Path: "/token", ContentType: form, Accept: "application/json",
			Authorization: basic("id with space:s3cr%t+"), Body: "grant_type=client_credentials"},
	}, {
		name: "body client auth, scope excluded",
		req: Request{ClientAuth: manifest.ClientAuthBody, ClientID: "id:with space", ClientSecret: secret.New("s3cr%t+"),
			GrantType: "client_credentials", Scope: "crm.read", IncludeScope: false},
		want: captured{Method: "POST", Path: "/token", ContentType: form, Accept: "application/json",
			Body: "grant_type=client_credentials&client_id=id%3Awith+space&client_secret=s3cr%25t%2B"},
	}, {
		name: "none: a public client sends its ID only",
		req: Request{ClientAuth: manifest.ClientAuthNone, ClientID: "public", GrantType: "authorization_code",
			Params: Params{{"code", secret.New("c0de")}, {"code_verifier", secret.New("v3rifier")}, {"redirect_uri", secret.New("http://127.0.0.1:8080/cb")}}},
		want: captured{Method: "POST", Path: "/token", ContentType: form, Accept: "application/json",
			Body: "grant_type=authorization_code&client_id=public&code=c0de&code_verifier=v3rifier&redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fcb"},
	}, {
		name: "json body, extra query, Accept override",
		req: Request{ClientAuth: manifest.ClientAuthBody, ClientID: "id", ClientSecret: secret.New(`se"cret`), Format: manifest.FormatJSON,
			GrantType: "account_credentials", Query: url.Values{"account_id": {"42"}},
			Headers: map[string]secret.Value{"accept": secret.New("application/vnd.api+json")},
			Params:  Params{{"account_id", secret.New("42")}}},
		want: captured{Method: "POST", Path: "/token", Query: "account_id=42", ContentType: "application/json", Accept: "application/vnd.api+json",
			Body: `{"grant_type":"account_credentials","client_id":"id","client_secret":"se\"cret","account_id":"42"}`},
	}, {
		name: "login: Basic header built by the connection, no grant type, JSON body",
		req: Request{ClientAuth: manifest.ClientAuthNone, Format: manifest.FormatJSON,
			Headers: map[string]secret.Value{"Authorization": secret.New(basic("user:pa ss")), " content-type": secret.New("application/vnd.api+json")},
			Params:  Params{{"remember", secret.New("true")}}},
		want: captured{Method: "POST", Path: "/token", ContentType: "application/vnd.api+json", Accept: "application/json",
			Authorization: basic("user:pa ss"), Body: `{"remember":"true"}`},
	}, {
		name: "GET login with headers only",
		req: Request{Method: "get", ClientAuth: manifest.ClientAuthNone,
			Headers: map[string]secret.Value{"X-Api-Key": secret.New("k3y")}},
		want: captured{Method: "GET", Path: "/token", Accept: "application/json"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, okToken)
			req := tt.req
			req.URL = srv.URL + "/token"
			c := &Client{HTTP: srv.Client()}
			if _, err := c.Send(context.Background(), &req); err != nil {
				t.Fatalf("Send: %v", err)
			}
			if d := cmp.Diff([]captured{tt.want}, srv.requests()); d != "" {
				t.Errorf("request (-want +got):\n%s", d)
			}
		})
	}
}

func TestRequestRefusesAmbiguity(t *testing.T) {
	tests := []struct {
		name string
		req  Request
		want string
	}{
		{"basic without ID", Request{URL: "https://x.example/t"}, "client_auth basic needs a client ID"},
		{"body without ID", Request{URL: "https://x.example/t", ClientAuth: manifest.ClientAuthBody}, "client_auth body needs a client ID"},
		{"none with secret", Request{URL: "https://x.example/t", ClientAuth: manifest.ClientAuthNone, ClientSecret: secret.New("s")}, "client_auth none, but a client secret is set"},
		{"unknown client auth", Request{URL: "https://x.example/t", ClientAuth: "probe"}, `client_auth "probe" is not basic, body or none`},
		{"secret twice", Request{URL: "https://x.example/t", ClientID: "id", Params: Params{{"client_secret", secret.New("s")}}}, "would send the client credentials twice"},
		{"repeated grant_type", Request{URL: "https://x.example/t", ClientID: "id", GrantType: "a", Params: Params{{"grant_type", secret.New("b")}}}, `"grant_type" is already set`},
		{"Authorization header with basic", Request{URL: "https://x.example/t", ClientID: "id", Headers: map[string]secret.Value{"authorization": secret.New("x")}}, "header Authorization is set while client_auth basic"},
		{"raw colon", Request{URL: "https://x.example/t", ClientID: "a:b", BasicRaw: true}, "holds a colon"},
		{"GET with params", Request{URL: "https://x.example/t", Method: "GET", ClientAuth: manifest.ClientAuthNone, GrantType: "password"}, "a GET request carries no body, but it has parameters (grant_type)"},
		{"bad method", Request{URL: "https://x.example/t", Method: "TRACE"}, `method "TRACE" is not one of`},
		{"relative URL", Request{URL: "/token", ClientID: "id"}, "must be an absolute http or https URL"},
		{"ftp URL", Request{URL: "ftp://x.example/t", ClientID: "id"}, "must be an absolute http or https URL"},
		{"user info", Request{URL: "https://u:p@x.example/t?k=v", ClientID: "id"}, "token request URL https://x.example/t must not hold a user name"},
		{"bad format", Request{URL: "https://x.example/t", ClientID: "id", Format: "xml"}, `format "xml" is not form or json`},
		{"json repeat", Request{URL: "https://x.example/t", ClientID: "id", Format: manifest.FormatJSON, Params: Params{{"r", secret.New("1")}, {"r", secret.New("2")}}}, `"r" is repeated`},
		{"empty param name", Request{URL: "https://x.example/t", ClientID: "id", Params: Params{{"", secret.New("1")}}}, "empty name"},
		{"header injection", Request{URL: "https://x.example/t", ClientID: "id", Headers: map[string]secret.Value{"X-A": secret.New("a\r\nX-B: b")}}, "header X-A has a line break"},
		{"bad header name", Request{URL: "https://x.example/t", ClientID: "id", Headers: map[string]secret.Value{"X A": secret.New("a")}}, `header name "X A" is not valid`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.req.prepare()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("prepare() error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestRetryFrom(t *testing.T) {
	tests := []struct {
		in   *manifest.Retry
		want Retry
	}{
		{nil, Retry{}},
		{&manifest.Retry{Attempts: 5, MaxWait: manifest.Duration(10e9)}, Retry{Attempts: 5, MaxWait: 10e9}},
	}
	for _, tt := range tests {
		if d := cmp.Diff(tt.want, RetryFrom(tt.in)); d != "" {
			t.Errorf("RetryFrom(%v) (-want +got):\n%s", tt.in, d)
		}
	}
	if a, w := (Retry{}).attempts(), (Retry{}).maxWait(); a != DefaultAttempts || w != DefaultMaxWait {
		t.Errorf("zero Retry gives %d attempts, %s max wait", a, w)
	}
}
