/**
 * The Witness window in real Chromium (Debian's, driven by playwright-core) against the
 * real engine and a fake Copilot upstream. Screenshots land in test-results/ for review.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { requestViaProxy } from '../helpers/proxy-client.js';
import { reassemble } from '../helpers/reassemble.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));

let upstream: FakeUpstream;
let t: TestEngine;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (see .ci/run)`);
  if (!existsSync(fileURLToPath(new URL('../../renderer/dist/index.html', import.meta.url)))) throw new Error('UI not built: run `npm run build`');
  mkdirSync(SHOTS, { recursive: true });
  upstream = await startFakeUpstream();
  t = await startTestEngine(upstream, {}, {}, null); // the built-in default policy
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await t?.stop();
  await upstream?.close();
});

async function signedIn(viewport = { width: 1280, height: 720 }): Promise<Page> {
  const page = await browser.newPage({ viewport });
  await page.goto(t.engine.signInLink());
  await expect.poll(() => page.url()).toBe(`${t.engine.controlUrl}/`);
  return page;
}

/** A streamed chat turn through the proxy (the fake upstream paces events `ms` apart). */
function chat(content: string, opts: { ms?: number; editor?: string } = {}) {
  return requestViaProxy({
    proxyPort: t.engine.proxyPort,
    host: 'api.business.githubcopilot.com',
    path: `/chat/completions?fixture=02-chat.response.sse.txt${opts.ms !== undefined ? `&ms=${opts.ms}` : ''}`,
    method: 'POST',
    body: JSON.stringify({ model: 'gpt-4.1', stream: true, messages: [{ role: 'user', content }] }),
    headers: { 'content-type': 'application/json', ...(opts.editor ? { 'editor-version': opts.editor } : {}) },
    ca: t.caPem,
  });
}

/** An agent turn whose run_in_terminal call the default policy holds; settles with the body once decided. */
function heldToolUse() {
  return requestViaProxy({
    proxyPort: t.engine.proxyPort,
    host: 'api.business.githubcopilot.com',
    path: '/v1/messages?fixture=05-messages.response-tooluse.sse.txt',
    method: 'POST',
    body: '{}',
    ca: t.caPem,
  });
}

describe('the Witness window', () => {
  it('refuses to load without the sign-in link, and a sign-in link works only once', async () => {
    const page = await browser.newPage();
    const res = await page.goto(`${t.engine.controlUrl}/`);
    expect(res?.status()).toBe(401);
    await expect.poll(() => page.textContent('body')).toContain('Open the sign-in link');
    const link = t.engine.signInLink();
    await page.goto(link);
    expect(page.url()).toBe(`${t.engine.controlUrl}/`);
    const again = await (await browser.newPage()).goto(link);
    expect(again?.status()).toBe(401);
    await page.close();
  });

  it('shows an interaction live, with the secret as a placeholder only (DOM and network)', async () => {
    const page = await signedIn();
    const bodies: string[] = [];
    page.on('response', async (r) => {
      if (r.url().startsWith(t.engine.controlUrl)) bodies.push(await r.text().catch(() => ''));
    });
    await page.screenshot({ path: `${SHOTS}live-empty.png` });
    await chat('why does STRIPE_KEY=sk_live_51FAKEFAKEFAKEFAKEFAKE00 fail?', { ms: 5, editor: 'vscode/1.108.0' });
    await page.getByRole('table', { name: 'Interactions' }).getByText('VS Code').first().waitFor();
    const prompt = page.getByRole('article', { name: 'Interaction detail' });
    await expect.poll(() => prompt.textContent()).toMatch(/\[MASKED:stripe-secret-key:[0-9a-f]{4}\]/);
    const html = await page.content();
    expect(html).not.toContain('sk_live_51FAKE');
    expect(bodies.join('\n')).not.toContain('sk_live_51FAKE');
    await page.screenshot({ path: `${SHOTS}live.png`, fullPage: true });
    await page.close();
  });

  it('streams a chat response into the Live view before the upstream has finished', async () => {
    const page = await signedIn();
    let done = false;
    const request = chat('explain the retry loop', { ms: 250 }).then((r) => {
      done = true;
      return r;
    });
    // The row of this request, while it is still streaming.
    const row = page.getByRole('table', { name: 'Interactions' }).locator('tr', { hasText: 'streaming' });
    await row.first().click({ timeout: 10_000 });
    const detail = page.getByRole('article', { name: 'Interaction detail' });
    await expect.poll(() => detail.textContent(), { timeout: 10_000 }).toContain('RETRIES');
    expect(done).toBe(false); // text shown while the upstream is still sending
    expect(await detail.textContent()).toContain('streaming');
    await page.screenshot({ path: `${SHOTS}live-streaming.png` });
    await request;
    await expect.poll(() => detail.textContent()).not.toContain('streaming…');
    await page.close();
  });

  it('filter chips narrow the Live list, and Pause holds new rows back until Resume', async () => {
    const page = await signedIn();
    const send = (content: string) => chat(content, { ms: 1, editor: 'vscode/1.108.0' });
    await send('plain question about a flaky test');
    await send('why does AWS_SECRET_ACCESS_KEY=Jk3m9QzP1xV7bN2cR8tY4uW6eA0sD5fG+hL/oI9k not work?');
    const rows = page.getByRole('table', { name: 'Interactions' }).locator('tbody tr');
    const maskedCells = page.getByRole('table', { name: 'Interactions' }).locator('tbody tr td:nth-child(5) .badge');
    await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(2);
    const total = await rows.count();
    const toolbar = page.getByRole('toolbar', { name: 'Live filters' });
    await toolbar.getByRole('button', { name: 'Masked' }).click();
    await expect.poll(() => rows.count()).toBeLessThan(total);
    expect(await rows.count()).toBeGreaterThan(0);
    expect(await maskedCells.count()).toBe(await rows.count());
    await rows.first().click();
    await expect.poll(() => page.getByRole('article', { name: 'Interaction detail' }).textContent()).toMatch(/AWS_SECRET_ACCESS_KEY=\[MASKED:aws-secret-access-key:[0-9a-f]{4}\]/);
    await page.screenshot({ path: `${SHOTS}live-filtered.png` });
    await toolbar.getByRole('button', { name: 'Masked' }).click();
    await expect.poll(() => rows.count()).toBe(total);

    await toolbar.getByRole('button', { name: 'Pause' }).click();
    await send('a question asked while paused');
    await expect.poll(() => toolbar.getByRole('button', { name: /^Resume/ }).textContent()).toBe('Resume (1 new)');
    expect(await rows.count()).toBe(total);
    await toolbar.getByRole('button', { name: /^Resume/ }).click();
    await expect.poll(() => rows.count()).toBe(total + 1);
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: `${SHOTS}live-dark.png` });
    await page.close();
  });

  it('shows a held run_in_terminal in Approvals; approving releases it to the client', async () => {
    const page = await signedIn({ width: 420, height: 560 });
    await page.goto(`${t.engine.controlUrl}/#/approval`);
    const response = heldToolUse();
    const card = page.getByRole('article', { name: 'Approval for run_in_terminal' });
    await card.waitFor({ timeout: 10_000 }).catch(async (e) => {
      await page.screenshot({ path: `${SHOTS}approval-missing.png` });
      throw e;
    });
    await expect.poll(() => card.textContent()).toContain('rm -rf /home/dev/payments/node_modules');
    await page.screenshot({ path: `${SHOTS}approval-popup.png` });
    await card.getByRole('button', { name: 'Approve' }).click({ timeout: 5_000 });
    const seen = reassemble('messages', (await response).body);
    expect(seen.toolCalls.map((c) => c.name)).toEqual(['run_in_terminal']);
    await card.waitFor({ state: 'detached', timeout: 5_000 });
    await page.close();
  });

  it('denying from the Approvals view (keyboard: reason, then Alt+D) gives the client the refusal', async () => {
    const page = await signedIn();
    await page.goto(`${t.engine.controlUrl}/#/approvals`);
    const response = heldToolUse();
    const card = page.getByRole('article', { name: 'Approval for run_in_terminal' });
    await card.waitFor({ timeout: 10_000 });
    await expect.poll(() => card.getByRole('timer').textContent()).toMatch(/^Denied automatically in \d+:\d\d$/);
    await page.screenshot({ path: `${SHOTS}approvals-wide.png` });
    await card.getByRole('textbox', { name: 'Reason' }).fill('not on this branch');
    await page.keyboard.press('Alt+D');
    const seen = reassemble('messages', (await response).body);
    expect(seen.toolCalls).toEqual([]);
    expect(seen.text).toMatch(/Witness blocked a tool call[\s\S]*run_in_terminal: denied: not on this branch/);
    await card.waitFor({ state: 'detached', timeout: 5_000 });
    await page.close();
  });

  it('search finds a record by a word of its prompt, and export downloads valid JSONL', async () => {
    await chat('how do I tune the pelican scheduler');
    const stored = () => t.engine.auditStore.head.seq;
    await expect.poll(stored).toBeGreaterThanOrEqual(2);
    const page = await signedIn();
    await page.goto(`${t.engine.controlUrl}/#/search`);
    await page.getByRole('searchbox', { name: 'Search text' }).or(page.getByLabel('Search text')).fill('pelican');
    await page.getByRole('button', { name: 'Search' }).click();
    const results = page.getByRole('table', { name: 'Search results' });
    await results.getByText('how do I tune the pelican scheduler').waitFor({ timeout: 10_000 });
    await page.screenshot({ path: `${SHOTS}search.png` });
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'JSONL' }).click()]);
    const text = await new Promise<string>((resolve, reject) => {
      void download.createReadStream().then((s) => {
        let b = '';
        s.on('data', (d: Buffer) => (b += d.toString('utf8')));
        s.on('end', () => resolve(b));
        s.on('error', reject);
      }, reject);
    });
    const lines = text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.some((r) => r.prompt === 'how do I tune the pelican scheduler')).toBe(true);
    expect(text).not.toContain('sk_live_51FAKE');
    await page.goto(`${t.engine.controlUrl}/#/setup`);
    await page.getByText('Point your tools at Witness').waitFor();
    await page.screenshot({ path: `${SHOTS}setup.png`, fullPage: true });
    await page.close();
  });

  it('a foreign origin cannot call the API', async () => {
    const page = await browser.newPage();
    await page.goto('about:blank');
    const result = await page.evaluate(async (url) => {
      try {
        const r = await fetch(`${url}/api/v1/status`, { credentials: 'include' });
        return r.status;
      } catch (e) {
        return String(e);
      }
    }, t.engine.controlUrl);
    expect(result === 401 || result === 403 || String(result).includes('Failed to fetch')).toBe(true);
    await page.close();
  });
});
