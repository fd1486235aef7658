package sdk_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/connkit/connkit/sdk"
)

// TestRevoke: RFC 7009 revocation of the refresh token, then the access
// token, with the token API's client authentication; afterwards every
// request fails with kind revoked and sends nothing.
func TestRevoke(t *testing.T) {
	withRefresh := jsonReply(200, map[string]any{"access_token": "AT-1", "refresh_token": "RT-1", "token_type": "Bearer", "expires_in": 3600})
	cases := []struct {
		name     string
		auth     string
		token    http.HandlerFunc
		revoke   http.HandlerFunc
		want     []seen
		wantKind sdk.Kind
	}{
		{
			name:   "basic client auth, refresh then access token",
			auth:   "  revoke: {url: $URL/oauth/revoke}",
			token:  withRefresh,
			revoke: jsonReply(200, nil),
			want: []seen{
				{Method: "POST", Path: "/oauth/revoke", Headers: map[string]string{"Authorization": basicOf("cid", "csecret")},
					Body: "token=RT-1&token_type_hint=refresh_token"},
				{Method: "POST", Path: "/oauth/revoke", Headers: map[string]string{"Authorization": basicOf("cid", "csecret")},
					Body: "token=AT-1&token_type_hint=access_token"},
			},
		},
		{
			name:   "body client auth, access token only",
			auth:   "  revoke: {url: $URL/oauth/revoke, client_auth: body}",
			token:  tokenReply("AT-1", 3600),
			revoke: jsonReply(200, nil),
			want: []seen{{Method: "POST", Path: "/oauth/revoke", Headers: map[string]string{"Authorization": ""},
				Body: "client_id=cid&client_secret=csecret&token=AT-1&token_type_hint=access_token"}},
		},
		{
			name:   "public client: the inherited secret is not sent",
			auth:   "  revoke: {url: $URL/oauth/revoke, client_auth: none}",
			token:  tokenReply("AT-1", 3600),
			revoke: jsonReply(200, nil),
			want: []seen{{Method: "POST", Path: "/oauth/revoke", Headers: map[string]string{"Authorization": ""},
				Body: "client_id=cid&token=AT-1&token_type_hint=access_token"}},
		},
		{
			name:  "no revoke API: tokens are only forgotten",
			token: withRefresh,
		},
		{
			name:   "revoke API refuses: both tokens tried, still revoked",
			auth:   "  revoke: {url: $URL/oauth/revoke}",
			token:  withRefresh,
			revoke: status(400, `{"error":"unsupported_token_type"}`),
			want: []seen{
				{Method: "POST", Path: "/oauth/revoke", Headers: map[string]string{"Authorization": basicOf("cid", "csecret")},
					Body: "token=RT-1&token_type_hint=refresh_token"},
				{Method: "POST", Path: "/oauth/revoke", Headers: map[string]string{"Authorization": basicOf("cid", "csecret")},
					Body: "token=AT-1&token_type_hint=access_token"},
			},
			wantKind: sdk.KindAuth,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, map[string]http.HandlerFunc{"/oauth/token": tc.token, "/oauth/revoke": tc.revoke, "/api/x": jsonReply(200, nil)})
			conn := connect(t, s, sdk.Options{}, ccManifest(tc.auth), nil)
			err := conn.Revoke(context.Background())
			if tc.wantKind == "" && err != nil || tc.wantKind != "" && sdk.KindOf(err) != tc.wantKind {
				t.Errorf("Revoke: %v (kind %s), want kind %q", err, sdk.KindOf(err), tc.wantKind)
			}
			var revokes []rec
			for _, r := range s.requests() {
				if r.Path == "/oauth/revoke" {
					revokes = append(revokes, r)
				}
			}
			if diff := cmp.Diff(tc.want, project(revokes, "Authorization")); diff != "" {
				t.Errorf("revoke requests (-want +got):\n%s", diff)
			}
			assertRevoked(t, s, conn)
		})
	}
}

// TestRevokeStatic: a connection without tokens is revoked locally.
func TestRevokeStatic(t *testing.T) {
	s := newServer(t, map[string]http.HandlerFunc{"/api/x": jsonReply(200, nil)})
	conn := connect(t, s, sdk.Options{}, keyManifest, sdk.Values{"api_key": "k"})
	if err := conn.Revoke(context.Background()); err != nil {
		t.Fatal(err)
	}
	assertRevoked(t, s, conn)
}

// assertRevoked checks that every way of sending fails with kind revoked
// and nothing more reaches the server.
func assertRevoked(t *testing.T, s *testServer, conn *sdk.Connection) {
	t.Helper()
	before := s.total.Load()
	if conn.Token() != nil {
		t.Error("the revoked connection still holds a token")
	}
	if _, err := conn.Do(context.Background(), &sdk.Request{Path: "/x"}); sdk.KindOf(err) != sdk.KindRevoked {
		t.Errorf("Do: %v (kind %s), want revoked", err, sdk.KindOf(err))
	}
	if _, err := conn.HTTPClient().Get(s.URL + "/api/x"); sdk.KindOf(err) != sdk.KindRevoked {
		t.Errorf("HTTPClient: %v (kind %s), want revoked", err, sdk.KindOf(err))
	}
	if err := conn.Revoke(context.Background()); err != nil {
		t.Errorf("a second Revoke: %v", err)
	}
	if n := s.total.Load() - before; n != 0 {
		t.Errorf("%d requests sent after Revoke", n)
	}
}
