/**
 * The "is any keyword here" checks (KeywordIndex.occursIn / occursInBytes, and the masker's
 * mightContainSecret / mightContainSecretJoined built on them) read UTF-8 bytes with four
 * interleaved automaton walks and stop at the first occurrence. They must give exactly the
 * answer of the plain scan (scan() marks something), which stays the reference: on random
 * texts salted with keywords in random case at random places, around the points where the
 * walks meet, across the joins of SSE event data, with non-ASCII text and "\u".
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALL_DETECTORS } from '../../proxy/masking/detectors/index.js';
import { SCAN_BYTES_FROM, useWasmWalk } from '../../proxy/masking/byte-scan.js';
import { Hits, joinedUtf8, KeywordIndex } from '../../proxy/masking/keywords.js';
import { Masker } from '../../proxy/masking/masker.js';
import { prefilterFor, sortHitsByStart } from '../../proxy/masking/scan.js';

const index: KeywordIndex = prefilterFor(ALL_DETECTORS).index;
const masker = new Masker({ key: Buffer.alloc(32, 7) });

/** The reference: the full scan marks some keyword. */
function scanned(text: string): boolean {
  const present = new Uint8Array(index.size);
  index.scan(text, present);
  return present.includes(1);
}

/** What mightContainSecret answered before the byte walk: "\u", or a keyword by the full scan. */
const reference = (text: string) => text.includes('\\u') || scanned(text);

/** Characters in no keyword (ASCII and not), so filler made of them holds none. */
const FILLER = ['x', 'z', '#', '{', '}', '[', ']', '0', '7', ',', '(', ')', '\n', '\\', 'é', 'ß', '中', 'İ', 'K', '😀', '\ud800', '\udc00', 'ǅ'];

const randomCase = (s: string, bits: number) => [...s].map((ch, i) => ((bits >> i % 30) & 1 ? ch.toUpperCase() : ch)).join('');

/** A piece of text: filler, a keyword in random case, or a keyword cut short or with a character changed (near misses). */
const piece = fc.oneof(
  { weight: 6, arbitrary: fc.array(fc.constantFrom(...FILLER), { minLength: 1, maxLength: 40 }).map((xs) => xs.join('')) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...index.keywords), fc.nat()).map(([k, bits]) => randomCase(k, bits)) },
  {
    weight: 3,
    arbitrary: fc.tuple(fc.constantFrom(...index.keywords), fc.nat(), fc.nat()).map(([k, bits, cut]) => randomCase(k.slice(0, 1 + (cut % k.length)), bits).slice(0, -1)),
  },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...index.keywords), fc.nat(), fc.constantFrom(...FILLER)).map(([k, at, f]) => k.slice(0, at % k.length) + f + k.slice((at % k.length) + 1)) },
  { weight: 1, arbitrary: fc.constantFrom('\\u', '\\U', '\\', 'u', '\\\\u00', '\u00e9', '\u212a') },
);
const textArb = fc.array(piece, { minLength: 0, maxLength: 30 }).map((xs) => xs.join(''));

describe('keyword occurrence checks', () => {
  it('equal the full scan on generated text (property)', () => {
    let hits = 0;
    let runs = 0;
    fc.assert(
      fc.property(textArb, (text) => {
        const want = scanned(text);
        runs++;
        if (want) hits++;
        expect(index.occursIn(text)).toBe(want);
        const bytes = Buffer.from(text, 'utf8');
        expect(index.occursInBytes(bytes, 0, bytes.length)).toBe(want);
        expect(masker.mightContainSecret(text)).toBe(reference(text));
      }),
      { numRuns: 3000, seed: 20261203 },
    );
    // Both answers are well represented (the generator is not all hits or all misses).
    expect(hits).toBeGreaterThan(runs / 5);
    expect(hits).toBeLessThan((runs * 4) / 5);
  });

  it('read only bytes[from, to) (property)', () => {
    fc.assert(
      fc.property(textArb, fc.constantFrom('', 'secret', 'x-', 'SeC', 'ret'), fc.constantFrom('', 'token', '=', 'ok', 'en'), (text, before, after) => {
        const bytes = Buffer.from(before + text + after, 'utf8');
        const from = Buffer.byteLength(before);
        expect(index.occursInBytes(bytes, from, bytes.length - Buffer.byteLength(after))).toBe(scanned(text));
      }),
      { numRuns: 1000, seed: 20261204 },
    );
  });

  it('equal the scan of the joined text for runs of event data (property)', () => {
    fc.assert(
      // Long parts are written one by one, short ones joined first: both ways are drawn.
      fc.property(fc.array(fc.oneof(textArb, fc.tuple(textArb, textArb, textArb).map((xs) => xs.join('x'.repeat(100)))), { minLength: 0, maxLength: 8 }), (parts) => {
        const joined = parts.join('\n');
        expect(joinedUtf8(parts).equals(Buffer.from(joined, 'utf8'))).toBe(true);
        expect(masker.mightContainSecretJoined(parts)).toBe(reference(joined));
      }),
      { numRuns: 1000, seed: 20261205 },
    );
    // The join is by "\n": ": " (a keyword) spans two texts only when they are joined without it.
    for (const pad of ['', 'z'.repeat(300)]) {
      expect(masker.mightContainSecretJoined([`${pad}x:`, ` y${pad}`])).toBe(false);
      expect(masker.mightContainSecretJoined([`${pad}x: `, `y${pad}`])).toBe(true);
      expect(masker.mightContainSecretJoined([`${pad}x\\`, `u${pad}`])).toBe(false);
    }
  });

  // The detectors' longest keywords contain shorter ones, which would be found even if a
  // walk stopped too early; a set whose longest word contains no other catches that.
  const own = new KeywordIndex(['qwertyuiopasdfghjklmnbvc', 'abc', 'pq', 'lk']);
  for (const [name, ix] of [
    ['the detectors\' keywords', index],
    ['keywords without inner keywords', own],
  ] as const) {
    it(`find every keyword wherever it lies relative to where the walks meet (${name})`, () => {
      // Filler of several lengths (around the one-walk threshold, each remainder mod 4), each
      // keyword (random case) at every position near the quarter points and near both ends.
      const fill = 'x#z{0}é,'.repeat(80);
      let checked = 0;
      for (const len of [54, 107, 108, 109, 110, 111, 150, 257, 258, 259, 260]) {
        for (const [n, k] of ix.keywords.entries()) {
          const cased = randomCase(k, n * 2654435761);
          const places = new Set<number>([0, 1, len - k.length - 1, len - k.length]);
          for (let j = 1; j < 4; j++) {
            // (The last walk starts early enough to end with the text: one longest keyword
            // less than a quarter before the end.)
            const longest = Math.max(...ix.keywords.map((w) => w.length));
            for (const at of [(len >> 2) * j, Math.floor((len * j) / 4), len >> 1, len - (len >> 2) - longest + 1]) {
              for (let p = at - k.length - 2; p <= at + 2; p++) places.add(p);
            }
          }
          for (const p of places) {
            if (p < 0 || p + k.length > len) continue;
            const text = fill.slice(0, p) + cased + fill.slice(0, len - p - k.length);
            const present = new Uint8Array(ix.size);
            ix.scan(text, present);
            expect(present[n]).toBe(1);
            const bytes = Buffer.from(text, 'latin1');
            if (!ix.occursInBytes(bytes, 0, bytes.length)) throw new Error(`missed ${JSON.stringify(k)} at ${p} of ${len}`);
            if (!ix.occursIn(text)) throw new Error(`occursIn missed ${JSON.stringify(k)} at ${p} of ${len}`);
            checked++;
          }
        }
      }
      expect(checked).toBeGreaterThan(ix === index ? 10000 : 100);
      expect(ix.occursIn(fill)).toBe(false);
    });
  }
});

/**
 * KeywordIndex.scanText reads the text's UTF-8 bytes (from SCAN_BYTES_FROM characters on, in
 * four interleaved walks) and must mark and record exactly what scan() does: the same present
 * keywords, the same keywords seen, the same hits at the same character offsets, in order of
 * where they start (as sortHitsByStart leaves scan()'s).
 */
describe('the byte scan of whole texts', () => {
  const wanted = new Uint8Array(index.size).map((_, i) => (i % 4 === 0 ? 0 : 1));
  /** What a scan marked and recorded; scan()'s hits sorted by start, scanText's as they come. */
  const record = (run: (present: Uint8Array, hits: Hits) => void, sort = false) => {
    const present = new Uint8Array(index.size);
    const hits = new Hits(wanted);
    // A hit already recorded before this scan must stay as it was.
    hits.add(1, -1);
    run(present, hits);
    if (sort) sortHitsByStart(hits);
    return { present: present.join(''), seen: [...hits.seen.subarray(0, hits.seenCount)].sort((a, b) => a - b).join(), hits: [...hits.ids.subarray(0, hits.length)].map((id, k) => `${id}@${hits.starts[k]}`) };
  };
  const long = fc.array(textArb, { minLength: 1, maxLength: 24, size: "max" }).map((xs) => xs.join(''));

  it('equals scan() on generated text, ASCII or not, from any point (property)', () => {
    let bytePath = 0;
    fc.assert(
      fc.property(long, fc.nat(), fc.nat(), (text, f, t) => {
        // Mostly long stretches (the byte path), sometimes short ones (the string walk).
        const from = f % 5 === 0 ? f % (text.length + 1) : f % (1 + (text.length >> 3));
        const to = text.length - (t % (1 + ((text.length - from) >> (t % 5 === 0 ? 0 : 3))));
        if (to - from >= SCAN_BYTES_FROM) bytePath++;
        expect(record((p, h) => index.scanText(text, p, from, to, h))).toEqual(record((p, h) => index.scan(text, p, from, to, h), true));
      }),
      { numRuns: 600, seed: 20261206 },
    );
    expect(bytePath).toBeGreaterThan(200);
  });

  it('counts 2-, 3- and 4-byte characters (a surrogate pair is two offsets) before every hit', () => {
    for (const ch of ['é', '中', '😀', '\ud800', 'x']) {
      const text = `${ch}token `.repeat(60) + ch.repeat(100) + 'SECRET=' + `${ch}pass`.repeat(40);
      const got = record((p, h) => index.scanText(text, p, 0, text.length, h));
      expect(got).toEqual(record((p, h) => index.scan(text, p, 0, text.length, h), true));
      expect(got.hits.length).toBeGreaterThan(100);
    }
  });

  it('records every keyword once wherever it lies relative to where the four walks meet', () => {
    const fill = 'x#z{0}é,'.repeat(300);
    const longest = Math.max(...index.keywords.map((w) => w.length));
    let checked = 0;
    for (const len of [SCAN_BYTES_FROM, SCAN_BYTES_FROM + 3, 259, 1201]) {
      for (const [n, k] of index.keywords.entries()) {
        const cased = randomCase(k, n * 2654435761);
        const bytes = Buffer.byteLength(fill.slice(0, len));
        const places = new Set<number>([0, len - k.length]);
        for (let j = 1; j < 4; j++) {
          // Quarter points in bytes (the filler's é is two), and where the last walk starts.
          for (const at of [Math.floor((bytes >> 2) * j * (len / bytes)), len - Math.floor(((bytes >> 2) + longest - 1) * (len / bytes))]) {
            for (let p = at - k.length - 2; p <= at + 2; p += 1) places.add(p);
          }
        }
        for (const p of places) {
          if (p < 0 || p + k.length > len) continue;
          const text = fill.slice(0, p) + cased + fill.slice(0, len - p - k.length);
          expect(record((pr, h) => index.scanText(text, pr, 0, text.length, h))).toEqual(record((pr, h) => index.scan(text, pr, 0, text.length, h), true));
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(2000);
  });

  it('walks the same in WebAssembly and in JavaScript, long texts in several slices included', () => {
    // Texts of 4 × SLICE bytes and more are walked in several calls, the four states carried
    // from one to the next; keywords straddle the slice ends, non-ASCII text shifts them.
    const words = index.keywords;
    const pieces = (seed: number, count: number) => {
      let x = seed;
      const out: string[] = [];
      for (let k = 0; k < count; k++) {
        x = (x * 1103515245 + 12345) >>> 0;
        out.push(x % 3 === 0 ? randomCase(words[x % words.length]!, x) : FILLER[x % FILLER.length]!.repeat(1 + (x % 7)));
      }
      return out.join('');
    };
    const texts = [pieces(1, 20_000), pieces(2, 60_000), 'key'.repeat(50_000), 'é'.repeat(70_000) + pieces(3, 30_000), pieces(4, 300)];
    expect(texts.filter((t) => Buffer.byteLength(t) > 4 * 32768).length).toBeGreaterThanOrEqual(3);
    try {
      for (const text of texts) {
        useWasmWalk(true);
        const wasm = record((p, h) => index.scanText(text, p, 0, text.length, h));
        useWasmWalk(false);
        const js = record((p, h) => index.scanText(text, p, 0, text.length, h));
        expect(wasm).toEqual(js);
        expect(wasm).toEqual(record((p, h) => index.scan(text, p, 0, text.length, h), true));
      }
      // And the JavaScript walk on generated text, as the WebAssembly one above.
      fc.assert(
        fc.property(long, (text) => {
          expect(record((p, h) => index.scanText(text, p, 0, text.length, h))).toEqual(record((p, h) => index.scan(text, p, 0, text.length, h), true));
        }),
        { numRuns: 150, seed: 20261207 },
      );
    } finally {
      useWasmWalk(true);
    }
  });
});
