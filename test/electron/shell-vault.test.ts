/**
 * The desktop key vault end to end, `electron` mocked and the rest real: the shell keeps the
 * sign-in session sealed by safeStorage in DATA_DIR/keychain, the engine is the real
 * `witness start` in a child process, and it reads the session over the process's message
 * port (the fake utility process's port is the Node IPC channel). Where the OS has no real
 * keychain (Linux basic_text), the engine keeps its own vault and the tray says so.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('./fake-electron.js'));

import { fake, resetFake, safeStorage } from './fake-electron.js';
import { startShell, type Shell } from '../../electron/main/shell.js';
import { KeychainVault, vaultFiles } from '../../electron/core/keychain-vault.js';
import { createControlClient } from '../../proxy/control/index.js';
import { readControlFile } from '../../proxy/control-server/index.js';

async function until<T>(pred: () => T | undefined | null | false, what: string, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = pred();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const ISSUER = 'https://idp.example.test/realms/acme';
const ID_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzdWItYWRhIn0.c2lnbmF0dXJlLW9mLWFkYQ';
const REFRESH_TOKEN = 'refresh-token-of-ada-5c1f0e7b9a';

/** A data dir with sign-in configured, and a session for Ada sealed in the desktop vault. */
async function dataDirWithDesktopSession(): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'witness-shell-vault-'));
  writeFileSync(join(dataDir, 'config.json'), JSON.stringify({ proxy: { port: 0 }, identity: { issuer: ISSUER, clientId: 'witness' } }));
  const dir = join(dataDir, 'keychain');
  const now = Date.now();
  const session = {
    v: 1,
    id: 'session-1',
    issuer: ISSUER,
    clientId: 'witness',
    sub: 'sub-ada',
    email: 'ada@example.com',
    name: 'Ada',
    groups: ['engineering'],
    expiresAt: now + 60 * 60_000,
    signedInAt: now,
    refreshedAt: null,
    nonce: null,
    idToken: ID_TOKEN,
    accessToken: null,
    refreshToken: REFRESH_TOKEN,
  };
  await new KeychainVault(dir, safeStorage, vaultFiles(dir)).set('identity.session', Buffer.from(JSON.stringify(session)));
  return dataDir;
}

describe('desktop key vault served to the real engine', () => {
  let shell: Shell | null = null;
  afterEach(async () => {
    await shell?.shutdown();
    shell = null;
  });

  it('the engine reads the sign-in the shell keeps in the OS keychain, over the utility process port', { timeout: 150_000 }, async () => {
    resetFake();
    const dataDir = await dataDirWithDesktopSession();
    shell = (await startShell({ env: { ...process.env, WITNESS_DATA_DIR: dataDir, WITNESS_KEY_VAULT: '' }, platform: 'linux', argv: ['electron', '.'] }))!;
    await until(() => shell!.supervisor.state.phase === 'running', 'the engine to run');
    expect(fake.forks[0]!.options.env.WITNESS_KEY_VAULT).toBe('desktop');

    const control = readControlFile(dataDir)!;
    const identity = await createControlClient({ url: control.url, token: control.token }).call('identity', {});
    expect(identity).toMatchObject({ configured: true, signedIn: true, sub: 'sub-ada', email: 'ada@example.com' });
    // status.identity reaches the tray: who is signed in, and a way to sign out.
    await until(() => shell!.trayInput().identity?.signedIn, 'the tray to know who is signed in');
    expect(shell!.trayInput().identity).toEqual({ signedIn: true, user: 'ada@example.com', required: true });
    expect(fake.trays[0]!.menu!.items.map((i: { label?: string }) => i.label)).toContain('Sign out (ada@example.com)');
    // The engine kept no vault of its own, and no token is in clear anywhere in the data dir.
    expect(existsSync(join(dataDir, 'keys'))).toBe(false);
    // The CA key and the store key are sealed under wrapping keys the OS keychain holds.
    expect(existsSync(join(dataDir, 'keychain', 'ca.kek.keychain')) && existsSync(join(dataDir, 'keychain', 'audit.kek.keychain'))).toBe(true);
    const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
    for (const f of files(dataDir)) {
      const text = readFileSync(f).toString('latin1');
      expect(text.includes(REFRESH_TOKEN), f).toBe(false);
      expect(text.includes(ID_TOKEN.split('.')[1]!), f).toBe(false);
    }
  });

  it('with Linux\'s basic_text backend the engine keeps its own vault, and the tray says secrets are in a key file', { timeout: 150_000 }, async () => {
    resetFake();
    fake.safeStorage.backend = 'basic_text';
    const dataDir = await dataDirWithDesktopSession();
    shell = (await startShell({ env: { ...process.env, WITNESS_DATA_DIR: dataDir, WITNESS_KEY_VAULT: 'desktop' }, platform: 'linux', argv: ['electron', '.'] }))!;
    await until(() => shell!.supervisor.state.phase === 'running', 'the engine to run');
    // Not even an inherited setting reaches the engine: it has no parent vault to ask.
    expect(fake.forks[0]!.options.env.WITNESS_KEY_VAULT).toBeUndefined();
    const labels = () => (fake.trays[0]!.menu?.items ?? []).map((i: { label?: string }) => i.label);
    expect(labels()).toContain('Secrets: key file in the data dir (no OS keychain)');
    const control = readControlFile(dataDir)!;
    // The session sealed by the (fake) keychain is not the engine's: it runs signed out.
    expect(await createControlClient({ url: control.url, token: control.token }).call('identity', {})).toMatchObject({ configured: true, signedIn: false });
    // Sign-in is configured and nobody is signed in: the tray says so and offers it.
    await until(() => shell!.trayInput().identity, 'the tray to know about sign-in');
    await until(() => fake.trays[0]!.tooltip.startsWith('Witness — Signed out'), 'the signed-out tray');
    expect(labels()).toContain('Sign in…');
  });
});
