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
    for (let round = 0; round < 20; round++) {
      const run = spawnCli(['start', '--data-dir', dataDir, '--json']);
      const started = JSON.parse(await run.waitFor(/"event":"started"/));
      const control = readControlFile(dataDir)!;
      const events = await openEventStream(control.url, control.token, (type, data) => {
        if (type === 'record.stored') acked.add(data.id);
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
      // The kill point is random on purpose: anywhere in the stream of appends.
      await new Promise((r) => setTimeout(r, 150 + Math.floor(Math.random() * 450)));
      run.child.kill('SIGKILL');
      await run.exited;
      stop = true;
      events.close();
      await Promise.all(senders);
    }
    expect(acked.size).toBeGreaterThan(40);

    const verify = await runCli(['verify', '--data-dir', dataDir, '--json']);
    const v = JSON.parse(verify.stdout);
    expect(v.problems).toEqual([]);
    expect(verify.code).toBe(0);

    const exported = await runCli(['export', '--data-dir', dataDir, '--format', 'jsonl']);
    const ids = new Set(exported.stdout.trim().split('\n').map((l) => JSON.parse(l).id as string));
    const lost = [...acked].filter((id) => !ids.has(id));
    expect(lost).toEqual([]);
  }, 240_000);
});

function readCa(): string {
  return readFileSync(join(dataDir, 'ca', 'current.crt.pem'), 'utf8');
}
