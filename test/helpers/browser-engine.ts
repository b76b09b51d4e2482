/**
 * The UI tests' world: the real engine (built-in default policy) behind a fake Copilot
 * upstream, and Debian's Chromium driven by playwright-core, signed in to the engine's
 * window through its one-time link. Screenshots go to test-results/screenshots/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { startTestEngine, type TestEngine } from './engine.js';
import { startFakeUpstream, type FakeUpstream } from './fake-upstream.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SHOTS = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));

export interface BrowserEngine {
  upstream: FakeUpstream;
  t: TestEngine;
  browser: Browser;
  /** Closes whatever started, browser first. */
  stop(): Promise<void>;
}

export async function startBrowserEngine(): Promise<BrowserEngine> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (see .ci/run)`);
  if (!existsSync(fileURLToPath(new URL('../../renderer/dist/index.html', import.meta.url)))) throw new Error('UI not built: run `npm run build`');
  mkdirSync(SHOTS, { recursive: true });
  let upstream: FakeUpstream | undefined;
  let t: TestEngine | undefined;
  let browser: Browser | undefined;
  const stop = async () => {
    await browser?.close();
    await t?.stop();
    await upstream?.close();
  };
  try {
    upstream = await startFakeUpstream();
    t = await startTestEngine(upstream, {}, {}, null); // the built-in default policy
    browser = await launchChromium();
    return { upstream, t, browser, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Debian's Chromium, headless, for a window test that brings its own engine(s). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (see .ci/run)`);
  if (!existsSync(fileURLToPath(new URL('../../renderer/dist/index.html', import.meta.url)))) throw new Error('UI not built: run `npm run build`');
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** Opens the engine's sign-in link in `page` and waits until the window is shown. */
export async function signIn(page: Page, engine: TestEngine): Promise<Page> {
  await page.goto(engine.engine.signInLink());
  await expect.poll(() => page.url()).toBe(`${engine.engine.controlUrl}/`);
  return page;
}
