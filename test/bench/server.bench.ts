/**
 * `npm run bench -- server`: the central server's ingest and search, on embedded PGlite and
 * on a real PostgreSQL (a throwaway cluster, test/helpers/postgres.ts). Devices send batches
 * of 100 realistic records (chained and sealed exactly as the sync client does, sealed before
 * the clock starts: device-side cost is not the server's), several devices at once; we report
 * records/s, receipt latency (p50/p99) and search p50 over everything stored. The record
 * count is BENCH_SERVER_RECORDS (default 20,000 per database).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chainRecord, GENESIS } from '../../proxy/model/node.js';
import type { BatchPayload } from '../../proxy/model/index.js';
import { pinnedKeys, publicJwkOf, sealBatch } from '../../proxy/sync/index.js';
import { messageListHash, startServer } from '../../server/index.js';
import { interaction } from '../helpers/interactions.js';
import { startPostgres } from '../helpers/postgres.js';

const WORDS = ['refactor', 'parser', 'kubernetes', 'invoice', 'latency', 'migration', 'tokenizer', 'checkout', 'webhook', 'cache', 'schema', 'retry'];
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

function deviceBatches(device: string, records: number, seed: number): Array<Omit<BatchPayload, 'batchId' | 'createdAt'>> {
  const out: Array<Omit<BatchPayload, 'batchId' | 'createdAt'>> = [];
  let prev = GENESIS;
  let seq = 0;
  let batch: BatchPayload['records'] = [];
  let from = { seq: 0, hash: GENESIS };
  for (let i = 0; i < records; i++) {
    const w = (k: number) => WORDS[(i * 7 + seed + k) % WORDS.length]!;
    const prompt = `Why does the ${w(0)} in ${w(1)}.ts fail after the ${w(2)} change? Line ${i % 400}.`;
    const messages = [
      { role: 'system', text: 'You are GitHub Copilot, a coding assistant.' },
      { role: 'user', text: prompt },
    ];
    const base = interaction({ prompt, response: `The ${w(3)} is not awaited; wrap it in a ${w(4)} with a timeout. `.repeat(4) });
    const unsigned = { ...base, id: randomUUID(), v: 1, seq: ++seq, device, user: `user${seed}`, messages: messageListHash(messages), prevHash: prev } as Record<string, unknown>;
    const { hash, json } = chainRecord(prev, unsigned);
    prev = hash;
    batch.push({ record: JSON.parse(json), messages });
    if (batch.length === 100) {
      out.push({ v: 1, device, from, records: batch });
      from = { seq, hash };
      batch = [];
    }
  }
  if (batch.length) out.push({ v: 1, device, from, records: batch });
  return out;
}

async function benchOne(kind: 'pglite' | 'postgresql', total: number, log: (s: string) => void) {
  const dir = mkdtempSync(join(tmpdir(), `witness-server-bench-${kind}-`));
  const pg = kind === 'postgresql' ? await startPostgres() : null;
  const server = await startServer({
    dataDir: join(dir, 'server'),
    config: { oidc: { issuer: null, audience: null, groupsClaim: 'groups', jwksUri: null }, roles: { auditor: [], admin: [] }, database: { url: pg ? await pg.createDatabase('bench') : null } },
  });
  try {
    const keys = pinnedKeys(server.keys.jwks);
    const DEVICES = 4;
    const sealed: string[][] = [];
    log(`server bench (${kind}): sealing ${total} records for ${DEVICES} devices`);
    for (let d = 0; d < DEVICES; d++) {
      const device = `bench-device-${d}`;
      const { privateKey } = generateKeyPairSync('ed25519');
      const publicJwk = publicJwkOf(privateKey);
      // Enrolment is an API call with an access token; the bench has no identity provider, so the row is written as enrolment writes it.
      await server.db.query('INSERT INTO devices (device, public_key, owner_sub) VALUES ($1, $2, $3)', [device, JSON.stringify(publicJwk), `sub-${d}`]);
      const batches = deviceBatches(device, Math.ceil(total / DEVICES), d);
      sealed.push(await Promise.all(batches.map((b) => sealBatch({ ...b, batchId: randomUUID(), createdAt: new Date().toISOString() }, { privateKey, publicJwk }, keys))));
    }
    const latencies: number[] = [];
    let stored = 0;
    const t0 = performance.now();
    await Promise.all(
      sealed.map(async (bodies) => {
        for (const body of bodies) {
          const s = performance.now();
          const res = await fetch(`${server.url}/api/v1/ingest`, { method: 'POST', body, headers: { 'content-type': 'application/jose' } });
          const json = (await res.json()) as { stored?: number; error?: { code: string; message: string } };
          if (res.status !== 200) throw new Error(`ingest refused: ${json.error?.code} ${json.error?.message}`);
          latencies.push(performance.now() - s);
          stored += json.stored!;
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    // Search as an auditor would, straight through the query layer's SQL (the API adds token checks only).
    const searchMs: number[] = [];
    for (let i = 0; i < 40; i++) {
      const s = performance.now();
      await server.db.query(
        `SELECT rid, id, device, seq, ts, prompt FROM records WHERE search @@ websearch_to_tsquery('simple', $1) ORDER BY rid DESC LIMIT 50`,
        [`${WORDS[i % WORDS.length]} ${WORDS[(i + 5) % WORDS.length]}`],
      );
      await server.db.query(`SELECT count(*) FROM records WHERE search @@ websearch_to_tsquery('simple', $1)`, [WORDS[i % WORDS.length]]);
      searchMs.push(performance.now() - s);
    }
    const r = {
      records: stored,
      recordsPerS: Math.round(stored / seconds),
      receiptP50Ms: Math.round(pct(latencies, 50)),
      receiptP99Ms: Math.round(pct(latencies, 99)),
      searchP50Ms: Math.round(pct(searchMs, 50) * 10) / 10,
      searchedRecords: stored,
    };
    log(`server bench (${kind}): ${JSON.stringify(r)}`);
    return r;
  } finally {
    await server.close();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runServerBench(log: (s: string) => void) {
  const total = Number(process.env.BENCH_SERVER_RECORDS ?? 20_000);
  return { postgresql: await benchOne('postgresql', total, log), pglite: await benchOne('pglite', total, log) };
}
