/**
 * Issue 20 (control API input): a full-text query with FTS syntax answered 500. A query the
 * full-text engine cannot parse is the caller's mistake: 400 with a clear message, through
 * the control API and the CLI alike; valid operators keep working.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlApiError, createControlClient } from '../../proxy/control/index.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { interaction } from '../helpers/interactions.js';

let upstream: FakeUpstream;
let t: TestEngine;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  t = await startTestEngine(upstream);
  await t.engine.auditStore.append(interaction({ prompt: 'rotate the staging keys', response: 'done' }));
});
afterAll(async () => {
  await t?.stop();
  await upstream?.close();
});

const api = () => createControlClient({ url: t.engine.controlUrl, token: t.engine.controlToken });

describe('full-text search syntax through the control API', () => {
  for (const q of ['"unterminated', 'rotate AND', 'AND rotate', 'NOT rotate', 'NEAR(rotate keys', 'rotate OR OR keys', '"staging" NOT']) {
    it(`${JSON.stringify(q)} answers 400 with a clear message`, async () => {
      const res = await fetch(`${t.engine.controlUrl}/api/v1/records?q=${encodeURIComponent(q)}`, { headers: { authorization: `Bearer ${t.engine.controlToken}` } });
      const body = (await res.json()) as { error?: { code: string; message: string } };
      expect(res.status).toBe(400);
      expect(body.error).toMatchObject({ code: 'USAGE', message: expect.stringMatching(/not valid search syntax/) });
      await expect(api().call('search', { q })).rejects.toBeInstanceOf(ControlApiError);
    });
  }

  it('valid operators and plain words still find the record', async () => {
    for (const q of ['rotate keys', '"staging keys"', 'rotate AND staging', 'nothing OR rotate', 'rot*']) {
      expect((await api().call('search', { q })).total, q).toBe(1);
    }
  });
});
