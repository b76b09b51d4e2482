import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Masker, PlaceholderLedger } from '../../proxy/masking/index.js';
import { JsonBodyMasker, maskDeep } from '../../proxy/protocols/index.js';
import { objectLayout } from '../../proxy/protocols/json-layout.js';

const masker = new Masker({ key: Buffer.alloc(32, 5) });
const PAT = 'ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
const AWS = 'AKIAQ7XRZ4MBN2VD5KTE';

/** What the whole-body path gives: one string, JSON.parse, maskDeep over everything. */
function whole(bytes: Buffer) {
  const parsed: unknown = JSON.parse(bytes.toString('utf8'));
  return maskDeep(parsed, masker);
}

/** A masker that counts the texts it is asked to mask. */
function counting() {
  const texts: string[] = [];
  return { texts, mask: (t: string) => (texts.push(t), masker.mask(t)) };
}

// Strings that exercise the layout scan: quotes, backslash runs, JSON-looking text, non-ASCII, secrets.
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom('', '"', '\\', '\\"', '\\\\', '"}]', '{"a":[1]}', '  [1, 2]', 'é — 🙂', `token ${PAT}`, `aws_access_key_id = ${AWS}`, JSON.stringify({ cmd: `echo ${PAT}` })),
);
// Keys: the same shapes; a key may hold a secret too (maskDeep masks keys).
const key = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.constantFrom('', '"', '\\', '__proto__', '{"a":[1]}', 'é — 🙂', PAT, `key ${AWS}`));
const json = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, text, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(key, tie('value'), { maxKeys: 4 })),
})).value;
const body = fc.tuple(fc.dictionary(key, json, { maxKeys: 6 }), fc.constantFrom<string | number | undefined>(undefined, 2, '\t', ' \r\n'));

describe('JsonBodyMasker: a JSON object body masked piece by piece', () => {
  it('gives the value, findings and paths maskDeep gives over the whole parsed body, for any object and layout', () => {
    fc.assert(
      fc.property(body, ([obj, space]) => {
        const bytes = Buffer.from(JSON.stringify(obj, null, space), 'utf8');
        const expected = whole(bytes);
        const r = new JsonBodyMasker(1 << 20).mask(bytes, masker);
        // A top-level key with a secret: declined, the caller masks the body whole.
        if (Object.keys(obj).some((k) => masker.mask(k).findings.length > 0)) {
          expect(r).toBeNull();
          return;
        }
        expect(r).not.toBeNull();
        expect(r!.value).toEqual(expected.value);
        expect(r!.findings).toEqual(expected.findings);
        if (expected.findings.length === 0) expect(r!.bytes).toBeNull();
        else {
          expect(JSON.parse(r!.bytes!.toString('utf8'))).toEqual(expected.value);
          expect(r!.bytes!.toString('utf8')).not.toContain(PAT);
        }
      }),
      { numRuns: 400, seed: 20261203 },
    );
  });

  it('reads a body with one byte changed either as JSON.parse would, or not at all (the caller then reads it whole)', () => {
    const base = Buffer.from(JSON.stringify({ model: 'gpt', messages: [{ role: 'user', content: 'a "quoted" \\ word é' }, { role: 'tool', content: '{"x":[1,2]}' }], n: [1, true, null] }));
    fc.assert(
      fc.property(fc.nat(base.length - 1), fc.constantFrom(0x22, 0x5c, 0x2c, 0x3a, 0x5b, 0x5d, 0x7b, 0x7d, 0x20, 0x0a, 0x00, 0x61, 0x31, 0xc3, 0xff), (at, byte) => {
        const bytes = Buffer.from(base);
        bytes[at] = byte;
        const r = new JsonBodyMasker(1 << 20).mask(bytes, masker);
        let expected: unknown;
        try {
          expected = JSON.parse(bytes.toString('utf8'));
        } catch {
          expect(r).toBeNull();
          return;
        }
        if (r === null) return; // e.g. a top-level value that is not an object: read whole
        expect(r.value).toEqual(expected);
      }),
      { numRuns: 1000, seed: 13 },
    );
  });

  it('keeps JSON.parse semantics: "__proto__" is an own key, a repeated key keeps its place and takes the later value', () => {
    const bytes = Buffer.from('{"a":1,"__proto__":{"polluted":true},"b":[2],"a":[3]}');
    const r = new JsonBodyMasker(1 << 20).mask(bytes, masker)!;
    const expected = JSON.parse(bytes.toString()) as Record<string, unknown>;
    expect(r.value).toEqual(expected);
    expect(Object.keys(r.value as object)).toEqual(Object.keys(expected));
    expect(Object.getPrototypeOf(r.value)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('decodes invalid UTF-8 inside a string as the whole text would (U+FFFD)', () => {
    const bytes = Buffer.concat([Buffer.from('{"a":"x'), Buffer.from([0xc3, 0xe2, 0x82]), Buffer.from('","b":["'), Buffer.from([0xf0, 0x9f]), Buffer.from('"]}')]);
    expect(new JsonBodyMasker(1 << 20).mask(bytes, masker)!.value).toEqual(JSON.parse(bytes.toString('utf8')));
  });

  it('declines what is not an object laid out as JSON', () => {
    for (const t of ['[1,2]', '"s"', '\ufeff{"a":1}', '{"a":1,}', '{"a" 1}', '{"a":1} x', '{"a":"unterminated}', '{"a":[1,]}', '{a:1}', '']) {
      expect(objectLayout(Buffer.from(t)), t).toBeNull();
      expect(new JsonBodyMasker(1 << 20).mask(Buffer.from(t), masker), t).toBeNull();
    }
    expect(new JsonBodyMasker(1 << 20).mask(Buffer.from('{"a":tru}'), masker)).toBeNull(); // laid out, but a piece is not JSON
    expect(new JsonBodyMasker(1 << 20).mask(Buffer.from(' {} '), masker)!.value).toEqual({});
  });

  it('forwards the client bytes of every piece it did not mask, and re-encodes only the masked one', () => {
    const clean = '{\n    "role": "system",\n    "content": "be brief \\u00e9"\n  }';
    const bytes = Buffer.from(`{ "messages": [\n  ${clean},\n  {"role":"user","content":"my token is ${PAT}"} ],\n "model" : "gpt" }`);
    const r = new JsonBodyMasker(1 << 20).mask(bytes, masker)!;
    const out = r.bytes!.toString('utf8');
    expect(out).toContain(clean);
    expect(out).toContain(' "model" : "gpt" }');
    expect(out).not.toContain(PAT);
    expect(out).toMatch(/\{"role":"user","content":"my token is \[MASKED:github-pat:[0-9a-f]{4}\]"\}/);
    expect(r.findings).toEqual([{ type: 'github-pat', path: 'messages[1].content' }]);
  });

  it('does not parse or scan again a piece it found clean, and masks a piece with a secret every time', () => {
    const history = [{ role: 'system', content: 'x'.repeat(400) }, { role: 'user', content: `deploy with ${PAT} please, ${'y'.repeat(300)}` }];
    const turn1 = Buffer.from(JSON.stringify({ model: 'gpt', messages: history }));
    const turn2 = Buffer.from(JSON.stringify({ model: 'gpt', messages: [...history, { role: 'assistant', content: 'z'.repeat(300) }] }));
    const bodies = new JsonBodyMasker(1 << 20);
    const first = counting();
    bodies.mask(turn1, first);
    expect(first.texts).toContain('x'.repeat(400));
    const second = counting();
    const r = bodies.mask(turn2, second)!;
    expect(second.texts).not.toContain('x'.repeat(400)); // remembered clean
    expect(second.texts.some((t) => t.includes(PAT))).toBe(true); // the secret's message: masked again
    expect(second.texts).toContain('z'.repeat(300));
    expect(r.value).toEqual(whole(turn2).value);
    expect(r.bytes!.toString()).not.toContain(PAT);
  });

  it('tells the placeholder ledger of a resent secret on every request (its time to live starts again)', () => {
    let now = 0;
    const ledger = new PlaceholderLedger({ ttlMs: 1000, now: () => now });
    const bodies = new JsonBodyMasker(1 << 20);
    const turn = Buffer.from(JSON.stringify({ messages: [{ role: 'user', content: `key ${PAT} ${'w'.repeat(400)}` }] }));
    const ph = /\[MASKED:github-pat:[0-9a-f]{4}\]/.exec(bodies.mask(turn, ledger.recording(masker))!.bytes!.toString())![0];
    now = 900;
    bodies.mask(turn, ledger.recording(masker));
    now = 1800;
    expect(ledger.lookup(ph)).toEqual({ kind: 'ours', value: PAT });
  });

  it('shares a remembered piece frozen, and keeps no more than its byte budget (0: none)', () => {
    const piece = { role: 'tool', content: 'q'.repeat(1000) };
    const bytes = Buffer.from(JSON.stringify({ messages: [piece] }));
    const bodies = new JsonBodyMasker(4096);
    bodies.mask(bytes, masker);
    const again = bodies.mask(bytes, masker)!.value as { messages: Array<{ content: string }> };
    expect(Object.isFrozen(again.messages[0])).toBe(true);
    expect(() => {
      (again.messages[0] as { content: string }).content = 'changed';
    }).toThrow(TypeError);
    for (let i = 0; i < 20; i++) bodies.mask(Buffer.from(JSON.stringify({ messages: [{ ...piece, n: i }] })), masker);
    expect(bodies.cached).toBeLessThanOrEqual(4096);
    expect(bodies.cached).toBeGreaterThan(0);
    const none = new JsonBodyMasker(0);
    none.mask(bytes, masker);
    expect(none.cached).toBe(0);
  });

  it('takes the pieces a resent body shares from its start without hashing them again, and gives the same result', () => {
    const msg = (i: number) => ({ role: i % 2 ? 'assistant' : 'tool', content: `part ${i} ${'c'.repeat(300 + i)}` });
    const turn = (n: number, extra: object = {}) => Buffer.from(JSON.stringify({ model: 'gpt', messages: Array.from({ length: n }, (_, i) => msg(i)), ...extra }));
    const bodies = new JsonBodyMasker(1 << 20);
    bodies.mask(turn(5), masker);
    const before = bodies.hashedBytes;
    const r = bodies.mask(turn(6), masker)!;
    const six = turn(6);
    const last = JSON.stringify(msg(5));
    expect(bodies.hashedBytes - before).toBe(Buffer.byteLength(last)); // only the new message was hashed
    expect(r.value).toEqual(whole(six).value);
    // An earlier message changed (same length, same offsets): from there on the pieces are hashed (and found) again.
    const edited = Buffer.from(six.toString().replace('part 1 c', 'part 1 d'));
    const before2 = bodies.hashedBytes;
    expect(bodies.mask(edited, masker)!.value).toEqual(whole(edited).value);
    expect(bodies.hashedBytes - before2).toBeGreaterThanOrEqual(5 * 300);
  });

  it('takes a short clean piece that a resent body shares from its start without parsing or scanning it again', () => {
    const short = { role: 'assistant', content: 'Turn 0: reading the file.' };
    const long = { role: 'tool', content: 't'.repeat(400) };
    const bodies = new JsonBodyMasker(1 << 20);
    bodies.mask(Buffer.from(JSON.stringify({ model: 'gpt', messages: [short, long] })), masker);
    const second = counting();
    const turn2 = Buffer.from(JSON.stringify({ model: 'gpt', messages: [short, long, { role: 'user', content: 'next' }] }));
    const r = bodies.mask(turn2, second)!;
    expect(second.texts).not.toContain(short.content);
    expect(second.texts).not.toContain('gpt'); // a top-level scalar before the change
    expect(second.texts).toContain('next');
    expect(r.value).toEqual(whole(turn2).value);
    expect(Object.isFrozen((r.value as { messages: object[] }).messages[0])).toBe(true);
  });

  it('steps over a piece with a secret when comparing: the pieces after it are not hashed again, and the secret is not kept', () => {
    const msg = (i: number) => ({ role: i % 2 ? 'assistant' : 'tool', content: `part ${i} ${'c'.repeat(300 + i)}` });
    const user = { role: 'user', content: `use my token ${PAT} for staging ${'u'.repeat(300)}` };
    const turn = (n: number) => Buffer.from(JSON.stringify({ model: 'gpt', messages: [user, ...Array.from({ length: n }, (_, i) => msg(i))] }));
    const bodies = new JsonBodyMasker(1 << 20);
    bodies.mask(turn(5), masker);
    const before = bodies.hashedBytes;
    const six = turn(6);
    const r = bodies.mask(six, masker)!;
    // Only the new message and the one with the secret (never remembered) were hashed.
    expect(bodies.hashedBytes - before).toBe(Buffer.byteLength(JSON.stringify(msg(5))) + Buffer.byteLength(JSON.stringify(user)));
    expect(r.value).toEqual(whole(six).value);
    expect(r.findings).toEqual(whole(six).findings);
    expect(r.bytes!.toString()).not.toContain(PAT);
    for (const kept of (bodies as unknown as { recent: Array<{ body: Buffer }> }).recent) expect(kept.body.includes(PAT)).toBe(false);
    // Another secret of the same length in its place: masked anew, the rest still taken as it is.
    const other = Buffer.from(six.toString().replace(PAT, `ghp_${'Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2'}`));
    const r2 = bodies.mask(other, masker)!;
    expect(r2.value).toEqual(whole(other).value);
    expect(r2.bytes!.toString()).toEqual(JSON.stringify(whole(other).value));
  });

  it('gives every body of a changing conversation what a fresh masker gives, secrets masked each time (property)', () => {
    const message = fc.record({ role: fc.constantFrom('user', 'assistant', 'tool'), content: fc.oneof(fc.string({ minLength: 260, maxLength: 400 }), fc.constantFrom(`use ${PAT} ${'p'.repeat(300)}`, `${'q'.repeat(280)} ${AWS}`, 'x'.repeat(300))) });
    const edit = fc.oneof(
      fc.record({ kind: fc.constant('append' as const), m: message }),
      fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), m: message }),
      fc.record({ kind: fc.constant('model' as const), m: message }),
    );
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 4 }), fc.array(edit, { minLength: 1, maxLength: 8 }), (start, edits) => {
        const bodies = new JsonBodyMasker(1 << 20);
        let messages = [...start];
        let model = 'gpt';
        for (const e of [null, ...edits]) {
          if (e?.kind === 'append') messages = [...messages, e.m];
          if (e?.kind === 'replace') messages = messages.map((m, i) => (i === e.at % messages.length ? e.m : m));
          if (e?.kind === 'model') model = e.m.role;
          const bytes = Buffer.from(JSON.stringify({ messages, model }));
          const got = bodies.mask(bytes, masker)!;
          const fresh = new JsonBodyMasker(1 << 20).mask(bytes, masker)!;
          expect(got.value).toEqual(fresh.value);
          expect(got.findings).toEqual(fresh.findings);
          expect(got.bytes?.toString() ?? null).toEqual(fresh.bytes?.toString() ?? null);
          expect(got.value).toEqual(whole(bytes).value);
        }
        // What is kept of recent bodies holds no secret.
        for (const r of (bodies as unknown as { recent: Array<{ body: Buffer }> }).recent) {
          expect(r.body.includes(PAT)).toBe(false);
          expect(r.body.includes(AWS)).toBe(false);
        }
      }),
      { numRuns: 150, seed: 1312 },
    );
  });
});
