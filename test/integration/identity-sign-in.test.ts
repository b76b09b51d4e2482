/**
 * IdentityService against the real in-process provider: code + PKCE through the provider's
 * login form to the loopback redirect, the device flow, refresh (scheduled and on demand),
 * a refused refresh, sign-out with revocation, two processes sharing one vault, and no token
 * in clear in any file of the data dir or in the logs.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../proxy/config/index.js';
import { IdentityService, whoami, type IdentitySession, type IdentityServiceOptions, type Timers } from '../../proxy/identity/index.js';
import { FileKeyVault, keyFileSource, vaultDir } from '../../proxy/keys/index.js';
import { createLogger } from '../../proxy/log.js';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc.js';
import type { Page } from '../helpers/oidc-browser.js';

let op: TestOidcProvider;
const dirs: string[] = [];
const services: IdentityService[] = [];

beforeAll(async () => {
  op = await startOidcProvider({ users: [
    { username: 'alice', name: 'Alice Example', email: 'alice@example.test', groups: ['engineering', 'approvers'] },
    { username: 'bob', name: 'Bob Builder', email: 'bob@example.test', groups: ['contractors'] },
    { username: 'carol', groups: ['engineering'] },
  ] });
});
afterAll(async () => {
  await op?.close();
});
afterEach(() => {
  for (const s of services.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function identityConfig() {
  return parseConfig({ identity: { issuer: op.issuer, clientId: op.clientId, audience: op.audience, groupsScope: 'groups', groupProfiles: { contractors: 'contractor', engineering: 'staff' } } }).identity;
}

function makeService(dataDir?: string, extra: Partial<IdentityServiceOptions> = {}) {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'witness-identity-'));
  if (!dataDir) dirs.push(dir);
  const logs: string[] = [];
  const vault = new FileKeyVault({ dir: vaultDir(dir), kek: keyFileSource(vaultDir(dir)) });
  const service = new IdentityService({ config: identityConfig(), vault, log: createLogger({ level: 'debug', write: (l) => logs.push(l) }), fetch: op.fetch, ...extra });
  services.push(service);
  return { service, vault, dir, logs };
}

/** The opener a test injects: the scripted browser walks the provider's pages for `username`. */
function browserAs(username: string, opts: Parameters<TestOidcProvider['completeLogin']>[2] = {}) {
  const pages: Promise<Page>[] = [];
  return {
    open: async (url: string) => {
      pages.push(op.completeLogin(url, username, opts));
      return true;
    },
    lastPage: () => pages[pages.length - 1]!,
  };
}

async function storedTokens(vault: FileKeyVault) {
  const bytes = await vault.get('identity.session');
  return bytes ? (JSON.parse(Buffer.from(bytes).toString()) as { idToken: string; accessToken: string; refreshToken: string | null; id: string }) : null;
}

/** Every file under `dir`, recursively, as bytes. */
function allFiles(dir: string): Array<[string, Buffer]> {
  const out: Array<[string, Buffer]> = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...allFiles(p));
    else out.push([p, readFileSync(p)]);
  }
  return out;
}

function expectNoTokenIn(haystacks: Array<[string, string | Buffer]>, tokens: string[]) {
  for (const t of tokens) {
    // The token, and its payload part alone (a JWT's middle segment is the readable part).
    const needles = [t, ...(t.split('.').length === 3 ? [t.split('.')[1]!] : [])];
    for (const [where, content] of haystacks) {
      const text = Buffer.isBuffer(content) ? content.toString('latin1') : content;
      for (const n of needles) expect(text.includes(n), `${where} contains a token in clear`).toBe(false);
    }
  }
}

describe('sign-in with the real provider', () => {
  it('code + PKCE: follows the login form to the one-shot loopback redirect and stores a validated session', async () => {
    const { service, vault, dir, logs } = makeService();
    const changes: Array<IdentitySession | null> = [];
    service.onChange((s) => changes.push(s));
    const browser = browserAs('alice');
    let shownUrl = '';
    const session = await service.signInWithBrowser({ open: browser.open, onUrl: (u) => (shownUrl = u) });

    expect(session).toMatchObject({ sub: 'sub-alice', email: 'alice@example.test', name: 'Alice Example', groups: ['engineering', 'approvers'], issuer: op.issuer });
    expect(Date.parse(session.expiresAt)).toBeGreaterThan(Date.now());
    expect(whoami(service.current())).toEqual({ signedIn: true, ...session });
    expect(service.profiles()).toEqual(['staff']);
    expect(changes).toEqual([session]);

    const auth = new URL(shownUrl);
    expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
    expect(auth.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    expect(auth.searchParams.get('resource')).toBe(op.audience);
    expect(auth.searchParams.get('scope')).toBe('openid profile email offline_access groups');
    expect(auth.searchParams.get('state')).toBeTruthy();
    expect(auth.searchParams.get('nonce')).toBeTruthy();

    const tab = await browser.lastPage();
    expect(tab.status).toBe(200);
    expect(tab.body).toContain('Signed in as Alice Example');
    // The listener answered once and closed.
    const port = Number(new URL(auth.searchParams.get('redirect_uri')!).port);
    await expect(new Promise((resolve, reject) => http.get({ host: '127.0.0.1', port, path: '/callback' }, resolve).on('error', reject))).rejects.toThrow(/ECONNREFUSED/);

    const tokens = (await storedTokens(vault))!;
    expect(tokens.refreshToken).toBeTruthy();
    expect(service.accessToken()).toBe(tokens.accessToken);
    expectNoTokenIn([...allFiles(dir), ...logs.map((l, i) => [`log line ${i}`, l] as [string, string])], [tokens.idToken, tokens.accessToken, tokens.refreshToken!]);
  });

  it('a denied consent ends the sign-in with IDENTITY_SIGN_IN_DENIED and says so in the browser tab', async () => {
    const { service, vault } = makeService();
    const browser = browserAs('alice', { consent: 'deny' });
    await expect(service.signInWithBrowser({ open: browser.open })).rejects.toMatchObject({ code: 'IDENTITY_SIGN_IN_DENIED' });
    expect((await browser.lastPage()).body).toContain('Sign-in was denied at the identity provider');
    expect(service.current()).toBeNull();
    expect(await vault.get('identity.session')).toBeNull();
  });

  it('gives up after its timeout, pointing to the device flow', async () => {
    const { service } = makeService();
    await expect(service.signInWithBrowser({ open: async () => true, timeoutMs: 200 })).rejects.toMatchObject({
      code: 'IDENTITY_SIGN_IN_EXPIRED',
      message: expect.stringContaining('witness login --device'),
    });
  });

  it('device flow: approved on the provider pages, the session has the approver\'s groups', async () => {
    const { service } = makeService();
    const device = await service.startDeviceSignIn();
    expect(device.verificationUri).toBe(`${op.issuer}/device`);
    expect(device.userCode).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
    expect(device.expiresIn).toBeGreaterThan(0);
    await op.approveDeviceCode(device.userCode, 'bob');
    const session = await device.completed;
    expect(session).toMatchObject({ sub: 'sub-bob', groups: ['contractors'] });
    expect(service.profiles()).toEqual(['contractor']);
  });

  it('device flow: denial and expiry fail with their own codes', async () => {
    const { service } = makeService();
    const denied = await service.startDeviceSignIn();
    await op.denyDeviceCode(denied.userCode);
    await expect(denied.completed).rejects.toMatchObject({ code: 'IDENTITY_SIGN_IN_DENIED' });

    const short = await startOidcProvider({ ttl: { deviceCode: 2 } });
    try {
      const s2 = makeService(undefined, { fetch: short.fetch, config: parseConfig({ identity: { issuer: short.issuer, clientId: short.clientId } }).identity }).service;
      const expiring = await s2.startDeviceSignIn();
      await expect(expiring.completed).rejects.toMatchObject({ code: 'IDENTITY_SIGN_IN_EXPIRED', message: expect.stringContaining('witness login --device') });
    } finally {
      await short.close();
    }
  });
});

describe('keeping the session', () => {
  /** Timers the test fires by hand: the schedule is asserted, not waited for. */
  function manualTimers() {
    const pending: Array<{ fn: () => void; ms: number; id: number }> = [];
    let n = 0;
    const timers: Timers = {
      setTimeout: (fn, ms) => {
        const t = { fn, ms, id: ++n };
        pending.push(t);
        return t.id;
      },
      clearTimeout: (id) => {
        const i = pending.findIndex((t) => t.id === id);
        if (i >= 0) pending.splice(i, 1);
      },
    };
    return { timers, pending };
  }

  it('refreshes at 80% of the token lifetime, stores the rotated refresh token, and picks up changed groups', async () => {
    const { timers, pending } = manualTimers();
    const { service, vault } = makeService(undefined, { timers, autoRefresh: true });
    const first = await service.signInWithBrowser({ open: browserAs('carol').open });
    const before = (await storedTokens(vault))!;
    expect(pending).toHaveLength(1);
    const lifetime = Date.parse(first.expiresAt) - Date.now();
    expect(pending[0]!.ms).toBeGreaterThan(lifetime * 0.8 - 5_000);
    expect(pending[0]!.ms).toBeLessThan(lifetime * 0.8 + 1_000);

    op.user('carol').groups.push('approvers');
    const changed = new Promise<IdentitySession | null>((resolve) => service.onChange(resolve));
    pending.shift()!.fn();
    const next = await changed;
    expect(next).toMatchObject({ sub: 'sub-carol', groups: ['engineering', 'approvers'] });
    const after = (await storedTokens(vault))!;
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.id).toBe(before.id);
    expect(pending).toHaveLength(1); // the next refresh is planned
  });

  it('a refresh the provider refuses ends the session and forgets it', async () => {
    const { service, vault } = makeService(undefined, { autoRefresh: true, timers: manualTimers().timers });
    await service.signInWithBrowser({ open: browserAs('alice').open });
    const ended = new Promise<IdentitySession | null>((resolve) => service.onChange(resolve));
    await op.revokeGrants('alice');
    await expect(service.refresh()).resolves.toBeNull();
    expect(await ended).toBeNull();
    expect(service.current()).toBeNull();
    expect(await vault.get('identity.session')).toBeNull();
  });

  it('a refresh that cannot reach the provider keeps the session and retries later', async () => {
    const { timers, pending } = manualTimers();
    let offline = false;
    const flaky: typeof fetch = (input, init) => (offline ? Promise.reject(new TypeError('fetch failed')) : op.fetch(input, init));
    const { service } = makeService(undefined, { fetch: flaky, timers, autoRefresh: true });
    const session = await service.signInWithBrowser({ open: browserAs('alice').open });
    offline = true;
    await expect(service.refresh()).rejects.toMatchObject({ code: 'IDENTITY_PROVIDER_UNREACHABLE' });
    expect(service.current()).toEqual(session);
    expect(pending.map((p) => p.ms)).toEqual([30_000]);
    offline = false;
    await expect(service.refresh()).resolves.toMatchObject({ sub: 'sub-alice' });
  });

  it('sign-out forgets the session and revokes the refresh token at the provider', async () => {
    const { service, vault } = makeService();
    await service.signInWithBrowser({ open: browserAs('alice').open });
    const rt = (await storedTokens(vault))!.refreshToken!;
    const changes: Array<IdentitySession | null> = [];
    service.onChange((s) => changes.push(s));
    await expect(service.signOut()).resolves.toEqual({ wasSignedIn: true, revoked: true });
    expect(changes).toEqual([null]);
    expect(await vault.get('identity.session')).toBeNull();
    const d = (await (await op.fetch(`${op.issuer}/.well-known/openid-configuration`)).json()) as { token_endpoint: string };
    const res = await op.fetch(d.token_endpoint, { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: rt, client_id: op.clientId }) });
    expect(((await res.json()) as { error: string }).error).toBe('invalid_grant');
    await expect(service.signOut()).resolves.toEqual({ wasSignedIn: false, revoked: false });
  });

  it('two processes on one vault: the engine picks up a sign-in and a sign-out made by the CLI on reload, and a refresh never overwrites a newer sign-in', async () => {
    const { service: engine, dir } = makeService(undefined, { autoRefresh: true, timers: manualTimers().timers });
    const { service: cli } = makeService(dir);
    await engine.load();
    expect(engine.current()).toBeNull();
    const events: Array<string | null> = [];
    engine.onChange((s) => events.push(s?.sub ?? null));

    await cli.signInWithBrowser({ open: browserAs('alice').open });
    await engine.reload();
    expect(engine.current()).toMatchObject({ sub: 'sub-alice' });

    // The CLI signs in as someone else; the engine's next refresh adopts that session instead of refreshing its own.
    await cli.signInWithBrowser({ open: browserAs('bob').open });
    await expect(engine.refresh()).resolves.toMatchObject({ sub: 'sub-bob' });

    await cli.signOut();
    await engine.reload();
    expect(engine.current()).toBeNull();
    expect(events).toEqual(['sub-alice', 'sub-bob', null]);
  });

  it('a session made with another provider or client than configured now is not used', async () => {
    const { service, dir } = makeService();
    await service.signInWithBrowser({ open: browserAs('alice').open });
    const other = new IdentityService({
      config: parseConfig({ identity: { issuer: 'https://other.example.test', clientId: op.clientId } }).identity,
      vault: new FileKeyVault({ dir: vaultDir(dir), kek: keyFileSource(vaultDir(dir)) }),
      log: createLogger({ write: () => {} }),
    });
    services.push(other);
    await expect(other.load()).resolves.toBeNull();
  });

  it('without sign-in configured, sign-in fails with IDENTITY_NOT_CONFIGURED and the session is null', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'witness-identity-'));
    dirs.push(dir);
    const s = new IdentityService({ config: parseConfig({}).identity, vault: new FileKeyVault({ dir: vaultDir(dir) }), log: createLogger({ write: () => {} }) });
    services.push(s);
    expect(s.enabled).toBe(false);
    await expect(s.load()).resolves.toBeNull();
    await expect(s.startDeviceSignIn()).rejects.toMatchObject({ code: 'IDENTITY_NOT_CONFIGURED', message: expect.stringContaining('identity.issuer') });
  });
});
