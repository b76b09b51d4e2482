/** What the record keeps besides bodies: headers with credentials redacted, and the response's pace. */
import type { IncomingHttpHeaders } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redactHeaders, trackPace } from '../../proxy/pipeline/index.js';
import { Masker, maskUrl } from '../../proxy/masking/index.js';

const masker = new Masker({ key: Buffer.alloc(32, 7) });

describe('redactHeaders', () => {
  it('redacts credentials (keeping the auth scheme), masks secrets elsewhere, keeps the rest', () => {
    const out = redactHeaders(
      {
        authorization: 'Bearer tid=abc;exp=1;sku=x:MAC',
        'proxy-authorization': 'Basic dXNlcjpwYXNz',
        cookie: 'sid=1',
        'request-hmac': '1767880000.deadbeef',
        'x-custom-api-key': 'k-123',
        'x-debug': 'token ghp_1234567890abcdefghijklmnopqrstuvwxyzAB here',
        'editor-version': 'vscode/1.108.0',
        'set-cookie': ['a=1', 'b=2'],
      },
      masker,
    );
    const map = new Map<string, string[]>();
    for (const [k, v] of out) map.set(k, [...(map.get(k) ?? []), v]);
    expect(map.get('authorization')).toEqual(['Bearer [REDACTED]']);
    expect(map.get('proxy-authorization')).toEqual(['Basic [REDACTED]']);
    expect(map.get('cookie')).toEqual(['[REDACTED]']);
    expect(map.get('request-hmac')).toEqual(['[REDACTED]']);
    expect(map.get('x-custom-api-key')).toEqual(['[REDACTED]']);
    expect(map.get('set-cookie')).toEqual(['[REDACTED]', '[REDACTED]']);
    expect(map.get('x-debug')![0]).toMatch(/^token \[MASKED:github-pat:[0-9a-f]{4}\] here$/);
    expect(map.get('editor-version')).toEqual(['vscode/1.108.0']);
    expect(JSON.stringify(out)).not.toMatch(/MAC|dXNlcjpwYXNz|deadbeef|k-123|ghp_/);
    expect(out.map(([k]) => k)).toEqual([...out.map(([k]) => k)].sort());
  });
});

/** redactHeaders as it was before names and clean values were remembered: the oracle. */
function redactReference(headers: IncomingHttpHeaders, m: Masker): Array<[string, string]> {
  const CREDENTIAL = /^(?:authorization|proxy-authorization|cookie|set-cookie|request-hmac)$|token|secret|password|passwd|api-?key|session|hmac|signature|credential|auth/i;
  const out: Array<[string, string]> = [];
  for (const [name, raw] of Object.entries(headers)) {
    if (raw === undefined) continue;
    for (const v of Array.isArray(raw) ? raw : [raw]) {
      const value = String(v);
      if (CREDENTIAL.test(name)) {
        const scheme = /^(?:authorization|proxy-authorization)$/i.test(name) ? /^([A-Za-z][\w-]*)\s+\S/.exec(value)?.[1] : undefined;
        out.push([name, scheme ? `${scheme} [REDACTED]` : '[REDACTED]']);
        continue;
      }
      const masked = /^(?:referer|location|content-location)$/i.test(name) ? maskUrl(m, value).text : m.mightContainSecret(value) ? m.mask(value).text : value;
      out.push([name, masked.length > 512 ? `${masked.slice(0, 512)}…` : masked]);
    }
  }
  return out.sort((a, b) => a[0].localeCompare(b[0]));
}

describe('redactHeaders remembers header names and clean values without changing an answer', () => {
  it('matches the reference over generated headers, each set twice (fixed seed)', () => {
    const m = new Masker({ key: Buffer.alloc(32, 11) });
    const name = fc.oneof(
      fc.constantFrom('authorization', 'Authorization', 'proxy-authorization', 'cookie', 'x-api-key', 'referer', 'Location', 'user-agent', 'editor-version', 'x-request-id', 'X-Upper', 'a-b', 'a_b', 'ab', 'Z'),
      fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,14}$/),
    );
    const value = fc.oneof(
      fc.constantFrom('Bearer abc', 'Basic dXNlcjpwYXNz', 'vscode/1.108.0', 'token ghp_1234567890abcdefghijklmnopqrstuvwxyzAB here', 'https://x.test/a?token=ghp_1234567890abcdefghijklmnopqrstuvwxyzAB', 'x'.repeat(600), ''),
      fc.string({ maxLength: 40 }),
    );
    const headers = fc.dictionary(name, fc.oneof(value, fc.array(value, { minLength: 1, maxLength: 3 })), { maxKeys: 8 });
    fc.assert(
      fc.property(headers, (h) => {
        const expected = redactReference(h, m);
        expect(redactHeaders(h, m)).toEqual(expected);
        expect(redactHeaders(h, m)).toEqual(expected);
      }),
      { seed: 1212, numRuns: 300 },
    );
  });
});

describe('trackPace', () => {
  it('keeps one point per 16 ms, cumulative, and stays under 1000 points on long streams', () => {
    const pace: Array<[number, number, number]> = [];
    trackPace(pace, 1000, 5, 0);
    trackPace(pace, 1005, 9, 0); // within 16 ms of the previous point: not a new one... except for the first
    trackPace(pace, 1010, 12, 0);
    expect(pace).toEqual([
      [1000, 5, 0],
      [1005, 12, 0],
    ]);
    trackPace(pace, 1030, 12, 4);
    expect(pace[pace.length - 1]).toEqual([1030, 12, 4]);
    for (let k = 1; k <= 5000; k++) trackPace(pace, 1030 + k * 20, 12 + k, 4);
    expect(pace.length).toBeLessThanOrEqual(1000);
    expect(pace[0]).toEqual([1000, 5, 0]); // the first token stays
    expect(pace[pace.length - 1]).toEqual([1030 + 5000 * 20, 5012, 4]); // and the end
    pace.slice(1).forEach((p, k) => expect(p[0] > pace[k]![0] && p[1] >= pace[k]![1]).toBe(true));
  });
});
