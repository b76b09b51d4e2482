/**
 * wire() against stream.pipeline(): the same streams, the same fault, the same transcript —
 * what the callback is given and when, which streams are destroyed with what, whether the
 * upstream request is aborted, and what still listens to the last stream afterwards. The
 * forward step's callback decides the exchange's outcome and its recorded error from these.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough, Readable, pipeline } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wire } from '../../proxy/intercept/wire.js';
import { FailsOn } from '../helpers/streams.js';

type Impl = (streams: NodeJS.ReadableStream[], cb: (err: (Error & { code?: string }) | undefined) => void) => void;
const viaPipeline: Impl = (streams, cb) => pipeline(...(streams as [Readable, PassThrough]), (err) => cb(err ?? undefined));
const viaWire: Impl = (streams, cb) => wire(streams, cb);

const describeErr = (e: unknown) => (e ? `${(e as { code?: string }).code ?? '-'}:${(e as Error).message}` : 'none');

/** Records each stream's 'close' (and its error), and the callback, in the order they happen. */
function watch(log: string[], names: string[], streams: NodeJS.ReadableStream[]) {
  streams.forEach((s, i) => {
    s.on('close', () => log.push(`${names[i]} close ${describeErr((s as unknown as { errored?: unknown }).errored)}`));
  });
}

interface Scenario {
  name: string;
  /** Builds the streams (and starts the fault); `log` is the shared transcript. */
  build(log: string[]): { streams: NodeJS.ReadableStream[]; names: string[]; start(): void };
}

async function transcript(impl: Impl, sc: Scenario): Promise<string[]> {
  const log: string[] = [];
  const { streams, names, start } = sc.build(log);
  const last = streams.at(-1)!;
  // The last stage goes on to a consumer outside the pipeline, as the client tail goes to the response.
  const sink = new PassThrough();
  last.pipe(sink);
  sink.resume();
  const before = last.listenerCount('error');
  watch(log, names, streams);
  await new Promise<void>((resolve) => {
    impl(streams, (err) => {
      log.push(`callback ${describeErr(err)} destroyed=${streams.map((s) => ((s as unknown as { destroyed: boolean }).destroyed ? 1 : 0)).join('')}`);
      resolve();
    });
    start();
  });
  await new Promise((r) => setTimeout(r, 20));
  // After a failure a later error on the last stage is still caught; after success nothing of the pipeline listens.
  log.push(`last stage still watched for errors: ${last.listenerCount('error') > before}`);
  return log;
}

const chain = (log: string[], source: Readable, stages: NodeJS.ReadWriteStream[]) => {
  void log;
  return { streams: [source, ...stages] as NodeJS.ReadableStream[], names: ['source', ...stages.map((_, i) => `stage${i + 1}`)] };
};

const scenarios: Scenario[] = [
  {
    name: 'the source ends: success',
    build: (log) => {
      const source = new Readable({ read() {} });
      return { ...chain(log, source, [new PassThrough(), new PassThrough(), new PassThrough()]), start: () => (source.push('a'), source.push('b'), source.push(null)) };
    },
  },
  {
    name: 'the source fails mid-body',
    build: (log) => {
      const source = new Readable({ read() {} });
      return {
        ...chain(log, source, [new PassThrough(), new PassThrough(), new PassThrough()]),
        start: () => {
          source.push('a');
          setImmediate(() => source.destroy(Object.assign(new Error('upstream broke'), { code: 'ECONNRESET' })));
        },
      };
    },
  },
  {
    name: 'the source closes early (premature close)',
    build: (log) => {
      const source = new Readable({ read() {} });
      return { ...chain(log, source, [new PassThrough(), new PassThrough()]), start: () => (source.push('a'), setImmediate(() => source.destroy())) };
    },
  },
  {
    name: 'a stage throws',
    build: (log) => {
      const source = new Readable({ read() {} });
      return { ...chain(log, source, [new PassThrough(), new FailsOn('bad', 'stage threw'), new PassThrough()]), start: () => (source.push('ok'), setImmediate(() => source.push('bad'))) };
    },
  },
  {
    name: 'a premature close, then a real error: the real one is reported',
    build: (log) => {
      const source = new Readable({ read() {} });
      const mid = new PassThrough();
      return {
        ...chain(log, source, [mid, new PassThrough()]),
        start: () => {
          source.push('a');
          setImmediate(() => {
            source.destroy();
            mid.destroy(new Error('later, real'));
          });
        },
      };
    },
  },
  {
    name: 'the last stage is destroyed (the client went away)',
    build: (log) => {
      const source = new Readable({ read() {} });
      const last = new PassThrough();
      return { ...chain(log, source, [new PassThrough(), last]), start: () => (source.push('a'), setImmediate(() => last.destroy())) };
    },
  },
  {
    name: 'a stage fails after the source has ended (the ended source is left alone)',
    build: (log) => {
      const source = new Readable({ read() {} });
      const mid = new PassThrough();
      return {
        ...chain(log, source, [mid, new PassThrough()]),
        start: () => {
          source.push('a');
          source.push(null);
          source.once('end', () => setImmediate(() => mid.destroy(new Error('late stage failure'))));
        },
      };
    },
  },
];

describe('wire() does what pipeline() does', () => {
  for (const sc of scenarios) {
    it(sc.name, async () => {
      const a = await transcript(viaPipeline, sc);
      const b = await transcript(viaWire, sc);
      expect(b).toEqual(a);
      expect(a.some((l) => l.startsWith('callback'))).toBe(true);
    });
  }
});

describe('wire() with a real upstream response', () => {
  let server: http.Server;
  let port: number;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: one\n\n');
      if (req.url === '/reset') setTimeout(() => res.socket?.destroy(), 10);
      else if (req.url === '/bad') setTimeout(() => res.write('data: bad\n\n'), 10);
      else setTimeout(() => res.end('data: two\n\n'), 10);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  /** One request's transcript: the pipeline's outcome and what became of the upstream request. */
  async function upstream(impl: Impl, path: string, alone = false): Promise<string[]> {
    const log: string[] = [];
    const agent = new http.Agent({ keepAlive: true });
    const req = http.request({ port, host: '127.0.0.1', path, agent });
    req.on('abort', () => log.push('request abort'));
    req.on('close', () => log.push('request close'));
    req.on('error', (e) => log.push(`request error ${describeErr(e)}`));
    const res = await new Promise<http.IncomingMessage>((resolve) => req.once('response', resolve).end());
    // Alone: the failing stage is the only one (pipeline() counts its 'error' event among the
    // ends it waits for, so it calls back before the aborted response is destroyed).
    const stages = alone ? [new FailsOn('bad', 'stage threw')] : [new PassThrough(), new FailsOn('bad', 'stage threw'), new PassThrough()];
    const sink = new PassThrough();
    stages.at(-1)!.pipe(sink);
    sink.resume();
    await new Promise<void>((resolve) =>
      impl([res, ...stages], (err) => {
        log.push(`callback ${describeErr(err)} response destroyed=${res.destroyed} socket destroyed=${res.socket?.destroyed ?? 'detached'}`);
        resolve();
      }),
    );
    await new Promise((r) => setTimeout(r, 20));
    agent.destroy();
    return log;
  }

  for (const path of ['/ok', '/reset', '/bad']) {
    it(`${path}: the same outcome, and the request aborted as pipeline() aborts it`, async () => {
      const a = await upstream(viaPipeline, path);
      const b = await upstream(viaWire, path);
      expect(b).toEqual(a);
      if (path === '/bad') expect(a).toContain('request abort');
    });
  }

  it('/bad through one failing stage: called back before the aborted response is destroyed, as pipeline() does', async () => {
    const a = await upstream(viaPipeline, '/bad', true);
    const b = await upstream(viaWire, '/bad', true);
    expect(b).toEqual(a);
    expect(a.find((l) => l.startsWith('callback'))).toContain('response destroyed=false');
  });
});
