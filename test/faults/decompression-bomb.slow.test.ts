/**
 * Issue 20, resource exhaustion: a 1 MB gzip request body that inflated to 1 GiB drove the
 * engine to 2.2 GB RSS and a 500 (ERR_STRING_TOO_LONG). Decoding now stops at
 * limits.maxInspectedBodyBytes of decoded output, for requests and responses and every
 * encoding (the decoders alone: decompression-bomb.test.ts). Measured on a spawned engine:
 * its peak RSS (VmHWM) is its own, whatever the test process does.
 */
import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { requestViaProxy } from '../helpers/proxy-client.js';
import { bomb, BOMB_ENCODINGS } from './support/bombs.js';
import type { RecordWatch } from './support/records.js';
import type { SpawnedEngine } from './support/spawned-engine.js';
import { stopWarmed, warmedEngine } from './support/warmed-engine.js';

const MiB = 1024 * 1024;
const CAP = 1 * MiB;
const BOMB = 384 * MiB;
/** What the engine may grow by while handling every bomb: far below one inflated bomb. */
const GROWTH_ALLOWED = 128 * MiB;

let upstream: FakeUpstream;
let engine: SpawnedEngine;
let watch: RecordWatch;
let baseline: number;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  for (const enc of BOMB_ENCODINGS) await bomb(enc, BOMB);
  for (const enc of BOMB_ENCODINGS) await bomb(enc, BOMB, 'data: {"choices":[{"delta":{"content":"');
  // One ordinary exchange first, so that the baseline includes a warmed-up data path.
  ({ engine, watch, baseline } = await warmedEngine(upstream, { limits: { maxInspectedBodyBytes: CAP }, masking: { uninspectable: 'pass' } }));
}, 300_000);
afterAll(async () => {
  await stopWarmed({ engine, watch });
  await upstream?.close();
});

describe('a spawned engine under decompression bombs', () => {
  it('inspects no request bomb past the cap, forwards it as configured and records why', async () => {
    for (const enc of BOMB_ENCODINGS) {
      const res = await requestViaProxy({
        proxyPort: engine.proxyPort,
        host: 'api.githubcopilot.com',
        path: `/chat/completions?echo=1&bomb=${enc}`,
        method: 'POST',
        body: await bomb(enc, BOMB),
        headers: { 'content-type': 'application/json', 'content-encoding': enc },
        ca: engine.caPem,
      });
      expect(res.status).toBe(200);
    }
    const records = await watch.records(1 + BOMB_ENCODINGS.length);
    for (const r of records.slice(1)) expect(r.notInspected.join(' ')).toContain(`decoded body larger than ${CAP} bytes`);
    expect(engine.memory().peakRss - baseline).toBeLessThan(GROWTH_ALLOWED);
  });

  it('cuts a compressed response at the cap (JSON and SSE without event boundaries), records it, and stays small', async () => {
    let n = 1 + BOMB_ENCODINGS.length;
    for (const enc of BOMB_ENCODINGS) {
      for (const type of ['application/json', 'text/event-stream']) {
        const body = await bomb(enc, BOMB, type === 'text/event-stream' ? 'data: {"choices":[{"delta":{"content":"' : '');
        const name = `bomb-${enc}-${type}`;
        upstream.scripts.set(name, (res: http.ServerResponse) => {
          res.writeHead(200, { 'content-type': type, 'content-encoding': enc, 'content-length': body.length });
          res.end(body);
        });
        let received = 0;
        const outcome = await requestViaProxy({ proxyPort: engine.proxyPort, host: 'api.githubcopilot.com', path: `/chat/completions?script=${encodeURIComponent(name)}`, method: 'POST', body: '{"messages":[],"stream":true}', headers: { 'content-type': 'application/json' }, ca: engine.caPem }).then(
          (r) => {
            received = r.body.length;
            return 'complete';
          },
          (e: Error) => e.message,
        );
        // The client sees a broken response (never a "complete" 384 MiB one), with no more than the cap in it.
        expect(outcome, `${enc} ${type}`).not.toBe('complete');
        expect(received).toBeLessThanOrEqual(CAP);
        n++;
        const records = await watch.records(n);
        const record = records[n - 1]!;
        expect(record.notInspected.join(' '), `${enc} ${type}`).toContain(`decoded body larger than ${CAP} bytes`);
        expect(record.status).toBe('upstream-error');
      }
    }
    expect(engine.memory().peakRss - baseline).toBeLessThan(GROWTH_ALLOWED);
  });
});
