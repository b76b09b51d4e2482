/**
 * Sign-in and the policy in force, in the window (issues 14, 17 and 19), in real Chromium
 * against the real engine and the real in-process OpenID Provider: the header's Sign in opens
 * the provider's page in a new tab, the person signs in there, and the header shows them
 * (from identity.changed); Sign out signs out. Setup's sign-in card does the same with a
 * device code. Setup shows the policy version and marks values locked by IT; a rejected
 * policy file warns in the header and in Setup until it is fixed. Screenshots, light and
 * dark, land in test-results/screenshots/.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlClient } from '../../proxy/control/index.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc.js';
import { requestViaProxy } from '../helpers/proxy-client.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));
const WIDE = { width: 1280, height: 720 };
const POLICY = { protectedPaths: ['**/.env*'], protectedCommands: [], unknownTools: 'allow', mcpTools: 'allow', urls: { otherwise: 'allow' } };
const STRIPE = 'sk_live_51H8xQ2Lz7TqK9vYb3NcW4rPdQ';
const PLACEHOLDER = /\[MASKED:[A-Za-z0-9_.-]+:[0-9a-f]{4}\]/;

let op: TestOidcProvider;
let upstream: FakeUpstream;
let t: TestEngine;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (see .ci/run)`);
  if (!existsSync(fileURLToPath(new URL('../../renderer/dist/index.html', import.meta.url)))) throw new Error('UI not built: run `npm run build`');
  mkdirSync(SHOTS, { recursive: true });
  [op, upstream] = await Promise.all([startOidcProvider({ users: [{ username: 'alice', name: 'Alice Example', email: 'alice@example.test', groups: ['engineering'] }] }), startFakeUpstream()]);
  t = await startTestEngine(
    upstream,
    { identity: { issuer: op.issuer, clientId: op.clientId, audience: op.audience, groupsScope: 'groups' } },
    {
      identityFetch: op.fetch,
      // IT's layer as /etc/witness/policy.json would give it: every key in it is locked.
      managedPolicy: () => ({ sources: [{ location: '/etc/witness/policy.json', doc: { approvals: { timeoutSeconds: 90 } } }] }),
    },
    POLICY,
  );
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  // The provider's certificate comes from the test's throwaway CA, which this Chromium does
  // not trust; the engine's window itself is plain HTTP on loopback.
  context = await browser.newContext({ viewport: WIDE, ignoreHTTPSErrors: true });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await t?.stop();
  await Promise.all([op?.close(), upstream?.close()]);
});

async function openWindow(hash = '#/live'): Promise<Page> {
  const page = await context.newPage();
  await page.goto(t.engine.signInLink());
  await expect.poll(() => page.url()).toBe(`${t.engine.controlUrl}/`);
  if (hash !== '#/live') await page.goto(`${t.engine.controlUrl}/${hash}`);
  return page;
}

async function shoot(page: Page, name: string) {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: `${SHOTS}${name}-${scheme}.png` });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

const header = (page: Page) => page.locator('header.bar');

describe('sign-in from the window', () => {
  it('Sign in in the header opens the provider in a new tab; after its login form the header shows the person; Sign out signs out', { timeout: 120_000 }, async () => {
    const page = await openWindow();
    await expect.poll(() => header(page).textContent(), { timeout: 20_000 }).toContain('not signed in');
    const [tab] = await Promise.all([context.waitForEvent('page'), header(page).getByRole('button', { name: 'Sign in', exact: true }).click()]);
    await tab.waitForLoadState();
    expect(new URL(tab.url()).origin).toBe(op.issuer);
    // The provider's own pages: login (username + password), then consent.
    await tab.locator('#login-form input[name=login]').fill('alice');
    await tab.locator('#login-form input[name=password]').fill(op.user('alice').password);
    await tab.locator('#login-form button[type=submit]').click();
    await tab.locator('#consent-form button[name=allow]').click();
    // The engine's one-shot loopback redirect answers the tab.
    await expect.poll(() => tab.textContent('body'), { timeout: 30_000 }).toContain('Signed in as');
    await tab.close();
    await expect.poll(() => header(page).textContent(), { timeout: 30_000 }).toContain('✓ alice@example.test');
    await expect.poll(() => header(page).getByRole('button', { name: 'Sign out' }).count()).toBe(1);
    await shoot(page, 'account-header-signed-in');

    await header(page).getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => header(page).textContent(), { timeout: 20_000 }).toContain('not signed in');
    expect(await header(page).textContent()).not.toContain('alice@example.test');
    expect(t.engine.identityService.current()).toBeNull();
    await page.close();
  });

  it("Setup's sign-in card shows a device code ('use a code instead'); approving it at the provider signs in", { timeout: 120_000 }, async () => {
    const page = await openWindow('#/setup');
    const card = page.getByRole('article', { name: 'Sign-in' });
    await card.getByRole('button', { name: 'use a code instead' }).click();
    const code = page.getByLabel('Sign-in code');
    await expect.poll(() => code.textContent(), { timeout: 20_000 }).toMatch(/\w{4}/);
    expect(await card.getByRole('link').first().getAttribute('href')).toContain(op.issuer);
    await shoot(page, 'account-setup-device-code');
    await op.approveDeviceCode((await code.textContent())!.trim(), 'alice');
    await expect.poll(() => card.textContent(), { timeout: 30_000 }).toContain('Signed in as alice@example.test');
    expect(await page.getByLabel('Sign-in code').count()).toBe(0);
    await shoot(page, 'account-setup-signed-in');
    await card.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => card.textContent(), { timeout: 20_000 }).toContain('Not signed in');
    await page.close();
  });
});

describe('the policy in force in the window', () => {
  it('Setup shows the policy version and marks the values IT locked', { timeout: 60_000 }, async () => {
    const page = await openWindow('#/setup');
    const status = t.engine.status();
    const inForce = page.getByLabel('Policy in force');
    await expect.poll(() => inForce.textContent(), { timeout: 20_000 }).toContain(status.policy.version.replace(/^sha256:/, '').slice(0, 12));
    const row = (key: string) => page.getByRole('table', { name: 'Policy' }).locator('tr', { has: page.locator('code', { hasText: new RegExp(`^${key.replace('.', '\\.')}$`) }) });
    await expect.poll(() => row('approvals.timeoutSeconds').getByRole('img', { name: 'locked by IT' }).count()).toBe(1);
    expect(await row('approvals.timeoutSeconds').textContent()).toContain('managed');
    await row('approvals.timeoutSeconds').scrollIntoViewIfNeeded();
    await shoot(page, 'account-setup-locked');
    // A value the user's file sets is not locked.
    expect(await row('unknownTools').getByRole('img', { name: 'locked by IT' }).count()).toBe(0);
    await page.close();
  });

  it('a rejected policy file warns in the header and in Setup until it is fixed', { timeout: 90_000 }, async () => {
    const page = await openWindow('#/setup');
    await expect.poll(() => page.getByLabel('Policy in force').count(), { timeout: 20_000 }).toBe(1);
    expect(await header(page).getByText('policy file rejected').count()).toBe(0);
    const file = join(t.dataDir, 'policy.json');
    writeFileSync(file, '{ "protectedPaths": [ "**/.env", }');
    await expect.poll(() => header(page).getByText('policy file rejected').count(), { timeout: 60_000 }).toBe(1);
    await expect.poll(() => page.getByLabel('Policy in force').textContent(), { timeout: 20_000 }).toContain('A policy file was rejected');
    await page.getByLabel('Policy in force').scrollIntoViewIfNeeded();
    await shoot(page, 'account-setup-policy-problem');
    writeFileSync(file, JSON.stringify(POLICY));
    await expect.poll(() => header(page).getByText('policy file rejected').count(), { timeout: 60_000 }).toBe(0);
    expect(await page.getByLabel('Policy in force').textContent()).not.toContain('rejected');
    await page.close();
  });
});

/** The fake model echoes the placeholder it received in an edit of a protected file (held), in small pieces. */
function echoEdit(res: http.ServerResponse) {
  const ph = PLACEHOLDER.exec(upstream.requests.at(-1)!.body)?.[0] ?? 'NO-PLACEHOLDER-RECEIVED';
  const args = JSON.stringify({ filePath: '/work/app/.env.local', oldString: `STRIPE_KEY=${ph}`, newString: 'STRIPE_KEY=${STRIPE_KEY}', explanation: 'read the key from the environment' });
  const chunk = (delta: unknown, finish: string | null = null) => `data: ${JSON.stringify({ id: 'c1', model: 'gpt-4.1', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write(chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'replace_string_in_file', arguments: '' } }] }));
  for (let i = 0; i < args.length; i += 7) res.write(chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(i, i + 7) } }] }));
  res.end(chunk({}, 'tool_calls') + 'data: [DONE]\n\n');
}

describe('masked values restored for the editor', () => {
  it('the approval card, the popup and the record detail say how many were restored', { timeout: 120_000 }, async () => {
    upstream.scripts.set('echo-edit', echoEdit);
    const control = createControlClient({ url: t.engine.controlUrl, token: t.engine.controlToken });
    const page = await openWindow('#/approvals');
    const answer = requestViaProxy({
      proxyPort: t.engine.proxyPort,
      host: 'api.business.githubcopilot.com',
      path: '/chat/completions?script=echo-edit',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4.1', stream: true, messages: [{ role: 'user', content: `Here is my .env.local:\nSTRIPE_KEY=${STRIPE}\nUse the environment instead.` }] }),
      ca: t.caPem,
    });
    await expect.poll(async () => (await control.call('approvals', {})).length, { timeout: 30_000 }).toBe(1);
    const [a] = await control.call('approvals', {});
    expect(a!.restoredForEditor).toBe(1);
    await expect.poll(() => page.getByLabel('Restored for the editor').first().textContent(), { timeout: 20_000 }).toContain('1 masked value restored for the editor');
    await shoot(page, 'account-approval-restored');
    const popup = await openWindow(`#/approval/${a!.id}`);
    await popup.setViewportSize({ width: 420, height: 560 });
    await expect.poll(() => popup.getByLabel('Restored for the editor').textContent(), { timeout: 20_000 }).toContain('1 masked value restored for the editor');
    await popup.close();
    await control.call('decide', { id: a!.id, decision: 'approve', argsHash: a!.argsHash });
    expect((await answer).status).toBe(200);
    // The record: the detail pane says what the record says.
    await expect.poll(async () => (await control.call('search', { limit: 5 })).items.length, { timeout: 20_000 }).toBeGreaterThan(0);
    const rec = await control.call('record', { id: (await control.call('search', { limit: 1 })).items[0]!.id });
    expect(rec!.restoredForEditor?.restored).toBeGreaterThan(0);
    await page.goto(`${t.engine.controlUrl}/#/live`);
    await page.locator('[role=row]', { hasText: 'gpt-4.1' }).first().click();
    const n = rec!.restoredForEditor!.restored;
    await expect.poll(() => page.getByLabel('Restored for the editor').first().textContent(), { timeout: 20_000 }).toContain(`${n} masked value${n === 1 ? '' : 's'} restored for the editor`);
    await page.getByLabel('Restored for the editor').first().scrollIntoViewIfNeeded();
    await shoot(page, 'account-detail-restored');
    await page.close();
  });
});
