// The engine sends records and the user's access token to sync.server: only over HTTPS, or
// plain HTTP to this machine itself. Both gates: the config schema and the sync service.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../proxy/config/index.js';
import { checkServerUrl } from '../../proxy/sync/index.js';

const allowed = ['https://witness.example.com', 'https://witness.example.com:8443/', 'http://127.0.0.1:8787', 'http://127.9.8.7', 'http://localhost:8787/', 'http://[::1]:8787'];
const refused = ['http://witness.example.com', 'http://10.0.0.5:8787', 'http://127.0.0.1.example.com', 'http://127.0.0.1@witness.example.com', 'ftp://127.0.0.1', 'ws://localhost'];

describe('sync.server must be https unless loopback', () => {
  it('the sync service accepts https and loopback http only', () => {
    for (const u of allowed) expect(() => checkServerUrl(u), u).not.toThrow();
    for (const u of refused) expect(() => checkServerUrl(u), u).toThrow(/must be an https:\/\/ URL/);
    expect(() => checkServerUrl('not a url')).toThrow('sync.server: not a URL');
  });

  it('the config refuses a non-loopback http server with a one-line reason', () => {
    for (const u of allowed) expect(() => parseConfig({ sync: { server: u, serverKeys: '/keys.json' } }), u).not.toThrow();
    for (const u of refused) expect(() => parseConfig({ sync: { server: u, serverKeys: '/keys.json' } }), u).toThrow(/must be an https:\/\/ URL/);
  });
});
