package tokens

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/sdk/secret"
)

// The canaries: every secret in these tests contains "CANARY", and no
// error output may.
const (
	canaryClientSecret = "CANARY-SECRET-client-9f8e7d6c"
	canaryShortSecret  = "CANARYpwd" // short, no digit: only the request's own secrets list catches it
	canaryRefresh      = "CANARY-SECRET-refresh-1a2b3c4d"
	canaryPassword     = "CANARY-SECRET-password-5e6f7a"
	canaryAccess       = "CANARY-TOKEN-0123456789abcdef"
)

// leakOutputs renders err every way a program might log it.
func leakOutputs(err error) map[string]string {
	j, _ := json.Marshal(err)
	var logged strings.Builder
	slog.New(slog.NewJSONHandler(&logged, nil)).Error("failed", "err", err)
	return map[string]string{
		"Error()": err.Error(),
		"%v":      fmt.Sprintf("%v", err),
		"%+v":     fmt.Sprintf("%+v", err),
		"%#v":     fmt.Sprintf("%#v", err),
		"%q":      fmt.Sprintf("%q", err),
		"json":    string(j),
		"slog":    logged.String(),
	}
}

func assertNoCanary(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	for how, out := range leakOutputs(err) {
		if strings.Contains(out, "CANARY") {
			t.Errorf("%s leaks a secret: %s", how, out)
		}
	}
	for e := errors.Unwrap(err); e != nil; e = errors.Unwrap(e) {
		for how, out := range leakOutputs(e) {
			if strings.Contains(out, "CANARY") {
				t.Errorf("wrapped %T: %s leaks a secret: %s", e, how, out)
			}
		}
	}
}

func TestSecretsNeverInErrors(t *testing.T) {
	echo := "client " + canaryClientSecret + " / " + canaryShortSecret + " / refresh " + canaryRefresh + " / password " + canaryPassword +
		" / basic " + base64.StdEncoding.EncodeToString([]byte("id:"+canaryClientSecret))
	tests := []struct {
		name  string
		ans   answer
		paths *manifest.TokenResponse
	}{
		{"invalid_client echoing the secrets", answer{status: 401, body: fmt.Sprintf(`{"error":"invalid_client","error_description":%q,"error_uri":"https://docs.example.com/%s?secret=%s"}`, echo, canaryAccess, canaryClientSecret)}, nil},
		{"invalid_grant echoing the refresh token", answer{status: 400, body: fmt.Sprintf(`{"error":"invalid_grant %s","error_description":%q,"refresh_token":%q}`, canaryRefresh, echo, canaryRefresh)}, nil},
		{"HTML page", answer{status: 500, header: map[string]string{"Content-Type": "text/html"}, body: "<html><title>" + echo + "</title><body>" + canaryAccess + "</body></html>"}, nil},
		{"HTML page without title", answer{status: 403, header: map[string]string{"Content-Type": "text/html"}, body: "<p>" + echo + "<i>" + canaryAccess + "</i></p>"}, nil},
		{"non-RFC JSON error", answer{status: 500, body: fmt.Sprintf(`{"access_token":%q,"message":%q,"nested":[{"session":"%s"}]}`, canaryAccess, echo, canaryAccess)}, nil},
		{"plain text error", answer{status: 503, header: map[string]string{"Content-Type": "text/plain"}, body: echo + " " + canaryAccess}, nil},
		{"form error", answer{status: 400, header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, body: "error=invalid_request&error_description=" + strings.ReplaceAll(echo, " ", "+")}, nil},
		{"token type mac", answer{status: 200, body: fmt.Sprintf(`{"access_token":%q,"token_type":"mac"}`, canaryAccess)}, nil},
		{"token type mapped onto the token", answer{status: 200, body: fmt.Sprintf(`{"access_token":%q}`, canaryAccess)}, &manifest.TokenResponse{TokenType: "access_token"}},
		{"expiry mapped onto the token", answer{status: 200, body: fmt.Sprintf(`{"access_token":%q}`, canaryAccess)}, &manifest.TokenResponse{ExpiresIn: "access_token"}},
		{"200 with an error and a token", answer{status: 200, body: fmt.Sprintf(`{"access_token":%q,"error":"invalid_scope","error_description":%q}`, canaryAccess, echo)}, nil},
		{"200 without the mapped token", answer{status: 200, body: fmt.Sprintf(`{"token":%q}`, canaryAccess)}, &manifest.TokenResponse{AccessToken: "data.token"}},
		{"200 with broken JSON", answer{status: 200, body: fmt.Sprintf(`{"access_token":%q,`, canaryAccess)}, nil},
		{"200 plain text token", answer{status: 200, header: map[string]string{"Content-Type": "text/plain"}, body: canaryAccess}, nil},
		{"redirect", answer{status: 302, header: map[string]string{"Location": "https://" + canaryAccess + ".example.com/" + canaryRefresh + "?code=" + canaryAccess}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, tt.ans)
			c, _ := testClient(srv)
			req := &Request{
				URL: srv.URL + "/token", ClientID: "id", ClientSecret: secret.New(canaryClientSecret), GrantType: "refresh_token",
				Params:  Params{{"refresh_token", secret.New(canaryRefresh)}, {"pin", secret.New(canaryShortSecret)}},
				Headers: map[string]secret.Value{"X-Password": secret.New(canaryPassword)},
				Query:   map[string][]string{"api_key": {canaryAccess}},
				Retry:   NoRetry,
			}
			_, err := c.Fetch(context.Background(), req, Mapping{Paths: tt.paths})
			assertNoCanary(t, err)

			// The same error served from a Source's cache.
			s := NewSource(func(ctx context.Context) (*Token, error) { return c.Fetch(ctx, req, Mapping{Paths: tt.paths}) }, SourceOptions{})
			_, _ = s.Token(context.Background())
			_, err = s.Token(context.Background())
			var be *BackoffError
			if !errors.As(err, &be) {
				t.Fatalf("second call: %v, want a BackoffError", err)
			}
			assertNoCanary(t, err)
		})
	}
}

func TestSecretsNeverInTransportErrors(t *testing.T) {
	c := &Client{HTTP: doerFunc(func(r *http.Request) (*http.Response, error) {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	}), Sleep: func(context.Context, time.Duration) error { return nil }}
	req := &Request{URL: "https://login.example.com/token?api_key=" + canaryAccess, ClientID: "id", ClientSecret: secret.New(canaryClientSecret)}
	_, err := c.Fetch(context.Background(), req, Mapping{})
	assertNoCanary(t, err)

	bad := *req
	bad.URL = "https://user:" + canaryPassword + "@login.example.com/token"
	_, err = c.Fetch(context.Background(), &bad, Mapping{})
	assertNoCanary(t, err)
}

func TestSecretsNeverInFormattedValues(t *testing.T) {
	req := Request{ClientSecret: secret.New(canaryClientSecret), Params: Params{{"refresh_token", secret.New(canaryRefresh)}},
		Headers: map[string]secret.Value{"Authorization": secret.New(canaryPassword)}}
	tok := Token{AccessToken: secret.New(canaryAccess), RefreshToken: secret.New(canaryRefresh)}
	for _, v := range []any{req, &req, tok, &tok, []*Token{&tok}} {
		for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
			if out := fmt.Sprintf(format, v); strings.Contains(out, "CANARY") {
				t.Errorf("Sprintf(%q, %T) leaks a secret: %s", format, v, out)
			}
		}
		if out, _ := json.Marshal(v); strings.Contains(string(out), "CANARY") {
			t.Errorf("json.Marshal(%T) leaks a secret: %s", v, out)
		}
	}
}
