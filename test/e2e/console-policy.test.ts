/**
 * Issue 16: "Policy: publish in the console → a running engine enforces the new protected
 * path within seconds, without restart". An admin signs in to the console in real Chromium
 * (real oidc-provider, code + PKCE), types a central policy in the Policy view, reviews the
 * diff and publishes; the real engine, already running and syncing with the real server
 * (PGlite), holds its next tool call that edits the newly protected path.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlEvent } from '../../proxy/control/index.js';
import { startServer, type RunningServer } from '../../server/index.js';
import { launchChromium } from '../helpers/browser-engine.js';
import { agentTurn, centralServerConfig, expectHeldAndDeny, startCentralOidc, startSyncingEngine, stopCentral } from '../helpers/central.js';
import { freePort, signInToConsole } from '../helpers/console.js';
import type { TestEngine } from '../helpers/engine.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import type { TestOidcProvider } from '../helpers/oidc.js';

const PROTECTED = '**/.env.production';

let op: TestOidcProvider;
let upstream: FakeUpstream;
let t: TestEngine;
let server: RunningServer;
let browser: Browser;
let dir: string;
const events: ControlEvent[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'witness-console-policy-'));
  // The console's redirect URI names the server's port, so the port is chosen first.
  const port = await freePort();
  op = await startCentralOidc([{ username: 'dana', email: 'dana@example.test', groups: ['witness-admins'] }], [{ clientId: 'witness-console', redirectUri: `http://127.0.0.1:${port}/callback` }]);
  upstream = await startFakeUpstream();
  server = await startServer({
    dataDir: join(dir, 'server'),
    port,
    config: { ...centralServerConfig(op, ['witness-admins']), console: { clientId: 'witness-console', scope: 'openid profile email groups' } },
    fetch: op.fetch,
  });
  const keysFile = join(dir, 'server-keys.json');
  writeFileSync(keysFile, JSON.stringify(server.keys.jwks));
  t = await startSyncingEngine(upstream, op, { server: server.url, serverKeys: keysFile, batchSize: 10, flushSeconds: 0.1, checkInSeconds: 0.5 }, events);
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await stopCentral({ t, server, upstream, op, dir });
});

describe('the console publishes the central policy', () => {
  it('an admin publishes a protected path in the Policy view → the running engine holds the next matching tool call within seconds, without restart', { timeout: 180_000 }, async () => {
    // Before: the engine runs with no central policy and lets the .env.production edit through.
    expect(t.engine.status().sync.centralPolicy?.version ?? null).toBeNull();
    const before = await agentTurn(t, 'before');
    expect(before).toContain('replace_string_in_file');
    expect(before).not.toContain('Witness blocked');

    const { context, page } = await signInToConsole(browser, server.url, 'dana', '/policy');
    try {
      const editor = page.getByLabel('Policy document (JSON)');
      await expect.poll(() => editor.inputValue(), { timeout: 20_000 }).toBe('{}\n');
      await editor.fill(JSON.stringify({ protectedPaths: [PROTECTED] }, null, 2));
      await page.getByRole('button', { name: 'Review changes…' }).click();
      const diff = page.getByLabel('Policy diff');
      await diff.waitFor();
      const added = await diff.locator('.add').allTextContents();
      expect(added).toContain('+   "protectedPaths": [\n');
      expect(added.some((l) => l.includes(`"${PROTECTED}"`))).toBe(true);
      // Reviewing publishes nothing: the engine still has no central policy.
      expect(t.engine.status().sync.centralPolicy?.version ?? null).toBeNull();

      await page.getByRole('button', { name: 'Publish version 1' }).click();
      await page.getByRole('status').filter({ hasText: 'Version 1 published' }).waitFor({ timeout: 20_000 });
      const published = Date.now();
      await expect.poll(() => t.engine.status().sync.centralPolicy?.version, { timeout: 20_000, interval: 100 }).toBe(1);
      expect(Date.now() - published).toBeLessThan(15_000);
      expect(t.engine.status().policy.problem).toBeNull();
      await page.getByLabel('Version history').getByText('v1').waitFor();
    } finally {
      await context.close();
    }
    // The same engine process, not restarted, now holds the edit under the published rule.
    await expectHeldAndDeny(t, events, 'after-publish', [`protected-path:${PROTECTED}`]);
  });
});
