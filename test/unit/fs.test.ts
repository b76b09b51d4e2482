import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensurePrivateDir, writeAtomic } from '../../proxy/fs.js';

describe('writeAtomic', () => {
  it('replaces a file whole with the given mode and leaves no temp file behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'witness-fs-'));
    const file = join(dir, 'key.bin');
    writeFileSync(file, 'old contents that are longer than the new ones', { mode: 0o644 });
    writeAtomic(file, Buffer.from('new'), 0o600);
    expect(readFileSync(file, 'utf8')).toBe('new');
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['key.bin']);
  });
});

describe('ensurePrivateDir', () => {
  it('creates a missing folder 0700 and takes group and other access away, never adding any', () => {
    const root = mkdtempSync(join(tmpdir(), 'witness-fs-'));
    const fresh = join(root, 'a', 'b');
    ensurePrivateDir(fresh, 'a test folder');
    expect(statSync(fresh).mode & 0o777).toBe(0o700);
    const shared = join(root, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o775);
    ensurePrivateDir(shared, 'a test folder');
    expect(statSync(shared).mode & 0o777).toBe(0o700);
    const ownerOnly = join(root, 'owner-only');
    mkdirSync(ownerOnly);
    chmodSync(ownerOnly, 0o300);
    ensurePrivateDir(ownerOnly, 'a test folder');
    expect(statSync(ownerOnly).mode & 0o777).toBe(0o300);
  });
});
