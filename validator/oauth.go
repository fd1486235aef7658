package validator

import (
	"regexp"
	"strings"

	"github.com/connkit/connkit/manifest"
)

// checkImplicitGrant reports an authorize step that asks for a token in the
// redirect (response_type token): the implicit grant.
func checkImplicitGrant(c *context) {
	for _, m := range c.methods {
		if z := m.auth.Authorize; z != nil && hasWord(z.ResponseType, "token") {
			c.report(m.ptr+"/authorize/response_type",
				"response_type %q is the implicit grant, which leaks the access token in the redirect URL (RFC 9700 section 2.1.2): use the authorization code grant, response_type code, with PKCE", z.ResponseType)
		}
	}
}

// checkPasswordGrant reports a token request with grant_type password: the
// resource owner password credentials grant.
func checkPasswordGrant(c *context) {
	for _, m := range c.methods {
		e := m.auth.Token
		if e == nil {
			continue
		}
		const msg = "grant_type password hands the user's password to the client (RFC 9700 section 2.4 says it must not be used): use the authorization code grant, or the provider's API keys"
		if e.GrantType == "password" {
			c.report(m.ptr+"/token/grant_type", msg)
		}
		if e.Params["grant_type"] == "password" {
			c.report(m.ptr+"/token/params/grant_type", msg)
		}
	}
}

// checkGrantConsistency reports what does not fit the grant: a client
// credentials method that asks for another grant, an authorization code
// method without a redirect URL or with another response type or grant.
func checkGrantConsistency(c *context) {
	for _, m := range c.methods {
		a := m.auth
		switch a.Type {
		case manifest.AuthOAuth2ClientCredentials:
			if a.Token != nil && (a.Token.GrantType == "authorization_code" || a.Token.GrantType == "refresh_token") {
				c.report(m.ptr+"/token/grant_type", "%s asks for grant_type %s: client credentials obtains its tokens with grant_type client_credentials; remove grant_type, or use type oauth2_authorization_code",
					m.name(), a.Token.GrantType)
			}
		case manifest.AuthOAuth2AuthorizationCode:
			c.checkAuthorizationCode(m)
		}
	}
}

// checkAuthorizationCode checks the authorize step of an authorization
// code method.
func (c *context) checkAuthorizationCode(m *method) {
	a := m.auth
	if a.Token != nil && a.Token.GrantType == "client_credentials" {
		c.report(m.ptr+"/token/grant_type", "%s asks for grant_type client_credentials: use type oauth2_client_credentials, or remove grant_type", m.name())
	}
	z := a.Authorize
	if z == nil {
		if a.Issuer != "" {
			c.reportKey(m.ptr+"/issuer", "%s has no authorize section with its redirect_url: add authorize: {redirect_url: ...} with the exact redirect URL registered at the provider", m.name())
		}
		return // without an issuer, the schema requires authorize
	}
	if z.RedirectURL == "" {
		c.reportKey(m.ptr+"/authorize", "%s has no authorize.redirect_url: add the exact redirect URL registered at the provider", m.name())
	}
	if rt := z.ResponseType; rt != "" && rt != "code" && !hasWord(rt, "token") {
		c.report(m.ptr+"/authorize/response_type", "response_type %q is not the authorization code grant: write response_type: code, or remove it (code is the default)", rt)
	}
}

// hasWord says whether the space-separated list s holds word.
func hasWord(s, word string) bool {
	for _, f := range strings.Fields(s) {
		if f == word {
			return true
		}
	}
	return false
}

// checkPKCE reports an authorization code method whose PKCE method is not
// S256.
func checkPKCE(c *context) {
	for _, m := range c.methods {
		z := m.auth.Authorize
		if m.auth.Type != manifest.AuthOAuth2AuthorizationCode || z == nil {
			continue
		}
		switch z.PKCE {
		case manifest.PKCEPlain:
			c.report(m.ptr+"/authorize/pkce", "pkce plain sends the code verifier itself as the challenge, so an intercepted authorize request defeats it: use S256 (RFC 7636 section 4.2, RFC 9700 section 2.1.1)")
		case manifest.PKCENone:
			c.report(m.ptr+"/authorize/pkce", "pkce none turns PKCE off, which leaves the authorization code open to injection (RFC 9700 section 2.1.1): use S256 unless the provider refuses it")
		}
	}
}

// checkRefreshClientCredentials reports a refresh API on a client
// credentials method.
func checkRefreshClientCredentials(c *context) {
	for _, m := range c.methods {
		if m.auth.Type == manifest.AuthOAuth2ClientCredentials && m.auth.Refresh != nil {
			c.reportKey(m.ptr+"/refresh", "a refresh API is usually not required with client credentials: when the token expires a new one is obtained with the client's credentials (RFC 6749 section 4.4.3 says no refresh token should be issued); remove refresh unless the provider documents it")
		}
	}
}

// commaRE matches a comma with the spaces around it.
var commaRE = regexp.MustCompile(`\s*,\s*`)

// checkScopeDelimiter reports comma-separated scopes, showing the
// space-delimited string.
func checkScopeDelimiter(c *context) {
	for _, s := range c.sites {
		if s.kind != kindScope {
			continue
		}
		src := s.src
		var fixed strings.Builder
		comma := false
		for _, p := range s.pieces() {
			if p.hole {
				fixed.WriteString("{{ " + p.text + " }}")
				continue
			}
			comma = comma || strings.Contains(p.text, ",")
			fixed.WriteString(commaRE.ReplaceAllString(p.text, " "))
		}
		if comma {
			c.report(s.ptr, "%s %q is comma-separated: scopes are written space-delimited (RFC 6749 section 3.3); write %q, and add scope_delimiter: \",\" if the provider wants them sent comma-separated",
				s.where(), src, strings.TrimSpace(fixed.String()))
		}
	}
}

// checkIncludeScope reports a scope that include_scope: false never sends.
func checkIncludeScope(c *context) {
	for _, m := range c.methods {
		for _, name := range []string{"token", "refresh"} {
			e := endpointOf(m.auth, name)
			if e != nil && e.IncludeScope != nil && !*e.IncludeScope && e.Scope != "" {
				c.report(m.ptr+"/"+name+"/include_scope", "include_scope is false, so the scope %q of %s is never sent: remove the scope, or remove include_scope: false",
					string(e.Scope), where(m.ptr+"/"+name))
			}
		}
	}
}

// endpointOf returns the token, refresh or revoke endpoint of a.
func endpointOf(a *manifest.Auth, name string) *manifest.Endpoint {
	switch name {
	case "token":
		return a.Token
	case "refresh":
		return a.Refresh
	}
	return a.Revoke
}
