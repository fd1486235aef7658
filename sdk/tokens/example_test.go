package tokens_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/sdk/secret"
	"github.com/connkit/connkit/sdk/tokens"
)

// A connection composes a Client (sending through its whitelisted HTTP
// client) and a Source (caching and renewing the token).
func Example() {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"access_token":"at","token_type":"bearer","expires_in":"3600"}`)
	}))
	defer api.Close()

	client := &tokens.Client{HTTP: api.Client()}
	endpoint := &manifest.Endpoint{Retry: &manifest.Retry{Attempts: 3}}
	req := &tokens.Request{
		URL:          api.URL + "/oauth/token",
		ClientAuth:   manifest.ClientAuthBasic,
		ClientID:     "my-client",
		ClientSecret: secret.New("my-secret"),
		GrantType:    "client_credentials",
		Scope:        "crm.read",
		IncludeScope: true,
		Retry:        tokens.RetryFrom(endpoint.Retry),
	}
	source := tokens.NewSource(func(ctx context.Context) (*tokens.Token, error) {
		return client.Fetch(ctx, req, tokens.Mapping{Paths: endpoint.Response})
	}, tokens.SourceOptions{})

	tok, err := source.Token(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s %v, scope %q, lifetime %s\n", tok.TokenType, tok.AccessToken, tok.Scope, tok.Lifetime())
	// Output: Bearer [redacted], scope "crm.read", lifetime 1h0m0s
}
