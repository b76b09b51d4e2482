/**
 * Bench child: bare mockttp passthrough with the same interception scope, the baseline the
 * engine is measured against ("intercepted ≤ +0.5 ms p50 over bare mockttp passthrough").
 * Upstream trust comes from NODE_EXTRA_CA_CERTS (set by the parent), not additionalTrustedCAs.
 */
import { readFileSync } from 'node:fs';
import { getLocal } from 'mockttp';

const [certFile, keyFile, upstreamPort] = process.argv.slice(2);
const server = getLocal({
  https: { cert: readFileSync(certFile!, 'utf8'), key: readFileSync(keyFile!, 'utf8'), tlsInterceptOnly: [{ hostname: '*.githubcopilot.com' }] },
  recordTraffic: false,
  maxBodySize: 64 * 1024,
});
await server.start(0);
await server.forAnyRequest().thenPassThrough({ transformRequest: { replaceHost: { targetHost: `127.0.0.1:${upstreamPort}`, updateHostHeader: false } } });
await server.on('response', () => {});
process.stdout.write(JSON.stringify({ port: server.port }) + '\n');
process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
