package tokens

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/sdk/secret"
	"github.com/google/go-cmp/cmp"
)

// resp builds a Response sent at t0.
func resp(status int, contentType, body string, header ...string) *Response {
	h := http.Header{}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	return &Response{Status: status, Header: h, Body: []byte(body), SentAt: t0}
}

func jsonResp(body string) *Response { return resp(200, "application/json", body) }

func TestParseExpiry(t *testing.T) {
	def := 30 * time.Minute
	tests := []struct {
		name   string
		format manifest.ExpiryFormat
		value  string // JSON value of expires_in; "" leaves it out
		want   time.Time
	}{
		{"integer", "", `3600`, t0.Add(time.Hour)},
		{"float", "", `3600.0`, t0.Add(time.Hour)},
		{"fraction", "", `1.5`, t0.Add(1500 * time.Millisecond)},
		{"exponent", "", `3.6e3`, t0.Add(time.Hour)},
		{"string", "", `"3600"`, t0.Add(time.Hour)},
		{"float string", "", `"3600.0"`, t0.Add(time.Hour)},
		{"padded string", "", `" 3600 "`, t0.Add(time.Hour)},
		{"zero means default, never forever", "", `0`, t0.Add(def)},
		{"missing means default", "", ``, t0.Add(def)},
		{"null means default", "", `null`, t0.Add(def)},
		{"negative means default", "", `-60`, t0.Add(def)},
		{"explicit seconds", manifest.ExpirySeconds, `60`, t0.Add(time.Minute)},
		{"milliseconds", manifest.ExpiryMilliseconds, `3600000`, t0.Add(time.Hour)},
		{"milliseconds string", manifest.ExpiryMilliseconds, `"90000"`, t0.Add(90 * time.Second)},
		{"unix", manifest.ExpiryUnix, `1740834000`, time.Unix(1740834000, 0)},
		{"unix string", manifest.ExpiryUnix, `"1740834000"`, time.Unix(1740834000, 0)},
		{"unix in the past means default", manifest.ExpiryUnix, `1000`, t0.Add(def)},
		{"unix zero means default", manifest.ExpiryUnix, `0`, t0.Add(def)},
		{"unix_ms", manifest.ExpiryUnixMillis, `1740834000500`, time.UnixMilli(1740834000500)},
		{"rfc3339", manifest.ExpiryRFC3339, `"2025-03-01T13:00:00Z"`, t0.Add(time.Hour)},
		{"rfc3339 offset", manifest.ExpiryRFC3339, `"2025-03-01T14:00:00.5+01:00"`, t0.Add(time.Hour + 500*time.Millisecond)},
		{"rfc3339 in the past means default", manifest.ExpiryRFC3339, `"2020-01-01T00:00:00Z"`, t0.Add(def)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"access_token":"at","token_type":"bearer"`
			if tt.value != "" {
				body += `,"expires_in":` + tt.value
			}
			body += "}"
			m := Mapping{Paths: &manifest.TokenResponse{ExpiryFormat: tt.format}, DefaultLifetime: def}
			tok, err := Parse(jsonResp(body), m)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !tok.Expiry.Equal(tt.want) {
				t.Errorf("Expiry = %s, want %s", tok.Expiry, tt.want)
			}
			if !tok.IssuedAt.Equal(t0) {
				t.Errorf("IssuedAt = %s, want the send time %s", tok.IssuedAt, t0)
			}
		})
	}
}

func TestParseExpiryDefaultLifetime(t *testing.T) {
	tok, err := Parse(jsonResp(`{"access_token":"at","expires_in":0}`), Mapping{})
	if err != nil {
		t.Fatal(err)
	}
	if want := t0.Add(DefaultLifetime); !tok.Expiry.Equal(want) {
		t.Errorf("Expiry = %s, want %s", tok.Expiry, want)
	}
}

func TestParseInvalidExpiry(t *testing.T) {
	tests := []struct {
		name   string
		format manifest.ExpiryFormat
		value  string
		want   string
	}{
		{"word", "", `"soon"`, "is a string that is not a decimal number"},
		{"hex", "", `"0x10"`, "not a decimal number"},
		{"inf", "", `"Inf"`, "not a decimal number"},
		{"nan", "", `"NaN"`, "not a decimal number"},
		{"bool", "", `true`, "is a boolean"},
		{"object", "", `{"s":1}`, "is an object"},
		{"huge", "", `1e300`, "is too large"},
		{"rfc3339 number", manifest.ExpiryRFC3339, `3600`, "is a number, want an RFC 3339 time"},
		{"rfc3339 garbage", manifest.ExpiryRFC3339, `"tomorrow"`, "is not an RFC 3339 time"},
		{"unknown format", "fortnights", `1`, `expiry_format "fortnights" is not one of`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"access_token":"at","expires_in":` + tt.value + `}`
			_, err := Parse(jsonResp(body), Mapping{Paths: &manifest.TokenResponse{ExpiryFormat: tt.format}})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestParseValues(t *testing.T) {
	tests := []struct {
		name  string
		resp  *Response
		paths *manifest.TokenResponse
		login bool
		want  *Token
	}{{
		name: "RFC 6749 5.1",
		resp: jsonResp(`{"access_token":"at","refresh_token":"rt","token_type":"Bearer","expires_in":3600,"scope":"a b"}`),
		want: &Token{AccessToken: secret.New("at"), RefreshToken: secret.New("rt"), TokenType: "Bearer", Scope: "a b", IssuedAt: t0, Expiry: t0.Add(time.Hour)},
	}, {
		name: "token type in any case; BOM, charset and whitespace",
		resp: resp(200, "application/json; charset=utf-8", "\xef\xbb\xbf \n{\"access_token\":\"at\",\"token_type\":\"BEARER\"}\n"),
		want: &Token{AccessToken: secret.New("at"), TokenType: "Bearer", IssuedAt: t0, Expiry: t0.Add(time.Hour)},
	}, {
		name: "no token type means Bearer",
		resp: jsonResp(`{"access_token":"at"}`),
		want: &Token{AccessToken: secret.New("at"), TokenType: "Bearer", IssuedAt: t0, Expiry: t0.Add(time.Hour)},
	}, {
		name:  "nested paths with array indices, kept values",
		resp:  jsonResp(`{"data":{"token":"at","tokens":[{"v":"x"},{"v":"rt"}],"ttl":"120","grid":[[1,"deep"]]},"instance_url":"https://na1.example.com","n":7,"ok":true}`),
		paths: &manifest.TokenResponse{AccessToken: "data.token", RefreshToken: "data.tokens[1].v", ExpiresIn: "data.ttl", Keep: map[string]string{"instance_url": "instance_url", "deep": "data.grid[0][1]", "mixed": "data.grid.0[1]", "dot": "data.tokens.0.v", "n": "n", "ok": "ok", "absent": "nope"}},
		want: &Token{AccessToken: secret.New("at"), RefreshToken: secret.New("rt"), TokenType: "Bearer", IssuedAt: t0, Expiry: t0.Add(2 * time.Minute),
			Extra: map[string]string{"instance_url": "https://na1.example.com", "deep": "deep", "mixed": "deep", "dot": "x", "n": "7", "ok": "true"}},
	}, {
		name:  "root array",
		resp:  jsonResp(`[{"token":"at"}]`),
		paths: &manifest.TokenResponse{AccessToken: "[0].token"},
		want:  &Token{AccessToken: secret.New("at"), TokenType: "Bearer", IssuedAt: t0, Expiry: t0.Add(time.Hour)},
	}, {
		name:  "token and expiry in headers",
		resp:  resp(204, "", "", "X-Auth-Token", "at", "X-Expires", "600"),
		paths: &manifest.TokenResponse{AccessToken: "header:X-Auth-Token", ExpiresIn: "header: x-expires"},
		login: true,
		want:  &Token{AccessToken: secret.New("at"), IssuedAt: t0, Expiry: t0.Add(10 * time.Minute)},
	}, {
		name:  "token in a header, whatever the body",
		resp:  resp(200, "text/html", "<html>Welcome</html>", "X-Session", "sid"),
		paths: &manifest.TokenResponse{AccessToken: "header:X-Session"},
		login: true,
		want:  &Token{AccessToken: secret.New("sid"), IssuedAt: t0, Expiry: t0.Add(time.Hour)},
	}, {
		name: "form-encoded (GitHub style)",
		resp: resp(200, "application/x-www-form-urlencoded; charset=utf-8", "access_token=gho_abc&scope=repo%2Cgist&token_type=bearer"),
		want: &Token{AccessToken: secret.New("gho_abc"), TokenType: "Bearer", Scope: "repo,gist", IssuedAt: t0, Expiry: t0.Add(time.Hour)},
	}, {
		name: "form-encoded body labelled text/plain",
		resp: resp(200, "text/plain", "access_token=at&expires_in=60"),
		want: &Token{AccessToken: secret.New("at"), TokenType: "Bearer", IssuedAt: t0, Expiry: t0.Add(time.Minute)},
	}, {
		name: "JSON labelled text/html",
		resp: resp(200, "text/html", `{"access_token":"at"}`),
		want: &Token{AccessToken: secret.New("at"), TokenType: "Bearer", IssuedAt: t0, Expiry: t0.Add(time.Hour)},
	}, {
		name: "scope as an array; numeric token",
		resp: jsonResp(`{"access_token":12345,"scope":["a","b"]}`),
		want: &Token{AccessToken: secret.New("12345"), TokenType: "Bearer", Scope: "a b", IssuedAt: t0, Expiry: t0.Add(time.Hour)},
	}, {
		name:  "login keeps its own token type",
		resp:  jsonResp(`{"session":{"id":"sid"},"type":"Session"}`),
		paths: &manifest.TokenResponse{AccessToken: "session.id", TokenType: "type"},
		login: true,
		want:  &Token{AccessToken: secret.New("sid"), TokenType: "Session", IssuedAt: t0, Expiry: t0.Add(time.Hour)},
	}, {
		name: "error members that are empty do not count",
		resp: jsonResp(`{"access_token":"at","error":null,"errors":[]}`),
		want: &Token{AccessToken: secret.New("at"), TokenType: "Bearer", IssuedAt: t0, Expiry: t0.Add(time.Hour)},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.resp, Mapping{Paths: tt.paths, Login: tt.login})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("token (-want +got):\n%s", d)
			}
			if got.AccessToken.Reveal() != tt.want.AccessToken.Reveal() {
				t.Errorf("AccessToken = %q, want %q", got.AccessToken.Reveal(), tt.want.AccessToken.Reveal())
			}
		})
	}
}

func TestParseFailures(t *testing.T) {
	tests := []struct {
		name  string
		resp  *Response
		paths *manifest.TokenResponse
		check func(t *testing.T, err error)
	}{{
		name: "unknown token type fails closed",
		resp: jsonResp(`{"access_token":"at","token_type":"mac"}`),
		check: func(t *testing.T, err error) {
			var e *UnsupportedTokenTypeError
			if !errors.As(err, &e) || e.Type != "mac" || e.Path != "token_type" {
				t.Errorf("error = %#v, want *UnsupportedTokenTypeError mac", err)
			}
		},
	}, {
		name:  "200 carrying an RFC 6749 error",
		resp:  jsonResp(`{"error":"invalid_grant","error_description":"Code expired","error_uri":"https://docs.example.com/errors?x=1#grant"}`),
		check: wantError(Error{Status: 200, Code: "invalid_grant", Description: "Code expired", URI: "https://docs.example.com/errors", Hint: codeHints[CodeInvalidGrant]}),
	}, {
		name:  "200 carrying a form error (GitHub)",
		resp:  resp(200, "application/x-www-form-urlencoded", "error=bad_verification_code&error_description=The+code+passed+is+incorrect+or+expired."),
		check: wantError(Error{Status: 200, Code: "bad_verification_code", Description: "The code passed is incorrect or expired.", Hint: statusHint(200, false)}),
	}, {
		name:  "200 carrying an error object",
		resp:  jsonResp(`{"error":{"message":"nope"},"access_token":"at"}`),
		check: wantError(Error{Status: 200, Snippet: `{"access_token":"[redacted]","error":{"message":"nope"}}`, Hint: statusHint(200, false)}),
	}, {
		name:  "missing access token names the path",
		resp:  jsonResp(`{"data":{"tok":"at"}}`),
		paths: &manifest.TokenResponse{AccessToken: "data.token"},
		check: wantMissing("access_token", "data.token"),
	}, {
		name:  "empty access token",
		resp:  jsonResp(`{"access_token":""}`),
		check: wantMissing("access_token", "access_token"),
	}, {
		name:  "index out of range",
		resp:  jsonResp(`{"t":["a"]}`),
		paths: &manifest.TokenResponse{AccessToken: "t[1]"},
		check: wantMissing("access_token", "t[1]"),
	}, {
		name:  "missing header",
		resp:  resp(200, "", ""),
		paths: &manifest.TokenResponse{AccessToken: "header:X-Token"},
		check: wantMissing("access_token", "header:X-Token"),
	}, {
		name:  "nested path into a form body",
		resp:  resp(200, "application/x-www-form-urlencoded", "data=x"),
		paths: &manifest.TokenResponse{AccessToken: "data.token"},
		check: wantMissing("access_token", "data.token"),
	}, {
		name:  "indexed path into a form body",
		resp:  resp(200, "application/x-www-form-urlencoded", "access_token=x"),
		paths: &manifest.TokenResponse{AccessToken: "access_token[0]"},
		check: wantMissing("access_token", "access_token[0]"),
	}, {
		name:  "object where a string belongs",
		resp:  jsonResp(`{"access_token":{"value":"at"}}`),
		check: wantText("token response access_token at \"access_token\" is an object, want a string"),
	}, {
		name:  "bad path",
		resp:  jsonResp(`{"access_token":"at"}`),
		paths: &manifest.TokenResponse{AccessToken: "data..token"},
		check: wantText(`response.access_token path "data..token": empty key between dots`),
	}, {
		name:  "bad index",
		resp:  jsonResp(`{"access_token":"at"}`),
		paths: &manifest.TokenResponse{AccessToken: "data[x]"},
		check: wantText(`bad array index "[x]"`),
	}, {
		name:  "invalid JSON",
		resp:  jsonResp(`{"access_token":`),
		check: wantText("token response is not valid JSON"),
	}, {
		name:  "trailing data",
		resp:  jsonResp(`{"access_token":"at"} {}`),
		check: wantText("has data after its JSON value"),
	}, {
		name:  "plain text",
		resp:  resp(200, "text/plain", "hello"),
		check: wantError(Error{Status: 200, Snippet: "hello", Hint: "the answer is neither JSON nor form-encoded: check the token URL; " + statusHint(200, false)}),
	}, {
		name:  "HTML page: the token URL is probably wrong",
		resp:  resp(200, "text/html; charset=utf-8", "<!doctype html><html><head><title>Acme - Sign in</title></head><body>...</body></html>"),
		check: wantError(Error{Status: 200, Snippet: "HTML page titled Acme - Sign in", Hint: statusHint(200, true)}),
	}, {
		name:  "HTML 404 without title",
		resp:  resp(404, "text/html", "<html><body><h1>Not   Found</h1>\n<p>nothing here</p></body></html>"),
		check: wantError(Error{Status: 404, Snippet: "HTML page: Not Found nothing here", Hint: statusHint(404, true)}),
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := Parse(tt.resp, Mapping{Paths: tt.paths})
			if err == nil {
				t.Fatalf("Parse returned %v, want an error", tok)
			}
			tt.check(t, err)
		})
	}
}

func wantError(want Error) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("error = %v (%T), want *Error", err, err)
		}
		if d := cmp.Diff(&want, e); d != "" {
			t.Errorf("*Error (-want +got):\n%s", d)
		}
	}
}

func wantMissing(field, path string) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		var e *MissingValueError
		if !errors.As(err, &e) {
			t.Fatalf("error = %v (%T), want *MissingValueError", err, err)
		}
		if d := cmp.Diff(&MissingValueError{Field: field, Path: path}, e); d != "" {
			t.Errorf("*MissingValueError (-want +got):\n%s", d)
		}
		if !strings.Contains(e.Error(), `at "`+path+`"`) {
			t.Errorf("Error() = %q does not name the path", e.Error())
		}
	}
}

func wantText(want string) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error = %q, want it to contain %q", err.Error(), want)
		}
	}
}

func TestErrorAnswers(t *testing.T) {
	tests := []struct {
		name string
		resp *Response
		want Error
	}{
		{"invalid_client", resp(401, "application/json", `{"error":"invalid_client","error_description":"Client authentication failed"}`),
			Error{Status: 401, Code: "invalid_client", Description: "Client authentication failed", Hint: codeHints[CodeInvalidClient]}},
		{"invalid_scope", resp(400, "application/json", `{"error":"invalid_scope"}`),
			Error{Status: 400, Code: "invalid_scope", Hint: codeHints[CodeInvalidScope]}},
		{"invalid_grant", resp(400, "application/json", `{"error":"invalid_grant"}`),
			Error{Status: 400, Code: "invalid_grant", Hint: codeHints[CodeInvalidGrant]}},
		{"unauthorized_client", resp(400, "application/json", `{"error":"unauthorized_client"}`),
			Error{Status: 400, Code: "unauthorized_client", Hint: codeHints[CodeUnauthorizedClient]}},
		{"unsupported_grant_type", resp(400, "application/json", `{"error":"unsupported_grant_type"}`),
			Error{Status: 400, Code: "unsupported_grant_type", Hint: codeHints[CodeUnsupportedGrantType]}},
		{"redirect_uri_mismatch", resp(400, "application/json", `{"error":"redirect_uri_mismatch"}`),
			Error{Status: 400, Code: "redirect_uri_mismatch", Hint: codeHints[CodeRedirectURIMismatch]}},
		{"401 without a body", resp(401, "", ""),
			Error{Status: 401, Hint: codeHints[CodeInvalidClient]}},
		{"redirect", resp(302, "", "", "Location", "https://login.example.com/new/token?session=abc"),
			Error{Status: 302, Snippet: "redirect to https://login.example.com/new/token", Hint: statusHint(302, false)}},
		{"503 with Retry-After", &Response{Status: 503, Header: http.Header{}, Body: []byte("busy"), RetryAfter: 2 * time.Minute, Attempts: 3},
			Error{Status: 503, Snippet: "busy", RetryAfter: 2 * time.Minute, Attempts: 3, Hint: statusHint(503, false) + " (the server asked to wait 2m0s)"}},
		{"HTML 502 from a proxy", resp(502, "text/html", "<html><title>502 Bad Gateway</title></html>"),
			Error{Status: 502, Snippet: "HTML page titled 502 Bad Gateway", Hint: statusHint(502, true)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(tt.want)(t, tt.resp.Err())
			_, err := Parse(tt.resp, Mapping{})
			wantError(tt.want)(t, err)
		})
	}
	if err := resp(200, "", "").Err(); err != nil {
		t.Errorf("Err() of a 200 = %v", err)
	}
}

func TestErrorString(t *testing.T) {
	e := &Error{Status: 400, Code: "invalid_grant", Description: "expired", URI: "https://d.example/e", Attempts: 2, Hint: "re-authorize"}
	want := `token endpoint answered HTTP 400 invalid_grant: "expired" (see https://d.example/e) (after 2 attempts); re-authorize`
	if got := e.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	e = &Error{Status: 500, Snippet: "oops"}
	if got, want := e.Error(), `token endpoint answered HTTP 500: body "oops"`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestResponseFormatHidesBody(t *testing.T) {
	r := resp(200, "application/json", `{"access_token":"CANARY-TOKEN-1234567890"}`, "X-Token", "CANARY-TOKEN-1234567890")
	for _, out := range []string{r.String(), sprintf("%v", r), sprintf("%+v", *r), sprintf("%#v", r), sprintf("%s", []*Response{r})} {
		if strings.Contains(out, "CANARY") {
			t.Errorf("formatted Response leaks the body: %s", out)
		}
	}
	if got, want := r.String(), "tokens.Response{HTTP 200, 42-byte body [redacted]}"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestParseRetryAfter(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"120", 2 * time.Minute, true},
		{" 0 ", 0, true},
		{t0.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{"Sat, 01 Mar 2025 11:00:00 GMT", 0, true}, // in the past
		{"", 0, false},
		{"-5", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
		{"99999999999999999999", 0, false},
	}
	for _, tt := range tests {
		got, ok := ParseRetryAfter(tt.in, t0)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseRetryAfter(%q) = %s, %v; want %s, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestTokenRenewal(t *testing.T) {
	tok := &Token{AccessToken: secret.New("at"), IssuedAt: t0, Expiry: t0.Add(time.Hour)}
	short := &Token{AccessToken: secret.New("at"), IssuedAt: t0, Expiry: t0.Add(5 * time.Second)}
	unknownStart := &Token{AccessToken: secret.New("at"), Expiry: t0.Add(5 * time.Second)}
	tests := []struct {
		name string
		tok  *Token
		at   time.Duration
		want bool
	}{
		{"fresh", tok, 0, true},
		{"before the renewal window", tok, time.Hour - 61*time.Second, true},
		{"inside the renewal window", tok, time.Hour - 59*time.Second, false},
		{"short-lived: clamped to half its life", short, 2 * time.Second, true},
		{"short-lived: past half its life", short, 3 * time.Second, false},
		{"unknown issue time: no clamp", unknownStart, 0, false},
		{"nil", nil, 0, false},
		{"no access token", &Token{IssuedAt: t0, Expiry: t0.Add(time.Hour)}, 0, false},
		{"no expiry", &Token{AccessToken: secret.New("at")}, 0, false},
	}
	for _, tt := range tests {
		if got := tt.tok.Valid(t0.Add(tt.at), time.Minute); got != tt.want {
			t.Errorf("%s: Valid = %v, want %v", tt.name, got, tt.want)
		}
	}
	if got, want := short.RenewAt(time.Minute), t0.Add(2500*time.Millisecond); !got.Equal(want) {
		t.Errorf("RenewAt = %s, want %s", got, want)
	}
}

func TestInherit(t *testing.T) {
	prev := &Token{RefreshToken: secret.New("rt-old"), Scope: "a b", Extra: map[string]string{"instance_url": "https://old", "x": "1"}}
	tests := []struct {
		name string
		tok  *Token
		want *Token
	}{
		{"refresh response without refresh token", &Token{AccessToken: secret.New("at")},
			&Token{AccessToken: secret.New("at"), RefreshToken: secret.New("rt-old"), Scope: "a b", Extra: map[string]string{"instance_url": "https://old", "x": "1"}}},
		{"rotated refresh token wins", &Token{RefreshToken: secret.New("rt-new"), Scope: "a", Extra: map[string]string{"x": "2"}},
			&Token{RefreshToken: secret.New("rt-new"), Scope: "a", Extra: map[string]string{"instance_url": "https://old", "x": "2"}}},
	}
	for _, tt := range tests {
		tt.tok.Inherit(prev)
		tt.tok.Inherit(nil)
		if d := cmp.Diff(tt.want, tt.tok); d != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, d)
		}
		if got := tt.tok.RefreshToken.Reveal(); got != tt.want.RefreshToken.Reveal() {
			t.Errorf("%s: RefreshToken = %q", tt.name, got)
		}
	}
}
