import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileKeyVault, maskingKey, vaultDir } from '../../proxy/keys/index.js';
import { Masker } from '../../proxy/masking/index.js';
import { runCli, WITNESS_BIN } from '../helpers/cli.js';

const dataDir = mkdtempSync(join(tmpdir(), 'witness-mask-'));
// An installed Witness has a masking key; `witness mask` uses it and never creates one.
writeFileSync(join(dataDir, 'masking.key'), randomBytes(32), { mode: 0o600 });
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('witness mask', () => {
  it('streams: safe text comes out before the input ends, a split secret comes out masked', { timeout: 180_000 }, async () => {
    const child = spawn(process.execPath, [WITNESS_BIN, 'mask', '--data-dir', dataDir], { env: { ...process.env, WITNESS_FROM_SOURCE: '1' } });
    let out = '';
    const waitFor = (s: string) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "${s}" in ${JSON.stringify(out)}`)), 90_000);
        const check = () => out.includes(s) && (clearTimeout(timer), resolve());
        child.stdout.on('data', (d) => {
          out += d;
          check();
        });
        check();
      });
    child.stdin.write('Deploy notes:\nthe build is green.\n');
    await waitFor('the build is green.\n'); // written while stdin is still open
    child.stdin.write('token: ghp_A1b2C3d4E5f6G7h8I9');
    child.stdin.write('j0K1l2M3n4O5p6Q7r8 end\n');
    child.stdin.end();
    await new Promise((r) => child.on('close', r));
    expect(out).toMatch(/^Deploy notes:\nthe build is green\.\ntoken: \[MASKED:github-pat:[0-9a-f]{4}\] end\n$/);
  });

  it('--jsonl gives masked text and findings with input offsets; bad lines are reported, not dropped', async () => {
    const input = [
      JSON.stringify({ id: 'a', text: 'export AWS_ACCESS_KEY_ID=AKIAQTB437GVLYHHS3DG' }),
      'not json',
      JSON.stringify({ id: 'b', text: 'nothing secret here' }),
    ].join('\n');
    const r = await runCli(['mask', '--jsonl', '--data-dir', dataDir], { input });
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toEqual({ id: 'a', text: expect.stringMatching(/^export AWS_ACCESS_KEY_ID=\[MASKED:aws-access-key-id:[0-9a-f]{4}\]$/), findings: [{ type: 'aws-access-key-id', start: 25, end: 45 }] });
    expect(lines[1]).toMatchObject({ line: 2, error: expect.stringMatching(/invalid JSON/) });
    expect(lines[2]).toEqual({ id: 'b', text: 'nothing secret here', findings: [] });
    expect(r.code).toBe(1);
  });

  it('uses the install key: the same secret gets the same placeholder every time', async () => {
    const a = await runCli(['mask', '--data-dir', dataDir], { input: 'sk_live_51Hq8Zt3Kq9X2vLmN4bP7cR1dS6fT0gU\n' });
    const b = await runCli(['mask', '--data-dir', dataDir], { input: 'again sk_live_51Hq8Zt3Kq9X2vLmN4bP7cR1dS6fT0gU\n' });
    const ph = /\[MASKED:stripe-secret-key:[0-9a-f]{4}\]/;
    expect(a.stdout.match(ph)![0]).toBe(b.stdout.match(ph)![0]);
  });

  it('uses the key in the data dir\'s key vault (where the engine keeps it), and creates none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'witness-mask-vault-'));
    try {
      const key = (await maskingKey(new FileKeyVault({ dir: vaultDir(dir) }), dir, { create: true }))!;
      const expected = new Masker({ key }).mask('sk_live_51Hq8Zt3Kq9X2vLmN4bP7cR1dS6fT0gU').text;
      const r = await runCli(['mask', '--data-dir', dir], { input: 'sk_live_51Hq8Zt3Kq9X2vLmN4bP7cR1dS6fT0gU\n' });
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`${expected}\n`);
      expect(r.stderr).not.toMatch(/per-run key/);
      expect(existsSync(join(dir, 'masking.key'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a damaged masking key with MASKING_KEY_INVALID instead of making a new one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'witness-mask-key-'));
    try {
      writeFileSync(join(dir, 'masking.key'), Buffer.alloc(31, 7));
      const r = await runCli(['mask', '--data-dir', dir], { input: 'hello\n' });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/masking\.key is damaged \(31 bytes, expected 32\)/);
      expect(r.stderr).toContain('[MASKING_KEY_INVALID]');
      expect(readFileSync(join(dir, 'masking.key'))).toEqual(Buffer.alloc(31, 7));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
