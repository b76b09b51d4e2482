/**
 * The generic assignments' validator keeps its last judgement of a value (generic.ts,
 * valueLooksReal, by text and span): its answer must not depend on what it judged before. Every context is
 * judged after every other one and must get the answer it gets after an unrelated one.
 */
import { describe, expect, it } from 'vitest';
import type { ValidateContext } from '../../proxy/masking/detector.js';
import { genericDetectors } from '../../proxy/masking/detectors/generic.js';

const validate = genericDetectors.find((d) => d.description.startsWith('A secret-named key assigned'))!.validate!;

interface Case {
  secret: string;
  ctx: ValidateContext;
}

function at(text: string, secret: string, matchStart = 0): Case {
  const start = text.indexOf(secret);
  return { secret, ctx: { text, start, end: start + secret.length, matchStart } };
}

const REAL = 'aB3dE5gH7jK9mN1p';
const T1 = `API_KEY="${REAL}"`;
const T2 = `public_key = "${REAL}"`;
const CASES: Case[] = [
  at(T1, REAL),
  // Same text and start, another end; same text and end, another start (too short to be secrets).
  at(T1, REAL.slice(0, 3)),
  at(T1, REAL.slice(13)),
  // Same secret and span in another text: code there (a call's argument ends it), a value here.
  at('key = createFiberNode;', 'createFiberNode'),
  at('key ="createFiberNode"', 'createFiberNode'),
  // Same span, another match start: a key name that names no secret, then the value itself.
  at(T2, REAL, 0),
  at(T2, REAL, T2.indexOf(REAL)),
];
const UNRELATED = at('token: "Zq8Lp2Xw9Rt4Yu7Io1Pa5Sd3"', 'Zq8Lp2Xw9Rt4Yu7Io1Pa5Sd3');

const judge = (c: Case) => validate(c.secret, c.ctx);

describe('generic value validator', () => {
  it('answers the same whatever it judged before', () => {
    const expected = CASES.map((c) => {
      judge(UNRELATED);
      return judge(c);
    });
    // The cases differ where a kept answer could be wrong.
    expect(expected).toEqual([true, false, false, false, true, false, true]);
    for (const before of [...CASES, UNRELATED]) {
      for (let i = 0; i < CASES.length; i++) {
        judge(before);
        expect(judge(CASES[i]!), `${JSON.stringify(CASES[i]!.ctx)} after ${JSON.stringify(before.ctx)}`).toBe(expected[i]);
      }
    }
  });
});
