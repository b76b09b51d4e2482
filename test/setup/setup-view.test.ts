/**
 * The window's Setup view in real Chromium against a real engine running with a temporary
 * HOME: the doctor's checks with a fix button, the status line turning to a warning in
 * words when a client rejects the Witness CA, copy buttons on snippets, and a setup target
 * previewed (diff), applied and undone from the window.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import tls from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCli, type RunningCli } from '../helpers/cli.js';
import { connectTunnel } from '../helpers/proxy-client.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));
const SETTINGS = '{\n\t// mine\n\t"editor.tabSize": 2\n}\n';

let home: string;
let dataDir: string;
let engine: RunningCli;
let started: { ui: string; proxy: { port: number; url: string }; control: { url: string } };
let browser: Browser;
let settingsFile: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (see .ci/run)`);
  mkdirSync(SHOTS, { recursive: true });
  home = mkdtempSync(join(tmpdir(), 'witness-view-home-'));
  dataDir = mkdtempSync(join(tmpdir(), 'witness-view-data-'));
  settingsFile = join(home, '.config', 'Code', 'User', 'settings.json');
  mkdirSync(join(settingsFile, '..'), { recursive: true });
  writeFileSync(settingsFile, SETTINGS);
  // The engine runs as a separate process with the temporary HOME: what the window sets up lands there.
  engine = spawnCli(['start', '--data-dir', dataDir, '--port', '0', '--json'], { HOME: home, XDG_CONFIG_HOME: '', SHELL: '/bin/bash' });
  started = JSON.parse(await engine.waitFor(/"event":"started"/, 90_000));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
});
afterAll(async () => {
  await browser?.close();
  engine?.child.kill('SIGTERM');
  await engine?.exited;
  rmSync(home, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

describe('Setup view', () => {
  it('lists the checks, warns in words about rejected clients, copies snippets, and previews, applies and undoes a fix', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: started.control.url });
    const page = await context.newPage();
    await page.goto(started.ui);
    await page.goto(`${started.control.url}/#/setup`);

    const checks = page.getByRole('table', { name: 'Doctor checks' });
    await expect.poll(() => checks.locator('tr').count(), { timeout: 60_000 }).toBe(12); // the engine runs every check first
    const vscodeRow = checks.locator('tr', { hasText: 'vscode' }).first();
    expect(await vscodeRow.textContent()).toMatch(/fail.*http\.proxy is not set/);

    // A client that does not trust the CA: the status line says so instead of green.
    const socket = await connectTunnel(started.proxy.port, 'api.githubcopilot.com:443');
    await new Promise<void>((resolve) => {
      const c = tls.connect({ socket, servername: 'api.githubcopilot.com' });
      c.once('error', () => resolve());
      c.once('secureConnect', () => resolve());
    });
    const seen = page.locator('.seen[role=status]');
    await expect.poll(() => seen.textContent(), { timeout: 30_000 }).toContain('1 connection from a client that does not trust the Witness CA in the last 10 min — run `witness doctor`');
    expect(await seen.getAttribute('class')).toContain('stale');
    // The header says so too (the whole sentence on hover), on every view.
    const header = page.locator('header .health-warning');
    await expect.poll(() => header.getAttribute('title'), { timeout: 30_000 }).toContain('not trust the Witness CA in the last 10 min');

    // Copy buttons put the snippet on the clipboard.
    await page.getByRole('button', { name: 'Copy' }).first().click();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(`"http.proxy": "${started.proxy.url}",\n"http.proxyStrictSSL": true`);

    // The check's fix button previews the diff; nothing changes until Apply.
    await vscodeRow.getByRole('button', { name: 'Fix…' }).click();
    const result = page.getByLabel('Setup result');
    await expect.poll(() => result.textContent(), { timeout: 60_000 }).toContain('(preview: nothing changed)');
    expect(await result.locator('pre').first().textContent()).toContain(`+\t"http.proxy": "${started.proxy.url}"`);
    expect(readFileSync(settingsFile, 'utf8')).toBe(SETTINGS);
    await page.screenshot({ path: `${SHOTS}setup-checks.png`, fullPage: true });

    const vscodeTarget = page.getByRole('article', { name: 'Set up this machine' }).locator('tr', { hasText: 'VS Code' });
    await vscodeTarget.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => readFileSync(settingsFile, 'utf8'), { timeout: 60_000 }).toContain(`"http.proxy": "${started.proxy.url}"`);
    await expect.poll(() => checks.locator('tr', { hasText: 'vscode' }).first().textContent(), { timeout: 60_000 }).toMatch(/^ok/);

    await vscodeTarget.getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => readFileSync(settingsFile, 'utf8'), { timeout: 60_000 }).toBe(SETTINGS);
    await context.close();
  });
});
