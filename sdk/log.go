package sdk

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// levelWarn is the level of records about failures the caller also sees.
const levelWarn = slog.LevelWarn

func attrConnector(conn *Connection) slog.Attr {
	return slog.String("connector", conn.c.m.ID)
}

// attrErr records an error's message; the runtime's errors never hold a
// secret. A nil error gives an empty attribute, which handlers drop.
func attrErr(err error) slog.Attr {
	if err == nil {
		return slog.Attr{}
	}
	return slog.String("error", err.Error())
}

// logTransport writes one debug record per HTTP request (API and token
// requests alike) with the method, the URL without its query, the status,
// the duration and the headers through the one sanitiser, logHeader.
// Bodies are never logged: they carry tokens, secrets and personal data.
type logTransport struct {
	log *slog.Logger
	// plain lists the header names, besides the fixed harmless ones, whose
	// values may be logged: the connector's defaults, which are never
	// secrets.
	plain map[string]bool
	next  http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t *logTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	attrs := []slog.Attr{
		slog.String("method", req.Method),
		slog.String("url", safeURL(req.URL)),
		slog.Any("request_header", t.logHeader(req.Header)),
		slog.Duration("duration", time.Since(start)),
	}
	if err != nil {
		attrs = append(attrs, attrErr(unwrapURL(err)))
	} else {
		attrs = append(attrs, slog.Int("status", resp.StatusCode), slog.Any("response_header", t.logHeader(resp.Header)))
	}
	t.log.LogAttrs(req.Context(), slog.LevelDebug, "http request", attrs...)
	return resp, err
}

// harmlessHeaders are headers whose values never carry credentials.
var harmlessHeaders = map[string]bool{
	"Accept": true, "Accept-Encoding": true, "Accept-Language": true, "Cache-Control": true,
	"Connection": true, "Content-Encoding": true, "Content-Language": true, "Content-Length": true,
	"Content-Type": true, "Date": true, "Etag": true, "Expires": true, "Last-Modified": true,
	"Retry-After": true, "Server": true, "Transfer-Encoding": true, "User-Agent": true, "Vary": true,
	"X-Request-Id": true, "X-Ratelimit-Limit": true, "X-Ratelimit-Remaining": true, "X-Ratelimit-Reset": true,
}

// logHeader is the one sanitiser of logged headers: it returns a copy of h
// in which every value is redacted except those of harmless headers and
// of the connector's defaults. Custom credential headers (X-API-Key,
// X-Session, whatever a manifest names) are therefore redacted by
// default, not by guessing from their names.
func (t *logTransport) logHeader(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		if harmlessHeaders[k] || t.plain[k] {
			out[k] = vs
			continue
		}
		out[k] = []string{"[redacted]"}
	}
	return out
}

// safeURL returns scheme://host/path of u for messages and logs: never
// the query, the fragment or user information.
func safeURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString(u.Scheme)
	b.WriteString("://")
	b.WriteString(u.Host)
	b.WriteString(u.EscapedPath())
	return b.String()
}

// restyLogger sends resty's own warnings and errors to the registry's
// logger instead of standard error; its debug output is never enabled.
type restyLogger struct{ log *slog.Logger }

func (l restyLogger) Errorf(format string, v ...any) { l.log.Error(fmt.Sprintf(format, v...)) }

func (l restyLogger) Warnf(format string, v ...any) { l.log.Warn(fmt.Sprintf(format, v...)) }

func (l restyLogger) Debugf(string, ...any) {}
