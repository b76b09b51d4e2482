/**
 * An in-process OpenID Provider for tests: the real `oidc-provider` (never a mock of the
 * protocol) over HTTPS on 127.0.0.1 with a random port and a throwaway CA.
 *
 *   const op = await startOidcProvider({ users: [{ username: 'alice', groups: ['eng'] }] });
 *   op.issuer                 // https://127.0.0.1:PORT (discovery at /.well-known/openid-configuration)
 *   op.fetch                  // a fetch that trusts the CA, for code running in the test process
 *   op.childEnv               // { NODE_EXTRA_CA_CERTS } for child processes (the real CLI)
 *   await op.completeLogin(authorizationUrl, 'alice')   // walks the login + consent pages
 *   await op.approveDeviceCode(userCode, 'alice')       // walks the device pages
 *   const { accessToken } = await op.tokensFor('alice') // real tokens, e.g. for a server under test
 *   await op.rotateKeys()     // a new signing key; the old one stays published until retireOldKeys()
 *   await op.close()
 *
 * What it configures, as a real deployment for Witness would:
 *  - one public native client (`token_endpoint_auth_method: none`) with the loopback redirect
 *    `http://127.0.0.1/callback`, any port allowed (RFC 8252 §7.3), PKCE S256 required;
 *  - grants: authorization code, refresh token (scope `offline_access`), device code (RFC 8628);
 *  - resource indicators (RFC 8707): a `resource` equal to `audience` gets a JWT access token
 *    for that audience, signed by the provider's keys, carrying `groups` and `email`;
 *  - claims: `email` and `profile` scopes, plus a `groups` scope releasing the `groups` claim;
 *    ID tokens carry the user's claims (conformIdTokenClaims off, as Okta/Entra/Keycloak do);
 *  - its own login page (username + password, checked), consent page and device pages; the
 *    helpers drive them with a scripted browser that follows the real redirects and forms.
 * Test-only: listens on loopback, keeps everything in memory, and is gone when closed.
 * oidc-provider 9 targets Node 22 LTS and prints one "Unsupported runtime" warning on Node 20;
 * it runs there (it needs URL.parse: Node ≥ 20.18). The product itself uses only jose and
 * openid-client, which support Node 20.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import Provider, { errors, type Adapter, type AdapterPayload, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { createTestRoot, issueLeaf } from './pki.js';
import { fetchTrusting, findForm, ScriptedBrowser, type Page } from './oidc-browser.js';

export interface OidcTestUser {
  username: string;
  /** Default: "correct horse battery staple". */
  password?: string;
  /** Default: `sub-<username>` (an opaque id, not the login name, as real providers do). */
  sub?: string;
  email?: string;
  name?: string;
  groups?: string[];
}

export interface OidcProviderOptions {
  /** Default: alice (groups engineering, approvers) and bob (contractors). */
  users?: OidcTestUser[];
  /** Default "witness-cli". */
  clientId?: string;
  /** The central server's resource indicator; access tokens for it are JWTs. Default "https://central.witness.test". */
  audience?: string;
  /** Signing algorithm of the provider's keys: "RS256" (default) or "ES256". */
  alg?: 'RS256' | 'ES256';
  /** Token and code lifetimes in seconds (defaults: access 300, id 300, refresh 86400, device code 600). */
  ttl?: { accessToken?: number; idToken?: number; refreshToken?: number; deviceCode?: number };
  /** Polling interval announced in device authorization responses (RFC 8628 `interval`). Default 1. */
  deviceInterval?: number;
  /**
   * More public clients (code + PKCE), e.g. the console at `http://127.0.0.1:PORT/callback`: a
   * browser app at that origin may call the token endpoint (oidc-provider's default CORS rule
   * for public clients: the origin of one of their redirect URIs).
   */
  browserClients?: Array<{ clientId: string; redirectUri: string }>;
}

export const DEFAULT_PASSWORD = 'correct horse battery staple';

export interface SigningKey {
  kid: string;
  alg: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

export interface LoginOptions {
  password?: string;
  /** "allow" (default) grants consent; "deny" presses the consent page's deny button. */
  consent?: 'allow' | 'deny';
  /** Stop before requesting a redirect target matching this (e.g. to keep the code undelivered). */
  stopAt?: (url: string) => boolean;
}

export interface TokenSet {
  idToken: string;
  accessToken: string;
  refreshToken: string | null;
  expiresIn: number;
  scope: string;
}

export interface TestOidcProvider {
  /** https://127.0.0.1:PORT — no trailing slash, as in the discovery document. */
  readonly issuer: string;
  readonly port: number;
  readonly clientId: string;
  readonly audience: string;
  readonly users: ReadonlyArray<Required<OidcTestUser>>;
  /** PEM of the throwaway CA that issued the provider's TLS certificate. */
  readonly caPem: string;
  /** The same PEM as a file (for NODE_EXTRA_CA_CERTS or a config's caFile). */
  readonly caFile: string;
  /** Environment for child processes so they trust the provider: { NODE_EXTRA_CA_CERTS }. */
  readonly childEnv: Record<string, string>;
  /** A fetch for the test process that trusts the CA (global fetch does not). */
  readonly fetch: typeof fetch;
  user(username: string): Required<OidcTestUser>;
  /**
   * Opens an authorization URL in a fresh scripted browser, signs in on the login page,
   * answers the consent page, and follows the redirects to the client's redirect URI (a
   * loopback listener answers it like a browser tab would). Returns the last page.
   */
  completeLogin(authorizationUrl: string, username: string, opts?: LoginOptions): Promise<Page>;
  /** Enters a device-flow user code at the verification page, confirms, signs in and consents. */
  approveDeviceCode(userCode: string, username: string, opts?: { password?: string }): Promise<Page>;
  /** Enters the user code and presses "Abort" on the confirmation page: the client gets access_denied. */
  denyDeviceCode(userCode: string): Promise<Page>;
  /**
   * Real tokens for a user without a client library (for servers that validate them): a device
   * sign-in approved on the provider's pages, then one token request. The access token is a
   * JWT for `resource` (default: the audience); pass `resource: null` for an opaque one.
   */
  tokensFor(username: string, opts?: { scope?: string; resource?: string | null }): Promise<TokenSet>;
  /** Current signing key first; older ones stay published until retireOldKeys(). */
  signingKeys(): SigningKey[];
  /** Generates a new signing key; new tokens use it, the old keys stay in the JWKS. */
  rotateKeys(): Promise<SigningKey>;
  /** Drops every key but the current one from the JWKS. */
  retireOldKeys(): void;
  /** Signs arbitrary ID-token claims with the provider's current key (for refusal tests). */
  mintIdToken(claims?: Record<string, unknown>, opts?: { key?: SigningKey; header?: Record<string, unknown> }): Promise<string>;
  /** Revokes every grant of a user: their refresh tokens stop working (as an admin would). */
  revokeGrants(username: string): Promise<void>;
  /** Requests seen by the provider, method and path (no bodies). */
  readonly requests: ReadonlyArray<{ method: string; path: string }>;
  close(): Promise<void>;
}

/** In-memory storage shared by every Provider instance of one harness (key rotation rebuilds the Provider). */
class MemoryStore {
  private readonly rows = new Map<string, { payload: AdapterPayload; expiresAt: number | null }>();

  adapter(name: string): Adapter {
    const key = (id: string) => `${name}:${id}`;
    const live = (k: string) => {
      const row = this.rows.get(k);
      if (!row) return undefined;
      if (row.expiresAt !== null && row.expiresAt <= Date.now()) {
        this.rows.delete(k);
        return undefined;
      }
      return row.payload;
    };
    const findBy = (field: 'userCode' | 'uid', value: string) => {
      for (const [k, row] of this.rows) if (k.startsWith(`${name}:`) && row.payload[field] === value) return live(k);
      return undefined;
    };
    return {
      upsert: async (id, payload, expiresIn) => {
        this.rows.set(key(id), { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : null });
      },
      find: async (id) => live(key(id)),
      findByUserCode: async (userCode) => findBy('userCode', userCode),
      findByUid: async (uid) => findBy('uid', uid),
      consume: async (id) => {
        const row = this.rows.get(key(id));
        if (row) row.payload.consumed = Math.floor(Date.now() / 1000);
      },
      destroy: async (id) => {
        this.rows.delete(key(id));
      },
      revokeByGrantId: async (grantId) => this.revokeGrant(grantId),
    };
  }

  revokeGrant(grantId: string) {
    for (const [k, row] of this.rows) if (row.payload.grantId === grantId || k === `Grant:${grantId}`) this.rows.delete(k);
  }

  grantsOf(accountId: string): string[] {
    return [...this.rows].filter(([k, r]) => k.startsWith('Grant:') && r.payload.accountId === accountId).map(([k]) => k.slice('Grant:'.length));
  }
}

export async function startOidcProvider(opts: OidcProviderOptions = {}): Promise<TestOidcProvider> {
  const clientId = opts.clientId ?? 'witness-cli';
  const audience = opts.audience ?? 'https://central.witness.test';
  const alg = opts.alg ?? 'RS256';
  const users: Required<OidcTestUser>[] = (
    opts.users ?? [
      { username: 'alice', name: 'Alice Example', email: 'alice@example.test', groups: ['engineering', 'approvers'] },
      { username: 'bob', name: 'Bob Builder', email: 'bob@example.test', groups: ['contractors'] },
    ]
  ).map((u) => ({
    username: u.username,
    password: u.password ?? DEFAULT_PASSWORD,
    sub: u.sub ?? `sub-${u.username}`,
    email: u.email ?? `${u.username}@example.test`,
    name: u.name ?? u.username,
    groups: u.groups ?? [],
  }));
  const bySub = new Map(users.map((u) => [u.sub, u]));
  const ttl = { accessToken: 300, idToken: 300, refreshToken: 86400, deviceCode: 600, ...opts.ttl };

  const root = await createTestRoot('Witness Test OIDC Root');
  const leaf = await issueLeaf(root, ['127.0.0.1', 'localhost']);
  const dir = mkdtempSync(join(tmpdir(), 'witness-oidc-'));
  const caFile = join(dir, 'oidc-ca.pem');
  writeFileSync(caFile, root.certPem);

  const store = new MemoryStore();
  const cookieKeys = [randomBytes(32).toString('base64url')];
  let keys: SigningKey[] = [await newSigningKey(alg)];
  const requests: Array<{ method: string; path: string }> = [];

  let provider!: Provider;
  const server = https.createServer({ key: leaf.keyPem, cert: leaf.certPem }, (req, res) => {
    requests.push({ method: req.method ?? 'GET', path: (req.url ?? '/').split('?')[0]! });
    if (req.url?.startsWith('/interaction/')) {
      interaction(provider, req, res).catch((e: Error) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`interaction failed: ${e.message}`);
      });
      return;
    }
    provider.callback()(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const issuer = `https://127.0.0.1:${port}`;

  const build = () => {
    const configuration: Configuration = {
      adapter: (name: string) => store.adapter(name),
      clients: [
        {
          client_id: clientId,
          client_name: 'Witness',
          application_type: 'native',
          token_endpoint_auth_method: 'none',
          redirect_uris: ['http://127.0.0.1/callback'],
          grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
          response_types: ['code'],
          id_token_signed_response_alg: alg,
        },
        ...(opts.browserClients ?? []).map((c) => ({
          client_id: c.clientId,
          client_name: 'Witness console',
          application_type: 'web' as const,
          token_endpoint_auth_method: 'none' as const,
          redirect_uris: [c.redirectUri],
          grant_types: ['authorization_code'],
          response_types: ['code' as const],
          id_token_signed_response_alg: alg,
        })),
      ],
      pkce: { required: () => true },
      scopes: ['openid', 'offline_access', 'profile', 'email', 'groups'],
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
      conformIdTokenClaims: false,
      findAccount: async (_ctx, sub) => {
        const u = bySub.get(sub);
        if (!u) return undefined;
        return { accountId: u.sub, claims: async () => ({ sub: u.sub, email: u.email, email_verified: true, name: u.name, groups: u.groups }) };
      },
      extraTokenClaims: async (_ctx, token) => {
        const u = 'accountId' in token && token.accountId ? bySub.get(token.accountId) : undefined;
        return u && 'aud' in token ? { groups: u.groups, email: u.email } : undefined;
      },
      jwks: { keys: keys.map((k) => k.privateJwk) as never },
      cookies: { keys: cookieKeys },
      ttl: {
        AccessToken: ttl.accessToken,
        IdToken: ttl.idToken,
        RefreshToken: ttl.refreshToken,
        DeviceCode: ttl.deviceCode,
        Grant: ttl.refreshToken,
        Session: 3600,
        Interaction: 600,
        AuthorizationCode: 60,
      },
      interactions: { url: (_ctx, i) => `/interaction/${i.uid}` },
      features: {
        devInteractions: { enabled: false },
        revocation: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
        deviceFlow: {
          enabled: true,
          userCodeInputSource: async (ctx, form, _out, err) => {
            ctx.body = page('Device sign-in', `${err ? `<p class="error">${escapeHtml(err.message)}</p>` : '<p>Enter the code shown on your device.</p>'}${form}<button type="submit" form="op.deviceInputForm">Continue</button>`);
          },
          userCodeConfirmSource: async (ctx, form, client, _info, userCode) => {
            ctx.body = page(
              'Confirm device',
              `<p><strong>${escapeHtml(client.clientName ?? client.clientId)}</strong> asks to sign in with the code <code>${escapeHtml(userCode)}</code>.</p>${form}` +
                '<button type="submit" form="op.deviceConfirmForm">Continue</button><button type="submit" form="op.deviceConfirmForm" name="abort" value="yes">Abort</button>',
            );
          },
          successSource: async (ctx) => {
            ctx.body = page('Signed in', '<p id="device-success">Your device is signed in. You can close this page.</p>');
          },
        },
        resourceIndicators: {
          enabled: true,
          defaultResource: async (_ctx, _client, oneOf) => oneOf ?? undefined,
          useGrantedResource: async () => true,
          getResourceServerInfo: async (_ctx, indicator) => {
            if (indicator !== audience) throw new errors.InvalidTarget(`unknown resource ${indicator}`);
            return { scope: 'openid profile email groups offline_access', audience, accessTokenFormat: 'jwt', accessTokenTTL: ttl.accessToken, jwt: { sign: { alg } } };
          },
        },
      },
      renderError: async (ctx, out) => {
        ctx.type = 'html';
        ctx.body = page('Error', `<p id="error">${escapeHtml(String(out.error))}: ${escapeHtml(String(out.error_description ?? ''))}</p>`);
      },
    };
    const p = new Provider(issuer, configuration);
    // RFC 8628 §3.2: the server sets the polling interval. oidc-provider leaves it out (clients
    // then wait 5 s); a short one keeps device-flow tests quick without changing the protocol.
    p.use(async (ctx, next) => {
      await next();
      const body = ctx.body as Record<string, unknown> | undefined;
      if (ctx.path === '/device/auth' && body && typeof body === 'object' && 'device_code' in body) body.interval = opts.deviceInterval ?? 1;
    });
    p.on('server_error', (_ctx: KoaContextWithOIDC, err: Error) => process.stderr.write(`oidc-provider server_error: ${err.stack}\n`));
    return p;
  };
  provider = build();

  const browser = () => new ScriptedBrowser(root.certPem);
  const user = (username: string) => {
    const u = users.find((x) => x.username === username);
    if (!u) throw new Error(`No test user "${username}" (have: ${users.map((x) => x.username).join(', ')})`);
    return u;
  };

  /** From the login page on: sign in, then consent, until the provider is done with us. */
  const signInAndConsent = async (b: ScriptedBrowser, first: Page, username: string, opts: LoginOptions): Promise<Page> => {
    let p = first;
    for (let step = 0; step < 4; step++) {
      if (/id="login-form"/.test(p.body)) {
        const form = findForm(p, { id: 'login-form' });
        p = await b.submit(p, form, { login: username, password: opts.password ?? user(username).password }, undefined, opts.stopAt);
        if (/id="login-error"/.test(p.body)) throw new Error(`login refused for ${username}`);
      } else if (/id="consent-form"/.test(p.body)) {
        const form = findForm(p, { id: 'consent-form' });
        p = await b.submit(p, form, {}, opts.consent === 'deny' ? 'deny' : 'allow', opts.stopAt);
      } else {
        return p;
      }
    }
    return p;
  };

  const harness: TestOidcProvider = {
    issuer,
    port,
    clientId,
    audience,
    users,
    caPem: root.certPem,
    caFile,
    childEnv: { NODE_EXTRA_CA_CERTS: caFile },
    fetch: fetchTrusting(root.certPem),
    requests,
    user,
    async completeLogin(authorizationUrl, username, opts = {}) {
      const b = browser();
      const first = await b.get(authorizationUrl, opts.stopAt);
      return signInAndConsent(b, first, username, opts);
    },
    async approveDeviceCode(userCode, username, opts = {}) {
      const b = browser();
      let p = await b.get(`${issuer}/device`);
      p = await b.submit(p, findForm(p, { id: 'op.deviceInputForm' }), { user_code: userCode });
      p = await b.submit(p, findForm(p, { id: 'op.deviceConfirmForm' }));
      p = await signInAndConsent(b, p, username, { password: opts.password });
      if (!/id="device-success"/.test(p.body)) throw new Error(`device sign-in did not succeed: ${p.body.replace(/<[^>]+>/g, ' ').slice(0, 300)}`);
      return p;
    },
    async denyDeviceCode(userCode) {
      const b = browser();
      let p = await b.get(`${issuer}/device`);
      p = await b.submit(p, findForm(p, { id: 'op.deviceInputForm' }), { user_code: userCode });
      return b.submit(p, findForm(p, { id: 'op.deviceConfirmForm' }), {}, 'abort');
    },
    async tokensFor(username, o = {}) {
      const post = async (path: string, params: Record<string, string>) => {
        const res = await harness.fetch(`${issuer}${path}`, { method: 'POST', body: new URLSearchParams(params) });
        const body = (await res.json()) as Record<string, unknown>;
        if (!res.ok) throw new Error(`${path}: ${String(body.error)} ${String(body.error_description ?? '')}`);
        return body;
      };
      const resource = o.resource === undefined ? audience : o.resource;
      const d = await post('/device/auth', { client_id: clientId, scope: o.scope ?? 'openid profile email groups offline_access', ...(resource ? { resource } : {}) });
      await harness.approveDeviceCode(String(d.user_code), username);
      const t = await post('/token', { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: String(d.device_code), client_id: clientId });
      return { idToken: String(t.id_token), accessToken: String(t.access_token), refreshToken: (t.refresh_token as string | undefined) ?? null, expiresIn: Number(t.expires_in), scope: String(t.scope ?? '') };
    },
    signingKeys: () => [...keys],
    async rotateKeys() {
      const k = await newSigningKey(alg);
      keys = [k, ...keys];
      provider = build();
      return k;
    },
    retireOldKeys() {
      keys = keys.slice(0, 1);
      provider = build();
    },
    async mintIdToken(claims = {}, o = {}) {
      const key = o.key ?? keys[0]!;
      const now = Math.floor(Date.now() / 1000);
      const alice = users[0]!;
      const payload = { iss: issuer, aud: clientId, sub: alice.sub, iat: now, exp: now + 300, email: alice.email, name: alice.name, groups: alice.groups, ...claims };
      for (const [k, v] of Object.entries(payload)) if (v === undefined) delete (payload as Record<string, unknown>)[k];
      return new SignJWT(payload)
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...o.header } as never)
        .sign(await importJWK(key.privateJwk, key.alg));
    },
    async revokeGrants(username) {
      for (const g of store.grantsOf(user(username).sub)) store.revokeGrant(g);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return harness;

  /** The provider's login and consent pages (what devInteractions would do, with a real password check). */
  async function interaction(p: Provider, req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url!, issuer);
    const [, , uid, action] = url.pathname.split('/');
    const details = await p.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error('interaction uid mismatch');
    const html = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(body);
    };
    if (req.method === 'GET' && !action) {
      if (details.prompt.name === 'login') return html(200, loginPage(uid!));
      const client = await p.Client.find(String(details.params.client_id));
      return html(200, consentPage(uid!, client?.clientName ?? String(details.params.client_id), String(details.params.scope ?? '')));
    }
    if (req.method !== 'POST') return html(405, page('Error', '<p>method not allowed</p>'));
    const form = new URLSearchParams(await readBody(req));
    if (action === 'login') {
      const u = users.find((x) => x.username === form.get('login'));
      if (!u || u.password !== form.get('password')) return html(200, loginPage(uid!, 'Wrong username or password.'));
      return p.interactionFinished(req, res, { login: { accountId: u.sub } }, { mergeWithLastSubmission: false });
    }
    if (action === 'confirm') {
      if (form.has('deny')) {
        return p.interactionFinished(req, res, { error: 'access_denied', error_description: 'The user denied the request.' }, { mergeWithLastSubmission: false });
      }
      const { session, params, grantId } = details;
      const prompt = details.prompt as { details: { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> } };
      const grant = grantId ? await p.Grant.find(grantId) : new p.Grant({ accountId: session!.accountId, clientId: String(params.client_id) });
      if (!grant) throw new Error('grant vanished');
      if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
      if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(prompt.details.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
      return p.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
    }
    return html(404, page('Error', '<p>not found</p>'));
  }
}

async function newSigningKey(alg: 'RS256' | 'ES256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = randomUUID();
  return {
    kid,
    alg,
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' },
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' },
  };
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let s = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (s += d));
    req.on('end', () => resolve(s));
    req.on('error', reject);
  });
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

function loginPage(uid: string, error?: string): string {
  return page(
    'Sign in',
    (error ? `<p id="login-error">${escapeHtml(error)}</p>` : '') +
      `<form id="login-form" method="post" action="/interaction/${uid}/login">` +
      '<input type="text" name="login" autocomplete="username"><input type="password" name="password" autocomplete="current-password">' +
      '<button type="submit">Sign in</button></form>',
  );
}

function consentPage(uid: string, client: string, scope: string): string {
  return page(
    'Authorize',
    `<p><strong>${escapeHtml(client)}</strong> asks for: ${escapeHtml(scope)}</p>` +
      `<form id="consent-form" method="post" action="/interaction/${uid}/confirm">` +
      '<button type="submit" name="allow" value="yes">Allow</button><button type="submit" name="deny" value="yes">Deny</button></form>',
  );
}
