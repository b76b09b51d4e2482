/**
 * Issue 20: a response delivered just before a crash could have no record (1 of 159 in ten
 * kill -9 rounds). Each exchange's start is journaled (never awaited on the request path);
 * the next start finds starts without a record and writes a durable gap for each, which
 * verify lists. A clean stop leaves no gaps.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditStore } from '../../proxy/audit/index.js';
import { interaction } from '../helpers/interactions.js';

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), 'witness-gap-'));
  dirs.push(d);
  return d;
};
const ID_A = '0190f0e0-0000-7000-8000-00000000000a';
const ID_B = '0190f0e0-0000-7000-8000-00000000000b';
const start = (id: string) => ({ id, time: '2026-11-20T10:00:00.000Z', method: 'POST', host: 'api.business.githubcopilot.com', path: '/chat/completions' });

describe('exchanges cut off by a crash', () => {
  it('an exchange started but never recorded before a crash becomes a durable gap at the next start; a recorded one does not', async () => {
    const dataDir = fresh();
    const s = await AuditStore.open({ dataDir });
    s.exchangeStarted(start(ID_A));
    s.exchangeStarted(start(ID_B));
    await s.append(interaction({ id: ID_A })); // B's response reached the client, its record never did
    // kill -9 here: no close.
    const again = await AuditStore.open({ dataDir });
    const v = again.verify();
    expect(v.ok).toBe(true); // a gap is not tampering
    expect(v.gaps.map((g) => g.id)).toEqual([ID_B]);
    // A third start (after another crash) does not record the same gap twice.
    const third = await AuditStore.open({ dataDir });
    expect(third.verify().gaps.map((g) => g.id)).toEqual([ID_B]);
    await third.close();
    await again.close();
    const reader = await AuditStore.open({ dataDir, readOnly: true });
    expect(reader.verify().gaps.map((g) => g.id)).toEqual([ID_B]);
  });

  it('a gap survives a compaction between the start and the crash', async () => {
    const dataDir = fresh();
    const s = await AuditStore.open({ dataDir });
    s.exchangeStarted(start(ID_B));
    await s.append(interaction());
    await s.compact(); // the snapshot now covers B's start frame
    const again = await AuditStore.open({ dataDir });
    expect(again.verify().gaps.map((g) => g.id)).toEqual([ID_B]);
    await again.close();
  });

  it('a clean stop leaves no gaps', async () => {
    const dataDir = fresh();
    const s = await AuditStore.open({ dataDir });
    s.exchangeStarted(start(ID_B));
    await s.close();
    const again = await AuditStore.open({ dataDir });
    expect(again.verify().gaps).toEqual([]);
    await again.close();
  });
});
