package validator

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"

	"github.com/connkit/connkit/internal/suggest"
	"github.com/connkit/connkit/manifest"
)

// schemaLayer validates the document against schema (the manifest's JSON
// Schema, or its reduced form for a cleanly loaded file) and turns
// each failure into a diagnostic worded for a person, at the offending
// node. Failures at or under a node the loader already reported are
// dropped, so that no mistake is reported twice.
func (v *Validator) schemaLayer(schema *jsonschema.Schema, f *manifest.File, doc any, loadErrs manifest.Errors) []Diagnostic {
	err := schema.Validate(doc)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []Diagnostic{{File: f.Path, Line: 1, Column: 1, Severity: SeverityError,
			Rule: ruleSchema, Message: "schema validation failed: " + err.Error()}}
	}
	s := &schemaMapper{f: f, doc: doc}
	s.walk(ve)
	out := s.diags[:0]
	for _, d := range s.diags {
		if !reportedByLoader(d.Pointer, loadErrs) {
			out = append(out, d)
		}
	}
	return out
}

// reportedByLoader says whether the loader reported an error at ptr or at
// one of its ancestors. Errors about the whole document (a second YAML
// document, say) hide nothing.
func reportedByLoader(ptr string, loadErrs manifest.Errors) bool {
	for _, e := range loadErrs {
		if e.Pointer == "" {
			continue
		}
		if ptr == e.Pointer || strings.HasPrefix(ptr, e.Pointer+"/") {
			return true
		}
	}
	return false
}

// schemaMapper turns a tree of validation errors into diagnostics.
type schemaMapper struct {
	f     *manifest.File
	doc   any
	diags []Diagnostic
}

// walk maps the leaves of the error tree. The containers (allOf, $ref,
// if/then, the whole schema) only group their causes; oneOf and anyOf are
// mapped as one finding each, never as the failures of every branch.
func (s *schemaMapper) walk(e *jsonschema.ValidationError) {
	switch e.ErrorKind.(type) {
	case *kind.OneOf, *kind.AnyOf:
		s.leaf(e)
		return
	}
	if len(e.Causes) == 0 {
		s.leaf(e)
		return
	}
	for _, c := range e.Causes {
		s.walk(c)
	}
}

// add records a schema finding for rule at pos.
func (s *schemaMapper) add(rule, ptr string, pos manifest.Pos, format string, args ...any) {
	s.diags = append(s.diags, Diagnostic{File: s.f.Path, Line: pos.Line, Column: pos.Col,
		Severity: severityOf(rule), Rule: rule, Message: fmt.Sprintf(format, args...), Pointer: ptr})
}

// leaf maps one failure.
func (s *schemaMapper) leaf(e *jsonschema.ValidationError) {
	ptr := manifest.Pointer(e.InstanceLocation...)
	at := where(ptr)
	pos := s.f.Pos(ptr)
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		for _, key := range k.Missing {
			s.add(ruleSchema, ptr+manifest.Pointer(key), s.f.KeyPos(ptr), "%s has no %s: %s", s.subject(ptr), key, requiredHint(key))
		}
	case *kind.AdditionalProperties:
		for _, key := range k.Properties {
			p := ptr + manifest.Pointer(key)
			s.add(ruleSchema, p, s.f.KeyPos(p), "unknown key %q in %s: remove it", key, at)
		}
	case *kind.FalseSchema:
		s.add(ruleSchema, ptr, s.f.KeyPos(ptr), "%s", s.forbidden(e.InstanceLocation))
	case *kind.Type:
		s.add(ruleSchema, ptr, pos, "%s is %s; expected %s", at, article(k.Got), joinOr(mapSlice(k.Want, article)))
	case *kind.Enum:
		s.add(ruleSchema, ptr, pos, "%s", enumMessage(at, k.Got, k.Want))
	case *kind.Const:
		s.add(ruleSchema, ptr, pos, "%s must be %s", at, display(k.Want))
	case *kind.Pattern:
		rule, msg := patternMessage(ptr, at, k.Got, k.Want)
		s.add(rule, ptr, pos, "%s", msg)
	case *kind.MinLength:
		if ptr == "/name" {
			s.add("name-length", ptr, pos, "name is empty: give the API's display name, at most 50 characters")
			break
		}
		s.add(ruleSchema, ptr, pos, "%s is %d characters long; at least %d are needed", at, k.Got, k.Want)
	case *kind.MaxLength:
		rule := ruleSchema
		switch ptr {
		case "/name":
			rule = "name-length"
		case "/id":
			rule = "id-slug"
		}
		s.add(rule, ptr, pos, "%s is %d characters long; at most %d are allowed", at, k.Got, k.Want)
	case *kind.MinItems:
		s.add(ruleSchema, ptr, pos, "%s", minItemsMessage(ptr, at, k.Want))
	case *kind.MaxItems:
		s.add(ruleSchema, ptr, pos, "%s has %d items; at most %d are allowed", at, k.Got, k.Want)
	case *kind.Minimum:
		s.add(boundsRule(ptr), ptr, pos, "%s is %s; it must be at least %s", at, k.Got.RatString(), k.Want.RatString())
	case *kind.Maximum:
		s.add(boundsRule(ptr), ptr, pos, "%s is %s; it must be at most %s", at, k.Got.RatString(), k.Want.RatString())
	case *kind.Format:
		s.add(ruleSchema, ptr, pos, "%s %s is not a valid %s: %v", at, display(k.Got), formatName(k.Want), k.Err)
	case *kind.OneOf:
		s.oneOf(e, ptr, k)
	case *kind.AnyOf:
		s.add(ruleSchema, ptr, pos, "%s has the wrong type: %s", at, anyOfHint(e))
	default:
		s.add(ruleSchema, ptr, pos, "%s: %s", at, e.Error())
	}
}

// subject names the object at ptr in a "has no" message.
func (s *schemaMapper) subject(ptr string) string {
	if ptr == "" {
		return "the manifest"
	}
	return where(ptr)
}

// requiredHint says what a missing key is for.
func requiredHint(key string) string {
	switch key {
	case "connkit":
		return `start the file with "connkit: v1"`
	case "id":
		return "add the connector's slug, such as id: acme-crm"
	case "name":
		return "add the API's display name, such as name: Acme CRM"
	case "whitelist":
		return "list the URL prefixes the connection may reach, such as - https://api.example.com/v1/"
	case "type":
		return "add the type: one of " + authTypeList()
	case "url":
		return "add the URL of the API"
	case "apply":
		return "say how the credentials go on each request, such as apply: {headers: {Authorization: \"Bearer {{ fields.token }}\"}}"
	case "basic":
		return "add basic: {username: ..., password: ...}"
	case "token":
		return "add the token API, token: {url: ...}"
	case "authorize":
		return "add the browser step, authorize: {url: ..., redirect_url: ...}"
	case "options":
		return "a select field lists its choices under options"
	}
	return "add it"
}

// authTypeList lists the auth types for messages.
func authTypeList() string {
	names := make([]string, len(manifest.AuthTypes))
	for i, t := range manifest.AuthTypes {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

// forbidden words a "false schema" failure: the key at loc is not allowed
// for the auth type of the mapping that holds it.
func (s *schemaMapper) forbidden(loc []string) string {
	if len(loc) == 0 {
		return "this value is not allowed here"
	}
	key := loc[len(loc)-1]
	parent := manifest.Pointer(loc[:len(loc)-1]...)
	typ := "its"
	if m, ok := valueAt(s.doc, loc[:len(loc)-1]).(map[string]any); ok {
		if t, ok := m["type"].(string); ok {
			typ = t
		}
	}
	subject := fmt.Sprintf("%s of type %s", where(parent), typ)
	switch manifest.AuthType(typ) {
	case manifest.AuthOAuth2ClientCredentials:
		if key == "authorize" {
			return subject + " has no authorize section: remove it (client credentials never open a browser)"
		}
	case manifest.AuthLogin:
		switch key {
		case "authorize":
			return subject + " has no authorize section: remove it (a login API takes the credentials directly, no browser step)"
		case "issuer":
			return subject + " has no issuer: remove it (a login API has no OAuth 2.0 metadata; give token.url)"
		}
	case manifest.AuthNone:
		return fmt.Sprintf("%s sends no credentials, so %s is not allowed: remove it", subject, key)
	}
	switch key {
	case "basic":
		return fmt.Sprintf("%s takes no basic section: remove it (only type basic sends a user name and password)", subject)
	case "issuer", "authorize", "token", "refresh", "renew_before", "default_lifetime", "renew_on":
		return fmt.Sprintf("%s obtains no token, so %s is not allowed: remove it (use type oauth2_client_credentials, oauth2_authorization_code or login for a token API)", subject, key)
	}
	return fmt.Sprintf("%s is not allowed in %s: remove it", key, subject)
}

// valueAt returns the value at the pointer tokens loc in doc, or nil.
func valueAt(doc any, loc []string) any {
	v := doc
	for _, t := range loc {
		switch x := v.(type) {
		case map[string]any:
			v = x[t]
		case []any:
			i, err := strconv.Atoi(t)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// enumMessage words a value that is not among the allowed ones, with the
// nearest when one is close.
func enumMessage(at string, got any, want []any) string {
	names := mapSlice(want, func(w any) string { return fmt.Sprint(w) })
	msg := fmt.Sprintf("%s %s is not one of: %s", at, display(got), strings.Join(names, ", "))
	if g, ok := got.(string); ok {
		if near := suggest.Nearest(g, names); near != "" {
			msg += fmt.Sprintf("; did you mean %q?", near)
		}
	}
	return msg
}

// keyPointerRE matches the pointers of the keys of fields, inputs and auth
// methods.
var keyPointerRE = regexp.MustCompile(`^(/auth_methods/\d+(/fields/\d+)?|/fields/\d+|/actions/[^/]+/input/\d+)/key$`)

// patternMessage words a string that does not match its pattern, with the
// rule that owns the check.
func patternMessage(ptr, at, got, want string) (rule, msg string) {
	switch {
	case ptr == "/id":
		return "id-slug", fmt.Sprintf("id %q is not a slug: use lower-case letters, digits and single dashes, such as %q", got, slugify(got))
	case keyPointerRE.MatchString(ptr):
		return "key-format", fmt.Sprintf("%s %q must start with a lower-case letter and hold only lower-case letters, digits and underscores, such as %q", at, got, identify(got))
	case want == manifest.DurationPattern:
		return ruleSchema, fmt.Sprintf("%s %q is not a duration: write a number with a unit, such as \"60s\", \"5m\" or \"1h\"", at, got)
	}
	return ruleSchema, fmt.Sprintf("%s %q does not match the pattern %s", at, got, want)
}

// slugify suggests a slug for s.
func slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	if b.Len() == 0 {
		return "my-connector"
	}
	return b.String()
}

// identify suggests a key for s: lower case, underscores, a leading letter.
func identify(s string) string {
	var b strings.Builder
	under := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9' && b.Len() > 0:
			if under && b.Len() > 0 {
				b.WriteByte('_')
			}
			b.WriteRune(r)
			under = false
		default:
			under = true
		}
	}
	if b.Len() == 0 {
		return "key"
	}
	return b.String()
}

// minItemsMessage words an empty list.
func minItemsMessage(ptr, at string, want int) string {
	switch {
	case ptr == "/whitelist":
		return "the whitelist is empty: list the URL prefixes the connection may reach, such as - https://api.example.com/v1/"
	case ptr == "/auth_methods":
		return "auth_methods is empty: list at least one auth method, or use auth for a single one"
	case strings.HasSuffix(ptr, "/options"):
		return at + " is empty: a select field needs at least one option"
	}
	return fmt.Sprintf("%s needs at least %d items", at, want)
}

// boundsRule returns the rule that owns a number out of bounds at ptr.
func boundsRule(ptr string) string {
	if strings.HasSuffix(ptr, "/retry/attempts") {
		return "retry-bounds"
	}
	return ruleSchema
}

// formatName names a JSON Schema format for messages.
func formatName(f string) string {
	switch f {
	case "uri":
		return "absolute URL"
	case "regex":
		return "regular expression"
	}
	return f
}

// exclusiveKeys are the keys of the manifest's "exactly one of" rules.
var exclusiveKeys = [][]string{{"auth", "auth_methods"}, {"path", "url"}}

// oneOf words an "exactly one of" failure: none of the branches or more
// than one matched. The manifest's oneOf branches each require a key.
func (s *schemaMapper) oneOf(e *jsonschema.ValidationError, ptr string, k *kind.OneOf) {
	subject := s.subject(ptr)
	if len(k.Subschemas) > 0 {
		// Several branches matched, so there are no causes to name the
		// keys: find the pair the object holds, and point at the second.
		obj, _ := valueAt(s.doc, e.InstanceLocation).(map[string]any)
		for _, keys := range exclusiveKeys {
			if _, ok := obj[keys[0]]; !ok {
				continue
			}
			if _, ok := obj[keys[1]]; ok {
				second := ptr + manifest.Pointer(keys[1])
				s.add(ruleSchema, second, s.f.KeyPos(second), "%s has both %s: give exactly one of them", subject, strings.Join(keys, " and "))
				return
			}
		}
		s.add(ruleSchema, ptr, s.f.Pos(ptr), "%s matches more than one of the alternatives the format allows", subject)
		return
	}
	var keys []string
	for _, c := range e.Causes {
		for _, leaf := range leaves(c) {
			if r, ok := leaf.ErrorKind.(*kind.Required); ok && len(leaf.InstanceLocation) == len(e.InstanceLocation) {
				keys = append(keys, r.Missing...)
			}
		}
	}
	if len(keys) == 0 || len(keys) != len(e.Causes) {
		// Not a choice between keys: report the branches' own failures.
		for _, c := range e.Causes {
			s.walk(c)
		}
		return
	}
	s.add(ruleSchema, ptr, s.f.KeyPos(ptr), "%s needs %s", subject, joinOr(keys))
}

// leaves returns the failures at the leaves of an error tree.
func leaves(e *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(e.Causes) == 0 {
		return []*jsonschema.ValidationError{e}
	}
	var out []*jsonschema.ValidationError
	for _, c := range e.Causes {
		out = append(out, leaves(c)...)
	}
	return out
}

// anyOfHint says which types an anyOf of types allows.
func anyOfHint(e *jsonschema.ValidationError) string {
	var want []string
	got := ""
	for _, l := range leaves(e) {
		if t, ok := l.ErrorKind.(*kind.Type); ok {
			want = append(want, t.Want...)
			got = t.Got
		}
	}
	if len(want) == 0 {
		return e.Error()
	}
	slices.Sort(want)
	return fmt.Sprintf("it is %s; expected %s", article(got), joinOr(mapSlice(slices.Compact(want), article)))
}

// article names a JSON type with its article: "an object" is "a mapping".
func article(t string) string {
	switch t {
	case "object":
		return "a mapping"
	case "array":
		return "a list"
	case "integer":
		return "an integer"
	case "null":
		return "null"
	}
	return "a " + t
}

// display formats a JSON value for a message.
func display(v any) string {
	switch v := v.(type) {
	case string:
		return fmt.Sprintf("%q", v)
	case nil:
		return "null"
	}
	return fmt.Sprint(v)
}

// joinOr joins words as "a, b or c".
func joinOr(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// mapSlice applies fn to every element of s.
func mapSlice[T any](s []T, fn func(T) string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = fn(v)
	}
	return out
}
