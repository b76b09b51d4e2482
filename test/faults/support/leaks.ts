/**
 * The one check every fault test ends with: no planted secret appears anywhere Witness
 * writes (log lines, records as the API returns them, control-API events, the raw files of
 * the data dir), in any form it could leak in (as planted, JSON-escaped, percent-encoded).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';

/** Every file under `dir`, as latin1 text (binary files are searched byte for byte). */
export function dataDirText(dir: string): string {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) out.push(`${p}\n${readFileSync(p).toString('latin1')}`);
    }
  };
  walk(dir);
  return out.join('\n');
}

function forms(secret: string): string[] {
  return [...new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret), Buffer.from(secret).toString('base64')])];
}

/** Fails naming the secret and where it was found. */
export function expectNoLeaks(planted: readonly string[], captured: Record<string, string>): void {
  for (const secret of planted) {
    for (const form of forms(secret)) {
      for (const [where, text] of Object.entries(captured)) {
        expect(text.includes(form), `planted secret ${secret.slice(0, 6)}… found in ${where}`).toBe(false);
      }
    }
  }
}
