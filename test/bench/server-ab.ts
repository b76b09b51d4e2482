/**
 * Old vs new server ingest in one process, alternated: `BENCH_SERVER_BASE=/path/to/old/checkout
 * npx tsx test/bench/server-ab.ts`. Both servers (this checkout's and the old one's, each with
 * its own schema, migrations and all) run on one throwaway PostgreSQL cluster, each in its own
 * database; each gets the same shape of batches (server.bench.ts's realistic records, sealed
 * before the clock starts) and they take turns, BENCH_AB_BLOCK batches at a time, order
 * swapped every round, for BENCH_AB_ROUNDS rounds. Batches go straight to the ingest (no
 * HTTP), one at a time (or from BENCH_AB_DEVICES devices at once, as the server bench's
 * client sends them), so this process's CPU during a block is the server node's, and the
 * CPU of the backends connected to a side's database is its PostgreSQL share. On a loaded
 * machine the two sides see the same load; compare them, not the absolute numbers.
 */
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pinnedKeys, publicJwkOf, sealBatch } from '../../proxy/sync/index.js';
import { startPostgres } from '../helpers/postgres.js';
import { deviceBatches } from './server.bench.js';

const base = process.env.BENCH_SERVER_BASE;
if (!base) throw new Error('BENCH_SERVER_BASE=<old checkout> is needed');
const ROUNDS = Number(process.env.BENCH_AB_ROUNDS ?? 8);
const BLOCK = Number(process.env.BENCH_AB_BLOCK ?? 10);
/** Devices sending at once within a block (BLOCK / DEVICES batches each), as the server bench's 4 devices do; 1 = one batch at a time. */
const DEVICES = Number(process.env.BENCH_AB_DEVICES ?? 1);
if (BLOCK % DEVICES) throw new Error('BENCH_AB_BLOCK must be a multiple of BENCH_AB_DEVICES');

type ServerModule = typeof import('../../server/index.js');
type IngestModule = typeof import('../../server/ingest.js');
type PartitionsModule = typeof import('../../server/partitions.js');

async function side(name: string, root: string, url: string, dir: string) {
  const srv = (await import(join(root, 'server/index.ts'))) as ServerModule;
  const { Ingest } = (await import(join(root, 'server/ingest.ts'))) as IngestModule;
  const { Partitions } = (await import(join(root, 'server/partitions.ts'))) as PartitionsModule;
  const server = await srv.startServer({
    dataDir: join(dir, name),
    config: { oidc: { issuer: null, audience: null, groupsClaim: 'groups', jwksUri: null }, roles: { auditor: [], admin: [] }, database: { url } },
  });
  const ingest = new Ingest(server.db, server.keys, new Partitions(server.db));
  const keys = pinnedKeys(server.keys.jwks);
  const devices: Buffer[][] = [];
  for (let d = 0; d < DEVICES; d++) {
    const { privateKey } = generateKeyPairSync('ed25519');
    const publicJwk = publicJwkOf(privateKey);
    const device = DEVICES === 1 ? `ab-${name}` : `ab-${name}-${d}`;
    await server.db.query('INSERT INTO devices (device, public_key, owner_sub) VALUES ($1, $2, $3)', [device, JSON.stringify(publicJwk), 'sub-ab']);
    const sealed: Buffer[] = [];
    for (const b of deviceBatches(device, (ROUNDS * BLOCK * 100) / DEVICES, d + 1))
      sealed.push(Buffer.from(await sealBatch({ ...b, batchId: randomUUID(), createdAt: new Date().toISOString() }, { privateKey, publicJwk }, keys)));
    devices.push(sealed);
  }
  return { name, server, ingest, devices, next: new Array<number>(DEVICES).fill(0), nodeMs: [] as number[], pgMs: [] as number[] };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'witness-server-ab-'));
  const pg = await startPostgres();
  try {
    const sides = [await side('old', base!, await pg.createDatabase('old'), dir), await side('new', join(import.meta.dirname, '../..'), await pg.createDatabase('new'), dir)];
    const backendMs = async (s: (typeof sides)[number]) => {
      const pids = await s.server.db.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'");
      let ms = 0;
      for (const { pid } of pids) {
        try {
          const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
          ms += (Number(f[11]) + Number(f[12])) * 10;
        } catch {
          // gone
        }
      }
      return ms;
    };
    for (let r = 0; r < ROUNDS; r++) {
      for (const s of r % 2 ? [...sides].reverse() : sides) {
        const pg0 = await backendMs(s);
        const c0 = process.cpuUsage();
        await Promise.all(
          s.devices.map(async (sealed, d) => {
            for (let i = 0; i < BLOCK / DEVICES; i++) {
              const res = await s.ingest.receive(sealed[s.next[d]!++]!);
              if (res.status !== 200) throw new Error(`${s.name}: ${JSON.stringify(res.body)}`);
            }
          }),
        );
        const c = process.cpuUsage(c0);
        const records = BLOCK * 100;
        s.nodeMs.push(((c.user + c.system) / 1000) * (1000 / records));
        s.pgMs.push(((await backendMs(s)) - pg0) * (1000 / records));
      }
      console.log(`round ${r + 1} load ${loadavg()[0]!.toFixed(1)}: ` + sides.map((s) => `${s.name} node ${s.nodeMs.at(-1)!.toFixed(0)} pg ${s.pgMs.at(-1)!.toFixed(0)}`).join(' | ') + ' ms per 1k records');
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const out = Object.fromEntries(sides.map((s) => [s.name, { nodeMsPer1k: Math.round(med(s.nodeMs)), pgBackendMsPer1k: Math.round(med(s.pgMs)) }]));
    console.log(JSON.stringify({ medians: out, rounds: ROUNDS, recordsPerBlock: BLOCK * 100, devices: DEVICES, load: loadavg()[0]!.toFixed(1) }));
    for (const s of sides) await s.server.close();
  } finally {
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
await main();
