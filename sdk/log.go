package sdk

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/go-resty/resty/v2"
)

// restyLogger sends resty's debug log to slog at debug level and its errors
// and warnings at their levels.
type restyLogger struct{ log *slog.Logger }

func (l restyLogger) Errorf(format string, v ...any) {
	l.log.Error(fmt.Sprintf(format, v...))
}

func (l restyLogger) Warnf(format string, v ...any) {
	l.log.Warn(fmt.Sprintf(format, v...))
}

func (l restyLogger) Debugf(format string, v ...any) {
	l.log.Log(context.Background(), slog.LevelDebug, fmt.Sprintf(format, v...))
}

// sensitiveHeader reports whether a header may carry a credential.
func sensitiveHeader(name string) bool {
	n := strings.ToLower(name)
	switch n {
	case "authorization", "proxy-authorization", "cookie", "set-cookie":
		return true
	}
	for _, w := range []string{"token", "secret", "key", "auth", "session", "password", "signature"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// sanitizeHeader returns a copy of h with every sensitive value redacted.
// resty's log hooks share header slices with the real request, so h itself
// is never changed.
func sanitizeHeader(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		if sensitiveHeader(k) {
			out[k] = []string{"[redacted]"}
			continue
		}
		out[k] = vs
	}
	return out
}

// sanitizeBody replaces a logged body with its size: bodies carry tokens,
// secrets and personal data.
func sanitizeBody(body string) string {
	if body == "" || body == "***** NO CONTENT *****" {
		return body
	}
	return fmt.Sprintf("[%d bytes not logged]", len(body))
}

// sanitizeRequestLog is the one sanitiser of resty's request debug log.
func sanitizeRequestLog(l *resty.RequestLog) error {
	l.Header = sanitizeHeader(l.Header)
	l.Body = sanitizeBody(l.Body)
	return nil
}

// sanitizeResponseLog is the one sanitiser of resty's response debug log.
func sanitizeResponseLog(l *resty.ResponseLog) error {
	l.Header = sanitizeHeader(l.Header)
	l.Body = sanitizeBody(l.Body)
	return nil
}
