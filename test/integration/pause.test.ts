/**
 * Pausing interception, through the real control API and the real proxy: while paused, a
 * Copilot CONNECT is a plain tunnel to the upstream (the client sees the upstream's own
 * certificate: nothing inspected, nothing held), counted, and recorded as unaudited with
 * who paused, since when, how long and how many bytes; resuming closes those tunnels and
 * intercepts again. The policy can forbid pausing, and a pause it no longer allows ends.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlApiError, createControlClient, type ControlEvent, type InterceptionState } from '../../proxy/control/index.js';
import type { Interaction } from '../../proxy/model/index.js';
import { osUser } from '../../proxy/identity/index.js';
import { runCli } from '../helpers/cli.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { requestViaProxy, tlsThroughProxy } from '../helpers/proxy-client.js';

let upstream: FakeUpstream;
let t: TestEngine;
const events: ControlEvent[] = [];

beforeAll(async () => {
  upstream = await startFakeUpstream();
  t = await startTestEngine(upstream);
  t.engine.bus.subscribe((e) => void events.push(e));
});
afterAll(async () => {
  await t?.stop();
  await upstream?.close();
});

const api = () => createControlClient({ url: t.engine.controlUrl, token: t.engine.controlToken });
const HOST = 'api.business.githubcopilot.com';
const completion = (tag: string, ca: string) =>
  requestViaProxy({ proxyPort: t.engine.proxyPort, host: HOST, path: `/chat/completions?fixture=02-chat.response.sse.txt&t=${tag}`, method: 'POST', body: '{}', ca });
const interceptionEvents = (from: number) => events.slice(from).filter((e) => e.type === 'interception.changed').map((e) => e.data as InterceptionState);
const completed = (from: number) => events.slice(from).filter((e) => e.type === 'interaction.completed').map((e) => e.data as Interaction);

describe('pause and resume interception', () => {
  it('is intercepting at start, and pausing needs the token', async () => {
    expect((await api().status()).interception).toEqual({ paused: false, since: null, by: null, via: null, until: null, allowed: true });
    const res = await fetch(new URL('/api/v1/interception/pause', t.engine.controlUrl), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(401);
    expect((await api().status()).interception.paused).toBe(false);
  });

  it('while paused a Copilot connection is tunnelled unaudited, counted, and recorded as such; resuming closes it and intercepts again', { timeout: 60_000 }, async () => {
    const from = events.length;
    const paused = await api().call('interceptionPause', { via: 'tray' });
    expect(paused).toMatchObject({ paused: true, by: osUser(), via: 'tray', allowed: true });
    // The default policy ends a pause by itself after 60 minutes.
    expect(Date.parse(paused.until!) - Date.parse(paused.since!)).toBe(60 * 60_000);
    expect(interceptionEvents(from)).toEqual([paused]);
    expect((await api().status()).interception).toEqual(paused);
    expect(await api().call('interceptionPause', { via: 'window' })).toEqual(paused); // pausing again changes nothing

    // Tunnelled: the client talks TLS with the upstream itself (its certificate, not Witness's).
    const before = (await api().status()).counters;
    const r = await completion('paused', upstream.root.certPem);
    expect(r.status).toBe(200);
    expect(r.peerCertificate?.issuer.CN).toBe('Witness Test Upstream Root');
    await expect.poll(() => completed(from).find((i) => i.method === 'CONNECT'), { timeout: 10_000 }).toBeTruthy();
    const rec = completed(from).find((i) => i.method === 'CONNECT')!;
    expect(rec).toMatchObject({
      host: HOST,
      path: `${HOST}:443`,
      decision: 'allowed',
      prompt: '',
      response: '',
      unaudited: { reason: 'interception-paused', pausedSince: paused.since, pausedBy: osUser() },
      policyVersion: (await api().status()).policy.version,
    });
    expect(rec.unaudited!.bytesSent).toBeGreaterThan(100);
    expect(rec.unaudited!.bytesReceived).toBeGreaterThan(1000);
    expect(rec.notInspected[0]).toMatch(new RegExp(`^interception paused by ${osUser()} since ${paused.since}: the TLS tunnel to ${HOST}:443 passed unaudited for \\d+ ms`));
    expect(completed(from).filter((i) => i.method !== 'CONNECT')).toEqual([]); // nothing was inspected
    const during = (await api().status()).counters;
    expect(during.pausedTunnels).toBe(before.pausedTunnels + 1);
    expect(during.intercepted).toBe(before.intercepted);
    // It is in the audit store too.
    await expect.poll(() => events.slice(from).some((e) => e.type === 'record.stored' && e.data.id === rec.id)).toBe(true);
    expect((await api().call('record', { id: rec.id }))?.unaudited).toMatchObject({ reason: 'interception-paused' });

    // A kept-alive tunnel does not outlive the pause.
    const open = await tlsThroughProxy(t.engine.proxyPort, HOST, 443, { ca: upstream.root.certPem });
    const closed = new Promise<void>((resolve) => open.once('close', () => resolve()));
    const resumed = await api().call('interceptionResume', { via: 'tray' });
    expect(resumed).toEqual({ paused: false, since: null, by: null, via: null, until: null, allowed: true });
    await closed;
    expect(interceptionEvents(from).at(-1)).toEqual(resumed);
    await expect.poll(() => completed(from).filter((i) => i.method === 'CONNECT').length).toBe(2);
    expect(t.logs.some((l) => l.includes('interception resumed') && l.includes('"tunnelsClosed":1'))).toBe(true);

    // Intercepted again: the Witness CA, a real record of the exchange.
    const again = await completion('resumed', t.caPem);
    expect(again.status).toBe(200);
    await expect.poll(() => completed(from).find((i) => i.path.includes('t=resumed')), { timeout: 10_000 }).toBeTruthy();
    expect(completed(from).find((i) => i.path.includes('t=resumed'))!.unaudited).toBeUndefined();
  });

  it('`witness status` says when interception is paused, by whom and until when', { timeout: 60_000 }, async () => {
    await api().call('interceptionPause', { via: 'cli' });
    try {
      const s = await runCli(['status', '--data-dir', t.dataDir]);
      expect(s.stdout).toMatch(new RegExp(`PAUSED by ${osUser()} \\(cli\\) since .* until .*: Copilot connections pass unaudited`));
    } finally {
      await api().call('interceptionResume', { via: 'cli' });
    }
  });

  it('a policy that forbids pausing refuses a pause, and ends one in progress at once', { timeout: 60_000 }, async () => {
    const from = events.length;
    await api().call('interceptionPause', { via: 'tray' });
    writeFileSync(join(t.dataDir, 'policy.json'), JSON.stringify({ protectedPaths: [], intercept: { pause: { allowed: false } } }));
    await expect.poll(() => interceptionEvents(from).at(-1), { timeout: 20_000 }).toMatchObject({ paused: false, allowed: false });
    expect(t.logs.some((l) => l.includes('interception resumed') && l.includes('pausing is no longer allowed by the policy'))).toBe(true);
    const refused = await api()
      .call('interceptionPause', { via: 'tray' })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ControlApiError);
    expect(refused).toMatchObject({ status: 403, code: 'PAUSE_NOT_ALLOWED' });
    expect((await api().status()).interception).toMatchObject({ paused: false, allowed: false });
  });
});
