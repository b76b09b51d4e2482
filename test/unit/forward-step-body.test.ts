/** The request body the forward step sends upstream after inspection: the inspected bytes, in one write. */
import { EventEmitter } from 'node:events';
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ForwardStep } from '../../proxy/intercept/forward-step.js';
import type { InterceptHooks } from '../../proxy/intercept/index.js';
import type { UpstreamPool } from '../../proxy/intercept/upstream.js';

/** An upstream request that records each write it is given (no socket, no response). */
class RecordingUpstream extends Writable {
  readonly writes: Buffer[] = [];
  override write(chunk: Buffer, ...rest: unknown[]): boolean {
    this.writes.push(Buffer.from(chunk));
    return super.write(chunk, ...(rest as []));
  }
  override _write(_c: Buffer, _e: BufferEncoding, cb: () => void) {
    cb();
  }
}

async function forward(chunks: string[], hooks: InterceptHooks, rawHeaders: Array<[string, string]> = [['content-type', 'application/json'], ['content-length', String(chunks.join('').length)]]) {
  const upstream = new RecordingUpstream();
  const pool = { target: () => ({}), request: () => upstream } as unknown as UpstreamPool;
  const body = new PassThrough();
  const req = Object.assign(new EventEmitter(), {
    id: 'r1',
    method: 'POST',
    protocol: 'https',
    httpVersion: '1.1',
    path: '/chat/completions',
    destination: { hostname: 'api.githubcopilot.com', port: 443 },
    rawHeaders,
    body: { asStream: () => body },
  });
  const res = new EventEmitter();
  void new ForwardStep({ pool, hooks }).handle(req as never, res as never);
  for (const c of chunks) body.write(c);
  body.end();
  await new Promise((r) => upstream.once('finish', r));
  upstream.emit('close'); // clears the forward step's timers; the exchange is left unanswered
  return upstream.writes;
}

describe('forward step: the inspected request body upstream', () => {
  const chunks = ['{"messages":[', '{"role":"user",', '"content":"hi"}', '],"stream":', 'true}'];

  it('sends the body the hooks inspected, as one write, when they let it through unchanged', async () => {
    let inspected: Buffer | null = null;
    const writes = await forward(chunks, {
      inspectRequest: (_req, b) => {
        inspected = b;
        return { kind: 'forward' };
      },
    });
    expect(writes.map(String)).toEqual([chunks.join('')]);
    expect(String(inspected)).toBe(chunks.join(''));
  });

  it('writes nothing for a request without a body (end() alone frames it, as before)', async () => {
    const writes = await forward([], { inspectRequest: () => ({ kind: 'forward' }) }, [['accept', '*/*']]);
    expect(writes).toEqual([]);
  });

  it('sends the body the hooks gave in its place when they rewrite it', async () => {
    const writes = await forward(chunks, { inspectRequest: () => ({ kind: 'forward', body: Buffer.from('{"masked":true}'), headers: {} }) });
    expect(writes.map(String)).toEqual(['{"masked":true}']);
  });
});
