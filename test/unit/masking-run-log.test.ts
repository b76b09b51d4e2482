/**
 * The named-after holds' RunFacts read from the run log that the carried keyword walk
 * writes (run-log.ts, keyword-carry.ts, carry-walk.ts), instead of from the characters:
 * after every push the facts must be the ones the character reading gives, whatever the
 * pieces, the window's trims, the walk (string or WebAssembly, one slice or several) and
 * where the keyword searches start.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CARRY_SLICE } from '../../proxy/masking/carry-walk.js';
import { ALL_DETECTORS } from '../../proxy/masking/detectors/index.js';
import { RunFacts } from '../../proxy/masking/detectors/run-facts.js';
import { Masker, StreamingMasker } from '../../proxy/masking/index.js';
import { KeywordCarry, WASM_FROM } from '../../proxy/masking/keyword-carry.js';
import { prefilterFor } from '../../proxy/masking/scan.js';

const index = prefilterFor(ALL_DETECTORS).index;

/** Runs of every length around 16 and 24 (value characters, quotes, own-line characters, non-ASCII), between every kind of break. */
const word = fc.oneof(
  fc.string({ unit: fc.constantFrom('a', 'Z', '9', '_', '-', '+', '/', '='),  minLength: 1, maxLength: 30 }),
  fc.string({ unit: fc.constantFrom('a', 'B', '.', '~', '"', ':', 'é', '€'),  minLength: 1, maxLength: 30 }),
  fc.constantFrom('is', 'my', 'key', 'token', '"', '""', 'x'.repeat(15), 'y'.repeat(16), 'z'.repeat(17)),
);
const gap = fc.constantFrom(' ', '  ', '\t', '\n', '\r\n', '\n\n', ' \n', '\v', '\f', '\u2028', '\u2029', '\u00a0', '');
const text = fc.array(fc.tuple(word, gap), { minLength: 1, maxLength: 60 }).map((parts) => parts.map(([w, g]) => w + g).join(''));

interface Facts {
  scanned: number;
  runStart: number;
  lastEnd: number;
  lastStart: number;
  lastLine: number;
}
const factsOf = (f: RunFacts): Facts => ({ scanned: f.scanned, runStart: f.runStart, lastEnd: f.lastEnd, lastStart: f.lastStart, lastLine: f.lastLine });

/**
 * Streams `t` in pieces (sizes from `cuts`), as the streaming masker does: the window trimmed
 * by `trims`, the carry's search starting `back` characters before the piece (or past its
 * start), then both facts read with `need` `window` characters before the end. Returns how
 * how many reads the log answered, of how many.
 */
function stream(t: string, cuts: number[], trims: number[], backs: number[], windows: number[], late = false): { fromLog: number; reads: number } {
  const carry = new KeywordCarry(256);
  const read = vi.spyOn(RunFacts.prototype as unknown as { readLog: () => void }, 'readLog');
  const before = read.mock.calls.length;
  // (`late`: the log is first used after the first push's walk, which did not record runs.)
  let fromLog = late ? null : new RunFacts(0, carry.runs);
  const fromText = new RunFacts(0);
  let whole = '';
  let base = 0;
  let need = 0;
  let k = 0;
  for (let at = 0; at < t.length; k++) {
    const n = cuts[k % cuts.length]!;
    whole += t.slice(at, at + n);
    at += n;
    base += trims[k % trims.length]! % (whole.length - base);
    const buf = whole.slice(base);
    carry.base = base;
    const back = backs[k % backs.length]!;
    const from = Math.max(0, Math.min(buf.length, buf.length - Math.min(n, buf.length) - back));
    carry.scan(index, buf, new Uint8Array(index.size), from);
    fromLog ??= new RunFacts(base, carry.runs);
    need = Math.max(need, whole.length - windows[k % windows.length]!);
    fromLog.read(buf, base, need);
    fromText.read(buf, base, need);
    expect(factsOf(fromLog), `push ${k} (${n} characters), base ${base}, need ${need}`).toEqual(factsOf(fromText));
  }
  return { fromLog: read.mock.calls.length - before, reads: k };
}

afterEach(() => vi.restoreAllMocks());

describe('RunFacts from the run log', () => {
  it('are the facts the character reading gives, after every push, pieces short and long (property)', () => {
    let reads = 0;
    let fromLog = 0;
    fc.assert(
      fc.property(
        text,
        fc.array(fc.integer({ min: 1, max: 3 * WASM_FROM }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.oneof(fc.constant(0), fc.nat(200)), { minLength: 1, maxLength: 4 }),
        fc.array(fc.constantFrom(0, 5, 40, -3), { minLength: 1, maxLength: 4 }),
        fc.array(fc.constantFrom(600, 60, 20, 5), { minLength: 1, maxLength: 4 }),
        (t, cuts, trims, backs, windows) => {
          const seen = stream(t, cuts, trims, backs, windows);
          fromLog += seen.fromLog;
          reads += seen.reads;
        },
      ),
      { numRuns: 400, seed: 20261204 },
    );
    // Most reads come from the log (the others: after a search that started past what was
    // read, until a break is known again).
    expect(fromLog).toBeGreaterThan(reads / 2);
  });

  it('are the facts the character reading gives in 1–16-character pieces (property)', () => {
    fc.assert(
      fc.property(text, fc.array(fc.integer({ min: 1, max: 16 }), { minLength: 1, maxLength: 8 }), fc.array(fc.nat(40), { minLength: 1, maxLength: 3 }), (t, cuts, trims) => {
        stream(t, cuts, trims, [0, 20], [600, 30]);
      }),
      { numRuns: 200, seed: 20261205 },
    );
  });

  it('carry a run across the WebAssembly walk’s slices and a push’s end, and start again when a push has more runs than the log keeps', () => {
    // Runs that cross the first slice boundary, one that ends on it, one that reaches the end.
    const long = 'v'.repeat(40);
    const t = ('ab '.repeat(Math.floor((CARRY_SLICE - 20) / 3)) + long + ' ' + 'w'.repeat(CARRY_SLICE - 30) + '\n' + long + ' x ').repeat(2) + long;
    expect(stream(t, [t.length], [0], [0], [CARRY_SLICE * 3]).fromLog).toBe(1); // (one push of three slices, read from the log)
    expect(stream(t, [5000, 3000, 40], [0, 7], [0], [600, 20]).fromLog).toBeGreaterThan(0);
    expect(stream('q'.repeat(3 * CARRY_SLICE) + ' ' + t, [10, 3 * CARRY_SLICE, 100], [0], [0], [600]).fromLog).toBeGreaterThan(0);
    // More runs in one push than the log keeps: it drops them and starts again (the read is the text's).
    // (Only the first run is a value's place, so facts from a log that lost it differ.)
    const many = `${'A'.repeat(30)} ${` ${':'.repeat(16)}`.repeat(12000)} `;
    expect(stream(many, [many.length], [0], [0], [1e9]).fromLog).toBe(0);
    expect(stream(many + t, [many.length + 100, 50], [0], [0], [1e9, 600]).fromLog).toBeGreaterThan(0);
  });

  it('go on from a read of the text when the log was not recording before', () => {
    const t = `say ${'k'.repeat(30)} is my key\n${'v'.repeat(20)}\n`.repeat(30);
    const seen = stream(t, [20, 7], [0], [0], [600, 30], true);
    expect(seen.fromLog).toBe(seen.reads - 1);
  });

  it('leave the streaming masker’s output as whole-text masking’s, and answer every read from the log', () => {
    const masker = new Masker({ key: Buffer.alloc(32, 7) });
    const v = 'sk9Qw2Zr7Tb4Lp1Xn8Vc3Md6';
    const input = `say ${v} is my Stripe key and then\n${v}xY7\n\n^ that's the api key\n"${v}" a valid token `.repeat(20);
    const read = vi.spyOn(RunFacts.prototype as unknown as { readLog: () => void }, 'readLog');
    const fromText = vi.spyOn(RunFacts.prototype as unknown as { readText: () => void }, 'readText');
    for (const n of [3, 16, 64, 700]) {
      const s = new StreamingMasker(masker);
      let out = '';
      for (let i = 0; i < input.length; i += n) out += s.push(input.slice(i, i + n));
      out += s.flush();
      expect(out).toBe(masker.mask(input).text);
    }
    expect(read.mock.calls.length).toBeGreaterThan(100);
    // (The stream's log records from its first push on.)
    expect(fromText.mock.calls.length).toBe(0);
  });
});
