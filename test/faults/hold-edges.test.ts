/**
 * Issue 20 (audit edge cases) around tool-call holds:
 *  - denied and timed-out records carried the upstream's finish reason (`tool_use`), not
 *    the one the client received in the rewrite;
 *  - a client that disconnected during a hold was recorded as "denied";
 *  - stopping the engine during a hold cut the client's stream without a terminator and
 *    recorded `denied … client-abort`. Now every held stream gets the policy default,
 *    properly terminated in its protocol, and the record says so.
 */
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlClient, type ApprovalView } from '../../proxy/control/index.js';
import type { Interaction } from '../../proxy/model/index.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { tlsThroughProxy } from '../helpers/proxy-client.js';
import { reassemble } from '../helpers/reassemble.js';

let upstream: FakeUpstream;

interface Watched {
  t: TestEngine;
  requested: ApprovalView[];
  records: Interaction[];
  stored: string[];
}

async function engine(policy: Record<string, unknown> | null): Promise<Watched> {
  // null: the built-in default policy (run_in_terminal with `rm -rf` is held for approval).
  const t = await startTestEngine(upstream, {}, {}, policy);
  const w: Watched = { t, requested: [], records: [], stored: [] };
  t.engine.bus.subscribe((e) => {
    if (e.type === 'approval.requested') w.requested.push(e.data);
    if (e.type === 'interaction.completed') w.records.push(e.data);
    if (e.type === 'record.stored') w.stored.push(e.data.id);
  });
  return w;
}

let main: Watched;
let quick: Watched;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  main = await engine(null);
  quick = await engine({ approvals: { timeoutSeconds: 5 } });
});
afterAll(async () => {
  await main?.t.stop(); // stopped already by the last test; stopping twice is harmless
  await quick?.t.stop();
  await upstream?.close();
});

/** A streaming Messages API client whose response ends in a held `rm -rf` call. */
function heldStream(w: Watched, tag: string) {
  const state = { body: '', ended: false, error: null as Error | null };
  const socketP = tlsThroughProxy(w.t.engine.proxyPort, 'api.business.githubcopilot.com', 443, { ca: w.t.caPem });
  const finished = socketP.then(
    (socket) =>
      new Promise<void>((resolve) => {
        const req = https.request(
          { host: 'api.business.githubcopilot.com', path: `/v1/messages?fixture=05-messages.response-tooluse.sse.txt&t=${tag}`, method: 'POST', headers: { 'content-type': 'application/json' }, createConnection: () => socket },
          (res) => {
            res.setEncoding('utf8');
            res.on('data', (d: string) => (state.body += d));
            res.on('end', () => {
              state.ended = true;
              resolve();
            });
            res.on('error', (e) => {
              state.error = e;
              resolve();
            });
          },
        );
        req.on('error', (e) => {
          state.error = e;
          resolve();
        });
        req.end('{}');
      }),
  );
  return { state, finished, socket: socketP };
}

const approvalFor = async (w: Watched, since: number) => {
  await expect.poll(() => w.requested.slice(since).find((a) => a.tool === 'run_in_terminal'), { timeout: 30_000 }).toBeTruthy();
  return w.requested.slice(since).find((a) => a.tool === 'run_in_terminal')!;
};
const recordOf = async (w: Watched, tag: string) => {
  await expect.poll(() => w.records.find((r) => r.path.includes(`t=${tag}`)), { timeout: 30_000 }).toBeTruthy();
  return w.records.find((r) => r.path.includes(`t=${tag}`))!;
};

describe('held tool calls: what the record says is what the client got', () => {
  it('a denied call: the record has the finish reason of the rewrite the client received, not the upstream tool_use', async () => {
    const since = main.requested.length;
    const s = heldStream(main, 'deny');
    const a = await approvalFor(main, since);
    await createControlClient({ url: main.t.engine.controlUrl, token: main.t.engine.controlToken }).call('decide', { id: a.id, decision: 'deny', argsHash: a.argsHash, reason: 'no' });
    await s.finished;
    const seen = reassemble('messages', s.state.body);
    expect(seen.toolCalls).toEqual([]);
    expect(seen.finishReason).not.toBe('tool_use');
    const r = await recordOf(main, 'deny');
    expect(r.decision).toBe('denied');
    expect(r.finishReason).toBe(seen.finishReason);
    expect(r.toolCalls.map((c) => c.name)).toEqual(['run_in_terminal']); // what the model asked for stays audited
  });

  it('a timed-out call: the same', async () => {
    const since = quick.requested.length;
    const s = heldStream(quick, 'timeout');
    await approvalFor(quick, since);
    await s.finished;
    const seen = reassemble('messages', s.state.body);
    expect(seen.text).toMatch(/no one approved it in time/);
    const r = await recordOf(quick, 'timeout');
    expect(r.decision).toBe('timed-out');
    expect(r.finishReason).toBe(seen.finishReason);
    expect(r.finishReason).not.toBe('tool_use');
  });

  it('a client that disconnects during a hold is recorded as a cancellation, not a denial', async () => {
    const since = main.requested.length;
    const s = heldStream(main, 'leave');
    await approvalFor(main, since);
    (await s.socket).destroy();
    const r = await recordOf(main, 'leave');
    expect(r.decision).toBe('cancelled');
    expect(r.status).toBe('client-abort');
    expect(r.approvals[0]).toMatchObject({ verdict: 'cancelled' });
  });

  it('stopping the engine during a hold answers the held stream with the policy default, terminated, and records it', async () => {
    const since = main.requested.length;
    const s = heldStream(main, 'stop');
    const a = await approvalFor(main, since);
    await main.t.engine.stop();
    await s.finished;
    expect(s.state.error).toBeNull();
    expect(s.state.ended).toBe(true);
    // Properly terminated in its protocol: the Messages stream ends with message_stop.
    expect(s.state.body).toMatch(/event: message_stop\r?\ndata: [^\n]*\r?\n\r?\n\s*$/);
    const seen = reassemble('messages', s.state.body);
    expect(seen.toolCalls).toEqual([]);
    expect(seen.text).toMatch(/run_in_terminal: Witness stopped before anyone decided; the policy default was applied/);
    const r = await recordOf(main, 'stop');
    expect(r.status).toBe('ok');
    expect(r.decision).toBe('denied');
    expect(r.finishReason).toBe(seen.finishReason);
    expect(r.approvals[0]).toMatchObject({ id: a.id, verdict: 'denied', approver: 'witness', reason: 'Witness stopped before anyone decided; the policy default was applied' });
    expect(main.stored).toContain(r.id); // durable before the store closed
  });
});
