/** The pure parts of identity: claims → profile, groups → profiles, the whoami shape, scopes, config keys, the browser opener. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../proxy/config/index.js';
import { effectiveScopes, openerCommand, profileFromClaims, profilesForGroups, whoami } from '../../proxy/identity/index.js';

describe('identity session model', () => {
  it('reads groups from a claim name, from a dotted path into nested claims, and from a single string', () => {
    expect(profileFromClaims({ sub: 's', groups: ['a', 'b', 'a', 7] }, 'groups').groups).toEqual(['a', 'b']);
    expect(profileFromClaims({ sub: 's', realm_access: { roles: ['admin'] } }, 'realm_access.roles').groups).toEqual(['admin']);
    // Auth0-style namespaced claim names contain dots: the exact name wins over the path.
    expect(profileFromClaims({ sub: 's', 'https://acme.example/groups': ['eng'] }, 'https://acme.example/groups').groups).toEqual(['eng']);
    expect(profileFromClaims({ sub: 's', groups: 'solo' }, 'groups').groups).toEqual(['solo']);
    expect(profileFromClaims({ sub: 's' }, 'groups')).toEqual({ sub: 's', email: null, name: null, groups: [] });
    expect(profileFromClaims({ sub: 's', preferred_username: 'jdoe', email: '' }, 'groups')).toMatchObject({ name: 'jdoe', email: null });
  });

  it('maps groups to policy profiles in the map order, each once', () => {
    const map = { contractors: 'contractor', vendors: 'contractor', eng: 'staff' };
    expect(profilesForGroups(['eng', 'vendors', 'contractors'], map)).toEqual(['contractor', 'staff']);
    expect(profilesForGroups(['other'], map)).toEqual([]);
  });

  it('whoami has exactly the public fields, signed in or out', () => {
    expect(Object.keys(whoami(null))).toEqual(['signedIn', 'sub', 'email', 'name', 'groups', 'issuer', 'expiresAt']);
    expect(whoami(null)).toEqual({ signedIn: false, sub: null, email: null, name: null, groups: [], issuer: null, expiresAt: null });
    const s = { sub: 'u', email: 'e', name: 'n', groups: ['g'], issuer: 'https://i', expiresAt: '2030-01-01T00:00:00.000Z' };
    expect(whoami(s)).toEqual({ signedIn: true, ...s });
  });

  it('adds the groups scope to the configured scopes once', () => {
    const { identity } = parseConfig({ identity: { issuer: 'https://idp.example', clientId: 'w', groupsScope: 'groups' } });
    expect(effectiveScopes(identity)).toEqual(['openid', 'profile', 'email', 'offline_access', 'groups']);
    expect(effectiveScopes({ scopes: ['openid', 'groups'], groupsScope: 'groups' })).toEqual(['openid', 'groups']);
  });
});

describe('identity config keys', () => {
  it('defaults to sign-in off, with the documented scopes and groups claim', () => {
    expect(parseConfig({}).identity).toEqual({
      issuer: null,
      clientId: null,
      scopes: ['openid', 'profile', 'email', 'offline_access'],
      groupsScope: null,
      audience: null,
      groupsClaim: 'groups',
      groupProfiles: {},
    });
  });

  it('refuses a non-HTTPS issuer, an issuer without a client id, scopes without openid, and bad profile names, naming the key', () => {
    const bad = (identity: unknown) => {
      try {
        parseConfig({ identity });
      } catch (e) {
        return (e as Error).message;
      }
      return 'accepted';
    };
    expect(bad({ issuer: 'http://idp.example', clientId: 'w' })).toContain('identity.issuer: must be an https:// URL');
    expect(bad({ issuer: 'https://idp.example' })).toContain('identity.clientId: set together with identity.issuer');
    expect(bad({ issuer: 'https://idp.example', clientId: 'w', scopes: ['profile'] })).toContain('identity.scopes: must include "openid"');
    expect(bad({ groupProfiles: { eng: 'Not A Name' } })).toContain('identity.groupProfiles.eng: must be a profile name');
    expect(bad({ issuer: 'https://idp.example', clientId: 'w', colour: 'red' })).toContain('identity.colour: unknown key');
  });
});

describe('browser opener', () => {
  it('uses $BROWSER, else the platform opener, never a shell', () => {
    const url = 'https://idp.example/auth?a=1&b=2';
    expect(openerCommand(url, 'linux', { BROWSER: '/usr/bin/firefox' })).toEqual(['/usr/bin/firefox', [url]]);
    expect(openerCommand(url, 'linux', {})).toEqual(['xdg-open', [url]]);
    expect(openerCommand(url, 'darwin', {})).toEqual(['open', [url]]);
    expect(openerCommand(url, 'win32', {})).toEqual(['rundll32.exe', ['url.dll,FileProtocolHandler', url]]);
  });
});
