/**
 * `witness doctor`: gathers the facts (the engine's status, the CA, client settings, trust
 * stores, this process's environment, a live handshake through the proxy) and runs every
 * check. Used by the CLI and by the engine for the window's Setup view. Changes nothing.
 */
import http from 'node:http';
import { join } from 'node:path';
import { readCaCertificates, subtreesCover } from '../ca/index.js';
import { dataPaths } from '../config/index.js';
import type { Status } from '../control/index.js';
import { HostMatcher } from '../intercept/index.js';
import { readManagedPolicy, resolvePolicy } from '../policy/index.js';
import { rootCert, vscodeUserSettings, type HostEnv, type RootCert } from '../setup/index.js';
import {
  checkCa,
  checkEngine,
  checkLive,
  checkNodeExtra,
  checkNss,
  checkPersonalPlan,
  checkProxy,
  checkProxyEnv,
  checkRejections,
  checkSystemStore,
  checkVsCode,
  type CaFacts,
} from './checks.js';
import { liveHandshake } from './live.js';
import { fail, type Check } from './types.js';

export interface DoctorOptions {
  h: HostEnv;
  engine: { status: Status | null; why: string | null };
  /** The intercepted host patterns (the engine's, else the config's). */
  interceptHosts: string[];
  /** The proxy URL clients should use (the engine's, else the configured one). */
  proxyUrl: string;
  now?: () => Date;
}

export interface DoctorReport {
  ok: boolean;
  time: string;
  dataDir: string;
  checks: Check[];
}

export function caFacts(dataDir: string, hosts: readonly string[]): CaFacts | null {
  const { current, next } = readCaCertificates(dataPaths(dataDir).caDir);
  if (!current) return null;
  const roots: RootCert[] = [rootCert(current.certPem), ...(next ? [rootCert(next.certPem)] : [])];
  return { roots, permittedSubtrees: current.permittedSubtrees, coversHosts: subtreesCover(current.permittedSubtrees, hosts) };
}

/** The host the live check asks for: api.githubcopilot.com when intercepted, else the first intercepted name. */
export function liveHost(hosts: readonly string[]): string {
  if (new HostMatcher(hosts).matches('api.githubcopilot.com')) return 'api.githubcopilot.com';
  const exact = hosts.find((h) => !h.startsWith('*.'));
  return exact ?? `api.${hosts[0]?.slice(2) ?? 'githubcopilot.com'}`;
}

function getPac(url: string): Promise<{ ok: boolean; detail: string }> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ ok: res.statusCode === 200, detail: `GET ${url} answered ${res.statusCode}` }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (e) => resolve({ ok: false, detail: `GET ${url}: ${e.message}` }));
  });
}

export async function runDoctor(o: DoctorOptions): Promise<DoctorReport> {
  const now = (o.now ?? (() => new Date()))();
  const { h } = o;
  const status = o.engine.status;
  const isCopilotHost = (name: string) => new HostMatcher(o.interceptHosts).matches(name);
  const checks: Check[] = [];
  checks.push(checkEngine(status, o.engine.why));
  checks.push(checkProxy(status, status ? await getPac(status.proxy.pacUrl) : null));
  let ca: CaFacts | null = null;
  try {
    ca = caFacts(h.dataDir, o.interceptHosts);
    checks.push(checkCa(ca, now));
  } catch (e) {
    checks.push(fail('ca', `the CA in ${dataPaths(h.dataDir).caDir} is unreadable: ${(e as Error).message}`, 'restore the ca folder from a backup, or move it away and restart Witness (clients must trust the new CA)'));
  }
  const roots = ca?.roots ?? [];
  checks.push(await checkNss(h, roots, vscodeUserSettings(h).length > 0));
  checks.push(checkSystemStore(h, roots));
  checks.push(checkNodeExtra(h, roots));
  checks.push(...checkVsCode(h, o.proxyUrl, isCopilotHost));
  checks.push(checkProxyEnv(h, o.proxyUrl, isCopilotHost));
  checks.push(checkRejections(status, now));
  const host = liveHost(o.interceptHosts);
  const live = status && roots.length ? await liveHandshake({ host: status.proxy.host, port: status.proxy.port }, host, roots) : null;
  checks.push(checkLive(status, host, live, h.env.NODE_EXTRA_CA_CERTS));
  const userPolicy = join(h.dataDir, 'policy.json');
  try {
    const eff = resolvePolicy({ userFile: userPolicy, managed: readManagedPolicy() });
    checks.push(checkPersonalPlan(eff.policy.plans.allowed, isCopilotHost('api.individual.githubcopilot.com'), userPolicy));
  } catch (e) {
    checks.push(fail('personal-plan', `the policy cannot be read: ${(e as Error).message.split('\n')[0]}`, `witness policy check ${userPolicy}`));
  }
  return { ok: checks.every((c) => c.status !== 'fail'), time: now.toISOString(), dataDir: h.dataDir, checks };
}
