package oauth

import (
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/sdk/tokens"
)

// Config is one authorization-code client with every value rendered: what
// the authorization request carries and how the code is exchanged.
type Config struct {
	// AuthorizeURL is the authorization endpoint, an absolute http(s) URL.
	// It may carry a query of its own (kept), but none of the parameters
	// this package sets.
	AuthorizeURL string
	// ClientID is the OAuth 2.0 client ID sent to the authorization
	// endpoint.
	ClientID string
	// Scope is the space-separated scope requested; empty sends none.
	Scope string
	// ScopeDelimiter joins the scopes in the authorization request: " "
	// (RFC 6749 section 3.3, the default when empty) or "," for providers
	// that document comma-separated scopes (Slack).
	ScopeDelimiter manifest.ScopeDelimiter
	// RedirectURL is the exact redirect URL registered at the provider. It is
	// sent as it is, in the authorization request and in the code exchange.
	RedirectURL string
	// Params are extra authorization parameters (access_type=offline,
	// prompt=consent, audience). They must not repeat the ones this package
	// sets (see ReservedParams).
	Params map[string]string
	// PKCE is the code challenge method: S256 (the default when empty), plain
	// or none.
	PKCE manifest.PKCEMethod
	// Issuer is the authorization server's issuer identifier when it is
	// known (from discovery); an iss callback parameter must equal it
	// (RFC 9207).
	Issuer string
	// RequireIssuer refuses a callback without the iss parameter: set it
	// when the metadata announces authorization_response_iss_parameter_supported.
	RequireIssuer bool
	// Token is the token request template: URL, client authentication and
	// credentials, format, headers, extra parameters. Exchange sends a copy
	// with grant_type authorization_code (unless GrantType is set), the code,
	// the redirect URL and the verifier, once (its Retry is ignored).
	Token *tokens.Request
	// Mapping reads the token response.
	Mapping tokens.Mapping
	// Client sends the code exchange: a tokens.Client over the
	// connection's whitelisted HTTP client.
	Client *tokens.Client
}

// ReservedParams are the authorization request parameters this package
// sets; Config.Params and the authorize URL's own query must not hold them.
var ReservedParams = []string{"response_type", "client_id", "redirect_uri", "scope", "state",
	"code_challenge", "code_challenge_method"}

// ConfigError is a Config that cannot start an authorization: it names the
// setting and says how to fix it.
type ConfigError struct {
	// Field is the Config field concerned, such as RedirectURL.
	Field string
	// Problem says what is wrong and how to fix it.
	Problem string
}

// Error names the field and the problem.
func (e *ConfigError) Error() string {
	return "authorization settings: " + e.Field + ": " + e.Problem
}

// check validates c and returns the parsed authorize URL.
func (c *Config) check() (*url.URL, error) {
	u, err := httpURL(c.AuthorizeURL)
	if err != nil {
		return nil, &ConfigError{"AuthorizeURL", err.Error() + " (the provider's authorization endpoint, such as https://login.example.com/oauth/authorize)"}
	}
	q := u.Query()
	for _, p := range ReservedParams {
		if q.Has(p) {
			return nil, &ConfigError{"AuthorizeURL", fmt.Sprintf("its query already has %s, which the authorization request sets itself: remove it from the URL", p)}
		}
	}
	if c.ClientID == "" {
		return nil, &ConfigError{"ClientID", "is empty: give the client ID the provider issued for the app"}
	}
	if err := checkRedirectURL(c.RedirectURL); err != nil {
		return nil, &ConfigError{"RedirectURL", err.Error()}
	}
	for _, name := range sortedKeys(c.Params) {
		for _, p := range ReservedParams {
			if name == p {
				return nil, &ConfigError{"Params", fmt.Sprintf("%s is set by the authorization request itself: remove it from the extra parameters", name)}
			}
		}
		if name == "" {
			return nil, &ConfigError{"Params", "a parameter has an empty name"}
		}
	}
	switch c.PKCE {
	case "", manifest.PKCES256, manifest.PKCEPlain, manifest.PKCENone:
	default:
		return nil, &ConfigError{"PKCE", fmt.Sprintf("%q is not S256, plain or none", c.PKCE)}
	}
	if c.Token == nil || c.Token.URL == "" {
		return nil, &ConfigError{"Token", "there is no token URL to exchange the code at: set the token endpoint's url, or an issuer whose metadata names one"}
	}
	if c.Client == nil {
		return nil, &ConfigError{"Client", "is nil: give the tokens.Client that sends the code exchange"}
	}
	return u, nil
}

// checkRedirectURL accepts an absolute URL without a fragment (RFC 6749
// section 3.1.2); a custom scheme (com.example.app:/callback) is allowed for
// native apps.
func checkRedirectURL(s string) error {
	if s == "" {
		return fmt.Errorf("is empty: give the exact redirect URL registered at the provider")
	}
	u, err := url.Parse(s)
	switch {
	case err != nil || u.Scheme == "":
		return fmt.Errorf("%q is not an absolute URL: give the exact redirect URL registered at the provider, such as http://127.0.0.1:8976/callback", s)
	case u.Fragment != "" || strings.Contains(s, "#"):
		return fmt.Errorf("%q has a fragment, which a redirect URL must not have (RFC 6749 section 3.1.2): remove the part from #", s)
	case (u.Scheme == "http" || u.Scheme == "https") && u.Host == "":
		return fmt.Errorf("%q has no host", s)
	case u.User != nil:
		return fmt.Errorf("%q holds a user name or password: remove it", s)
	}
	return nil
}

// httpURL parses an absolute http(s) URL without user info or fragment.
func httpURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	switch {
	case s == "":
		return nil, fmt.Errorf("is empty")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return nil, fmt.Errorf("%q is not an absolute http or https URL", redact(s))
	case u.User != nil:
		return nil, fmt.Errorf("%s holds a user name or password: remove it", redact(s))
	case u.Fragment != "":
		return nil, fmt.Errorf("%s has a fragment: remove the part from #", redact(s))
	}
	return u, nil
}

// redact drops the query, fragment and user info of a URL for messages.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
