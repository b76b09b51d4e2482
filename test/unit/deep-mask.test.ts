import { describe, expect, it } from 'vitest';
import { Masker } from '../../proxy/masking/index.js';
import { maskDeep } from '../../proxy/protocols/index.js';

const masker = new Masker({ key: Buffer.alloc(32, 3) });
const PAT = 'ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';

describe('maskDeep', () => {
  it('returns the very same value, arrays and objects included, when nothing is found', () => {
    const v = { model: 'gpt', messages: [{ role: 'user', content: 'hello' }, { role: 'tool', content: '  {"a":[1,"x"]}' }], n: 3, ok: null };
    expect(maskDeep(v, masker).value).toBe(v);
  });

  it('names each finding by its path (keys, indexes, JSON inside a string) and copies only what changed', () => {
    const untouched = { role: 'system', content: 'be brief' };
    const v = {
      messages: [untouched, { role: 'assistant', tool_calls: [{ function: { name: 'run', arguments: JSON.stringify({ cmd: `echo ${PAT}` }) } }] }],
      extra: [`token ${PAT}`],
    };
    const r = maskDeep(v, masker);
    expect(r.findings).toEqual([
      { type: 'github-pat', path: 'messages[1].tool_calls[0].function.arguments→cmd' },
      { type: 'github-pat', path: 'extra[0]' },
    ]);
    expect(JSON.stringify(r.value)).not.toContain(PAT);
    expect(r.value).not.toBe(v);
    expect(r.value.messages[0]).toBe(untouched);
    expect(Object.keys(r.value.messages[1]!)).toEqual(['role', 'tool_calls']);
    expect(v.extra[0]).toContain(PAT); // the input is not modified
  });

  it('asks skip with the path of every key and leaves skipped values as they are', () => {
    const asked: string[] = [];
    const v = { a: { b: [PAT, { c: PAT }] }, d: PAT };
    const r = maskDeep(v, masker, (path, key) => (asked.push(path), key === 'c'));
    expect(asked).toEqual(['a', 'a.b', 'a.b[1].c', 'd']);
    expect(r.findings.map((f) => f.path)).toEqual(['a.b[0]', 'd']);
    expect((r.value.a.b[1] as { c: string }).c).toBe(PAT);
  });

  it('keeps a "__proto__" key of a copied object as a key, as JSON.parse made it', () => {
    const v = JSON.parse(`{"__proto__":{"model":"other"},"a":"${PAT}"}`) as Record<string, unknown>;
    const r = maskDeep(v, masker);
    expect(Object.getPrototypeOf(r.value)).toBe(Object.prototype);
    expect(Object.keys(r.value)).toEqual(['__proto__', 'a']);
    expect(JSON.parse(JSON.stringify(r.value))).toEqual({ ['__proto__']: { model: 'other' }, a: expect.stringMatching(/^\[MASKED:github-pat:[0-9a-f]{4}\]$/) });
  });

  it('masks a string that only looks like JSON as text', () => {
    const r = maskDeep({ s: `[not json ${PAT}` }, masker);
    expect(r.findings).toEqual([{ type: 'github-pat', path: 's' }]);
  });

  it('masks a secret used as an object key, and no finding path carries it', () => {
    const args = JSON.stringify({ env: { [PAT]: true, other: 1 } });
    const v = { messages: [{ role: 'assistant', tool_calls: [{ function: { name: 'run', arguments: args } }] }], [PAT]: { inner: PAT } };
    const r = maskDeep(v, masker);
    const out = JSON.stringify(r.value);
    expect(out).not.toContain(PAT);
    expect(JSON.stringify(r.findings)).not.toContain(PAT);
    expect(r.findings.map((f) => f.type)).toEqual(['github-pat', 'github-pat', 'github-pat']);
    expect(r.findings.map((f) => f.path)).toContain('messages[0].tool_calls[0].function.arguments→env.{key}');
    const top = Object.keys(r.value).find((k) => k !== 'messages')!;
    expect(top).toMatch(/^\[MASKED:github-pat:[0-9a-f]{4}\]$/);
    expect(r.findings.map((f) => f.path)).toContain(`${top}.inner`);
    expect(Object.keys(r.value)[0]).toBe('messages'); // order kept
    // Keys found clean are remembered for the masker; the same value again gives the same result.
    expect(maskDeep(v, masker)).toEqual(r);
  });
});
