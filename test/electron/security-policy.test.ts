/** The shell's security rules, each on its own: app URLs, navigation, permissions, IPC senders, CSP, app:// files. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveAppRequest } from '../../electron/core/app-protocol.js';
import { CONTENT_SECURITY_POLICY, isAppUrl, navigationAllowed, permissionAllowed, secureWebPreferences, senderTrusted } from '../../electron/core/security-policy.js';

describe('security rules', () => {
  it('recognises the app by scheme and host (URL.origin is "null" for custom schemes)', () => {
    expect(new URL('app://witness/index.html').origin).toBe('null');
    expect(isAppUrl('app://witness/index.html#/approval/1')).toBe(true);
    for (const u of ['app://evil/index.html', 'app://witness.evil/', 'app://user@witness/', 'app://witness:8080/', 'file:///index.html', 'http://127.0.0.1:1234/', 'https://witness/', 'javascript:alert(1)', 'not a url']) {
      expect(isAppUrl(u), u).toBe(false);
    }
  });

  it('lets pages navigate only within the app', () => {
    expect(navigationAllowed('app://witness/index.html#/setup')).toBe(true);
    expect(navigationAllowed('https://github.com/')).toBe(false);
    expect(navigationAllowed('file:///etc/passwd')).toBe(false);
  });

  it('refuses every permission except loopback access for the app itself', () => {
    for (const p of ['local-network-access', 'loopback-network']) {
      expect(permissionAllowed(p, 'app://witness/index.html')).toBe(true);
      expect(permissionAllowed(p, 'app://witness')).toBe(true);
      expect(permissionAllowed(p, 'https://evil.example/')).toBe(false);
      expect(permissionAllowed(p, undefined)).toBe(false);
    }
    for (const p of ['local-network', 'notifications', 'media', 'geolocation', 'clipboard-read', 'openExternal', 'unknown']) {
      expect(permissionAllowed(p, 'app://witness/index.html'), p).toBe(false);
    }
  });

  it('trusts IPC only from the app\'s own top-level page in a window the shell made', () => {
    const ok = { url: 'app://witness/index.html#/live', isMainFrame: true, destroyed: false, ownWindow: true };
    expect(senderTrusted(ok)).toBe(true);
    expect(senderTrusted(null)).toBe(false);
    expect(senderTrusted({ ...ok, isMainFrame: false })).toBe(false);
    expect(senderTrusted({ ...ok, destroyed: true })).toBe(false);
    expect(senderTrusted({ ...ok, ownWindow: false })).toBe(false);
    expect(senderTrusted({ ...ok, url: 'https://evil.example/' })).toBe(false);
    expect(senderTrusted({ ...ok, url: '' })).toBe(false);
  });

  it('keeps Electron\'s secure defaults explicit for every window', () => {
    expect(secureWebPreferences('/p.cjs')).toMatchObject({ preload: '/p.cjs', contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false });
  });

  it('sends a CSP that allows bundled code only and data only to the loopback engine', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain('connect-src http://127.0.0.1:*');
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe');
  });
});

describe('app:// file serving', () => {
  const root = join('/opt', 'Witness', 'resources', 'app.asar', 'renderer', 'dist');
  it('serves index.html for the root and files under the build folder, with the CSP', () => {
    const r = resolveAppRequest('GET', 'app://witness/', root);
    expect(r).toMatchObject({ status: 200, file: join(root, 'index.html') });
    expect(r.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(resolveAppRequest('GET', 'app://witness/assets/index-abc.js', root)).toMatchObject({ status: 200, file: join(root, 'assets', 'index-abc.js'), headers: { 'content-type': 'text/javascript; charset=utf-8' } });
  });

  it('refuses paths outside the build folder, other hosts and writes', () => {
    for (const u of ['app://witness/../../package.json', 'app://witness/%2e%2e/%2e%2e/package.json', 'app://witness/..%2f..%2fpackage.json', 'app://witness/assets/..%5c..%5c..%5cpackage.json']) {
      const r = resolveAppRequest('GET', u, root);
      if (r.status === 200) expect(r.file.startsWith(root + '/'), u).toBe(true);
      else expect([403, 404]).toContain(r.status);
    }
    expect(resolveAppRequest('GET', 'app://other/index.html', root).status).toBe(403);
    expect(resolveAppRequest('POST', 'app://witness/index.html', root).status).toBe(405);
    expect(resolveAppRequest('GET', 'app://witness/%00', root).status).toBe(404);
  });
});
