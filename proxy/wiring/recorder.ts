/**
 * Where a sealed record goes after the stages: stamped with who (identity gate), published,
 * then appended to the audit store a moment later. Never changes what the stages assembled.
 */
import type { AuditStore } from '../audit/index.js';
import type { EventBus } from '../control-server/index.js';
import type { IdentityGate } from '../identity/index.js';
import type { Interaction } from '../model/index.js';
import type { Config } from '../config/index.js';
import type { Logger } from '../log.js';

/**
 * Publishes an interaction and appends it to the audit store; resolves once it is durable.
 * `later` schedules the append: the pipeline's (after this turn, unless an exchange is young:
 * Pipeline.later), or the next turn.
 */
export function recordAppender(w: { gate: IdentityGate; store: AuditStore; bus: EventBus; log: Logger; later?: (work: () => void) => void }) {
  const later = w.later ?? ((work: () => void) => void setImmediate(work));
  return (recorded: Interaction): Promise<void> => {
    const i = w.gate.stamp(recorded);
    w.bus.publish('interaction.completed', { ...i, user: w.store.user });
    // After this turn of the event loop: the response's last bytes and the client's next
    // request come first (and that request's answer, when it is young); the record is
    // durable a moment later.
    return new Promise((resolve, reject) =>
      later(() =>
        w.store.append(i).then(
          (r) => {
            w.bus.publish('record.stored', { id: r.id, seq: r.seq, hash: r.hash });
            resolve();
          },
          (e) => {
            w.log.error('could not store an audit record', { err: e, id: i.id });
            reject(e);
          },
        ),
      ),
    );
  };
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** audit.maxAgeDays / maxSizeMB: prunes what is past them (never what sync still needs; the store asks). */
export async function applyRetention(store: AuditStore, audit: Pick<Config['audit'], 'maxAgeDays' | 'maxSizeMB'>, log: Logger) {
  const { maxAgeDays, maxSizeMB } = audit;
  try {
    const r = await store.prune({ maxAgeMs: maxAgeDays ? maxAgeDays * DAY_MS : null, maxBytes: maxSizeMB ? maxSizeMB * 1024 * 1024 : null });
    if (r.removed) log.info('audit retention pruned old records', { removed: r.removed, upToSeq: r.upTo });
  } catch (e) {
    log.error('audit retention failed', { err: e });
  }
}
