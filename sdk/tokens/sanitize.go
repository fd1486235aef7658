package tokens

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// maxSnippet caps every text taken from a server's answer into an error.
const maxSnippet = 200

// minKnownSecret is the shortest known secret scrubbed from server texts;
// shorter values (such as "crm" or "true") would mangle ordinary words.
const minKnownSecret = 6

// scrubber removes secrets from texts a server sent before they go into an
// error: the request's own secrets literally, and anything that looks like
// a token.
type scrubber struct {
	known []string
}

// text returns s scrubbed, with control characters replaced by spaces and
// capped to maxSnippet bytes.
func (sc scrubber) text(s string) string {
	for _, k := range sc.known {
		if len(k) >= minKnownSecret {
			s = strings.ReplaceAll(s, k, redactedMark)
		}
	}
	s = scrubTokens(s)
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if len(s) <= maxSnippet {
		return s
	}
	cut := maxSnippet
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// redactedMark replaces scrubbed values.
const redactedMark = "[redacted]"

// tokenChar reports whether c can be part of a token-like value: the
// RFC 6750 b64token characters and '%', without '.' and '/' so that host
// names and URL paths survive (a JWT's parts are long enough on their own).
func tokenChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '~' || c == '+' || c == '=' || c == '%'
}

// looksLikeToken reports whether a run of token characters is probably a
// credential rather than a word: long, or fairly long with letters and
// digits mixed.
func looksLikeToken(run string) bool {
	if len(run) >= 28 {
		return true
	}
	if len(run) < 16 {
		return false
	}
	var letter, digit bool
	for i := 0; i < len(run); i++ {
		c := run[i]
		letter = letter || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
		digit = digit || '0' <= c && c <= '9'
	}
	return letter && digit
}

// scrubTokens replaces every token-like run of s with redactedMark.
func scrubTokens(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		if !tokenChar(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && tokenChar(s[j]) {
			j++
		}
		if looksLikeToken(s[i:j]) {
			b.WriteString(s[last:i])
			b.WriteString(redactedMark)
			last = j
		}
		i = j
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// sensitiveKeys are the parts of JSON keys whose values are dropped from
// snippets.
var sensitiveKeys = []string{"token", "secret", "password", "passwd", "code", "key", "assertion", "session", "cookie", "auth", "credential", "signature"}

// sensitiveKey reports whether a JSON key names a secret.
func sensitiveKey(k string) bool {
	k = strings.ToLower(k)
	for _, s := range sensitiveKeys {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

// redactJSON replaces the values of sensitive keys, at any depth, and
// scrubs every other string.
func (sc scrubber) redactJSON(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if sensitiveKey(k) {
				v[k] = redactedMark
			} else {
				v[k] = sc.redactJSON(e)
			}
		}
	case []any:
		for i, e := range v {
			v[i] = sc.redactJSON(e)
		}
	case string:
		return sc.text(v)
	}
	return v
}

// snippet returns a short, scrubbed view of a body for an error: a JSON
// body without the values of sensitive keys, the title (or text) of an HTML
// page, or the start of any other body.
func (sc scrubber) snippet(body []byte, html bool) string {
	body = bytes.TrimSpace(body)
	if html {
		return sc.text(htmlText(body))
	}
	var doc any
	if json.Unmarshal(body, &doc) == nil {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if enc.Encode(sc.redactJSON(doc)) == nil {
			body = buf.Bytes()
		}
	}
	return sc.text(string(body))
}

// htmlText returns an HTML page's title, or its text without tags.
func htmlText(page []byte) string {
	lower := bytes.ToLower(page)
	if i := bytes.Index(lower, []byte("<title")); i >= 0 {
		if j := bytes.IndexByte(lower[i:], '>'); j >= 0 {
			start := i + j + 1
			if end := bytes.Index(lower[start:], []byte("</title")); end >= 0 {
				return "HTML page titled " + strings.TrimSpace(string(page[start:start+end]))
			}
		}
	}
	var b strings.Builder
	b.WriteString("HTML page: ")
	inTag := false
	for _, c := range page {
		switch {
		case c == '<':
			inTag = true
		case c == '>':
			inTag = false
			b.WriteByte(' ')
		case !inTag:
			b.WriteByte(c)
		}
		if b.Len() > 4*maxSnippet {
			break
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}
