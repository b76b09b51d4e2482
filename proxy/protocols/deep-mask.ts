/**
 * Whole-value masking of JSON documents: every string is masked; a string that is itself
 * JSON (tool-call arguments in a conversation history) is masked inside and re-encoded.
 * Returns the same object when nothing was found, so unchanged bodies stay byte-exact.
 */
import type { Finding, MaskResult } from '../masking/index.js';

/** What maskDeep needs of a masker (the request side passes one that also records for the round trip). */
export interface TextMasker {
  mask(text: string): MaskResult;
}

export interface DeepMaskResult<T> {
  value: T;
  findings: Array<{ type: string; path: string }>;
}

export function maskDeep<T>(value: T, masker: TextMasker, skip?: (path: string, key: string) => boolean): DeepMaskResult<T> {
  const findings: DeepMaskResult<T>['findings'] = [];
  const visit = (v: unknown, path: string): unknown => {
    if (typeof v === 'string') return maskString(v, path);
    if (Array.isArray(v)) {
      let changed = false;
      const out = v.map((x, i) => {
        const y = visit(x, `${path}[${i}]`);
        if (y !== x) changed = true;
        return y;
      });
      return changed ? out : v;
    }
    if (v && typeof v === 'object') {
      let changed = false;
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        const p = path ? `${path}.${k}` : k;
        const y = skip?.(p, k) ? x : visit(x, p);
        if (y !== x) changed = true;
        out[k] = y;
      }
      return changed ? out : v;
    }
    return v;
  };
  const maskString = (s: string, path: string): string => {
    const t = s.trimStart();
    if ((t.startsWith('{') || t.startsWith('[')) && s.length > 2) {
      try {
        const parsed: unknown = JSON.parse(s);
        const inner = maskDeep(parsed, masker, skip);
        if (inner.value === parsed) return s;
        for (const f of inner.findings) findings.push({ type: f.type, path: `${path}→${f.path}` });
        return JSON.stringify(inner.value);
      } catch {
        // not JSON after all: mask as text
      }
    }
    const r = masker.mask(s);
    if (r.findings.length === 0) return s;
    for (const f of r.findings as Finding[]) findings.push({ type: f.type, path });
    return r.text;
  };
  return { value: visit(value, '') as T, findings };
}
