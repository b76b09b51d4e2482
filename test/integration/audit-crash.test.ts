import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readControlFile } from '../../proxy/control-server/index.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { openEventStream } from '../helpers/events.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { requestViaProxy } from '../helpers/proxy-client.js';

let upstream: FakeUpstream;
let dataDir: string;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  dataDir = mkdtempSync(join(tmpdir(), 'witness-crash-'));
  writeFileSync(join(dataDir, 'upstream-ca.pem'), upstream.root.certPem);
  writeFileSync(
    join(dataDir, 'config.json'),
    JSON.stringify({ proxy: { port: 0 }, upstream: { resolve: { 'api.githubcopilot.com': `127.0.0.1:${upstream.port}` }, caFile: join(dataDir, 'upstream-ca.pem') }, log: { level: 'warn' } }),
  );
});
afterAll(async () => {
  await upstream?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('audit store crash safety', () => {
  it('keeps every acknowledged record across 20 SIGKILLs at random points, and the chain verifies', async () => {
    const acked = new Set<string>();
    const random = seeded(20_201);
    for (let round = 0; round < 20; round++) {
      // Each round waits for a few acknowledgements (events, not a timer, so a busy machine
      // only makes the round slower), then kills at a random moment among the appends in flight.
      const target = acked.size + 2 + Math.floor(random() * 4);
      let reached!: () => void;
      const enough = new Promise<void>((r) => (reached = r));
      const run = spawnCli(['start', '--data-dir', dataDir, '--json']);
      const started = JSON.parse(await run.waitFor(/"event":"started"/));
      const control = readControlFile(dataDir)!;
      const events = await openEventStream(control.url, control.token, (type, data) => {
        if (type === 'record.stored') {
          acked.add(data.id);
          if (acked.size >= target) reached();
        }
      });
      let stop = false;
      const senders = [0, 1, 2].map(async (k) => {
        while (!stop) {
          await requestViaProxy({
            proxyPort: Number(new URL(started.proxy.url).port),
            host: 'api.githubcopilot.com',
            path: `/chat/completions?echo=1&round=${round}&k=${k}`,
            method: 'POST',
            body: JSON.stringify({ model: 'gpt-4.1', messages: [{ role: 'user', content: `round ${round} sender ${k} ${Math.random()}` }] }),
            headers: { 'content-type': 'application/json' },
            ca: readCa(),
          }).catch(() => undefined);
        }
      });
      await enough;
      // Three senders keep appends in flight; the extra delay puts the kill anywhere among them.
      await new Promise((r) => setTimeout(r, Math.floor(random() * 40)));
      run.child.kill('SIGKILL');
      await run.exited;
      stop = true;
      events.close();
      await Promise.all(senders);
    }
    expect(acked.size).toBeGreaterThanOrEqual(40);

    const verify = await runCli(['verify', '--data-dir', dataDir, '--json']);
    const v = JSON.parse(verify.stdout);
    expect(v.problems).toEqual([]);
    expect(verify.code).toBe(0);

    const exported = await runCli(['export', '--data-dir', dataDir, '--format', 'jsonl']);
    const ids = new Set(exported.stdout.trim().split('\n').map((l) => JSON.parse(l).id as string));
    const lost = [...acked].filter((id) => !ids.has(id));
    expect(lost).toEqual([]);
  }, 600_000);
});

/** A small deterministic generator (mulberry32): the same kill schedule on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function readCa(): string {
  return readFileSync(join(dataDir, 'ca', 'current.crt.pem'), 'utf8');
}
