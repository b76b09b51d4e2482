/**
 * A stream keeps a bounded window of what it forwarded (stream-masker.ts: LOOKBEHIND, the
 * in-progress search TAIL_WINDOW back). Its output must still be what whole-text masking gives
 * when a long run of blanks separates a secret from what names it: a match whose filler
 * (`Bearer\s+`, `[ \t]*` before `Password=`) could stretch past the window was forwarded
 * unmasked or tagged differently (issue 13; docs/benchmarks.md, win24 and gap24). The
 * detectors' fillers are bounded well inside the window, and the window starts after a line
 * break where one is near (docs/masking.md, "What a stream keeps").
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Masker, StreamingMasker } from '../../proxy/masking/index.js';
import { blankVariants, divergences, MIXED_SIZES } from '../helpers/blank-runs.js';
import { streamMasked } from '../helpers/streams.js';
import { loadCorpus, OWN_CORPUS, PROSE_CORPUS, SHARED_CORPUS } from '../helpers/corpus.js';

const masker = new Masker({ key: Buffer.alloc(32, 7) });
const CHUNKINGS = [[1], [7], [16], [64], [1024], MIXED_SIZES];

function streamedFindings(text: string, sizes: number[]): string[] {
  const sm = new StreamingMasker(masker);
  for (let pos = 0, k = 0; pos < text.length; k++) {
    const n = sizes[k % sizes.length]!;
    sm.push(text.slice(pos, pos + n));
    pos += n;
  }
  sm.flush();
  return sm.findings.map((f) => `${f.type}@${f.start}-${f.end}`);
}

describe('streamed = whole text after long blank runs', () => {
  it('a bearer token 1,100 spaces after `Authorization: Bearer` streams as whole text masks it', () => {
    const token = 'aB3dE5fG7hJ9kL1mN3pQ5rS7tV';
    const text = `Authorization: Bearer${' '.repeat(1100)}${token}\nnext line\n`;
    const whole = masker.mask(text).text;
    for (const sizes of CHUNKINGS) expect(streamMasked(masker, text, sizes), `pushes of ${sizes.join(',')}`).toBe(whole);
  });

  it('the same token 40 spaces after `Bearer` is masked, whole and streamed', () => {
    const token = 'aB3dE5fG7hJ9kL1mN3pQ5rS7tV';
    const text = `Authorization: Bearer${' '.repeat(40)}${token}\n`;
    const whole = masker.mask(text).text;
    expect(whole).not.toContain(token);
    for (const sizes of CHUNKINGS) expect(streamMasked(masker, text, sizes), `pushes of ${sizes.join(',')}`).toBe(whole);
  });

  it('`Password=` 1,100 spaces into a line keeps its whole-text tag when streamed', () => {
    const text = `Server=db1 x${' '.repeat(1100)}Password=Xk9mQ2vLp7zR;\n`;
    const whole = masker.mask(text);
    const tags = whole.findings.map((f) => `${f.type}@${f.start}-${f.end}`);
    for (const sizes of CHUNKINGS) {
      expect(streamMasked(masker, text, sizes), `pushes of ${sizes.join(',')}`).toBe(whole.text);
      expect(streamedFindings(text, sizes), `pushes of ${sizes.join(',')}`).toEqual(tags);
    }
  });

  it('`Password=` after tabs at a line start, or after a `;`, keeps its tag past a long first line', () => {
    for (const before of ['\t\t', ';  ', '']) {
      const text = `${'x'.repeat(1500)}\n${before}Password=Xk9mQ2vLp7zR;\n`;
      const whole = masker.mask(text);
      expect(whole.findings.map((f) => f.type)).toContain('connection-string-password');
      for (const sizes of CHUNKINGS) expect(streamedFindings(text, sizes), `${JSON.stringify(before)}, pushes of ${sizes.join(',')}`).toEqual(whole.findings.map((f) => `${f.type}@${f.start}-${f.end}`));
    }
  });

  it('any blank run between a key and its value streams as whole text masks it (property)', () => {
    const blank = fc.array(fc.constantFrom(' ', '\t', '\n', '  '.repeat(40), '\t'.repeat(100), '\n'.repeat(200), ' '.repeat(700)), { minLength: 1, maxLength: 4 }).map((xs) => xs.join(''));
    const head = fc.constantFrom('Authorization: Bearer', 'token', 'Server=db1 x', 'Server=db1;', 'x ', 'AccountKey =', 'password', 'DATADOG_API_KEY=', 'api_key:', 'Basic');
    const value = fc.constantFrom('Xk9mQ2vLp7zR;', 'aB3dE5fG7hJ9kL1mN3pQ5rS7tV', 'Password=Xk9mQ2vLp7zR;', '0123456789abcdef0123456789abcdef', 'dGhpcyBpcyBhIHRlc3Q6cGFzcw==');
    const sizes = fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), head, blank, value, sizes, (pre, h, b, v, chunks) => {
        const text = `${pre}${h}${b}${v}\n`;
        expect(streamMasked(masker, text, chunks)).toBe(masker.mask(text).text);
      }),
      { numRuns: 300, seed: 2026_1204 },
    );
  });
});

/**
 * Quantifiers in a detector's pattern that may repeat an atom matching a blank (space, tab,
 * line break) without bound. Atoms: an escape, a class, `.`; a group counts when its text has
 * such an atom. (A naive reading of the source: enough for the patterns we write.)
 */
function unboundedBlankRuns(source: string): string[] {
  const out: string[] = [];
  const blank = (atom: string) => [' ', '\t', '\n'].some((c) => new RegExp(`^(?:${atom})$`).test(c));
  const opens: number[] = [];
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    let atom = '';
    let end = i;
    if (c === '\\') {
      atom = source.slice(i, i + 2);
      end = i + 1;
    } else if (c === '[') {
      let j = i + 1;
      if (source[j] === '^') j++;
      if (source[j] === ']') j++;
      while (j < source.length && source[j] !== ']') j += source[j] === '\\' ? 2 : 1;
      atom = source.slice(i, j + 1);
      end = j;
    } else if (c === '.') atom = '.';
    else if (c === '(') opens.push(i);
    else if (c === ')') {
      const from = opens.pop() ?? 0;
      const inner = source.slice(from, i + 1);
      if (/\\s|\[ \\t|\[\\t |\\n|\[\^/.test(inner) && !inner.startsWith('(?<=') && !inner.startsWith('(?<!') && !inner.startsWith('(?=') && !inner.startsWith('(?!')) atom = `(?:${inner})`;
    }
    const q = source.slice(end + 1, end + 12);
    if (atom && /^(?:[*+]|\{\d+,\})/.test(q) && (atom.startsWith('(?:') ? true : blank(atom))) out.push(`${source.slice(Math.max(0, i - 20), i)}»${atom}${q[0]}«`);
    i = end;
  }
  return out;
}

/** The capture groups that hold a secret (findings.ts). */
const SECRET_GROUPS = ['secret', 's1', 's2', 's3', 's4', 'p1', 'p2'];

/**
 * Quantifiers in a pattern that repeat an atom (an escape, a class, `.`, a group) without
 * bound where a secret group opens later in the source, outside every secret group: a run
 * that can sit between a match's start and its secret. Runs inside a secret group, and after
 * the last one, are allowed (a stream holds the match while it grows).
 */
function unboundedRunsBeforeSecret(source: string): string[] {
  const out: string[] = [];
  const opens: Array<{ at: number; secret: boolean }> = [];
  let inSecret = 0;
  const lastSecret = Math.max(...SECRET_GROUPS.map((g) => source.lastIndexOf(`(?<${g}>`)));
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    let from = -1;
    let end = i;
    if (c === '\\') {
      from = i;
      end = i + 1;
    } else if (c === '[') {
      let j = i + 1;
      if (source[j] === '^') j++;
      if (source[j] === ']') j++;
      while (j < source.length && source[j] !== ']') j += source[j] === '\\' ? 2 : 1;
      from = i;
      end = j;
    } else if (c === '.') from = i;
    else if (c === '(') {
      const secret = SECRET_GROUPS.some((g) => source.startsWith(`(?<${g}>`, i));
      opens.push({ at: i, secret });
      if (secret) inSecret++;
    } else if (c === ')') {
      const open = opens.pop();
      if (open?.secret) inSecret--;
      from = open?.at ?? 0;
    }
    const q = source.slice(end + 1, end + 12);
    if (from >= 0 && inSecret === 0 && i < lastSecret && /^(?:[*+]|\{\d+,\})/.test(q)) out.push(`${source.slice(Math.max(0, from - 20), from)}»${source.slice(from, end + 1)}${q[0]}«`);
    i = end;
  }
  return out;
}

describe('every detector: blanks between a match\'s start and its secret are bounded', () => {
  it('no pattern repeats a blank without bound (except after its secret, before `$`)', () => {
    // The one allowed: a YAML value's trailing blanks (after the secret: a stream holds the
    // match while it reaches the end, so its length does not matter).
    const allowed = ['["\']?»[ \\t]*«$'];
    const found = masker.detectors.flatMap((d) => unboundedBlankRuns(d.pattern.source).map((s) => `${d.id}: ${s}`)).filter((s) => !allowed.some((a) => s.endsWith(a.slice(0, -1))));
    expect(found).toEqual([]);
  });

  it('no pattern repeats a key name, a class or a group without bound before its secret', () => {
    // A key name of hundreds of characters would put the match's start out of the stream's
    // reach (names24; test/unit/masking-stream-long-names.test.ts).
    const found = masker.detectors.flatMap((d) => unboundedRunsBeforeSecret(d.pattern.source).map((s) => `${d.id}: ${s}`));
    expect(found).toEqual([]);
  });

  it('the check finds an unbounded run before a secret and allows the secret and what follows it', () => {
    expect(unboundedRunsBeforeSecret(String.raw`(?:datadog|dd)[A-Za-z_.\-]*api_key=(?<secret>[a-f0-9]{32})`)).toHaveLength(1);
    expect(unboundedRunsBeforeSecret(String.raw`login\s{1,64}\S+\s{1,64}(?<secret>x)`)).toHaveLength(1);
    expect(unboundedRunsBeforeSecret(String.raw`Key \d{1,}:(?<secret>x)`)).toHaveLength(1);
    expect(unboundedRunsBeforeSecret(String.raw`(?:ab)+(?<s1>x)`)).toHaveLength(1);
    expect(unboundedRunsBeforeSecret(String.raw`key[A-Za-z_]{0,24}=(?<secret>[a-z]+(?:-[a-z]+)*)[.,]*(?=\s)`)).toEqual([]);
  });

  it('the check finds an unbounded filler (`\\s+`, `[ \\t]*`, a group of them)', () => {
    expect(unboundedBlankRuns(String.raw`\bBearer\s+(?<secret>x)`)).toHaveLength(1);
    expect(unboundedBlankRuns(String.raw`(?<=^[ \t]*)Password=`)).toHaveLength(1);
    expect(unboundedBlankRuns(String.raw`(?:[ \t]{1,8}x)+y`)).toHaveLength(1);
    expect(unboundedBlankRuns(String.raw`[^;\n]*`)).toHaveLength(1);
    expect(unboundedBlankRuns(String.raw`\bBearer\s{1,64}[A-Za-z]+=*`)).toEqual([]);
  });

  it('corpus secrets with a long run of spaces, tabs or line breaks at a gap before them stream as whole text masks them', () => {
    // Up to two texts per detector type (of the three corpora), two gaps per finding, runs of
    // 63 (inside the bounds: must match as before), 300 and 1,100 characters.
    const entries = [...loadCorpus(SHARED_CORPUS), ...loadCorpus(OWN_CORPUS), ...loadCorpus(PROSE_CORPUS)];
    const perType = new Map<string, number>();
    const bad: string[] = [];
    let variants = 0;
    for (const e of entries) {
      const types = masker.mask(e.text).findings.map((f) => f.type);
      if (types.length === 0 || types.every((t) => (perType.get(t) ?? 0) >= 2)) continue;
      for (const t of types) perType.set(t, (perType.get(t) ?? 0) + 1);
      const vs = blankVariants(masker, e, [63, 300, 1100], 2);
      variants += vs.length;
      for (const d of divergences(masker, vs)) bad.push(`${d.variant.type} ${d.variant.id} ${d.variant.kind}×${d.variant.length} pushes ${d.sizes}`);
    }
    expect(perType.size).toBeGreaterThan(60);
    expect(variants).toBeGreaterThan(1500);
    expect(bad).toEqual([]);
  }, 240_000);
});
