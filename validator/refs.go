package validator

import (
	"fmt"
	"slices"
	"strings"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/manifest/interp"
)

// forRefs calls fn for every reference of scope in every template.
func (c *context) forRefs(scope string, fn func(s *site, r interp.Ref)) {
	for _, s := range c.sites {
		for _, r := range s.refs {
			if r.Scope == scope {
				fn(s, r)
			}
		}
	}
}

// checkFieldRefs reports {{ fields.X }} where X is not a declared field the
// template can see.
func checkFieldRefs(c *context) {
	c.forRefs("fields", func(s *site, r interp.Ref) {
		key := r.Path[0]
		if d := c.lookupField(s, key); d != nil {
			if len(r.Path) > 1 {
				c.reportRef(s, r, "%s: field %s holds a single value, which has no key %q; write fields.%s", r, key, r.Path[1], key)
			}
			return
		}
		visible := c.visibleFieldKeys(s)
		msg := fmt.Sprintf("fields.%s is not a declared field", key)
		if owner := c.declaringMethods(key); len(owner) > 0 {
			msg += fmt.Sprintf(" of %s: only auth method %s declares it; declare it under the shared fields or under this method's fields",
				c.methods[s.method].name(), strings.Join(owner, ", "))
		} else if hint := didYouMean("fields.", key, visible); hint != "" {
			msg += hint
		} else if len(visible) == 0 {
			msg += ": the manifest declares no fields; add it under fields"
		} else {
			msg += "; declared fields: " + strings.Join(visible, ", ")
		}
		c.reportRef(s, r, "%s", msg)
	})
}

// visibleFieldKeys lists, sorted, the keys of the fields site s can use.
func (c *context) visibleFieldKeys(s *site) []string {
	var keys []string
	for _, d := range c.fields {
		if s.method < 0 || d.method < 0 || d.method == s.method {
			keys = append(keys, d.field.Key)
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// declaringMethods lists the keys of the auth methods that declare a field.
func (c *context) declaringMethods(key string) []string {
	var out []string
	for _, d := range c.fields {
		if d.method >= 0 && d.field.Key == key {
			out = append(out, fmt.Sprintf("%q", c.m.AuthMethods[d.method].Key))
		}
	}
	return out
}

// checkTokenRefs reports {{ token.X }} where no token exists yet (the
// authorize step, the token request), where the auth method obtains none,
// and names that are not token values.
func checkTokenRefs(c *context) {
	c.forRefs("token", func(s *site, r interp.Ref) {
		name := r.Path[0]
		switch s.stage {
		case stageAuthorize:
			c.reportRef(s, r, "%s: %s is rendered before a token exists (the browser step); use fields instead", r, s.where())
			return
		case stageToken:
			c.reportRef(s, r, "%s: %s is part of the request that obtains the token, so no token exists yet; use fields instead", r, s.where())
			return
		}
		for _, m := range c.methodsOf(s) {
			if !m.hasToken() {
				c.reportRef(s, r, "%s: %s obtains no token, so token values are never set; use fields instead", r, m.name())
				return
			}
			if !slices.Contains(m.tokenNames, name) {
				c.reportRef(s, r, "%s is not a token value of %s%s; the token has %s (keep more values with token.response.keep)",
					r, m.name(), didYouMean("token.", name, m.tokenNames), strings.Join(m.tokenNames, ", "))
				return
			}
		}
	})
}

// checkResponseRefs reports {{ response.X }} outside the label and the
// identity, the only templates rendered after the test call.
func checkResponseRefs(c *context) {
	c.forRefs("response", func(s *site, r interp.Ref) {
		if s.kind != kindLabel && s.kind != kindIdentity {
			c.reportRef(s, r, "%s: the test call's response is known only in label and identity, not in %s", r, s.where())
		}
	})
}

// checkInputRefs reports {{ input.X }} outside an action, or where the
// action declares no input X.
func checkInputRefs(c *context) {
	c.forRefs("input", func(s *site, r interp.Ref) {
		key := r.Path[0]
		if s.action == "" {
			c.reportRef(s, r, "%s: inputs exist only inside an action, not in %s", r, s.where())
			return
		}
		var keys []string
		for _, in := range c.m.Actions[s.action].Input {
			if in.Key == key {
				return
			}
			keys = append(keys, in.Key)
		}
		msg := fmt.Sprintf("%s: action %s declares no input %q", r, s.action, key)
		if hint := didYouMean("input.", key, keys); hint != "" {
			msg += hint
		} else {
			msg += fmt.Sprintf("; declare it under %s", where(manifest.Pointer("actions", s.action, "input")))
		}
		c.reportRef(s, r, "%s", msg)
	})
}
