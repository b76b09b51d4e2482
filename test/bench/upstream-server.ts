/** Bench child: runs the fake Copilot upstream and prints {port, caFile} as one JSON line. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeUpstream } from '../helpers/fake-upstream.js';
import { applyPriority, parsePriority } from './proc.js';

const dir = process.argv[2]!;
// WITNESS_BENCH_CLIENT_PRIORITY (paired.ts): the upstream runs at the clients' priority throughout.
const priority = parsePriority(process.env.WITNESS_BENCH_CLIENT_PRIORITY);
if (priority) applyPriority(process.pid, priority);
// The bench reads no request back: bodies are neither decoded nor kept.
const up = await startFakeUpstream(undefined, { keepBodies: false });
const caFile = join(dir, 'upstream-ca.pem');
writeFileSync(caFile, up.root.certPem);
process.stdout.write(JSON.stringify({ port: up.port, caFile }) + '\n');
process.on('SIGTERM', () => void up.close().then(() => process.exit(0)));
