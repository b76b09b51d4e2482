/**
 * Sync: after the audit sink, tells the central server sync that a record is stored, so it
 * sends a batch when one is full or after its flush delay. The store is sync's outbox: this
 * stage hands nothing on itself and never changes the record.
 */
import type { Stage } from '../flow.js';

export function syncStage(sync: { kick(): void }): Stage {
  return {
    name: 'sync',
    recorded: () => {
      sync.kick();
    },
  };
}
