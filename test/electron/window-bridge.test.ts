/**
 * The window's UI under the preload bridge, in real Chromium: the built renderer is served
 * the way the shell serves app:// (same file mapping, same CSP header) and the bridge is
 * injected as the preload would expose it. The UI then talks to a real engine with the
 * bridge's URL and token only (no sign-in cookie), cross-origin, and the approval popup
 * route at 420×560 decides a real held tool call, by click and by the window's shortcut
 * (Alt+D). Screenshot: test-results/screenshots/.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveAppRequest } from '../../electron/core/app-protocol.js';
import { CONTENT_SECURITY_POLICY } from '../../electron/core/security-policy.js';
import { createControlClient } from '../../proxy/control/index.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { requestViaProxy } from '../helpers/proxy-client.js';
import { reassemble } from '../helpers/reassemble.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const DIST = fileURLToPath(new URL('../../renderer/dist/', import.meta.url));
const SHOTS = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));

let upstream: FakeUpstream;
let t: TestEngine;
let browser: Browser;
let ui: http.Server;
let uiOrigin: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (see .ci/run)`);
  if (!existsSync(`${DIST}index.html`)) throw new Error('UI not built: run `npm run build`');
  mkdirSync(SHOTS, { recursive: true });
  // The shell's app:// handler, on loopback http (plain Chromium has no custom schemes).
  ui = http.createServer((req, res) => {
    const r = resolveAppRequest(req.method ?? 'GET', `app://witness${req.url ?? '/'}`, DIST.replace(/\/$/, ''));
    if (r.status !== 200 || !existsSync(r.file)) {
      res.writeHead(r.status === 200 ? 404 : r.status, r.headers).end();
      return;
    }
    res.writeHead(200, r.headers).end(readFileSync(r.file));
  });
  await new Promise<void>((resolve) => ui.listen(0, '127.0.0.1', resolve));
  uiOrigin = `http://127.0.0.1:${(ui.address() as AddressInfo).port}`;
  upstream = await startFakeUpstream();
  // The desktop window's origin is app://witness; here the test server's stands in for it.
  t = await startTestEngine(upstream, {}, { uiOrigins: [uiOrigin] }, null);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await t?.stop();
  await upstream?.close();
  await new Promise((r) => ui?.close(r));
});

/** A page with the bridge the preload would expose; records each time the UI asks it. */
async function windowPage(route: string) {
  const context = await browser.newContext({ viewport: { width: 420, height: 560 } });
  const page = await context.newPage();
  const asked: string[] = [];
  await page.exposeFunction('__bridgeAsked', () => asked.push('control'));
  // What contextBridge.exposeInMainWorld('witness', …) gives the page: a frozen object.
  await page.addInitScript({
    content: `(() => {
      const endpoint = ${JSON.stringify({ url: t.engine.controlUrl, token: t.engine.controlToken })};
      const bridge = Object.freeze({ control: async () => (await window.__bridgeAsked(), endpoint) });
      Object.defineProperty(window, 'witness', { value: bridge, enumerable: true });
    })();`,
  });
  const requests: string[] = [];
  const csp: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => m.type() === 'error' && !m.location().url.endsWith('/favicon.ico') && csp.push(`${m.text()} ${m.location().url}`));
  // Chromium asks for /favicon.ico on its own; the UI has none (not an error of the UI).
  page.on('response', (r) => r.status() >= 400 && !r.url().endsWith('/favicon.ico') && csp.push(`${r.status()} ${r.url()}`));
  await page.goto(`${uiOrigin}/index.html#/${route}`);
  return { page, context, asked, requests, consoleErrors: csp };
}

describe('the window under the preload bridge (real Chromium, real engine)', () => {
  it('connects with the bridge\'s URL and token, no cookie, and the token never in a URL', async () => {
    const { page, context, asked, requests, consoleErrors } = await windowPage('live');
    await page.locator('.dot.ok').waitFor({ timeout: 15_000 });
    await expect.poll(() => page.locator('.meta').textContent()).toContain(t.engine.proxyUrl);
    expect(asked.length).toBeGreaterThan(0);
    expect(await context.cookies()).toEqual([]);
    expect(requests.some((u) => u.includes(t.engine.controlToken))).toBe(false);
    expect(requests.some((u) => u.startsWith(`${t.engine.controlUrl}/api/v1/events`))).toBe(true);
    expect(consoleErrors).toEqual([]);
    await context.close();
  });

  it('decides a held tool call from the approval popup route at 420×560', async () => {
    const response = requestViaProxy({
      proxyPort: t.engine.proxyPort,
      host: 'api.business.githubcopilot.com',
      path: '/v1/messages?fixture=05-messages.response-tooluse.sse.txt',
      method: 'POST',
      body: '{}',
      ca: t.caPem,
    });
    const id = await new Promise<string>((resolve) => {
      const s = createControlClient({ url: t.engine.controlUrl, token: t.engine.controlToken }).events({
        since: 0,
        onEvent: (e) => e.type === 'approval.requested' && (s.close(), resolve(e.data.id)),
      });
    });
    const { page, context, consoleErrors } = await windowPage(`approval/${id}`);
    const card = page.getByRole('article', { name: 'Approval for run_in_terminal' });
    await card.waitFor({ timeout: 15_000 });
    await expect.poll(() => card.textContent()).toContain('rm -rf /home/dev/payments/node_modules');
    expect(await page.evaluate('[document.documentElement.scrollWidth, window.innerWidth]')).toEqual([420, 420]);
    await page.screenshot({ path: `${SHOTS}desktop-approval-popup.png` });
    await card.getByRole('button', { name: 'Approve' }).click();
    const seen = reassemble('messages', (await response).body);
    expect(seen.toolCalls.map((c) => c.name)).toEqual(['run_in_terminal']);
    await card.waitFor({ state: 'detached', timeout: 10_000 });
    expect(consoleErrors).toEqual([]);
    await context.close();
  });

  it('the popup route takes the window\'s keyboard shortcuts: Alt+D denies the held call', async () => {
    const response = requestViaProxy({
      proxyPort: t.engine.proxyPort,
      host: 'api.business.githubcopilot.com',
      path: '/v1/messages?fixture=05-messages.response-tooluse.sse.txt',
      method: 'POST',
      body: '{}',
      ca: t.caPem,
    });
    // Pending now (the event log also replays the earlier test's request, already decided).
    const control = createControlClient({ url: t.engine.controlUrl, token: t.engine.controlToken });
    let id = '';
    await expect.poll(async () => (id = (await control.call('approvals', {}))[0]?.id ?? ''), { timeout: 30_000 }).not.toBe('');
    const { page, context, consoleErrors } = await windowPage(`approval/${id}`);
    const card = page.getByRole('article', { name: 'Approval for run_in_terminal' });
    await card.waitFor({ timeout: 15_000 });
    await page.keyboard.press('Alt+d');
    const seen = reassemble('messages', (await response).body);
    expect(seen.toolCalls).toEqual([]);
    expect(seen.text).toMatch(/run_in_terminal/);
    const decided = await control.call('approval', { id });
    expect(decided).toMatchObject({ status: 'denied' });
    await card.waitFor({ state: 'detached', timeout: 10_000 });
    expect(consoleErrors).toEqual([]);
    await context.close();
  });

  it('serves the UI with the shell\'s CSP, which blocks injected inline script', async () => {
    const { page, context } = await windowPage('live');
    const headers = await (await page.request.get(`${uiOrigin}/index.html`)).headers();
    expect(headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    // An inline script runs as it is inserted, if it runs at all.
    const ran = await page.evaluate(`(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__pwned = true';
      document.body.appendChild(s);
      return window.__pwned ?? false;
    })()`);
    expect(ran).toBe(false);
    await context.close();
  });
});
