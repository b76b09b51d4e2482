/**
 * Big records are sealed (chained, serialized, deflated) in a worker thread: the worker makes
 * the same bytes as the main thread, the store behaves the same with every record sealed
 * there, and a worker that dies loses nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditStore, search } from '../../proxy/audit/index.js';
import { groupPayload, Frame } from '../../proxy/audit/frames.js';
import { RecordSealer, sealJob } from '../../proxy/audit/sealer.js';
import { silentLogger } from '../../proxy/log.js';
import { interaction } from '../helpers/interactions.js';

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});

const bigText = (n: number, seed: string) => Array.from({ length: n }, (_, k) => `${seed} ${k} ✓ «é» `).join('');

function jobs() {
  const prefix = groupPayload([{ type: Frame.Body, body: Buffer.from('a body with ü'), table: 'blobs', hash: 'x' }]).payload;
  const unsigned = (over: Record<string, unknown>) => ({ ...interaction({ response: bigText(20_000, 'answer') }), seq: 7, prevHash: 'ab'.repeat(32), ...over }) as unknown as Record<string, unknown>;
  return [
    sealJob('ab'.repeat(32), unsigned({}), null, 400_000),
    sealJob('cd'.repeat(32), unsigned({ messages: 'ef'.repeat(32), extra: { z: 1, a: [undefined, null, 'q'] } }), prefix, 400_000),
  ];
}

describe('record sealer', () => {
  it('seals the same hash and frame bytes in the worker as on the main thread', async () => {
    const worker = new RecordSealer(silentLogger, 0);
    const here = new RecordSealer(silentLogger, Infinity);
    try {
      for (const job of jobs()) {
        const a = await worker.seal(job, 1);
        const b = await here.seal(job, 1);
        expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
        expect(a.hash).toBe(b.hash);
        expect(a.frame.equals(b.frame)).toBe(true);
      }
      expect(worker.offloaded).toBe(2);
      expect(here.offloaded).toBe(0);
    } finally {
      await worker.close();
      await here.close();
    }
  });

  it('a worker that dies with a record in hand: the record is sealed on the main thread, and so are later ones', async () => {
    const sealer = new RecordSealer(silentLogger, 0);
    const [job] = jobs();
    const expected = await new RecordSealer(silentLogger, Infinity).seal(job!, 1);
    await sealer.seal(job!, 1); // starts the worker
    const pending = sealer.seal(job!, 1);
    await (sealer as unknown as { worker: Worker }).worker.terminate();
    expect((await pending).hash).toBe(expected.hash);
    const later = await sealer.seal(job!, 1);
    expect(later.frame.equals(expected.frame)).toBe(true);
    await sealer.close();
  });

  it('a store whose every record is sealed in the worker stores, finds, verifies and reopens them', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'witness-sealer-'));
    dirs.push(dataDir);
    const s = await AuditStore.open({ dataDir, offloadChars: 0 });
    // Appends arriving together: order, chain and group commit as on the main thread.
    const records = await Promise.all(
      Array.from({ length: 12 }, (_, k) =>
        s.append(
          interaction({
            prompt: `question ${k} about zebra${k}`,
            response: k % 3 === 0 ? bigText(30_000, `long${k}`) : `short answer ${k}`,
            messages: [
              { role: 'system', text: 'You are Copilot.' },
              { role: 'user', text: `question ${k} about zebra${k}` },
            ],
          }),
        ),
      ),
    );
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 12 }, (_, k) => k + 1));
    for (let k = 1; k < records.length; k++) expect(records[k]!.prevHash).toBe(records[k - 1]!.hash);
    expect(s.get(records[3]!.id)?.response).toBe(bigText(30_000, 'long3'));
    expect(s.get(records[4]!.id)?.messages.map((m) => m.text)).toEqual(['You are Copilot.', 'question 4 about zebra4']);
    expect(search(s, { q: 'zebra7' }).items.map((h) => h.seq)).toEqual([8]);
    expect(s.verify()).toMatchObject({ ok: true, records: 12, firstBadSeq: null });
    await s.close();
    const again = await AuditStore.open({ dataDir });
    expect(again.verify()).toMatchObject({ ok: true, records: 12, checkpoint: { seq: 12, valid: true } });
    expect(again.get(records[9]!.id)?.response).toBe(bigText(30_000, 'long9'));
    await again.close();
  });
});
