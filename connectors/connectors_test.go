package connectors_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/big"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/manifest/interp"
	"github.com/connkit/connkit/sdk"
	"github.com/connkit/connkit/validator"
	"github.com/connkit/connkit/whitelist"
)

// The authorization-code grant without a browser: the consent page is
// skipped, and the callback carries this code and the state Authorize drew.
const (
	testCode    = "code-from-the-consent-page"
	redirectURL = "https://platform.example/oauth/callback"
)

// connectorCase is one auth method of one connector, and what its provider
// sees of a connection: the token request (if any), the test call and one
// action. Requests are written "METHOD https://host/path" (no query).
type connectorCase struct {
	file   string // the manifest, NAME.yaml in this directory
	method string // the auth method's key; "" for a single auth section
	values sdk.Values

	// authorize is the authorization URL without its query, and
	// authorizeParams parameters it must carry besides response_type,
	// client_id, redirect_uri, state and the PKCE challenge.
	authorize       string
	authorizeParams map[string]string

	// token is the token (or login) request; "" for static credentials.
	token string
	// tokenAuth is its Authorization header ("" when it must have none).
	tokenAuth string
	// tokenParams are body parameters it must carry; "" means absent and
	// "*" any value. For the authorization-code grant the code exchange's
	// own parameters are checked as well.
	tokenParams  map[string]string
	tokenHeaders map[string]string
	// tokenAnswer holds members the provider sends besides those the
	// manifest's response mapping reads, which the stand-in synthesises.
	tokenAnswer map[string]any
	// keep gives the values of the response mapping's keep entries.
	keep map[string]string
	// noExpiry leaves the expiry out of the token answer.
	noExpiry bool

	// cred is the "Header: value" every API request carries; $TOKEN stands
	// for the access token the stand-in issued.
	cred string
	// apiHeaders are further headers every API request carries.
	apiHeaders map[string]string

	test   string
	action string
	input  map[string]any
	act    string
	// actHeaders are headers the action sends; actBody its body, normalised
	// (JSON compact with sorted keys, a form sorted), when checked.
	actHeaders map[string]string
	actBody    string
}

func basic(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

var cases = []connectorCase{
	{
		file:      "atlassian.yaml",
		values:    sdk.Values{"client_id": "atl-client", "client_secret": "atl-secret", "redirect_url": redirectURL},
		authorize: "https://auth.atlassian.com/authorize",
		authorizeParams: map[string]string{"audience": "api.atlassian.com", "prompt": "consent",
			"scope": "read:me read:jira-user read:jira-work write:jira-work offline_access"},
		token:       "POST https://auth.atlassian.com/oauth/token",
		tokenParams: map[string]string{"client_id": "atl-client", "client_secret": "atl-secret"},
		cred:        "Authorization: Bearer $TOKEN",
		test:        "GET https://api.atlassian.com/me",
		action:      "create_issue",
		input:       map[string]any{"cloud_id": "1324a887-45db-1bf4-1e99-ef0ff456d421", "project_key": "ABC", "summary": "Printer on fire"},
		act:         "POST https://api.atlassian.com/ex/jira/1324a887-45db-1bf4-1e99-ef0ff456d421/rest/api/3/issue",
		actBody:     `{"fields":{"issuetype":{"name":"Task"},"project":{"key":"ABC"},"summary":"Printer on fire"}}`,
	},
	{
		file:   "auth0.yaml",
		values: sdk.Values{"domain": "acme.us.auth0.com", "client_id": "a0client", "client_secret": "a0secret"},
		token:  "POST https://acme.us.auth0.com/oauth/token",
		tokenParams: map[string]string{"grant_type": "client_credentials", "client_id": "a0client", "client_secret": "a0secret",
			"audience": "https://acme.us.auth0.com/api/v2/", "scope": ""},
		cred:   "Authorization: Bearer $TOKEN",
		test:   "GET https://acme.us.auth0.com/api/v2/clients/a0client",
		action: "search_users",
		input:  map[string]any{"q": `email:"jane@example.com"`},
		act:    "GET https://acme.us.auth0.com/api/v2/users",
	},
	{
		file:            "dropbox.yaml",
		values:          sdk.Values{"client_id": "dbxkey", "client_secret": "dbxsecret", "redirect_url": redirectURL},
		authorize:       "https://www.dropbox.com/oauth2/authorize",
		authorizeParams: map[string]string{"token_access_type": "offline"},
		token:           "POST https://api.dropboxapi.com/oauth2/token",
		tokenAuth:       basic("dbxkey", "dbxsecret"),
		tokenParams:     map[string]string{"client_secret": ""},
		cred:            "Authorization: Bearer $TOKEN",
		test:            "POST https://api.dropboxapi.com/2/users/get_current_account",
		action:          "list_folder",
		input:           map[string]any{"path": ""}, // the root
		act:             "POST https://api.dropboxapi.com/2/files/list_folder",
		actBody:         `{"limit":500,"path":"","recursive":false}`,
	},
	{
		file:       "github.yaml",
		method:     "token",
		values:     sdk.Values{"token": "ghp_16C7e42F292c6912E7710c838347Ae178B4a"},
		cred:       "Authorization: Bearer ghp_16C7e42F292c6912E7710c838347Ae178B4a",
		apiHeaders: map[string]string{"X-GitHub-Api-Version": "2022-11-28", "Accept": "application/vnd.github+json"},
		test:       "GET https://api.github.com/user",
		action:     "create_issue",
		input:      map[string]any{"owner": "octocat", "repo": "hello-world", "title": "Found a bug"},
		act:        "POST https://api.github.com/repos/octocat/hello-world/issues",
		actBody:    `{"title":"Found a bug"}`,
	},
	{
		file:            "github.yaml",
		method:          "oauth",
		values:          sdk.Values{"client_id": "Iv1.8a61f9b3a7aba766", "client_secret": "ghsecret", "redirect_url": redirectURL},
		authorize:       "https://github.com/login/oauth/authorize",
		authorizeParams: map[string]string{"scope": "read:user repo"},
		token:           "POST https://github.com/login/oauth/access_token",
		tokenParams:     map[string]string{"client_id": "Iv1.8a61f9b3a7aba766", "client_secret": "ghsecret"},
		tokenHeaders:    map[string]string{"Accept": "application/json"},
		cred:            "Authorization: Bearer $TOKEN",
		test:            "GET https://api.github.com/user",
		action:          "list_repos",
		act:             "GET https://api.github.com/user/repos",
	},
	{
		file:      "google.yaml",
		values:    sdk.Values{"client_id": "1234567890-abc123def456.apps.googleusercontent.com", "client_secret": "GOCSPX-secret", "redirect_url": redirectURL},
		authorize: "https://accounts.google.com/o/oauth2/v2/auth",
		authorizeParams: map[string]string{"access_type": "offline", "prompt": "consent", "include_granted_scopes": "true",
			"scope": "openid email profile https://www.googleapis.com/auth/calendar.readonly https://www.googleapis.com/auth/drive.metadata.readonly"},
		token:       "POST https://oauth2.googleapis.com/token",
		tokenParams: map[string]string{"client_id": "1234567890-abc123def456.apps.googleusercontent.com", "client_secret": "GOCSPX-secret"},
		cred:        "Authorization: Bearer $TOKEN",
		test:        "GET https://www.googleapis.com/oauth2/v3/userinfo",
		action:      "list_events",
		input:       map[string]any{"time_min": "2025-01-01T00:00:00Z", "time_max": "2025-02-01T00:00:00Z"},
		act:         "GET https://www.googleapis.com/calendar/v3/calendars/primary/events",
	},
	{
		file:    "hubspot.yaml",
		method:  "private_app",
		values:  sdk.Values{"access_token": "pat-na1-11111111-2222-3333-4444-555555555555"},
		cred:    "Authorization: Bearer pat-na1-11111111-2222-3333-4444-555555555555",
		test:    "GET https://api.hubapi.com/account-info/v3/details",
		action:  "create_contact",
		input:   map[string]any{"email": "jane@example.com", "firstname": "Jane", "lastname": "Doe"},
		act:     "POST https://api.hubapi.com/crm/v3/objects/contacts",
		actBody: `{"properties":{"email":"jane@example.com","firstname":"Jane","lastname":"Doe"}}`,
	},
	{
		file:            "hubspot.yaml",
		method:          "oauth",
		values:          sdk.Values{"client_id": "hs-client", "client_secret": "hs-secret", "redirect_url": redirectURL},
		authorize:       "https://app.hubspot.com/oauth/authorize",
		authorizeParams: map[string]string{"scope": "oauth crm.objects.contacts.read crm.objects.contacts.write crm.objects.companies.read"},
		token:           "POST https://api.hubapi.com/oauth/v1/token",
		tokenParams:     map[string]string{"client_id": "hs-client", "client_secret": "hs-secret"},
		cred:            "Authorization: Bearer $TOKEN",
		test:            "GET https://api.hubapi.com/account-info/v3/details",
		action:          "find_contact_by_email",
		input:           map[string]any{"email": "jane@example.com"},
		act:             "POST https://api.hubapi.com/crm/v3/objects/contacts/search",
		actBody:         `{"filterGroups":[{"filters":[{"operator":"EQ","propertyName":"email","value":"jane@example.com"}]}],"limit":1,"properties":["email","firstname","lastname"]}`,
	},
	{
		file:        "jamf-pro.yaml",
		method:      "api_client",
		values:      sdk.Values{"instance": "acme", "client_id": "jamf-client", "client_secret": "jamf-secret"},
		token:       "POST https://acme.jamfcloud.com/api/oauth/token",
		tokenParams: map[string]string{"grant_type": "client_credentials", "client_id": "jamf-client", "client_secret": "jamf-secret", "scope": ""},
		cred:        "Authorization: Bearer $TOKEN",
		test:        "GET https://acme.jamfcloud.com/api/v1/jamf-pro-version",
		action:      "list_computers",
		act:         "GET https://acme.jamfcloud.com/api/v1/computers-inventory",
	},
	{
		file:        "jamf-pro.yaml",
		method:      "login",
		values:      sdk.Values{"instance": "acme", "username": "api-user", "password": "pa55word"},
		token:       "POST https://acme.jamfcloud.com/api/v1/auth/token",
		tokenAuth:   basic("api-user", "pa55word"),
		tokenParams: map[string]string{"grant_type": ""},
		cred:        "Authorization: Bearer $TOKEN",
		test:        "GET https://acme.jamfcloud.com/api/v1/jamf-pro-version",
		action:      "get_computer",
		input:       map[string]any{"computer_id": "42"},
		act:         "GET https://acme.jamfcloud.com/api/v1/computers-inventory-detail/42",
	},
	{
		file:    "mailchimp.yaml",
		values:  sdk.Values{"api_key": "0123456789abcdef0123456789abcdef-us21", "dc": "us21"},
		cred:    "Authorization: " + basic("connkit", "0123456789abcdef0123456789abcdef-us21"),
		test:    "GET https://us21.api.mailchimp.com/3.0/",
		action:  "add_member",
		input:   map[string]any{"list_id": "57afe96172", "email": "jane@example.com"},
		act:     "POST https://us21.api.mailchimp.com/3.0/lists/57afe96172/members",
		actBody: `{"email_address":"jane@example.com","status":"pending"}`,
	},
	{
		file: "microsoft-graph-delegated.yaml",
		values: sdk.Values{"tenant": "organizations", "client_id": "6731de76-14a6-49ae-97bc-6eba6914391e",
			"client_secret": "ms-secret", "redirect_url": redirectURL},
		authorize: "https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize",
		authorizeParams: map[string]string{"response_mode": "query", "prompt": "select_account",
			"scope": "openid profile email offline_access User.Read Mail.Read Mail.Send Calendars.Read"},
		token:       "POST https://login.microsoftonline.com/organizations/oauth2/v2.0/token",
		tokenParams: map[string]string{"client_id": "6731de76-14a6-49ae-97bc-6eba6914391e", "client_secret": "ms-secret"},
		cred:        "Authorization: Bearer $TOKEN",
		test:        "GET https://graph.microsoft.com/v1.0/me",
		action:      "send_mail",
		input:       map[string]any{"to": "jane@example.com", "subject": "Hello", "text": "Hi Jane"},
		act:         "POST https://graph.microsoft.com/v1.0/me/sendMail",
		actBody:     `{"message":{"body":{"content":"Hi Jane","contentType":"Text"},"subject":"Hello","toRecipients":[{"emailAddress":{"address":"jane@example.com"}}]},"saveToSentItems":true}`,
	},
	{
		file: "microsoft-graph.yaml",
		values: sdk.Values{"tenant": "72f988bf-86f1-41af-91ab-2d7cd011db47", "client_id": "6731de76-14a6-49ae-97bc-6eba6914391e",
			"client_secret": "ms-secret"},
		token: "POST https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token",
		tokenParams: map[string]string{"grant_type": "client_credentials", "client_id": "6731de76-14a6-49ae-97bc-6eba6914391e",
			"client_secret": "ms-secret", "scope": "https://graph.microsoft.com/.default"},
		cred:   "Authorization: Bearer $TOKEN",
		test:   "GET https://graph.microsoft.com/v1.0/organization/72f988bf-86f1-41af-91ab-2d7cd011db47",
		action: "list_group_members",
		input:  map[string]any{"group_id": "02bd9fd6-8f93-4758-87c3-1fb73740a315"},
		act:    "GET https://graph.microsoft.com/v1.0/groups/02bd9fd6-8f93-4758-87c3-1fb73740a315/members",
	},
	{
		file:       "notion.yaml",
		values:     sdk.Values{"token": "ntn_4567abcdEFGH"},
		cred:       "Authorization: Bearer ntn_4567abcdEFGH",
		apiHeaders: map[string]string{"Notion-Version": "2022-06-28"},
		test:       "GET https://api.notion.com/v1/users/me",
		action:     "search",
		input:      map[string]any{"query": "Roadmap"},
		act:        "POST https://api.notion.com/v1/search",
		actBody:    `{"page_size":25,"query":"Roadmap"}`,
	},
	{
		file:   "okta.yaml",
		values: sdk.Values{"org": "acme", "okta_domain": "oktapreview.com", "api_token": "00abcDEF"},
		cred:   "Authorization: SSWS 00abcDEF",
		test:   "GET https://acme.oktapreview.com/api/v1/users/me",
		action: "deactivate_user",
		input:  map[string]any{"user_id": "00u1ab2cd3EF4gh5"},
		act:    "POST https://acme.oktapreview.com/api/v1/users/00u1ab2cd3EF4gh5/lifecycle/deactivate",
	},
	{
		file:        "paypal.yaml",
		values:      sdk.Values{"environment": "https://api-m.sandbox.paypal.com", "client_id": "pp-client", "client_secret": "pp-secret"},
		token:       "POST https://api-m.sandbox.paypal.com/v1/oauth2/token",
		tokenAuth:   basic("pp-client", "pp-secret"),
		tokenParams: map[string]string{"grant_type": "client_credentials", "scope": "", "client_secret": ""},
		cred:        "Authorization: Bearer $TOKEN",
		test:        "GET https://api-m.sandbox.paypal.com/v1/notifications/webhooks",
		action:      "create_order",
		input:       map[string]any{"value": "10.00"},
		act:         "POST https://api-m.sandbox.paypal.com/v2/checkout/orders",
		actHeaders:  map[string]string{"Prefer": "return=representation"},
		actBody:     `{"intent":"CAPTURE","purchase_units":[{"amount":{"currency_code":"USD","value":"10.00"},"reference_id":"default"}]}`,
	},
	{
		file:            "salesforce.yaml",
		values:          sdk.Values{"client_id": "3MVG9sf-consumer", "client_secret": "sf-secret", "redirect_url": redirectURL},
		authorize:       "https://login.salesforce.com/services/oauth2/authorize",
		authorizeParams: map[string]string{"scope": "api id openid refresh_token"},
		token:           "POST https://login.salesforce.com/services/oauth2/token",
		tokenParams:     map[string]string{"client_id": "3MVG9sf-consumer", "client_secret": "sf-secret"},
		// Salesforce answers without expires_in, with the org's API host.
		tokenAnswer: map[string]any{"id": "https://login.salesforce.com/id/00Dxx0000001gPL/005xx000001Sv6e", "signature": "c2ln"},
		noExpiry:    true,
		keep:        map[string]string{"instance_url": "https://acme.my.salesforce.com"},
		cred:        "Authorization: Bearer $TOKEN",
		test:        "GET https://acme.my.salesforce.com/services/oauth2/userinfo",
		action:      "query",
		input:       map[string]any{"soql": "SELECT Id, Name FROM Account LIMIT 10"},
		act:         "GET https://acme.my.salesforce.com/services/data/v60.0/query",
	},
	{
		file:   "shopify.yaml",
		values: sdk.Values{"shop": "acme-store", "access_token": "shpat_0123456789abcdef"},
		cred:   "X-Shopify-Access-Token: shpat_0123456789abcdef",
		test:   "GET https://acme-store.myshopify.com/admin/api/2025-10/shop.json",
		action: "get_order",
		input:  map[string]any{"order_id": "450789469"},
		act:    "GET https://acme-store.myshopify.com/admin/api/2025-10/orders/450789469.json",
	},
	{
		file:            "slack.yaml",
		method:          "bot",
		values:          sdk.Values{"client_id": "1234567890.0987654321", "client_secret": "slack-secret", "redirect_url": redirectURL},
		authorize:       "https://slack.com/oauth/v2/authorize",
		authorizeParams: map[string]string{"scope": "channels:read,channels:history,chat:write,users:read"},
		token:           "POST https://slack.com/api/oauth.v2.access",
		tokenAuth:       basic("1234567890.0987654321", "slack-secret"),
		// A bot token's answer: token_type "bot", never "Bearer".
		tokenAnswer: map[string]any{"ok": true, "token_type": "bot", "scope": "channels:read,chat:write", "bot_user_id": "U0KRQLJ9H",
			"app_id": "A0KRD7HC3", "team": map[string]any{"name": "Acme", "id": "T9TK3CUKW"}},
		cred:    "Authorization: Bearer $TOKEN",
		test:    "GET https://slack.com/api/auth.test",
		action:  "post_message",
		input:   map[string]any{"channel": "C1H9RESGL", "text": "Hello"},
		act:     "POST https://slack.com/api/chat.postMessage",
		actBody: `{"channel":"C1H9RESGL","text":"Hello"}`,
	},
	{
		file:            "slack.yaml",
		method:          "user",
		values:          sdk.Values{"client_id": "1234567890.0987654321", "client_secret": "slack-secret", "redirect_url": redirectURL},
		authorize:       "https://slack.com/oauth/v2/authorize",
		authorizeParams: map[string]string{"user_scope": "channels:read,channels:history,chat:write,users:read", "scope": ""},
		token:           "POST https://slack.com/api/oauth.v2.access",
		tokenAuth:       basic("1234567890.0987654321", "slack-secret"),
		// The user token is nested under authed_user; the top-level token
		// (here a bot's, when bot scopes were asked too) must not be used.
		tokenAnswer: map[string]any{"ok": true, "access_token": "xoxb-the-bot-token-not-the-user-one", "token_type": "bot",
			"authed_user": map[string]any{"id": "U1234", "token_type": "user"}, "team": map[string]any{"id": "T9TK3CUKW"}},
		cred:   "Authorization: Bearer $TOKEN",
		test:   "GET https://slack.com/api/auth.test",
		action: "channel_history",
		input:  map[string]any{"channel": "C1H9RESGL"},
		act:    "GET https://slack.com/api/conversations.history",
	},
	{
		file:            "spotify.yaml",
		values:          sdk.Values{"client_id": "0123456789abcdef0123456789abcdef", "client_secret": "sp-secret", "redirect_url": redirectURL},
		authorize:       "https://accounts.spotify.com/authorize",
		authorizeParams: map[string]string{"scope": "user-read-private user-read-email playlist-read-private user-read-recently-played"},
		token:           "POST https://accounts.spotify.com/api/token",
		tokenAuth:       basic("0123456789abcdef0123456789abcdef", "sp-secret"),
		cred:            "Authorization: Bearer $TOKEN",
		test:            "GET https://api.spotify.com/v1/me",
		action:          "search",
		input:           map[string]any{"q": "artist:Miles Davis"},
		act:             "GET https://api.spotify.com/v1/search",
	},
	{
		file:       "stripe.yaml",
		values:     sdk.Values{"secret_key": "sk_test_4eC39HqLyjWDarjtT1zdp7dc"},
		cred:       "Authorization: Bearer sk_test_4eC39HqLyjWDarjtT1zdp7dc",
		test:       "GET https://api.stripe.com/v1/account",
		action:     "create_payment_intent",
		input:      map[string]any{"amount": 2000, "customer": "cus_NffrFeUfNV2Hib", "idempotency_key": "8e03978e-40d5-43e8-bc93-6894a57f9324"},
		act:        "POST https://api.stripe.com/v1/payment_intents",
		actHeaders: map[string]string{"Idempotency-Key": "8e03978e-40d5-43e8-bc93-6894a57f9324"},
		actBody:    `amount=2000&automatic_payment_methods%5Benabled%5D=true&currency=usd&customer=cus_NffrFeUfNV2Hib`,
	},
	{
		file:    "twilio.yaml",
		method:  "api_key",
		values:  sdk.Values{"account_sid": "AC0123456789abcdef0123456789abcdef", "api_key_sid": "SK0123456789abcdef0123456789abcdef", "api_key_secret": "tw-secret"},
		cred:    "Authorization: " + basic("SK0123456789abcdef0123456789abcdef", "tw-secret"),
		test:    "GET https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef.json",
		action:  "send_sms",
		input:   map[string]any{"to": "+15558675310", "from": "+15017122661", "body": "Hi"},
		act:     "POST https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json",
		actBody: `Body=Hi&From=%2B15017122661&To=%2B15558675310`,
	},
	{
		file:   "twilio.yaml",
		method: "auth_token",
		values: sdk.Values{"account_sid": "AC0123456789abcdef0123456789abcdef", "auth_token": "tw-auth-token"},
		cred:   "Authorization: " + basic("AC0123456789abcdef0123456789abcdef", "tw-auth-token"),
		test:   "GET https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef.json",
		action: "get_message",
		input:  map[string]any{"message_sid": "SM0123456789abcdef0123456789abcdef"},
		act:    "GET https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages/SM0123456789abcdef0123456789abcdef.json",
	},
	{
		file:    "zendesk.yaml",
		values:  sdk.Values{"subdomain": "acme", "email": "agent@acme.example", "api_token": "zd-token"},
		cred:    "Authorization: " + basic("agent@acme.example/token", "zd-token"),
		test:    "GET https://acme.zendesk.com/api/v2/users/me.json",
		action:  "add_comment",
		input:   map[string]any{"ticket_id": 35436, "comment": "Fixed"},
		act:     "PUT https://acme.zendesk.com/api/v2/tickets/35436.json",
		actBody: `{"ticket":{"comment":{"body":"Fixed","public":true}}}`,
	},
	{
		file:        "zoom.yaml",
		values:      sdk.Values{"account_id": "Ab1Cd2Ef3", "client_id": "zoom-client", "client_secret": "zoom-secret"},
		token:       "POST https://zoom.us/oauth/token",
		tokenAuth:   basic("zoom-client", "zoom-secret"),
		tokenParams: map[string]string{"grant_type": "account_credentials", "account_id": "Ab1Cd2Ef3", "scope": "", "client_secret": ""},
		cred:        "Authorization: Bearer $TOKEN",
		test:        "GET https://api.zoom.us/v2/users/me",
		action:      "create_meeting",
		input:       map[string]any{"topic": "Standup", "start_time": "2025-01-01T09:00:00Z"},
		act:         "POST https://api.zoom.us/v2/users/me/meetings",
		actBody:     `{"duration":30,"start_time":"2025-01-01T09:00:00Z","topic":"Standup","type":2}`,
	},
}

// name names a case in test output.
func (tc *connectorCase) name() string {
	if tc.method == "" {
		return strings.TrimSuffix(tc.file, ".yaml")
	}
	return strings.TrimSuffix(tc.file, ".yaml") + "/" + tc.method
}

// TestValidateStrict: every manifest validates without a finding, warnings
// included (connkit validate --strict).
func TestValidateStrict(t *testing.T) {
	v, err := validator.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range manifestFiles(t) {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range v.Validate(file, data) {
			t.Errorf("%v", d)
		}
	}
}

// TestConnectors runs, for every auth method of every connector, the token
// request (the authorization-code grant's code exchange, without a browser),
// the test call and one action through the runtime against a stand-in for
// the provider: a TLS server on 127.0.0.1 whose certificate names the
// provider's hosts, reached through the operator's ConnectTo and
// AllowPrivateNetworks options while the URLs, the whitelist and the TLS
// names stay the manifest's.
func TestConnectors(t *testing.T) {
	files := manifestFiles(t)
	var lists []*whitelist.List
	for _, file := range files {
		f, err := manifest.Load(file)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		l, err := whitelist.Parse(f.Manifest.Whitelist)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		lists = append(lists, l)
	}
	si := newStandIn(t, lists, cases)
	reg := sdk.NewRegistry(sdk.Options{AllowPrivateNetworks: true, RootCAs: si.pool, ConnectTo: si.connectTo, Resolver: noDNS{}})
	connectors := map[string]*sdk.Connector{}
	for _, file := range files {
		c, err := reg.Load(file)
		if err != nil {
			t.Fatalf("Registry.Load: %v", err)
		}
		connectors[file] = c
	}

	// Every auth method of every connector has a case.
	var want, got []string
	for _, file := range files {
		for _, m := range connectors[file].Methods() {
			if m == sdk.DefaultMethod {
				m = ""
			}
			want = append(want, file+"#"+m)
		}
	}
	for _, tc := range cases {
		got = append(got, tc.file+"#"+tc.method)
	}
	slices.Sort(want)
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("connector auth methods without a case, or cases without one (-methods +cases):\n%s", diff)
	}

	for i := range cases {
		tc := &cases[i]
		t.Run(tc.name(), func(t *testing.T) {
			c := connectors[tc.file]
			if c == nil {
				t.Fatalf("no connector %s", tc.file)
			}
			p := newProvider(t, c.Manifest(), tc)
			si.serve(p)
			defer si.serve(nil)
			conn := p.connect(t, c)
			if conn.Label() == "" || conn.Identity() == "" {
				t.Errorf("label %q, identity %q; want both", conn.Label(), conn.Identity())
			}
			resp, err := conn.Run(context.Background(), tc.action, tc.input)
			if err != nil {
				t.Fatalf("Run(%s): %v (kind %s, hint %q)", tc.action, err, sdk.KindOf(err), sdk.HintOf(err))
			}
			if resp.Status != http.StatusOK {
				t.Errorf("Run(%s): status %d, body %s", tc.action, resp.Status, resp.Body)
			}
			wantHits := map[string]int{"test": 1, "action": 1}
			if tc.token != "" {
				wantHits["token"] = 1
			}
			if diff := cmp.Diff(wantHits, p.counts()); diff != "" {
				t.Errorf("requests the provider answered (-want +got):\n%s", diff)
			}
		})
	}
}

// manifestFiles returns the connector manifests in this directory, sorted.
func manifestFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests: %v", err)
	}
	slices.Sort(files)
	return files
}

// noDNS refuses every lookup: the stand-in is reached through ConnectTo
// only, so a host the test forgot to map fails at once, never on the network.
type noDNS struct{}

func (noDNS) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	return nil, fmt.Errorf("the test resolves no names (%s is not mapped to the stand-in)", host)
}

// standIn is the TLS server that stands in for every provider, one case at
// a time.
type standIn struct {
	pool      *x509.CertPool
	connectTo map[string]string
	mu        sync.Mutex
	p         *provider
}

// newStandIn starts the server with a certificate, from a CA made for the
// test, for every host the whitelists name (wildcards as wildcard names) and
// every host the cases reach, and maps those hosts to it.
func newStandIn(t *testing.T, lists []*whitelist.List, cs []connectorCase) *standIn {
	t.Helper()
	s := &standIn{connectTo: map[string]string{}}
	var names []string
	for _, l := range lists {
		for _, e := range l.Entries() {
			if e.Wildcard {
				names = append(names, "*."+e.Host)
			} else {
				names = append(names, e.Host)
			}
		}
	}
	var hosts []string
	for _, tc := range cs {
		for _, req := range []string{tc.token, tc.test, tc.act} {
			if req != "" {
				_, u := splitRequest(t, req)
				hosts = append(hosts, u.Hostname())
			}
		}
		for _, v := range tc.keep {
			if u, err := url.Parse(v); err == nil && u.Host != "" {
				hosts = append(hosts, u.Hostname())
			}
		}
	}
	names = append(names, hosts...)
	slices.Sort(names)
	cert, pool := issueCertificate(t, slices.Compact(names))
	s.pool = pool

	srv := httptest.NewUnstartedServer(s)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	addr := srv.Listener.Addr().String()
	for _, h := range hosts {
		s.connectTo[h+":443"] = addr
	}
	return s
}

// serve makes p answer the requests; nil answers 503.
func (s *standIn) serve(p *provider) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.p = p
}

// ServeHTTP hands the request to the current provider.
func (s *standIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	p := s.p
	s.mu.Unlock()
	if p == nil {
		http.Error(w, "no provider", http.StatusServiceUnavailable)
		return
	}
	p.ServeHTTP(w, r)
}

// issueCertificate makes a CA and a server certificate it signs for names.
func issueCertificate(t *testing.T, names []string) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "connkit connectors test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		KeyUsage: x509.KeyUsageCertSign, IsCA: true, BasicConstraintsValid: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: names[0]}, DNSNames: names,
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// provider answers one case's requests as the provider would, and checks
// each against the manifest's method, URL and credentials.
type provider struct {
	t    *testing.T
	tc   *connectorCase
	auth *manifest.Auth
	m    *manifest.Manifest
	// reqs are the case's requests by kind (token, test, action), parsed.
	reqs map[string]request
	// credName and credValue are the credential header API requests carry.
	credName, credValue string
	access              string
	mu                  sync.Mutex
	hits                map[string]int
}

// request is a request written as "METHOD https://host/path".
type request struct{ method, host, path string }

func newProvider(t *testing.T, m *manifest.Manifest, tc *connectorCase) *provider {
	t.Helper()
	auth := m.Auth
	for i := range m.AuthMethods {
		if m.AuthMethods[i].Key == tc.method {
			auth = &m.AuthMethods[i].Auth
		}
	}
	if auth == nil {
		t.Fatalf("%s has no auth method %q", tc.file, tc.method)
	}
	p := &provider{t: t, tc: tc, auth: auth, m: m, access: "at-" + strings.ReplaceAll(tc.name(), "/", "-") + "-4f9c",
		reqs: map[string]request{}, hits: map[string]int{}}
	for kind, spec := range map[string]string{"token": tc.token, "test": tc.test, "action": tc.act} {
		if spec != "" {
			method, u := splitRequest(t, spec)
			p.reqs[kind] = request{method, u.Host, u.Path}
		}
	}
	var ok bool
	if p.credName, p.credValue, ok = strings.Cut(strings.ReplaceAll(tc.cred, "$TOKEN", p.access), ": "); !ok {
		t.Fatalf("cred %q is not \"Header: value\"", tc.cred)
	}
	return p
}

// connect connects as a platform would: the authorization-code grant's
// callback is simulated with Authorize and Exchange, other grants obtain
// their token in Connect.
func (p *provider) connect(t *testing.T, c *sdk.Connector) *sdk.Connection {
	t.Helper()
	ctx := context.Background()
	opts := sdk.ConnectOptions{Method: p.tc.method}
	if p.auth.Type == manifest.AuthOAuth2AuthorizationCode {
		ar, err := c.Authorize(ctx, p.tc.values, sdk.AuthorizeOptions{Method: p.tc.method})
		if err != nil {
			t.Fatalf("Authorize: %v (kind %s, hint %q)", err, sdk.KindOf(err), sdk.HintOf(err))
		}
		p.checkAuthorizeURL(t, ar.URL, ar.State)
		tok, err := c.Exchange(ctx, url.Values{"code": {testCode}, "state": {ar.State}})
		if err != nil {
			t.Fatalf("Exchange: %v (kind %s, hint %q)", err, sdk.KindOf(err), sdk.HintOf(err))
		}
		opts.Token = tok
	}
	conn, err := c.Connect(ctx, p.tc.values, opts)
	if err != nil {
		t.Fatalf("Connect: %v (kind %s, hint %q)", err, sdk.KindOf(err), sdk.HintOf(err))
	}
	return conn
}

// checkAuthorizeURL checks the URL the user's browser would open.
func (p *provider) checkAuthorizeURL(t *testing.T, raw, state string) {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("authorize URL: %v", err)
	}
	q := u.Query()
	if got := u.Scheme + "://" + u.Host + u.Path; got != p.tc.authorize {
		t.Errorf("authorize URL %s, want %s", got, p.tc.authorize)
	}
	want := map[string]string{"response_type": "code", "client_id": p.tc.values["client_id"],
		"redirect_uri": p.tc.values["redirect_url"], "state": state, "code_challenge": "*", "code_challenge_method": "S256"}
	for k, v := range p.tc.authorizeParams {
		want[k] = v
	}
	checkParams(t, "authorize URL", flatten(q), want)
}

// counts returns how many requests of each kind were answered.
func (p *provider) counts() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.hits)
}

// ServeHTTP answers the token request, the test call and the action, and
// refuses anything else.
func (p *provider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t := p.t
	body, err := io.ReadAll(r.Body)
	if err != nil {
		t.Errorf("read the request body: %v", err)
	}
	kind := ""
	for k, want := range p.reqs {
		if r.Method == want.method && r.Host == want.host && r.URL.Path == want.path {
			kind = k
		}
	}
	if kind == "" {
		t.Errorf("unexpected request %s https://%s%s", r.Method, r.Host, r.URL.Path)
		http.Error(w, "not a request of this connector", http.StatusNotFound)
		return
	}
	p.mu.Lock()
	p.hits[kind]++
	p.mu.Unlock()
	if kind == "token" {
		p.checkToken(r, body)
		p.answerToken(w)
		return
	}
	p.checkAPI(kind, r)
	if kind == "action" {
		p.checkAction(r, body)
		writeJSON(w, map[string]any{"ok": true})
		return
	}
	writeJSON(w, p.testAnswer())
}

// splitRequest splits "METHOD URL".
func splitRequest(t *testing.T, s string) (string, *url.URL) {
	method, raw, ok := strings.Cut(s, " ")
	u, err := url.Parse(raw)
	if !ok || err != nil || u.Host == "" {
		t.Fatalf("request %q is not METHOD https://host/path", s)
	}
	return method, u
}

// checkToken checks the token request's client authentication, body and
// headers.
func (p *provider) checkToken(r *http.Request, body []byte) {
	t := p.t
	if got := r.Header.Get("Authorization"); got != p.tc.tokenAuth {
		t.Errorf("token request Authorization %q, want %q", got, p.tc.tokenAuth)
	}
	wantType := "application/x-www-form-urlencoded"
	if p.auth.Token.Format == manifest.FormatJSON {
		wantType = "application/json"
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != wantType && len(body) > 0 {
		t.Errorf("token request Content-Type %q, want %s", r.Header.Get("Content-Type"), wantType)
	}
	want := map[string]string{}
	if p.auth.Type == manifest.AuthOAuth2AuthorizationCode {
		want = map[string]string{"grant_type": "authorization_code", "code": testCode,
			"redirect_uri": p.tc.values["redirect_url"], "code_verifier": "*"}
	}
	for k, v := range p.tc.tokenParams {
		want[k] = v
	}
	checkParams(t, "token request", bodyParams(t, r.Header.Get("Content-Type"), body), want)
	for k, v := range p.tc.tokenHeaders {
		if got := r.Header.Get(k); got != v {
			t.Errorf("token request header %s %q, want %q", k, got, v)
		}
	}
}

// answerToken synthesises the token answer from the manifest's response
// mapping, over the members the case adds.
func (p *provider) answerToken(w http.ResponseWriter) {
	resp := p.auth.Token.Response
	if resp == nil {
		resp = &manifest.TokenResponse{}
	}
	doc := map[string]any{}
	for k, v := range p.tc.tokenAnswer {
		doc[k] = v
	}
	set := func(path, def string, v any) {
		if path == "" {
			path = def
		}
		if name, ok := strings.CutPrefix(path, "header:"); ok {
			w.Header().Set(name, fmt.Sprint(v))
			return
		}
		setPath(doc, strings.Split(path, "."), v, true)
	}
	set(resp.AccessToken, "access_token", p.access)
	if p.auth.Type != manifest.AuthLogin {
		set(resp.TokenType, "token_type", "Bearer")
	}
	if p.auth.Type == manifest.AuthOAuth2AuthorizationCode {
		set(resp.RefreshToken, "refresh_token", "rt-"+p.access)
	}
	if !p.tc.noExpiry {
		set(resp.ExpiresIn, "expires_in", expiry(resp.ExpiryFormat))
	}
	for name, path := range resp.Keep {
		v, ok := p.tc.keep[name]
		if !ok {
			p.t.Errorf("the case gives no value for the kept token value %s", name)
		}
		set(path, "", v)
	}
	writeJSON(w, doc)
}

// expiry is a one-hour expiry in the format.
func expiry(f manifest.ExpiryFormat) any {
	at := time.Now().Add(time.Hour)
	switch f {
	case manifest.ExpiryMilliseconds:
		return 3600000
	case manifest.ExpiryUnix:
		return at.Unix()
	case manifest.ExpiryUnixMillis:
		return at.UnixMilli()
	case manifest.ExpiryRFC3339:
		return at.UTC().Format(time.RFC3339)
	}
	return 3600
}

// checkAPI checks that an API request carries the credentials and the
// headers every request carries.
func (p *provider) checkAPI(kind string, r *http.Request) {
	if got := r.Header.Get(p.credName); got != p.credValue {
		p.t.Errorf("%s request %s %q, want %q", kind, p.credName, got, p.credValue)
	}
	for k, v := range p.tc.apiHeaders {
		if got := r.Header.Get(k); got != v {
			p.t.Errorf("%s request header %s %q, want %q", kind, k, got, v)
		}
	}
}

// checkAction checks the action's own headers and body.
func (p *provider) checkAction(r *http.Request, body []byte) {
	for k, v := range p.tc.actHeaders {
		if got := r.Header.Get(k); got != v {
			p.t.Errorf("action header %s %q, want %q", k, got, v)
		}
	}
	if p.tc.actBody != "" {
		if got := normalizeBody(p.t, r.Header.Get("Content-Type"), body); got != p.tc.actBody {
			p.t.Errorf("action body\n got %s\nwant %s", got, p.tc.actBody)
		}
	}
}

// testAnswer synthesises the test call's answer: every path expect.present
// names and every response value the label and identity read, each a
// distinct string.
func (p *provider) testAnswer() map[string]any {
	var paths [][]string
	if p.m.Test != nil && p.m.Test.Expect != nil {
		for _, s := range p.m.Test.Expect.Present {
			paths = append(paths, strings.Split(s, "."))
		}
	}
	for _, src := range []manifest.Template{p.m.Label, p.m.Identity} {
		tmpl, err := interp.Parse(string(src))
		if err != nil {
			p.t.Errorf("parse %q: %v", src, err)
			continue
		}
		for _, ref := range tmpl.Refs() {
			if ref.Scope == "response" && len(ref.Path) > 0 {
				paths = append(paths, ref.Path)
			}
		}
	}
	doc := map[string]any{}
	for _, path := range paths {
		setPath(doc, path, "v-"+strings.Join(path, "-"), false)
	}
	return doc
}

// setPath sets the value at a path of nested maps, making the maps on the
// way (replacing a value that is in the way); an existing value at the end
// is replaced only when overwrite is set.
func setPath(doc map[string]any, path []string, v any, overwrite bool) {
	for _, key := range path[:len(path)-1] {
		next, ok := doc[key].(map[string]any)
		if !ok {
			next = map[string]any{}
			doc[key] = next
		}
		doc = next
	}
	last := path[len(path)-1]
	if _, exists := doc[last]; !exists || overwrite {
		doc[last] = v
	}
}

// checkParams compares parameters with the wanted ones: "" means absent and
// "*" any value.
func checkParams(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	for k, w := range want {
		g, ok := got[k]
		switch {
		case w == "" && ok:
			t.Errorf("%s has %s=%q, want none", what, k, g)
		case w == "*" && g == "":
			t.Errorf("%s has no %s", what, k)
		case w != "" && w != "*" && g != w:
			t.Errorf("%s has %s=%q, want %q", what, k, g, w)
		}
	}
}

// bodyParams decodes a form or JSON object body into its parameters.
func bodyParams(t *testing.T, contentType string, body []byte) map[string]string {
	t.Helper()
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt == "application/json" {
		var obj map[string]any
		if err := json.Unmarshal(body, &obj); err != nil {
			t.Errorf("JSON body: %v", err)
		}
		out := map[string]string{}
		for k, v := range obj {
			out[k] = fmt.Sprint(v)
		}
		return out
	}
	q, err := url.ParseQuery(string(body))
	if err != nil {
		t.Errorf("form body: %v", err)
	}
	return flatten(q)
}

// flatten keeps the first value of each parameter.
func flatten(q url.Values) map[string]string {
	out := map[string]string{}
	for k, v := range q {
		out[k] = v[0]
	}
	return out
}

// normalizeBody writes a JSON body compact with sorted keys and a form
// sorted, so that expectations do not depend on encoding order.
func normalizeBody(t *testing.T, contentType string, body []byte) string {
	t.Helper()
	mt, _, _ := mime.ParseMediaType(contentType)
	switch mt {
	case "application/json":
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			t.Errorf("JSON body: %v", err)
			return string(body)
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Errorf("JSON body: %v", err)
		}
		return string(b)
	case "application/x-www-form-urlencoded":
		q, err := url.ParseQuery(string(body))
		if err != nil {
			t.Errorf("form body: %v", err)
		}
		return q.Encode()
	}
	return fmt.Sprintf("%s (%s)", body, contentType)
}

// writeJSON answers 200 with v; a failed write shows as the client's error.
func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
