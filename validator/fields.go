package validator

import (
	"github.com/connkit/connkit/internal/suggest"
	"regexp"
	"strconv"
	"strings"

	"github.com/connkit/connkit/manifest"
)

// keyRE is the form of field, input, action and auth method keys.
var keyRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// checkKeyFormat reports action names that are not keys. The schema checks
// the keys of fields, inputs and auth methods.
func checkKeyFormat(c *context) {
	for _, name := range c.actions {
		if !keyRE.MatchString(name) {
			c.reportKey(manifest.Pointer("actions", name),
				"action name %q must start with a lower-case letter and hold only lower-case letters, digits and underscores, such as %q", name, identify(name))
		}
	}
}

// checkUniqueKeys reports field keys declared twice (among the shared
// fields, or by a method again), input keys declared twice in an action
// and auth method keys given twice.
func checkUniqueKeys(c *context) {
	first := map[string]*fieldDecl{}
	for _, d := range c.fields {
		if d.method >= 0 {
			continue
		}
		c.unique(first, d, "field key")
	}
	for i := range c.m.AuthMethods {
		own := map[string]*fieldDecl{}
		for k, d := range first {
			own[k] = d
		}
		for _, d := range c.fields {
			if d.method == i {
				c.unique(own, d, "field key")
			}
		}
	}
	for _, name := range c.actions {
		seen := map[string]*fieldDecl{}
		for j, in := range c.m.Actions[name].Input {
			c.unique(seen, &fieldDecl{field: &manifest.Field{Key: in.Key},
				ptr: manifest.Pointer("actions", name, "input", strconv.Itoa(j))}, "input key")
		}
	}
	seen := map[string]*fieldDecl{}
	for i, am := range c.m.AuthMethods {
		c.unique(seen, &fieldDecl{field: &manifest.Field{Key: am.Key},
			ptr: manifest.Pointer("auth_methods", strconv.Itoa(i))}, "auth method key")
	}
}

// unique reports d when its key is in seen, and records it otherwise.
func (c *context) unique(seen map[string]*fieldDecl, d *fieldDecl, what string) {
	key := d.field.Key
	if key == "" {
		return // a missing key is the schema's
	}
	if f, dup := seen[key]; dup {
		p := c.f.Pos(f.ptr + "/key")
		c.report(d.ptr+"/key", "%s %q is already declared at %s (line %d): rename or remove one of them", what, key, where(f.ptr), p.Line)
		return
	}
	seen[key] = d
}

// checkSelectDefault reports a select field whose default is none of its
// options.
func checkSelectDefault(c *context) {
	for _, d := range c.fields {
		f := d.field
		if f.Type != manifest.FieldSelect || f.Default == "" || len(f.Options) == 0 {
			continue
		}
		values := make([]string, len(f.Options))
		found := false
		for i, o := range f.Options {
			values[i] = o.Value
			found = found || o.Value == string(f.Default)
		}
		if !found {
			msg := "default " + strconv.Quote(string(f.Default)) + " of select field " + f.Key + " is not one of its option values"
			if n := suggest.Nearest(string(f.Default), values); n != "" {
				msg += "; did you mean " + strconv.Quote(n) + "?"
			} else {
				msg += ": " + strings.Join(mapSlice(values, strconv.Quote), ", ")
			}
			c.report(d.ptr+"/default", "%s", msg)
		}
	}
}

// checkRequiredDefault reports a required field with a default: the
// default always fills it in, so required has no effect. A select is
// exempt: there, required with a default preselects a choice the user
// cannot clear.
func checkRequiredDefault(c *context) {
	for _, d := range c.fields {
		f := d.field
		if f.Required && f.Default != "" && f.Type != manifest.FieldSelect {
			c.report(d.ptr+"/default", "field %s is required and has a default, which always fills it in: remove required, or remove the default so that the user must give a value", f.Key)
		}
	}
}

// checkUnusedField reports a field no template references.
func checkUnusedField(c *context) {
	used := map[string]bool{}
	for _, s := range c.sites {
		for _, r := range s.refs {
			if r.Scope == "fields" && len(r.Path) > 0 {
				used[r.Path[0]] = true
			}
		}
	}
	for _, d := range c.fields {
		if !used[d.field.Key] && d.field.Key != "" {
			c.report(d.ptr+"/key", "field %s is never used: no template references fields.%s; use it or remove it", d.field.Key, d.field.Key)
		}
	}
}
