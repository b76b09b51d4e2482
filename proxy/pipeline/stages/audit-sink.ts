/**
 * Audit sink: hands each sealed record to the store (through the engine, which stamps the
 * policy version in force). Never changes the record.
 */
import type { Interaction } from '../../model/index.js';
import type { Stage } from '../flow.js';

export function auditSink(opts: { append(record: Interaction): void }): Stage {
  return {
    name: 'audit-sink',
    recorded: (record) => opts.append(record),
  };
}
