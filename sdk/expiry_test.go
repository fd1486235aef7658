package sdk_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/connkit/connkit/sdk"
	"github.com/connkit/connkit/sdk/secret"
	"github.com/connkit/connkit/sdk/tokens"
)

// TestExpiryForms: each way a token response states its lifetime gives the
// right expiry, counted from when the request was sent; none or zero never
// means "valid forever".
func TestExpiryForms(t *testing.T) {
	cases := []struct {
		name     string
		response string
		auth     string
		body     map[string]any
		want     time.Duration
	}{
		{name: "integer seconds", body: map[string]any{"expires_in": 3600}, want: time.Hour},
		{name: "float seconds", body: map[string]any{"expires_in": 3600.0}, want: time.Hour},
		{name: "string seconds", body: map[string]any{"expires_in": "1800"}, want: 30 * time.Minute},
		{name: "absent: default lifetime", body: map[string]any{}, want: tokens.DefaultLifetime},
		{name: "zero: manifest default lifetime", auth: "  default_lifetime: 10m", body: map[string]any{"expires_in": 0}, want: 10 * time.Minute},
		{name: "milliseconds", response: "{expires_in: ttl, expiry_format: milliseconds}", body: map[string]any{"ttl": 90000}, want: 90 * time.Second},
		{name: "unix", response: "{expires_in: exp, expiry_format: unix}", body: map[string]any{"exp": t0.Add(2 * time.Hour).Unix()}, want: 2 * time.Hour},
		{name: "unix_ms", response: "{expires_in: exp, expiry_format: unix_ms}", body: map[string]any{"exp": t0.Add(3 * time.Hour).UnixMilli()}, want: 3 * time.Hour},
		{name: "rfc3339, nested", response: "{expires_in: data.expires_at, expiry_format: rfc3339}",
			body: map[string]any{"data": map[string]any{"expires_at": t0.Add(45 * time.Minute).Format(time.RFC3339)}}, want: 45 * time.Minute},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := map[string]any{"access_token": "AT", "token_type": "Bearer"}
			for k, v := range tc.body {
				body[k] = v
			}
			s := newServer(t, map[string]http.HandlerFunc{"/oauth/token": jsonReply(200, body)})
			auth := tc.auth
			if tc.response != "" {
				auth += "\n    response: " + tc.response
			}
			clk := newClock()
			conn := connect(t, s, sdk.Options{Now: clk.Now}, ccManifest(strings.TrimPrefix(auth, "\n")), nil)
			if got := conn.ExpiresAt().Sub(t0); got != tc.want {
				t.Errorf("lifetime %v, want %v", got, tc.want)
			}
		})
	}
}

const authCodeManifest = `
connkit: v1
id: t-code
name: Code
base_url: $URL/api
auth:
  type: oauth2_authorization_code
  authorize: {url: $URL/authorize}
  token:
    url: $URL/oauth/token
    client_id: cid
    client_secret: csecret
whitelist: [$URL/]
`

// TestAuthorizationCode: a connection needs a token from the authorization
// flow; it is refreshed with the refresh_token grant, a rotated refresh
// token replaces the old one, and an invalid_grant asks to authorize again.
func TestAuthorizationCode(t *testing.T) {
	s := newServer(t, map[string]http.HandlerFunc{
		"/oauth/token": sequence(
			jsonReply(200, map[string]any{"access_token": "AT-2", "refresh_token": "RT-2", "token_type": "Bearer", "expires_in": 3600}),
			jsonReply(200, map[string]any{"access_token": "AT-3", "token_type": "Bearer", "expires_in": 3600}),
			status(400, `{"error":"invalid_grant"}`)),
		"/api/x": jsonReply(200, nil),
	})
	clk := newClock()
	c := connector(t, s, sdk.Options{Now: clk.Now}, authCodeManifest)
	ctx := context.Background()
	if _, err := c.Connect(ctx, nil, sdk.ConnectOptions{}); sdk.KindOf(err) != sdk.KindConfig || !strings.Contains(sdk.HintOf(err), "authorize") {
		t.Errorf("Connect without a token: %v (kind %s, hint %q)", err, sdk.KindOf(err), sdk.HintOf(err))
	}
	seed := &tokens.Token{AccessToken: secret.New("AT-1"), RefreshToken: secret.New("RT-1"), TokenType: "Bearer",
		IssuedAt: t0.Add(-time.Hour), Expiry: t0.Add(-time.Minute)}
	conn, err := c.Connect(ctx, nil, sdk.ConnectOptions{Token: seed})
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	// The seeded token had expired: Connect refreshed it.
	do(t, conn, &sdk.Request{Path: "/x"})
	clk.Advance(2 * time.Hour)
	do(t, conn, &sdk.Request{Path: "/x"})
	clk.Advance(2 * time.Hour)
	_, err = conn.Do(ctx, &sdk.Request{Path: "/x"})
	if sdk.KindOf(err) != sdk.KindReauthorize || !strings.Contains(sdk.HintOf(err), "re-authorize") {
		t.Errorf("refused refresh: %v (kind %s, hint %q)", err, sdk.KindOf(err), sdk.HintOf(err))
	}
	want := []seen{
		{Method: "POST", Path: "/oauth/token", Body: "grant_type=refresh_token&refresh_token=RT-1", Headers: map[string]string{"Authorization": basicOf("cid", "csecret")}},
		{Method: "GET", Path: "/api/x", Headers: map[string]string{"Authorization": "Bearer AT-2"}},
		// The rotated refresh token is used, once.
		{Method: "POST", Path: "/oauth/token", Body: "grant_type=refresh_token&refresh_token=RT-2", Headers: map[string]string{"Authorization": basicOf("cid", "csecret")}},
		{Method: "GET", Path: "/api/x", Headers: map[string]string{"Authorization": "Bearer AT-3"}},
		// AT-3 came without a refresh token: RT-2 is kept.
		{Method: "POST", Path: "/oauth/token", Body: "grant_type=refresh_token&refresh_token=RT-2", Headers: map[string]string{"Authorization": basicOf("cid", "csecret")}},
	}
	if diff := cmp.Diff(want, project(s.requests(), "Authorization")); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}
