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

  add(table: 'blobs' | 'lists', k: number, k2: number): void {
    // Lists use the keys swapped, so the two tables share one array. Reduced first, so
    // every product stays far below 2^53. (Plain loops: this runs a dozen times per append.)
    const a = (table === 'blobs' ? k : k2) % BITS;
    const b = ((table === 'blobs' ? k2 : k) % BITS) | 1;
    for (let i = 0; i < PROBES; i++) {
      const p = (a + i * b) % BITS;
      this.bits[p >>> 3]! |= 1 << (p & 7);
    }
  }

  mightHave(table: 'blobs' | 'lists', k: number, k2: number): boolean {
    const a = (table === 'blobs' ? k : k2) % BITS;
    const b = ((table === 'blobs' ? k2 : k) % BITS) | 1;
    for (let i = 0; i < PROBES; i++) {
      const p = (a + i * b) % BITS;
      if ((this.bits[p >>> 3]! & (1 << (p & 7))) === 0) return false;
    }
    return true;
  }
}
