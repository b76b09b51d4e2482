/**
 * Issue 20's fault suite, the engine's own files: a corrupt config, policy or key file, and
 * a read-only data dir. `witness start` must refuse with a short message naming the file and
 * a stable code (never a stack trace, never a half-started engine), and leave the damaged
 * file as it was so nothing is lost.
 */
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileKeyVault, maskingKey, vaultDir } from '../../proxy/keys/index.js';
import { runCli, type CliResult } from '../helpers/cli.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'witness-corrupt-'));
  chmodSync(d, 0o700);
  dirs.push(d);
  return d;
}

/** A data dir in which an engine has run once (CA, keys and store created). */
async function usedDataDir(): Promise<string> {
  const d = dataDir();
  const r = await runCli(['ca', 'cert', '--data-dir', d]);
  expect(r.code, r.stderr).toBe(0);
  return d;
}

function expectCleanRefusal(r: CliResult, code: RegExp) {
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(code);
  // A person's message: no stack trace, and short.
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stderr.trim().split('\n').length).toBeLessThanOrEqual(5);
}

describe('witness start on damaged state', () => {
  it('a config file that is not JSON', async () => {
    const d = dataDir();
    writeFileSync(join(d, 'config.json'), '{ "proxy": ');
    expectCleanRefusal(await runCli(['start', '--data-dir', d, '--port', '0']), /config\.json.*\[CONFIG_INVALID\]/);
    expect(readFileSync(join(d, 'config.json'), 'utf8')).toBe('{ "proxy": ');
  });

  it('a policy file that is not JSON, or names an unknown key', async () => {
    for (const text of ['{"protectedPaths": [', '{"protectedPathz": []}']) {
      const d = dataDir();
      writeFileSync(join(d, 'policy.json'), text);
      const r = await runCli(['start', '--data-dir', d, '--port', '0']);
      expectCleanRefusal(r, /policy\.json.*\[[A-Z_]+\]/s);
      expect(readFileSync(join(d, 'policy.json'), 'utf8')).toBe(text);
    }
  });

  it('a damaged masking key', async () => {
    // Kept in the key vault (keys/masking-key.ts): DATA_DIR/keys/masking.key.sealed headless.
    const d = await usedDataDir();
    await maskingKey(new FileKeyVault({ dir: vaultDir(d) }), d, { create: true }); // as the engine's first start does
    const file = join(d, 'keys', 'masking.key.sealed');
    const b = readFileSync(file);
    b[b.length - 1] = b[b.length - 1]! ^ 0x01;
    writeFileSync(file, b);
    const r = await runCli(['start', '--data-dir', d, '--port', '0']);
    expectCleanRefusal(r, /\[MASKING_KEY_INVALID\]/);
    expect(readFileSync(file).equals(b)).toBe(true);
  });

  it('a damaged masking key from an earlier version (DATA_DIR/masking.key)', async () => {
    const d = dataDir();
    const file = join(d, 'masking.key');
    writeFileSync(file, 'not a key');
    const r = await runCli(['start', '--data-dir', d, '--port', '0']);
    expectCleanRefusal(r, /\[MASKING_KEY_INVALID\]/);
    expect(readFileSync(file, 'utf8')).toBe('not a key');
  });

  it('a read-only data dir', async () => {
    const d = dataDir();
    const asRoot = process.getuid?.() === 0;
    if (asRoot) chownSync(d, 0, 0);
    chmodSync(d, asRoot ? 0o755 : 0o500);
    const r = await runCli(['start', '--data-dir', d, '--port', '0'], asRoot ? { uid: 65534, gid: 65534 } : {});
    chmodSync(d, 0o700);
    expectCleanRefusal(r, /\[DATA_DIR_UNUSABLE\]/);
  });
});
