package oauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/connkit/connkit/sdk/tokens"
)

// Metadata is the part of an authorization server's metadata (RFC 8414
// section 2, OpenID Connect Discovery 1.0 section 3) that connkit uses.
type Metadata struct {
	// Issuer is the server's issuer identifier; it is identical to the
	// configured one.
	Issuer string `json:"issuer"`
	// AuthorizationEndpoint is the authorization endpoint.
	AuthorizationEndpoint string `json:"authorization_endpoint,omitempty"`
	// TokenEndpoint is the token endpoint.
	TokenEndpoint string `json:"token_endpoint,omitempty"`
	// RevocationEndpoint is the RFC 7009 revocation endpoint.
	RevocationEndpoint string `json:"revocation_endpoint,omitempty"`
	// ScopesSupported lists the scopes the server announces.
	ScopesSupported []string `json:"scopes_supported,omitempty"`
	// GrantTypesSupported lists the grant types the server announces.
	GrantTypesSupported []string `json:"grant_types_supported,omitempty"`
	// TokenEndpointAuthMethodsSupported lists the client authentication
	// methods of the token endpoint.
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported,omitempty"`
	// CodeChallengeMethodsSupported lists the PKCE methods.
	CodeChallengeMethodsSupported []string `json:"code_challenge_methods_supported,omitempty"`
	// AuthorizationResponseIssParameterSupported announces that every
	// authorization response carries iss (RFC 9207).
	AuthorizationResponseIssParameterSupported bool `json:"authorization_response_iss_parameter_supported,omitempty"`
}

// maxMetadata bounds a metadata document.
const maxMetadata = 1 << 20

// ParseMetadata reads a metadata document and checks it: a JSON object
// whose issuer is identical to issuer (RFC 8414 section 3.3), whose
// endpoints are absolute http(s) URLs. Fields of the wrong type are errors.
func ParseMetadata(body []byte, issuer string) (*Metadata, error) {
	var m Metadata
	d := json.NewDecoder(bytes.NewReader(body))
	if err := d.Decode(&m); err != nil {
		return nil, fmt.Errorf("the metadata is not a JSON object of the expected shape: %v", cleanJSONError(err))
	}
	if d.More() {
		return nil, errors.New("the metadata has data after its JSON object")
	}
	if m.Issuer == "" {
		return nil, errors.New("the metadata has no issuer")
	}
	if m.Issuer != issuer {
		return nil, &IssuerMismatchError{Want: issuer, Got: clean(m.Issuer)}
	}
	for _, ep := range []struct{ name, value string }{
		{"authorization_endpoint", m.AuthorizationEndpoint},
		{"token_endpoint", m.TokenEndpoint},
		{"revocation_endpoint", m.RevocationEndpoint},
	} {
		if ep.value == "" {
			continue
		}
		if _, err := httpURL(ep.value); err != nil {
			return nil, fmt.Errorf("the metadata's %s %s", ep.name, clean(err.Error()))
		}
	}
	return &m, nil
}

// cleanJSONError keeps a JSON error's message short and free of the input.
func cleanJSONError(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("%s is a JSON %s, want %s", te.Field, te.Value, te.Type)
	}
	return clean(err.Error())
}

// IssuerMismatchError is a metadata document that names another issuer than
// the one configured: it must not be used (RFC 8414 section 3.3).
type IssuerMismatchError struct {
	// Want is the configured issuer.
	Want string
	// Got is the issuer the metadata names.
	Got string
}

// Error names both issuers.
func (e *IssuerMismatchError) Error() string {
	return fmt.Sprintf("the metadata names the issuer %q, not the configured %q; such metadata must not be used (RFC 8414 section 3.3)", e.Got, e.Want)
}

// Hint says what to fix.
func (e *IssuerMismatchError) Hint() string {
	return "set auth.issuer to the issuer identifier exactly as the provider's metadata states it (scheme, host, path and trailing slash)"
}

// WellKnownURLs returns the metadata URLs of an issuer, in the order they are
// tried: RFC 8414 (the well-known segment inserted between the host and the
// issuer's path), then OpenID Connect Discovery (the segment appended to the
// issuer). The issuer must be an absolute http(s) URL without query or
// fragment.
func WellKnownURLs(issuer string) ([]string, error) {
	u, err := httpURL(issuer)
	if err != nil {
		return nil, fmt.Errorf("issuer %w", err)
	}
	if u.RawQuery != "" || u.ForceQuery {
		return nil, fmt.Errorf("issuer %s has a query, which an issuer identifier must not have (RFC 8414 section 2)", redact(issuer))
	}
	path := strings.TrimSuffix(u.EscapedPath(), "/")
	origin := u.Scheme + "://" + u.Host
	return []string{
		origin + "/.well-known/oauth-authorization-server" + path,
		origin + path + "/.well-known/openid-configuration",
	}, nil
}

// DefaultMetadataTTL is how long Discovery keeps a metadata document.
const DefaultMetadataTTL = time.Hour

// discoveryTimeout bounds one discovery, whoever waits for it.
const discoveryTimeout = 30 * time.Second

// Discovery reads authorization server metadata and caches it per issuer. It
// is safe for concurrent use; concurrent requests for one issuer share one
// fetch. A failed fetch is not cached.
type Discovery struct {
	// HTTP sends the requests: a whitelisted client. An *http.Client is
	// used as a copy that does not follow redirects (a metadata document
	// that moved is an error).
	HTTP tokens.Doer
	// TTL is how long a document is kept (default DefaultMetadataTTL).
	TTL time.Duration
	// Now returns the current time (default time.Now).
	Now func() time.Time

	mu    sync.Mutex
	cache map[string]cached
	group singleflight.Group
}

type cached struct {
	m       *Metadata
	expires time.Time
}

// DiscoveryError is an issuer whose metadata could not be read.
type DiscoveryError struct {
	// Issuer is the configured issuer.
	Issuer string
	// Err joins what went wrong at each metadata URL.
	Err error
}

// Error names the issuer and the causes.
func (e *DiscoveryError) Error() string {
	return fmt.Sprintf("discover the metadata of issuer %s: %v", e.Issuer, e.Err)
}

// Unwrap returns the causes.
func (e *DiscoveryError) Unwrap() error { return e.Err }

// Hint says what to check, unless a cause has a hint of its own.
func (e *DiscoveryError) Hint() string {
	var h interface{ Hint() string }
	if errors.As(e.Err, &h) {
		return h.Hint()
	}
	return "check auth.issuer (the provider's issuer identifier, whose metadata is at /.well-known/oauth-authorization-server or /.well-known/openid-configuration), that the whitelist covers it, or give the endpoint URLs in the manifest instead"
}

// Metadata returns the issuer's metadata, from the cache when it is fresh.
// The document is shared: callers must not modify it.
func (d *Discovery) Metadata(ctx context.Context, issuer string) (*Metadata, error) {
	now := d.now()
	d.mu.Lock()
	c, ok := d.cache[issuer]
	d.mu.Unlock()
	if ok && now.Before(c.expires) {
		return c.m, nil
	}
	ch := d.group.DoChan(issuer, func() (any, error) {
		// The fetch serves every waiter: it outlives the caller that
		// started it, within its own bound.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), discoveryTimeout)
		defer cancel()
		m, err := d.fetch(fctx, issuer)
		if err != nil {
			return nil, err
		}
		ttl := d.TTL
		if ttl <= 0 {
			ttl = DefaultMetadataTTL
		}
		d.mu.Lock()
		if d.cache == nil {
			d.cache = map[string]cached{}
		}
		d.cache[issuer] = cached{m: m, expires: d.now().Add(ttl)}
		d.mu.Unlock()
		return m, nil
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*Metadata), nil
	case <-ctx.Done():
		return nil, &DiscoveryError{Issuer: issuer, Err: ctx.Err()}
	}
}

// fetch tries the well-known URLs in turn. A document that names another
// issuer ends the search: it is a configuration error, not a miss.
func (d *Discovery) fetch(ctx context.Context, issuer string) (*Metadata, error) {
	urls, err := WellKnownURLs(issuer)
	if err != nil {
		return nil, &DiscoveryError{Issuer: issuer, Err: err}
	}
	if d.HTTP == nil {
		return nil, &DiscoveryError{Issuer: issuer, Err: errors.New("oauth.Discovery.HTTP is nil: give it a whitelisted HTTP client")}
	}
	var errs []error
	for _, u := range urls {
		m, err := d.get(ctx, u, issuer)
		if err == nil {
			return m, nil
		}
		var ime *IssuerMismatchError
		if errors.As(err, &ime) || ctx.Err() != nil {
			return nil, &DiscoveryError{Issuer: issuer, Err: err}
		}
		errs = append(errs, err)
	}
	return nil, &DiscoveryError{Issuer: issuer, Err: errors.Join(errs...)}
}

// get reads one metadata URL.
func (d *Discovery) get(ctx context.Context, u, issuer string) (*Metadata, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", u, err)
	}
	req.Header.Set("Accept", "application/json")
	doer := d.HTTP
	if hc, ok := doer.(*http.Client); ok {
		noRedirect := *hc
		noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		doer = &noRedirect
	}
	resp, err := doer.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("%s: %w", u, err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxMetadata+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("%s: read the answer: %w", u, err)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("%s answered HTTP %d", u, resp.StatusCode)
	case len(body) > maxMetadata:
		return nil, fmt.Errorf("%s answered more than %d bytes", u, maxMetadata)
	}
	m, err := ParseMetadata(body, issuer)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", u, err)
	}
	return m, nil
}

func (d *Discovery) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}
