/**
 * A device in a child process for kill tests: opens an audit store in DATA_DIR, appends
 * APPEND records, runs the real SyncService against SERVER (pinned keys in KEYS, the user's
 * access token in TOKEN) and prints one JSON line per receipt, then {"idle": …} when
 * everything is receipted. Killed with SIGKILL by the test at any point.
 */
import { AuditStore } from '../../proxy/audit/index.js';
import { silentLogger } from '../../proxy/log.js';
import { SyncService } from '../../proxy/sync/index.js';
import { interaction } from './interactions.js';

const env = process.env;
const store = await AuditStore.open({ dataDir: env.DATA_DIR!, device: 'dev-killed', user: 'alice' });
for (let i = 0; i < Number(env.APPEND ?? 0); i++) await store.append(interaction({ prompt: `record ${i}` }));
const sync = new SyncService({
  store,
  dataDir: env.DATA_DIR!,
  server: env.SERVER!,
  serverKeys: env.KEYS!,
  accessToken: () => env.TOKEN!,
  log: silentLogger,
  batchSize: 10,
  baseBackoffMs: 50,
  onReceipt: (r) => process.stdout.write(JSON.stringify({ receipt: r.seq }) + '\n'),
});
for (;;) {
  const s = await sync.flush();
  if (s.waiting === 0 && s.lastError === null) break;
  if (s.lastError) process.stderr.write(s.lastError + '\n');
  await new Promise((r) => setTimeout(r, 100));
}
process.stdout.write(JSON.stringify({ idle: sync.status() }) + '\n');
await sync.stop();
await store.close();
