/** What login/logout tell the user about a running engine, from its answer to identity/reload. */
import { describe, expect, it } from 'vitest';
import { engineLine } from '../../proxy/cli/identity.js';

const status = (over: Record<string, unknown>) =>
  ({ configured: true, signedIn: true, sub: 'sub-a', email: null, name: null, groups: [], issuer: 'https://i', expiresAt: '2030-01-01T00:00:00.000Z', ...over }) as never;

describe('engine notice after login / logout', () => {
  it('says nothing without an engine, confirms when the engine took the session', () => {
    expect(engineLine({ running: false }, 'sub-a')).toBeNull();
    expect(engineLine({ running: true, pid: 7, status: status({}) }, 'sub-a')).toBe('The running engine (pid 7) now uses this sign-in.');
    expect(engineLine({ running: true, pid: 7, status: status({ signedIn: false, sub: null }) }, null)).toBe('The running engine (pid 7) is signed out too.');
  });

  it('does not claim success when the engine did not take it', () => {
    expect(engineLine({ running: true, pid: 7, status: status({ configured: false, signedIn: false, sub: null }) }, 'sub-a')).toMatch(/started without sign-in configured; restart it/);
    expect(engineLine({ running: true, pid: 7, status: status({ sub: 'sub-b' }) }, 'sub-a')).toMatch(/did not take the sign-in .*restart it/);
    expect(engineLine({ running: true, pid: 7, status: status({}) }, null)).toMatch(/did not take the sign-out/);
    expect(engineLine({ running: true, pid: 7, error: '401 UNAUTHORIZED: bad token' }, 'sub-a')).toMatch(/did not take the sign-in \(401 UNAUTHORIZED: bad token\); restart it/);
  });
});
