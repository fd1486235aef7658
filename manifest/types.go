// Package manifest defines the connkit connector manifest: the Go types that
// are the single source of truth for the format, position-aware loading from
// YAML and JSON, and the generated JSON Schema.
//
// A manifest describes how a user connects an account of one API: the fields
// the user fills in, how an access token is obtained, renewed and revoked,
// which call proves that the credentials work, how the connection is labelled
// and identified, which URLs the connection may reach, the defaults every
// request carries, and the actions a platform can run.
package manifest

// Version is the only manifest format version this package reads.
const Version = "v1"

// Manifest is one connector: everything a runtime needs to connect an account
// of an API and to call it.
type Manifest struct {
	// Connkit is the manifest format version; always "v1".
	Connkit string `json:"connkit" jsonschema:"enum=v1"`
	// ID is the connector's slug: lower-case letters, digits and dashes,
	// unique among connectors, never changed once connections exist.
	ID string `json:"id" jsonschema:"pattern=^[a-z0-9]+(-[a-z0-9]+)*$,maxLength=64"`
	// Name is the display name of the API, at most 50 characters.
	Name string `json:"name" jsonschema:"minLength=1,maxLength=50"`
	// Description says in a sentence what the connector gives access to.
	Description string `json:"description,omitempty"`
	// DocsURL links to the provider's API or authentication documentation.
	DocsURL string `json:"docs_url,omitempty" jsonschema:"format=uri"`
	// Fields are what the user fills in to connect, shared by every auth method.
	Fields []Field `json:"fields,omitempty"`
	// BaseURL is the URL that relative request paths are resolved against.
	// It may use fields (a subdomain, a sandbox/production choice) and token
	// values (an instance URL returned by the token API).
	BaseURL Template `json:"base_url,omitempty"`
	// Auth is how the connection authenticates when the connector offers one
	// method. Exactly one of Auth and AuthMethods is set.
	Auth *Auth `json:"auth,omitempty"`
	// AuthMethods lists the methods a user chooses from when the connector
	// offers more than one (for example an API key or OAuth).
	AuthMethods []AuthMethod `json:"auth_methods,omitempty"`
	// Whitelist lists the URL prefixes the connection may ever reach; every
	// request (token, refresh, revoke, test, actions) must match one entry.
	// An entry is scheme://host[:port]/path-prefix; the host may start with
	// "*." to match any subdomain (never the apex).
	Whitelist []string `json:"whitelist" jsonschema:"minItems=1"`
	// Defaults are the query parameters and headers every API request
	// carries unless the request sets its own. Never secrets.
	Defaults *Defaults `json:"defaults,omitempty"`
	// HTTP tunes the transport: redirects and timeouts.
	HTTP *HTTPOptions `json:"http,omitempty"`
	// Test is the "me" call that proves the credentials work.
	Test *Test `json:"test,omitempty"`
	// Label is the connection's display label, rendered after the test call
	// (scopes fields, token and response).
	Label Template `json:"label,omitempty"`
	// Identity is the unique identifier of the connected account, rendered
	// after the test call; connecting the same identity twice updates the
	// existing connection.
	Identity Template `json:"identity,omitempty"`
	// Actions are named declarative requests a platform can run.
	Actions map[string]Action `json:"actions,omitempty"`
}

// FieldType is the kind of value a user field holds.
type FieldType string

// The field types.
const (
	FieldString  FieldType = "string"
	FieldSecret  FieldType = "secret"
	FieldNumber  FieldType = "number"
	FieldBoolean FieldType = "boolean"
	FieldSelect  FieldType = "select"
	FieldURL     FieldType = "url"
)

// Field is one value the user fills in when connecting.
type Field struct {
	// Key names the field in templates: {{ fields.KEY }}.
	Key string `json:"key" jsonschema:"pattern=^[a-z][a-z0-9_]*$"`
	// Label is shown next to the input.
	Label string `json:"label"`
	// Type is the kind of value; a secret is never shown, logged or stored in
	// clear.
	Type FieldType `json:"type" jsonschema:"enum=string,enum=secret,enum=number,enum=boolean,enum=select,enum=url"`
	// Required fields must be filled in to connect.
	Required bool `json:"required,omitempty"`
	// Default is used when the user leaves the field empty.
	Default Scalar `json:"default,omitempty"`
	// Options are the choices of a select field.
	Options []Option `json:"options,omitempty"`
	// Pattern is a regular expression (RE2 syntax) the whole value must match.
	Pattern string `json:"pattern,omitempty" jsonschema:"format=regex"`
	// Help tells the user where to find the value at the provider.
	Help string `json:"help,omitempty"`
	// Placeholder is an example shown in the empty input.
	Placeholder string `json:"placeholder,omitempty"`
}

// Option is one choice of a select field.
type Option struct {
	// Value is what {{ fields.KEY }} renders to when chosen.
	Value string `json:"value"`
	// Label is what the user sees.
	Label string `json:"label"`
}

// AuthMethod is one of several ways a user can connect.
type AuthMethod struct {
	// Key identifies the method (for example api_key or oauth).
	Key string `json:"key" jsonschema:"pattern=^[a-z][a-z0-9_]*$"`
	// Label is what the user sees when choosing.
	Label string `json:"label"`
	// Fields are the fields of this method only, in addition to the
	// manifest's shared fields.
	Fields []Field `json:"fields,omitempty"`
	// Auth is how this method authenticates.
	Auth Auth `json:"auth"`
}

// AuthType names an authentication style.
type AuthType string

// The auth types.
const (
	AuthNone                    AuthType = "none"
	AuthAPIKey                  AuthType = "api_key"
	AuthBearer                  AuthType = "bearer"
	AuthBasic                   AuthType = "basic"
	AuthOAuth2ClientCredentials AuthType = "oauth2_client_credentials"
	AuthOAuth2AuthorizationCode AuthType = "oauth2_authorization_code"
	AuthLogin                   AuthType = "login"
)

// AuthTypes lists every auth type in documentation order.
var AuthTypes = []AuthType{AuthNone, AuthAPIKey, AuthBearer, AuthBasic,
	AuthOAuth2ClientCredentials, AuthOAuth2AuthorizationCode, AuthLogin}

// Auth says how a connection authenticates: how it obtains, renews and
// revokes credentials and how it applies them to API requests.
type Auth struct {
	// Type is the authentication style.
	Type AuthType `json:"type" jsonschema:"enum=none,enum=api_key,enum=bearer,enum=basic,enum=oauth2_client_credentials,enum=oauth2_authorization_code,enum=login"`
	// Basic gives the user name and password of basic auth.
	Basic *BasicCredentials `json:"basic,omitempty"`
	// Issuer is an OAuth 2.0 issuer URL whose metadata (RFC 8414 or OpenID
	// discovery) provides the authorize, token and revoke URLs that are not
	// given explicitly.
	Issuer string `json:"issuer,omitempty" jsonschema:"format=uri"`
	// Authorize is the browser step of the authorization-code grant.
	Authorize *Authorize `json:"authorize,omitempty"`
	// Token is the access-token API (OAuth 2.0 token endpoint or a custom
	// login request).
	Token *Endpoint `json:"token,omitempty"`
	// Refresh is the refresh API. An empty object means RFC 6749 section 6
	// at the token URL; absent means tokens are obtained anew when they
	// expire (or, for authorization code, with the refresh_token grant when
	// the token response has a refresh token).
	Refresh *Endpoint `json:"refresh,omitempty"`
	// Revoke is the revocation API (RFC 7009 by default); absent means
	// revoking only forgets the tokens locally.
	Revoke *Endpoint `json:"revoke,omitempty"`
	// RenewBefore renews a token this long before it expires (default 60s,
	// clamped to a fraction of short lifetimes).
	RenewBefore Duration `json:"renew_before,omitempty"`
	// DefaultLifetime is the lifetime assumed when the token response gives
	// none (default 1h); a token is never taken as valid forever.
	DefaultLifetime Duration `json:"default_lifetime,omitempty"`
	// RenewOn says which API responses mean the token must be renewed.
	RenewOn *RenewOn `json:"renew_on,omitempty"`
	// Apply says how the credentials go on every API request. For OAuth 2.0
	// and login it defaults to "Authorization: Bearer {{ token.access_token }}".
	Apply *Apply `json:"apply,omitempty"`
}

// BasicCredentials are the two halves of HTTP basic authentication.
type BasicCredentials struct {
	// Username is usually {{ fields.username }}.
	Username Template `json:"username"`
	// Password is usually {{ fields.password }}.
	Password Template `json:"password"`
}

// PKCEMethod is a PKCE code challenge method (RFC 7636).
type PKCEMethod string

// The PKCE methods.
const (
	PKCES256  PKCEMethod = "S256"
	PKCEPlain PKCEMethod = "plain"
	PKCENone  PKCEMethod = "none"
)

// Authorize is the browser step of the authorization-code grant.
type Authorize struct {
	// URL is the authorization endpoint.
	URL Template `json:"url,omitempty"`
	// ResponseType is always "code"; "token" (the implicit grant) is refused.
	ResponseType string `json:"response_type,omitempty"`
	// Scope is the space-delimited list of scopes requested.
	Scope Template `json:"scope,omitempty"`
	// ScopeDelimiter joins the scopes when they are sent: " " (RFC 6749
	// section 3.3, the default) or "," for providers that document
	// comma-separated scopes (Slack, Shopify). Scope itself stays
	// space-delimited.
	ScopeDelimiter ScopeDelimiter `json:"scope_delimiter,omitempty"`
	// PKCE is the code challenge method: S256 (default), plain or none.
	PKCE PKCEMethod `json:"pkce,omitempty" jsonschema:"enum=S256,enum=plain,enum=none"`
	// Params are extra authorize parameters (access_type=offline,
	// prompt=consent, audience).
	Params map[string]Template `json:"params,omitempty"`
	// RedirectURL is the exact redirect URL registered at the provider.
	RedirectURL Template `json:"redirect_url,omitempty"`
}

// ClientAuth is how an OAuth 2.0 client authenticates at the token endpoint.
type ClientAuth string

// The client authentication styles.
const (
	ClientAuthBasic ClientAuth = "basic"
	ClientAuthBody  ClientAuth = "body"
	ClientAuthNone  ClientAuth = "none"
)

// BodyFormat is the encoding of a request body.
type BodyFormat string

// The body formats.
const (
	FormatForm BodyFormat = "form"
	FormatJSON BodyFormat = "json"
)

// Endpoint is a token, refresh, revoke or login API.
type Endpoint struct {
	// URL of the API; a refresh or revoke endpoint without one uses the
	// token URL or the issuer's metadata.
	URL Template `json:"url,omitempty"`
	// Method is the HTTP method (default POST).
	Method string `json:"method,omitempty" jsonschema:"enum=GET,enum=POST,enum=PUT,enum=PATCH,enum=DELETE"`
	// ClientAuth is where the client ID and secret go: basic (an
	// Authorization: Basic header, the default), body (form parameters) or
	// none. Never both.
	ClientAuth ClientAuth `json:"client_auth,omitempty" jsonschema:"enum=basic,enum=body,enum=none"`
	// BasicRaw builds the Basic header from the raw client ID and secret, for
	// providers that do not decode RFC 6749 section 2.3.1's form-encoding.
	BasicRaw bool `json:"basic_raw,omitempty"`
	// ClientID is the OAuth 2.0 client ID (usually {{ fields.client_id }}).
	ClientID Template `json:"client_id,omitempty"`
	// ClientSecret is the OAuth 2.0 client secret (usually
	// {{ fields.client_secret }}).
	ClientSecret Template `json:"client_secret,omitempty"`
	// GrantType overrides the grant_type parameter (for example
	// account_credentials for Zoom).
	GrantType string `json:"grant_type,omitempty"`
	// Scope is the space-delimited, case-sensitive list of scopes requested.
	Scope Template `json:"scope,omitempty"`
	// ScopeDelimiter joins the scopes when they are sent: " " (the
	// default) or "," (see Authorize.ScopeDelimiter).
	ScopeDelimiter ScopeDelimiter `json:"scope_delimiter,omitempty"`
	// IncludeScope sends the scope parameter (default true).
	IncludeScope *bool `json:"include_scope,omitempty"`
	// Format is the request body encoding: form (default) or json.
	Format BodyFormat `json:"format,omitempty" jsonschema:"enum=form,enum=json"`
	// Params are extra body parameters.
	Params map[string]Template `json:"params,omitempty"`
	// Query are extra query parameters.
	Query map[string]Template `json:"query,omitempty"`
	// Headers are extra request headers.
	Headers map[string]Template `json:"headers,omitempty"`
	// Response says where the token response keeps its values.
	Response *TokenResponse `json:"response,omitempty"`
	// Retry bounds retries of failed requests to this API.
	Retry *Retry `json:"retry,omitempty"`
}

// ExpiryFormat is how a token response states its expiry.
type ExpiryFormat string

// The expiry formats.
const (
	ExpirySeconds      ExpiryFormat = "seconds"
	ExpiryMilliseconds ExpiryFormat = "milliseconds"
	ExpiryUnix         ExpiryFormat = "unix"
	ExpiryUnixMillis   ExpiryFormat = "unix_ms"
	ExpiryRFC3339      ExpiryFormat = "rfc3339"
)

// TokenResponse maps a token response to the token's values. Each value is a
// path: dot-separated keys into the JSON (or form-encoded) body, such as
// data.token, or header:NAME for a response header.
type TokenResponse struct {
	// AccessToken is the path of the access token (default access_token).
	AccessToken string `json:"access_token,omitempty"`
	// RefreshToken is the path of the refresh token (default refresh_token).
	RefreshToken string `json:"refresh_token,omitempty"`
	// TokenType is the path of the token type (default token_type).
	TokenType string `json:"token_type,omitempty"`
	// Scope is the path of the granted scope (default scope).
	Scope string `json:"scope,omitempty"`
	// ExpiresIn is the path of the expiry (default expires_in).
	ExpiresIn string `json:"expires_in,omitempty"`
	// ExpiryFormat is how the expiry is given: seconds (default) or
	// milliseconds from now, unix or unix_ms absolute epoch time, rfc3339.
	ExpiryFormat ExpiryFormat `json:"expiry_format,omitempty" jsonschema:"enum=seconds,enum=milliseconds,enum=unix,enum=unix_ms,enum=rfc3339"`
	// Keep names further values to keep for later use as {{ token.NAME }},
	// each with its path (for example instance_url: instance_url).
	Keep map[string]string `json:"keep,omitempty"`
}

// Retry bounds the retries of a token, refresh or login request.
type Retry struct {
	// Attempts is the total number of attempts (default 3).
	Attempts int `json:"attempts,omitempty" jsonschema:"minimum=1,maximum=10"`
	// MaxWait is the longest wait between two attempts (default 60s).
	MaxWait Duration `json:"max_wait,omitempty"`
}

// RenewOn says which API responses mean the access token must be renewed.
type RenewOn struct {
	// Status lists the HTTP statuses that renew (default [401]).
	Status []int `json:"status,omitempty"`
	// Body lists regular expressions; a response body matching one renews.
	Body []string `json:"body,omitempty"`
}

// Apply says how credentials go on every API request.
type Apply struct {
	// Headers are set on every API request.
	Headers map[string]Template `json:"headers,omitempty"`
	// Query parameters are set on every API request.
	Query map[string]Template `json:"query,omitempty"`
	// QueryRequired acknowledges that the provider's documentation requires
	// a credential in the query string (RFC 6750 section 2.3, RFC 9700
	// section 4.3.2 advise against it).
	QueryRequired bool `json:"query_required,omitempty"`
}

// Defaults are parameters every API request carries.
type Defaults struct {
	// Query parameters added to every API request.
	Query map[string]Template `json:"query,omitempty"`
	// Headers added to every API request.
	Headers map[string]Template `json:"headers,omitempty"`
}

// HTTPOptions tune the connection's HTTP transport.
type HTTPOptions struct {
	// FollowRedirects lets API requests follow redirects inside the
	// whitelist (default false). Token requests never follow redirects.
	FollowRedirects bool `json:"follow_redirects,omitempty"`
	// MaxRedirects bounds the redirects followed (default 5).
	MaxRedirects int `json:"max_redirects,omitempty" jsonschema:"minimum=1,maximum=20"`
	// Timeout bounds one request (default 30s).
	Timeout Duration `json:"timeout,omitempty"`
}

// Request is a declarative API request.
type Request struct {
	// Method is the HTTP method (default GET).
	Method string `json:"method,omitempty" jsonschema:"enum=GET,enum=HEAD,enum=POST,enum=PUT,enum=PATCH,enum=DELETE"`
	// Path is resolved against the base URL. Exactly one of Path and URL.
	Path Template `json:"path,omitempty"`
	// URL is an absolute URL, for an API outside the base URL.
	URL Template `json:"url,omitempty"`
	// Query parameters of the request.
	Query map[string]Template `json:"query,omitempty"`
	// Headers of the request.
	Headers map[string]Template `json:"headers,omitempty"`
	// Format is the body encoding: json (default) or form.
	Format BodyFormat `json:"format,omitempty" jsonschema:"enum=form,enum=json"`
	// Body is the request body; strings in it are templates.
	Body any `json:"body,omitempty"`
}

// Test is the call that proves the connection works.
type Test struct {
	// Request is the call, usually GET of the current user or account.
	Request Request `json:"request"`
	// Expect is the success rule.
	Expect *Expect `json:"expect,omitempty"`
	// ReadOnly acknowledges that the provider documents a test call with a
	// method other than GET or HEAD as read-only (Dropbox's
	// POST users/get_current_account).
	ReadOnly bool `json:"read_only,omitempty"`
}

// Expect is a success rule for a response.
type Expect struct {
	// Status lists the accepted statuses (default any 2xx).
	Status []int `json:"status,omitempty"`
	// Present lists response paths that must exist.
	Present []string `json:"present,omitempty"`
}

// Action is a named declarative request a platform can run.
type Action struct {
	// Description says what the action does.
	Description string `json:"description,omitempty"`
	// Input declares the action's inputs, used as {{ input.KEY }}.
	Input []Input `json:"input,omitempty"`
	Request
}

// InputType is the type of an action input.
type InputType string

// The input types.
const (
	InputString  InputType = "string"
	InputNumber  InputType = "number"
	InputBoolean InputType = "boolean"
)

// Input is one input of an action.
type Input struct {
	// Key names the input in templates: {{ input.KEY }}.
	Key string `json:"key" jsonschema:"pattern=^[a-z][a-z0-9_]*$"`
	// Type is the input's type (default string).
	Type InputType `json:"type,omitempty" jsonschema:"enum=string,enum=number,enum=boolean"`
	// Required inputs must be given.
	Required bool `json:"required,omitempty"`
	// Default is used when the input is not given.
	Default Scalar `json:"default,omitempty"`
	// Description says what the input means.
	Description string `json:"description,omitempty"`
}
