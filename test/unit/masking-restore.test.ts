/**
 * The placeholder round trip (issue 13, part 1): the ledger of placeholders this engine
 * produced (in memory, per device, bounded in time and size, collisions unrestorable) and
 * the streaming restorer, in plain text and inside JSON string content, over any chunking.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRestorer, Masker, PlaceholderLedger, PlaceholderLedgers } from '../../proxy/masking/index.js';
import { loadCorpus, OWN_CORPUS, PROSE_CORPUS, SHARED_CORPUS } from '../helpers/corpus.js';

const masker = new Masker({ key: Buffer.alloc(32, 5), cacheChars: 0 });
const P = (tag: string) => `[MASKED:generic-secret:${tag}]`;

function clock(start = 1_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

/** Pushes `text` in pieces of the given sizes (cycled); returns the output and the restorer. */
function restoreInPieces(ledger: PlaceholderLedger, text: string, sizes: number[], json = false) {
  const r = createRestorer(ledger, { json });
  let out = '';
  for (let pos = 0, k = 0; pos < text.length; k++) {
    const n = sizes[k % sizes.length]!;
    out += r.push(text.slice(pos, pos + n));
    pos += n;
  }
  return { out: out + r.end(), r };
}

describe('placeholder ledger', () => {
  it('knows what it recorded, until the time to live has passed since the last record', () => {
    const c = clock();
    const l = new PlaceholderLedger({ ttlMs: 1000, now: c.now });
    l.record(P('aaaa'), 'value-1');
    expect(l.lookup(P('aaaa'))).toEqual({ value: 'value-1' });
    expect(l.lookup(P('bbbb'))).toBeUndefined();
    c.advance(900);
    l.record(P('aaaa'), 'value-1'); // seen again: lives on
    c.advance(900);
    expect(l.lookup(P('aaaa'))).toEqual({ value: 'value-1' });
    c.advance(100);
    expect(l.lookup(P('aaaa'))).toBeUndefined();
    expect(l.size).toBe(0);
  });

  it('marks a tag that stood for two different values as unrestorable', () => {
    const l = new PlaceholderLedger();
    l.record(P('cccc'), 'first');
    l.record(P('cccc'), 'first');
    expect(l.lookup(P('cccc'))).toEqual({ value: 'first' });
    l.record(P('cccc'), 'second');
    expect(l.lookup(P('cccc'))).toBe('collision');
    l.record(P('cccc'), 'first');
    expect(l.lookup(P('cccc'))).toBe('collision');
    expect(l.chars).toBe(0);
  });

  it('stays within its entry and character bounds, dropping the least recently recorded', () => {
    const l = new PlaceholderLedger({ maxEntries: 3, maxChars: 1000 });
    for (const t of ['0001', '0002', '0003']) l.record(P(t), `v${t}`);
    l.record(P('0001'), 'v0001'); // most recent now
    l.record(P('0004'), 'v0004');
    expect(l.size).toBe(3);
    expect(l.lookup(P('0002'))).toBeUndefined();
    expect(l.lookup(P('0001'))).toEqual({ value: 'v0001' });
    const small = new PlaceholderLedger({ maxChars: 10 });
    small.record(P('0001'), '123456');
    small.record(P('0002'), '123456');
    expect(small.chars).toBeLessThanOrEqual(10);
    expect(small.lookup(P('0001'))).toBeUndefined();
    small.record(P('0003'), 'x'.repeat(11)); // larger than the whole budget: not kept
    expect(small.lookup(P('0003'))).toBeUndefined();
    expect(small.lookup(P('0002'))).toEqual({ value: '123456' });
  });

  it('keeps each device apart', () => {
    const ls = new PlaceholderLedgers();
    ls.forDevice('laptop').record(P('dddd'), 'secret-a');
    expect(ls.forDevice('laptop').lookup(P('dddd'))).toEqual({ value: 'secret-a' });
    expect(ls.forDevice('desktop').lookup(P('dddd'))).toBeUndefined();
  });
});

describe('streaming restorer', () => {
  const SECRET = 'sk_live_51Hq3kLmN8pQrStUvWxYz0123AbCdEfGh';
  const original = `STRIPE_KEY=${SECRET}\nother line`;
  const masked = masker.mask(original);

  it('restores our placeholders across any split, leaves others alone, and counts', () => {
    const l = new PlaceholderLedger();
    l.recordMasked(masker, original, masked);
    const ours = masker.placeholder('stripe-secret-key', SECRET);
    const foreign = '[MASKED:github-pat:0f0f]';
    const text = `oldString: "${ours}" and ${foreign}, [MASKED: not one] and [MASKED:x:12`;
    for (let cut = 0; cut <= text.length; cut++) {
      const r = createRestorer(l);
      const out = r.push(text.slice(0, cut)) + r.push(text.slice(cut)) + r.end();
      expect(out).toBe(text.replace(ours, SECRET));
      expect(r.restored).toBe(1);
    }
    const r = createRestorer(l);
    expect(r.push('plain text flows [at once]')).toBe('plain text flows [at once]');
  });

  it('holds back no more than a partial placeholder', () => {
    const r = createRestorer(new PlaceholderLedger());
    expect(r.push('abc [MASK')).toBe('abc ');
    expect(r.push('ED:generic-secret:12')).toBe('');
    expect(r.push('3')).toBe('');
    expect(r.push('4] done')).toBe('[MASKED:generic-secret:1234] done');
  });

  it('leaves a collided placeholder as it is and counts it', () => {
    const l = new PlaceholderLedger();
    l.record(P('eeee'), 'one');
    l.record(P('eeee'), 'two');
    const r = createRestorer(l);
    expect(r.push(`x ${P('eeee')} y`) + r.end()).toBe(`x ${P('eeee')} y`);
    expect(r.restored).toBe(0);
    expect(r.unrestorable).toBe(1);
  });

  it('inside JSON string content, inserts the value JSON-escaped', () => {
    const value = 'pa"ss\\wo\nrd\u2028Zx9qPw3LmN8rT5vB';
    const l = new PlaceholderLedger();
    l.record(P('ffff'), value);
    const args = JSON.stringify({ filePath: '/app/.env', oldString: `PASSWORD=${P('ffff')}`, newString: 'PASSWORD=${PASSWORD}' });
    for (let cut = 0; cut <= args.length; cut += 3) {
      const { out, r } = restoreInPieces(l, args, [cut || 1, 7], true);
      expect(JSON.parse(out)).toEqual({ filePath: '/app/.env', oldString: `PASSWORD=${value}`, newString: 'PASSWORD=${PASSWORD}' });
      expect(r.restored).toBe(1);
    }
  });

  const entries = [...loadCorpus(SHARED_CORPUS), ...loadCorpus(OWN_CORPUS), ...loadCorpus(PROSE_CORPUS)].filter((e) => e.secrets.length > 0);

  it('restore(mask(x)) === x over every fixture, in text and JSON-escaped form, for any chunking (property)', () => {
    expect(entries.length).toBeGreaterThan(1500);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 16 }), { minLength: 1, maxLength: 12 }), fc.nat(entries.length - 1), (sizes, start) => {
        for (let k = 0; k < 40; k++) {
          const e = entries[(start + k * 37) % entries.length]!;
          const m = masker.mask(e.text);
          const l = new PlaceholderLedger();
          l.recordMasked(masker, e.text, m);
          const plain = restoreInPieces(l, m.text, sizes);
          expect(plain.out).toBe(e.text);
          expect(plain.r.restored).toBe(m.findings.length);
          const esc = (s: string) => JSON.stringify(s).slice(1, -1);
          expect(restoreInPieces(l, esc(m.text), sizes, true).out).toBe(esc(e.text));
        }
      }),
      { numRuns: 200, seed: 20261202 },
    );
  });

  it('every fixture, 1–16-character pieces', () => {
    let seed = 99;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (const e of entries) {
      const m = masker.mask(e.text);
      const l = new PlaceholderLedger();
      l.recordMasked(masker, e.text, m);
      const sizes = Array.from({ length: 8 }, () => 1 + Math.floor(rand() * 16));
      expect(restoreInPieces(l, m.text, sizes).out).toBe(e.text);
    }
  });
});
