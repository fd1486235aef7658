package validator

import (
	"cmp"
	"slices"

	"github.com/connkit/connkit/manifest"
)

// Rule describes one check: its stable ID (used in diagnostics, --list-rules
// and SARIF), the severity of its findings and a one-line description.
type Rule struct {
	// ID is the stable kebab-case identifier, such as "whitelist-coverage".
	ID string
	// Severity is the severity of the rule's findings.
	Severity Severity
	// Doc says in one line what the rule checks.
	Doc string
}

// ruleInternal reports a bug of the validator itself on one file.
const ruleInternal = "internal"

// ruleSchema is the rule of schema findings no more specific rule owns.
const ruleSchema = "schema"

// checkFunc is a semantic rule's function: it inspects the context and
// reports through it.
type checkFunc func(*context)

// entry is one row of the rule table.
type entry struct {
	Rule
	check checkFunc // nil for the loader's and the schema layer's rules
}

// table lists every rule, in documentation order: the loader's (one per
// manifest.ErrorKind), the schema layer's, then the semantic rules.
var table = []entry{
	{Rule{string(manifest.KindSyntax), SeverityError, "The file is well-formed YAML or JSON: one UTF-8 document, not empty, at most 4 MiB."}, nil},
	{Rule{string(manifest.KindUnsupported), SeverityError, "No YAML anchors, aliases, merge keys or tags."}, nil},
	{Rule{string(manifest.KindUnknownKey), SeverityError, "Every key is one the manifest format defines."}, nil},
	{Rule{string(manifest.KindDuplicateKey), SeverityError, "No key is given twice in one mapping."}, nil},
	{Rule{string(manifest.KindType), SeverityError, "Every value has the type its key needs (a list, a mapping, a string, ...)."}, nil},
	{Rule{string(manifest.KindInterpolation), SeverityError, "Every {{ }} template is well-formed."}, nil},
	{Rule{string(manifest.KindValue), SeverityError, "Durations, regular expressions and numbers can be read."}, nil},
	{Rule{string(manifest.KindTooMany), SeverityError, "A file with more than 1000 load errors has its first 1000 reported."}, nil},
	{Rule{ruleSchema, SeverityError, "The manifest satisfies its JSON Schema: required keys, allowed values, the keys each auth type takes."}, nil},
	{Rule{ruleInternal, SeverityError, "The validator failed on the file; please report it."}, nil},

	{Rule{"id-slug", SeverityError, "The id is a slug: lower-case letters, digits and single dashes, at most 64 characters."}, nil},
	{Rule{"name-length", SeverityError, "The name is 1 to 50 characters long."}, nil},
	{Rule{"key-format", SeverityError, "Field, input, action and auth method keys start with a lower-case letter and hold only lower-case letters, digits and underscores."}, checkKeyFormat},
	{Rule{"unique-key", SeverityError, "Field keys (shared and per auth method), input keys of an action and auth method keys are unique."}, checkUniqueKeys},
	{Rule{"select-default", SeverityError, "The default of a select field is one of its options."}, checkSelectDefault},
	{Rule{"required-default", SeverityWarning, "A required field (other than a select) has no default: a default makes required meaningless."}, checkRequiredDefault},
	{Rule{"secret-field-default", SeverityError, "A secret field has no default: secrets never sit in a manifest."}, checkSecretFieldDefault},
	{Rule{"unused-field", SeverityWarning, "Every field is referenced by some template."}, checkUnusedField},

	{Rule{"unknown-field", SeverityError, "Every {{ fields.X }} names a declared field."}, checkFieldRefs},
	{Rule{"token-reference", SeverityError, "{{ token.X }} is used only where a token exists and names a token value (access_token, refresh_token, token_type, scope or a kept value)."}, checkTokenRefs},
	{Rule{"response-reference", SeverityError, "{{ response.X }} is used only in the label and the identity, which are rendered after the test call."}, checkResponseRefs},
	{Rule{"input-reference", SeverityError, "{{ input.X }} is used only inside the action that declares input X."}, checkInputRefs},

	{Rule{"absolute-url", SeverityError, "Token, refresh, revoke, authorize, redirect, issuer, base and request URLs are absolute (scheme://host/...)."}, checkAbsoluteURL},
	{Rule{"insecure-url", SeverityError, "URLs use https; plain http is allowed only for loopback addresses."}, checkInsecureURL},
	{Rule{"http-loopback", SeverityWarning, "A plain http URL to a loopback address works only for local testing."}, checkHTTPLoopback},
	{Rule{"whitelist-entry", SeverityError, "Whitelist entries are scheme://host[:port]/path-prefix: https, no bare *, wildcards only as a leading *. label, no userinfo, query or fragment."}, checkWhitelistEntries},
	{Rule{"whitelist-coverage", SeverityError, "Every request the connection can send (token, refresh, revoke, test, actions, base URL) is covered by a whitelist entry."}, checkWhitelistCoverage},
	{Rule{"unused-whitelist-entry", SeverityWarning, "Every whitelist entry covers some request of the connection."}, checkUnusedWhitelist},
	{Rule{"host-field-pattern", SeverityError, "A field inserted into the host of a URL is a select of host names or has a pattern that allows only host-name characters."}, checkHostFieldPattern},

	{Rule{"secret-in-url", SeverityError, "Secrets (secret fields, access and refresh tokens) never go into URLs, paths or query parameters."}, checkSecretInURL},
	{Rule{"secret-in-defaults", SeverityError, "Default request parameters carry no secrets."}, checkSecretInDefaults},
	{Rule{"secret-in-label", SeverityError, "The label and the identity hold no secrets."}, checkSecretInLabel},
	{Rule{"authorization-in-defaults", SeverityError, "Default headers carry no Authorization header: credentials go in auth.apply."}, checkAuthorizationInDefaults},
	{Rule{"credential-in-query", SeverityError, "Credentials go in the query string only when apply.query_required says the provider requires it (RFC 6750 section 2.3, RFC 9700 section 4.3.2)."}, checkCredentialInQuery},

	{Rule{"implicit-grant", SeverityError, "The implicit grant (response_type token) is not used (RFC 9700 section 2.1.2)."}, checkImplicitGrant},
	{Rule{"password-grant", SeverityError, "The resource owner password grant is not used (RFC 9700 section 2.4)."}, checkPasswordGrant},
	{Rule{"grant-consistency", SeverityError, "Client credentials has no redirect; authorization code has a redirect URL."}, checkGrantConsistency},
	{Rule{"pkce-method", SeverityWarning, "Authorization code uses PKCE with S256 (RFC 9700 section 2.1.1)."}, checkPKCE},
	{Rule{"refresh-client-credentials", SeverityWarning, "Client credentials needs no refresh API: a new token is obtained with the client's credentials."}, checkRefreshClientCredentials},
	{Rule{"scope-delimiter", SeverityError, "Scopes are written space-delimited (RFC 6749 section 3.3); scope_delimiter says how they are sent."}, checkScopeDelimiter},
	{Rule{"include-scope", SeverityWarning, "A scope is not set together with include_scope: false, which never sends it."}, checkIncludeScope},

	{Rule{"test-missing", SeverityWarning, "The manifest has a test call, so that a connection can be verified."}, checkTestMissing},
	{Rule{"test-method", SeverityWarning, "The test call uses a safe method (GET or HEAD), or test.read_only says the provider documents it as read-only."}, checkTestMethod},
	{Rule{"identity-missing", SeverityWarning, "The manifest has an identity, so that connections of the same account are de-duplicated."}, checkIdentityMissing},
	{Rule{"retry-bounds", SeverityError, "Token retries make 1 to 10 attempts and wait at most 5m between them."}, checkRetryBounds},
	{Rule{"renew-before", SeverityWarning, "renew_before is at most 30m, shorter than typical token lifetimes."}, checkRenewBefore},
}

// Rules returns every rule, sorted by ID.
func Rules() []Rule {
	rs := make([]Rule, len(table))
	for i, e := range table {
		rs[i] = e.Rule
	}
	slices.SortFunc(rs, func(a, b Rule) int { return cmp.Compare(a.ID, b.ID) })
	return rs
}

// severityOf returns the severity of a rule; error for an unknown ID.
func severityOf(id string) Severity {
	for _, e := range table {
		if e.ID == id {
			return e.Severity
		}
	}
	return SeverityError
}

// runRules runs the semantic rules on a file that loaded without errors.
func runRules(f *manifest.File) []Diagnostic {
	c := newContext(f)
	for i := range table {
		if table[i].check != nil {
			c.rule = &table[i].Rule
			table[i].check(c)
		}
	}
	return c.diags
}
