/**
 * A spawned engine that has already served one exchange and stored its record, for tests
 * that measure what the engine grows by: `baseline` is its RSS then, so growth measured
 * from it is the data path's, not start-up's.
 */
import { requestViaProxy } from '../../helpers/proxy-client.js';
import type { FakeUpstream } from '../../helpers/fake-upstream.js';
import { watchRecords, type RecordWatch } from './records.js';
import { spawnEngine, type SpawnedEngine } from './spawned-engine.js';

export interface WarmedEngine {
  engine: SpawnedEngine;
  watch: RecordWatch;
  baseline: number;
}

export async function warmedEngine(upstream: FakeUpstream, config: Record<string, unknown> = {}): Promise<WarmedEngine> {
  const engine = await spawnEngine(upstream, config);
  const watch = await watchRecords(engine.control);
  const warm = await requestViaProxy({ proxyPort: engine.proxyPort, host: 'api.githubcopilot.com', path: '/chat/completions?echo=1', method: 'POST', body: '{"messages":[]}', headers: { 'content-type': 'application/json' }, ca: engine.caPem });
  if (warm.status !== 200) throw new Error(`the warm-up exchange answered HTTP ${warm.status}`);
  await watch.records(1);
  return { engine, watch, baseline: engine.memory().rss };
}

/** Stops what `warmedEngine` started (whatever of it did start). */
export async function stopWarmed(w: Partial<WarmedEngine>): Promise<void> {
  w.watch?.close();
  await w.engine?.stop();
}
