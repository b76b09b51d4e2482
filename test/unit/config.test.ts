import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { parseConfig, defaultDataDir, DEFAULT_INTERCEPT_HOSTS } from '../../proxy/config/index.js';
import { effectiveInterceptHosts, HostMatcher, planForHost } from '../../proxy/intercept/index.js';

describe('configuration', () => {
  it('fills every default from an empty document', () => {
    const c = parseConfig({});
    expect(c.proxy).toEqual({ host: '127.0.0.1', port: 7420 });
    expect(c.intercept.hosts).toEqual([...DEFAULT_INTERCEPT_HOSTS]);
    expect(c.intercept.githubApi).toBe(false);
    expect(c.intercept.websockets).toBe('refuse');
    expect(c.masking.cacheChars).toBe(8 * 1024 * 1024);
    expect(c.masking).not.toHaveProperty('cacheMB');
  });

  it('names the key and the reason for every problem', () => {
    expect(() => parseConfig({ proxy: { port: 70000 } })).toThrow(/proxy\.port: .*65535/);
    expect(() => parseConfig({ proxy: { host: '0.0.0.0' } })).toThrow(/proxy\.host: must be a loopback address/);
    expect(() => parseConfig({ intercept: { hosts: ['10.0.0.1'] } })).toThrow(/intercept\.hosts\[0\]: must be a DNS name/);
    expect(() => parseConfig({ upstream: { resolve: { 'api.githubcopilot.com': 'nowhere' } } })).toThrow(/upstream\.resolve\.api\.githubcopilot\.com: must be "host:port"/);
    expect(() => parseConfig({ ca: { validityDays: 3650 } })).toThrow(/ca\.validityDays/);
    expect(() => parseConfig({ ca: { validityDays: 20, renewBeforeDays: 30 } })).toThrow(/ca\.renewBeforeDays: must be smaller/);
    expect(() => parseConfig({ proxi: {} })).toThrow(/proxi: unknown key/);
    expect(() => parseConfig({ masking: { cacheMB: -1 } })).toThrow(/masking\.cacheMB/);
    expect(() => parseConfig({ masking: { cacheChars: 1.5 } })).toThrow(/masking\.cacheChars/);
    expect(() => parseConfig({ masking: { cacheChars: 100, cacheMB: 1 } })).toThrow(/masking\.cacheMB: give masking\.cacheChars or its old name/);
  });

  it('reads the masking cache size as masking.cacheChars, and its deprecated old name masking.cacheMB (millions of characters) into cacheChars only', () => {
    expect(parseConfig({ masking: { cacheChars: 1000 } }).masking).toMatchObject({ cacheChars: 1000 });
    expect(parseConfig({ masking: { cacheMB: 2 } }).masking).toMatchObject({ cacheChars: 2 * 1024 * 1024 });
    expect(parseConfig({ masking: { cacheMB: 0.5 } }).masking.cacheChars).toBe(512 * 1024);
    expect(parseConfig({ masking: { cacheMB: 0 } }).masking.cacheChars).toBe(0);
    expect(parseConfig({ masking: { cacheMB: 2 } }).masking).not.toHaveProperty('cacheMB');
  });

  it('adds api.github.com only when opted in', () => {
    expect(effectiveInterceptHosts(parseConfig({}).intercept)).not.toContain('api.github.com');
    expect(effectiveInterceptHosts(parseConfig({ intercept: { githubApi: true } }).intercept)).toContain('api.github.com');
  });

  it('uses each OS’s per-user data folder', () => {
    expect(defaultDataDir('linux', {}, '/home/ana')).toBe(join('/home/ana', '.local', 'share', 'witness'));
    expect(defaultDataDir('linux', { XDG_DATA_HOME: '/data' }, '/home/ana')).toBe(join('/data', 'witness'));
    expect(defaultDataDir('darwin', {}, '/Users/ana')).toBe(join('/Users/ana', 'Library', 'Application Support', 'Witness'));
    expect(defaultDataDir('win32', { LOCALAPPDATA: 'C:\\Users\\ana\\AppData\\Local' }, 'C:\\Users\\ana')).toContain('Witness');
    expect(defaultDataDir('linux', { WITNESS_DATA_DIR: '/srv/w' }, '/home/ana')).toBe('/srv/w');
  });
});

describe('host matching', () => {
  const m = new HostMatcher(DEFAULT_INTERCEPT_HOSTS);
  it('matches Copilot hosts at any depth, case-insensitively', () => {
    for (const h of ['api.githubcopilot.com', 'api.individual.githubcopilot.com', 'PROXY.BUSINESS.GITHUBCOPILOT.COM', 'githubcopilot.com', 'copilot-proxy.githubusercontent.com', 'api.githubcopilot.com.'])
      expect(m.matches(h), h).toBe(true);
  });
  it('does not match look-alikes or other GitHub hosts', () => {
    for (const h of ['evilgithubcopilot.com', 'githubcopilot.com.evil.io', 'github.com', 'api.github.com', 'raw.githubusercontent.com', 'copilot-proxy.githubusercontent.com.evil.io'])
      expect(m.matches(h), h).toBe(false);
  });
  it('reads the plan from the host', () => {
    expect(planForHost('api.individual.githubcopilot.com')).toBe('individual');
    expect(planForHost('proxy.business.githubcopilot.com')).toBe('business');
    expect(planForHost('api.githubcopilot.com')).toBe('unknown');
  });
});
