package validator

import (
	"strings"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/manifest/interp"
)

// forSecretRefs calls fn for every reference to a secret in the templates
// of the given kinds.
func (c *context) forSecretRefs(fn func(s *site, r interp.Ref), kinds ...siteKind) {
	for _, s := range c.sites {
		if !containsKind(kinds, s.kind) {
			continue
		}
		for _, r := range s.refs {
			if c.isSecretRef(s, r) {
				fn(s, r)
			}
		}
	}
}

// containsKind says whether kinds holds k.
func containsKind(kinds []siteKind, k siteKind) bool {
	for _, x := range kinds {
		if x == k {
			return true
		}
	}
	return false
}

// secretName says what kind of secret a reference is.
func secretName(r interp.Ref) string {
	if r.Scope == "token" {
		return "a token"
	}
	return "a secret field"
}

// checkSecretInURL reports secrets in URLs, paths and query parameters,
// which servers, proxies and browsers log.
func checkSecretInURL(c *context) {
	c.forSecretRefs(func(s *site, r interp.Ref) {
		where := "the URL"
		if s.kind == kindQuery {
			where = "the query string"
		}
		c.reportRef(s, r, "%s is %s and must not go into %s (%s): URLs end up in server, proxy and browser logs; send it in a header or the body",
			r, secretName(r), where, s.where())
	}, kindURL, kindPath, kindRedirect, kindQuery)
}

// checkSecretInDefaults reports secrets in default request parameters.
func checkSecretInDefaults(c *context) {
	c.forSecretRefs(func(s *site, r interp.Ref) {
		c.reportRef(s, r, "%s is %s and must not go into the defaults (%s): credentials belong in auth.apply, which the runtime keeps secret",
			r, secretName(r), s.where())
	}, kindDefaultQuery, kindDefaultHeader)
}

// checkSecretInLabel reports secrets in the label or the identity, which
// are shown and stored in clear.
func checkSecretInLabel(c *context) {
	c.forSecretRefs(func(s *site, r interp.Ref) {
		c.reportRef(s, r, "%s is %s and must not go into the %s, which is shown and stored in clear", r, secretName(r), s.where())
	}, kindLabel, kindIdentity)
}

// checkAuthorizationInDefaults reports an Authorization header among the
// default headers.
func checkAuthorizationInDefaults(c *context) {
	if c.m.Defaults == nil {
		return
	}
	for name := range c.m.Defaults.Headers {
		if strings.EqualFold(name, "Authorization") || strings.EqualFold(name, "Proxy-Authorization") {
			c.reportKey(manifest.Pointer("defaults", "headers", name),
				"defaults.headers sets %s: credentials go in auth.apply.headers, which the runtime keeps secret and renews", name)
		}
	}
}

// checkCredentialInQuery reports credentials applied as query parameters
// unless the manifest acknowledges that the provider requires it.
func checkCredentialInQuery(c *context) {
	for _, m := range c.methods {
		if m.auth.Apply == nil || m.auth.Apply.QueryRequired {
			continue
		}
		for name := range m.auth.Apply.Query {
			ptr := m.ptr + manifest.Pointer("apply", "query", name)
			c.reportKey(ptr, "%s sends a credential in the query string, where servers and proxies log it (RFC 6750 section 2.3, RFC 9700 section 4.3.2): send it in a header, or set apply.query_required: true if the provider documents no other way",
				where(ptr))
		}
	}
}

// checkSecretFieldDefault reports secret fields with a default value.
func checkSecretFieldDefault(c *context) {
	for _, d := range c.fields {
		if d.field.Type == manifest.FieldSecret && d.field.Default != "" {
			c.report(d.ptr+"/default", "secret field %s has a default: a secret never sits in a manifest; remove the default and let the user fill it in", d.field.Key)
		}
	}
}
