/**
 * `npm run bench -- server`: the central server's ingest and search, on embedded PGlite and
 * on a real PostgreSQL (a throwaway cluster, test/helpers/postgres.ts). Devices send batches
 * of 100 realistic records (chained and sealed exactly as the sync client does, sealed before
 * the clock starts: device-side cost is not the server's), several devices at once; we report
 * records/s, receipt latency (p50/p99), and the CPU each record cost: this process (the
 * server), the bench's HTTP client (its own process, server-client.ts) and, on PostgreSQL,
 * the cluster's processes, read from /proc.
 * CPU per record is the figure that holds on a busy machine; records/s and latencies move
 * with the load average, printed next to them. The record count is BENCH_SERVER_RECORDS
 * (default 20,000 per database).
 *
 * Search is measured apart, over BENCH_SERVER_SEARCH_RECORDS (default 1,000,000) rows
 * generated inside PostgreSQL (generate_series: seeding is not what is measured), through
 * the query layer the API calls, as an auditor, for each of the API's filters. PGlite is
 * not searched at 1M: it is for evaluation and small teams (docs/server.md), one process.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chainRecord, GENESIS } from '../../proxy/model/node.js';
import type { BatchPayload } from '../../proxy/model/index.js';
import { pinnedKeys, publicJwkOf, sealBatch } from '../../proxy/sync/index.js';
import { messageListHash, Query, startServer } from '../../server/index.js';
import { interaction } from '../helpers/interactions.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { runSyncBench } from './sync.bench.js';

const WORDS = ['refactor', 'parser', 'kubernetes', 'invoice', 'latency', 'migration', 'tokenizer', 'checkout', 'webhook', 'cache', 'schema', 'retry'];
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const load = () => Math.round(loadavg()[0]! * 10) / 10;

/**
 * CPU milliseconds used so far by the cluster's processes, by kind: the client backends
 * (the server's connections), the background processes (WAL writer, checkpointer, …), and
 * the children the postmaster reaped (autovacuum workers, mostly).
 */
function clusterCpuMs(pg: TestPostgres | null): { backends: number; background: number; reaped: number } {
  const out = { backends: 0, background: 0, reaped: 0 };
  if (!pg) return out;
  const pid = readFileSync(join(pg.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]!.trim();
  const kids = execFileSync('ps', ['-o', 'pid=', '--ppid', pid]).toString().trim().split(/\s+/).filter(Boolean);
  for (const p of [pid, ...kids]) {
    try {
      // utime, stime, cutime, cstime: fields 14-17 of /proc/PID/stat, counted after the ")" that ends the command name.
      const f = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
      const ms = (Number(f[11]) + Number(f[12])) * 10;
      if (p === pid) {
        out.background += ms;
        out.reaped += (Number(f[13]) + Number(f[14])) * 10;
      } else if (/^postgres: \S+ \S+ [\d.]+\(/.test(readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' '))) out.backends += ms;
      else out.background += ms;
    } catch {
      // a backend that exited between ps and the read: its time is in the postmaster's cutime now
    }
  }
  return out;
}

export function deviceBatches(device: string, records: number, seed: number): Array<Omit<BatchPayload, 'batchId' | 'createdAt'>> {
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
    // The client runs in its own process (server-client.ts), started and loaded before the clock starts.
    const file = join(dir, 'sealed.json');
    writeFileSync(file, JSON.stringify(sealed));
    const client = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./server-client.ts', import.meta.url)), file, `${server.url}/api/v1/ingest`], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: client.stdout! })[Symbol.asyncIterator]();
    const exited = new Promise((_, reject) => client.once('exit', (c) => reject(new Error(`the bench client exited with ${c}`))));
    exited.catch(() => undefined); // once it has printed, its exit is no failure
    const next = async () => ((await Promise.race([lines.next(), exited])) as IteratorResult<string>).value;
    if ((await next()) !== 'ready') throw new Error('the bench client did not start');
    const loadBefore = load();
    const pg0 = clusterCpuMs(pg);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    client.stdin!.write('go\n');
    const { latencies, stored, cpuMs: clientCpuMs } = JSON.parse(await next()) as { latencies: number[]; stored: number; cpuMs: number };
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const pg1 = clusterCpuMs(pg);
    const per1k = (ms: number) => Math.round((ms * 1000) / stored);
    const pgCpu = { backends: per1k(pg1.backends - pg0.backends), background: per1k(pg1.background - pg0.background), reaped: per1k(pg1.reaped - pg0.reaped) };
    const r = {
      records: stored,
      recordsPerS: Math.round(stored / seconds),
      receiptP50Ms: Math.round(pct(latencies, 50)),
      receiptP99Ms: Math.round(pct(latencies, 99)),
      nodeCpuMsPer1kRecords: Math.round((cpu.user + cpu.system) / stored),
      clientCpuMsPer1kRecords: Math.round((clientCpuMs * 1000) / stored),
      dbCpuMsPer1kRecords: pg ? pgCpu.backends + pgCpu.background + pgCpu.reaped : null,
      // The cluster's figure split: backends (the server's statements), background (WAL writer, checkpointer), reaped (autovacuum workers).
      dbCpuSplit: pg ? `${pgCpu.backends}/${pgCpu.background}/${pgCpu.reaped}` : null,
      load: `${loadBefore}..${load()}`,
    };
    log(`server bench (${kind}): ${JSON.stringify(r)}`);
    return r;
  } finally {
    await server.close();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const SEED_WORDS = `ARRAY[${WORDS.map((w) => `'${w}'`).join(', ')}]`;
/** 1M rows in one statement per 100k, built by PostgreSQL itself; the shape of real rows (text, users, devices, a year of time). */
const SEED_SQL = `INSERT INTO records (ts, id, device, seq, hash, owner_sub, user_name, identity_sub, identity_email, client, model, endpoint, decision, status, maskings, prompt, response, tools, body, batch_rid)
SELECT timestamptz '2026-01-01T00:00:00Z' + i * interval '31 seconds', md5(i::text), 'device-' || (i % 2000), i / 2000, md5('h' || i), 'sub-' || (i % 500), 'user' || (i % 500),
  'sub-' || (i % 500), 'user' || (i % 500) || '@example.com', 'VS Code', 'gpt-4.1', 'chat', CASE WHEN i % 50 = 0 THEN 'blocked' ELSE 'allowed' END, '200', (i % 7 = 0)::int,
  'Why does the ' || w[1 + i % 12] || ' in ' || w[1 + (i * 7) % 12] || '.ts fail after the ' || w[1 + (i * 5 + 3) % 12] || ' change? Ticket T' || (i % 10000) || ', line ' || (i % 400) || '.',
  repeat('The ' || w[1 + (i * 3) % 12] || ' is not awaited; wrap it in a ' || w[1 + (i * 11) % 12] || ' with a timeout. ', 4), '',
  '{"identity":{"sub":"sub-' || (i % 500) || '","email":"user' || (i % 500) || '@example.com"}}', 0
FROM generate_series($1::bigint, $2::bigint) AS i, (SELECT ${SEED_WORDS} AS w) AS words`;

async function benchSearch(total: number, log: (s: string) => void) {
  const dir = mkdtempSync(join(tmpdir(), 'witness-server-bench-search-'));
  const pg = await startPostgres();
  const server = await startServer({
    dataDir: join(dir, 'server'),
    config: { oidc: { issuer: null, audience: null, groupsClaim: 'groups', jwksUri: null }, roles: { auditor: [], admin: [] }, database: { url: await pg.createDatabase('search') } },
  });
  try {
    for (let m = 0; m < 13; m++) {
      const from = new Date(Date.UTC(2026, m, 1)).toISOString();
      const to = new Date(Date.UTC(2026, m + 1, 1)).toISOString();
      await server.db.query(`CREATE TABLE records_${from.slice(0, 4)}${from.slice(5, 7)} PARTITION OF records FOR VALUES FROM ('${from}') TO ('${to}')`);
    }
    const s0 = performance.now();
    for (let i = 1; i <= total; i += 100_000) {
      await server.db.query(SEED_SQL, [i, Math.min(total, i + 99_999)]);
      log(`server bench (search): seeded ${Math.min(total, i + 99_999)} of ${total} rows`);
    }
    await server.db.exec('VACUUM ANALYZE records');
    log(`server bench (search): seeded ${total} rows in ${Math.round((performance.now() - s0) / 1000)} s`);
    const query = new Query(server.db);
    const auditor = { sub: 'auditor', email: null, groups: [], auditor: true, admin: false };
    const filters: Record<string, (i: number) => Record<string, string>> = {
      text: (i) => ({ q: WORDS[i % WORDS.length]! }),
      'text (two words)': (i) => ({ q: `${WORDS[i % WORDS.length]} ${WORDS[(i + 5) % WORDS.length]}` }),
      'text (rare)': (i) => ({ q: `T${(i * 37) % 10000}` }),
      user: (i) => ({ user: `user${(i * 13) % 500}` }),
      device: (i) => ({ device: `device-${(i * 17) % 2000}` }),
      'time range (1 day)': (i) => ({ since: new Date(Date.UTC(2026, i % 12, 10)).toISOString(), until: new Date(Date.UTC(2026, i % 12, 11)).toISOString() }),
      'user + text + month': (i) => ({ user: `user${(i * 13) % 500}`, q: WORDS[i % WORDS.length]!, since: new Date(Date.UTC(2026, i % 12, 1)).toISOString(), until: new Date(Date.UTC(2026, (i % 12) + 1, 1)).toISOString() }),
    };
    const out: Record<string, { p50Ms: number; p99Ms: number; totalMatches: number }> = {};
    const all: number[] = [];
    for (const [name, make] of Object.entries(filters)) {
      const ms: number[] = [];
      let matches = 0;
      for (let i = 0; i < 30; i++) {
        const s = performance.now();
        const page = await query.search(auditor, { ...make(i), limit: 50 });
        ms.push(performance.now() - s);
        matches = page.total;
      }
      all.push(...ms);
      out[name] = { p50Ms: Math.round(pct(ms, 50) * 10) / 10, p99Ms: Math.round(pct(ms, 99) * 10) / 10, totalMatches: matches };
    }
    const r = { records: total, p50Ms: Math.round(pct(all, 50) * 10) / 10, p99Ms: Math.round(pct(all, 99) * 10) / 10, load: load(), filters: out };
    log(`server bench (search): ${JSON.stringify(r)}`);
    return r;
  } finally {
    await server.close();
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runServerBench(log: (s: string) => void) {
  const total = Number(process.env.BENCH_SERVER_RECORDS ?? 20_000);
  const searchRecords = Number(process.env.BENCH_SERVER_SEARCH_RECORDS ?? 1_000_000);
  // BENCH_SERVER_PARTS=ingest, =search or =sync (the engine's side) runs one part (default all).
  const parts = process.env.BENCH_SERVER_PARTS ?? 'ingest,search,sync';
  // BENCH_SERVER_DBS=postgresql or =pglite ingests into one store (default both).
  const dbs = process.env.BENCH_SERVER_DBS ?? 'postgresql,pglite';
  return {
    postgresql: parts.includes('ingest') && dbs.includes('postgresql') ? await benchOne('postgresql', total, log) : null,
    pglite: parts.includes('ingest') && dbs.includes('pglite') ? await benchOne('pglite', total, log) : null,
    searchPostgresql: parts.includes('search') ? await benchSearch(searchRecords, log) : null,
    engineSync: parts.includes('sync') ? await runSyncBench(log) : null,
  };
}
