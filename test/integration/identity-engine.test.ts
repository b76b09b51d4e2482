/**
 * Identity in a running engine, through its real parts: the control API starts sign-ins
 * (browser and device flow) against the real in-process provider, and signs out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlClient, type ControlEvent } from '../../proxy/control/index.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc.js';

let op: TestOidcProvider;
let upstream: FakeUpstream;

beforeAll(async () => {
  [op, upstream] = await Promise.all([startOidcProvider(), startFakeUpstream()]);
});
afterAll(async () => {
  await Promise.all([op?.close(), upstream?.close()]);
});

const identity = () => ({ issuer: op.issuer, clientId: op.clientId, audience: op.audience, groupsScope: 'groups' });
const clientOf = (t: TestEngine) => createControlClient({ url: t.engine.controlUrl, token: t.engine.controlToken });

function identityEvents(t: TestEngine) {
  const seen: Array<Extract<ControlEvent, { type: 'identity.changed' }>['data']> = [];
  t.engine.bus.subscribe((e) => {
    if (e.type === 'identity.changed') seen.push(e.data);
  });
  return seen;
}

describe('sign-in and sign-out through the control API', () => {
  it('identityLogin returns the authorization URL at once; the engine completes the sign-in on its loopback redirect; identityLogout ends it', { timeout: 120_000 }, async () => {
    const t = await startTestEngine(upstream, { identity: identity() }, { identityFetch: op.fetch });
    try {
      const events = identityEvents(t);
      const api = clientOf(t);
      const started = await api.call('identityLogin', {});
      expect(started.flow).toBe('browser');
      const url = new URL((started as { url: string }).url);
      expect(url.origin).toBe(op.issuer);
      expect(url.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
      expect(url.searchParams.get('code_challenge_method')).toBe('S256');
      const tab = await op.completeLogin(url.href, 'alice');
      expect(tab.body).toContain('Signed in as');
      await expect.poll(() => events.at(-1)?.signedIn, { timeout: 30_000 }).toBe(true);
      expect(await api.call('identity', {})).toMatchObject({ signedIn: true, sub: 'sub-alice', configured: true });

      const out = await api.call('identityLogout', {});
      expect(out).toMatchObject({ signedIn: false, sub: null, configured: true });
      expect(events.at(-1)).toMatchObject({ signedIn: false });
      expect(t.engine.identityService.current()).toBeNull();
    } finally {
      await t.stop();
    }
  });

  it('identityLogin with device: true returns the user code; approving it signs the engine in', { timeout: 120_000 }, async () => {
    const t = await startTestEngine(upstream, { identity: identity() }, { identityFetch: op.fetch });
    try {
      const events = identityEvents(t);
      const started = await clientOf(t).call('identityLogin', { device: true });
      if (started.flow !== 'device') throw new Error('expected the device flow');
      expect(started.userCode).toBeTruthy();
      expect(started.verificationUri).toContain(op.issuer);
      expect(started.expiresIn).toBeGreaterThan(0);
      expect(JSON.stringify(started)).not.toMatch(/token/i);
      await op.approveDeviceCode(started.userCode, 'bob');
      await expect.poll(() => events.at(-1)?.sub, { timeout: 30_000 }).toBe('sub-bob');
    } finally {
      await t.stop();
    }
  });

  it('identityLogin without sign-in configured fails with IDENTITY_NOT_CONFIGURED', async () => {
    const t = await startTestEngine(upstream);
    try {
      await expect(clientOf(t).call('identityLogin', {})).rejects.toMatchObject({ status: 400, code: 'IDENTITY_NOT_CONFIGURED' });
    } finally {
      await t.stop();
    }
  });
});
