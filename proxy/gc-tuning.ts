/**
 * V8 tuning for the long-running engine process. Audit appends wait on disk syncs, so the
 * event loop looks idle often; V8 then keeps starting incremental-marking tasks, and each
 * finishes with a full mark-compact pause of 3–8 ms, about 50 per 4,000 records. That pause
 * sits on the audit append latency (p99 9.5 ms → 4.3 ms without it; `npm run bench --
 * audit`) and on the proxy's. Marking still runs, driven by allocation instead.
 * Set once by `witness start` (and by the bench that measures it), before heavy work; the
 * Electron shell passes the same flag with `js-flags`.
 */
import { setFlagsFromString } from 'node:v8';

export const ENGINE_V8_FLAGS = '--no-incremental-marking-task';

export function tuneGarbageCollector(): void {
  try {
    setFlagsFromString(ENGINE_V8_FLAGS);
  } catch {
    // An engine without this flag still works; it only pauses a little more.
  }
}
