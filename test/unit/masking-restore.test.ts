/**
 * The placeholder round trip's pure parts (issue 13, part 1): the ledger (only what the
 * request side masked, bounded in time and size, colliding tags never restored) and the
 * streaming restorer (any chunking, JSON-escaped inside arguments, foreign placeholders
 * left alone).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Masker, PlaceholderLedger, restoreDeep, StreamRestorer } from '../../proxy/masking/index.js';

const masker = new Masker({ key: Buffer.alloc(32, 7) });
const STRIPE = 'sk_live_51H8xQ2Lz7TqK9vYb3NcW4rPd';
const PAT = 'ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
const QUOTE = 'pa"ss\\wo\nrd';

function chunk(text: string, sizes: number[]): string[] {
  const out: string[] = [];
  let i = 0;
  for (let k = 0; i < text.length; k++) {
    const n = Math.max(1, sizes[k % sizes.length]!);
    out.push(text.slice(i, i + n));
    i += n;
  }
  return out;
}

function restoreChunks(ledger: PlaceholderLedger, parts: string[], json: boolean) {
  const r = new StreamRestorer(ledger, json);
  let out = '';
  for (const p of parts) out += r.push(p);
  return { out: out + r.end(), r };
}

describe('PlaceholderLedger', () => {
  it('records what the request side masked, pairing each placeholder with its own secret', () => {
    const ledger = new PlaceholderLedger();
    const m = ledger.recording(masker);
    const text = `STRIPE_KEY=${STRIPE}\nGITHUB_TOKEN=${PAT}\n`;
    const r = m.mask(text);
    const phs = [...r.text.matchAll(/\[MASKED:[^\]]+\]/g)].map((x) => x[0]);
    expect(phs).toHaveLength(2);
    expect(ledger.lookup(phs[0]!)).toEqual({ kind: 'ours', value: STRIPE });
    expect(ledger.lookup(phs[1]!)).toEqual({ kind: 'ours', value: PAT });
    // The plain masker records nothing: a secret found in model output is not restorable.
    const other = new PlaceholderLedger();
    masker.mask(text);
    expect(other.size).toBe(0);
  });

  it('marks a tag that stands for two different secrets and never restores it', () => {
    const ledger = new PlaceholderLedger();
    ledger.record('[MASKED:generic-secret:abcd]', 'first-value');
    ledger.record('[MASKED:generic-secret:abcd]', 'first-value');
    expect(ledger.lookup('[MASKED:generic-secret:abcd]')).toEqual({ kind: 'ours', value: 'first-value' });
    ledger.record('[MASKED:generic-secret:abcd]', 'second-value');
    expect(ledger.lookup('[MASKED:generic-secret:abcd]')).toEqual({ kind: 'collision' });
    const { out, r } = restoreChunks(ledger, ['x [MASKED:generic-secret:abcd] y'], false);
    expect(out).toBe('x [MASKED:generic-secret:abcd] y');
    expect(r.collisions).toBe(1);
    expect(r.restored).toBe(0);
  });

  it('forgets a placeholder after its time to live', () => {
    let now = 0;
    const ledger = new PlaceholderLedger({ ttlMs: 1000, now: () => now });
    ledger.record('[MASKED:t:0001]', 'v1');
    now = 1000;
    expect(ledger.lookup('[MASKED:t:0001]')).not.toBeNull();
    now = 1001;
    expect(ledger.lookup('[MASKED:t:0001]')).toBeNull();
    expect(ledger.size).toBe(0);
  });

  it('keeps at most maxEntries placeholders and maxChars of values, oldest dropped first', () => {
    const ledger = new PlaceholderLedger({ maxEntries: 3, maxChars: 10 });
    for (let i = 0; i < 5; i++) ledger.record(`[MASKED:t:000${i}]`, `v${i}`);
    expect(ledger.size).toBe(3);
    expect(ledger.lookup('[MASKED:t:0001]')).toBeNull();
    expect(ledger.lookup('[MASKED:t:0004]')).toEqual({ kind: 'ours', value: 'v4' });
    ledger.record('[MASKED:t:aaaa]', '123456789');
    // 9 + 2 + 2 > 10: older values go until the total fits.
    expect(ledger.lookup('[MASKED:t:aaaa]')).toEqual({ kind: 'ours', value: '123456789' });
    expect(ledger.size).toBeLessThanOrEqual(2);
    // A single value larger than the bound is never kept.
    ledger.record('[MASKED:t:bbbb]', 'x'.repeat(11));
    expect(ledger.lookup('[MASKED:t:bbbb]')).toBeNull();
  });
});

describe('StreamRestorer', () => {
  const ledger = new PlaceholderLedger();
  const rec = ledger.recording(masker);
  const masked = rec.mask(`use ${STRIPE} for staging`).text;
  const stripePh = masked.match(/\[MASKED:[^\]]+\]/)![0];
  const stripeValue = (ledger.lookup(stripePh) as { value: string }).value;
  ledger.record('[MASKED:password:beef]', QUOTE);

  it('turns a masked request back into the original text (restore ∘ mask = identity)', () => {
    const original = `config:\n  STRIPE_KEY=${STRIPE}\n  token: ${PAT}\n`;
    const { out } = restoreChunks(ledger, chunk(rec.mask(original).text, [3, 5, 7]), false);
    expect(out).toBe(original);
    expect(stripeValue).toContain(STRIPE);
  });

  it('restores our placeholders across every chunking, and only ours (fixed seed)', () => {
    const answer = `Set ${stripePh} then [MASKED:stripe-secret-key:ffff] and [MASK not one] and [MASKED:password:beef].`;
    const expected = `Set ${stripeValue} then [MASKED:stripe-secret-key:ffff] and [MASK not one] and ${QUOTE}.`;
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 16 }), { minLength: 1, maxLength: 12 }), (sizes) => {
        const { out, r } = restoreChunks(ledger, chunk(answer, sizes), false);
        expect(out).toBe(expected);
        expect(r.restored).toBe(2);
      }),
      { seed: 1313, numRuns: 300 },
    );
  });

  it('writes values JSON-escaped inside tool-call arguments, across every chunking (fixed seed)', () => {
    const args = JSON.stringify({ filePath: '/w/.env', oldString: `STRIPE_KEY=${stripePh}\nPASSWORD=[MASKED:password:beef]`, newString: 'STRIPE_KEY=${STRIPE_KEY}' });
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 16 }), { minLength: 1, maxLength: 12 }), (sizes) => {
        const { out } = restoreChunks(ledger, chunk(args, sizes), true);
        const parsed = JSON.parse(out) as { oldString: string; newString: string };
        expect(parsed.oldString).toBe(`STRIPE_KEY=${stripeValue}\nPASSWORD=${QUOTE}`);
        expect(parsed.newString).toBe('STRIPE_KEY=${STRIPE_KEY}');
      }),
      { seed: 1314, numRuns: 300 },
    );
  });

  it('lets a partial placeholder out at the end as it is, and holds back at most one placeholder', () => {
    const r = new StreamRestorer(ledger, false);
    expect(r.push('abc [MASKED:stripe-se')).toBe('abc ');
    expect(r.end()).toBe('[MASKED:stripe-se');
    expect(r.push('[ not a placeholder')).toBe('[ not a placeholder');
    expect(r.push('x'.repeat(100) + '[')).toBe('x'.repeat(100));
    expect(r.end()).toBe('[');
  });

  it('restores whole JSON bodies, arguments inside strings included', () => {
    const body = { choices: [{ message: { content: `key ${stripePh}`, tool_calls: [{ function: { name: 'replace_string_in_file', arguments: JSON.stringify({ oldString: `P=[MASKED:password:beef]` }) } }] } }] };
    const tally = { restored: 0, collisions: 0 };
    const out = restoreDeep(body, ledger, tally);
    expect(out.choices[0]!.message.content).toBe(`key ${stripeValue}`);
    expect(JSON.parse(out.choices[0]!.message.tool_calls[0]!.function.arguments).oldString).toBe(`P=${QUOTE}`);
    expect(tally.restored).toBe(2);
    const none = { a: 'no placeholder' };
    expect(restoreDeep(none, ledger, tally)).toBe(none);
  });
});
