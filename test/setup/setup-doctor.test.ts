/**
 * `witness setup` and `witness doctor` against a temporary HOME: fake VS Code user and
 * remote settings, a real NSS database (certutil), a corporate CA in NODE_EXTRA_CA_CERTS,
 * and a real engine. Doctor fails each broken link with the right fix; setup fixes them;
 * doctor passes; --undo restores every file byte for byte.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCli, type RunningCli } from '../helpers/cli.js';
import { createTestRoot } from '../helpers/pki.js';
import { runIn } from './helpers.js';

interface Check {
  id: string;
  status: 'ok' | 'warn' | 'fail';
  finding: string;
  fix: string | null;
  setup: string | null;
}

let home: string;
let dataDir: string;
let engine: RunningCli;
let corpPem: string;
let nssDir: string;
const files: Record<string, string> = {};
const originals: Record<string, Buffer> = {};

const USER_SETTINGS = `// My settings: comments and trailing commas must survive setup.
{
\t"editor.fontSize": 14,
\t"http.proxyStrictSSL": false, // someone turned it off
}
`;
const REMOTE_SETTINGS = `{
  "remote.autoForwardPorts": false
}
`;
const BASHRC = `# my bashrc\nalias ll='ls -l'\n`;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'witness-home-'));
  dataDir = mkdtempSync(join(tmpdir(), 'witness-setup-data-'));
  files.user = join(home, '.config', 'Code', 'User', 'settings.json');
  files.remote = join(home, '.vscode-server', 'data', 'Machine', 'settings.json');
  files.bashrc = join(home, '.bashrc');
  for (const [k, text] of [['user', USER_SETTINGS], ['remote', REMOTE_SETTINGS], ['bashrc', BASHRC]] as const) {
    mkdirSync(join(files[k]!, '..'), { recursive: true });
    writeFileSync(files[k]!, text);
    originals[k] = readFileSync(files[k]!);
  }
  nssDir = join(home, '.pki', 'nssdb');
  mkdirSync(nssDir, { recursive: true });
  execFileSync('certutil', ['-N', '-d', `sql:${nssDir}`, '--empty-password']);
  corpPem = join(home, 'corp-ca.pem');
  writeFileSync(corpPem, (await createTestRoot('Corp Proxy Root')).certPem);
  engine = spawnCli(['start', '--data-dir', dataDir, '--port', '0', '--json'], { HOME: home });
  await engine.waitFor(/"event":"started"/, 90_000);
});

afterAll(async () => {
  engine?.child.kill('SIGTERM');
  await engine?.exited;
  rmSync(home, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

async function doctor(env: Record<string, string>): Promise<{ code: number | null; checks: Record<string, Check> }> {
  const r = await runIn(home, ['doctor', '--json', '--data-dir', dataDir], env);
  // Node itself warns about a bad NODE_EXTRA_CA_CERTS or NODE_TLS_REJECT_UNAUTHORIZED=0; doctor adds nothing.
  expect(r.stderr.split('\n').filter((l) => l && !/^(Warning: Ignoring extra certs|\(node:\d+\) Warning|\(Use `node --trace-warnings)/.test(l))).toEqual([]);
  const report = JSON.parse(r.stdout) as { ok: boolean; checks: Check[] };
  expect(report.ok).toBe(r.code === 0);
  return { code: r.code, checks: Object.fromEntries(report.checks.map((c) => [c.id, c])) };
}

const nssList = () => execFileSync('certutil', ['-L', '-d', `sql:${nssDir}`], { encoding: 'utf8' });

describe('witness doctor before setup', () => {
  it('fails NODE_EXTRA_CA_CERTS pointing to a missing file, VS Code settings and the NSS database, each with its fix', async () => {
    const { code, checks } = await doctor({ NODE_EXTRA_CA_CERTS: join(home, 'gone.pem') });
    expect(code).toBe(1);
    expect(checks.engine!.status).toBe('ok');
    expect(checks['node-extra-ca-certs']).toMatchObject({ status: 'fail', setup: 'node-ca' });
    expect(checks['node-extra-ca-certs']!.finding).toContain(`${join(home, 'gone.pem')}, which does not exist`);
    expect(checks['node-extra-ca-certs']!.fix).toMatch(/witness setup node-ca/);
    expect(checks.vscode).toMatchObject({ status: 'fail', fix: 'witness setup vscode' });
    expect(checks.vscode!.finding).toContain('http.proxy is not set');
    expect(checks.vscode!.finding).toContain('http.proxyStrictSSL is false');
    expect(checks['vscode-remote']).toMatchObject({ status: 'fail', setup: 'vscode' });
    expect(checks['trust-nss']).toMatchObject({ status: 'fail', fix: 'witness setup trust' });
    expect(checks['trust-nss']!.finding).toMatch(/not in the database/);
    expect(checks['proxy-env']).toMatchObject({ status: 'warn', setup: 'copilot-cli' });
    // This shell's Node does not trust the Witness CA: the live handshake says so.
    expect(checks.live).toMatchObject({ status: 'fail', setup: 'node-ca' });
    expect(checks.live!.finding).toMatch(/intercepted, but Node's trust store rejects .*SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT/);
  });

  it('fails NODE_EXTRA_CA_CERTS holding a corporate CA but not the Witness CA, and a colon-joined list', async () => {
    const { checks } = await doctor({ NODE_EXTRA_CA_CERTS: corpPem });
    expect(checks['node-extra-ca-certs']).toMatchObject({ status: 'fail', setup: 'node-ca' });
    expect(checks['node-extra-ca-certs']!.finding).toBe(`${corpPem} does not contain the current Witness CA`);
    const joined = await doctor({ NODE_EXTRA_CA_CERTS: `${corpPem}:${join(home, 'other.pem')}` });
    expect(joined.checks['node-extra-ca-certs']!.finding).toMatch(/holds 2 paths joined together .*Node reads exactly one file/);
  });

  it('fails when TLS verification is turned off for Node', async () => {
    const { checks } = await doctor({ NODE_TLS_REJECT_UNAUTHORIZED: '0' });
    expect(checks['proxy-env']).toMatchObject({ status: 'fail' });
    expect(checks['proxy-env']!.finding).toMatch(/NODE_TLS_REJECT_UNAUTHORIZED=0 turns TLS verification off/);
  });
});

describe('witness setup', () => {
  it('--dry-run prints the diffs and the commands and changes nothing', async () => {
    const r = await runIn(home, ['setup', '--dry-run', '--data-dir', dataDir], { NODE_EXTRA_CA_CERTS: corpPem });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`would be modified: ${files.user}`);
    expect(r.stdout).toMatch(/\+\s*"http\.proxy": "http:\/\/127\.0\.0\.1:\d+"/);
    expect(r.stdout).toMatch(/-\s*"http\.proxyStrictSSL": false/);
    expect(r.stdout).toContain(`would run: certutil -A -d sql:${nssDir}`);
    for (const k of ['user', 'remote', 'bashrc']) expect(readFileSync(files[k]!).equals(originals[k]!)).toBe(true);
    expect(nssList()).not.toMatch(/Witness/);
  });

  it('sets up trust, node-ca, copilot-cli and VS Code (local and remote) in one step', async () => {
    const r = await runIn(home, ['setup', '--json', '--data-dir', dataDir], { NODE_EXTRA_CA_CERTS: corpPem });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const results = JSON.parse(r.stdout) as Array<{ target: string; commands: Array<{ ok: boolean }> }>;
    expect(results.map((x) => x.target)).toEqual(['trust', 'node-ca', 'copilot-cli', 'vscode', 'jetbrains']);
    const status = JSON.parse((await runIn(home, ['status', '--json', '--data-dir', dataDir])).stdout);

    const user = readFileSync(files.user!, 'utf8');
    expect(user).toContain('// My settings: comments and trailing commas must survive setup.');
    expect(user).toContain('// someone turned it off');
    expect(user).toContain(`"http.proxy": "${status.proxy.url}"`);
    expect(user).toContain('"http.proxyStrictSSL": true');
    expect(user).toContain('"http.systemCertificates": true');
    expect(readFileSync(files.remote!, 'utf8')).toContain(`"http.proxy": "${status.proxy.url}"`);

    const bundle = join(dataDir, 'setup', 'node-extra-ca-certs.pem');
    const text = readFileSync(bundle, 'utf8');
    expect(text).toContain(readFileSync(corpPem, 'utf8').trim()); // the corporate CA keeps working
    expect(text).toContain(readFileSync(join(dataDir, 'setup', 'witness-ca.pem'), 'utf8').trim());
    const bashrc = readFileSync(files.bashrc!, 'utf8');
    expect(bashrc.startsWith(BASHRC)).toBe(true);
    expect(bashrc).toContain(`export NODE_EXTRA_CA_CERTS='${bundle}'`);
    expect(bashrc).toMatch(/copilot\(\) \{ HTTPS_PROXY='http:\/\/127\.0\.0\.1:\d+' .* command copilot "\$@"; \}/);
    expect(nssList()).toMatch(/Witness Copilot Audit CA \S+\s+C,,/);

    // Running it again changes nothing.
    const again = await runIn(home, ['setup', 'vscode', 'node-ca', '--data-dir', dataDir], { NODE_EXTRA_CA_CERTS: bundle });
    expect(again.stdout).toMatch(/vscode:\n {2}already set up/);
  });

  it('after setup, doctor passes (in a new shell, which exports the bundle)', async () => {
    const bundle = /export NODE_EXTRA_CA_CERTS='([^']+)'/.exec(readFileSync(files.bashrc!, 'utf8'))![1]!;
    const { code, checks } = await doctor({ NODE_EXTRA_CA_CERTS: bundle });
    const failed = Object.values(checks).filter((c) => c.status === 'fail');
    expect(failed, JSON.stringify(failed)).toEqual([]);
    expect(code).toBe(0);
    for (const id of ['engine', 'proxy', 'ca', 'trust-nss', 'node-extra-ca-certs', 'vscode', 'vscode-remote', 'proxy-env', 'tls-rejections', 'live']) {
      expect(checks[id]!.status, `${id}: ${checks[id]!.finding}`).toBe('ok');
    }
    expect(checks.live!.finding).toMatch(/intercepted and verifies against Node's trust store/);
  });

  it('--undo refuses to overwrite a file edited since setup, unless forced', async () => {
    const edited = readFileSync(files.user!);
    appendFileSync(files.user!, '// edited later\n');
    const r = await runIn(home, ['setup', '--undo', 'vscode', '--data-dir', dataDir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Not undoing vscode: .*settings\.json changed after `witness setup vscode`.*--force.*\[SETUP_CONFLICT\]/);
    writeFileSync(files.user!, edited);
  });

  it('--undo restores every file byte for byte and takes the CA out of the NSS database', async () => {
    for (const t of ['vscode', 'copilot-cli', 'node-ca', 'trust']) {
      const r = await runIn(home, ['setup', '--undo', t, '--data-dir', dataDir]);
      expect(r.code, `${t}: ${r.stdout}${r.stderr}`).toBe(0);
    }
    for (const k of ['user', 'remote', 'bashrc']) expect(readFileSync(files[k]!).equals(originals[k]!), k).toBe(true);
    expect(nssList()).not.toMatch(/Witness/);
    expect(existsSync(join(dataDir, 'setup', 'backups', 'vscode'))).toBe(true); // the folder stays; its backup is gone
    const nothing = await runIn(home, ['setup', '--undo', 'vscode', '--data-dir', dataDir]);
    expect(nothing.stdout).toMatch(/Nothing to undo/);
  });
});
