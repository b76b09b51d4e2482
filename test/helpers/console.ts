/**
 * The console in real Chromium: a fresh browser profile signed in to a witness-server's
 * console through the test provider's real login and consent pages (code + PKCE), and a
 * loopback port to start the server on, known before the provider registers the console's
 * redirect URI on it.
 */
import net from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { DEFAULT_PASSWORD } from './oidc.js';

export const CONSOLE_VIEWPORT = { width: 1280, height: 720 };

export interface ConsoleSession {
  context: BrowserContext;
  page: Page;
  /** Every response body the page received, read whole. */
  bodies(): Promise<string[]>;
}

export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Opens `serverUrl + path` in a new context and signs in as `username`; resolves once the console shows "Sign out". */
export async function signInToConsole(browser: Browser, serverUrl: string, username: string, path = '/search', colorScheme: 'light' | 'dark' = 'light'): Promise<ConsoleSession> {
  // The provider's certificate comes from the test's throwaway CA.
  const context = await browser.newContext({ viewport: CONSOLE_VIEWPORT, ignoreHTTPSErrors: true, colorScheme, acceptDownloads: true });
  const page = await context.newPage();
  const reads: Array<Promise<string>> = [];
  page.on('response', (r) => reads.push(r.body().then((b) => b.toString('utf8'), () => '')));
  await page.goto(serverUrl + path);
  await page.getByRole('button', { name: /^Sign in with 127\.0\.0\.1/ }).click();
  await page.locator('#login-form').waitFor();
  await page.fill('#login-form input[name=login]', username);
  await page.fill('#login-form input[name=password]', DEFAULT_PASSWORD);
  await page.click('#login-form button[type=submit]');
  await page.locator('#consent-form').waitFor();
  await page.click('#consent-form button[name=allow]');
  await page.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: 30_000 });
  expect(page.url()).toBe(serverUrl + path);
  return { context, page, bodies: async () => Promise.all(reads) };
}
