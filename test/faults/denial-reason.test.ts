/**
 * Issue 20.4: a reason typed by the reviewer was sent to the client and recorded as typed,
 * and a reviewer may paste the very secret they are refusing. The reason is masked where it
 * enters the engine (control API decide, which `witness approvals deny --reason` uses), so
 * the client's rewrite, the record, `approval.decided` events and the approvals list all
 * carry the masked text.
 */
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlClient, type ApprovalView } from '../../proxy/control/index.js';
import type { Interaction } from '../../proxy/model/index.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { openEventStream } from '../helpers/events.js';
import { tlsThroughProxy } from '../helpers/proxy-client.js';
import { reassemble } from '../helpers/reassemble.js';
import { runCli } from '../helpers/cli.js';

const PAT = 'ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
const AWS = 'AKIAQTB437GVLYHHS3DG';

let upstream: FakeUpstream;
let t: TestEngine;
const requested: ApprovalView[] = [];
const decided: ApprovalView[] = [];
const interactions: Interaction[] = [];
const wire: string[] = [];
let events: Awaited<ReturnType<typeof openEventStream>>;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  // The built-in default policy: run_in_terminal with `rm -rf` is held for approval.
  t = await startTestEngine(upstream, {}, {}, null);
  t.engine.bus.subscribe((e) => {
    if (e.type === 'approval.requested') requested.push(e.data);
    if (e.type === 'approval.decided') decided.push(e.data);
    if (e.type === 'interaction.completed') interactions.push(e.data);
  });
  events = await openEventStream(t.engine.controlUrl, t.engine.controlToken, (type, data) => wire.push(JSON.stringify({ type, data })));
});
afterAll(async () => {
  events?.close();
  await t?.stop();
  await upstream?.close();
});

/** A streaming Messages API client whose response is held until someone decides. */
function heldStream(tag: string) {
  const state = { body: '' };
  const finished = tlsThroughProxy(t.engine.proxyPort, 'api.business.githubcopilot.com', 443, { ca: t.caPem }).then(
    (socket) =>
      new Promise<void>((resolve, reject) => {
        const req = https.request(
          { host: 'api.business.githubcopilot.com', path: `/v1/messages?fixture=05-messages.response-tooluse.sse.txt&t=${tag}`, method: 'POST', headers: { 'content-type': 'application/json' }, createConnection: () => socket },
          (res) => {
            res.setEncoding('utf8');
            res.on('data', (d: string) => (state.body += d));
            res.on('end', resolve);
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end('{}');
      }),
  );
  return { state, finished };
}

const nextApproval = async (since: number) => {
  await expect.poll(() => requested.slice(since).find((a) => a.tool === 'run_in_terminal'), { timeout: 10_000 }).toBeTruthy();
  return requested.slice(since).find((a) => a.tool === 'run_in_terminal')!;
};

/** Everything that can show a decided approval, for one approval and one exchange tag. */
async function everywhere(id: string, tag: string, clientText: string) {
  await expect.poll(() => interactions.find((i) => i.path.includes(`t=${tag}`))).toBeTruthy();
  const rec = interactions.find((i) => i.path.includes(`t=${tag}`))!;
  await expect.poll(() => t.engine.auditStore.get(rec.id)).toBeTruthy();
  await expect.poll(() => wire.some((w) => w.includes('"approval.decided"') && w.includes(id))).toBe(true);
  const control = createControlClient({ url: t.engine.controlUrl, token: t.engine.controlToken });
  return {
    client: clientText,
    record: JSON.stringify(rec),
    stored: JSON.stringify(t.engine.auditStore.get(rec.id)),
    decidedEvent: JSON.stringify(decided.find((d) => d.id === id)),
    eventStream: wire.join('\n'),
    approval: JSON.stringify(await control.call('approval', { id })),
    log: t.logs.join('\n'),
    rec,
  };
}

describe('a denial reason is masked like any other text', () => {
  it('a reason with a pasted GitHub token, given over the control API, is masked in the client rewrite, the record, events and the approvals list', async () => {
    const since = requested.length;
    const s = heldStream('deny-api');
    const a = await nextApproval(since);
    const done = await createControlClient({ url: t.engine.controlUrl, token: t.engine.controlToken }).call('decide', {
      id: a.id,
      decision: 'deny',
      argsHash: a.argsHash,
      reason: `this script leaks ${PAT}, rotate it first`,
    });
    expect(done.reason).toMatch(/^this script leaks \[MASKED:github-pat:[0-9a-f]{4}\], rotate it first$/);
    await s.finished;
    const seen = reassemble('messages', s.state.body);
    expect(seen.toolCalls).toEqual([]);
    expect(seen.text).toMatch(/run_in_terminal: denied: this script leaks \[MASKED:github-pat:[0-9a-f]{4}\], rotate it first/);

    const places = await everywhere(a.id, 'deny-api', s.state.body);
    expect(places.rec.approvals[0]).toMatchObject({ verdict: 'denied', reason: done.reason });
    const { rec: _rec, ...texts } = places;
    for (const [where, text] of Object.entries(texts)) expect(text, where).not.toContain(PAT);
    expect(places.eventStream).toContain(done.reason!);
  });

  it('`witness approvals deny --reason` with a pasted AWS key id: the CLI output and everything else carry the masked reason', async () => {
    const since = requested.length;
    const s = heldStream('deny-cli');
    const a = await nextApproval(since);
    const r = await runCli(['approvals', 'deny', a.id, '--reason', `uses ${AWS} from prod`, '--data-dir', t.dataDir, '--json']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain(AWS);
    expect(JSON.parse(r.stdout).reason).toMatch(/^uses \[MASKED:aws-access-key-id:[0-9a-f]{4}\] from prod$/);
    await s.finished;
    expect(reassemble('messages', s.state.body).text).toMatch(/denied: uses \[MASKED:aws-access-key-id:[0-9a-f]{4}\] from prod/);

    const places = await everywhere(a.id, 'deny-cli', s.state.body);
    const { rec: _rec, ...texts } = places;
    for (const [where, text] of Object.entries(texts)) expect(text, where).not.toContain(AWS);
  }, 60_000);
});
