package tokens

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/connkit/connkit/manifest"
)

// FuzzParse feeds arbitrary answers to Parse: it must never panic, and no
// error may quote the canary token planted in the seeds.
func FuzzParse(f *testing.F) {
	seeds := []struct {
		status      int
		contentType string
		body        string
		path        string
		format      string
	}{
		{200, "application/json", `{"access_token":"` + canaryAccess + `","token_type":"mac","expires_in":"3600.0"}`, "", ""},
		{200, "application/json", `{"data":{"token":"` + canaryAccess + `","list":[{"v":1}]},"expires_in":1e3}`, "data.list[0].v", "milliseconds"},
		{200, "application/json", `{"error":"` + canaryAccess + `","error_description":"bad ` + canaryAccess + `","error_uri":"https://` + canaryAccess + `/x"}`, "", ""},
		{400, "application/json", `{"error":{"code":"` + canaryAccess + `"}}`, "", ""},
		{401, "text/html", `<html><title>` + canaryAccess + `</title>` + canaryAccess + `</html>`, "", ""},
		{200, "application/x-www-form-urlencoded", `access_token=` + canaryAccess + `&error=` + canaryAccess, "", ""},
		{200, "text/plain", canaryAccess, "", ""},
		{200, "", `[{"t":"` + canaryAccess + `"}]`, "[0].t", "unix"},
		{200, "application/json", `{"access_token":"` + canaryAccess + `","exp":"2025-03-01T13:00:00Z"}`, "exp", "rfc3339"},
		{503, "application/json", `{"access_token":"` + canaryAccess + `"`, "header:X-Token", ""},
		{302, "", ``, "", ""},
	}
	for _, s := range seeds {
		f.Add(s.status, s.contentType, []byte(s.body), s.path, s.format)
	}
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte, path, format string) {
		if strings.Contains(path, "CANARY") {
			t.Skip("paths come from the manifest, not the server")
		}
		r := &Response{
			Status: 100 + (status%500+500)%500,
			Header: http.Header{"Content-Type": {contentType}, "X-Token": {canaryAccess}, "Location": {string(body)}},
			Body:   body, SentAt: t0, RetryAfter: time.Second,
		}
		paths := &manifest.TokenResponse{ExpiresIn: path, ExpiryFormat: manifest.ExpiryFormat(format), Keep: map[string]string{"k": path}}
		for _, login := range []bool{false, true} {
			_, err := Parse(r, Mapping{Paths: paths, Login: login})
			if err == nil {
				continue
			}
			for _, out := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
				if strings.Contains(out, canaryAccess) {
					t.Fatalf("error quotes the token: %s", out)
				}
			}
		}
		_ = r.Err()
	})
}

// FuzzParseRetryAfter checks that any header value gives a non-negative
// wait or none.
func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"120", "0", "Sat, 01 Mar 2025 12:01:00 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "-1", "9999999999999999999", "1e3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if d, ok := ParseRetryAfter(v, t0); d < 0 || (!ok && d != 0) {
			t.Fatalf("ParseRetryAfter(%q) = %s, %v", v, d, ok)
		}
	})
}
