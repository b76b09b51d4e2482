/**
 * Doctor's live check through the real proxy: a client that does not trust the Witness CA
 * shows up in the engine's failure counter and as a finding with its SNI and time; with the
 * CA trusted (NODE_EXTRA_CA_CERTS), the live handshake is ok and the probe itself is never
 * counted as a rejected client.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import tls from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlClient } from '../../proxy/control/index.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { connectTunnel } from '../helpers/proxy-client.js';
import { runIn, until } from './helpers.js';

let upstream: FakeUpstream;
let t: TestEngine;
let home: string;
let caFile: string;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  t = await startTestEngine(upstream);
  home = mkdtempSync(join(tmpdir(), 'witness-live-home-'));
  caFile = join(home, 'witness-ca.pem');
  writeFileSync(caFile, t.caPem);
});
afterAll(async () => {
  await t?.stop();
  await upstream?.close();
  rmSync(home, { recursive: true, force: true });
});

type Checks = Record<string, { status: string; finding: string; fix: string | null }>;
async function doctor(env: Record<string, string> = {}): Promise<Checks> {
  const r = await runIn(home, ['doctor', '--json', '--data-dir', t.dataDir], env);
  return Object.fromEntries((JSON.parse(r.stdout) as { checks: Array<{ id: string } & Checks[string]> }).checks.map((c) => [c.id, c]));
}

describe('doctor live check', () => {
  it('a client that does not trust the CA: the counter moves and doctor names its SNI and time', async () => {
    const before = t.engine.status().counters.tlsClientErrors;
    const socket = await connectTunnel(t.engine.proxyPort, 'api.business.githubcopilot.com:443');
    const code = await new Promise<string>((resolve) => {
      const c = tls.connect({ socket, servername: 'api.business.githubcopilot.com' });
      c.once('secureConnect', () => resolve('connected'));
      c.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    });
    expect(code).toMatch(/^(SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)$/);
    await until(() => t.engine.status().counters.tlsClientErrors > before);

    // `witness status` says it in words, with the SNI, instead of a green line.
    const status = await runIn(home, ['status', '--data-dir', t.dataDir]);
    expect(status.stdout).toMatch(/\nWARNING: \d+ connections? from (a client|clients) that do(es)? not trust the Witness CA in the last 10 min — run `witness doctor`\n$/);
    expect(status.stdout).toMatch(/TLS {10}\d+ failed handshake\(s\)[^\n]*\n {15}\S+Z {2}api\.business\.githubcopilot\.com {2}\w+/);
    const json = JSON.parse((await runIn(home, ['status', '--json', '--data-dir', t.dataDir])).stdout);
    expect(json.health.level).toBe('warn');
    expect(json.tls.recentFailures.at(-1)).toMatchObject({ sni: 'api.business.githubcopilot.com' });

    const checks = await doctor();
    expect(checks['tls-rejections']!.status).toBe('fail');
    expect(checks['tls-rejections']!.finding).toMatch(/TLS handshake\(s\) failed in the last 10 min: api\.business\.githubcopilot\.com at \d{4}-\d\d-\d\dT[\d:.]+Z/);
    expect(checks['tls-rejections']!.fix).toMatch(/witness setup trust .*witness setup node-ca/);
    // Doctor's own Node does not trust the CA either: intercepted, but rejected.
    expect(checks.live!.status).toBe('fail');
    expect(checks.live!.finding).toMatch(/api\.githubcopilot\.com is intercepted, but Node's trust store rejects the Witness certificate \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\)/);
    expect(checks.live!.fix).toMatch(/witness setup node-ca/);
  });

  it('with the CA trusted the live check is ok, and the probe is not counted as a failure', async () => {
    const before = t.engine.status().counters;
    const checks = await doctor({ NODE_EXTRA_CA_CERTS: caFile });
    expect(checks.live!.status).toBe('ok');
    expect(checks.live!.finding).toContain(`api.githubcopilot.com through the proxy is intercepted and verifies against Node's trust store (NODE_EXTRA_CA_CERTS=${caFile})`);
    await until(() => t.engine.status().counters.tlsHandshakesWithoutRequest > before.tlsHandshakesWithoutRequest);
    expect(t.engine.status().counters.tlsClientErrors).toBe(before.tlsClientErrors);
  });

  it('the window gets the same checks from the control API', async () => {
    const client = createControlClient({ url: t.engine.controlUrl, token: t.engine.controlToken });
    const report = await client.call('doctor', {});
    expect(report.checks.map((c) => c.id)).toEqual(['engine', 'proxy', 'ca', 'trust-nss', 'trust-system', 'node-extra-ca-certs', 'vscode', 'vscode-remote', 'proxy-env', 'tls-rejections', 'live', 'personal-plan']);
    expect(report.checks.find((c) => c.id === 'engine')!.status).toBe('ok');
  });
});
