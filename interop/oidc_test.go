package interop

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/sdk"
	"github.com/connkit/connkit/sdk/tokens"
)

func connector(t *testing.T, src string) *sdk.Connector {
	t.Helper()
	f, err := manifest.Parse("ci.yaml", []byte(src))
	if err != nil {
		t.Fatalf("manifest: %v", err)
	}
	c, err := sdk.NewRegistry(sdk.Options{}).Add(f)
	if err != nil {
		t.Fatalf("register: %v", err)
	}
	return c
}

func TestClientCredentials(t *testing.T) {
	iss := Issuer(t)
	for _, tc := range []struct {
		auth       manifest.ClientAuth
		id, secret string
	}{
		{manifest.ClientAuthBasic, "cc-basic", "cc-basic-secret"},
		{manifest.ClientAuthBody, "cc-post", "cc-post-secret"},
	} {
		t.Run(string(tc.auth), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			c := connector(t, ClientCredentialsManifest(iss, string(tc.auth), "crm.read crm.write"))
			conn, err := c.Connect(ctx, sdk.Values{"client_id": tc.id, "client_secret": tc.secret}, sdk.ConnectOptions{})
			if err != nil {
				t.Fatalf("Connect: %v (hint: %s)", err, sdk.HintOf(err))
			}
			if conn.Identity() != tc.id || conn.Label() == "" {
				t.Errorf("identity %q label %q", conn.Identity(), conn.Label())
			}
			tok := conn.Token()
			if tok == nil || tok.Scope != "crm.read crm.write" || tok.TokenType != "Bearer" {
				t.Errorf("token = %+v", tok)
			}
			if until := time.Until(conn.ExpiresAt()); until < time.Minute || until > 10*time.Minute {
				t.Errorf("expires in %v, want about ACCESS_TOKEN_TTL", until)
			}
			resp, err := conn.Do(ctx, &sdk.Request{Path: "/me"})
			if err != nil || resp.Status != 200 || !strings.Contains(string(resp.Body), tc.id) {
				t.Errorf("Do /me: %v %+v", err, resp)
			}
		})
	}
}

func TestClientCredentialsErrors(t *testing.T) {
	iss := Issuer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, tc := range []struct {
		name, auth, scope, id, secret string
		code                          string
		hint                          string
	}{
		{"wrong secret", "basic", "crm.read", "cc-basic", "not-the-secret", tokens.CodeInvalidClient, "client ID"},
		{"wrong client auth style", "body", "crm.read", "cc-basic", "cc-basic-secret", tokens.CodeInvalidClient, "client ID"},
		{"wrong scope", "basic", "crm.delete", "cc-basic", "cc-basic-secret", tokens.CodeInvalidScope, "scope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := connector(t, ClientCredentialsManifest(iss, tc.auth, tc.scope))
			_, err := c.Connect(ctx, sdk.Values{"client_id": tc.id, "client_secret": tc.secret}, sdk.ConnectOptions{})
			var te *tokens.Error
			if !errors.As(err, &te) || te.Code != tc.code {
				t.Fatalf("Connect error = %v, want %s", err, tc.code)
			}
			if sdk.KindOf(err) != sdk.KindAuth || !strings.Contains(sdk.HintOf(err), tc.hint) {
				t.Errorf("kind %s hint %q, want auth and a hint about %q", sdk.KindOf(err), sdk.HintOf(err), tc.hint)
			}
			if te.Attempts != 1 {
				t.Errorf("%s was sent %d times; a 4xx answer is never retried", tc.code, te.Attempts)
			}
			if strings.Contains(fmt.Sprintf("%v %+v", err, err), tc.secret) {
				t.Errorf("the client secret leaked into the error: %v", err)
			}
		})
	}
}
