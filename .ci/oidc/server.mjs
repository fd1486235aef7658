// OAuth 2.0 / OpenID Connect authorization server for connkit interoperability
// tests in CI. The protocol implementation is panva/oidc-provider; this file
// only configures it, adds a tiny protected resource at GET /api/me, and binds
// to 127.0.0.1. Everything is in memory: a restart forgets every token.
//
// Environment:
//   PORT               listen port on 127.0.0.1 (default 9877)
//   ACCESS_TOKEN_TTL   lifetime in seconds of access tokens, both
//                      authorization-code and client-credentials (default 300)
//   REFRESH_TOKEN_TTL  lifetime in seconds of refresh tokens (default 86400)
//
// See README.md for clients, scopes and the non-interactive login sequence.

import crypto from 'node:crypto';
import http from 'node:http';

import Provider, { errors } from 'oidc-provider';

// Reads an integer environment variable in [1, max]; exits with a message
// naming the variable when it is set to anything else.
function intEnv(name, fallback, what, max = Number.MAX_SAFE_INTEGER) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') {
    return fallback;
  }
  const value = Number(raw);
  if (!/^[0-9]+$/.test(raw) || value < 1 || value > max) {
    console.error(`${name}=${JSON.stringify(raw)} is not ${what} (an integer from 1 to ${max}); fix or unset it`);
    process.exit(2);
  }
  return value;
}

const HOST = '127.0.0.1';
const PORT = intEnv('PORT', 9877, 'a TCP port', 65535);
const ACCESS_TOKEN_TTL = intEnv('ACCESS_TOKEN_TTL', 300, 'a lifetime in seconds');
const REFRESH_TOKEN_TTL = intEnv('REFRESH_TOKEN_TTL', 86400, 'a lifetime in seconds');

const ISSUER = `http://${HOST}:${PORT}`;

// The one resource server (RFC 8707 resource indicator) this issuer knows:
// the protected API mounted below at /api. Every access token is issued for it.
const API_RESOURCE = `${ISSUER}/api`;
const API_SCOPES = ['crm.read', 'crm.write'];
// Scopes of the OpenID layer (the provider's "static" scopes).
const OIDC_SCOPES = ['openid', 'offline_access'];
const KNOWN_SCOPES = new Set([...OIDC_SCOPES, ...API_SCOPES]);

// Rejects any requested scope that neither the OpenID layer nor the API knows
// (for client_credentials: any scope the API does not know). oidc-provider
// itself silently drops unknown scopes (they could belong to some other
// resource server), so the check lives in getResourceServerInfo, which runs for
// every authorization, client-credentials and refresh request because
// defaultResource always resolves to API_RESOURCE.
function rejectUnknownScopes(ctx) {
  const known = ctx.oidc.params.grant_type === 'client_credentials'
    ? new Set(API_SCOPES)
    : KNOWN_SCOPES;
  const requested = (ctx.oidc.params.scope ?? '').split(' ').filter(Boolean);
  const unknown = requested.filter((scope) => !known.has(scope));
  if (unknown.length > 0) {
    throw new errors.InvalidScope(
      `unsupported scope requested; supported scopes are: ${[...known].join(' ')}`,
      unknown.join(' '),
    );
  }
}

function accountName(accountId) {
  return `User ${accountId}`;
}

const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = {
  ...privateKey.export({ format: 'jwk' }), kid: 'ci-rs256', use: 'sig', alg: 'RS256',
};

const configuration = {
  clients: [
    {
      client_id: 'cc-basic',
      client_secret: 'cc-basic-secret',
      client_name: 'CI client credentials (client_secret_basic)',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    {
      client_id: 'cc-post',
      client_secret: 'cc-post-secret',
      client_name: 'CI client credentials (client_secret_post)',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_post',
    },
    {
      client_id: 'web-app',
      client_secret: 'web-app-secret',
      client_name: 'CI web app (authorization code + PKCE)',
      // "native" makes oidc-provider accept the registered loopback redirect
      // URI with any port (RFC 8252 section 7.3); the path must still match.
      application_type: 'native',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1:8976/callback'],
      token_endpoint_auth_method: 'client_secret_basic',
      // Client "scope" metadata may only name the provider's static (OpenID)
      // scopes; API scopes are governed by getResourceServerInfo.
      scope: OIDC_SCOPES.join(' '),
    },
  ],
  jwks: { keys: [signingKey] },
  cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
  scopes: OIDC_SCOPES,
  responseTypes: ['code'],
  // Any login is an account; its id is the login typed on the login form.
  async findAccount(_ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        return { sub, name: accountName(sub) };
      },
    };
  },
  features: {
    // Login accepts any login/password; consent is a single POST. Both are
    // plain HTML forms, so tests can drive them without a browser.
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async (_ctx, _client, oneOf) => oneOf ?? API_RESOURCE,
      // Access tokens from authorization_code and refresh_token grants are for
      // the API even when openid is requested (they are then not usable at the
      // userinfo endpoint; use /api/me or the ID token instead).
      useGrantedResource: async () => true,
      async getResourceServerInfo(ctx, indicator) {
        if (indicator !== API_RESOURCE) {
          throw new errors.InvalidTarget(`unknown resource indicator; the only resource is ${API_RESOURCE}`);
        }
        rejectUnknownScopes(ctx);
        return {
          scope: API_SCOPES.join(' '),
          audience: API_RESOURCE,
          accessTokenTTL: ACCESS_TOKEN_TTL,
          accessTokenFormat: 'opaque',
        };
      },
    },
  },
  pkce: { required: () => true },
  // Every grant of a client allowed to use refresh_token gets a refresh token,
  // with or without offline_access.
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: true,
  clientBasedCORS: () => false,
  // The default 15 s tolerance would keep tokens usable (at /api/me, at
  // introspection) for 15 s after expires_in; tests of expiry want none.
  clockTolerance: 0,
  ttl: {
    AccessToken: () => ACCESS_TOKEN_TTL,
    ClientCredentials: () => ACCESS_TOKEN_TTL,
    RefreshToken: () => REFRESH_TOKEN_TTL,
    AuthorizationCode: 60,
    IdToken: 3600,
    Interaction: 600,
    Session: 3600,
    Grant: REFRESH_TOKEN_TTL,
  },
};

const provider = new Provider(ISSUER, configuration);

// Resource-server scopes are not "static" scopes in oidc-provider, so its
// discovery document leaves them out; announce them too.
provider.use(async (ctx, next) => {
  await next();
  if (ctx.oidc?.route === 'discovery' && ctx.status === 200) {
    ctx.body.scopes_supported = [...KNOWN_SCOPES];
  }
});

provider.on('server_error', (_ctx, err) => {
  console.error('server_error:', err);
});
for (const event of ['grant.error', 'authorization.error', 'introspection.error', 'revocation.error']) {
  provider.on(event, (_ctx, err) => {
    console.error(`${event}: ${err.error ?? err.name}: ${err.error_description ?? err.message}`);
  });
}

function sendJSON(res, status, body, headers = {}) {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(JSON.stringify(body));
}

// RFC 6750 section 3.1: a request without credentials gets a bare challenge
// (no error code); a bad token gets error="invalid_token".
function missingToken(res) {
  sendJSON(res, 401, { error_description: 'bearer token required' }, {
    'www-authenticate': 'Bearer realm="connkit-ci"',
  });
}

function invalidToken(res, description) {
  sendJSON(res, 401, { error: 'invalid_token', error_description: description }, {
    'www-authenticate': `Bearer realm="connkit-ci", error="invalid_token", error_description="${description}"`,
  });
}

// GET /api/me: the protected resource. Accepts an opaque access token from any
// grant, as long as it is unexpired, not revoked and issued for API_RESOURCE.
async function handleMe(req, res) {
  if (req.method !== 'GET') {
    sendJSON(res, 405, { error: 'method_not_allowed' }, { allow: 'GET' });
    return;
  }
  const { authorization } = req.headers;
  if (authorization === undefined) {
    missingToken(res);
    return;
  }
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(authorization);
  if (!match) {
    invalidToken(res, 'malformed Authorization header, expected: Bearer <access token>');
    return;
  }
  const value = match[1];
  const token = await provider.AccessToken.find(value)
    ?? await provider.ClientCredentials.find(value);
  if (!token) {
    invalidToken(res, 'token is unknown, expired or revoked');
    return;
  }
  if (token.aud !== API_RESOURCE && !(Array.isArray(token.aud) && token.aud.includes(API_RESOURCE))) {
    invalidToken(res, 'token was not issued for this API');
    return;
  }
  const client = await provider.Client.find(token.clientId);
  const body = {
    id: token.accountId ?? token.clientId,
    client_id: token.clientId,
    scope: token.scope ?? '',
    kind: token.accountId ? 'user' : 'client',
    name: token.accountId ? accountName(token.accountId) : client?.clientName ?? token.clientId,
  };
  sendJSON(res, 200, body);
}

// oidc-provider accepts client_secret_basic and client_secret_post
// interchangeably for any client with a secret, whatever its registered
// token_endpoint_auth_method. The interoperability tests must notice a client
// that uses the wrong method, so the registered method is enforced here, in
// front of the provider, on the endpoints that authenticate clients.
const CLIENT_AUTH_PATHS = new Set(['/token', '/token/introspection', '/token/revocation', '/request']);
const REGISTERED_AUTH_METHOD = new Map(
  configuration.clients.map((client) => [client.client_id, client.token_endpoint_auth_method]),
);
const MAX_FORM_BYTES = 56 * 1024;

async function readForm(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) {
      throw new Error(`request body larger than ${MAX_FORM_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

// Returns the client_id and method of the secret-based client authentication
// the request presents, or undefined when it presents none (or a malformed
// one, which the provider then rejects itself).
function presentedSecretAuth(req, form) {
  const header = req.headers.authorization ?? '';
  if (/^basic /i.test(header)) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon === -1) {
      return undefined;
    }
    try {
      return {
        clientId: decodeURIComponent(decoded.slice(0, colon).replaceAll('+', '%20')),
        method: 'client_secret_basic',
      };
    } catch {
      return undefined;
    }
  }
  if (form.has('client_secret')) {
    return { clientId: form.get('client_id'), method: 'client_secret_post' };
  }
  return undefined;
}

// Reads the form body of a client-authenticating request, rejects a request
// whose authentication method differs from the client's registered one, and
// otherwise hands the already-read body to the provider (it uses req.body when
// the stream has been consumed). Returns true when it has answered.
async function enforceRegisteredAuthMethod(req, res) {
  const raw = await readForm(req);
  req.body = raw;
  const form = new URLSearchParams(raw);
  const presented = presentedSecretAuth(req, form);
  const registered = presented && REGISTERED_AUTH_METHOD.get(presented.clientId);
  if (!registered || registered === presented.method) {
    return false;
  }
  const headers = presented.method === 'client_secret_basic'
    ? { 'www-authenticate': `Basic realm="${ISSUER}", error="invalid_client"` }
    : {};
  sendJSON(res, 401, {
    error: 'invalid_client',
    error_description: `client authentication failed: ${presented.clientId} is registered for ${registered}, not ${presented.method}`,
  }, headers);
  return true;
}

const callback = provider.callback();

const server = http.createServer((req, res) => {
  const started = Date.now();
  const path = req.url.split('?')[0];
  res.on('finish', () => {
    // The path only: query strings may carry codes and states.
    console.log(`${req.method} ${path} ${res.statusCode} ${Date.now() - started}ms`);
  });
  if (path === '/api/me') {
    handleMe(req, res).catch((err) => {
      console.error('/api/me:', err);
      if (!res.headersSent) {
        sendJSON(res, 500, { error: 'server_error' });
      }
    });
    return;
  }
  if (
    req.method === 'POST'
    && CLIENT_AUTH_PATHS.has(path)
    && /^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '')
  ) {
    enforceRegisteredAuthMethod(req, res).then((answered) => {
      if (!answered) {
        callback(req, res);
      }
    }, (err) => {
      sendJSON(res, 400, { error: 'invalid_request', error_description: `failed to read the request body: ${err.message}` });
    });
    return;
  }
  callback(req, res);
});

server.on('error', (err) => {
  console.error(`cannot listen on ${HOST}:${PORT}: ${err.message}`);
  process.exit(1);
});

server.listen(PORT, HOST, () => {
  console.log(`oidc-provider listening, issuer ${ISSUER}, access token ttl ${ACCESS_TOKEN_TTL}s`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
