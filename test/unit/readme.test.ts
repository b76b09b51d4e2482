import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configReferenceMarkdown } from '../../proxy/config/index.js';
import { ERROR_CODES } from '../../proxy/errors.js';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const readme = read('README.md');
const docs = readdirSync(new URL('docs/', root)).filter((n) => n.endsWith('.md'));

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  for (const line of markdown.replace(/```[\s\S]*?```/g, '').split('\n')) {
    const m = /^#{1,6}\s+(.*)$/.exec(line);
    if (m) out.add(m[1]!.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-'));
  }
  return out;
}

describe('README', () => {
  it('is a front door: at most ~150 lines', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(150);
  });

  it('gives the two setup commands and the test command', () => {
    expect(readme).toContain('npm install');
    expect(readme).toContain('npm start');
    expect(readme).toContain('npm test');
  });

  it('points Copilot at Witness with setup and doctor, from a clone too', () => {
    for (const s of ['npx witness setup', 'npx witness doctor', 'npm link']) expect(readme).toContain(s);
  });

  it('troubleshoots the usual proxy failures, symptom → fix', () => {
    for (const s of ['SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'Remote', 'WSL', 'NODE_EXTRA_CA_CERTS', 'colon-joined', 'HTTPS_PROXY', 'proxyStrictSSL', 'NODE_TLS_REJECT_UNAUTHORIZED=0']) {
      expect(readme).toContain(s);
    }
  });

  it('links every page in docs/', () => {
    expect(docs.filter((d) => !readme.includes(`](docs/${d})`))).toEqual([]);
  });
});

describe('docs', () => {
  it('documents every configuration key exactly as the schema defines it (docs/configuration.md; `npm run docs`)', () => {
    const m = /<!-- config-reference:start[^>]*-->\n([\s\S]*?)\n<!-- config-reference:end -->/.exec(read('docs/configuration.md'));
    expect(m, 'config reference markers').toBeTruthy();
    expect(m![1]).toBe(configReferenceMarkdown());
  });

  it('documents every error code (docs/cli.md)', () => {
    const cli = read('docs/cli.md');
    expect(ERROR_CODES.filter((code) => !cli.includes(`| \`${code}\` |`))).toEqual([]);
  });

  it('keeps docs/architecture.md listing every folder and top-level file of proxy/', () => {
    const doc = read('docs/architecture.md');
    const proxyDir = new URL('proxy/', root);
    const entries = readdirSync(proxyDir).map((n) => (statSync(new URL(n, proxyDir)).isDirectory() ? `${n}/` : n));
    expect(entries.filter((e) => !new RegExp(`^  ${e.replace(/[.]/g, '\\.')}\\s`, 'm').test(doc))).toEqual([]);
    expect(readme).toContain('docs/architecture.md');
  });

  it('has no broken relative link or anchor in the README or docs/', () => {
    const broken: string[] = [];
    for (const file of ['README.md', ...docs.map((d) => `docs/${d}`)]) {
      const text = read(file).replace(/```[\s\S]*?```/g, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target!)) continue; // http:, mailto:
        const [path, anchor] = target!.split('#') as [string, string | undefined];
        const dest = path ? new URL(path, new URL(file, root)) : new URL(file, root);
        if (!existsSync(dest)) {
          broken.push(`${file}: ${target} (no such file)`);
          continue;
        }
        if (anchor && dest.pathname.endsWith('.md') && !anchors(readFileSync(dest, 'utf8')).has(anchor)) broken.push(`${file}: ${target} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });
});
