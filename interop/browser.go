package interop

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
)

// Browser drives the CI server's login and consent pages (oidc-provider's
// devInteractions) with plain HTTP, as a user's browser would: one cookie
// jar, every redirect followed by hand, each interaction form posted.
type Browser struct {
	// Login is the user name typed on the login page; it becomes the
	// subject (the id /api/me answers).
	Login string
	// Deny makes the user refuse instead of consenting (the interaction's
	// abort link), which ends in error=access_denied.
	Deny bool
	hc   *http.Client
}

// NewBrowser returns a browser with an empty cookie jar that logs in as
// login.
func NewBrowser(login string) *Browser {
	jar, _ := cookiejar.New(nil) // cookiejar.New never fails without options
	return &Browser{Login: login, hc: &http.Client{
		Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

// maxSteps bounds the pages one authorization visits.
const maxSteps = 20

var (
	formAction  = regexp.MustCompile(`<form[^>]*\saction="([^"]+)"`)
	promptInput = regexp.MustCompile(`<input[^>]*name="prompt"[^>]*value="([^"]+)"`)
)

// Authorize opens authorizeURL, logs in and consents (or refuses) and
// returns the URL the server finally redirects to, which starts with
// redirectURL; it does not open that URL.
func (b *Browser) Authorize(ctx context.Context, authorizeURL, redirectURL string) (*url.URL, error) {
	next, method, form := authorizeURL, http.MethodGet, url.Values(nil)
	for step := 0; step < maxSteps; step++ {
		resp, body, err := b.send(ctx, method, next, form)
		if err != nil {
			return nil, err
		}
		cur := resp.Request.URL
		if loc := resp.Header.Get("Location"); resp.StatusCode >= 300 && resp.StatusCode < 400 && loc != "" {
			target, err := cur.Parse(loc)
			if err != nil {
				return nil, fmt.Errorf("step %d: bad Location %q: %w", step, loc, err)
			}
			if strings.HasPrefix(target.String(), redirectURL) {
				return target, nil
			}
			next, method, form = target.String(), http.MethodGet, nil
			continue
		}
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(cur.Path, "/interaction/") {
			return nil, fmt.Errorf("step %d: %s %s answered %d: %.300s", step, method, cur, resp.StatusCode, body)
		}
		if b.Deny {
			next, method, form = strings.TrimSuffix(cur.String(), "/")+"/abort", http.MethodGet, nil
			continue
		}
		action, prompt := formAction.FindStringSubmatch(body), promptInput.FindStringSubmatch(body)
		if action == nil || prompt == nil {
			return nil, fmt.Errorf("step %d: no interaction form at %s: %.300s", step, cur, body)
		}
		form = url.Values{"prompt": {prompt[1]}}
		if prompt[1] == "login" {
			form.Set("login", b.Login)
			form.Set("password", "any")
		}
		target, err := cur.Parse(html.UnescapeString(action[1]))
		if err != nil {
			return nil, fmt.Errorf("step %d: bad form action %q: %w", step, action[1], err)
		}
		next, method = target.String(), http.MethodPost
	}
	return nil, fmt.Errorf("no redirect to %s after %d steps", redirectURL, maxSteps)
}

func (b *Browser) send(ctx context.Context, method, target string, form url.Values) (*http.Response, string, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return nil, "", err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.hc.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp, string(data), err
}

// AuthorizationCodeManifest returns an authorization-code connector for the
// CI server's web-app client. With discover, it names only the issuer and
// the redirect URL, and the endpoints come from the server's metadata.
func AuthorizationCodeManifest(iss string, discover bool) string {
	endpoints := `  authorize:
    url: ` + iss + `/auth
    scope: openid offline_access crm.read
    params: {prompt: consent}
    redirect_url: http://127.0.0.1:8976/callback
  token:
    url: ` + iss + `/token
    client_id: "{{ fields.client_id }}"
    client_secret: "{{ fields.client_secret }}"
  revoke: {url: ` + iss + `/token/revocation}
`
	if discover {
		endpoints = `  issuer: ` + iss + `
  authorize:
    scope: openid offline_access crm.read
    params: {prompt: consent}
    redirect_url: http://127.0.0.1:8976/callback
  token:
    client_id: "{{ fields.client_id }}"
    client_secret: "{{ fields.client_secret }}"
  revoke: {}
`
	}
	return `connkit: v1
id: ci-oidc-code
name: CI OAuth server (authorization code)
fields:
  - {key: client_id, label: Client ID, type: string, required: true}
  - {key: client_secret, label: Client Secret, type: secret, required: true}
base_url: ` + iss + `/api
auth:
  type: oauth2_authorization_code
` + endpoints + `whitelist: ["` + iss + `/"]
test:
  request: {method: GET, path: /me}
  expect: {status: [200], present: [id]}
label: "{{ response.name }}"
identity: "{{ response.id }}"
`
}
