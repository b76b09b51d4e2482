/**
 * The in-process OpenID Provider harness itself, driven with plain OAuth requests (no client
 * library), so the other identity tests and the central server's tests can rely on it.
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt, decodeProtectedHeader, jwtVerify, createLocalJWKSet } from 'jose';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc.js';

let op: TestOidcProvider;

beforeAll(async () => {
  op = await startOidcProvider();
});
afterAll(async () => {
  await op?.close();
});

async function json(url: string, init?: RequestInit) {
  const res = await op.fetch(url, init);
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

async function discovery() {
  return (await json(`${op.issuer}/.well-known/openid-configuration`)).body;
}

/** A one-shot loopback listener, as a native app would run. */
function loopback(): Promise<{ redirectUri: string; received: Promise<URL>; close(): void }> {
  return new Promise((resolve) => {
    let deliver!: (u: URL) => void;
    const received = new Promise<URL>((r) => (deliver = r));
    const server = http.createServer((req, res) => {
      res.end('ok');
      deliver(new URL(req.url!, 'http://127.0.0.1'));
    });
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      resolve({ redirectUri: `http://127.0.0.1:${port}/callback`, received, close: () => server.close() });
    });
  });
}

const b64url = (b: Buffer) => b.toString('base64url');

describe('in-process oidc-provider harness', () => {
  it('serves discovery over HTTPS with PKCE S256, device flow, revocation and resource indicators', async () => {
    const d = await discovery();
    expect(d.issuer).toBe(op.issuer);
    expect(op.issuer).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(d.code_challenge_methods_supported).toEqual(['S256']);
    expect(d.device_authorization_endpoint).toBe(`${op.issuer}/device/auth`);
    expect(d.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code']));
    expect(d.revocation_endpoint).toBeTruthy();
    expect(d.scopes_supported).toEqual(expect.arrayContaining(['openid', 'offline_access', 'groups']));
    expect(d.authorization_response_iss_parameter_supported).toBe(true);
  });

  it('runs code + PKCE through its login and consent pages to a loopback redirect on any port, with groups and a JWT access token for the audience', async () => {
    const d = await discovery();
    const lb = await loopback();
    const verifier = b64url(randomBytes(32));
    const state = b64url(randomBytes(16));
    const nonce = b64url(randomBytes(16));
    const auth = new URL(d.authorization_endpoint);
    auth.search = new URLSearchParams({
      client_id: op.clientId,
      response_type: 'code',
      redirect_uri: lb.redirectUri,
      scope: 'openid profile email groups offline_access',
      // OIDC Core §11: offline access is granted with prompt=consent (oidc-provider enforces it).
      prompt: 'consent',
      code_challenge: b64url(createHash('sha256').update(verifier).digest()),
      code_challenge_method: 'S256',
      state,
      nonce,
      resource: op.audience,
    }).toString();
    await op.completeLogin(auth.href, 'alice');
    const cb = await lb.received;
    lb.close();
    expect(cb.searchParams.get('state')).toBe(state);
    expect(cb.searchParams.get('iss')).toBe(op.issuer);
    const token = await json(d.token_endpoint, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'authorization_code', code: cb.searchParams.get('code')!, redirect_uri: lb.redirectUri, client_id: op.clientId, code_verifier: verifier, resource: op.audience }),
    });
    expect(token.status).toBe(200);
    const jwks = createLocalJWKSet((await json(d.jwks_uri)).body as never);
    const id = await jwtVerify(token.body.id_token, jwks, { issuer: op.issuer, audience: op.clientId });
    expect(id.payload).toMatchObject({ sub: 'sub-alice', nonce, email: 'alice@example.test', name: 'Alice Example', groups: ['engineering', 'approvers'] });
    const at = await jwtVerify(token.body.access_token, jwks, { issuer: op.issuer, audience: op.audience });
    expect(at.payload).toMatchObject({ sub: 'sub-alice', groups: ['engineering', 'approvers'], client_id: op.clientId });
    expect(token.body.refresh_token).toBeTruthy();

    const refreshed = await json(d.token_endpoint, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token.body.refresh_token, client_id: op.clientId, resource: op.audience }),
    });
    expect(refreshed.status).toBe(200);
    expect(decodeJwt(refreshed.body.access_token).aud).toBe(op.audience);

    await op.revokeGrants('alice');
    const refused = await json(d.token_endpoint, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshed.body.refresh_token ?? token.body.refresh_token, client_id: op.clientId }),
    });
    expect(refused.body.error).toBe('invalid_grant');
  });

  it('refuses a code request without PKCE and a wrong password on its login page', async () => {
    const d = await discovery();
    const auth = new URL(d.authorization_endpoint);
    auth.search = new URLSearchParams({ client_id: op.clientId, response_type: 'code', redirect_uri: 'http://127.0.0.1:1/callback', scope: 'openid' }).toString();
    const page = await op.completeLogin(auth.href, 'alice', { stopAt: (u) => u.startsWith('http://127.0.0.1:1/') });
    expect(new URL(page.url).searchParams.get('error')).toBe('invalid_request');

    auth.search = new URLSearchParams({
      client_id: op.clientId,
      response_type: 'code',
      redirect_uri: 'http://127.0.0.1:1/callback',
      scope: 'openid',
      code_challenge: b64url(createHash('sha256').update('x'.repeat(43)).digest()),
      code_challenge_method: 'S256',
    }).toString();
    await expect(op.completeLogin(auth.href, 'alice', { password: 'wrong' })).rejects.toThrow(/login refused/);
  });

  it('runs the device authorization grant with a short polling interval; approval and denial through its pages', async () => {
    const d = await discovery();
    const start = async () =>
      (await json(d.device_authorization_endpoint, { method: 'POST', body: new URLSearchParams({ client_id: op.clientId, scope: 'openid groups offline_access', resource: op.audience }) })).body;
    const poll = (deviceCode: string) =>
      json(d.token_endpoint, { method: 'POST', body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: deviceCode, client_id: op.clientId }) });

    const a = await start();
    expect(a).toMatchObject({ interval: 1, verification_uri: `${op.issuer}/device` });
    expect(new URL(a.verification_uri_complete).searchParams.get('user_code')).toBe(a.user_code);
    expect((await poll(a.device_code)).body.error).toBe('authorization_pending');
    await op.approveDeviceCode(a.user_code, 'bob');
    const ok = await poll(a.device_code);
    expect(ok.status).toBe(200);
    expect(decodeJwt(ok.body.id_token)).toMatchObject({ sub: 'sub-bob', groups: ['contractors'] });

    const b = await start();
    await op.denyDeviceCode(b.user_code);
    expect((await poll(b.device_code)).body.error).toBe('access_denied');
  });

  it('hands out real tokens for a user: a JWT access token for the audience with groups, an ID token, a refresh token', async () => {
    const d = await discovery();
    const jwks = createLocalJWKSet((await json(d.jwks_uri)).body as never);
    const t = await op.tokensFor('bob');
    const at = await jwtVerify(t.accessToken, jwks, { issuer: op.issuer, audience: op.audience });
    expect(at.payload).toMatchObject({ sub: 'sub-bob', client_id: op.clientId, groups: ['contractors'], email: 'bob@example.test' });
    expect((await jwtVerify(t.idToken, jwks, { issuer: op.issuer, audience: op.clientId })).payload.sub).toBe('sub-bob');
    expect(t.refreshToken).toBeTruthy();
    expect(t.expiresIn).toBeGreaterThan(0);
  });

  it('rotates keys on demand: new tokens carry the new kid, the old key stays published until retired', async () => {
    const before = op.signingKeys()[0]!;
    const next = await op.rotateKeys();
    const d = await discovery();
    const kids = () => json(d.jwks_uri).then((r) => (r.body.keys as Array<{ kid: string }>).map((k) => k.kid));
    expect(await kids()).toEqual([next.kid, before.kid]);
    expect(decodeProtectedHeader(await op.mintIdToken()).kid).toBe(next.kid);
    op.retireOldKeys();
    expect(await kids()).toEqual([next.kid]);
  });
});
