/**
 * The forward step inside a real mockttp server, as the proxy runs it: a streamed response
 * reaches the client whole and event by event, while mockttp keeps no copy of its chunks for
 * its own 'response' event (which still fires, with its timing): that copy cost a stream write
 * and a retained chunk per event for a listener that reads nothing.
 */
import http from 'node:http';
import { completionCheckers, getLocal, type CompletedResponse, type Mockttp } from 'mockttp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForwardStep, registerForwardStep } from '../../proxy/intercept/forward-step.js';
import { PassThrough } from 'node:stream';
import { plainUpstreamPool } from '../helpers/plain-pool.js';

const EVENTS = ['data: {"n":0}\n\n', 'data: {"n":1}\n\n', 'data: {"n":2}\n\n'];

describe('forward step in mockttp: no body copy for mockttp', () => {
  let upstream: http.Server;
  let server: Mockttp;
  const responses: CompletedResponse[] = [];

  beforeAll(async () => {
    upstream = http.createServer((req, res) => {
      if (req.url === '/json') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      let i = 0;
      const next = () => (i < EVENTS.length ? (res.write(EVENTS[i++]), setTimeout(next, 5)) : res.end());
      next();
    });
    const { pool } = await plainUpstreamPool(upstream);
    registerForwardStep();
    // As the proxy configures it (proxy-server.ts): no traffic recorded, a 64 KB cap on its copies, a 'response' listener.
    server = getLocal({ recordTraffic: false, maxBodySize: 64 * 1024 });
    await server.start(0);
    await server.addRequestRules({
      matchers: [{ type: 'all-test', matches: () => true, explain: () => 'all', dispose: () => undefined }],
      // Every stream goes through a transform, as masking puts one in the path of every event stream.
      steps: [new ForwardStep({ pool, hooks: { responseTransform: () => new PassThrough() } })],
      completionChecker: new completionCheckers.Always(),
    } as never);
    await server.on('response', (r) => responses.push(r));
  });
  afterAll(async () => {
    upstream.closeAllConnections();
    await server.stop();
    await new Promise((r) => upstream.close(r));
  });

  const get = (path: string) =>
    new Promise<string[]>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: server.port, path }, (res) => {
          const chunks: string[] = [];
          res.on('data', (d: Buffer) => chunks.push(d.toString()));
          res.on('end', () => resolve(chunks));
        })
        .on('error', reject);
    });

  it('streams every event to the client and leaves mockttp’s response event without a copy of them', async () => {
    const chunks = await get('/sse');
    expect(chunks.join('')).toBe(EVENTS.join(''));
    expect(chunks.length).toBeGreaterThanOrEqual(EVENTS.length); // event by event, not buffered to the end
    await expect.poll(() => responses.length).toBe(1);
    expect(responses[0]!.statusCode).toBe(200);
    expect(responses[0]!.timingEvents.responseSentTimestamp).toBeGreaterThan(0);
    expect(responses[0]!.body.buffer.length).toBe(0);
  });

  it('passes a whole JSON body as before', async () => {
    expect((await get('/json')).join('')).toBe('{"ok":true}');
    await expect.poll(() => responses.length).toBe(2);
    expect(responses[1]!.body.buffer.length).toBe(0);
  });
});
