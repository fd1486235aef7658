package tokens

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestScrubberText(t *testing.T) {
	sc := scrubber{known: []string{"hunter22", "abc", ""}}
	tests := []struct{ in, want string }{
		{"Client authentication failed", "Client authentication failed"},
		{"unsupported_grant_type client_credentials", "unsupported_grant_type client_credentials"},
		{"AADSTS7000215: Invalid client secret provided. Trace ID: 8c2c61f4-2d1a-4bfe-a0c3-1b7e26e8a800", "AADSTS7000215: Invalid client secret provided. Trace ID: [redacted]"},
		{"token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlMTIz", "token [redacted].[redacted].[redacted]"},
		{"see https://docs.example.com/oauth2/errors", "see https://docs.example.com/oauth2/errors"},
		{"password hunter22 is wrong; abc stays", "password [redacted] is wrong; abc stays"},
		{"line\nbreak\x00and\ttab\xff", "line break and tab"},
		{"   padded   ", "padded"},
		{strings.Repeat("é", 150), strings.Repeat("é", 100) + "..."},
	}
	for _, tt := range tests {
		if got := sc.text(tt.in); got != tt.want {
			t.Errorf("text(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestHasError(t *testing.T) {
	tests := []struct {
		body string
		want bool
	}{
		{`{"error":"invalid_request"}`, true},
		{`{"error":true}`, true},
		{`{"error":1}`, true},
		{`{"error":{"code":1}}`, true},
		{`{"error":["x"]}`, true},
		{`{"error":""}`, false},
		{`{"error":false}`, false},
		{`{"error":0}`, false},
		{`{"error":{}}`, false},
		{`{"error":[]}`, false},
		{`{"error":null}`, false},
		{`["error"]`, false},
	}
	for _, tt := range tests {
		doc, err := decode(jsonResp(tt.body))
		if err != nil {
			t.Fatal(err)
		}
		if got := doc.hasError(); got != tt.want {
			t.Errorf("hasError(%s) = %v, want %v", tt.body, got, tt.want)
		}
	}
}

func TestStatusHints(t *testing.T) {
	tests := []struct {
		status int
		want   string
	}{
		{400, "malformed"}, {403, "app's permissions"}, {404, "was not found"}, {405, "does not accept this method"},
		{415, "format (form or json)"}, {429, "rate limiting"}, {504, "retry later"}, {418, "malformed"},
	}
	for _, tt := range tests {
		if got := statusHint(tt.status, false); !strings.Contains(got, tt.want) {
			t.Errorf("statusHint(%d) = %q, want it to mention %q", tt.status, got, tt.want)
		}
	}
}

func TestDefaultSleepStopsOnContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := (&Client{}).sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("sleep = %v, want context.Canceled", err)
	}
	if err := (&Client{}).sleep(context.Background(), 0); err != nil {
		t.Errorf("sleep(0) = %v", err)
	}
}
