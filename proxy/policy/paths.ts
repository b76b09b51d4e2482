/**
 * Path normalization before matching protected-path globs, so `a/../.env`, `.\\.ENV`,
 * `/home/dev/repo/.env` and `C:\\repo\\.env` are all seen as what they are.
 * Matching is case-insensitive by default (Windows and macOS file systems are, and a
 * stricter match only ever asks more often).
 */
import { posix } from 'node:path';
import picomatch from 'picomatch';

export function normalizePath(p: string, workspaceRoots: readonly string[] = []): string {
  let s = p.trim().replace(/\\/g, '/');
  s = s.replace(/^file:\/\//i, '');
  const drive = /^[A-Za-z]:\//.test(s);
  if (drive) s = '/' + s.slice(0, 1).toLowerCase() + s.slice(2); // C:/x → /c/x
  s = posix.normalize(s);
  for (const root of workspaceRoots) {
    const r = posix.normalize(root.replace(/\\/g, '/').replace(/^([A-Za-z]):\//, (_m, d: string) => `/${d.toLowerCase()}/`)).replace(/\/$/, '');
    if (s.toLowerCase() === r.toLowerCase()) return '.';
    if (s.toLowerCase().startsWith(r.toLowerCase() + '/')) return s.slice(r.length + 1);
  }
  return s.replace(/^\.\//, '');
}

export interface PathMatcher {
  /** The first glob the path matches, or null. */
  match(path: string): string | null;
}

export function pathMatcher(globs: readonly string[], opts: { caseInsensitive?: boolean } = {}): PathMatcher {
  const compiled = globs.map((g) => ({ glob: g, test: picomatch(g.replace(/^\.\//, ''), { dot: true, nocase: opts.caseInsensitive ?? true }) }));
  return {
    match(path) {
      // Absolute paths are matched as if relative to the file-system root, so `**/x` still applies.
      const candidates = [path, path.replace(/^\/+/, '')];
      for (const c of compiled) if (candidates.some((p) => c.test(p))) return c.glob;
      return null;
    },
  };
}
