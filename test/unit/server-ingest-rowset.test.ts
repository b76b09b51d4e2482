// The ingest sends a batch's row set as a few JSON arrays, each a row set of the statement: in
// order, they must hold exactly the rows, cut only between rows, each piece small.
import { describe, expect, it } from 'vitest';
import { PIECE, rowSetPieces } from '../../server/ingest.js';

describe('server ingest row set pieces', () => {
  it('holds the rows in order as JSON arrays of whole rows, each under the piece size unless one row is larger', () => {
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (const count of [1, 2, 3, 50, 100, 400]) {
      const rows = Array.from({ length: count }, (_, i) => JSON.stringify({ i, body: 'x→"'.repeat(rand(i % 37 === 0 ? 30_000 : 3_000)) }));
      const pieces = rowSetPieces(rows);
      expect(pieces.map((p) => p.slice(1, -1)).join(',')).toBe(rows.join(','));
      expect(pieces.flatMap((p) => JSON.parse(p) as unknown[])).toEqual(rows.map((r) => JSON.parse(r) as unknown));
      for (const p of pieces) {
        const inner = p.slice(1, -1);
        // More than one row in a piece only when they fit.
        if (p.length > PIECE + 2) expect(rows).toContain(inner);
      }
      if (count > 1 && rows.join(',').length > 2 * PIECE) expect(pieces.length).toBeGreaterThan(1);
    }
  });
});
