/** Bench child: runs the fake Copilot upstream and prints {port, caFile} as one JSON line. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeUpstream } from '../helpers/fake-upstream.js';

const dir = process.argv[2]!;
// The bench reads no request back: bodies are neither decoded nor kept.
const up = await startFakeUpstream(undefined, { keepBodies: false });
const caFile = join(dir, 'upstream-ca.pem');
writeFileSync(caFile, up.root.certPem);
process.stdout.write(JSON.stringify({ port: up.port, caFile }) + '\n');
process.on('SIGTERM', () => void up.close().then(() => process.exit(0)));
