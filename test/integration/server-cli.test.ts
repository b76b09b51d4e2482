/**
 * `witness-server` as a user runs it (the real launcher, a child process): `keys --json`
 * before the first start creates the keys and prints the public JWKS; `start` prints its
 * URL, serves the same keys, answers 401 without a token, and stops cleanly on SIGTERM. The
 * private keys are never written in clear.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/witness-server.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'witness-server-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, WITNESS_FROM_SOURCE: '1', DATABASE_URL: '' } });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    c.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function files(d: string): string[] {
  return readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? files(join(d, f)) : [join(d, f)]));
}

it('prints its public keys, starts in the foreground with its URL, and stops on SIGTERM', async () => {
  const data = join(dir, 'data');
  const keys = await run(['keys', '--data-dir', data, '--json']);
  expect(keys.code, keys.stderr).toBe(0);
  const jwks = JSON.parse(keys.stdout) as { keys: Array<Record<string, string>> };
  expect(jwks.keys.map((k) => [k.use, k.alg])).toEqual([
    ['enc', 'ECDH-ES+A256KW'],
    ['sig', 'EdDSA'],
  ]);
  for (const k of jwks.keys) expect(k.d).toBeUndefined();

  const child = spawn(process.execPath, [BIN, 'start', '--data-dir', data, '--port', '0'], { env: { ...process.env, WITNESS_FROM_SOURCE: '1', DATABASE_URL: '' } });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (c) => reject(new Error(`exited ${c}: ${out}`)));
  });
  expect(await (await fetch(`${url}/api/v1/keys`)).json()).toEqual(jwks);
  const res = await fetch(`${url}/api/v1/records`);
  expect(res.status).toBe(401);
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  child.kill('SIGTERM');
  expect(await exited).toBe(0);

  // The private keys are sealed: no file in the data dir holds a private JWK member in clear.
  for (const f of files(data)) expect(readFileSync(f).includes('"d":"'), f).toBe(false);
  expect((await run(['start', '--port', 'x', '--data-dir', data])).stderr).toMatch(/--port: not a port/);
}, 480_000);
