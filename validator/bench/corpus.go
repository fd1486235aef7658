// Package bench generates corpora of realistic connector manifests for the
// benchmarks of the validator and of connkit validate, and for comparing
// them with other JSON Schema validators (scripts/bench-validate.sh).
//
// Manifest i of a corpus is always the same: each is built from a random
// source seeded with i. The corpus mixes every auth type, sandbox and
// production choices, host names from fields and from the token response,
// and four to nine actions with inputs, queries and bodies; a manifest is
// about a hundred lines of YAML, and valid.
package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/connkit/connkit/manifest"
)

// vendors and products make up connector names.
var (
	vendors  = []string{"acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "wonka", "tyrell", "cyberdyne", "soylent", "vandelay", "massive", "oscorp", "aperture", "gringotts"}
	products = []string{"crm", "billing", "tickets", "storage", "mail", "calendar", "hr", "analytics", "shop", "chat"}
	// resources make up the actions' paths: /contacts, /contacts/{id}.
	resources = []string{"contacts", "companies", "deals", "invoices", "orders", "users", "files", "events", "tickets", "notes", "projects", "tasks"}
)

// Manifest returns manifest i of the corpus.
func Manifest(i int) *manifest.Manifest {
	g := &gen{r: rand.New(rand.NewPCG(uint64(i), 0x636f6e6e6b6974))}
	vendor, product := g.pick(vendors), g.pick(products)
	g.host = vendor + ".example"
	m := &manifest.Manifest{
		Connkit:     manifest.Version,
		ID:          fmt.Sprintf("%s-%s-%d", vendor, product, i),
		Name:        fmt.Sprintf("%s %s %d", title(vendor), title(product), i),
		Description: fmt.Sprintf("Records, search and automation in %s %s.", title(vendor), title(product)),
		DocsURL:     "https://developer." + g.host + "/docs/authentication",
		Whitelist:   []string{},
		Defaults: &manifest.Defaults{Headers: map[string]manifest.Template{
			"Accept": "application/json", "User-Agent": "connkit"}},
		HTTP: &manifest.HTTPOptions{Timeout: manifest.Duration(30e9)},
	}
	api := "https://api." + g.host
	switch g.r.IntN(3) {
	case 0: // a sandbox/production choice
		m.Fields = append(m.Fields, manifest.Field{Key: "environment", Label: "Environment", Type: manifest.FieldSelect,
			Default: manifest.Scalar(api), Options: []manifest.Option{
				{Value: "https://sandbox." + g.host, Label: "Sandbox"}, {Value: api, Label: "Production"}}})
		m.BaseURL = "{{ fields.environment }}/v2"
		m.Whitelist = append(m.Whitelist, "https://sandbox."+g.host+"/v2/", api+"/v2/")
	case 1: // a subdomain per account
		m.Fields = append(m.Fields, manifest.Field{Key: "subdomain", Label: "Subdomain", Type: manifest.FieldString,
			Required: true, Pattern: `^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`, Help: "The part before ." + g.host + " in your account's address.",
			Placeholder: "mycompany"})
		m.BaseURL = manifest.Template("https://{{ fields.subdomain }}." + g.host + "/api/v2")
		m.Whitelist = append(m.Whitelist, "https://*."+g.host+"/api/v2/")
	default:
		m.BaseURL = manifest.Template(api + "/v2")
		m.Whitelist = append(m.Whitelist, api+"/v2/")
	}
	m.Auth = g.auth(m)
	m.Test = &manifest.Test{Request: manifest.Request{Method: "GET", Path: "/me"},
		Expect: &manifest.Expect{Status: []int{200}, Present: []string{"id", "account.name"}}}
	m.Label = "{{ response.account.name }} ({{ response.email }})"
	m.Identity = "{{ response.id }}"
	m.Actions = map[string]manifest.Action{}
	for _, res := range g.r.Perm(len(resources))[:2+g.r.IntN(2)] {
		g.actions(m, resources[res])
	}
	return m
}

// gen draws the parts of one manifest.
type gen struct {
	r    *rand.Rand
	host string // the vendor's domain
}

func (g *gen) pick(s []string) string { return s[g.r.IntN(len(s))] }

// field adds a field the user fills in.
func field(m *manifest.Manifest, key, label string, t manifest.FieldType, help string) {
	m.Fields = append(m.Fields, manifest.Field{Key: key, Label: label, Type: t, Required: true, Help: help})
}

// auth returns the manifest's auth section, with its fields and whitelist
// entries; every auth type but none appears about as often.
func (g *gen) auth(m *manifest.Manifest) *manifest.Auth {
	login := "https://login." + g.host
	bearer := &manifest.Apply{Headers: map[string]manifest.Template{"Authorization": "Bearer {{ token.access_token }}"}}
	retry := &manifest.Retry{Attempts: 1 + g.r.IntN(5), MaxWait: manifest.Duration((10 + g.r.IntN(50)) * 1e9)}
	switch manifest.AuthTypes[g.r.IntN(len(manifest.AuthTypes))] {
	case manifest.AuthNone:
		return &manifest.Auth{Type: manifest.AuthNone}
	case manifest.AuthAPIKey:
		field(m, "api_key", "API key", manifest.FieldSecret, "Settings -> API -> Create key")
		return &manifest.Auth{Type: manifest.AuthAPIKey,
			Apply: &manifest.Apply{Headers: map[string]manifest.Template{"X-Api-Key": "{{ fields.api_key }}"}}}
	case manifest.AuthBearer:
		field(m, "token", "Personal access token", manifest.FieldSecret, "Profile -> Developer settings -> Tokens")
		return &manifest.Auth{Type: manifest.AuthBearer,
			Apply: &manifest.Apply{Headers: map[string]manifest.Template{"Authorization": "Bearer {{ fields.token }}"}}}
	case manifest.AuthBasic:
		field(m, "username", "User name", manifest.FieldString, "The e-mail address you sign in with")
		field(m, "password", "API password", manifest.FieldSecret, "Profile -> Security -> API password")
		return &manifest.Auth{Type: manifest.AuthBasic,
			Basic: &manifest.BasicCredentials{Username: "{{ fields.username }}", Password: "{{ fields.password }}"}}
	case manifest.AuthOAuth2ClientCredentials:
		field(m, "client_id", "Client ID", manifest.FieldString, "Developer portal -> Apps -> Credentials")
		field(m, "client_secret", "Client secret", manifest.FieldSecret, "Shown once when the app is created")
		m.Whitelist = append(m.Whitelist, login+"/oauth2/token")
		clientAuth := manifest.ClientAuthBasic
		if g.r.IntN(2) == 0 {
			clientAuth = manifest.ClientAuthBody
		}
		return &manifest.Auth{Type: manifest.AuthOAuth2ClientCredentials,
			Token: &manifest.Endpoint{URL: manifest.Template(login + "/oauth2/token"), ClientAuth: clientAuth,
				ClientID: "{{ fields.client_id }}", ClientSecret: "{{ fields.client_secret }}",
				Scope: "records.read records.write", Params: map[string]manifest.Template{"audience": manifest.Template("https://api." + g.host)},
				Retry: retry},
			RenewBefore: manifest.Duration(60e9), Apply: bearer}
	case manifest.AuthOAuth2AuthorizationCode:
		field(m, "client_id", "Client ID", manifest.FieldString, "Developer portal -> Apps -> OAuth")
		field(m, "client_secret", "Client secret", manifest.FieldSecret, "Developer portal -> Apps -> OAuth")
		m.Whitelist = append(m.Whitelist, login+"/oauth/")
		return &manifest.Auth{Type: manifest.AuthOAuth2AuthorizationCode,
			Authorize: &manifest.Authorize{URL: manifest.Template(login + "/oauth/authorize"), Scope: "openid email records.read offline_access",
				PKCE: manifest.PKCES256, Params: map[string]manifest.Template{"prompt": "consent"},
				RedirectURL: "https://connect.example.com/oauth/callback"},
			Token: &manifest.Endpoint{URL: manifest.Template(login + "/oauth/token"), ClientAuth: manifest.ClientAuthBasic,
				ClientID: "{{ fields.client_id }}", ClientSecret: "{{ fields.client_secret }}",
				Response: &manifest.TokenResponse{AccessToken: "access_token", ExpiresIn: "expires_in"}, Retry: retry},
			Refresh: &manifest.Endpoint{},
			Revoke: &manifest.Endpoint{URL: manifest.Template(login + "/oauth/revoke"),
				ClientID: "{{ fields.client_id }}", ClientSecret: "{{ fields.client_secret }}"},
			Apply: bearer}
	default: // login: a custom token API with a Basic header built from two fields
		field(m, "key_id", "Key ID", manifest.FieldString, "Admin -> API keys")
		field(m, "key_secret", "Key secret", manifest.FieldSecret, "Admin -> API keys")
		m.Whitelist = append(m.Whitelist, login+"/v1/auth/login")
		return &manifest.Auth{Type: manifest.AuthLogin,
			Token: &manifest.Endpoint{URL: manifest.Template(login + "/v1/auth/login"), Method: "POST",
				ClientAuth: manifest.ClientAuthNone, Format: manifest.FormatJSON,
				Headers: map[string]manifest.Template{
					"Authorization": `Basic {{ base64(concat(fields.key_id, ":", fields.key_secret)) }}`},
				Response: &manifest.TokenResponse{AccessToken: "data.token", ExpiresIn: "data.expires_at",
					ExpiryFormat: manifest.ExpiryRFC3339},
				Retry: retry},
			Apply: bearer}
	}
}

// actions adds the list, get and, half of the time, create actions of a
// resource.
func (g *gen) actions(m *manifest.Manifest, res string) {
	m.Actions["list_"+res] = manifest.Action{
		Description: "Lists " + res + ", newest first.",
		Input: []manifest.Input{
			{Key: "limit", Type: manifest.InputNumber, Default: "50", Description: "At most 100."},
			{Key: "cursor", Description: "The next_cursor of the previous page."}},
		Request: manifest.Request{Method: "GET", Path: manifest.Template("/" + res),
			Query: map[string]manifest.Template{"limit": "{{ input.limit }}", "cursor": "{{ default(input.cursor, '') }}", "order": "created_desc"}},
	}
	m.Actions["get_"+res] = manifest.Action{
		Description: "Gets one of the " + res + " by ID.",
		Input:       []manifest.Input{{Key: "id", Required: true, Description: "The ID."}},
		Request:     manifest.Request{Method: "GET", Path: manifest.Template("/" + res + "/{{ urlencode(input.id) }}")},
	}
	if g.r.IntN(2) == 0 {
		m.Actions["create_"+res] = manifest.Action{
			Description: "Creates one of the " + res + ".",
			Input: []manifest.Input{{Key: "name", Required: true}, {Key: "notes"},
				{Key: "public", Type: manifest.InputBoolean, Default: "false"}},
			Request: manifest.Request{Method: "POST", Path: manifest.Template("/" + res), Format: manifest.FormatJSON,
				Body: map[string]any{"name": "{{ input.name }}", "notes": "{{ default(input.notes, '') }}", "public": "{{ input.public }}"}},
		}
	}
}

// title capitalizes the first letter of an ASCII word.
func title(s string) string { return string(s[0]-'a'+'A') + s[1:] }

// Encode renders m in the given syntax: indented JSON, or block-style YAML
// with the keys in the same order.
func Encode(m *manifest.Manifest, syntax manifest.Syntax) ([]byte, error) {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode manifest %s: %w", m.ID, err)
	}
	if syntax == manifest.SyntaxJSON {
		return append(data, '\n'), nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("encode manifest %s as YAML: %w", m.ID, err)
	}
	yamlStyle(&doc)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, fmt.Errorf("encode manifest %s as YAML: %w", m.ID, err)
	}
	return buf.Bytes(), nil
}

// yamlStyle restyles a node tree read from JSON the way people write
// manifests: block style, except short collections of scalars, which are
// written inline ([200], {key: id, required: true}); templates in double
// quotes, other strings plain where YAML allows.
func yamlStyle(n *yaml.Node) {
	n.Style = 0
	switch n.Kind {
	case yaml.ScalarNode:
		if strings.Contains(n.Value, "{{") {
			n.Style = yaml.DoubleQuotedStyle
		}
		return
	case yaml.MappingNode, yaml.SequenceNode:
		size := 0
		for _, c := range n.Content {
			yamlStyle(c)
			if c.Kind != yaml.ScalarNode {
				size = maxInline
			}
			size += len(c.Value) + 2
		}
		if size < maxInline {
			n.Style = yaml.FlowStyle
		}
	default:
		for _, c := range n.Content {
			yamlStyle(c)
		}
	}
}

// maxInline bounds the text of a collection written inline.
const maxInline = 60

// WriteCorpus writes manifests 0 to n-1 to dir (created if needed) in the
// given syntax, as NNNNN.yaml or NNNNN.json, and returns their paths.
func WriteCorpus(dir string, n int, syntax manifest.Syntax) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("write corpus: %w", err)
	}
	paths := make([]string, n)
	for i := range n {
		data, err := Encode(Manifest(i), syntax)
		if err != nil {
			return nil, err
		}
		paths[i] = filepath.Join(dir, fmt.Sprintf("%05d.%s", i, syntax))
		if err := os.WriteFile(paths[i], data, 0o644); err != nil {
			return nil, fmt.Errorf("write corpus: %w", err)
		}
	}
	return paths, nil
}
