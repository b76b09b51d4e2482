/**
 * Masking throughput. Whole text: on the shared dev corpus, Witness's masker vs the npm peer
 * secretlint (recommended preset), run in this process on the same snippets; and on
 * secret-free real source (a fixed set of TypeScript/JavaScript files from node_modules).
 * Streaming: the cost per push of secret-free code and prose pushed in 4, 16, 64 and
 * 1024-character pieces (CPU time of this process, warm).
 *
 * MASKING_IMPL=<path to a masking/index.ts> runs the same bench on another implementation
 * (e.g. a worktree of main) to compare before/after in alternating runs; nothing else
 * reaches the old code.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { lintSource } from '@secretlint/core';
import { creator as recommended } from '@secretlint/secretlint-rule-preset-recommend';
import type { Masker as MaskerType, StreamingMasker as StreamingMaskerType } from '../../proxy/masking/index.js';
import { loadCorpus, SHARED_CORPUS } from '../helpers/corpus.js';
import { round } from './clients.js';

type MaskingModule = { Masker: typeof MaskerType; StreamingMasker: typeof StreamingMaskerType };

const nodeModules = (p: string) => fileURLToPath(new URL(`../../node_modules/${p}`, import.meta.url));

/** Secret-free real source: fixed files (and slices) from node_modules, ≈ 2 MB. */
export function sourceCorpus(): string[] {
  return [
    readFileSync(nodeModules('typescript/lib/lib.es5.d.ts'), 'utf8'),
    readFileSync(nodeModules('react-dom/cjs/react-dom-client.development.js'), 'utf8'),
    readFileSync(nodeModules('typescript/lib/lib.dom.d.ts'), 'utf8').slice(0, 600_000),
  ];
}

/** Secret-free prose: package READMEs. */
function proseCorpus(): string {
  return ['typescript/README.md', 'zod/README.md', 'mockttp/README.md', 'react/README.md', 'vite/README.md'].map((p) => readFileSync(nodeModules(p), 'utf8')).join('\n\n');
}

/** CPU time of this process in ms (steadier than wall time on a busy machine). */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export async function runMaskingBench(log: (s: string) => void) {
  const impl = process.env.MASKING_IMPL;
  const { Masker, StreamingMasker } = (await import(impl ?? '../../proxy/masking/index.js')) as MaskingModule;
  if (impl) log(`  masking implementation: ${impl}`);
  const corpus = loadCorpus(SHARED_CORPUS);
  const texts = corpus.map((e) => e.text);
  const bytes = texts.reduce((a, t) => a + Buffer.byteLength(t), 0);
  // The corpus is masked again and again: without the cache, every pass is a real scan.
  const masker = new Masker({ key: randomBytes(32), cacheChars: 0 });

  log('  witness whole-text masking (shared corpus)');
  // Both sides are measured warm (a proxy runs for days): three passes for the JIT and the
  // regex engine's native tier, then the timed ones.
  for (let r = 0; r < 3; r++) for (const t of texts) masker.mask(t);
  const reps = 5;
  let t0 = cpuMs();
  for (let r = 0; r < reps; r++) for (const t of texts) masker.mask(t);
  const witnessMs = (cpuMs() - t0) / reps;
  const witnessMBs = bytes / 1048576 / (witnessMs / 1000);

  log('  secretlint (recommended preset)');
  const config = { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: recommended }] };
  for (const t of texts) await lintSource({ source: { content: t, filePath: '/snippet.txt', contentType: 'text' }, options: { config } });
  t0 = cpuMs();
  let secretlintFindings = 0;
  for (const t of texts) {
    const r = await lintSource({ source: { content: t, filePath: '/snippet.txt', contentType: 'text' }, options: { config } });
    secretlintFindings += r.messages.length;
  }
  const secretlintMs = cpuMs() - t0;
  const secretlintMBs = bytes / 1048576 / (secretlintMs / 1000);

  log('  witness whole-text masking (secret-free source from node_modules)');
  const source = sourceCorpus();
  const sourceBytes = source.reduce((a, t) => a + Buffer.byteLength(t), 0);
  let sourceFindings = 0;
  for (const t of source) sourceFindings += masker.mask(t).findings.length;
  t0 = cpuMs();
  for (let r = 0; r < 3; r++) for (const t of source) masker.mask(t);
  const sourceMBs = sourceBytes / 1048576 / ((cpuMs() - t0) / 3 / 1000);

  log('  witness streaming (secret-free code and prose, 4/16/64/1024-character pushes)');
  const code = source[0]!.slice(0, 100_000) + source[1]!.slice(0, 100_000);
  const prose = proseCorpus();
  const streaming: Record<string, { usPerPush: number; MBps: number; sameAsWholeText: boolean }> = {};
  for (const [name, text] of [['code', code], ['prose', prose]] as const) {
    const whole = masker.mask(text).text;
    for (const size of [4, 16, 64, 1024]) {
      const pass = () => {
        const sm = new StreamingMasker(masker);
        let out = '';
        const start = cpuMs();
        for (let i = 0; i < text.length; i += size) out += sm.push(text.slice(i, i + size));
        out += sm.flush();
        return { ms: cpuMs() - start, out };
      };
      pass(); // warm
      const runs = Math.max(1, Math.round(200_000 / text.length));
      let ms = 0;
      let same = true;
      for (let r = 0; r < runs; r++) {
        const p = pass();
        ms += p.ms;
        same &&= p.out === whole;
      }
      const pushes = Math.ceil(text.length / size) * runs;
      streaming[`${name} ${size}`] = { usPerPush: round((ms * 1000) / pushes, 2), MBps: round((Buffer.byteLength(text) * runs) / 1048576 / (ms / 1000), 1), sameAsWholeText: same };
    }
  }

  log('  witness on a 30-turn agent conversation (each request resends the history), without and with the result cache');
  const agent = agentTurns(30);
  const perConversation = (m: MaskerType) => {
    const t = cpuMs();
    for (const turn of agent) for (const text of turn) m.mask(text);
    return cpuMs() - t;
  };
  const key = randomBytes(32);
  perConversation(new Masker({ key, cacheChars: 0 })); // warm-up
  const agentNoCacheMs = perConversation(new Masker({ key, cacheChars: 0 }));
  const agentCacheMs = perConversation(new Masker({ key }));

  return {
    implementation: impl ?? 'this checkout',
    corpusBytes: bytes,
    snippets: texts.length,
    witnessMBps: round(witnessMBs, 1),
    secretlintMBps: round(secretlintMBs, 2),
    ratioVsSecretlint: round(witnessMBs / secretlintMBs, 1),
    secretlintFindings,
    source: { bytes: sourceBytes, MBps: round(sourceMBs, 1), findings: sourceFindings },
    streaming,
    agent30Turns: { requestMB: round(agent.flat().reduce((a, t) => a + t.length, 0) / 1048576, 1), noCacheMs: round(agentNoCacheMs, 1), cacheMs: round(agentCacheMs, 1), speedup: round(agentNoCacheMs / agentCacheMs, 1) },
  };
}

/**
 * The message texts of each request of a 30-turn agent session built on the agent fixture:
 * every turn adds a tool result and an assistant message, and resends everything before.
 */
function agentTurns(turns: number): string[][] {
  const followup = JSON.parse(readFileSync(new URL('../fixtures/copilot/03-agent.followup-request.json', import.meta.url), 'utf8')) as { messages: Array<{ content: unknown }> };
  const history = followup.messages.map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content)));
  const dom = readFileSync(fileURLToPath(new URL('../../node_modules/typescript/lib/lib.dom.d.ts', import.meta.url)), 'utf8');
  const out: string[][] = [];
  for (let turn = 0; turn < turns; turn++) {
    // A read_file result: 6 KB of real TypeScript declarations, a different part each turn.
    history.push(`Turn ${turn}: contents of lib.dom.d.ts (part ${turn}):\n` + dom.slice(turn * 6000, turn * 6000 + 6000));
    history.push(`Turn ${turn}: next I will update the handler and re-run the suite with coverage; the API key stays in the vault. `.repeat(6));
    out.push([...history]);
  }
  return out;
}
