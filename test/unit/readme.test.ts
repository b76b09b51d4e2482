import { readFileSync } from 'node:fs';
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
});
