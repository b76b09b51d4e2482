/**
 * Issue 20: through the real proxy, a client that trusts only the Witness root gets a leaf
 * and the issuing CA (the chain it cannot build alone), and verifies them.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { tlsThroughProxy } from '../helpers/proxy-client.js';
import { opensslVerify } from '../helpers/forge.js';

let upstream: FakeUpstream;
let t: TestEngine;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  t = await startTestEngine(upstream);
});
afterAll(async () => {
  await t?.stop();
  await upstream?.close();
});

describe('the chain the proxy sends', () => {
  it('is leaf → issuing CA, and a Node TLS client trusting only the root accepts it', async () => {
    const root = t.engine.caState.active;
    expect(root.singleLevel).toBe(false);
    expect(t.caPem).toBe(root.certPem); // the helper's trust anchor: the root alone
    const socket = await tlsThroughProxy(t.engine.proxyPort, 'api.githubcopilot.com', 443, { ca: root.certPem });
    try {
      expect(socket.authorized).toBe(true);
      const leaf = socket.getPeerCertificate(true);
      expect(leaf.subjectaltname).toBe('DNS:api.githubcopilot.com');
      const sentIssuing = leaf.issuerCertificate;
      expect(sentIssuing.fingerprint256).toBe(new X509Certificate(root.issuing.certPem).fingerprint256);
      expect(sentIssuing.issuerCertificate.fingerprint256).toBe(new X509Certificate(root.certPem).fingerprint256);
      expect(sentIssuing.issuerCertificate.issuerCertificate).toBe(sentIssuing.issuerCertificate); // the self-signed root ends it
    } finally {
      socket.destroy();
    }
  });

  it('is what `openssl s_client -showcerts` through the proxy receives: two certificates that verify against the root', async () => {
    const rootFile = join(t.dataDir, 'root-only.pem');
    writeFileSync(rootFile, t.engine.caState.active.certPem);
    const out = await new Promise<string>((resolve, reject) => {
      const child = execFile(
        'openssl',
        ['s_client', '-proxy', `127.0.0.1:${t.engine.proxyPort}`, '-connect', 'api.githubcopilot.com:443', '-servername', 'api.githubcopilot.com',
          '-verify_hostname', 'api.githubcopilot.com', '-CAfile', rootFile, '-verify_return_error', '-showcerts'],
        { timeout: 60_000 },
        (err, stdout, stderr) => (err && !stdout ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout + stderr)),
      );
      child.stdin!.end('Q\n');
    });
    expect(out).toMatch(/Verify return code: 0 \(ok\)/);
    const sent = [...out.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g)].map((m) => m[0]);
    expect(sent).toHaveLength(2);
    expect(new X509Certificate(sent[1]!).fingerprint256).toBe(new X509Certificate(t.engine.caState.active.issuing.certPem).fingerprint256);
    expect(opensslVerify(sent[0]!, { trusted: t.engine.caState.active.certPem, untrusted: sent[1]! }, { purpose: 'sslserver', hostname: 'api.githubcopilot.com' })).toMatchObject({ ok: true });
  });
});
