/** The synthetic Copilot fixtures (copied from ../shared/fixtures/copilot): bodies and header files. */
import { readFileSync } from 'node:fs';

export const fx = (name: string) => readFileSync(new URL(`../fixtures/copilot/${name}`, import.meta.url), 'utf8');

/** The headers of a `.http` fixture (request line skipped), names lower-cased. */
export const headersOf = (name: string): Record<string, string> =>
  Object.fromEntries(
    fx(name)
      .split('\n')
      .slice(1)
      .filter((l) => /^[\w-]+: /.test(l))
      .map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 2)]),
  );
