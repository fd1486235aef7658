package schemagen

import (
	"reflect"
	"strings"

	"github.com/invopop/jsonschema"
)

// The rewrites below give the reflected schema an equivalent form that a
// validator checks with fewer subschema evaluations: it accepts the same
// documents and fails them with the same failures (same kind, same
// instance location); only the schema locations and the grouping levels
// ($ref, allOf) around them change, which the validator's messages never
// show. A validator pays for every subschema it enters, and the
// schema layer of `connkit validate` runs on every manifest.

// defsPrefix starts a $ref to a definition of the schema.
const defsPrefix = "#/$defs/"

// simplify rewrites root in place: references to scalar definitions are
// replaced by copies of the definitions, and lists of if/then rules on one
// discriminating key become if/then/else chains. Every definition stays
// under $defs, with its description, for readers and for other schemas
// that refer to it.
func simplify(root *jsonschema.Schema) {
	walk(root, inlineScalarRefs(root.Definitions))
	walk(root, chainExclusiveRules)
}

// walk calls fn on s and on every subschema under it, parents first.
func walk(s *jsonschema.Schema, fn func(*jsonschema.Schema)) {
	if s == nil || s == jsonschema.TrueSchema || s == jsonschema.FalseSchema {
		return
	}
	fn(s)
	for _, sub := range subschemas(s) {
		walk(sub, fn)
	}
}

// subschemas returns the schemas directly under s, in a stable order.
func subschemas(s *jsonschema.Schema) []*jsonschema.Schema {
	subs := []*jsonschema.Schema{s.Not, s.If, s.Then, s.Else, s.Items, s.Contains,
		s.AdditionalProperties, s.PropertyNames, s.ContentSchema}
	subs = append(subs, s.AllOf...)
	subs = append(subs, s.AnyOf...)
	subs = append(subs, s.OneOf...)
	subs = append(subs, s.PrefixItems...)
	if s.Properties != nil {
		for p := s.Properties.Oldest(); p != nil; p = p.Next() {
			subs = append(subs, p.Value)
		}
	}
	for _, m := range []map[string]*jsonschema.Schema{s.DependentSchemas, s.PatternProperties, s.Definitions} {
		for _, sub := range m {
			subs = append(subs, sub)
		}
	}
	return subs
}

// isScalar says whether def describes a value without members: no
// properties, items or references of its own, so a copy of it in place
// of a $ref validates exactly what the $ref did.
func isScalar(def *jsonschema.Schema) bool {
	if def.Type == "object" || def.Type == "array" || def.Ref != "" || def.DynamicRef != "" {
		return false
	}
	scalar := true
	for _, sub := range subschemas(def) {
		if sub != nil && (sub.Ref != "" || sub.Properties != nil || sub.Items != nil) {
			scalar = false
		}
	}
	return scalar
}

// inlineScalarRefs returns a rewrite that replaces a schema holding only a
// $ref to a scalar definition (and a description) by a copy of that
// definition, keeping the referring description when it has one.
func inlineScalarRefs(defs jsonschema.Definitions) func(*jsonschema.Schema) {
	return func(s *jsonschema.Schema) {
		def, ok := defs[strings.TrimPrefix(s.Ref, defsPrefix)]
		if !ok || !strings.HasPrefix(s.Ref, defsPrefix) || !isScalar(def) || !onlyRef(s) {
			return
		}
		desc := s.Description
		*s = *def
		if desc != "" {
			s.Description = desc
		}
	}
}

// onlyRef says whether s holds nothing but a $ref and a description.
func onlyRef(s *jsonschema.Schema) bool {
	rest := *s
	rest.Ref, rest.Description = "", ""
	return reflect.ValueOf(rest).IsZero()
}

// chainExclusiveRules turns an allOf of if/then rules whose conditions
// exclude each other (each is "key is present and equals a constant", on
// one key, with distinct constants) into one if/then/else chain. At most one
// condition holds, so "every rule whose condition holds" and "the rule of
// the first condition that holds" apply the same then; the chain stops at
// that condition instead of testing all of them.
func chainExclusiveRules(s *jsonschema.Schema) {
	if len(s.AllOf) < 2 || s.If != nil || s.Then != nil || s.Else != nil || !exclusiveRules(s.AllOf) {
		return
	}
	rules := s.AllOf
	s.AllOf = nil
	s.If, s.Then = rules[0].If, rules[0].Then
	link := s
	for _, r := range rules[1:] {
		link.Else = &jsonschema.Schema{If: r.If, Then: r.Then}
		link = link.Else
	}
}

// exclusiveRules says whether rules are if/then pairs whose conditions are
// "key equals a constant" on one key, with distinct constants.
func exclusiveRules(rules []*jsonschema.Schema) bool {
	key := ""
	seen := map[any]bool{}
	for _, r := range rules {
		k, v, ok := constCondition(r.If)
		rest := *r
		rest.If, rest.Then = nil, nil
		if !ok || r.Then == nil || !reflect.ValueOf(rest).IsZero() || key != "" && k != key || seen[v] {
			return false
		}
		key = k
		seen[v] = true
	}
	return true
}

// constCondition matches the condition {properties: {key: {const: v}},
// required: [key]} and returns key and v.
func constCondition(s *jsonschema.Schema) (key string, v any, ok bool) {
	if s == nil || s.Properties == nil || s.Properties.Len() != 1 || len(s.Required) != 1 {
		return "", nil, false
	}
	p := s.Properties.Oldest()
	rest := *s
	rest.Properties, rest.Required = nil, nil
	cond := *p.Value
	cond.Const = nil
	if p.Key != s.Required[0] || p.Value.Const == nil || !reflect.TypeOf(p.Value.Const).Comparable() ||
		!reflect.ValueOf(rest).IsZero() || !reflect.ValueOf(cond).IsZero() {
		return "", nil, false
	}
	return p.Key, p.Value.Const, true
}
