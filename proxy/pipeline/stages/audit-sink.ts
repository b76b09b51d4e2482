/**
 * Audit sink: hands each sealed record to the store (through the engine, which stamps the
 * policy version in force). Never changes the record. When `append` returns a promise (the
 * record is durable when it settles), later `recorded` hooks wait for it: sync sends only
 * what the store holds.
 */
import type { Interaction } from '../../model/index.js';
import type { Stage } from '../flow.js';

export function auditSink(opts: { append(record: Interaction): unknown }): Stage {
  return {
    name: 'audit-sink',
    recorded: (record) => {
      const stored = opts.append(record);
      return stored instanceof Promise ? stored.then(() => undefined) : undefined;
    },
  };
}
