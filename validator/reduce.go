package validator

// The schema layer validates a file twice over what the loader already
// checked: manifest.Parse refuses, key by key, every unknown key of an
// object (the schema's additionalProperties: false) and every value of
// the wrong type (its type keywords), and the schema then walks every
// value again, allocating as it goes. For a file the loader decoded
// without an error and that holds no null (the loader skips a null; the
// schema refuses it where a type is required), those keywords cannot fail,
// so the schema layer uses a reduced copy of the schema without them:
// it keeps every other keyword (required, enum, const, pattern, format,
// minimum, minItems, if/then/else, oneOf, anyOf) and needs to visit only
// the values that carry one. TestReducedSchemaEquivalent and
// FuzzReducedSchema check that both give the same diagnostics.

// loadedSchemaID is the $id of the reduced schema.
const loadedSchemaID = "https://connkit.dev/schema/v1/manifest-loaded.json"

// reduceSchema rewrites doc, the manifest schema as JSON values, into the
// schema for loaded files: it drops additionalProperties: false and the
// subschemas that hold only a type (with a description or title), in
// properties, additionalProperties, items and $defs, bottom-up, so that an
// object whose properties all go becomes a type too. Conditionals and
// combinators (if, then, else, allOf, anyOf, oneOf, not) are kept whole.
// Then each reference to a definition is replaced by the definition's
// keywords (see inline).
func reduceSchema(doc map[string]any) {
	doc["$id"] = loadedSchemaID
	r := &reducer{state: map[string]int{}, inlined: map[string]int{}}
	r.defs, _ = doc["$defs"].(map[string]any)
	for name := range r.defs {
		r.typeOnlyDef(name)
	}
	r.reduce(doc)
	r.inline(doc)
}

// reducer holds the state of reduceSchema.
type reducer struct {
	defs map[string]any
	// state is, per definition, 1 while it is being reduced, 2 once it is
	// reduced and 3 when it is reduced to a type only.
	state map[string]int
	// inlined is, per definition, 1 while its own references are being
	// inlined and 2 once they are.
	inlined map[string]int
}

// inline replaces, in s and below (but for $defs), each reference to a
// definition by the definition's keywords, where the referring schema has
// none of them but a description or title: the validator, which takes a
// step and allocates for every $ref it follows, then checks such a value
// in one step. Definitions are inlined into first; one that refers back to
// itself is left as a reference.
func (r *reducer) inline(s any) {
	switch s := s.(type) {
	case []any:
		for _, e := range s {
			r.inline(e)
		}
	case map[string]any:
		for k, e := range s {
			if k != "$defs" {
				r.inline(e)
			}
		}
		ref, _ := s["$ref"].(string)
		name, ok := cutDefRef(ref)
		if !ok {
			return
		}
		def, ok := r.inlinedDef(name)
		if !ok {
			return
		}
		for k := range def {
			if _, clash := s[k]; clash && k != "description" && k != "title" {
				return
			}
		}
		delete(s, "$ref")
		for k, e := range def {
			if _, has := s[k]; !has {
				s[k] = e
			}
		}
	}
}

// inlinedDef returns definition name with its own references inlined, and
// false when it is not an object schema or is being inlined (it refers
// back to itself).
func (r *reducer) inlinedDef(name string) (map[string]any, bool) {
	def, ok := r.defs[name].(map[string]any)
	if !ok || r.inlined[name] == 1 {
		return nil, false
	}
	if r.inlined[name] == 0 {
		r.inlined[name] = 1
		r.inline(def)
		r.inlined[name] = 2
	}
	return def, true
}

// typeOnlyDef reduces definition name once and reports whether it holds
// only a type. A definition that refers back to itself is not.
func (r *reducer) typeOnlyDef(name string) bool {
	switch r.state[name] {
	case 1, 2:
		return false
	case 3:
		return true
	}
	r.state[name] = 1
	only := r.reduce(r.defs[name])
	r.state[name] = 2
	if only {
		r.state[name] = 3
	}
	return only
}

// reduce reduces schema s in place and reports whether what is left holds
// only a type: a schema that every value of the right type passes.
func (r *reducer) reduce(s any) bool {
	if b, ok := s.(bool); ok {
		return b
	}
	m, ok := s.(map[string]any)
	if !ok {
		return false
	}
	if props, ok := m["properties"].(map[string]any); ok {
		for k, p := range props {
			if r.reduce(p) {
				delete(props, k)
			}
		}
		if len(props) == 0 {
			delete(m, "properties")
		}
	}
	if ap, ok := m["additionalProperties"]; ok && (ap == false || r.reduce(ap)) {
		delete(m, "additionalProperties")
	}
	if items, ok := m["items"]; ok && r.reduce(items) {
		delete(m, "items")
	}
	if ref, ok := m["$ref"].(string); ok {
		if name, ok := cutDefRef(ref); ok && r.typeOnlyDef(name) {
			delete(m, "$ref")
		}
	}
	for k := range m {
		switch k {
		case "type", "description", "title":
		default:
			return false
		}
	}
	return true
}

// cutDefRef returns the definition a local reference "#/$defs/NAME"
// names.
func cutDefRef(ref string) (string, bool) {
	const prefix = "#/$defs/"
	if len(ref) <= len(prefix) || ref[:len(prefix)] != prefix {
		return "", false
	}
	return ref[len(prefix):], true
}

// hasNull says whether a document (as manifest.File.Document builds it)
// holds a null anywhere.
func hasNull(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case map[string]any:
		for _, e := range v {
			if hasNull(e) {
				return true
			}
		}
	case []any:
		for _, e := range v {
			if hasNull(e) {
				return true
			}
		}
	}
	return false
}
