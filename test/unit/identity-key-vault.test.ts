/** The key vault seam: the headless vault (key file / passphrase) and the same interface over a message channel. */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { FileKeyVault, keyFileSource, passphraseSource, remoteVault, serveVault, type KeyVault, type VaultRequest } from '../../proxy/keys/index.js';

const dirs: string[] = [];
function freshDir() {
  const d = mkdtempSync(join(tmpdir(), 'witness-vault-'));
  dirs.push(d);
  return join(d, 'keys');
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const SECRET = Buffer.from('refresh-token-0123456789-abcdefghijklmnop');

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return `${(e as { code?: string }).code}: ${(e as Error).message}`;
  }
  return 'no error';
}

describe('headless key vault', () => {
  it('keeps a named secret sealed in a 0600 file inside a 0700 folder, and returns it to a new vault object', async () => {
    const dir = freshDir();
    const vault = new FileKeyVault({ dir, kek: keyFileSource(dir) });
    expect(await vault.get('identity.session')).toBeNull();
    await vault.set('identity.session', SECRET);
    expect(Buffer.from((await vault.get('identity.session'))!)).toEqual(SECRET);
    expect(Buffer.from((await new FileKeyVault({ dir, kek: keyFileSource(dir) }).get('identity.session'))!)).toEqual(SECRET);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const f of readdirSync(dir)) {
      expect(statSync(join(dir, f)).mode & 0o777, f).toBe(0o600);
      expect(readFileSync(join(dir, f)).includes(SECRET), `${f} holds the secret in clear`).toBe(false);
      expect(readFileSync(join(dir, f)).includes(Buffer.from(SECRET.toString('base64'))), `${f} holds the secret in base64`).toBe(false);
    }
    expect(readdirSync(dir).sort()).toEqual(['identity.session.sealed', 'vault.json', 'vault.key']);
    expect(await vault.delete('identity.session')).toBe(true);
    expect(await vault.delete('identity.session')).toBe(false);
    expect(await vault.get('identity.session')).toBeNull();
  });

  it('binds a sealed secret to its name and detects a changed byte', async () => {
    const dir = freshDir();
    const vault = new FileKeyVault({ dir, kek: keyFileSource(dir) });
    await vault.set('ca.key', SECRET);
    copyFileSync(join(dir, 'ca.key.sealed'), join(dir, 'masking.key.sealed'));
    expect(await codeOf(vault.get('masking.key'))).toMatch(/^VAULT_CORRUPT: The secret "masking.key" .* is damaged/);
    const file = join(dir, 'ca.key.sealed');
    const bytes = readFileSync(file);
    bytes[20]! ^= 1;
    writeFileSync(file, bytes);
    expect(await codeOf(vault.get('ca.key'))).toMatch(/^VAULT_CORRUPT/);
  });

  it('with a passphrase: the right one opens it, a wrong one is refused as such, and changing the protection is refused', async () => {
    const dir = freshDir();
    await new FileKeyVault({ dir, kek: passphraseSource('correct horse') }).set('audit.data-key', SECRET);
    expect(readdirSync(dir)).not.toContain('vault.key');
    expect(Buffer.from((await new FileKeyVault({ dir, kek: passphraseSource('correct horse') }).get('audit.data-key'))!)).toEqual(SECRET);
    expect(await codeOf(new FileKeyVault({ dir, kek: passphraseSource('wrong horse') }).get('audit.data-key'))).toMatch(
      /^VAULT_LOCKED: Wrong passphrase for the key vault .* Nothing was changed\./,
    );
    expect(await codeOf(new FileKeyVault({ dir, kek: keyFileSource(dir) }).get('audit.data-key'))).toMatch(/^VAULT_LOCKED: .*protected by a passphrase: set WITNESS_VAULT_PASSPHRASE/);
    const other = freshDir();
    await new FileKeyVault({ dir: other, kek: keyFileSource(other) }).set('a', SECRET);
    expect(await codeOf(new FileKeyVault({ dir: other, kek: passphraseSource('x') }).get('a'))).toMatch(/^VAULT_LOCKED: .*protected by its key file, but a passphrase is set/);
  });

  it('picks the passphrase from WITNESS_VAULT_PASSPHRASE by default', async () => {
    const dir = freshDir();
    const before = process.env.WITNESS_VAULT_PASSPHRASE;
    process.env.WITNESS_VAULT_PASSPHRASE = 'from the environment';
    try {
      const vault = new FileKeyVault({ dir });
      expect(vault.kind).toBe('passphrase');
      await vault.set('x', SECRET);
    } finally {
      if (before === undefined) delete process.env.WITNESS_VAULT_PASSPHRASE;
      else process.env.WITNESS_VAULT_PASSPHRASE = before;
    }
    expect(Buffer.from((await new FileKeyVault({ dir, kek: passphraseSource('from the environment') }).get('x'))!)).toEqual(SECRET);
  });

  it('two vault objects creating the same vault at once agree on one header and key', async () => {
    for (const kek of [(d: string) => keyFileSource(d), () => passphraseSource('p')]) {
      const dir = freshDir();
      const a = new FileKeyVault({ dir, kek: kek(dir) });
      const b = new FileKeyVault({ dir, kek: kek(dir) });
      await Promise.all([a.set('one', Buffer.from('1')), b.set('two', Buffer.from('2'))]);
      expect(Buffer.from((await a.get('two'))!).toString()).toBe('2');
      expect(Buffer.from((await b.get('one'))!).toString()).toBe('1');
      expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    }
  });

  it('refuses names that are not plain lower-case words (no paths)', async () => {
    const dir = freshDir();
    const vault = new FileKeyVault({ dir, kek: keyFileSource(dir) });
    for (const bad of ['../escape', 'Upper', '', 'a/b', 'a..b', '.hidden', 'x'.repeat(65)]) {
      expect(await codeOf(vault.set(bad, SECRET)), bad).toMatch(/^USAGE: Invalid secret name/);
    }
  });
});

describe('key vault over a message channel', () => {
  /** A MessagePort pair: every message is structured-cloned, as between two processes. */
  function overChannel(vault: KeyVault): { remote: KeyVault; close(): void; raw(req: unknown): Promise<unknown> } {
    const { port1, port2 } = new MessageChannel();
    const serve = serveVault(vault);
    port2.on('message', (m) => void serve(m).then((reply) => port2.postMessage(reply)));
    const pending = new Map<number, (r: unknown) => void>();
    port1.on('message', (r: { id: number }) => pending.get(r.id)?.(r));
    const send = (req: unknown) =>
      new Promise<unknown>((resolve) => {
        pending.set((req as { id: number }).id, resolve);
        port1.postMessage(req);
      });
    return { remote: remoteVault(vault.kind, (req: VaultRequest) => send(req)), raw: send, close: () => (port1.close(), port2.close()) };
  }

  it('gets, sets and deletes through JSON-safe messages, with the vault error codes intact', async () => {
    const dir = freshDir();
    const local = new FileKeyVault({ dir, kek: passphraseSource('right') });
    const { remote, close, raw } = overChannel(local);
    try {
      expect(remote.kind).toBe('passphrase');
      await remote.set('identity.session', SECRET);
      expect(Buffer.from((await local.get('identity.session'))!)).toEqual(SECRET);
      expect(Buffer.from((await remote.get('identity.session'))!)).toEqual(SECRET);
      expect(await remote.get('absent')).toBeNull();
      expect(await remote.delete('identity.session')).toBe(true);
      expect(await raw({ id: 7, op: 'get', name: '../x' })).toMatchObject({ id: 7, ok: false, error: { code: 'USAGE' } });
      expect(await raw({ id: 8, op: 'steal' })).toMatchObject({ ok: false, error: { code: 'USAGE', message: 'Malformed key vault request.' } });
    } finally {
      close();
    }
    const wrong = overChannel(new FileKeyVault({ dir, kek: passphraseSource('wrong') }));
    try {
      expect(await codeOf(wrong.remote.get('identity.session'))).toMatch(/^VAULT_LOCKED: Wrong passphrase/);
    } finally {
      wrong.close();
    }
  });
});
