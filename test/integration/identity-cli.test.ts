/**
 * `witness login / logout / whoami` through the real CLI process against the real provider:
 * the child trusts the provider's CA through NODE_EXTRA_CA_CERTS, BROWSER is a no-op so no
 * browser ever opens, and the test plays the user on the provider's pages. With a running
 * engine, the engine uses the new session as soon as `login` exits.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlEvent } from '../../proxy/control/index.js';
import { FileKeyVault, vaultDir } from '../../proxy/keys/index.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { startTestEngine } from '../helpers/engine.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc.js';

let op: TestOidcProvider;
let upstream: FakeUpstream;

beforeAll(async () => {
  [op, upstream] = await Promise.all([startOidcProvider(), startFakeUpstream()]);
});
afterAll(async () => {
  await Promise.all([op?.close(), upstream?.close()]);
});

const identity = () => ({ issuer: op.issuer, clientId: op.clientId, audience: op.audience, groupsScope: 'groups' });

function dataDirWithConfig(): string {
  const dir = mkdtempSync(join(tmpdir(), 'witness-cli-identity-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ identity: identity() }));
  return dir;
}

/** Env for the CLI child: trust the provider's CA; BROWSER=true makes "open the browser" a no-op. */
const childEnv = () => ({ ...op.childEnv, BROWSER: 'true', WITNESS_VAULT_PASSPHRASE: '', WITNESS_STORE_PASSPHRASE: '' });

const WHOAMI_KEYS = ['signedIn', 'sub', 'email', 'name', 'groups', 'issuer', 'expiresAt'];

async function tokensIn(dir: string): Promise<string[]> {
  const bytes = await new FileKeyVault({ dir: vaultDir(dir) }).get('identity.session');
  if (!bytes) return [];
  const s = JSON.parse(Buffer.from(bytes).toString()) as Record<string, string | null>;
  return [s.idToken, s.accessToken, s.refreshToken].filter((t): t is string => !!t);
}

function filesUnder(dir: string): Array<[string, Buffer]> {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [[p, readFileSync(p)] as [string, Buffer]];
  });
}

function expectNoToken(tokens: string[], places: Array<[string, string | Buffer]>) {
  expect(tokens.length).toBeGreaterThan(0);
  for (const t of tokens) {
    for (const needle of [t, ...(t.split('.').length === 3 ? [t.split('.')[1]!] : [])]) {
      for (const [where, content] of places) expect((Buffer.isBuffer(content) ? content.toString('latin1') : content).includes(needle), `${where} holds a token in clear`).toBe(false);
    }
  }
}

describe('witness login / whoami / logout (CLI process, real provider)', () => {
  it('login --device --json: first line is the device JSON, exits 0 once the test approves the code; whoami --json and logout follow', { timeout: 120_000 }, async () => {
    const dir = dataDirWithConfig();
    try {
      const login = spawnCli(['login', '--device', '--json', '--data-dir', dir], childEnv());
      const first = JSON.parse(await login.waitFor(/^\{/, 60_000)) as Record<string, unknown>;
      expect(Object.keys(first)).toEqual(['user_code', 'verification_uri', 'verification_uri_complete', 'expires_in']);
      expect(first).toMatchObject({ verification_uri: `${op.issuer}/device`, expires_in: expect.any(Number) });
      expect(new URL(first.verification_uri_complete as string).searchParams.get('user_code')).toBe(first.user_code);
      await op.approveDeviceCode(first.user_code as string, 'alice');
      expect(await login.exited).toBe(0);
      const lines = login.stdout().trim().split('\n');
      expect(lines).toHaveLength(2);
      expect(JSON.parse(lines[1]!)).toMatchObject({ signedIn: true, sub: 'sub-alice', groups: ['engineering', 'approvers'] });

      const who = await runCli(['whoami', '--json', '--data-dir', dir], { env: childEnv() });
      expect(who.code).toBe(0);
      const me = JSON.parse(who.stdout) as Record<string, unknown>;
      expect(Object.keys(me)).toEqual(WHOAMI_KEYS);
      expect(me).toEqual({ signedIn: true, sub: 'sub-alice', email: 'alice@example.test', name: 'Alice Example', groups: ['engineering', 'approvers'], issuer: op.issuer, expiresAt: expect.any(String) });
      expect(Date.parse(me.expiresAt as string)).toBeGreaterThan(Date.now());

      const text = await runCli(['whoami', '--data-dir', dir], { env: childEnv() });
      expect(text.stdout).toContain('Signed in as Alice Example <alice@example.test>');

      const tokens = await tokensIn(dir);
      expectNoToken(tokens, [...filesUnder(dir), ['login stdout', login.stdout()], ['login stderr', login.stderr()], ['whoami stdout', who.stdout], ['whoami stderr', who.stderr]]);

      const out = await runCli(['logout', '--data-dir', dir], { env: childEnv() });
      expect(out.code).toBe(0);
      expect(out.stdout).toContain('Signed out. The refresh token was revoked at the identity provider.');
      const after = await runCli(['whoami', '--json', '--data-dir', dir], { env: childEnv() });
      expect(after.code).toBe(3);
      expect(JSON.parse(after.stdout)).toEqual({ signedIn: false, sub: null, email: null, name: null, groups: [], issuer: null, expiresAt: null });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('login --device --json exits non-zero with a clear message when the user denies the code', { timeout: 120_000 }, async () => {
    const dir = dataDirWithConfig();
    try {
      const login = spawnCli(['login', '--device', '--json', '--data-dir', dir], childEnv());
      const first = JSON.parse(await login.waitFor(/^\{/, 60_000)) as { user_code: string };
      await op.denyDeviceCode(first.user_code);
      expect(await login.exited).toBe(1);
      expect(login.stderr()).toMatch(/witness: Sign-in was denied at the identity provider.*\[IDENTITY_SIGN_IN_DENIED\]/);
      expect(login.stdout().trim().split('\n')).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('login --device --json exits non-zero with a clear message when the code expires', { timeout: 120_000 }, async () => {
    const short = await startOidcProvider({ ttl: { deviceCode: 2 } });
    const dir = mkdtempSync(join(tmpdir(), 'witness-cli-identity-'));
    try {
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ identity: { issuer: short.issuer, clientId: short.clientId } }));
      const login = spawnCli(['login', '--device', '--json', '--data-dir', dir], { ...short.childEnv, BROWSER: 'true' });
      await login.waitFor(/^\{/, 60_000);
      expect(await login.exited).toBe(1);
      expect(login.stderr()).toMatch(/expired before it was approved: run `witness login --device` again\. \[IDENTITY_SIGN_IN_EXPIRED\]/);
    } finally {
      await short.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('login (browser): prints the URL, the test signs in on the provider form, the CLI reports who', { timeout: 120_000 }, async () => {
    const dir = dataDirWithConfig();
    try {
      const login = spawnCli(['login', '--data-dir', dir], childEnv());
      const url = (await login.waitFor(/^\s+https:\/\//, 60_000)).trim();
      expect(new URL(url).searchParams.get('code_challenge_method')).toBe('S256');
      const tab = await op.completeLogin(url, 'bob');
      expect(tab.body).toContain('Signed in as Bob Builder');
      expect(await login.exited).toBe(0);
      expect(login.stdout()).toContain(`Signed in as Bob Builder <bob@example.test> (${op.issuer}).`);
      expect(login.stdout()).toContain('Groups: contractors');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('without identity configured, login says what to set', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'witness-cli-identity-'));
    try {
      const r = await runCli(['login', '--data-dir', dir], { env: childEnv() });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/Sign-in is not configured .* set identity\.issuer and identity\.clientId .*\[IDENTITY_NOT_CONFIGURED\]/);
      const who = await runCli(['whoami', '--data-dir', dir], { env: childEnv() });
      expect(who.code).toBe(3);
      expect(who.stdout).toContain('sign-in is not configured');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a running engine and the CLI', () => {
  it('uses a sign-in made by `witness login` as soon as the command exits, and a logout likewise', { timeout: 120_000 }, async () => {
    const te = await startTestEngine(upstream, { identity: identity() }, { identityFetch: op.fetch });
    try {
      writeFileSync(join(te.dataDir, 'config.json'), JSON.stringify({ identity: identity() }));
      const events: ControlEvent[] = [];
      te.engine.bus.subscribe((e) => events.push(e));
      expect(te.engine.identityService.current()).toBeNull();

      const login = spawnCli(['login', '--device', '--json', '--data-dir', te.dataDir], childEnv());
      const first = JSON.parse(await login.waitFor(/^\{/, 60_000)) as { user_code: string };
      await op.approveDeviceCode(first.user_code, 'bob');
      expect(await login.exited).toBe(0);
      expect(login.stderr()).toContain(`The running engine (pid ${process.pid}) now uses this sign-in.`);
      // No waiting: the engine took it before the CLI exited.
      expect(te.engine.identityService.current()).toMatchObject({ sub: 'sub-bob', groups: ['contractors'] });
      expect(events.filter((e) => e.type === 'identity.changed').map((e) => e.data)).toEqual([
        expect.objectContaining({ configured: true, signedIn: true, sub: 'sub-bob' }),
      ]);

      const who = await runCli(['whoami', '--data-dir', te.dataDir], { env: childEnv() });
      expect(who.stdout).toContain(`according to the running engine (pid ${process.pid})`);

      const logout = await runCli(['logout', '--data-dir', te.dataDir], { env: childEnv() });
      expect(logout.stdout).toContain('is signed out too');
      expect(te.engine.identityService.current()).toBeNull();
      expect(events.filter((e) => e.type === 'identity.changed').at(-1)!.data).toMatchObject({ signedIn: false });
      expect(te.logs.join('\n')).toContain('"sub":"sub-bob"');
    } finally {
      await te.stop();
    }
  });

  it('an engine started with a stored session is signed in at once, keeps tokens out of its logs, and refreshes when told', { timeout: 120_000 }, async () => {
    const dir = dataDirWithConfig();
    const login = spawnCli(['login', '--device', '--json', '--data-dir', dir], childEnv());
    const first = JSON.parse(await login.waitFor(/^\{/, 60_000)) as { user_code: string };
    await op.approveDeviceCode(first.user_code, 'alice');
    expect(await login.exited).toBe(0);
    const tokens = await tokensIn(dir);
    // The engine reads the same vault: start it on that data dir.
    const { Engine } = await import('../../proxy/engine.js');
    const { parseConfig } = await import('../../proxy/config/index.js');
    const { createLogger } = await import('../../proxy/log.js');
    const logs: string[] = [];
    const engine = new Engine({
      dataDir: dir,
      config: parseConfig({ identity: identity(), proxy: { port: 0 } }),
      log: createLogger({ level: 'debug', write: (l) => logs.push(l) }),
      identityFetch: op.fetch,
    });
    await engine.start();
    try {
      expect(engine.identityService.current()).toMatchObject({ sub: 'sub-alice' });
      await engine.identityService.refresh();
      const after = await tokensIn(dir);
      expect(after[2]).not.toBe(tokens[2]); // rotated refresh token stored
      expectNoToken([...tokens, ...after], [...filesUnder(dir), ...logs.map((l, i) => [`engine log ${i}`, l] as [string, string])]);
    } finally {
      await engine.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
