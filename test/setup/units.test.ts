/** The pure parts of setup, doctor and the CLI, with plain inputs. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closest, didYouMean } from '../../proxy/cli/suggest.js';
import { healthOf, tlsSummary } from '../../proxy/doctor/index.js';
import { TlsFailureLog } from '../../proxy/intercept/index.js';
import { findBlock, hostEnv, nodeExtraSources, parseCertutilList, planSetup, readVsCodeSettings, vscodeProblems, type RootCert } from '../../proxy/setup/index.js';
import { upsertBlock } from '../../proxy/setup/shell-block.js';
import { editVsCodeSettings } from '../../proxy/setup/vscode.js';

const dir = mkdtempSync(join(tmpdir(), 'witness-units-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const copilot = (h: string) => /(^|\.)githubcopilot\.com$/.test(h);

describe('did you mean', () => {
  it('suggests close words and prefixes, nothing for unrelated input', () => {
    expect(closest('strat', ['start', 'stop', 'status'])).toBe('start');
    expect(closest('stat', ['start', 'stop', 'status'])).toBe('status');
    expect(closest('doc', ['doctor', 'setup'])).toBe('doctor');
    expect(didYouMean('xyzzy', ['start', 'stop'])).toBe('');
  });
});

describe('VS Code settings (JSONC)', () => {
  it('sets the proxy, keeps comments, order and indentation, and is idempotent', () => {
    const text = '{\n    // proxy for work\n    "editor.fontSize": 13,\n    "http.proxyStrictSSL": false,\n    "http.noProxy": ["*.githubcopilot.com", "intranet"],\n}\n';
    const r = editVsCodeSettings(text, 'http://127.0.0.1:7420', copilot);
    if (!('text' in r)) throw new Error(r.error);
    expect(r.text).toContain('    // proxy for work\n    "editor.fontSize": 13,');
    expect(readVsCodeSettings(r.text)).toEqual({ proxy: 'http://127.0.0.1:7420', strictSSL: true, systemCertificates: true, proxySupport: undefined, noProxy: ['intranet'] });
    expect(vscodeProblems(readVsCodeSettings(r.text)!, 'http://127.0.0.1:7420', copilot)).toEqual([]);
    const again = editVsCodeSettings(r.text, 'http://127.0.0.1:7420', copilot);
    expect('text' in again && again.text).toBe(r.text);
  });

  it('never rewrites a file it cannot parse', () => {
    expect(editVsCodeSettings('{ "a": ', 'http://127.0.0.1:7420', copilot)).toMatchObject({ error: expect.stringContaining('nothing was changed') });
  });
});

describe('shell blocks', () => {
  it('adds a block once, replaces it in place, and leaves the rest alone', () => {
    const one = upsertBlock('alias ll=ls\n', 'node-ca', 'export A=1');
    expect(one).toBe('alias ll=ls\n\n# >>> witness setup node-ca >>>\nexport A=1\n# <<< witness setup node-ca <<<\n');
    const two = upsertBlock(one + 'echo after\n', 'node-ca', 'export A=2');
    expect(two).toBe('alias ll=ls\n\n# >>> witness setup node-ca >>>\nexport A=2\n# <<< witness setup node-ca <<<\necho after\n');
    expect(findBlock(two, 'node-ca')!.body).toBe('export A=2\n');
    expect(findBlock(two, 'copilot-cli')).toBeNull();
  });
});

describe('NODE_EXTRA_CA_CERTS', () => {
  it('reads one file, a colon-joined list as its parts, and says which are missing', () => {
    const a = join(dir, 'a.pem');
    writeFileSync(a, '');
    expect(nodeExtraSources(a, 'linux')).toEqual([{ path: a, state: 'ok' }]);
    expect(nodeExtraSources(`${a}:${join(dir, 'b.pem')}`, 'linux')).toEqual([
      { path: a, state: 'ok' },
      { path: join(dir, 'b.pem'), state: 'missing' },
    ]);
    expect(nodeExtraSources(dir, 'linux')).toEqual([{ path: dir, state: 'not-a-file' }]);
    expect(nodeExtraSources(undefined)).toEqual([]);
  });
});

describe('certutil -L', () => {
  it('parses nicknames with spaces and their trust flags', () => {
    const out = '\nCertificate Nickname                                         Trust Attributes\n                                                             SSL,S/MIME,JAR/XPI\n\nWitness Copilot Audit CA 1a2b3c4d                            C,,  \nCorp Root                                                    CT,C,C\n';
    expect(parseCertutilList(out)).toEqual([
      { nickname: 'Witness Copilot Audit CA 1a2b3c4d', trust: 'C,,' },
      { nickname: 'Corp Root', trust: 'CT,C,C' },
    ]);
  });
});

describe('health', () => {
  it('warns about rejections after the last success only, within the window', () => {
    let now = new Date('2026-01-01T12:00:00Z');
    const log = new TlsFailureLog(50, () => now);
    expect(log.record('closed', 'api.githubcopilot.com')).toBeNull();
    log.record('reset', 'api.githubcopilot.com');
    log.record('cert-rejected', 'api.githubcopilot.com');
    const warn = healthOf(tlsSummary(log.recent(), null, now), null);
    expect(warn).toEqual({ level: 'warn', message: '2 connections from clients that do not trust the Witness CA in the last 10 min — run `witness doctor`' });
    const success = new Date('2026-01-01T12:00:01Z');
    now = new Date('2026-01-01T12:00:02Z');
    expect(healthOf(tlsSummary(log.recent(), success, now), success).level).toBe('ok');
    now = new Date('2026-01-01T12:20:00Z');
    expect(tlsSummary(log.recent(), null, now).rejectedSinceLastSuccess).toBe(0);
    expect(healthOf(tlsSummary([], null, now), null).level).toBe('idle');
  });
});

describe('setup trust on macOS and Windows', () => {
  const root: RootCert = { name: 'Witness Root', pem: '', fingerprint256: 'AA' } as RootCert;
  const plan = async (platform: NodeJS.Platform) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'witness-trust-'));
    const h = hostEnv(dataDir, { platform, home: '/home/dev', run: async () => ({ code: 0, stdout: '', stderr: '', missing: false }) });
    const r = await planSetup('trust', { h, proxy: { url: '', host: '127.0.0.1', port: 1, pacUrl: '' }, roots: [root], system: true }, []);
    rmSync(dataDir, { recursive: true, force: true });
    return r;
  };

  it('limits a Windows root to Server Authentication (the CA module command), never a plain addstore', async () => {
    const r = await plan('win32');
    const step = r.commands.find((c) => c.argv[0] === 'powershell.exe')!;
    expect(step.argv.join(' ')).toContain('Import-Certificate');
    expect(step.argv.join(' ')).toContain('0x2B,0x06,0x01,0x05,0x05,0x07,0x03,0x01'); // id-kp-serverAuth
    expect(r.commands.some((c) => c.argv.includes('-addstore'))).toBe(false);
  });

  it('trusts a macOS root for the SSL policy only', async () => {
    const r = await plan('darwin');
    const argv = r.commands.find((c) => c.argv[0] === 'security')!.argv;
    expect(argv.slice(argv.indexOf('-p'), argv.indexOf('-p') + 2)).toEqual(['-p', 'ssl']);
  });
});
