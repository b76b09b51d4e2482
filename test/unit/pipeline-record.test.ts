/** What the record keeps besides bodies: headers with credentials redacted, and the response's pace. */
import { describe, expect, it } from 'vitest';
import { redactHeaders, trackPace } from '../../proxy/pipeline/index.js';
import { Masker } from '../../proxy/masking/index.js';

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
