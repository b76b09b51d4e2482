/**
 * A Bloom filter over the index's body and list-node keys: most hashes seen at append time
 * are new, and "definitely not stored" from a bit array saves a lookup in the index (which
 * at 100k records means pages copied out of sql.js's file system). "Maybe stored" falls
 * back to the index, so a false positive costs a lookup and never a wrong answer.
 * 2^23 bits (1 MiB), 6 probes by double hashing over the two independent 52-bit keys.
 */
const BITS = 1 << 23;
const PROBES = 6;

export class KeyFilter {
  constructor(readonly bits: Uint8Array = new Uint8Array(BITS / 8)) {
    if (bits.length !== BITS / 8) throw new Error('key filter has the wrong size');
  }

  /** Lists use the keys swapped, so the two tables share one array. */
  private *positions(table: 'blobs' | 'lists', k: number, k2: number): Generator<number> {
    // Reduced first, so every product stays far below 2^53.
    const [a, b] = table === 'blobs' ? [k % BITS, (k2 % BITS) | 1] : [k2 % BITS, (k % BITS) | 1];
    for (let i = 0; i < PROBES; i++) yield (a + i * b) % BITS;
  }

  add(table: 'blobs' | 'lists', k: number, k2: number): void {
    for (const p of this.positions(table, k, k2)) this.bits[p >>> 3]! |= 1 << (p & 7);
  }

  mightHave(table: 'blobs' | 'lists', k: number, k2: number): boolean {
    for (const p of this.positions(table, k, k2)) if ((this.bits[p >>> 3]! & (1 << (p & 7))) === 0) return false;
    return true;
  }
}
