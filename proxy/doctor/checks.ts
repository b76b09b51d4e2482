/**
 * The doctor's checks, each a function from what was found to a Check with its fix. The
 * facts (files, environment, engine status, the live handshake) are gathered in run.ts;
 * here is only the judgement, so each rule reads as a sentence.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Status } from '../control/index.js';
import {
  findBlock,
  fingerprints,
  nodeExtraSources,
  nssState,
  nssTrustsForTls,
  readVsCodeSettings,
  setupPaths,
  shellRcFile,
  systemBundleState,
  vscodeProblems,
  vscodeRemoteSettings,
  vscodeUserSettings,
  type HostEnv,
  type RootCert,
  type SettingsFile,
} from '../setup/index.js';
import type { LiveResult } from './live.js';
import { fail, ok, warn, type Check } from './types.js';

const DAY_MS = 86_400_000;
export const CA_WARN_DAYS = 30;

export interface CaFacts {
  roots: RootCert[];
  permittedSubtrees: string[];
  coversHosts: boolean;
}

export function checkEngine(status: Status | null, why: string | null): Check {
  if (status) return ok('engine', `running (pid ${status.pid}, since ${status.startedAt})`);
  return fail('engine', `not running: ${why ?? 'no engine for this data dir'}`, 'witness start --background');
}

export function checkProxy(status: Status | null, pac: { ok: boolean; detail: string } | null): Check {
  if (!status) return warn('proxy', 'not checked: the engine is not running', null);
  if (pac?.ok) return ok('proxy', `${status.proxy.url} answers (PAC file served)`);
  return fail('proxy', `${status.proxy.url} does not answer: ${pac?.detail ?? 'no answer'}`, 'witness stop; witness start --background (check the log in the data dir)');
}

export function checkCa(ca: CaFacts | null, now: Date): Check {
  if (!ca || ca.roots.length === 0) return fail('ca', 'no Witness CA in this data dir yet', 'witness ca cert > witness-ca.pem (creates it), or witness start');
  const root = ca.roots[0]!;
  const days = Math.floor((root.notAfter.getTime() - now.getTime()) / DAY_MS);
  if (days < 0) return fail('ca', `the Witness CA expired on ${root.notAfter.toISOString().slice(0, 10)}`, 'restart Witness (it creates a new CA), then witness setup trust && witness setup node-ca');
  if (!ca.coversHosts) return fail('ca', `the CA's name constraints (${ca.permittedSubtrees.join(', ')}) do not cover the intercepted hosts`, 'restart Witness (it replaces the CA), then trust the new one: witness setup trust');
  const what = `SHA-256 ${root.fingerprint256.slice(0, 23)}…, valid until ${root.notAfter.toISOString().slice(0, 10)}, only for ${ca.permittedSubtrees.join(', ')}`;
  if (days < CA_WARN_DAYS) {
    return ca.roots.length > 1
      ? warn('ca', `expires in ${days} days; the next CA is published: ${what}`, 'witness setup trust && witness setup node-ca (trusts the next CA too), then witness ca activate-next')
      : warn('ca', `expires in ${days} days: ${what}`, 'restart Witness to create the next CA, then witness setup trust');
  }
  return ok('ca', what);
}

export async function checkNss(h: HostEnv, roots: RootCert[], vscodeInstalled: boolean): Promise<Check> {
  if (h.platform !== 'linux') return ok('trust-nss', `not used on ${h.platform}`);
  if (!roots.length) return warn('trust-nss', 'not checked: no CA yet', null);
  const s = await nssState(h, roots);
  const level = vscodeInstalled ? fail : warn; // VS Code (Chromium) verifies with NSS on Linux
  if (s.kind === 'no-certutil') return warn('trust-nss', 'certutil is not installed, so the NSS database cannot be checked', 'sudo apt install libnss3-tools (Fedora: nss-tools), then witness doctor');
  if (s.kind === 'no-db') return level('trust-nss', `no NSS database at ${s.dir} (Chromium-based clients such as VS Code read it)`, 'witness setup trust', 'trust');
  const missing = s.roots.filter((r) => !nssTrustsForTls(r.trust));
  if (missing.length) {
    const r = missing[0]!;
    return level('trust-nss', `${s.dir}: ${r.root.name} is ${r.trust === null ? 'not in the database' : `present with trust "${r.trust}" (not a TLS CA)`}`, 'witness setup trust', 'trust');
  }
  return ok('trust-nss', `${s.dir} trusts the Witness CA for TLS servers only ("C,,")`);
}

export function checkSystemStore(h: HostEnv, roots: RootCert[]): Check {
  if (!roots.length) return warn('trust-system', 'not checked: no CA yet', null);
  if (h.platform !== 'linux') return warn('trust-system', `the ${h.platform === 'darwin' ? 'macOS keychain' : 'Windows certificate store'} is not checked from here`, 'witness setup trust --system (installs it for TLS servers only)', 'trust');
  const s = systemBundleState(h, roots);
  if (!s) return ok('trust-system', 'no system CA bundle on this machine (nothing to check)');
  if (s.has[0]) return ok('trust-system', `${s.file} contains the Witness CA`);
  return warn('trust-system', `${s.file} does not contain the Witness CA (VS Code with http.systemCertificates, curl and git read it)`, 'witness setup trust (prints the sudo lines), or sudo witness setup trust --system', 'trust');
}

export function checkNodeExtra(h: HostEnv, roots: RootCert[]): Check {
  const value = h.env.NODE_EXTRA_CA_CERTS;
  const rc = shellRcFile(h);
  const rcText = existsSync(rc.file) ? readFileSync(rc.file, 'utf8') : '';
  const fix = 'witness setup node-ca, then open a new shell';
  if (!value) {
    if (findBlock(rcText, 'node-ca')) return warn('node-extra-ca-certs', `not set in this shell, but ${rc.file} exports it: this shell started before \`witness setup node-ca\``, `open a new shell (or: source ${rc.file})`, 'node-ca');
    if (findBlock(rcText, 'copilot-cli')) return ok('node-extra-ca-certs', 'not set globally; the `copilot` wrapper from `witness setup copilot-cli` sets it for the Copilot CLI');
    return warn('node-extra-ca-certs', 'not set: Node-based clients (Copilot CLI, language servers) started from this shell do not trust the Witness CA', fix, 'node-ca');
  }
  const sources = nodeExtraSources(value, h.platform);
  if (sources.length > 1) return fail('node-extra-ca-certs', `holds ${sources.length} paths joined together (${value}); Node reads exactly one file and ignores this`, `${fix} (it merges them into one bundle)`, 'node-ca');
  const s = sources[0]!;
  if (s.state === 'missing') return fail('node-extra-ca-certs', `points to ${s.path}, which does not exist (Node ignores it with a warning)`, fix, 'node-ca');
  if (s.state !== 'ok') return fail('node-extra-ca-certs', `points to ${s.path}, which is ${s.state === 'not-a-file' ? 'not a file' : 'unreadable'}`, fix, 'node-ca');
  if (!roots.length) return warn('node-extra-ca-certs', `${s.path}: not checked (no CA yet)`, null);
  const have = fingerprints(readFileSync(s.path, 'utf8'));
  if (!have.has(roots[0]!.fingerprint256)) {
    const stale = s.path === setupPaths(h.dataDir).nodeBundle ? ' (the CA changed since `witness setup node-ca`)' : '';
    return fail('node-extra-ca-certs', `${s.path} does not contain the current Witness CA${stale}`, fix, 'node-ca');
  }
  return ok('node-extra-ca-certs', `${s.path} contains the Witness CA${have.size > 1 ? ` and ${have.size - 1} other certificate(s)` : ''}`);
}

function vscodeCheck(id: string, files: SettingsFile[], proxyUrl: string, isCopilotHost: (h: string) => boolean, none: string): Check {
  if (!files.length) return ok(id, none);
  const bad: string[] = [];
  for (const f of files) {
    if (!existsSync(f.file)) {
      bad.push(`${f.file}: no settings file yet (http.proxy not set)`);
      continue;
    }
    const view = readVsCodeSettings(readFileSync(f.file, 'utf8'));
    if (!view) {
      bad.push(`${f.file}: not valid JSON with comments`);
      continue;
    }
    const problems = vscodeProblems(view, proxyUrl, isCopilotHost);
    if (problems.length) bad.push(`${f.file}: ${problems.join('; ')}`);
  }
  if (bad.length) return fail(id, bad.join(' | '), 'witness setup vscode', 'vscode');
  return ok(id, `${files.map((f) => f.label).join(', ')}: http.proxy ${proxyUrl}, strict SSL and system certificates on`);
}

export function checkVsCode(h: HostEnv, proxyUrl: string, isCopilotHost: (h: string) => boolean): Check[] {
  return [
    vscodeCheck('vscode', vscodeUserSettings(h), proxyUrl, isCopilotHost, 'VS Code is not installed for this user (nothing to check)'),
    vscodeCheck('vscode-remote', vscodeRemoteSettings(h), proxyUrl, isCopilotHost, 'no VS Code server (Remote/WSL) on this machine (nothing to check)'),
  ];
}

export function checkProxyEnv(h: HostEnv, proxyUrl: string, isCopilotHost: (h: string) => boolean): Check {
  const e = h.env;
  if (e.NODE_TLS_REJECT_UNAUTHORIZED === '0') {
    return fail('proxy-env', 'NODE_TLS_REJECT_UNAUTHORIZED=0 turns TLS verification off for every Node program (anyone can then read Copilot traffic)', 'unset NODE_TLS_REJECT_UNAUTHORIZED and trust the Witness CA instead: witness setup node-ca', 'node-ca');
  }
  const noProxy = (e.NO_PROXY ?? e.no_proxy ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const bypass = noProxy.find((n) => n === '*' || isCopilotHost(n.replace(/^\*?\./, 'x.')));
  if (bypass) return fail('proxy-env', `NO_PROXY contains "${bypass}": Copilot traffic from this shell bypasses Witness`, 'remove Copilot hosts from NO_PROXY / no_proxy');
  const https = e.HTTPS_PROXY ?? e.https_proxy;
  const norm = (u: string) => u.replace(/\/+$/, '');
  if (https && norm(https) === norm(proxyUrl)) return ok('proxy-env', `HTTPS_PROXY points at Witness (${proxyUrl})`);
  if (https) return warn('proxy-env', `HTTPS_PROXY is ${https}, not Witness (${proxyUrl}): the Copilot CLI from this shell goes around it`, 'witness setup copilot-cli (a `copilot` wrapper), or point HTTPS_PROXY at Witness', 'copilot-cli');
  const rc = shellRcFile(h);
  const block = existsSync(rc.file) ? findBlock(readFileSync(rc.file, 'utf8'), 'copilot-cli') : null;
  if (block && block.body.includes(proxyUrl)) return ok('proxy-env', `the \`copilot\` wrapper in ${rc.file} sends the Copilot CLI through ${proxyUrl}`);
  if (block) return warn('proxy-env', `the \`copilot\` wrapper in ${rc.file} points at another proxy address`, 'witness setup copilot-cli', 'copilot-cli');
  return warn('proxy-env', 'no proxy variables for the Copilot CLI (HTTPS_PROXY unset, no `copilot` wrapper)', 'witness setup copilot-cli', 'copilot-cli');
}

export function checkRejections(status: Status | null, now: Date): Check {
  if (!status) return warn('tls-rejections', 'not checked: the engine is not running', null);
  const windowMs = status.tls.windowMinutes * 60_000;
  const recent = status.tls.recentFailures.filter((f) => now.getTime() - Date.parse(f.time) <= windowMs);
  if (!recent.length) return ok('tls-rejections', `no client rejected the Witness CA in the last ${status.tls.windowMinutes} min`);
  const list = recent
    .slice(-3)
    .reverse()
    .map((f) => `${f.sni ?? '(no SNI)'} at ${f.time} (${f.cause})`)
    .join(', ');
  const what = `${recent.length} TLS handshake(s) failed in the last ${status.tls.windowMinutes} min: ${list}`;
  const fix = 'the client that connected does not trust the Witness CA: witness setup trust (VS Code, browsers) and witness setup node-ca (Copilot CLI), then restart it; see docs/troubleshooting.md';
  return status.tls.rejectedSinceLastSuccess > 0 ? fail('tls-rejections', what, fix, 'trust') : warn('tls-rejections', `${what}; a request succeeded since`, fix, 'trust');
}

export function checkLive(status: Status | null, host: string, live: LiveResult | null, extraCa: string | undefined): Check {
  if (!status || !live) return warn('live', 'not checked: the engine is not running', null);
  if (!live.connected) return fail('live', `${host} through ${status.proxy.url}: ${live.error}`, 'witness status; restart Witness if the proxy does not answer');
  if (!live.intercepted) return fail('live', `${host} through the proxy was not intercepted (certificate from ${live.issuer ?? 'unknown'})`, 'check intercept.hosts in the config and policy (witness policy show)');
  if (!live.authorized) {
    return fail(
      'live',
      `${host} is intercepted, but Node's trust store rejects the Witness certificate (${live.authorizationError ?? 'untrusted'}): Node-based clients fail the same way`,
      'witness setup node-ca, then open a new shell',
      'node-ca',
    );
  }
  return ok('live', `${host} through the proxy is intercepted and verifies against Node's trust store${extraCa ? ` (NODE_EXTRA_CA_CERTS=${extraCa})` : ''}`);
}

export function checkPersonalPlan(allowedPlans: readonly string[], individualIntercepted: boolean, policyFile: string): Check {
  if (!individualIntercepted) {
    return warn('personal-plan', 'personal-plan hosts (*.individual.githubcopilot.com) are not intercepted: that traffic goes around Witness unaudited', 'add "*.githubcopilot.com" to intercept.hosts (config or policy)');
  }
  if (allowedPlans.includes('individual')) {
    return warn('personal-plan', 'the personal (individual) Copilot plan is allowed: company code may go to a personal account', `block it: {"plans": {"allowed": ["business", "enterprise"]}} in ${policyFile} (or the IT-managed policy)`);
  }
  return ok('personal-plan', `personal-plan hosts are blocked by policy (allowed: ${allowedPlans.join(', ') || 'none'})`);
}
