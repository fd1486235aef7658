package manifest

import (
	"bytes"
	_ "embed" // for the embedded schema.json

	"github.com/invopop/jsonschema"
)

//go:generate go run ./internal/schemagen/cmd/schemagen -o schema.json

// SchemaID is the stable $id of the manifest JSON Schema. Editors fetch the
// schema from this URL; validators register it under this URL so that error
// messages never name a local path.
const SchemaID = "https://connkit.dev/schema/v1/manifest.json"

//go:embed schema.json
var schemaJSON []byte

// Schema returns the JSON Schema (draft 2020-12) of a manifest, generated
// from the Go types of this package by `go generate ./manifest`. The caller
// owns the returned slice.
func Schema() []byte { return bytes.Clone(schemaJSON) }

// JSONSchemaExtend adds the rules that struct tags cannot express: exactly
// one of auth and auth_methods, and at least one auth method when the list
// is given.
func (Manifest) JSONSchemaExtend(s *jsonschema.Schema) {
	if p, ok := s.Properties.Get("auth_methods"); ok {
		one := uint64(1)
		p.MinItems = &one
	}
	s.OneOf = []*jsonschema.Schema{
		{Required: []string{"auth"}},
		{Required: []string{"auth_methods"}},
	}
}

// JSONSchemaExtend adds one if/then rule per auth type: the keys that type
// requires and the keys it forbids. Because each rule is guarded by an "if"
// on the type, a manifest with a wrong key gets the errors of its own type
// only, never those of every other type.
func (Auth) JSONSchemaExtend(s *jsonschema.Schema) {
	for _, t := range AuthTypes {
		s.AllOf = append(s.AllOf, &jsonschema.Schema{
			If:   propertyIs("type", string(t)),
			Then: authRule(t),
		})
	}
}

// staticAuthForbids are the keys of the token life cycle, which mean nothing
// to an auth type without a token API.
var staticAuthForbids = []string{"issuer", "authorize", "token", "refresh",
	"renew_before", "default_lifetime", "renew_on"}

// authRule returns what auth type t requires and forbids.
func authRule(t AuthType) *jsonschema.Schema {
	switch t {
	case AuthNone:
		return forbid(nil, append([]string{"basic", "revoke", "apply"}, staticAuthForbids...)...)
	case AuthAPIKey, AuthBearer:
		return forbid(&jsonschema.Schema{Required: []string{"apply"}},
			append([]string{"basic"}, staticAuthForbids...)...)
	case AuthBasic:
		return forbid(&jsonschema.Schema{Required: []string{"basic"}}, staticAuthForbids...)
	case AuthOAuth2ClientCredentials:
		// The token endpoint carries the client ID and secret, so it is
		// always there; its URL may come from the issuer's metadata.
		s := forbid(&jsonschema.Schema{Required: []string{"token"}}, "authorize", "basic")
		s.If = &jsonschema.Schema{Required: []string{"issuer"}}
		s.Else = requireURL(&jsonschema.Schema{}, "token")
		return s
	case AuthOAuth2AuthorizationCode:
		s := forbid(&jsonschema.Schema{Required: []string{"token"}}, "basic")
		s.If = &jsonschema.Schema{Required: []string{"issuer"}}
		s.Else = requireURL(&jsonschema.Schema{Required: []string{"authorize"}}, "authorize", "token")
		return s
	case AuthLogin:
		return requireURL(forbid(&jsonschema.Schema{Required: []string{"token"}},
			"issuer", "authorize", "basic"), "token")
	}
	return &jsonschema.Schema{}
}

// propertyIs is the condition "the object's key is present and equals value".
func propertyIs(key, value string) *jsonschema.Schema {
	props := jsonschema.NewProperties()
	props.Set(key, &jsonschema.Schema{Const: value})
	return &jsonschema.Schema{Properties: props, Required: []string{key}}
}

// forbid adds a false schema for each key to s (a new schema when s is nil),
// so that the error points at the forbidden key itself.
func forbid(s *jsonschema.Schema, keys ...string) *jsonschema.Schema {
	if s == nil {
		s = &jsonschema.Schema{}
	}
	if s.Properties == nil {
		s.Properties = jsonschema.NewProperties()
	}
	for _, k := range keys {
		s.Properties.Set(k, jsonschema.FalseSchema)
	}
	return s
}

// requireURL makes the url key required in each of the given object
// properties of s, when they are present.
func requireURL(s *jsonschema.Schema, keys ...string) *jsonschema.Schema {
	if s.Properties == nil {
		s.Properties = jsonschema.NewProperties()
	}
	for _, k := range keys {
		s.Properties.Set(k, &jsonschema.Schema{Required: []string{"url"}})
	}
	return s
}

// JSONSchemaExtend makes a select field require its options.
func (Field) JSONSchemaExtend(s *jsonschema.Schema) {
	one := uint64(1)
	props := jsonschema.NewProperties()
	props.Set("options", &jsonschema.Schema{MinItems: &one})
	s.If = propertyIs("type", string(FieldSelect))
	s.Then = &jsonschema.Schema{Required: []string{"options"}, Properties: props}
}

// JSONSchemaExtend requires exactly one of path and url. Action embeds
// Request, so this method is promoted to Action and applies to its inlined
// request fields too.
func (Request) JSONSchemaExtend(s *jsonschema.Schema) {
	s.OneOf = []*jsonschema.Schema{
		{Required: []string{"path"}},
		{Required: []string{"url"}},
	}
}
