/**
 * Scoring a masker on the labelled corpus (shared/fixtures/secrets/README.md):
 * recall (≥ 90 % of a secret's non-public characters masked), false-positive rate (share
 * of negative snippets changed at all), over-masking (characters masked outside secret
 * and optional ranges), and streaming equality (random 1–16 character chunks).
 */
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Masker, StreamingMasker, type Finding } from '../../proxy/masking/index.js';

export interface CorpusEntry {
  id: string;
  text: string;
  secrets: Array<{ start: number; end: number; type: string; public?: Array<[number, number]> }>;
  optional?: Array<[number, number]>;
  category: string;
}

/** Copy of shared/fixtures/secrets/dev-corpus.jsonl (synthetic, fake values). */
export const SHARED_CORPUS = fileURLToPath(new URL('../fixtures/secrets/dev-corpus.jsonl', import.meta.url));
export const OWN_CORPUS = fileURLToPath(new URL('../fixtures/secrets/own-corpus.jsonl', import.meta.url));
/** Our own: secrets named in prose, chat and unusual keys, with hard negatives written like them. */
export const PROSE_CORPUS = fileURLToPath(new URL('../fixtures/secrets/own-prose-corpus.jsonl', import.meta.url));

export function loadCorpus(file: string): CorpusEntry[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as CorpusEntry);
}

export interface Score {
  secrets: number;
  caught: number;
  recall: number;
  perType: Record<string, { total: number; caught: number; recall: number }>;
  negatives: number;
  falsePositives: number;
  falsePositiveRate: number;
  overMaskedChars: number;
  misses: Array<{ id: string; type: string; value: string }>;
  fpSamples: Array<{ id: string; category: string; masked: string[] }>;
  streamingMismatches: string[];
}

export function scoreCorpus(entries: CorpusEntry[], masker: Masker, opts: { streaming?: boolean; seed?: number } = {}): Score {
  const s: Score = {
    secrets: 0,
    caught: 0,
    recall: 0,
    perType: {},
    negatives: 0,
    falsePositives: 0,
    falsePositiveRate: 0,
    overMaskedChars: 0,
    misses: [],
    fpSamples: [],
    streamingMismatches: [],
  };
  let seed = opts.seed ?? 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (const e of entries) {
    const { text: masked, findings } = masker.mask(e.text);
    const covered = coverage(e.text.length, findings);
    for (const sec of e.secrets) {
      s.secrets++;
      const t = (s.perType[sec.type] ??= { total: 0, caught: 0, recall: 0 });
      t.total++;
      let need = 0;
      let got = 0;
      for (let i = sec.start; i < sec.end; i++) {
        if (sec.public?.some(([a, b]) => i >= a && i < b)) continue;
        need++;
        if (covered[i]) got++;
      }
      if (need === 0 || got / need >= 0.9) {
        s.caught++;
        t.caught++;
      } else s.misses.push({ id: e.id, type: sec.type, value: e.text.slice(sec.start, sec.end).slice(0, 100) });
    }
    const allowed = (i: number) => e.secrets.some((x) => i >= x.start && i < x.end) || (e.optional ?? []).some(([a, b]) => i >= a && i < b);
    for (let i = 0; i < e.text.length; i++) if (covered[i] && !allowed(i)) s.overMaskedChars++;
    if (e.secrets.length === 0) {
      s.negatives++;
      if (masked !== e.text) {
        s.falsePositives++;
        s.fpSamples.push({ id: e.id, category: e.category, masked: findings.map((f) => `${f.type}: ${e.text.slice(f.start, f.end).slice(0, 80)}`) });
      }
    }
    if (opts.streaming) {
      const sm = new StreamingMasker(masker);
      let out = '';
      let pos = 0;
      while (pos < e.text.length) {
        const n = 1 + Math.floor(rand() * 16);
        out += sm.push(e.text.slice(pos, pos + n));
        pos += n;
      }
      out += sm.flush();
      if (out !== masked) s.streamingMismatches.push(e.id);
    }
  }
  s.recall = s.secrets ? s.caught / s.secrets : 1;
  s.falsePositiveRate = s.negatives ? s.falsePositives / s.negatives : 0;
  for (const t of Object.values(s.perType)) t.recall = t.caught / t.total;
  return s;
}

function coverage(len: number, findings: Finding[]): Uint8Array {
  const c = new Uint8Array(len);
  for (const f of findings) c.fill(1, f.start, f.end);
  return c;
}
