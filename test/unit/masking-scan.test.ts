/**
 * The fast scanner must find exactly what a plain search finds. Detectors are searched
 * only where one of their start literals occurs (read off each regex), with match indices
 * built only when a secret's position is ambiguous; streaming hold-back is searched the
 * same way. Each is held equal to a reference that runs every regex globally, on the
 * corpora, on every prefix of a sample of snippets, and on generated text.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { groupsInLookarounds, literalStarts } from '../../proxy/masking/anchors.js';
import type { Detector } from '../../proxy/masking/detector.js';
import { ALL_DETECTORS } from '../../proxy/masking/detectors/index.js';
import { shannonEntropy } from '../../proxy/masking/entropy.js';
import { openCandidates, openCandidatesReference } from '../../proxy/masking/hold-scan.js';
import { KeywordCarry } from '../../proxy/masking/keyword-carry.js';
import { Hits } from '../../proxy/masking/keywords.js';
import { prefilterFor, scanOpen, scanReference } from '../../proxy/masking/scan.js';
import { loadCorpus, OWN_CORPUS, SHARED_CORPUS } from '../helpers/corpus.js';

const sorted = (xs: string[] | null) => (xs === null ? null : [...xs].sort());

describe('literal starts read off a regex', () => {
  it('finds the literal prefixes every match must begin with', () => {
    expect(sorted(literalStarts(/(?<secret>(?:ghp_|gho_)(?<=(?<![A-Za-z0-9])(?:ghp_|gho_))[A-Za-z0-9]{36})/))).toEqual(['gho_', 'ghp_']);
    expect(literalStarts(/\bBasic\s+(?<secret>[A-Za-z0-9+/]{8,})/)).toEqual(['basic']);
    expect(sorted(literalStarts(/[?&](?:api|key)=/))).toEqual(['&api=', '&key=', '?api=', '?key=']);
    expect(literalStarts(/(?<=foo)bar/)).toEqual(['bar']);
    expect(literalStarts(/\x60abc/)).toEqual(['`abc']);
    expect(literalStarts(/x{2}y/)).toEqual(['x']);
    expect(literalStarts(/ab(?:cd)?e/)).toEqual(['ab']);
    expect(literalStarts(/Pass(?:word)?=/i)).toEqual(['pass']);
    expect(sorted(literalStarts(/[ \t]is[ \t]+`/))).toEqual(['\tis\t', '\tis ', ' is\t', ' is ']);
  });

  it('drops literals that extend a shorter one', () => {
    expect(literalStarts(/(?:password|pass|pwd)/)).toEqual(['pwd', 'pass']);
  });

  it('gives up when a match could start with anything', () => {
    expect(literalStarts(/a?bc/)).toBeNull();
    expect(literalStarts(/(?:ab|c*)d/)).toBeNull();
    expect(literalStarts(/foo|[a-z]bar/)).toBeNull();
    expect(literalStarts(/.key/)).toBeNull();
    expect(literalStarts(/\d{4}-/)).toBeNull();
    expect(literalStarts(/^(?<indent>[^x]+)y/m)).toBeNull();
    expect(literalStarts(/(\w)\1/)).toBeNull();
    expect(literalStarts(/é/)).toBeNull();
  });

  it('names the capture groups that sit inside look-arounds', () => {
    expect([...groupsInLookarounds(/(?<=(?<p1>a)|(?<p2>[(]))(?<s1>b)(?=(?<n>c))/)].sort()).toEqual(['n', 'p1', 'p2']);
    expect([...groupsInLookarounds(/(?<secret>x)\(?<not>y\)/)]).toEqual([]);
  });

  it('anchors most detectors (the rest are searched globally)', () => {
    const anchored = ALL_DETECTORS.filter((d) => (literalStarts(d.pattern) ?? []).every((l) => l.length >= 2) && literalStarts(d.pattern) !== null);
    expect(anchored.length / ALL_DETECTORS.length).toBeGreaterThan(0.9);
  });
});

const shared = loadCorpus(SHARED_CORPUS).map((e) => e.text);
const own = loadCorpus(OWN_CORPUS).map((e) => e.text);

describe('anchored scanning equals a global search', () => {
  it('on every snippet of both corpora, from the start and from a point inside', () => {
    expect(shared.length).toBeGreaterThan(2000);
    let differing = 0;
    for (const text of [...shared, ...own]) {
      for (const from of [0, Math.floor(text.length / 3)]) {
        if (JSON.stringify(scanOpen(text, ALL_DETECTORS, from)) !== JSON.stringify(scanReference(text, ALL_DETECTORS, from))) differing++;
      }
    }
    expect(differing).toBe(0);
  }, 120_000);

  it('from their one start character (searched with indexOf), with matches back to back', () => {
    // mailgun-api-key begins with "-", the XML settings pattern with "<": both are searched
    // only where that character occurs, and must find what the global search finds, also a
    // match that starts right where the one before ends.
    const hex = (n: number, seed: number) => Array.from({ length: n }, (_, i) => '0123456789abcdef'[(seed * 7 + i * 13) % 16]).join('');
    const xml = '<password>Zq8vT3kP1x</password><token>Wm4rY7nB2s</token><apiKey>Lp9dF6hJ3k</apiKey>';
    const mailgun = `${hex(32, 1)}-${hex(8, 2)}-${hex(8, 3)}`;
    const texts = [xml, xml + xml, `x ${xml} y`, `${mailgun} ${mailgun}`, `a-b --c ${mailgun}-${hex(8, 4)}`, `<<<${xml}<`, `-${mailgun}--${mailgun}`];
    for (const text of texts) {
      const got = scanOpen(text, ALL_DETECTORS);
      expect(got).toEqual(scanReference(text, ALL_DETECTORS));
      for (const from of [1, 5, text.length >> 1]) expect(scanOpen(text, ALL_DETECTORS, from)).toEqual(scanReference(text, ALL_DETECTORS, from));
    }
    expect(scanOpen(xml, ALL_DETECTORS).findings.length).toBe(3);
    // Those two cannot match back to back; a pattern of that kind that can:
    const hashes: Detector[] = [{ id: 'hash-tag', description: 'test', pattern: /#(?<secret>[a-z0-9]{4})/dg, keywords: ['#'], priority: 1 }];
    for (const text of ['#abcd#efgh#ijkl', 'x#abc#defgh##ijkl#', '#'.repeat(9)]) expect(scanOpen(text, hashes)).toEqual(scanReference(text, hashes));
    expect(scanOpen('#abcd#efgh#ijkl', hashes).findings.length).toBe(3);
  });

  it('streaming hold-back on every prefix of a sample of snippets', () => {
    let cases = 0;
    let differing = 0;
    for (const text of shared.filter((_, i) => i % 9 === 0)) {
      for (let cut = 1; cut <= text.length; cut += 5) {
        const s = text.slice(0, cut);
        const from = Math.max(0, cut - 40);
        cases++;
        const region = Math.max(0, from - 30);
        if (JSON.stringify(openCandidates(s, ALL_DETECTORS, from, region)) !== JSON.stringify(openCandidatesReference(s, ALL_DETECTORS, from, region))) differing++;
      }
    }
    expect(cases).toBeGreaterThan(10_000);
    expect(differing).toBe(0);
  }, 120_000);

  it('in-progress search: places the first characters rule out are skipped, the candidate after them is found', () => {
    // Each text has start characters or literals that cannot begin a candidate ("-" before a
    // non-hex letter, "key" in "keyof", ":" in prose) before the one that does; the search
    // skips the first ones without a regex call and must still find the last (the same as the
    // reference, which tries every place).
    const texts = [
      'x-y and z-q then 3f2a-',
      'see x-y: the id is 0b1e-',
      'type K = keyof T; const key = "sk_live_abc',
      'keyof keys: then password: hunter2x',
      'Note: see https://example.com/a and https://user:pa',
      'a<b c<d <add key="ApiKey" value="abc',
    ];
    for (const text of texts) {
      const got = openCandidates(text, ALL_DETECTORS, 0, 0);
      expect(got).toEqual(openCandidatesReference(text, ALL_DETECTORS, 0, 0));
      expect(got.at).toBeLessThan(text.length);
      for (const from of [1, text.length >> 1, text.length - 3]) expect(openCandidates(text, ALL_DETECTORS, from, from)).toEqual(openCandidatesReference(text, ALL_DETECTORS, from, from));
    }
  });

  it('in-progress search: a detector listed only because its keyword has begun at the end is tried unless its start literals all contain its keywords', () => {
    // The text ends in the start of a keyword ("_" of npmrc's "_auth", "basi" of "basic"):
    // npmrc-auth's tail starts with ":_", which holds none of its keywords, so it must still be
    // tried (a candidate that the reference finds); the token-prefix detectors whose literals
    // are their keywords ("sk-", "ghp_") are left out and find nothing either way.
    const texts = ['//registry.npmjs.org/:_', 'the quick brown fox:_', 'Authorization: Basi', 'call it with sk', 'use gh', 'x = access_token$pro', 'see sharedsecretvalu'];
    for (const text of texts) {
      expect(openCandidates(text, ALL_DETECTORS, 0, 0)).toEqual(openCandidatesReference(text, ALL_DETECTORS, 0, 0));
      for (const from of [1, text.length - 3]) expect(openCandidates(text, ALL_DETECTORS, from, from)).toEqual(openCandidatesReference(text, ALL_DETECTORS, from, from));
    }
    expect(openCandidates(texts[0]!, ALL_DETECTORS, 0, 0).at).toBe(texts[0]!.length - 2);
  });

  // Text made of what detectors key on: keywords, token prefixes, separators, quotes, long
  // random runs, line breaks, in any mix and case.
  const pieces = [
    'password', 'PASSWORD', 'pwd', 'secret', 'token', 'api_key', 'apiKey', 'auth', 'Bearer ', 'Basic ', 'key-', 'ghp_', 'github_pat_', 'sk-', 'sk-ant-',
    'xoxb-', 'AKIA', 'eyJ', 'AIza', '-----BEGIN RSA PRIVATE KEY-----', '-----END RSA PRIVATE KEY-----', 'https://', 'user:', '@host', '?api_key=', '&token=',
    ' = ', ': ', '=', ':', '"', "'", '`', ' ', '\n', '\t', 'kind: Secret\n', 'data:\n', '  ', '--password ', 'that\'s the API key', ' is ', 'my token is ', '<add key="ApiKey" value="',
  ];
  const run = fc.stringMatching(/^[A-Za-z0-9+/_\-.]{1,48}$/);
  const textArb = fc.array(fc.oneof(fc.constantFrom(...pieces), run), { minLength: 1, maxLength: 40 }).map((xs) => xs.join(''));

  it('on generated text (property)', () => {
    fc.assert(
      fc.property(textArb, fc.nat(), (text, f) => {
        const from = text.length ? f % text.length : 0;
        expect(scanOpen(text, ALL_DETECTORS, from)).toEqual(scanReference(text, ALL_DETECTORS, from));
        for (const region of [0, Math.max(0, from - 25), from]) {
          expect(openCandidates(text, ALL_DETECTORS, from, region)).toEqual(openCandidatesReference(text, ALL_DETECTORS, from, region));
        }
      }),
      { numRuns: 400, seed: 20261121 },
    );
  });

  it('keywords carried from push to push equal a fresh scan from any point (property)', () => {
    const index = prefilterFor(ALL_DETECTORS).index;
    const wanted = new Uint8Array(index.size).map((_, i) => i % 3);
    const seen = (scanned: (present: Uint8Array, hits: Hits) => number) => {
      const present = new Uint8Array(index.size);
      const hits = new Hits(wanted);
      const state = scanned(present, hits);
      return { state, present: [...present], seen: [...hits.seen.subarray(0, hits.seenCount)].sort((a, b) => a - b), hits: [...hits.ids.subarray(0, hits.length)].map((id, k) => `${id}@${hits.starts[k]}`) };
    };
    fc.assert(
      fc.property(textArb, fc.array(fc.integer({ min: 1, max: 24 }), { minLength: 1, maxLength: 30 }), fc.nat(), (text, cuts, f) => {
        // The stream's buffer grows by pushes and loses its front now and then, as the streaming masker's does.
        const carry = new KeywordCarry();
        let buf = '';
        let at = 0;
        for (let k = 0; at < text.length; k++) {
          const n = cuts[k % cuts.length]!;
          buf += text.slice(at, at + n);
          at += n;
          if (k % 4 === 3 && buf.length > 10) {
            const drop = Math.floor(buf.length / 2);
            carry.base += drop;
            buf = buf.slice(drop);
          }
          const from = (f + k) % (buf.length + 1);
          expect(seen((p, h) => carry.scan(index, buf, p, from, h))).toEqual(seen((p, h) => index.scan(buf, p, from, buf.length, h)));
        }
      }),
      { numRuns: 300, seed: 20261202 },
    );
  });
});

describe('entropy', () => {
  it('equals the textbook formula over UTF-16 units, ASCII or not', () => {
    const reference = (s: string) => {
      const counts = new Map<number, number>();
      for (let i = 0; i < s.length; i++) counts.set(s.charCodeAt(i), (counts.get(s.charCodeAt(i)) ?? 0) + 1);
      let h = 0;
      for (const c of counts.values()) h -= (c / s.length) * Math.log2(c / s.length);
      return h;
    };
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), fc.string({ maxLength: 80 }), (a, b) => {
        expect(shannonEntropy(a + b)).toBeCloseTo(reference(a + b), 9);
      }),
      { numRuns: 300, seed: 7 },
    );
    expect(shannonEntropy('')).toBe(0);
    expect(shannonEntropy('aaaa')).toBe(0);
  });

  it('gives exactly the figure of the in-place sum (the remembered p·log2(p) terms change no bit)', () => {
    // The sum as written before the terms were remembered: ASCII in order of first sighting, then the rest.
    const inPlace = (s: string) => {
      const ascii = new Map<number, number>();
      const wide = new Map<number, number>();
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        const m = c < 128 ? ascii : wide;
        m.set(c, (m.get(c) ?? 0) + 1);
      }
      let h = 0;
      for (const k of [...ascii.values(), ...wide.values()]) {
        const p = k / s.length;
        h -= p * Math.log2(p);
      }
      return h;
    };
    const alphabet = fc.constantFrom(...'aAbB01+/-_=é中xyz'.split(''));
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 300 }), (chars) => {
        const s = chars.join('');
        expect(shannonEntropy(s)).toBe(inPlace(s));
        expect(shannonEntropy(s)).toBe(inPlace(s)); // a second time: from the remembered terms
      }),
      { numRuns: 500, seed: 11 },
    );
  });
});

describe('the masker remembers recent long texts', () => {
  it('gives the same result from its cache as from a scan, and copes with callers changing what it returned', async () => {
    const { Masker } = await import('../../proxy/masking/index.js');
    const key = Buffer.alloc(32, 9);
    const cached = new Masker({ key });
    const plain = new Masker({ key, cacheChars: 0 });
    const long = shared.filter((t) => t.length >= 512);
    expect(long.length).toBeGreaterThan(200);
    for (const text of long) {
      const expected = plain.mask(text);
      expect(cached.mask(text)).toEqual(expected); // scanned, then remembered
      const again = cached.mask(text);
      expect(again).toEqual(expected); // from the cache
      again.findings.forEach((f) => (f.start = -1));
      expect(cached.mask(text)).toEqual(expected);
    }
    expect(plain.cachedChars).toBe(0);
  });

  it('stays within its character budget, dropping the least recently used', async () => {
    const { Masker } = await import('../../proxy/masking/index.js');
    const m = new Masker({ key: Buffer.alloc(32, 1), cacheChars: 5000 });
    const texts = Array.from({ length: 40 }, (_, i) => `line ${i} `.repeat(80));
    for (const t of texts) {
      m.mask(t);
      expect(m.cachedChars).toBeLessThanOrEqual(5000);
    }
    expect(m.cachedChars).toBeGreaterThan(0);
  });
});

describe('placeholder tags', () => {
  it('are HMAC-SHA-256 of the secret (first 4 hex digits), for any secret and key length', async () => {
    const { createHmac, randomBytes } = await import('node:crypto');
    const { Masker } = await import('../../proxy/masking/index.js');
    for (const keyLength of [32, 64, 65, 100]) {
      const key = randomBytes(keyLength);
      const m = new Masker({ key });
      fc.assert(
        fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (secret) => {
          const expected = createHmac('sha256', key).update(secret).digest('hex').slice(0, 4);
          expect(m.placeholder('github-pat', secret)).toBe(`[MASKED:github-pat:${expected}]`);
        }),
        { numRuns: 300 },
      );
      // Long secrets too (the generated ones are mostly short), then short ones again: the reused buffer grows.
      for (const secret of ['x'.repeat(65), '中'.repeat(200), 'é😀'.repeat(300), 'short', '']) {
        expect(m.placeholder('github-pat', secret)).toBe(`[MASKED:github-pat:${createHmac('sha256', key).update(secret).digest('hex').slice(0, 4)}]`);
      }
    }
  });
});

describe('kind: Secret lines', () => {
  const REFERENCE = /^kind:[ \t]*["']?Secret["']?[ \t]*$/m;
  it('are found where kind: occurs exactly as the multiline regex finds them', async () => {
    const { hasSecretKindLine } = await import('../../proxy/masking/detectors/auth.js');
    for (const t of ['kind: Secret', 'a\nkind:Secret\n', 'a\rkind: "Secret" \r\nb', 'xkind: Secret', 'kind: Secrets', 'kind: ConfigMap\nkind: Secret', 'kind:\u2028kind: Secret\u2029']) {
      expect(hasSecretKindLine(t), JSON.stringify(t)).toBe(REFERENCE.test(t));
    }
    const piece = fc.constantFrom('kind:', ' ', '\t', '\n', '\r', '\u2028', 'Secret', '"', "'", 'x', 'kind: Secret');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (parts) => {
        const t = parts.join('');
        expect(hasSecretKindLine(t)).toBe(REFERENCE.test(t));
      }),
      { numRuns: 2000, seed: 20261203 },
    );
  });
});
