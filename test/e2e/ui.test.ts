/**
 * The Witness window in real Chromium (Debian's, driven by playwright-core) against the
 * real engine and a fake Copilot upstream. Screenshots land in test-results/ for review.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHOTS, signIn, startBrowserEngine, type BrowserEngine } from '../helpers/browser-engine.js';
import type { TestEngine } from '../helpers/engine.js';
import type { FakeUpstream } from '../helpers/fake-upstream.js';
import { createControlClient } from '../../proxy/control/index.js';
import { fx, headersOf } from '../helpers/fixtures.js';
import { requestViaProxy } from '../helpers/proxy-client.js';
import { reassemble } from '../helpers/reassemble.js';

let upstream: FakeUpstream;
let t: TestEngine;
let browser: Browser;
let world: BrowserEngine | undefined;

beforeAll(async () => {
  world = await startBrowserEngine();
  ({ upstream, t, browser } = world);
}, 60_000);
afterAll(() => world?.stop());

async function signedIn(viewport = { width: 1280, height: 720 }): Promise<Page> {
  return signIn(await browser.newPage({ viewport }), t);
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

/** An agent turn (fixture 03) whose protected-file edit the default policy holds; `extra` messages go before the user's turn. */
function agentTurn(tag: string, opts: { ms?: number; token?: string; extra?: Array<{ role: string; content: string }> } = {}) {
  const body = JSON.parse(fx('03-agent.request.json')) as { messages: Array<{ role: string; content: string }> };
  body.messages.splice(body.messages.length - 1, 0, ...(opts.extra ?? []));
  return requestViaProxy({
    proxyPort: t.engine.proxyPort,
    host: 'api.business.githubcopilot.com',
    path: `/chat/completions?fixture=03-agent.response-toolcalls.sse.txt&ms=${opts.ms ?? 10}&t=${tag}`,
    method: 'POST',
    body: JSON.stringify(body),
    headers: { ...headersOf('03-agent.request-headers.http'), ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}) },
    ca: t.caPem,
  });
}

const control = () => createControlClient({ url: t.engine.controlUrl, token: t.engine.controlToken });

/** Decides the next pending approval for `tool` through the control API (as another reviewer would). */
async function decideNext(tool: string, decision: 'approve' | 'deny', reason: string) {
  let id = '';
  let argsHash = '';
  await expect
    .poll(
      async () => {
        const a = (await control().call('approvals', {})).find((x) => x.tool === tool);
        if (a) ({ id, argsHash } = a);
        return Boolean(a);
      },
      { timeout: 10_000 },
    )
    .toBe(true);
  await control().call('decide', { id, decision, argsHash, reason });
}

/** Presses Tab (or Shift+Tab) until `accept` holds for the focused element; fails after `max` presses. */
async function tabTo(page: Page, accept: string, opts: { back?: boolean; max?: number } = {}) {
  for (let k = 0; k < (opts.max ?? 30); k++) {
    if ((await page.locator(`${accept}:focus`).count()) > 0) return;
    await page.keyboard.press(opts.back ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`focus never reached ${accept}`);
}

/** The text of a download. */
async function downloaded(download: import('playwright-core').Download): Promise<string> {
  const stream = await download.createReadStream();
  let text = '';
  for await (const chunk of stream) text += (chunk as Buffer).toString('utf8');
  return text;
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

  it('Setup shows that no Copilot traffic was seen yet, then flips live when it arrives; the CA downloads', async () => {
    const page = await signedIn();
    await page.goto(`${t.engine.controlUrl}/#/setup`);
    const seen = page.locator('.seen[role=status]');
    await expect.poll(() => seen.textContent()).toContain('No Copilot traffic seen yet');
    await page.screenshot({ path: `${SHOTS}setup-no-traffic.png` });
    await chat('first request of the day', { ms: 1 });
    await expect.poll(() => seen.textContent()).toMatch(/^ Copilot traffic seen (just now|\d+ s ago)/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download witness-ca.pem' }).click()]);
    const pem = await downloaded(download);
    expect(pem).toContain(t.caPem.trim());
    expect(download.suggestedFilename()).toBe('witness-ca.pem');
    await page.screenshot({ path: `${SHOTS}setup.png`, fullPage: true });
    await page.setViewportSize({ width: 420, height: 560 });
    await page.screenshot({ path: `${SHOTS}setup-popup.png` });
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
    await page.getByRole('grid', { name: 'Interactions' }).getByText('VS Code').first().waitFor();
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
    // The upstream sends the first events, then waits for the test: no race with a clock.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    upstream.scripts.set('gated', (res) => {
      const events = fx('02-chat.response.sse.txt').split(/(?<=\n\n)/);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const e of events.slice(0, 5)) res.write(e);
      void gate.then(() => {
        for (const e of events.slice(5)) res.write(e);
        res.end();
      });
    });
    let done = false;
    const request = requestViaProxy({
      proxyPort: t.engine.proxyPort,
      host: 'api.business.githubcopilot.com',
      path: '/chat/completions?script=gated',
      method: 'POST',
      body: JSON.stringify({ model: 'gpt-4.1', stream: true, messages: [{ role: 'user', content: 'explain the retry loop' }] }),
      headers: { 'content-type': 'application/json' },
      ca: t.caPem,
    }).then((r) => {
      done = true;
      return r;
    });
    // The row of this request, while it is still streaming.
    const row = page.getByRole('grid', { name: 'Interactions' }).locator('.row', { hasText: 'streaming' });
    await row.first().click({ timeout: 10_000 });
    const detail = page.getByRole('article', { name: 'Interaction detail' });
    await expect.poll(() => detail.textContent(), { timeout: 10_000 }).toContain('RETRIES');
    expect(done).toBe(false); // text shown while the upstream is still sending
    expect(await detail.textContent()).toContain('streaming');
    await page.screenshot({ path: `${SHOTS}live-streaming.png` });
    release();
    await request;
    await expect.poll(() => detail.textContent()).not.toContain('streaming…');
    await page.close();
  });

  it('filter chips narrow the Live list, and Pause holds new rows back until Resume', async () => {
    const page = await signedIn();
    const send = (content: string) => chat(content, { ms: 1, editor: 'vscode/1.108.0' });
    await send('plain question about a flaky test');
    await send('why does AWS_SECRET_ACCESS_KEY=Jk3m9QzP1xV7bN2cR8tY4uW6eA0sD5fG+hL/oI9k not work?');
    const rows = page.getByRole('grid', { name: 'Interactions' }).locator('.rows-body .row');
    const maskedCells = rows.locator('.masked-count .badge');
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
    await results.getByText('how do I tune the pelican scheduler').click();
    const detail = page.getByRole('article', { name: 'Interaction detail' });
    await expect.poll(() => detail.textContent()).toMatch(/Audit chain.*seq \d+/);
    expect(await detail.locator('h3:text-is("Prompt") + pre').textContent()).toBe('how do I tune the pelican scheduler');
    await page.screenshot({ path: `${SHOTS}search.png`, fullPage: true });
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'JSONL' }).click()]);
    const text = await downloaded(download);
    const lines = text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.some((r) => r.prompt === 'how do I tune the pelican scheduler')).toBe(true);
    expect(text).not.toContain('sk_live_51FAKE');
    await page.close();
  });

  it('the detail pane shows an agent turn in full: human text apart from context, files, the held edit as a diff with its trail, timings, redacted headers, chain', async () => {
    const token = 'tid=FAKEsessiontokenFAKE;exp=1767890000;sku=copilot_for_business_seat_quota;proxy-ep=proxy.business.githubcopilot.com:FAKEMAC00';
    const page = await signedIn();
    const turn = agentTurn('detail', {
      token,
      extra: [{ role: 'user', content: '<attachments>\n<attachment id="config.ts" filePath="/home/dev/payments/src/config.ts">\nexport const key = process.env.STRIPE_SECRET;\n</attachment>\n</attachments>' }],
    });
    // A decision made elsewhere (another reviewer, the CLI) shows up in this window live.
    const badge = page.getByRole('tab', { name: /^Approvals/ }).locator('.count');
    await expect.poll(() => badge.textContent(), { timeout: 10_000 }).toBe('1');
    await decideNext('replace_string_in_file', 'approve', 'staging only');
    await badge.waitFor({ state: 'detached', timeout: 5_000 });
    await turn;
    const rec = await (async () => {
      let found: ReturnType<typeof t.engine.auditStore.get> = null;
      await expect
        .poll(() => {
          for (const r of t.engine.auditStore.iterate({})) if (r.path.includes('t=detail')) found = t.engine.auditStore.get(r.id);
          return found !== null;
        })
        .toBe(true);
      return found!;
    })();
    await page.getByRole('grid', { name: 'Interactions' }).locator('.row', { hasText: 'claude-sonnet-4.5' }).first().click();
    const detail = page.getByRole('article', { name: 'Interaction detail' });
    await expect.poll(() => detail.textContent()).toContain(`seq ${rec.seq}`);
    const prompt = await detail.locator('h3:text-is("Prompt") + pre').textContent();
    expect(prompt).toContain('Switch the payments service to read the Stripe key');
    expect(prompt).not.toContain('environment_info');
    const context = detail.locator('details', { hasText: 'Injected context' });
    await context.locator('summary').click();
    expect(await context.textContent()).toContain('<environment_info>');
    expect(await detail.getByRole('list', { name: 'Context files' }).textContent()).toContain('/home/dev/payments/src/config.ts');
    const edit = detail.getByLabel('Tool call replace_string_in_file');
    expect(await edit.locator('.file').textContent()).toMatch(/\.env/);
    expect(await edit.getByLabel('removed').count()).toBe(1);
    expect(await edit.getByLabel('added').count()).toBe(1);
    expect(await edit.locator('.badge').textContent()).toBe('approved');
    expect(await detail.getByLabel('Tool call run_in_terminal').locator('.text.cmd').textContent()).toMatch(/^\$ \S/);
    expect(await detail.getByRole('list', { name: 'Approval trail' }).textContent()).toMatch(/approved\s*replace_string_in_file[\s\S]*protected-path[\s\S]*staging only/);
    expect(await detail.getByLabel('Timings').textContent()).toMatch(/first byte[\d.]+ m?s\s*first token[\d.]+ m?s\s*held[\d.]+ m?s\s*total[\d.]+ m?s/);
    await detail.locator('details', { hasText: 'Headers' }).locator('summary').click();
    const headers = await detail.getByRole('table', { name: 'Request headers' }).textContent();
    expect(headers).toContain('authorizationBearer [REDACTED]');
    expect(headers).toContain('editor-plugin-versioncopilot-chat/0.36.0');
    expect(await page.content()).not.toContain('FAKEsessiontokenFAKE');
    expect(JSON.stringify(rec)).not.toContain('FAKEsessiontokenFAKE');
    const chain = await detail.locator('dl.chain').textContent();
    expect(chain).toContain(rec.hash);
    expect(chain).toContain(rec.prevHash);
    await page.setViewportSize({ width: 1280, height: 1900 });
    await page.screenshot({ path: `${SHOTS}detail.png` });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: `${SHOTS}detail-dark.png` });
    await page.close();
  });

  it('replays a recorded response at its recorded pace', async () => {
    const page = await signedIn();
    await chat('replay this answer', { ms: 150, editor: 'JetBrains-IC/2025.3' });
    await page.getByRole('grid', { name: 'Interactions' }).locator('.row', { hasText: 'JetBrains' }).first().click();
    const detail = page.getByRole('article', { name: 'Interaction detail' });
    const replay = detail.getByRole('button', { name: /Replay/ });
    await replay.waitFor();
    expect(await replay.textContent()).toMatch(/^▶ Replay \((1\.\d\d|\d{3}) m?s\)$/);
    const text = detail.getByLabel('Response text');
    const full = (await text.textContent())!;
    // Record the text's length in the page at every change as it plays (no sampling race with a busy machine).
    await page.evaluate(`{
      const detail = document.querySelector('article[aria-label="Interaction detail"]');
      const seen = (window.replaySeen = []);
      new MutationObserver(() => {
        const el = detail.querySelector('[aria-label="Response text"]');
        seen.push(el ? el.textContent.length : 0);
      }).observe(detail, { subtree: true, childList: true, characterData: true });
    }`);
    await replay.click();
    // Played to the end: the button is back and the text is whole again.
    await expect
      .poll(async () => (await detail.getByRole('button', { name: /^▶ Replay/ }).count()) > 0 && ((await page.evaluate('window.replaySeen')) as number[]).at(-1) === full.length, { timeout: 30_000 })
      .toBe(true);
    const seen = ((await page.evaluate('window.replaySeen')) as number[]).filter((n, i, xs) => i === 0 || n !== xs[i - 1]);
    const partial = [...new Set(seen.filter((n) => n > 0 && n < full.length))];
    expect(partial.length).toBeGreaterThanOrEqual(3);
    expect(seen).toEqual([...seen].sort((a, b) => a - b)); // it only ever grows
    await expect.poll(() => text.textContent()).toBe(full);
    await page.close();
  });

  it('keeps thousands of rows smooth: only the rows in view are in the DOM; keys walk the list', async () => {
    const page = await signedIn();
    // Far more rows than fit in view (the DOM holds < 60), few enough to send quickly on a busy machine.
    const N = 800;
    let next = 0;
    const worker = async () => {
      while (next < N) {
        const k = next++;
        await requestViaProxy({ proxyPort: t.engine.proxyPort, host: 'api.business.githubcopilot.com', path: `/models?n=${k}`, ca: t.caPem });
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    const grid = page.getByRole('grid', { name: 'Interactions' });
    await expect.poll(async () => Number(await grid.getAttribute('aria-rowcount')), { timeout: 120_000 }).toBeGreaterThan(N);
    const rowCount = Number(await grid.getAttribute('aria-rowcount'));
    const inDom = grid.locator('.rows-body .row');
    expect(await inDom.count()).toBeLessThan(60);
    await grid.focus();
    const selected = grid.locator('.row[aria-selected=true]');
    await page.keyboard.press('End');
    await expect.poll(() => selected.getAttribute('aria-rowindex')).toBe(String(rowCount));
    await page.keyboard.press('Home');
    await expect.poll(() => selected.getAttribute('aria-rowindex')).toBe('2');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('PageDown');
    await expect.poll(async () => Number(await selected.getAttribute('aria-rowindex'))).toBeGreaterThan(5);
    await grid.evaluate((el) => (el.scrollTop = el.scrollHeight / 2));
    await expect.poll(async () => Number(await inDom.first().getAttribute('aria-rowindex'))).toBeGreaterThan(rowCount / 3);
    expect(await inDom.count()).toBeLessThan(60);
    // A row read mid-list stays put while new rows arrive above it.
    const top = await inDom.nth(10).getAttribute('id');
    const box = async () => (await grid.locator(`[id="${top}"]`).boundingBox())?.y;
    const before = await box();
    await chat('a new row arrives above', { ms: 1 });
    await expect.poll(async () => Number(await grid.getAttribute('aria-rowcount'))).toBe(rowCount + 1);
    expect(await box()).toBe(before);
    await page.screenshot({ path: `${SHOTS}live-thousands.png` });
    await page.close();
  }, 300_000);

  it('is usable with the keyboard alone: views, the list, and an approval decision', async () => {
    const page = await signedIn();
    await chat('keyboard question one', { ms: 1 });
    await chat('keyboard question two', { ms: 1 });
    const detail = page.getByRole('article', { name: 'Interaction detail' });
    await expect.poll(() => detail.textContent()).toContain('keyboard question two');
    await tabTo(page, '[role=grid]');
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => detail.locator('h3:text-is("Prompt") + pre').textContent()).toBe('keyboard question one');
    await page.keyboard.press('ArrowUp');
    await expect.poll(() => detail.locator('h3:text-is("Prompt") + pre').textContent()).toBe('keyboard question two');
    await page.screenshot({ path: `${SHOTS}keyboard-live.png` });
    // Back to the tab list, then the arrow keys move between views.
    await tabTo(page, '[role=tab]', { back: true });
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.url()).toMatch(/#\/approvals$/);
    expect(await page.locator(':focus').textContent()).toMatch(/^Approvals/);
    const response = heldToolUse();
    const card = page.getByRole('article', { name: 'Approval for run_in_terminal' });
    await card.waitFor({ timeout: 10_000 });
    await tabTo(page, 'input[aria-label=Reason]');
    await page.keyboard.type('checked the path');
    await page.keyboard.press('Tab');
    expect(await page.locator(':focus').textContent()).toMatch(/^Approve/);
    await page.screenshot({ path: `${SHOTS}keyboard-approval.png` });
    await page.keyboard.press('Enter');
    const seen = reassemble('messages', (await response).body);
    expect(seen.toolCalls.map((c) => c.name)).toEqual(['run_in_terminal']);
    await card.waitFor({ state: 'detached', timeout: 5_000 });
    await page.close();
  });

  it('every view fits a 420×560 popup and 1280×720 without sideways scrolling (screenshots of each)', async () => {
    const response = heldToolUse(); // something in the approval queue
    for (const viewport of [
      { width: 1280, height: 720 },
      { width: 420, height: 560 },
    ]) {
      const page = await signedIn(viewport);
      for (const view of ['live', 'approvals', 'search', 'setup']) {
        await page.goto(`${t.engine.controlUrl}/#/${view}`);
        await page.getByRole('tab', { name: new RegExp(`^${view}`, 'i'), selected: true }).waitFor();
        if (view === 'approvals') await page.getByRole('article', { name: 'Approval for run_in_terminal' }).waitFor({ timeout: 10_000 });
        if (view === 'live') await page.getByRole('article', { name: 'Interaction detail' }).waitFor();
        const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
        expect(overflow, `${view} at ${viewport.width}px`).toBeLessThanOrEqual(0);
        await page.screenshot({ path: `${SHOTS}view-${view}-${viewport.width}.png` });
      }
      await page.close();
    }
    await decideNext('run_in_terminal', 'deny', 'screenshots done');
    await response;
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
