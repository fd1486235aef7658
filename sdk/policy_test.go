package sdk_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/connkit/connkit/sdk"
	"github.com/connkit/connkit/whitelist"
)

const keyManifest = `
connkit: v1
id: t-policy
name: Policy
fields:
  - {key: api_key, label: Key, type: secret, required: true}
base_url: $URL/api
auth:
  type: api_key
  apply: {headers: {X-Api-Key: "{{ fields.api_key }}"}}
whitelist: [$URL/api/]
`

// TestWhitelistDo: a request outside the whitelist fails with kind blocked
// and reaches nothing.
func TestWhitelistDo(t *testing.T) {
	foreign := newServer(t, map[string]http.HandlerFunc{"/api/x": jsonReply(200, nil)})
	s := newServer(t, map[string]http.HandlerFunc{"/api/x": jsonReply(200, nil), "/admin": jsonReply(200, nil)})
	port := s.URL[strings.LastIndex(s.URL, ":")+1:]
	conn := connect(t, s, sdk.Options{}, keyManifest, sdk.Values{"api_key": "k"})
	cases := []struct {
		name string
		req  sdk.Request
	}{
		{"another server", sdk.Request{URL: foreign.URL + "/api/x"}},
		{"outside the path prefix", sdk.Request{URL: s.URL + "/admin"}},
		{"path prefix confusion", sdk.Request{URL: s.URL + "/apix"}},
		{"dot segments", sdk.Request{Path: "/../admin"}},
		{"encoded dot segments", sdk.Request{Path: "/%2e%2e/admin"}},
		{"encoded slash", sdk.Request{Path: "/x%2f..%2f..%2fadmin"}},
		{"localhost is not the listed IP", sdk.Request{URL: "http://localhost:" + port + "/api/x"}},
		{"another loopback address", sdk.Request{URL: "http://127.0.0.2:" + port + "/api/x"}},
		{"userinfo", sdk.Request{URL: "http://u:p@127.0.0.1:" + port + "/api/x"}},
		{"a decimal IPv4", sdk.Request{URL: "http://2130706433:" + port + "/api/x"}},
		{"https to the listed http origin", sdk.Request{URL: "https://127.0.0.1:" + port + "/api/x"}},
		{"metadata address", sdk.Request{URL: "http://169.254.169.254/latest/meta-data"}},
		{"a Host header naming another host", sdk.Request{Path: "/x", Header: header("Host", "evil.example")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := conn.Do(context.Background(), &tc.req)
			if sdk.KindOf(err) != sdk.KindBlocked {
				t.Errorf("Do: %v (kind %s), want blocked", err, sdk.KindOf(err))
			}
		})
	}
	if n := foreign.total.Load() + s.total.Load(); n != 0 {
		t.Errorf("%d requests reached a server, want 0", n)
	}
	// The same connection reaches what the whitelist names.
	if resp := do(t, conn, &sdk.Request{Path: "/x"}); resp.Status != 200 {
		t.Errorf("status %d", resp.Status)
	}
}

// TestRedirects: redirects are not followed unless the manifest allows
// them; then every hop is checked, and credentials are dropped when the
// host changes. HTTPClient enforces the same.
func TestRedirects(t *testing.T) {
	// The foreign server's URL is known to the table; the other listed
	// server, made per case, is named $OTHER.
	foreign := newServer(t, map[string]http.HandlerFunc{"/api/x": jsonReply(200, nil)})
	cases := []struct {
		name   string
		follow bool
		// location is where /api/go redirects.
		location string
		status   int
		wantKind sdk.Kind
		// reached lists the servers that must see a request ("self/x",
		// "other", "foreign").
		reached []string
	}{
		{name: "not followed by default", location: "/api/x", status: http.StatusFound, reached: []string{"self/go"}},
		{name: "followed inside the whitelist", follow: true, location: "/api/x", status: 200, reached: []string{"self/go", "self/x"}},
		{name: "to a foreign host is refused", follow: true, location: foreign.URL + "/api/x", wantKind: sdk.KindBlocked, reached: []string{"self/go"}},
		{name: "to another listed host", follow: true, location: "$OTHER/api/x", status: 200, reached: []string{"self/go", "other"}},
		{name: "outside the path prefix", follow: true, location: "/admin", wantKind: sdk.KindBlocked, reached: []string{"self/go"}},
	}
	for _, tc := range cases {
		for _, via := range []string{"Do", "HTTPClient"} {
			t.Run(tc.name+" via "+via, func(t *testing.T) {
				foreign.total.Store(0)
				other := newServer(t, map[string]http.HandlerFunc{"/api/x": jsonReply(200, map[string]any{"other": true})})
				location := strings.Replace(tc.location, "$OTHER", other.URL, 1)
				s := newServer(t, map[string]http.HandlerFunc{
					"/api/go": func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, location, http.StatusFound) },
					"/api/x":  jsonReply(200, nil),
					"/admin":  jsonReply(200, nil),
				})
				y := strings.Replace(keyManifest, "whitelist: [$URL/api/]", "whitelist: [$URL/api/, "+other.URL+"/api/]", 1)
				if tc.follow {
					y += "http: {follow_redirects: true}\n"
				}
				conn := connect(t, s, sdk.Options{}, y, sdk.Values{"api_key": "k"})
				var code int
				var err error
				if via == "Do" {
					var resp *sdk.Response
					if resp, err = conn.Do(context.Background(), &sdk.Request{Path: "/go"}); err == nil {
						code = resp.Status
					}
				} else {
					var resp *http.Response
					if resp, err = conn.HTTPClient().Get(s.URL + "/api/go"); err == nil {
						code = resp.StatusCode
						resp.Body.Close()
					}
				}
				if tc.wantKind != "" {
					if sdk.KindOf(err) != tc.wantKind || !errors.Is(err, whitelist.ErrBlocked) {
						t.Errorf("error %v (kind %s), want kind %s", err, sdk.KindOf(err), tc.wantKind)
					}
				} else if err != nil || code != tc.status {
					t.Errorf("status %d, error %v; want %d", code, err, tc.status)
				}
				var reached []string
				for _, r := range s.requests() {
					reached = append(reached, "self/"+strings.TrimPrefix(r.Path, "/api/"))
				}
				for _, r := range other.requests() {
					if r.Header.Get("X-Api-Key") != "" {
						t.Errorf("the API key followed a redirect to another host")
					}
				}
				if other.total.Load() > 0 {
					reached = append(reached, "other")
				}
				if foreign.total.Load() > 0 {
					reached = append(reached, "foreign")
				}
				if diff := cmp.Diff(tc.reached, reached); diff != "" {
					t.Errorf("reached (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// TestHTTPClientPolicy: HTTPClient applies the credentials and the
// defaults, refuses what the whitelist refuses, and changing the returned
// client does not change the connection.
func TestHTTPClientPolicy(t *testing.T) {
	foreign := newServer(t, nil)
	s := newServer(t, map[string]http.HandlerFunc{"/api/x": jsonReply(200, nil)})
	conn := connect(t, s, sdk.Options{}, keyManifest, sdk.Values{"api_key": "k"})
	hc := conn.HTTPClient()
	resp, err := hc.Get(s.URL + "/api/x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := s.last(t, "/api/x").Header.Get("X-Api-Key"); got != "k" {
		t.Errorf("X-Api-Key %q, want k", got)
	}
	for _, u := range []string{foreign.URL + "/api/x", s.URL + "/other"} {
		if _, err := hc.Get(u); !errors.Is(err, whitelist.ErrBlocked) || sdk.KindOf(err) != sdk.KindBlocked {
			t.Errorf("GET %s: %v (kind %s), want blocked", u, err, sdk.KindOf(err))
		}
	}
	hc.Transport = http.DefaultTransport
	if _, err := conn.HTTPClient().Get(foreign.URL + "/api/x"); !errors.Is(err, whitelist.ErrBlocked) {
		t.Errorf("after changing a returned client: %v, want blocked", err)
	}
	if foreign.total.Load() != 0 {
		t.Errorf("%d requests reached the foreign server", foreign.total.Load())
	}
}

// TestCookiesStayInTheirConnection: two connections to one server that sets
// a cookie never see each other's cookie.
func TestCookiesStayInTheirConnection(t *testing.T) {
	s := newServer(t, map[string]http.HandlerFunc{
		"/api/login": func(w http.ResponseWriter, r *http.Request) {
			http.SetCookie(w, &http.Cookie{Name: "sid", Value: r.URL.Query().Get("who"), Path: "/"})
			w.WriteHeader(http.StatusNoContent)
		},
		"/api/echo": func(w http.ResponseWriter, r *http.Request) {
			c, err := r.Cookie("sid")
			if err != nil {
				writeJSON(w, 200, "")
				return
			}
			writeJSON(w, 200, c.Value)
		},
	})
	c := connector(t, s, sdk.Options{}, keyManifest)
	conns := map[string]*sdk.Connection{}
	for _, who := range []string{"a", "b"} {
		conn, err := c.Connect(context.Background(), sdk.Values{"api_key": who}, sdk.ConnectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		conns[who] = conn
	}
	do(t, conns["a"], &sdk.Request{Path: "/login?who=a"})
	echo := func(conn *sdk.Connection) string {
		return strings.TrimSpace(string(do(t, conn, &sdk.Request{Path: "/echo"}).Body))
	}
	got := []string{echo(conns["a"]), echo(conns["b"])}
	do(t, conns["b"], &sdk.Request{Path: "/login?who=b"})
	got = append(got, echo(conns["a"]), echo(conns["b"]))
	resp, err := conns["a"].HTTPClient().Get(s.URL + "/api/echo")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got = append(got, s.last(t, "/api/echo").Header.Get("Cookie"))
	if diff := cmp.Diff([]string{`"a"`, `""`, `"a"`, `"b"`, "sid=a"}, got); diff != "" {
		t.Errorf("cookies seen (-want +got):\n%s", diff)
	}
}
