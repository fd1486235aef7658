package fastyaml

import (
	"strconv"
	"strings"
	"time"
)

// The tags yaml.v3 gives nodes, in their short form.
const (
	tagNull      = "!!null"
	tagBool      = "!!bool"
	tagInt       = "!!int"
	tagFloat     = "!!float"
	tagTimestamp = "!!timestamp"
	tagStr       = "!!str"
	tagMap       = "!!map"
	tagSeq       = "!!seq"
)

// plainTag returns the tag yaml.v3 resolves the plain scalar s to, and false
// for the merge key "<<", which is outside the subset.
//
// The rules, as yaml.v3 applies them: a few spellings of null, bool and the
// float specials are looked up exactly; a scalar starting with '.' is a float
// when Go parses it as one; a scalar starting with a digit or a sign is a
// timestamp, an int (underscores dropped, Go's base prefixes, then binary and
// octal prefixes with a signed remainder), or a YAML-style float; anything
// else is a string.
func plainTag(s string) (string, bool) {
	switch s {
	case "", "~", "null", "Null", "NULL":
		return tagNull, true
	case "true", "True", "TRUE", "false", "False", "FALSE":
		return tagBool, true
	case ".nan", ".NaN", ".NAN",
		".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF":
		return tagFloat, true
	case "<<":
		return "", false
	}
	switch c := s[0]; {
	case c == '.':
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return tagFloat, true
		}
	case c == '+' || c == '-' || isDigit(c):
		if isTimestamp(s) {
			return tagTimestamp, true
		}
		return numberTag(s), true
	}
	return tagStr, true
}

// numberTag resolves a plain scalar that starts with a digit or a sign.
func numberTag(s string) string {
	if strings.IndexByte(s, '_') >= 0 {
		s = strings.ReplaceAll(s, "_", "")
	}
	if isInt(s, 0) {
		return tagInt
	}
	if isFloatSyntax(s) {
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return tagFloat
		}
	}
	for _, p := range [...]struct {
		prefix string
		base   int
	}{{"0b", 2}, {"0o", 8}} {
		switch {
		case strings.HasPrefix(s, p.prefix):
			if isInt(s[2:], p.base) {
				return tagInt
			}
		case strings.HasPrefix(s, "-"+p.prefix):
			if _, err := strconv.ParseInt("-"+s[3:], p.base, 64); err == nil {
				return tagInt
			}
		}
	}
	return tagStr
}

// isInt reports whether s parses as a signed or unsigned 64-bit integer in
// the base (0: Go's prefixes).
func isInt(s string, base int) bool {
	if _, err := strconv.ParseInt(s, base, 64); err == nil {
		return true
	}
	_, err := strconv.ParseUint(s, base, 64)
	return err == nil
}

// isFloatSyntax reports whether s is [-+]?(.D+|D+(.D*)?)([eE][-+]?D+)?
// where D is a decimal digit.
func isFloatSyntax(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && isDigit(s[i]) {
			i++
			n++
		}
		return n
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	} else {
		if digits() == 0 {
			return false
		}
		if i < len(s) && s[i] == '.' {
			i++
			digits()
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// timestampLayouts are the time formats yaml.v3 accepts for an untagged
// plain timestamp.
var timestampLayouts = [...]string{
	"2006-1-2T15:4:5.999999999Z07:00",
	"2006-1-2t15:4:5.999999999Z07:00",
	"2006-1-2 15:4:5.999999999",
	"2006-1-2",
}

// isTimestamp reports whether s is a timestamp: four digits, a dash, and the
// rest of one of the layouts.
func isTimestamp(s string) bool {
	if len(s) < 5 || s[4] != '-' || !isDigit(s[0]) || !isDigit(s[1]) || !isDigit(s[2]) || !isDigit(s[3]) {
		return false
	}
	for _, layout := range timestampLayouts {
		if _, err := time.Parse(layout, s); err == nil {
			return true
		}
	}
	return false
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
