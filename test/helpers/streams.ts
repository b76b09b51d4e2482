/**
 * Building and running event streams in tests: SSE events of each protocol, a text cut into
 * n pieces, an adapter (or an adapter behind a hold) run in memory, a streaming client
 * through the real proxy, and fake-upstream scripts the test paces itself.
 */
import https from 'node:https';
import { Transform, type TransformCallback } from 'node:stream';
import type http from 'node:http';
import { HoldingSseTransform } from '../../proxy/approvals/index.js';
import { StreamingMasker, type Masker } from '../../proxy/masking/index.js';
import type { ToolDecision } from '../../proxy/policy/index.js';
import { adapterFor, familyFor, SseAdapterTransform, SseParser, type EndpointKind, type SemanticEvent } from '../../proxy/protocols/index.js';
import { tlsThroughProxy } from './proxy-client.js';

/** A response stage that fails (with `message`) on the chunk containing `bad`, and passes every other chunk on. */
export class FailsOn extends Transform {
  constructor(
    private readonly bad: string,
    private readonly message: string,
  ) {
    super();
  }
  override _transform(c: Buffer, _e: BufferEncoding, cb: TransformCallback) {
    if (c.toString().includes(this.bad)) cb(new Error(this.message));
    else cb(null, c);
  }
}

/** `text` through a StreamingMasker in pushes of sizes[0], sizes[1], … (repeated), flushed. */
export function streamMasked(masker: Masker, text: string, sizes: number[]): string {
  const sm = new StreamingMasker(masker);
  let out = '';
  for (let pos = 0, k = 0; pos < text.length; k++) {
    const n = sizes[k % sizes.length]!;
    out += sm.push(text.slice(pos, pos + n));
    pos += n;
  }
  return out + sm.flush();
}

/** A Responses/Messages style event: `event:` line naming its type, JSON data. */
export function sse(body: { type: string } & Record<string, unknown>): string {
  return `event: ${body.type}\ndata: ${JSON.stringify(body)}\n\n`;
}

/** A chat-completions chunk with one choice. */
export function chatChunk(delta: Record<string, unknown>, finish: string | null = null): string {
  return `data: ${JSON.stringify({ id: 'chatcmpl-T', object: 'chat.completion.chunk', model: 'gpt-test', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
}

/** `buf` cut at the given points (taken modulo its length + 1), without empty pieces. */
export function splitAt(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(buf.subarray(prev, p));
    prev = p;
  }
  out.push(buf.subarray(prev));
  return out.filter((b) => b.length > 0);
}

/** Bytes written to an adapter transform in the given chunks; the client's bytes and the adapter. */
export async function throughTransform(kind: EndpointKind, chunks: Buffer[], masker: Masker | null) {
  const t = new SseAdapterTransform(adapterFor(kind, { masker }));
  const out: Buffer[] = [];
  t.on('data', (d: Buffer) => out.push(Buffer.from(d)));
  const done = new Promise((r) => t.on('end', r));
  for (const c of chunks) t.write(c);
  t.end();
  await done;
  return { bytes: Buffer.concat(out), adapter: t.adapter };
}

/** `text` cut into n non-empty pieces at cut points drawn from `seeds`. */
export function cut(text: string, n: number, seeds: number[]): string[] {
  const points = [...new Set(seeds.slice(0, n - 1).map((s) => 1 + (s % (text.length - 1))))].sort((a, b) => a - b);
  const out: string[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(text.slice(prev, p));
    prev = p;
  }
  out.push(text.slice(prev));
  return out;
}

/** Parsed data of every event in a body. */
export function events(body: string): any[] {
  const p = new SseParser();
  return [...p.push(body), ...p.end()].filter((e) => e.data !== null && e.data.trim() !== '[DONE]').map((e) => JSON.parse(e.data!));
}

/** Runs a body through a masking adapter; the client's bytes, the adapter and its semantic events. */
export async function runAdapter(kind: EndpointKind, body: string, masker: Masker | null) {
  const semantic: SemanticEvent[] = [];
  const adapter = adapterFor(kind, { masker, onSemantic: (e) => semantic.push(e) });
  const t = new SseAdapterTransform(adapter);
  const out: Buffer[] = [];
  t.on('data', (d: Buffer) => out.push(Buffer.from(d)));
  const done = new Promise((r) => t.on('end', r));
  t.end(Buffer.from(body));
  await done;
  return { body: Buffer.concat(out).toString('utf8'), adapter, semantic };
}

export interface HeldRun {
  /** What the client had received once every upstream byte was in, before the stream ended. */
  beforeEnd: string;
  /** Everything the client received. */
  body: string;
  /** What policy was asked to judge. */
  judged: Array<{ tool: string; args: string; input: 'json' | 'text' }>;
}

/**
 * Runs a body through a masking adapter behind a hold, in memory, with every call decided
 * by `decide` (deny by default). The body is written whole; the end comes after a tick.
 */
export async function runHeld(kind: EndpointKind, body: string, masker: Masker, decide: (tool: string) => 'allow' | 'deny' = () => 'deny'): Promise<HeldRun> {
  const adapter = adapterFor(kind, { masker });
  const judged: HeldRun['judged'] = [];
  const { rewriteDenied } = familyFor(kind);
  if (!rewriteDenied) throw new Error(`${kind} streams are not held`);
  const holder = new HoldingSseTransform(
    adapter,
    {
      family: { rewriteDenied },
      evaluate: (tool, args, input): ToolDecision => {
        judged.push({ tool, args, input });
        return { decision: decide(tool), ruleIds: ['test'], reasons: ['test'], operation: { tool, class: 'unknown', paths: [], commands: [], urls: [], unparsable: false, previews: [] } };
      },
      requestApproval: () => {
        throw new Error('no approvals in this test');
      },
      cancel: () => undefined,
    },
  );
  let received = '';
  holder.on('data', (d: Buffer) => (received += d.toString('utf8')));
  const ended = new Promise((r) => holder.on('end', r));
  holder.write(Buffer.from(body));
  await new Promise((r) => setImmediate(r));
  const beforeEnd = received;
  holder.end();
  await ended;
  return { beforeEnd, body: received, judged };
}

/** A streaming request through the proxy whose received bytes can be inspected while it runs. */
export function streamViaProxy(proxyPort: number, caPem: string, path: string, host = 'api.business.githubcopilot.com') {
  const state = { body: '', done: false, status: 0 };
  const finished = tlsThroughProxy(proxyPort, host, 443, { ca: caPem }).then(
    (socket) =>
      new Promise<void>((resolve, reject) => {
        const req = https.request({ host, path, method: 'POST', headers: { 'content-type': 'application/json' }, createConnection: () => socket }, (res) => {
          state.status = res.statusCode ?? 0;
          res.setEncoding('utf8');
          res.on('data', (d: string) => (state.body += d));
          res.on('end', () => {
            state.done = true;
            resolve();
          });
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end('{"stream":true}');
      }),
  );
  return { state, finished };
}

/** A fake-upstream script that sends the given SSE text at once. */
export function replay(body: string): (res: http.ServerResponse) => void {
  return (res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.end(body);
  };
}

/** A fake-upstream script the test writes to itself: the response, once the request arrives. */
export function controlled(): { handler: (res: http.ServerResponse) => void; response: Promise<http.ServerResponse> } {
  let resolve!: (r: http.ServerResponse) => void;
  const response = new Promise<http.ServerResponse>((r) => (resolve = r));
  return {
    handler: (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.flushHeaders();
      resolve(res);
    },
    response,
  };
}
