/**
 * The desktop key vault served to the engine over a message port: the engine's side
 * (`parentPortVault`, what `witness start` uses under the desktop app) and the main
 * process's side (`serveVaultOver` in front of the safeStorage vault) over a real
 * MessageChannel (structured clone, as Electron's ports), safeStorage faked.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { KeychainVault, vaultFiles, type SafeStorageLike } from '../../electron/core/keychain-vault.js';
import { desktopKeyVault, parentPortVault, serveVaultOver, type ParentPortLike } from '../../proxy/keys/index.js';

function fakeSafeStorage(): SafeStorageLike {
  const key = randomBytes(32);
  return {
    isAsyncEncryptionAvailable: async () => true,
    getSelectedStorageBackend: () => 'gnome_libsecret',
    encryptStringAsync: async (text) => {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(text, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]);
    },
    decryptStringAsync: async (buf) => {
      const d = createDecipheriv('aes-256-gcm', key, buf.subarray(0, 12));
      d.setAuthTag(buf.subarray(12, 28));
      return { result: Buffer.concat([d.update(buf.subarray(28)), d.final()]).toString('utf8'), shouldReEncrypt: false };
    },
  };
}

/** Electron's process.parentPort delivers `{ data }` events: so does a MessagePort's EventTarget side. */
const asParentPort = (port: MessagePort): ParentPortLike => ({
  on: (_event, listener) => port.addEventListener('message', listener as unknown as (e: Event) => void),
  postMessage: (m) => port.postMessage(m),
});
/** Electron's UtilityProcess delivers bare messages: so does a MessagePort's `on('message')`. */
const asChild = (port: MessagePort) => ({
  on: (_event: 'message', listener: (m: unknown) => void) => port.on('message', listener),
  postMessage: (m: unknown) => port.postMessage(m),
});

const open: MessagePort[] = [];
afterEach(() => {
  for (const p of open.splice(0)) p.close();
});

function connected() {
  const dir = mkdtempSync(join(tmpdir(), 'witness-keychain-'));
  const keychain = new KeychainVault(dir, fakeSafeStorage(), vaultFiles(dir));
  const { port1, port2 } = new MessageChannel();
  open.push(port1, port2);
  serveVaultOver(asChild(port2), keychain);
  return { dir, keychain, engine: parentPortVault(asParentPort(port1)), port1, port2 };
}

describe('key vault over the utility process port', () => {
  it('gives the engine the OS-keychain vault: set, get and delete travel as messages and land sealed on disk', async () => {
    const { dir, keychain, engine } = connected();
    const secret = new Uint8Array(randomBytes(48));
    expect(engine.kind).toBe('os-keychain');
    expect(await engine.get('audit.data-key')).toBeNull();
    await engine.set('audit.data-key', secret);
    expect(await keychain.get('audit.data-key')).toEqual(secret);
    expect(await engine.get('audit.data-key')).toEqual(secret);
    const sealed = readFileSync(join(dir, 'audit.data-key.keychain'));
    expect(sealed.includes(Buffer.from(secret))).toBe(false);
    expect(sealed.includes(Buffer.from(Buffer.from(secret).toString('base64')))).toBe(false);
    expect(await engine.delete('audit.data-key')).toBe(true);
    expect(await engine.delete('audit.data-key')).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('answers concurrent requests to the right caller, in whatever order they finish', async () => {
    const { engine } = connected();
    const names = Array.from({ length: 20 }, (_, i) => `secret-${i}`);
    await Promise.all(names.map((n, i) => engine.set(n, new Uint8Array([i, i + 1]))));
    const got = await Promise.all(names.map((n) => engine.get(n)));
    expect(got).toEqual(names.map((_, i) => new Uint8Array([i, i + 1])));
  });

  it('brings the vault\'s errors to the engine with their code and advice', async () => {
    const { dir, engine } = connected();
    await engine.set('ca.key', new Uint8Array([1, 2, 3]));
    renameSync(join(dir, 'ca.key.keychain'), join(dir, 'identity.session.keychain'));
    await expect(engine.get('identity.session')).rejects.toMatchObject({ code: 'VAULT_CORRUPT', message: expect.stringContaining('holds another secret') });
    // Checked on the engine's side before anything is sent, and again by the server.
    await expect(engine.get('../ca.key')).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('refuses a malformed request from the engine side and ignores other messages on the channel', async () => {
    const { port1 } = connected();
    const replies: unknown[] = [];
    const got = new Promise<void>((resolve) =>
      port1.on('message', (m) => {
        replies.push(m);
        resolve();
      }),
    );
    port1.postMessage({ something: 'else' });
    port1.postMessage({ witness: 'key-vault', request: { id: 7, op: 'get', name: 'ca.key', extra: true } });
    await got;
    expect(replies).toEqual([{ witness: 'key-vault', reply: { id: 7, ok: false, error: { code: 'USAGE', message: 'Malformed key vault request.' } } }]);
  });

  it('is used only when the desktop app started the engine, and says so when asked for without a parent', () => {
    expect(desktopKeyVault({})).toBeNull();
    expect(desktopKeyVault({ WITNESS_KEY_VAULT: '' })).toBeNull();
    expect(() => desktopKeyVault({ WITNESS_KEY_VAULT: 'desktop' }, {})).toThrow(/not started by the Witness desktop app.*unset WITNESS_KEY_VAULT/);
    expect(() => desktopKeyVault({ WITNESS_KEY_VAULT: 'cloud' }, {})).toThrow(/not a key vault Witness knows/);
    const { port1 } = new MessageChannel();
    open.push(port1);
    expect(desktopKeyVault({ WITNESS_KEY_VAULT: 'desktop' }, { parentPort: asParentPort(port1) })?.kind).toBe('os-keychain');
  });
});
