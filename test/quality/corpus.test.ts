import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Masker } from '../../proxy/masking/index.js';
import { loadCorpus, OWN_CORPUS, PROSE_CORPUS, scoreCorpus, SHARED_CORPUS } from '../helpers/corpus.js';

const masker = new Masker({ key: randomBytes(32) });

describe('detection quality on labelled corpora', () => {
  it('shared dev corpus: recall ≥ 99 %, false positives ≤ 0.5 %, streaming = whole text', () => {
    const entries = loadCorpus(SHARED_CORPUS);
    expect(entries.length).toBeGreaterThan(2000);
    const s = scoreCorpus(entries, masker, { streaming: true, seed: 7 });
    expect(s.recall, JSON.stringify(s.misses.slice(0, 5))).toBeGreaterThanOrEqual(0.99);
    expect(s.falsePositiveRate, JSON.stringify(s.fpSamples.slice(0, 5))).toBeLessThanOrEqual(0.005);
    expect(s.streamingMismatches).toEqual([]);
  }, 120_000);

  it('own corpus (held out from tuning): recall ≥ 98 %, false positives ≤ 0.5 %, streaming = whole text', () => {
    const entries = loadCorpus(OWN_CORPUS);
    expect(entries.length).toBeGreaterThan(300);
    const s = scoreCorpus(entries, masker, { streaming: true, seed: 11 });
    expect(s.recall, JSON.stringify(s.misses.slice(0, 5))).toBeGreaterThanOrEqual(0.98);
    expect(s.falsePositiveRate, JSON.stringify(s.fpSamples.slice(0, 5))).toBeLessThanOrEqual(0.005);
    expect(s.streamingMismatches).toEqual([]);
  }, 60_000);

  it('own prose corpus (secrets named in prose, chat and unusual keys): recall ≥ 97 %, no false positive on hard negatives, streaming = whole text', () => {
    const entries = loadCorpus(PROSE_CORPUS);
    expect(entries.length).toBeGreaterThan(100);
    const s = scoreCorpus(entries, masker, { streaming: true, seed: 13 });
    expect(s.recall, JSON.stringify(s.misses.slice(0, 5))).toBeGreaterThanOrEqual(0.97);
    expect(s.falsePositives, JSON.stringify(s.fpSamples.slice(0, 5))).toBe(0);
    expect(s.streamingMismatches).toEqual([]);
  }, 60_000);
});
