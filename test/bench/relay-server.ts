/**
 * Bench child: the minimal TLS-terminating relay (relay.ts) in its own process, as bare
 * mockttp and the engine run in theirs; prints {port, caPem} as one JSON line.
 *   relay-server.ts <upstream port> <upstream CA file>
 */
import { readFileSync } from 'node:fs';
import { startRelay } from './relay.js';

const [upstreamPort, caFile] = process.argv.slice(2);
const relay = await startRelay({ upstreamPort: Number(upstreamPort), upstreamCa: readFileSync(caFile!, 'utf8') });
process.stdout.write(JSON.stringify({ port: relay.port, caPem: relay.caPem }) + '\n');
process.on('SIGTERM', () => void relay.close().then(() => process.exit(0)));
