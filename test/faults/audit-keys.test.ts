/**
 * Issue 20: `witness verify` exited 1 (a crash) when the device key was damaged, instead of
 * reporting it; deleting the key-encryption key file printed "Nothing was changed" while a
 * new key file was written. And verify must say what it cannot detect offline.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditStore } from '../../proxy/audit/index.js';
import { runCli } from '../helpers/cli.js';
import { interaction } from '../helpers/interactions.js';

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});

async function storeWithRecords() {
  const dataDir = mkdtempSync(join(tmpdir(), 'witness-keys-'));
  dirs.push(dataDir);
  const s = await AuditStore.open({ dataDir });
  for (let i = 0; i < 3; i++) await s.append(interaction());
  await s.close();
  return dataDir;
}

describe('damaged or missing store keys', () => {
  it('verify reports a damaged device key (exit 4, named), and leaves it as it was', async () => {
    const dataDir = await storeWithRecords();
    // The device key lives in the key vault (identity/device-key.ts): DATA_DIR/keys/device.key.sealed headless.
    const file = join(dataDir, 'keys', 'device.key.sealed');
    const b = readFileSync(file);
    b[b.length - 3] = b[b.length - 3]! ^ 0x01;
    writeFileSync(file, b);
    const r = await runCli(['verify', '--data-dir', dataDir]);
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/device key \("device\.key"\) in the file key vault is damaged or was modified/);
    expect(readFileSync(file).equals(b)).toBe(true);

    // The engine's store keeps the damaged key aside and signs with a new one, saying so.
    const s = await AuditStore.open({ dataDir });
    expect(s.issues.map((i) => i.message).join()).toMatch(/kept in the key vault as "device\.key\.damaged-\d+"/);
    expect(readFileSync(join(dataDir, 'keys', readdirSync(join(dataDir, 'keys')).find((f) => f.startsWith('device.key.damaged-'))!)).equals(b)).toBe(true);
    expect(s.verify().records).toBe(3);
    await s.close();
  });

  it('a deleted key-encryption key file is named as missing; no new key file is written and nothing claims "Nothing was changed"', async () => {
    const dataDir = await storeWithRecords();
    const kek = join(dataDir, 'keys', 'audit.kek.sealed');
    unlinkSync(kek);
    const r = await runCli(['verify', '--data-dir', dataDir]);
    expect(r.code).not.toBe(0);
    // The wrapping key now lives in the key vault (keys/audit.kek.sealed headless): named, never replaced.
    expect(r.stdout + r.stderr).toMatch(/"audit\.kek"\) is not in this process's file key vault/);
    expect(r.stdout + r.stderr).not.toMatch(/Nothing was changed/);
    expect(existsSync(kek)).toBe(false);
    await expect(AuditStore.open({ dataDir })).rejects.toMatchObject({ code: 'STORE_LOCKED' });
    expect(existsSync(kek)).toBe(false);
  });

  it('verify says plainly what it checked and what it cannot detect on this machine alone', async () => {
    const dataDir = await storeWithRecords();
    const r = await runCli(['verify', '--data-dir', dataDir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/every frame of every segment/);
    expect(r.stdout).toMatch(/Not detectable on this machine alone/);
    expect(r.stdout).toMatch(/cut from the end after the last signed checkpoint/);
    expect(r.stdout).toMatch(/consistent rollback/);
    const json = JSON.parse((await runCli(['verify', '--data-dir', dataDir, '--json'])).stdout) as { cannotDetectOffline: string[] };
    expect(json.cannotDetectOffline.length).toBeGreaterThanOrEqual(2);
  });
});
