import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuditStore } from '../../proxy/audit/index.js';
import { deviceId, osUser } from '../../proxy/identity/index.js';
import { interaction } from '../helpers/interactions.js';

describe('local identity (OS user and device id)', () => {
  it('gives one device id per data dir, kept in device.json across restarts', () => {
    const a = mkdtempSync(join(tmpdir(), 'witness-id-'));
    const b = mkdtempSync(join(tmpdir(), 'witness-id-'));
    const id = deviceId(a);
    expect(id.startsWith(`${hostname()}-`)).toBe(true);
    expect(id).toMatch(/-[0-9a-f]{8}$/);
    expect(deviceId(a)).toBe(id);
    expect(JSON.parse(readFileSync(join(a, 'device.json'), 'utf8'))).toEqual({ id });
    expect(deviceId(b)).not.toBe(id);
    // An id written by an earlier version is kept as it is.
    writeFileSync(join(b, 'device.json'), JSON.stringify({ id: 'old-host-0190abcd' }));
    expect(deviceId(b)).toBe('old-host-0190abcd');
  });

  it('names the OS user, and the audit store stamps records with both', async () => {
    expect(osUser()).toBe(userInfo().username);
    const dataDir = mkdtempSync(join(tmpdir(), 'witness-id-'));
    const s = await AuditStore.open({ dataDir });
    const r = await s.append(interaction());
    await s.close();
    expect(r).toMatchObject({ user: osUser(), device: deviceId(dataDir) });
  });
});
