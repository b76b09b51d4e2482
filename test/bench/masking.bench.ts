/**
 * Masking throughput. Whole text: on the shared dev corpus, Witness's masker vs the npm peer
 * secretlint (recommended preset) on the same snippets, in rounds that alternate the two sides
 * (Witness then secretlint, then secretlint then Witness, …): a change of the host's speed
 * between rounds moves both sides of a round alike, so each round gives a ratio of its own and
 * their median is reported beside the ratio of the two medians. Secretlint runs in a child
 * process of its own that does one timed pass per request (see secretlint.child.ts: importing
 * it installs a global PerformanceObserver whose backlog would share this process with the
 * figures). Also on secret-free real source (a fixed set of TypeScript/JavaScript files from
 * node_modules).
 * Streaming: the cost per push of secret-free code and prose pushed in 4, 16, 64 and
 * 1024-character pieces (CPU time of this process, warm).
 *
 * Every figure is the median of several timed rounds (MASKING_BENCH_ROUNDS, default 7), each
 * a whole pass over its text, after warm-up passes: one pass is tens of milliseconds, and a
 * single one (or a mean) moves with whatever else the machine and the collector did then.
 * `spread` gives the fastest and slowest round's figure beside the median.
 *
 * MASKING_IMPL=<path to a masking/index.ts> runs the same bench on another implementation
 * (e.g. a worktree of main) to compare before/after in alternating runs; nothing else
 * reaches the old code.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
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
export function proseCorpus(): string {
  return ['typescript/README.md', 'zod/README.md', 'mockttp/README.md', 'react/README.md', 'vite/README.md'].map((p) => readFileSync(nodeModules(p), 'utf8')).join('\n\n');
}

/** CPU time of this process in ms (steadier than wall time on a busy machine). */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Timed rounds per figure (each a whole pass); the median is reported. */
const ROUNDS = Math.max(1, Number(process.env.MASKING_BENCH_ROUNDS) || 7);

/** CPU ms of each of `rounds` calls of `pass` (after `warm` untimed ones), sorted ascending. */
function timeRounds(pass: () => void, rounds = ROUNDS, warm = 2): number[] {
  for (let i = 0; i < warm; i++) pass();
  const ms: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = cpuMs();
    pass();
    ms.push(cpuMs() - t0);
  }
  return ms.sort((a, b) => a - b);
}

const median = (sorted: readonly number[]) => (sorted.length % 2 ? sorted[sorted.length >> 1]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2);
const MBps = (bytes: number, ms: number) => bytes / 1048576 / (ms / 1000);

export async function runMaskingBench(log: (s: string) => void) {
  const impl = process.env.MASKING_IMPL;
  const { Masker, StreamingMasker } = (await import(impl ?? '../../proxy/masking/index.js')) as MaskingModule;
  if (impl) log(`  masking implementation: ${impl}`);
  const corpus = loadCorpus(SHARED_CORPUS);
  const texts = corpus.map((e) => e.text);
  const bytes = texts.reduce((a, t) => a + Buffer.byteLength(t), 0);
  // The corpus is masked again and again: without the cache, every pass is a real scan.
  const masker = new Masker({ key: randomBytes(32), cacheChars: 0 });

  log(`  witness whole-text masking vs secretlint (recommended preset, in a child process) on the shared corpus: ${ROUNDS} rounds each, alternated`);
  const secretlint = await SecretlintChild.start();
  const witnessMs: number[] = [];
  const secretlintMs: number[] = [];
  let secretlintFindings = 0;
  try {
    // Both sides are measured warm (a proxy runs for days): passes for the JIT and the regex
    // engine's native tier first (3 for Witness, 1 for secretlint, as before), then the
    // timed rounds, each a pass of both, the order swapped every round.
    const witnessPass = () => {
      const t0 = cpuMs();
      for (const t of texts) masker.mask(t);
      witnessMs.push(cpuMs() - t0);
    };
    const secretlintPass = async () => {
      const r = await secretlint.round();
      secretlintMs.push(r.ms);
      secretlintFindings = r.findings;
    };
    for (let i = 0; i < 3; i++) for (const t of texts) masker.mask(t);
    await secretlint.round();
    for (let r = 0; r < ROUNDS; r++) {
      if (r % 2 === 0) {
        witnessPass();
        await secretlintPass();
      } else {
        await secretlintPass();
        witnessPass();
      }
    }
  } finally {
    secretlint.close();
  }
  // Same corpus on both sides (the child reports its byte count, held equal here).
  if (secretlint.bytes !== bytes) throw new Error(`secretlint.child.ts read ${secretlint.bytes} bytes, this bench ${bytes}`);
  const perRound = witnessMs.map((w, r) => secretlintMs[r]! / w).sort((a, b) => a - b);
  const witnessMBs = MBps(bytes, median([...witnessMs].sort((a, b) => a - b)));
  const secretlintMBs = MBps(bytes, median([...secretlintMs].sort((a, b) => a - b)));

  log(`  witness whole-text masking (secret-free source from node_modules), median of ${ROUNDS} rounds`);
  const source = sourceCorpus();
  const sourceBytes = source.reduce((a, t) => a + Buffer.byteLength(t), 0);
  let sourceFindings = 0;
  for (const t of source) sourceFindings += masker.mask(t).findings.length;
  const sourceRounds = timeRounds(() => {
    for (const t of source) masker.mask(t);
  });
  const sourceMBs = MBps(sourceBytes, median(sourceRounds));

  log('  witness streaming (secret-free code and prose, 4/16/64/1024-character pushes)');
  const code = source[0]!.slice(0, 100_000) + source[1]!.slice(0, 100_000);
  const prose = proseCorpus();
  const streaming: Record<string, { usPerPush: number; MBps: number; sameAsWholeText: boolean; spread: [number, number] }> = {};
  for (const [name, text] of [['code', code], ['prose', prose]] as const) {
    const whole = masker.mask(text).text;
    for (const size of [4, 16, 64, 1024]) {
      // Every pass (warm-up ones included) must give the whole-text output.
      let same = true;
      const pass = () => {
        const sm = new StreamingMasker(masker);
        let out = '';
        for (let i = 0; i < text.length; i += size) out += sm.push(text.slice(i, i + size));
        out += sm.flush();
        same &&= out === whole;
      };
      // A round is at least 200 KB of pushes (the prose is ~19 KB: one pass is a few ms).
      const reps = Math.max(1, Math.round(200_000 / text.length));
      const ms = timeRounds(() => {
        for (let k = 0; k < reps; k++) pass();
      });
      const pushes = Math.ceil(text.length / size) * reps;
      const us = (m: number) => round((m * 1000) / pushes, 2);
      streaming[`${name} ${size}`] = { usPerPush: us(median(ms)), MBps: round(MBps(Buffer.byteLength(text) * reps, median(ms)), 1), sameAsWholeText: same, spread: [us(ms[0]!), us(ms[ms.length - 1]!)] };
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
    rounds: ROUNDS,
    witnessMBps: round(witnessMBs, 1),
    secretlintMBps: round(secretlintMBs, 2),
    ratioVsSecretlint: round(witnessMBs / secretlintMBs, 1),
    // Per round: secretlint's CPU time over Witness's in the same round (the same bytes).
    ratioVsSecretlintPerRound: { median: round(median(perRound), 1), spread: [round(perRound[0]!, 1), round(perRound.at(-1)!, 1)] },
    secretlintFindings,
    source: { bytes: sourceBytes, MBps: round(sourceMBs, 1), findings: sourceFindings, spread: [round(MBps(sourceBytes, sourceRounds.at(-1)!), 1), round(MBps(sourceBytes, sourceRounds[0]!), 1)] },
    streaming,
    agent30Turns: { requestMB: round(agent.flat().reduce((a, t) => a + t.length, 0) / 1048576, 1), noCacheMs: round(agentNoCacheMs, 1), cacheMs: round(agentCacheMs, 1), speedup: round(agentNoCacheMs / agentCacheMs, 1) },
  };
}

/**
 * secretlint.child.ts, running: one timed pass over the shared corpus per round() (CPU time
 * measured there), the child blocked in between (see its header).
 */
class SecretlintChild {
  private readonly waiting: Array<{ resolve: (line: string) => void; reject: (e: Error) => void }> = [];

  private constructor(
    private readonly child: ChildProcess,
    readonly bytes: number,
  ) {}

  static async start(): Promise<SecretlintChild> {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/bench/secretlint.child.ts'], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
    // A child that died is reported by its 'close' (below); writing to it after must not throw on top.
    child.stdin!.on('error', () => {});
    const lines = createInterface({ input: child.stdout! });
    const first = new Promise<string>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code) => reject(new Error(`secretlint.child.ts exited with ${code} before it was ready`)));
      lines.once('line', resolve);
    });
    const ready = JSON.parse(await first) as { ready: boolean; bytes: number };
    const sl = new SecretlintChild(child, ready.bytes);
    lines.on('line', (line) => sl.waiting.shift()?.resolve(line));
    child.removeAllListeners('close');
    child.once('close', (code) => {
      for (const w of sl.waiting.splice(0)) w.reject(new Error(`secretlint.child.ts exited with ${code}`));
    });
    return sl;
  }

  /** One timed pass of secretlint over the corpus. */
  round(): Promise<{ ms: number; findings: number }> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve: (line) => resolve(JSON.parse(line) as { ms: number; findings: number }), reject });
      this.child.stdin!.write('round\n');
    });
  }

  close(): void {
    this.child.stdin!.end('end\n');
  }
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
