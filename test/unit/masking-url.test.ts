/**
 * maskUrl keeps the targets in which it found nothing and answers them again without a
 * scan (the same endpoints come back on every request). The table must never change an
 * answer: every URL here is masked with and without it, in varied orders, and compared.
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { Masker } from '../../proxy/masking/index.js';
import { maskUrl, maskUrlNow } from '../../proxy/masking/url.js';

const PAT = 'ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
const AWS = 'AKIAZ7XK2M4P6R8T3VQW';
const encodeAll = (s: string) => [...s].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`).join('');

/** The fault test's cases (url-secrets.test.ts) and the endpoints clients call. */
const CASES = [
  '/chat/completions',
  '/small',
  '/models',
  '/_ping',
  '/v1/engines/copilot-codex/completions',
  '/models?x=%20y&z=a%2Fb',
  '/p%C3%A4th/%E0%A4%A?q=%',
  '/?a=&=b&&c',
  `/chat/completions?fixture=02-chat.response.sse.txt&token=${PAT}&t=url-query&access=${encodeAll(PAT)}`,
  `/v1/engines/${AWS}/completions?alt=${PAT.replace('_', '%5F')}`,
  `/x?t=${PAT.replace('_', '%255F')}`,
  '/x?api%5Fkey=abcd1234efgh5678ijkl&n=1',
  `/x?note=${encodeURIComponent(`a&b=c/d ${PAT}`)}&n=1`,
  `/a/${AWS}/b`,
  `/a/${encodeAll(AWS)}/b`,
  '/x?password=hunter2hunter2&n=1',
  '/x?token=abc',
];

describe('maskUrl with its table of clean targets', () => {
  it('gives what a full scan gives, first time and again, for the fault cases', () => {
    const masker = new Masker({ key: Buffer.alloc(32, 3) });
    for (let round = 0; round < 3; round++) {
      for (const u of CASES) expect(maskUrl(masker, u), u).toEqual(maskUrlNow(masker, u));
    }
  });

  it('gives what a full scan gives over generated URLs (fixed seed)', () => {
    const segment = fc.oneof(
      fc.constantFrom('chat', 'completions', 'v1', 'models', 'engines', 'a', AWS, encodeAll(AWS), PAT.slice(0, 12), '%2F', '%5F'),
      fc.stringMatching(/^[A-Za-z0-9_%.-]{0,24}$/),
    );
    const param = fc.tuple(fc.constantFrom('q', 'token', 'api_key', 'api%5Fkey', 'x', 'session'), fc.oneof(fc.constantFrom(PAT, encodeAll(PAT), 'abc', '1', ''), fc.stringMatching(/^[A-Za-z0-9%_-]{0,30}$/)));
    const url = fc
      .tuple(fc.array(segment, { maxLength: 5 }), fc.option(fc.array(param, { maxLength: 4 })))
      .map(([segs, params]) => `/${segs.join('/')}${params ? `?${params.map(([k, v]) => `${k}=${v}`).join('&')}` : ''}`);
    const masker = new Masker({ key: Buffer.alloc(32, 5) });
    fc.assert(
      fc.property(fc.array(url, { minLength: 1, maxLength: 6 }), (urls) => {
        // Each URL twice: the second may come from the table.
        for (const u of [...urls, ...urls]) expect(maskUrl(masker, u)).toEqual(maskUrlNow(masker, u));
      }),
      { seed: 1212, numRuns: 300 },
    );
  });

  it('scans a clean target once, a target with a secret every time', () => {
    const masker = new Masker({ key: Buffer.alloc(32, 9) });
    const spy = vi.spyOn(masker, 'mask');
    maskUrl(masker, '/chat/completions');
    maskUrl(masker, '/chat/completions');
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockClear();
    const withSecret = `/a/${AWS}/b`;
    expect(maskUrl(masker, withSecret).findings).toHaveLength(1);
    expect(maskUrl(masker, withSecret).findings).toHaveLength(1);
    expect(spy).toHaveBeenCalledTimes(2);
  });

  it('hands out a findings array of its own each time (callers may add to it)', () => {
    const masker = new Masker({ key: Buffer.alloc(32, 1) });
    const a = maskUrl(masker, '/models');
    a.findings.push({ type: 'x', start: 0, end: 1 } as never);
    expect(maskUrl(masker, '/models').findings).toEqual([]);
  });
});
