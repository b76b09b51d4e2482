/**
 * The secretlint side of `npm run bench -- masking`: a round's secretlint pass is cut into
 * pieces with Witness's passes between them, so the pieces must together be exactly one pass
 * (every snippet once, the same findings). No timing is asserted.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

type Reply = { ms: number; findings: number; snippets: number; bytes: number };

/** Starts test/bench/secretlint.child.ts, sends `requests`, returns its ready line and replies. */
async function askChild(requests: string[]): Promise<{ ready: { bytes: number; snippets: number }; replies: Reply[] }> {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/bench/secretlint.child.ts'], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
  createInterface({ input: child.stdout }).on('line', (l) => lines.push(l));
  child.stdin.end(requests.map((r) => r + '\n').join('') + 'end\n');
  expect(await closed).toBe(0);
  const [ready, ...replies] = lines.map((l) => JSON.parse(l) as never);
  return { ready: ready!, replies };
}

describe('secretlint.child.ts', () => {
  it('does one pass over the corpus in pieces: every snippet once, the same findings as a whole pass', async () => {
    const n = 8;
    const { ready, replies } = await askChild(['round', ...Array.from({ length: n }, (_, k) => `round ${k} ${n}`)]);
    const [whole, ...pieces] = replies;
    expect(whole!.snippets).toBe(ready.snippets);
    expect(whole!.bytes).toBe(ready.bytes);
    expect(whole!.findings).toBeGreaterThan(0);
    expect(pieces).toHaveLength(n);
    expect(pieces.reduce((a, p) => a + p.snippets, 0)).toBe(ready.snippets);
    expect(pieces.reduce((a, p) => a + p.bytes, 0)).toBe(ready.bytes);
    expect(pieces.reduce((a, p) => a + p.findings, 0)).toBe(whole!.findings);
    // Cut at equal shares of the bytes: no piece is far from an eighth (snippets are small).
    for (const p of pieces) expect(Math.abs(p.bytes - ready.bytes / n)).toBeLessThan(ready.bytes / n / 4);
  });

  it('refuses a piece that does not exist', async () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/bench/secretlint.child.ts'], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdin.end('round 8 8\n');
    expect(await new Promise((resolve) => child.once('close', resolve))).not.toBe(0);
    expect(err).toMatch(/unknown request "round 8 8"/);
  });
});
