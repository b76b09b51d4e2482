/**
 * The audit store against a model: random runs of appends (some sharing conversation
 * history), compactions, pruning, clean restarts, "crashes" (reopen without close) and
 * lost snapshots, on small segments and snapshot chunks so every path is crossed. After
 * every step the store must hold exactly the records the model expects, verify, and give
 * back every message body.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AuditStore } from '../../proxy/audit/index.js';
import { interaction } from '../helpers/interactions.js';

type Step =
  | { kind: 'append'; n: number; conversation: number }
  | { kind: 'compact' }
  | { kind: 'prune'; keep: number }
  | { kind: 'restart' }
  | { kind: 'crash' }
  | { kind: 'lose-snapshot' };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('append' as const), n: fc.integer({ min: 1, max: 6 }), conversation: fc.integer({ min: 0, max: 2 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'compact' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('prune' as const), keep: fc.integer({ min: 1, max: 8 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'crash' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'lose-snapshot' as const }) },
);

/**
 * `npm test` runs a fixed seed and a few runs (the same cases every time, fast on a busy
 * machine); `npm run test:long` runs many more with a fresh seed, printed so a failure can
 * be replayed with MODEL_SEED=<seed>.
 */
/**
 * The model checks the store's logic, not the disk: in memory (tmpfs) where there is one, so
 * the hundreds of fsyncs per run cost nothing on a busy machine (they took 5 s a run on disk).
 */
const MEMORY_DIR = existsSync('/dev/shm') && statSync('/dev/shm').isDirectory() ? '/dev/shm' : tmpdir();

const RUNS = Number(process.env.MODEL_RUNS ?? 6);
const SEED = process.env.MODEL_SEED === 'random' || process.env.MODEL_SEED === undefined && process.env.MODEL_RUNS !== undefined ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.MODEL_SEED ?? 20261120);
if (process.env.MODEL_RUNS !== undefined || process.env.MODEL_SEED !== undefined) console.log(`audit store model: ${RUNS} runs, MODEL_SEED=${SEED}`);

describe('audit store model', () => {
  it('random appends, compactions, pruning, restarts, crashes and lost snapshots keep exactly the expected records', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 25 }), async (steps) => {
        const dataDir = mkdtempSync(join(MEMORY_DIR, 'witness-model-'));
        const opts = { dataDir, segmentBytes: 3000, snapshotChunkBytes: 2048, compactEvery: 7 };
        let s = await AuditStore.open(opts);
        // Model: seq -> prompt, and each conversation's growing history.
        const alive = new Map<number, string>();
        const histories: string[][] = [[], [], []];
        let next = 1;
        let clock = Date.parse('2026-11-01T00:00:00Z');
        try {
          for (const st of steps) {
            if (st.kind === 'append') {
              for (let k = 0; k < st.n; k++) {
                const h = histories[st.conversation]!;
                h.push(`conversation ${st.conversation} turn ${h.length}: ${'context '.repeat(20)}`);
                const prompt = `question ${next}`;
                clock += 60_000;
                await s.append(interaction({ time: new Date(clock).toISOString(), prompt, messages: h.map((text, i) => ({ role: i % 2 ? 'assistant' : 'user', text })) }));
                alive.set(next++, prompt);
              }
            } else if (st.kind === 'compact') {
              await s.compact();
            } else if (st.kind === 'prune') {
              // Keep the newest `keep` minutes' worth (one record per minute).
              const r = await s.prune({ maxAgeMs: st.keep * 60_000 + 30_000, now: clock });
              for (const seq of [...alive.keys()]) if (seq <= r.upTo) alive.delete(seq);
            } else if (st.kind === 'restart') {
              await s.close();
              s = await AuditStore.open(opts);
            } else if (st.kind === 'crash') {
              // Every append was acknowledged, so it must survive a reopen without close().
              s = await AuditStore.open(opts);
            } else {
              await s.close();
              rmSync(join(dataDir, 'store', 'snapshot.bin'), { force: true });
              s = await AuditStore.open(opts);
            }
            const records = [...s.iterate()];
            expect(records.map((r) => [r.seq, r.prompt])).toEqual([...alive]);
            const v = s.verify();
            expect(v.problems).toEqual([]);
            expect(v.records).toBe(alive.size);
            for (const r of records.slice(-2)) {
              const full = s.resolve(r);
              expect(full.messages.every((m) => m.text.startsWith('conversation '))).toBe(true);
            }
          }
        } finally {
          await s.close().catch(() => undefined);
          rmSync(dataDir, { recursive: true, force: true });
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  }, Math.max(120_000, RUNS * 8_000));
});
