/**
 * The release workflow's smoke test of a packaged app (needs the real Electron, so it runs
 * on CI runners with network, never in `npm test`): launch it with Playwright's Electron
 * driver, and check that the window loads the bundled UI over app://, sees only the preload
 * bridge (no Node), reaches the engine the shell started with the bridge's token, and that
 * quitting stops the engine.
 *   tsx build/smoke/electron-smoke.ts release-smoke/   (the output of package.ts --smoke)
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron as electron } from 'playwright-core';

function executableIn(dir: string): string {
  const candidates = [
    join(dir, 'linux-unpacked', 'witness-desktop'),
    join(dir, 'win-unpacked', 'Witness.exe'),
    ...readdirSync(dir)
      .filter((d) => d.startsWith('mac'))
      .map((d) => join(dir, d, 'Witness.app', 'Contents', 'MacOS', 'Witness')),
  ];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error(`no packaged app in ${dir} (looked for ${candidates.join(', ')})`);
  return found;
}

function check(ok: unknown, what: string): void {
  if (!ok) throw new Error(`smoke test failed: ${what}`);
  process.stdout.write(`ok - ${what}\n`);
}

const dataDir = mkdtempSync(join(tmpdir(), 'witness-smoke-'));
const app = await electron.launch({
  executablePath: executableIn(process.argv[2] ?? 'release-smoke'),
  // GitHub's Ubuntu runners restrict unprivileged user namespaces, which the sandbox needs.
  args: process.platform === 'linux' ? ['--no-sandbox'] : [],
  env: { ...process.env, WITNESS_DATA_DIR: dataDir },
  timeout: 120_000,
});
try {
  check(await app.evaluate(({ app }) => app.isPackaged), 'the app runs packaged');
  const win = await app.firstWindow();
  await win.waitForLoadState('domcontentloaded');
  check(win.url().startsWith('app://witness/index.html#/'), `the window loads the bundled UI over app:// (${win.url()})`);
  check(await win.evaluate('typeof window.witness === "object" && typeof window.witness.control === "function" && Object.keys(window.witness).join() === "control"'), 'the preload bridge exposes only control()');
  check(await win.evaluate('typeof require === "undefined" && typeof process === "undefined"'), 'no Node in the page');
  await win.locator('.dot.ok').waitFor({ timeout: 120_000 });
  check(true, 'the UI is connected to the engine (CORS, loopback permission and token all work)');
  const status = await win.evaluate('window.witness.control().then((e) => fetch(e.url + "/api/v1/status", { headers: { authorization: "Bearer " + e.token } })).then((r) => r.status)');
  check(status === 200, 'the engine answers the window with the bridge\'s token');
  const engine = JSON.parse(readFileSync(join(dataDir, 'control.json'), 'utf8')) as { pid: number };
  await app.close();
  check(!existsSync(join(dataDir, 'control.json')), 'quitting stopped the engine (its control file is gone)');
  let alive = true;
  try {
    process.kill(engine.pid, 0);
  } catch {
    alive = false;
  }
  check(!alive, `the engine process ${engine.pid} is gone`);
} catch (e) {
  await app.close().catch(() => undefined);
  throw e;
}
