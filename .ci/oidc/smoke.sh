#!/usr/bin/env bash
# End-to-end check of the CI OIDC server with curl (see README.md): client
# credentials, client authentication, scopes, the protected /api/me endpoint,
# introspection, revocation, and the authorization code + PKCE flow driven
# non-interactively (login and consent forms posted with a cookie jar),
# including refresh token rotation and reuse detection.
#
# Needs curl and node (for JSON and PKCE). The server must be running:
#   out="$(.ci/oidc/start.sh)" && export "$out" && .ci/oidc/smoke.sh
# Environment: CONNKIT_OIDC_ISSUER (default http://127.0.0.1:9877),
# SMOKE_VERBOSE=1 to print every request of the authorization flow.
# Exit status: 0 when every check passes, 1 otherwise.
# JavaScript passed to node -e is single-quoted on purpose.
# shellcheck disable=SC2016
set -euo pipefail

issuer="${CONNKIT_OIDC_ISSUER:-http://127.0.0.1:9877}"
verbose="${SMOKE_VERBOSE:-0}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

for tool in curl node; do
	command -v "$tool" >/dev/null || { echo "smoke.sh: $tool not found in PATH" >&2; exit 1; }
done

failures=0
checks=0

# check NAME GOT WANT: records one assertion.
check() {
	checks=$((checks + 1))
	if [[ "$2" == "$3" ]]; then
		printf 'ok    %s\n' "$1"
	else
		failures=$((failures + 1))
		printf 'FAIL  %s: got %q, want %q\n' "$1" "$2" "$3"
	fi
}

# json FILE EXPR...: prints one line per JavaScript expression EXPR, evaluated
# with `d` bound to the JSON document in FILE (an empty line when the value is
# absent or FILE is not JSON; strings raw, anything else as JSON). Read the
# lines with: mapfile -t v < <(json FILE EXPR...)
json() {
	node -e '
let d;
try { d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); } catch {}
for (const expr of process.argv.slice(2)) {
  let v;
  try { v = eval(expr); } catch {}
  console.log(v === undefined || v === null ? "" : typeof v === "string" ? v : JSON.stringify(v));
}' "$@"
}

# http OUT CURL_ARGS...: performs a request, body to OUT, headers to OUT.h,
# prints the status code (000 when there is no HTTP response).
http() {
	local out="$1"
	shift
	: >"$out.h"
	curl -sS -o "$out" -D "$out.h" -w '%{http_code}' "$@" || true
}

# header FILE NAME: prints the value of the first NAME header in FILE.h.
header() {
	grep -i "^$2:" "$1.h" | head -n 1 | cut -d' ' -f2- | tr -d '\r'
}

# query URL NAME...: prints one line per NAME with the decoded query parameter
# of URL (empty when absent or URL is empty).
query() {
	node -e '
let q;
try { q = new URL(process.argv[1]).searchParams; } catch { q = new URLSearchParams(); }
for (const name of process.argv.slice(2)) console.log(q.get(name) ?? "");' "$@"
}

step() {
	if [[ "$verbose" == 1 ]]; then
		printf '      %s\n' "$*" >&2
	fi
}

printf '== discovery (%s)\n' "$issuer"
status="$(http "$tmp/disc" "$issuer/.well-known/openid-configuration")"
check "discovery status" "$status" 200
if [[ "$status" != 200 ]]; then
	echo "smoke.sh: no discovery document at $issuer; start the server with: out=\"\$(.ci/oidc/start.sh)\" && export \"\$out\"" >&2
	exit 1
fi
mapfile -t v < <(json "$tmp/disc" d.issuer d.authorization_response_iss_parameter_supported \
	d.code_challenge_methods_supported d.scopes_supported d.revocation_endpoint d.introspection_endpoint \
	d.authorization_endpoint d.token_endpoint)
check "issuer" "${v[0]}" "$issuer"
check "authorization_response_iss_parameter_supported" "${v[1]}" true
check "code_challenge_methods_supported" "${v[2]}" '["S256"]'
check "scopes_supported" "${v[3]}" '["openid","offline_access","crm.read","crm.write"]'
check "revocation_endpoint" "${v[4]}" "$issuer/token/revocation"
check "introspection_endpoint" "${v[5]}" "$issuer/token/introspection"
revoke_ep="${v[4]}"
introspect_ep="${v[5]}"
auth_ep="${v[6]}"
token_ep="${v[7]}"
me="$issuer/api/me"

# expect_error NAME STATUS ERROR CURL_ARGS...: the request must fail with the
# HTTP status STATUS and the OAuth error code ERROR.
expect_error() {
	local name="$1" want_status="$2" want_error="$3" status
	shift 3
	status="$(http "$tmp/e" "$@")"
	check "$name: status" "$status" "$want_status"
	check "$name: error" "$(json "$tmp/e" d.error)" "$want_error"
}

printf '== client credentials\n'
status="$(http "$tmp/cc1" -u cc-basic:cc-basic-secret -d grant_type=client_credentials -d scope=crm.read "$token_ep")"
check "cc-basic with client_secret_basic: status" "$status" 200
mapfile -t v < <(json "$tmp/cc1" d.token_type d.scope 'd.expires_in > 0' d.access_token)
check "cc-basic: token_type" "${v[0]}" Bearer
check "cc-basic: scope" "${v[1]}" crm.read
check "cc-basic: expires_in > 0" "${v[2]}" true
cc_token="${v[3]}"

status="$(http "$tmp/cc2" -d client_id=cc-post -d client_secret=cc-post-secret -d grant_type=client_credentials -d 'scope=crm.read crm.write' "$token_ep")"
check "cc-post with client_secret_post: status" "$status" 200
check "cc-post: scope" "$(json "$tmp/cc2" d.scope)" "crm.read crm.write"

expect_error "wrong secret (basic)" 401 invalid_client -u cc-basic:wrong-secret -d grant_type=client_credentials "$token_ep"
expect_error "wrong secret (post)" 401 invalid_client -d client_id=cc-post -d client_secret=wrong-secret -d grant_type=client_credentials "$token_ep"
expect_error "cc-basic using client_secret_post" 401 invalid_client -d client_id=cc-basic -d client_secret=cc-basic-secret -d grant_type=client_credentials "$token_ep"
expect_error "cc-post using client_secret_basic" 401 invalid_client -u cc-post:cc-post-secret -d grant_type=client_credentials "$token_ep"
expect_error "unknown scope" 400 invalid_scope -u cc-basic:cc-basic-secret -d grant_type=client_credentials -d 'scope=crm.read crm.delete' "$token_ep"

printf '== protected resource, introspection, revocation\n'
status="$(http "$tmp/me" -H "Authorization: Bearer $cc_token" "$me")"
check "/api/me with token: status" "$status" 200
check "/api/me: id client_id scope" "$(json "$tmp/me" '[d.id, d.client_id, d.scope].join(" ")')" "cc-basic cc-basic crm.read"
status="$(http "$tmp/me" "$me")"
check "/api/me without token: status" "$status" 401
check "/api/me without token: challenge" "$(header "$tmp/me" www-authenticate)" 'Bearer realm="connkit-ci"'
expect_error "/api/me with unknown token" 401 invalid_token -H 'Authorization: Bearer not-a-token' "$me"
status="$(http "$tmp/i" -u cc-basic:cc-basic-secret -d "token=$cc_token" "$introspect_ep")"
check "introspection: status" "$status" 200
check "introspection: active aud" "$(json "$tmp/i" '[d.active, d.aud].join(" ")')" "true $issuer/api"
status="$(http "$tmp/r" -u cc-basic:cc-basic-secret -d "token=$cc_token" -d token_type_hint=access_token "$revoke_ep")"
check "revocation: status" "$status" 200
expect_error "/api/me after revocation" 401 invalid_token -H "Authorization: Bearer $cc_token" "$me"
check "/api/me after revocation: challenge" "$(header "$tmp/e" www-authenticate | cut -d, -f2)" ' error="invalid_token"'
http "$tmp/i" -u cc-basic:cc-basic-secret -d "token=$cc_token" "$introspect_ep" >/dev/null
check "introspection after revocation: active" "$(json "$tmp/i" d.active)" false

printf '== authorization code + PKCE (non-interactive login and consent)\n'

# pkce: prints "<verifier> <S256 challenge>".
pkce() {
	node -e '
const c = require("crypto");
const v = c.randomBytes(32).toString("base64url");
process.stdout.write(`${v} ${c.createHash("sha256").update(v).digest("base64url")}`);'
}

# authorize JAR REDIRECT_URI CURL_GET_ARGS...: starts at the authorization
# endpoint and follows redirects with the cookie jar; on a login page it posts
# prompt=login, login and password, on a consent page prompt=consent. Prints
# the final redirect to REDIRECT_URI (with code or error).
authorize() {
	local jar="$1" redirect_uri="$2"
	shift 2
	local status location url prompt action
	status="$(http "$tmp/a" -c "$jar" -b "$jar" -G "$auth_ep" --data-urlencode "redirect_uri=$redirect_uri" "$@")"
	step "GET $auth_ep -> $status"
	for _ in 1 2 3 4 5 6 7 8; do
		location="$(header "$tmp/a" location)"
		if [[ "$status" =~ ^30[1237]$ && -n "$location" ]]; then
			[[ "$location" == /* ]] && location="$issuer$location"
			if [[ "$location" == "$redirect_uri"* ]]; then
				printf '%s\n' "$location"
				return 0
			fi
			url="$location"
			status="$(http "$tmp/a" -c "$jar" -b "$jar" "$url")"
			step "GET ${url%%\?*} -> $status"
			continue
		fi
		if [[ "$status" == 200 && "$url" == "$issuer/interaction/"* ]]; then
			prompt="$(grep -o 'name="prompt" value="[a-z]*"' "$tmp/a" | head -n 1 | sed 's/.*value="//; s/"$//')"
			action="$(grep -o '<form[^>]*action="[^"]*"' "$tmp/a" | head -n 1 | sed 's/.*action="//; s/"$//; s/&amp;/\&/g')"
			case "$prompt" in
			login)
				status="$(http "$tmp/a" -c "$jar" -b "$jar" -d prompt=login -d login=alice -d password=any "$action")"
				;;
			consent)
				status="$(http "$tmp/a" -c "$jar" -b "$jar" -d prompt=consent "$action")"
				;;
			*)
				echo "authorize: unexpected interaction page at $url" >&2
				return 1
				;;
			esac
			step "POST $action prompt=$prompt -> $status"
			continue
		fi
		echo "authorize: unexpected response $status at ${url:-$auth_ep}" >&2
		sed 's/^/  | /' "$tmp/a" | head -n 20 >&2
		return 1
	done
	echo "authorize: too many redirects" >&2
	return 1
}

redirect_uri="http://127.0.0.1:8976/callback"
jar="$tmp/jar"
read -r verifier challenge <<<"$(pkce)"
callback="$(authorize "$jar" "$redirect_uri" \
	--data-urlencode client_id=web-app --data-urlencode response_type=code \
	--data-urlencode 'scope=openid offline_access crm.read' --data-urlencode state=state-1 \
	--data-urlencode nonce=nonce-1 --data-urlencode "code_challenge=$challenge" \
	--data-urlencode code_challenge_method=S256 --data-urlencode prompt=consent)" || callback=""
mapfile -t v < <(query "$callback" state iss code)
check "callback state" "${v[0]}" state-1
check "callback iss" "${v[1]}" "$issuer"
code="${v[2]}"
check "callback has code" "${code:+yes}" yes

# exchange CODE VERIFIER: token request for the authorization code grant.
exchange() {
	http "$tmp/t" -u web-app:web-app-secret -d grant_type=authorization_code -d "code=$1" \
		--data-urlencode "redirect_uri=$redirect_uri" -d "code_verifier=$2" "$token_ep"
}

# refresh TOKEN: token request for the refresh_token grant.
refresh() {
	http "$tmp/t" -u web-app:web-app-secret -d grant_type=refresh_token -d "refresh_token=$1" "$token_ep"
}

status="$(exchange "$code" "$verifier")"
check "code exchange: status" "$status" 200
mapfile -t v < <(json "$tmp/t" d.scope 'typeof d.id_token' d.access_token d.refresh_token)
check "code exchange: scope" "${v[0]}" crm.read
check "code exchange: id_token present" "${v[1]}" string
access1="${v[2]}"
refresh1="${v[3]}"
check "code exchange: refresh_token present" "${refresh1:+yes}" yes

status="$(http "$tmp/me" -H "Authorization: Bearer $access1" "$me")"
check "/api/me with user token: status" "$status" 200
check "/api/me: id client_id kind" "$(json "$tmp/me" '[d.id, d.client_id, d.kind].join(" ")')" "alice web-app user"

status="$(refresh "$refresh1")"
check "refresh: status" "$status" 200
mapfile -t v < <(json "$tmp/t" d.access_token d.refresh_token)
access2="${v[0]}"
refresh2="${v[1]}"
check "refresh: token rotated" "$([[ -n "$refresh2" && "$refresh2" != "$refresh1" ]] && echo yes)" yes
status="$(http "$tmp/me" -H "Authorization: Bearer $access2" "$me")"
check "/api/me with refreshed access token: status" "$status" 200
status="$(refresh "$refresh1")"
check "old refresh token: status error" "$status $(json "$tmp/t" d.error)" "400 invalid_grant"
status="$(refresh "$refresh2")"
check "reuse detection revoked the rotated refresh token" "$status $(json "$tmp/t" d.error)" "400 invalid_grant"
status="$(http "$tmp/me" -H "Authorization: Bearer $access2" "$me")"
check "reuse detection revoked the access token" "$status" 401

printf '== authorization code: session reuse, other loopback port, code replay, errors\n'
redirect_uri="http://127.0.0.1:8979/callback"
read -r verifier challenge <<<"$(pkce)"
callback="$(authorize "$jar" "$redirect_uri" \
	--data-urlencode client_id=web-app --data-urlencode response_type=code \
	--data-urlencode scope=crm.write --data-urlencode state=state-2 \
	--data-urlencode "code_challenge=$challenge" --data-urlencode code_challenge_method=S256)" || callback=""
code="$(query "$callback" code)"
check "second authorization (same session, port 8979) returns a code" "${code:+yes}" yes
status="$(exchange "$code" wrong-verifier-wrong-verifier-wrong-verifier-0)"
check "wrong code_verifier: status error" "$status $(json "$tmp/t" d.error)" "400 invalid_grant"
status="$(exchange "$code" "$verifier")"
check "code exchange after a failed attempt: status scope" "$status $(json "$tmp/t" d.scope)" "200 crm.write"
access3="$(json "$tmp/t" d.access_token)"
status="$(exchange "$code" "$verifier")"
check "code replay: status error" "$status $(json "$tmp/t" d.error)" "400 invalid_grant"
status="$(http "$tmp/me" -H "Authorization: Bearer $access3" "$me")"
check "code replay revoked the tokens issued for the code" "$status" 401

callback="$(authorize "$tmp/jar2" "$redirect_uri" \
	--data-urlencode client_id=web-app --data-urlencode response_type=code \
	--data-urlencode 'scope=openid crm.delete' --data-urlencode state=state-3 \
	--data-urlencode "code_challenge=$challenge" --data-urlencode code_challenge_method=S256)" || callback=""
check "authorization with unknown scope: error" "$(query "$callback" error)" invalid_scope
callback="$(authorize "$tmp/jar2" "$redirect_uri" \
	--data-urlencode client_id=web-app --data-urlencode response_type=code \
	--data-urlencode scope=openid --data-urlencode state=state-4)" || callback=""
check "authorization without PKCE: error" "$(query "$callback" error)" invalid_request

printf '== %d checks, %d failed\n' "$checks" "$failures"
((failures == 0))
