import { readdirSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configReferenceMarkdown } from '../../proxy/config/index.js';
import { ERROR_CODES } from '../../proxy/errors.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('documents every configuration key exactly as the schema defines it', () => {
    const m = /<!-- config-reference:start[^>]*-->\n([\s\S]*?)\n<!-- config-reference:end -->/.exec(readme);
    expect(m, 'config reference markers').toBeTruthy();
    expect(m![1]).toBe(configReferenceMarkdown());
  });

  it('gives the two setup commands and the test command', () => {
    expect(readme).toContain('npm install');
    expect(readme).toContain('npm start');
    expect(readme).toContain('npm test');
  });

  it('documents every error code', () => {
    expect(ERROR_CODES.filter((code) => !readme.includes(`| \`${code}\` |`))).toEqual([]);
  });

  it('keeps docs/architecture.md listing every folder and top-level file of proxy/', () => {
    const doc = readFileSync(new URL('../../docs/architecture.md', import.meta.url), 'utf8');
    const proxyDir = new URL('../../proxy/', import.meta.url);
    const entries = readdirSync(proxyDir).map((n) => (statSync(new URL(n, proxyDir)).isDirectory() ? `${n}/` : n));
    expect(entries.filter((e) => !new RegExp(`^  ${e.replace(/[.]/g, '\\.')}\\s`, 'm').test(doc))).toEqual([]);
    expect(readme).toContain('docs/architecture.md');
  });
});
