/**
 * Shortcuts of the searches a stream makes at every push, held to the references that try
 * every listed detector everywhere: the in-progress search counts each anchored search's
 * start-literal hits after its region and calls no search (nor the detector's applies())
 * whose row has none; the complete-match search skips an anchored detector without hits
 * before its applies(); both look their plan up among the last few lists before the WeakMap.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Detector } from '../../proxy/masking/detector.js';
import { ALL_DETECTORS } from '../../proxy/masking/detectors/index.js';
import { holdWords, openCandidates, openCandidatesReference } from '../../proxy/masking/hold-scan.js';
import { Masker } from '../../proxy/masking/index.js';
import { scanOpen, scanReference } from '../../proxy/masking/scan.js';
import { loadCorpus, OWN_CORPUS, PROSE_CORPUS, SHARED_CORPUS } from '../helpers/corpus.js';
import { streamMasked } from '../helpers/streams.js';

/** Every keyword, token prefix and start literal of the in-progress and complete-match searches, with token runs and separators. */
const words = [...new Set(holdWords(ALL_DETECTORS))];
const run = fc.stringMatching(/^[A-Za-z0-9+/_\-.]{1,24}$/);
const sep = fc.constantFrom(' ', '\n', ':', '=', '"', "'", '@', '/', ': ', ' = ', '\t');
const textArb = fc.array(fc.oneof(fc.constantFrom(...words), run, sep), { minLength: 1, maxLength: 16 }).map((xs) => xs.join(''));

const json = (x: unknown) => JSON.stringify(x);

describe('the in-progress search calls only the searches whose start literals occur after the region', () => {
  it('finds a candidate whose only start literal begins exactly at the region, or only starts its tail', () => {
    // A key name whose value has not started (a tail), a token prefix at the region's start,
    // a URL whose password is in progress: each found only through its one hit.
    const texts = ['password', 'token: ghp_', 'see https://user:pa', 'x PASSWORD=', 'Authorization: Bearer ', 'curl -u admin:', 'mysql -p', 'Server=x;Pwd='];
    for (const text of texts) {
      for (let region = 0; region <= text.length; region++) {
        for (const from of [0, region]) {
          expect(json(openCandidates(text, ALL_DETECTORS, from, region))).toBe(json(openCandidatesReference(text, ALL_DETECTORS, from, region)));
        }
      }
    }
  });

  it('answers as the reference does on text made of the searches own words (property)', () => {
    fc.assert(
      fc.property(textArb, fc.nat(), fc.nat(), (text, f, r) => {
        const from = f % (text.length + 1);
        for (const region of [0, r % (from + 1), from]) {
          expect(json(openCandidates(text, ALL_DETECTORS, from, region))).toBe(json(openCandidatesReference(text, ALL_DETECTORS, from, region)));
        }
      }),
      { numRuns: 400, seed: 20261204 },
    );
  });
});

describe('the complete-match search skips an anchored detector without hits', () => {
  it('still searches the detectors without start literals, whose keyword is all they need', () => {
    // mailgun-api-key (one start character), generic-secret's config form, kubernetes-secret
    // (no start literal at all): none has a hit list to count.
    const texts = ['id 0123456789abcdef0123456789abcdef-01234567-89abcdef end', '<add key="DbPassword" value="S3cr3tV4lue9xQ" />', 'apiVersion: v1\nkind: Secret\ndata:\n  password: c2VjcmV0c2VjcmV0MTIz\n'];
    for (const text of texts) {
      const want = scanReference(text, ALL_DETECTORS, 0);
      expect(want.findings.length).toBeGreaterThan(0);
      expect(json(scanOpen(text, ALL_DETECTORS, 0))).toBe(json(want));
    }
  });

  it('finds what the reference finds on text made of the searches own words (property)', () => {
    fc.assert(
      fc.property(textArb, fc.nat(), (text, f) => {
        const from = f % (text.length + 1);
        expect(json(scanOpen(text, ALL_DETECTORS, from))).toBe(json(scanReference(text, ALL_DETECTORS, from)));
      }),
      { numRuns: 400, seed: 20261205 },
    );
  });
});

describe('plans of the last few lists, found before the WeakMap', () => {
  it('gives each of more lists than it keeps its own plan, searched in rotation', () => {
    // Six lists (more than the four kept), each a different share of the detectors, so a plan
    // answered for the wrong list finds other candidates or other matches.
    const lists: Detector[][] = [0, 1, 2, 3, 4, 5].map((k) => ALL_DETECTORS.filter((_, i) => i % 6 !== k));
    const texts = ['token: ghp_abc', 'password = "hunter2hunter2', 'see https://user:pa', 'AKIAIOSFODNN7EXAMPLE and secret', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.', 'pwd: '];
    for (let round = 0; round < 3; round++) {
      for (const text of texts) {
        for (const list of round === 1 ? [...lists].reverse() : lists) {
          expect(json(scanOpen(text, list, 0))).toBe(json(scanReference(text, list, 0)));
          expect(json(openCandidates(text, list, 0, 0))).toBe(json(openCandidatesReference(text, list, 0, 0)));
        }
      }
    }
  });
});

describe('a stream with these shortcuts', () => {
  it('masks every fixture as whole text does, pushed in pieces of 1–16 characters (each its own generated chunking)', () => {
    const masker = new Masker({ key: Buffer.alloc(32, 7), cacheChars: 0 });
    const texts = [SHARED_CORPUS, OWN_CORPUS, PROSE_CORPUS].flatMap((f) => loadCorpus(f).map((e) => e.text));
    expect(texts.length).toBeGreaterThan(1000);
    const chunkings = fc.sample(fc.array(fc.integer({ min: 1, max: 16 }), { minLength: 1, maxLength: 12 }), { numRuns: texts.length, seed: 20261206 });
    texts.forEach((text, i) => {
      expect(streamMasked(masker, text, chunkings[i]!)).toBe(masker.mask(text).text);
    });
  }, 120_000);
});
