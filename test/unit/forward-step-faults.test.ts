/**
 * What the forward step records when its own stage throws mid-stream, with a real upstream
 * and a real client response. Pinned as the engine had it with `stream.pipeline()`: the
 * client's response is cut (no error event: the failure is not the upstream's) and the
 * outcome is read when the stages' wiring calls back, which comes before the aborted
 * upstream response is destroyed (so the exchange says client-abort, with the stage's error).
 * A wiring that called back later would record it differently; see test/unit/wire.test.ts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForwardStep } from '../../proxy/intercept/forward-step.js';
import type { ExchangeSummary } from '../../proxy/intercept/index.js';
import { FailsOn } from '../helpers/streams.js';
import { plainUpstreamPool } from '../helpers/plain-pool.js';

describe('forward step: a stage that throws mid-stream', () => {
  let upstream: http.Server;
  let front: http.Server;
  const ended: ExchangeSummary[] = [];

  beforeAll(async () => {
    upstream = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: one\n\n');
      setTimeout(() => res.write('data: bad\n\n'), 20);
      setTimeout(() => res.end('data: [DONE]\n\n'), 2000).unref();
    });
    const { port: upPort, pool } = await plainUpstreamPool(upstream);
    const step = new ForwardStep({ pool, hooks: { responseTransform: () => new FailsOn('bad', 'the stage threw'), onExchangeEnd: (s) => ended.push(s) } });
    front = http.createServer((req, res) => {
      const shim = {
        id: 'x1',
        method: req.method!,
        protocol: 'http',
        httpVersion: req.httpVersion,
        path: req.url!,
        destination: { hostname: '127.0.0.1', port: upPort },
        rawHeaders: [] as Array<[string, string]>,
        body: { asStream: () => Readable.from([]) },
      };
      void step.handle(shim as never, res);
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    upstream.closeAllConnections();
    front.closeAllConnections();
    await Promise.all([new Promise((r) => upstream.close(r)), new Promise((r) => front.close(r))]);
  });

  it('cuts the client response after what passed, and records the stage error as the engine did', async () => {
    const port = (front.address() as AddressInfo).port;
    let got = '';
    const clientError = await new Promise<string>((resolve) => {
      http.get({ host: '127.0.0.1', port, path: '/sse' }, (res) => {
        res.on('data', (d: Buffer) => (got += d.toString()));
        res.on('error', (e) => resolve(e.message));
        res.on('end', () => resolve('ended'));
      });
    });
    await expect.poll(() => ended.length).toBe(1);
    expect(got).toBe('data: one\n\n');
    expect(clientError).toBe('aborted');
    expect(ended[0]).toMatchObject({ status: 200, outcome: 'client-abort', error: 'the stage threw', bytesToClient: 11 });
  });
});
