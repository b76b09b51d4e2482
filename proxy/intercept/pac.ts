/**
 * The proxy auto-config file served at /proxy.pac: intercepted hosts go to Witness, everything
 * else DIRECT, so pointing an OS or browser at the PAC limits Witness to Copilot traffic.
 * A PAC that cannot be fetched makes clients fall back to DIRECT, i.e. around Witness, so it
 * is served on every request; caching is short and revalidated by ETag (the file changes
 * when the intercepted hosts or the port change).
 */
import { createHash } from 'node:crypto';

/** Seconds a client may use its copy before asking again (then usually a 304). */
export const PAC_MAX_AGE_SECONDS = 60;

export class PacFile {
  readonly etag: string;

  constructor(readonly body: string) {
    this.etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
  }

  /** The answer to a GET/HEAD, given the request's If-None-Match (RFC 9110 §13.1.2: weak comparison). */
  respond(ifNoneMatch: string | string[] | undefined): { statusCode: number; headers: Record<string, string>; body?: string } {
    const headers = {
      'content-type': 'application/x-ns-proxy-autoconfig',
      'cache-control': `max-age=${PAC_MAX_AGE_SECONDS}`,
      etag: this.etag,
    };
    const tags = (Array.isArray(ifNoneMatch) ? ifNoneMatch.join(',') : ifNoneMatch ?? '').split(',').map((t) => t.trim().replace(/^W\//, ''));
    if (tags.includes('*') || tags.includes(this.etag)) return { statusCode: 304, headers };
    return { statusCode: 200, headers, body: this.body };
  }
}
export function renderPac(patterns: readonly string[], proxyHost: string, proxyPort: number): string {
  const hostForPac = proxyHost.includes(':') ? `[${proxyHost}]` : proxyHost;
  const checks = patterns.map((p) => {
    const lower = p.toLowerCase();
    return lower.startsWith('*.')
      ? `dnsDomainIs(h, ${JSON.stringify(lower.slice(1))})`
      : `h === ${JSON.stringify(lower)}`;
  });
  return [
    '// Witness: send GitHub Copilot hosts through the local audit proxy; everything else goes DIRECT.',
    'function FindProxyForURL(url, host) {',
    '  var h = host.toLowerCase();',
    `  if (${checks.join(' ||\n      ')}) {`,
    `    return "PROXY ${hostForPac}:${proxyPort}";`,
    '  }',
    '  return "DIRECT";',
    '}',
    '',
  ].join('\n');
}
