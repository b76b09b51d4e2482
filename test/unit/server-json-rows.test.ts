/** The ingest row set sent to PostgreSQL as bytes: exactly the UTF-8 of JSON.stringify(rows). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonRows } from '../../server/db.js';

describe('jsonRows', () => {
  it('is the UTF-8 of JSON.stringify(rows), for any rows (unicode, lone surrogates, nested JSON text, empty)', () => {
    const row = fc.dictionary(fc.string({ unit: 'binary' }), fc.oneof(fc.string({ unit: 'binary' }), fc.double(), fc.boolean(), fc.constant(null), fc.jsonValue().map((v) => JSON.stringify(v))));
    fc.assert(
      fc.property(fc.array(row, { maxLength: 20 }), (rows) => {
        expect(jsonRows(rows).equals(Buffer.from(JSON.stringify(rows), 'utf8'))).toBe(true);
      }),
      { numRuns: 2000, seed: 15 },
    );
    expect(jsonRows([]).toString()).toBe('[]');
  });
});
