/**
 * Masking throughput on the shared dev corpus: Witness's whole-text masker vs the npm peer
 * secretlint (recommended preset), run in this process on the same snippets; plus the
 * streaming masker's cost per pushed chunk.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { lintSource } from '@secretlint/core';
import { creator as recommended } from '@secretlint/secretlint-rule-preset-recommend';
import { Masker, StreamingMasker } from '../../proxy/masking/index.js';
import { loadCorpus, SHARED_CORPUS } from '../helpers/corpus.js';
import { round } from './clients.js';

export async function runMaskingBench(log: (s: string) => void) {
  const corpus = loadCorpus(SHARED_CORPUS);
  const texts = corpus.map((e) => e.text);
  const bytes = texts.reduce((a, t) => a + Buffer.byteLength(t), 0);
  // The corpus is masked again and again: without the cache, every pass is a real scan.
  const masker = new Masker({ key: randomBytes(32), cacheChars: 0 });

  log('  witness whole-text masking');
  // Both sides are measured warm (a proxy runs for days): three passes for the JIT and the
  // regex engine's native tier, then the timed ones.
  for (let r = 0; r < 3; r++) for (const t of texts) masker.mask(t);
  const reps = 5;
  let t0 = performance.now();
  for (let r = 0; r < reps; r++) for (const t of texts) masker.mask(t);
  const witnessMs = (performance.now() - t0) / reps;
  const witnessMBs = bytes / 1048576 / (witnessMs / 1000);

  log('  secretlint (recommended preset)');
  const config = { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: recommended }] };
  for (const t of texts) await lintSource({ source: { content: t, filePath: '/snippet.txt', contentType: 'text' }, options: { config } });
  t0 = performance.now();
  let secretlintFindings = 0;
  for (const t of texts) {
    const r = await lintSource({ source: { content: t, filePath: '/snippet.txt', contentType: 'text' }, options: { config } });
    secretlintFindings += r.messages.length;
  }
  const secretlintMs = performance.now() - t0;
  const secretlintMBs = bytes / 1048576 / (secretlintMs / 1000);

  log('  witness streaming (16-character chunks, like model tokens)');
  const joined = texts.slice(0, 600).join('\n\n');
  const sm = new StreamingMasker(masker);
  t0 = performance.now();
  let pushes = 0;
  for (let i = 0; i < joined.length; i += 16) {
    sm.push(joined.slice(i, i + 16));
    pushes++;
  }
  sm.flush();
  const streamMs = performance.now() - t0;

  log('  witness on a 30-turn agent conversation (each request resends the history), without and with the result cache');
  const agent = agentTurns(30);
  const perConversation = (m: Masker) => {
    const t = performance.now();
    for (const turn of agent) for (const text of turn) m.mask(text);
    return performance.now() - t;
  };
  const key = randomBytes(32);
  perConversation(new Masker({ key, cacheChars: 0 })); // warm-up
  const agentNoCacheMs = perConversation(new Masker({ key, cacheChars: 0 }));
  const agentCacheMs = perConversation(new Masker({ key }));

  return {
    corpusBytes: bytes,
    snippets: texts.length,
    witnessMBps: round(witnessMBs, 1),
    secretlintMBps: round(secretlintMBs, 2),
    ratioVsSecretlint: round(witnessMBs / secretlintMBs, 1),
    secretlintFindings,
    streaming16: { MBps: round(Buffer.byteLength(joined) / 1048576 / (streamMs / 1000), 2), usPerPush: round((streamMs * 1000) / pushes, 1) },
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
