/**
 * What a caller keeps of a stream's output must not keep the masker's look-behind buffer
 * alive: a proxy that records a response keeps every chunk it forwarded. (A V8 slice shares
 * its parent string, so releasing `buffer.slice(…)` pinned 1–3 KB per 16-character push.)
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { Masker, StreamingMasker } from '../../proxy/masking/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('streaming masking memory', () => {
  it('kept output of small pushes costs about its own size, not a look-behind buffer per push', () => {
    const source = readFileSync(new URL('../../node_modules/typescript/lib/lib.es5.d.ts', import.meta.url), 'utf8').slice(0, 200_000);
    // Own copies of the pushes, made before measuring (slices of `source` would cost nothing).
    const pushes: string[] = [];
    for (let i = 0; i < source.length; i += 16) pushes.push(Buffer.from(source.slice(i, i + 16)).toString());
    const sm = new StreamingMasker(new Masker({ key: randomBytes(32) }));
    const before = heapAfterGc();
    const kept: string[] = [];
    for (const p of pushes) kept.push(sm.push(p));
    kept.push(sm.flush());
    const grown = heapAfterGc() - before;
    expect(kept.join('')).toBe(source);
    // The pushes themselves are already counted in `before`: what is kept is ~12 500 small
    // strings (well under 2 MB); pinning a buffer per push kept > 20 MB.
    expect(grown).toBeLessThan(6 * 1024 * 1024);
  }, 120_000);
});
