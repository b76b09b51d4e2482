// The ingest sends a batch's row set as a few text pieces that the statement joins again: joined,
// they must be exactly the one JSON array, cut only between rows, each piece small.
import { describe, expect, it } from 'vitest';
import { PIECE, rowSetPieces } from '../../server/ingest.js';

describe('server ingest row set pieces', () => {
  it('joins back to the JSON array of the rows, whole rows per piece, each under the piece size unless one row is larger', () => {
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (const count of [1, 2, 3, 50, 100, 400]) {
      const rows = Array.from({ length: count }, (_, i) => JSON.stringify({ i, body: 'x→"'.repeat(rand(i % 37 === 0 ? 30_000 : 3_000)) }));
      const pieces = rowSetPieces(rows);
      expect(pieces.join('')).toBe(JSON.stringify(rows.map((r) => JSON.parse(r) as unknown)));
      expect(JSON.parse(pieces.join(''))).toHaveLength(count);
      for (const p of pieces) {
        const inner = p.replace(/^[[,]/, '').replace(/\]$/, '');
        // More than one row in a piece only when they fit.
        if (p.length > PIECE + 2) expect(rows).toContain(inner);
      }
      if (count > 1 && rows.join(',').length > 2 * PIECE) expect(pieces.length).toBeGreaterThan(1);
    }
  });
});
