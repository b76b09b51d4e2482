/**
 * The live check: a TLS handshake to a Copilot host through the proxy, as a client would
 * make it, verified against the trust store this Node process uses (its bundled roots +
 * NODE_EXTRA_CA_CERTS). It checks verification itself (rejectUnauthorized off, then
 * `authorized`) and closes cleanly, so the probe never shows up as a rejected client.
 * Sends no request: nothing reaches GitHub, nothing is recorded.
 */
import http from 'node:http';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import type { RootCert } from '../setup/index.js';

export interface LiveResult {
  /** Tunnel + handshake happened. */
  connected: boolean;
  error: string | null;
  /** The certificate chain leads to a Witness root: the proxy decrypted this host. */
  intercepted: boolean;
  /** The chain verifies against this process's trust store. */
  authorized: boolean;
  authorizationError: string | null;
  issuer: string | null;
}

export async function liveHandshake(proxy: { host: string; port: number }, host: string, roots: RootCert[], timeoutMs = 15_000): Promise<LiveResult> {
  const fail = (error: string): LiveResult => ({ connected: false, error, intercepted: false, authorized: false, authorizationError: null, issuer: null });
  let socket: import('node:net').Socket;
  try {
    socket = await new Promise((resolve, reject) => {
      const req = http.request({ host: proxy.host, port: proxy.port, method: 'CONNECT', path: `${host}:443`, headers: { host: `${host}:443` }, timeout: timeoutMs });
      req.once('connect', (res, s) => (res.statusCode === 200 ? resolve(s) : (s.destroy(), reject(new Error(`the proxy answered CONNECT with ${res.statusCode}`)))));
      req.once('timeout', () => req.destroy(new Error('the proxy did not answer CONNECT in time')));
      req.once('error', reject);
      req.end();
    });
  } catch (e) {
    return fail((e as Error).message);
  }
  return new Promise((resolve) => {
    const t = tls.connect({ socket, servername: host, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
    const timer = setTimeout(() => {
      t.destroy();
      resolve(fail('the TLS handshake through the proxy timed out'));
    }, timeoutMs);
    t.once('error', (e) => {
      clearTimeout(timer);
      resolve(fail(`TLS through the proxy failed: ${e.message}`));
    });
    t.once('secureConnect', () => {
      clearTimeout(timer);
      const chain = peerChain(t);
      const rootsX = roots.map((r) => new X509Certificate(r.pem));
      const intercepted = chain.some((c) => rootsX.some((r) => c.fingerprint256 === r.fingerprint256 || (c.checkIssued(r) && c.verify(r.publicKey))));
      const result: LiveResult = {
        connected: true,
        error: null,
        intercepted,
        authorized: t.authorized,
        authorizationError: t.authorizationError ? String((t.authorizationError as unknown as { code?: string }).code ?? t.authorizationError) : null,
        issuer: chain[0]?.issuer.replace(/\n/g, ', ') ?? null,
      };
      t.end();
      resolve(result);
    });
  });
}

function peerChain(t: tls.TLSSocket): X509Certificate[] {
  const out: X509Certificate[] = [];
  const seen = new Set<string>();
  let c: tls.DetailedPeerCertificate | undefined = t.getPeerCertificate(true);
  while (c && c.raw && !seen.has(c.fingerprint256)) {
    seen.add(c.fingerprint256);
    out.push(new X509Certificate(c.raw));
    c = c.issuerCertificate;
  }
  return out;
}
