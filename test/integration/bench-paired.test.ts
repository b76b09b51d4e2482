/**
 * The paired paced-stream measurement of `npm run bench -- proxy-masking` (section `paired`):
 * the fake upstream feeds the streams of one group from one timer, and the bench takes each
 * event's arrival through a proxy less its arrival direct. No timing is asserted: only that
 * the streams carry the same events with the same send stamps, in order, and that the
 * differences are computed from the right pairs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { performance } from 'node:perf_hooks';
import { request, RouteAgent, type Route } from '../bench/clients.js';
import { pairedDifferences, spread, type PacedEvent } from '../bench/paired.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { startRelay, type Relay } from '../bench/relay.js';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { applyPriority, hasPriority, parsePriority, threadPriorities } from '../bench/proc.js';

describe('paired differences', () => {
  const stream = (arrivals: number[], sent: number[]): PacedEvent[] => arrivals.map((a, i) => [a, sent[i]!, i]);
  const sent = [100, 120, 140];

  it('gives each stream less the base, event by event', () => {
    const d = pairedDifferences({ direct: stream([100.5, 121, 140.4], sent), proxy: stream([101, 121.25, 143.4], sent), other: stream([100.5, 120.5, 140.4], sent) }, 'direct', 3);
    expect(Object.keys(d).sort()).toEqual(['other', 'proxy']);
    expect(d.proxy!.map((x) => Math.round(x * 1000) / 1000)).toEqual([0.5, 0.25, 3]);
    expect(d.other!.map((x) => Math.round(x * 1000) / 1000)).toEqual([0, -0.5, 0]);
    expect(spread([0.5, 0.25, 3, 1])).toEqual({ p50: 0.5, p99: 3, max: 3 });
  });

  it('refuses streams that are not of one timer, out of order or short', () => {
    const direct = stream([100.5, 121, 140.4], sent);
    expect(() => pairedDifferences({ direct, proxy: stream([101, 121, 141], [100, 120.001, 140]) }, 'direct', 3)).toThrow(/not one timer/);
    expect(() => pairedDifferences({ direct, proxy: [[101, 100, 0], [141, 140, 2], [121, 120, 1]] }, 'direct', 3)).toThrow(/out of order/);
    expect(() => pairedDifferences({ direct, proxy: stream([101, 121], sent) }, 'direct', 3)).toThrow(/2 events/);
    expect(() => pairedDifferences({ proxy: direct }, 'direct', 3)).toThrow(/no direct/);
  });
});

describe('paired paced streams from the fake upstream', () => {
  let upstream: FakeUpstream;
  let t: TestEngine;
  let direct: Route;
  let witness: Route;
  let relay: Relay;
  let relayed: Route;
  beforeAll(async () => {
    upstream = await startFakeUpstream();
    t = await startTestEngine(upstream);
    relay = await startRelay({ upstreamPort: upstream.port, upstreamCa: upstream.root.certPem });
    direct = { name: 'direct', host: 'api.githubcopilot.com', port: upstream.port, ca: upstream.root.certPem };
    witness = { name: 'intercepted', host: 'api.githubcopilot.com', port: 443, ca: t.caPem, proxyPort: t.engine.proxyPort };
    relayed = { name: 'relay', host: 'api.githubcopilot.com', port: 443, ca: relay.caPem, proxyPort: relay.port };
  });
  afterAll(async () => {
    await relay?.close();
    await t?.stop();
    await upstream?.close();
  });

  const read = (route: Route, path: string) => {
    const agent = new RouteAgent(route, false);
    return request(route, agent, path).finally(() => agent.destroy());
  };

  it('feeds the streams of a group one event at a time with one send stamp, direct and through Witness alike', async () => {
    const path = '/sse?n=8&ms=5&pair=g1&of=3';
    const [a, b, c] = await Promise.all([read(direct, path), read(direct, path), read(witness, path)]);
    for (const r of [a, b, c]) {
      expect(r.status).toBe(200);
      expect(r.events.map((e) => e[2])).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    }
    const stamps = a!.events.map((e) => e[1]);
    expect(new Set(stamps).size).toBe(8);
    expect(b!.events.map((e) => e[1])).toEqual(stamps);
    expect(c!.events.map((e) => e[1])).toEqual(stamps);
    const d = pairedDifferences({ direct: a!.events, again: b!.events, intercepted: c!.events }, 'direct', 8);
    expect(d.intercepted).toEqual(c!.events.map((e, k) => e[0] - a!.events[k]![0]));
  });

  it('carries the relay\'s stream whole and paired: every event once, in order, with the direct stream\'s send stamps, byte for byte', async () => {
    const path = '/sse?n=12&ms=5&pair=g5&of=3&size=3000';
    const [a, r, w] = await Promise.all([read(direct, path), read(relayed, path), read(witness, path)]);
    expect(r.status).toBe(200);
    expect(r.bytes).toBe(a.bytes);
    expect(r.events.map((e) => e[2])).toEqual([...Array(12).keys()]);
    expect(r.events.map((e) => e[1])).toEqual(a.events.map((e) => e[1]));
    const d = pairedDifferences({ direct: a.events, relay: r.events, intercepted: w.events }, 'direct', 12);
    expect(d.relay).toEqual(r.events.map((e, k) => e[0] - a.events[k]![0]));
  });

  it('relays only CONNECT: a plain request gets a 405 and no upstream request', async () => {
    const before = upstream.requests.length;
    const { default: http } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: relay.port, path: '/small', agent: false }, (res) => (res.resume(), resolve(res.statusCode ?? 0)));
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(405);
    expect(upstream.requests.length).toBe(before);
  });

  it('waits for the whole group before the first event', async () => {
    const path = '/sse?n=3&ms=5&pair=g2&of=2';
    const early = read(direct, path);
    await new Promise((r) => setTimeout(r, 300));
    const joined = performance.timeOrigin + performance.now();
    const [a, b] = await Promise.all([early, read(witness, path)]);
    expect(a!.events[0]![1]).toBeGreaterThan(joined);
    expect(b!.events.map((e) => e[1])).toEqual(a!.events.map((e) => e[1]));
  });

  it('keeps groups apart, and an unpaired stream as it was', async () => {
    const [a, b, u] = await Promise.all([read(direct, '/sse?n=4&ms=5&pair=g3&of=1'), read(direct, '/sse?n=4&ms=5&pair=g4&of=1'), read(direct, '/sse?n=4&ms=5')]);
    for (const r of [a, b, u]) expect(r!.events.map((e) => e[2])).toEqual([0, 1, 2, 3]);
    expect(b!.events.map((e) => e[1])).not.toEqual(a!.events.map((e) => e[1]));
    expect(u!.events.map((e) => e[1])).not.toEqual(a!.events.map((e) => e[1]));
  });
});

describe('the proxies\' priority in the paired section (WITNESS_BENCH_PROXY_PRIORITY)', () => {
  it('reads a nice value or a real-time policy, and refuses anything else', () => {
    expect(parsePriority(undefined)).toBeNull();
    expect(parsePriority('-10')).toEqual({ kind: 'nice', nice: -10 });
    expect(parsePriority('rr:10')).toEqual({ kind: 'rr', rt: 10 });
    expect(parsePriority('fifo:1')).toEqual({ kind: 'fifo', rt: 1 });
    for (const bad of ['-21', 'high', 'rr:0', 'rr:100', '1.5']) expect(() => parsePriority(bad)).toThrow(/WITNESS_BENCH_PROXY_PRIORITY/);
  });

  // Linux only, and only where this process may raise a priority (root or CAP_SYS_NICE), as the bench's runs here are.
  const canRaise = process.platform === 'linux' && process.getuid?.() === 0;
  it.skipIf(!canRaise)('raises every thread of another process, then puts every thread back', async () => {
    // A Node child with its libuv pool started: more threads than the main one.
    const child = spawn(process.execPath, ['-e', "require('node:crypto').pbkdf2Sync('a','b',1,8,'sha1'); require('node:fs').stat('.', () => console.log('up')); setInterval(() => {}, 1000)"], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await once(child.stdout!, 'data');
      const pid = child.pid!;
      expect(threadPriorities(pid).length).toBeGreaterThan(1);
      for (const p of [parsePriority('-7')!, parsePriority('rr:3')!]) {
        applyPriority(pid, p);
        expect(hasPriority(pid, p)).toBe(true);
        expect(new Set(threadPriorities(pid).map((t) => (p.kind === 'nice' ? t.nice : t.policy)))).toEqual(new Set([p.kind === 'nice' ? -7 : 2]));
        applyPriority(pid, null);
        expect(hasPriority(pid, null)).toBe(true);
        expect(threadPriorities(pid).every((t) => t.nice === 0 && t.policy === 0)).toBe(true);
      }
    } finally {
      child.kill();
    }
  });
});
