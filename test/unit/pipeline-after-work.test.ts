/**
 * After-work (pipeline/after-work.ts): what follows an exchange's end runs in order, when no
 * young exchange is waiting, within its bounds; and the Pipeline deferring through it hands
 * on the same records, in the same order, with the policy each exchange ran under.
 * Fake timers (performance.now() included): the bounds are checked exactly, no waiting.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ExchangeRequest, ExchangeSummary } from '../../proxy/intercept/index.js';
import { Masker } from '../../proxy/masking/index.js';
import type { Interaction } from '../../proxy/model/index.js';
import { AfterWork, auditSink, Pipeline, recordAssembly, type Stage } from '../../proxy/pipeline/index.js';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

const limits = { idleMs: 1, maxDelayMs: 50, maxQueued: 4 };

describe('AfterWork', () => {
  it('runs queued work in order once the loop is free, not in the call that queued it', () => {
    const ran: number[] = [];
    const w = new AfterWork(() => false, limits);
    w.push(() => ran.push(1));
    w.push(() => ran.push(2));
    expect(ran).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(ran).toEqual([1, 2]);
    expect(w.waiting).toBe(0);
  });

  it('waits while busy, and runs at the latest maxDelayMs after the oldest item was queued', () => {
    const ran: number[] = [];
    const w = new AfterWork(() => true, limits);
    w.push(() => ran.push(1));
    vi.advanceTimersByTime(20);
    w.push(() => ran.push(2));
    vi.advanceTimersByTime(29);
    expect(ran).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(ran).toEqual([1, 2]);
  });

  it('runs as soon as the young exchange is gone', () => {
    const ran: number[] = [];
    let busy = true;
    const w = new AfterWork(() => busy, limits);
    w.push(() => ran.push(1));
    vi.advanceTimersByTime(5);
    expect(ran).toEqual([]);
    busy = false;
    vi.advanceTimersByTime(1);
    expect(ran).toEqual([1]);
  });

  it('never holds more than maxQueued items', () => {
    const ran: number[] = [];
    const w = new AfterWork(() => true, limits);
    for (let i = 1; i <= 3; i++) w.push(() => ran.push(i));
    expect(ran).toEqual([]);
    w.push(() => ran.push(4));
    expect(ran).toEqual([1, 2, 3, 4]);
  });

  it('flush runs everything now; an item that throws stops none of the others, and its error is thrown after', () => {
    const ran: number[] = [];
    const w = new AfterWork(() => true, limits);
    w.push(() => ran.push(1));
    w.push(() => {
      throw new Error('broken record');
    });
    w.push(() => ran.push(3));
    expect(() => w.flush()).toThrow('broken record');
    expect(ran).toEqual([1, 3]);
    vi.advanceTimersByTime(100);
    expect(ran).toEqual([1, 3]);
  });
});

describe('AfterWork.later (the append after an item)', () => {
  it('runs after this turn when no exchange is young', () => {
    const ran: string[] = [];
    const w = new AfterWork(() => false, limits);
    w.later(() => ran.push('append'));
    expect(ran).toEqual([]);
    vi.advanceTimersByTime(0);
    expect(ran).toEqual(['append']);
  });

  it('waits while an exchange that began in this turn is young, and runs once it is not', () => {
    const ran: string[] = [];
    let busy = false;
    const w = new AfterWork(() => busy, limits);
    w.later(() => ran.push('append'));
    // The client's next request is read and forwarded before the turn ends: young now.
    busy = true;
    vi.advanceTimersByTime(0);
    vi.advanceTimersByTime(4);
    expect(ran).toEqual([]);
    expect(w.waiting).toBe(1);
    busy = false;
    vi.advanceTimersByTime(1);
    expect(ran).toEqual(['append']);
  });

  it('keeps the order given: work after waiting work waits behind it, even once nothing is young', () => {
    const ran: string[] = [];
    let busy = true;
    const w = new AfterWork(() => busy, limits);
    w.later(() => ran.push('a'));
    vi.advanceTimersByTime(0);
    busy = false;
    w.later(() => ran.push('b'));
    vi.advanceTimersByTime(0);
    expect(ran).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(ran).toEqual(['a', 'b']);
  });

  it('flush runs it too, after the queue, in the order given (the engine stops)', () => {
    const ran: string[] = [];
    const w = new AfterWork(() => true, limits);
    w.push(() => {
      ran.push('assemble 1');
      w.later(() => ran.push('append 1'));
    });
    w.later(() => ran.push('append 0'));
    w.flush();
    expect(ran).toEqual(['assemble 1', 'append 0', 'append 1']);
    vi.advanceTimersByTime(100);
    expect(ran).toEqual(['assemble 1', 'append 0', 'append 1']);
  });

  it('defer false at its turn (the store cannot record): runs then, young exchange or not, after what was queued', () => {
    const ran: string[] = [];
    let defer = true;
    const w = new AfterWork(() => true, limits);
    w.push(() => ran.push('queued'));
    w.later(
      () => ran.push('append'),
      () => defer,
    );
    defer = false;
    vi.advanceTimersByTime(0);
    expect(ran).toEqual(['queued', 'append']);
  });
});

const masker = new Masker({ key: Buffer.alloc(32, 9) });
let seq = 0;
function request(): ExchangeRequest {
  return { id: `aw${++seq}`, method: 'POST', protocol: 'https', host: 'api.business.githubcopilot.com', port: 443, path: '/chat/completions', headers: { 'content-type': 'application/json' }, clientAddress: '127.0.0.1', httpVersion: '1.1', startedAt: Date.now() };
}
function summary(req: ExchangeRequest): ExchangeSummary {
  const t = req.startedAt;
  return { request: req, status: 200, timings: { start: t, headers: t + 1, firstByte: t + 2, end: t + 3 }, bytesFromUpstream: 0, bytesToClient: 0, outcome: 'ok', notInspected: null, error: null };
}
const body = (text: string) => Buffer.from(JSON.stringify({ model: 'gpt-4.1', messages: [{ role: 'user', content: text }] }));

describe('Pipeline with after-work', () => {
  function setup(defer = () => true) {
    const records: Array<{ id: string; policy: string }> = [];
    const appended: string[] = [];
    const inTurn: Array<() => void> = [];
    let policy = 'none';
    const stages: Stage[] = [
      recordAssembly({ masker }),
      auditSink({
        append: (r: Interaction) => {
          records.push({ id: r.id, policy });
          // As the engine's recorder does: the store append on a later turn, through the pipeline.
          pipeline.later(() => appended.push(r.id));
        },
      }),
      // What else happens in the record's turn (once each).
      { name: 'in-turn', recorded: () => inTurn.shift()?.() },
    ];
    const pipeline: Pipeline = new Pipeline(masker, stages, { afterWork: limits, defer });
    // What `within` restores: the exchange's policy, as the engine's judge does.
    const under = (name: string) => (fn: () => void) => {
      const outer = policy;
      policy = name;
      try {
        fn();
      } finally {
        policy = outer;
      }
    };
    return { pipeline, records, appended, inTurn, under };
  }

  it("a record's append waits while the exchange that arrived after its assembly is young", () => {
    const { pipeline, records, appended, inTurn, under } = setup();
    const a = request();
    pipeline.request(a, body('first'));
    pipeline.end(summary(a), under('v1'));
    // The client's next request is read in the turn of the record's assembly, before the
    // append's turn.
    const b = request();
    inTurn.push(() => pipeline.request(b, body('second')));
    vi.advanceTimersByTime(1);
    expect(records.map((r) => r.id)).toEqual([a.id]);
    vi.advanceTimersByTime(4);
    expect(appended).toEqual([]);
    vi.advanceTimersByTime(2);
    expect(appended).toEqual([a.id]);
  });

  it('appends in record order, and flushAfterWork leaves none waiting', () => {
    const { pipeline, appended, under } = setup();
    const a = request();
    pipeline.request(a, body('first'));
    pipeline.end(summary(a), under('v1'));
    vi.advanceTimersByTime(1);
    const b = request();
    pipeline.request(b, body('second'));
    pipeline.end(summary(b), under('v2'));
    const c = request();
    pipeline.request(c, body('third'));
    pipeline.flushAfterWork();
    expect(appended).toEqual([a.id, b.id]);
  });

  it('records after the young exchange is answered, in end order, each under its own policy', () => {
    const { pipeline, records, under } = setup();
    const a = request();
    pipeline.request(a, body('first'));
    pipeline.end(summary(a), under('v1'));
    expect(records).toEqual([]);
    // The next request arrives at once: the first record waits while it is young.
    const b = request();
    pipeline.request(b, body('second'));
    vi.advanceTimersByTime(3);
    expect(records).toEqual([]);
    pipeline.end(summary(b), under('v2'));
    vi.advanceTimersByTime(1);
    expect(records).toEqual([
      { id: a.id, policy: 'v1' },
      { id: b.id, policy: 'v2' },
    ]);
  });

  it('a long exchange holds no record back longer than its young first milliseconds', () => {
    const { pipeline, records, under } = setup();
    const a = request();
    pipeline.request(a, body('first'));
    pipeline.end(summary(a), under('v1'));
    const long = request();
    pipeline.request(long, body('streaming'));
    vi.advanceTimersByTime(6);
    expect(records).toEqual([{ id: a.id, policy: 'v1' }]);
  });

  it('flushAfterWork hands on every waiting record now (the engine stops)', () => {
    const { pipeline, records, under } = setup();
    const a = request();
    pipeline.request(a, body('first'));
    pipeline.end(summary(a), under('v1'));
    const b = request();
    pipeline.request(b, body('second'));
    pipeline.flushAfterWork();
    expect(records.map((r) => r.id)).toEqual([a.id]);
  });

  it('defers nothing while `defer` says no (the store cannot record)', () => {
    let ok = true;
    const { pipeline, records, under } = setup(() => ok);
    const a = request();
    pipeline.request(a, body('first'));
    pipeline.end(summary(a), under('v1'));
    expect(records).toEqual([]);
    ok = false;
    const b = request();
    pipeline.request(b, body('second'));
    pipeline.end(summary(b), under('v2'));
    expect(records.map((r) => r.id)).toEqual([a.id, b.id]);
  });
});
