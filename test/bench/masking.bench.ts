/**
 * Masking throughput. Whole text: on the shared dev corpus, Witness's masker vs the npm peer
 * secretlint (recommended preset) on the same snippets, in rounds of several Witness passes
 * interleaved with the pieces of one secretlint pass (so both sides span the same stretch of
 * host time, in turns; Witness's figure is the round's time per pass): a change of the host's speed
 * between rounds moves both sides of a round alike, so each round gives a ratio of its own and
 * their median is reported beside the ratio of the two medians. Secretlint runs in a child
 * process of its own that does one timed pass per request (see secretlint.child.ts: importing
 * it installs a global PerformanceObserver whose backlog would share this process with the
 * figures). Also on secret-free real source (a fixed set of TypeScript/JavaScript files from
 * node_modules).
 * Streaming: the cost per push of secret-free code and prose pushed in 4, 16, 64 and
 * 1024-character pieces (CPU time of this process, every thread, warm: WARM passes
 * first, as for the source). Beside each figure, what moves it (test/bench/masking-stream-probe.ts found them):
 * the share of its CPU time spent off the main thread (GC helpers; concurrent JIT compiles
 * while not yet warm), the collections per round and their pauses, and the host's speed then
 * (`canaryMs`, a fixed piece of work timed before each round: ≈ 1.35 ms on this VM's fast
 * level, ≈ 2.2 ms on its slow one; the figures move with it). The figure itself is unchanged:
 * the masker's garbage and helper threads are its cost.
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
import { performance } from 'node:perf_hooks';
import type { Masker as MaskerType, StreamingMasker as StreamingMaskerType } from '../../proxy/masking/index.js';
import { loadCorpus, SHARED_CORPUS } from '../helpers/corpus.js';
import { round } from './clients.js';
import { canaryMs, GcLog, processMs, threadsMs } from './cpu-meter.js';

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

/** `text` pushed through a new streaming masker in `size`-character pieces, then flushed: what it gave out (the bench's streamed pass, shared with masking-ab.ts and masking-stream-probe.ts). */
export function streamed(Streaming: typeof StreamingMaskerType, masker: MaskerType, text: string, size: number): string {
  const sm = new Streaming(masker);
  let out = '';
  for (let i = 0; i < text.length; i += size) out += sm.push(text.slice(i, i + size));
  return out + sm.flush();
}

/** CPU time of this process in ms (steadier than wall time on a busy machine). */
const cpuMs = processMs;

/** Timed rounds per figure (each a whole pass); the median is reported. */
const ROUNDS = Math.max(1, Number(process.env.MASKING_BENCH_ROUNDS) || 7);

/**
 * Witness's whole-text passes over the shared corpus per round against secretlint, which does
 * one pass per round cut into as many pieces, one between each two of Witness's passes
 * (MASKING_BENCH_WITNESS_PASSES, default 8): about the span of one secretlint pass at the ratio
 * seen here (≈ 9).
 */
const WITNESS_PASSES = Math.max(2, Number(process.env.MASKING_BENCH_WITNESS_PASSES) || 8);

/**
 * Untimed passes before the rounds of the source and streaming figures. With 2 (as before),
 * the first rounds after them still ran concurrent JIT compiles on other threads (counted in
 * the process's CPU time): in masking-stream-probe.ts runs, code 64 and code 1 KB passes 3–8
 * cost 1.3–2.7× the process's median with 15–43 % of their CPU time off the main thread, the
 * source's passes 3–4 1.5–2.5× with 26–55 %; from the 9th pass on, 0–2 %.
 * MASKING_BENCH_WARM overrides it.
 */
const WARM = Math.max(0, Math.floor(Number(process.env.MASKING_BENCH_WARM ?? 8)) || 0);

type Rounds = {
  /** CPU ms of each round (the process's, every thread), sorted ascending. */
  ms: number[];
  /** The share of the rounds' CPU time spent off the main thread (GC helpers, JIT); NaN without /proc. */
  otherThreads: number;
  /** Per round: the canary's ms just before it, and the collections begun in it. */
  canary: number[];
  spans: Array<[number, number]>;
};

/** CPU ms of each of `rounds` calls of `pass` (after `warm` untimed ones), with what moved them. */
function timeRounds(pass: () => void, rounds = ROUNDS, warm = WARM): Rounds {
  for (let i = 0; i < warm; i++) pass();
  const out: Rounds = { ms: [], otherThreads: 0, canary: [], spans: [] };
  let all = 0;
  let main = 0;
  for (let r = 0; r < rounds; r++) {
    out.canary.push(canaryMs());
    const th0 = threadsMs();
    const w0 = performance.now();
    const t0 = cpuMs();
    pass();
    const ms = cpuMs() - t0;
    out.spans.push([w0, performance.now()]);
    const th1 = threadsMs();
    if (th0 && th1) {
      main += th1.main - th0.main;
      all += th1.all - th0.all;
    }
    out.ms.push(ms);
  }
  out.ms.sort((a, b) => a - b);
  out.otherThreads = all > 0 ? 1 - main / all : NaN;
  return out;
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

  log(`  witness whole-text masking vs secretlint (recommended preset, in a child process) on the shared corpus: ${ROUNDS} rounds, ${WITNESS_PASSES} witness passes interleaved with each secretlint pass's ${WITNESS_PASSES} pieces`);
  const secretlint = await SecretlintChild.start();
  // Same corpus on both sides (the child reports its byte count, held equal here).
  if (secretlint.bytes !== bytes) {
    secretlint.close();
    throw new Error(`secretlint.child.ts read ${secretlint.bytes} bytes, this bench ${bytes}`);
  }
  // Per round: CPU ms of one Witness pass (the mean of the round's passes) and of secretlint's pass.
  const witnessMs: number[] = [];
  const secretlintMs: number[] = [];
  let secretlintFindings = 0;
  try {
    // Both sides are measured warm (a proxy runs for days): passes for the JIT and the regex
    // engine's native tier first (3 for Witness, 1 for secretlint, as before). Then each round
    // is secretlint's pass cut into WITNESS_PASSES pieces (consecutive snippets, equal bytes)
    // with one whole Witness pass before each piece (after each in odd rounds): both sides
    // sample the host in turns every ~50 ms over the same stretch of time. A single Witness
    // pass is about a ninth of secretlint's; one of them alone against secretlint's whole pass
    // (rounds W S / S W before) saw a tenth of the host time that secretlint's saw, so one
    // collection or one neighbour's burst in it moved the round's ratio by half.
    const witnessPass = () => {
      const t0 = cpuMs();
      for (const t of texts) masker.mask(t);
      return cpuMs() - t0;
    };
    for (let i = 0; i < 3; i++) witnessPass();
    await secretlint.round();
    for (let r = 0; r < ROUNDS; r++) {
      let w = 0;
      let s = 0;
      let findings = 0;
      let pieceBytes = 0;
      for (let k = 0; k < WITNESS_PASSES; k++) {
        if (r % 2 === 0) w += witnessPass();
        const piece = await secretlint.round(k, WITNESS_PASSES);
        if (r % 2 === 1) w += witnessPass();
        s += piece.ms;
        findings += piece.findings;
        pieceBytes += piece.bytes;
      }
      // The pieces together are one pass over the same corpus as Witness's (every byte once).
      if (pieceBytes !== bytes) throw new Error(`secretlint.child.ts: round ${r}'s pieces covered ${pieceBytes} bytes, this bench's corpus is ${bytes}`);
      secretlintFindings = findings;
      witnessMs.push(w / WITNESS_PASSES);
      secretlintMs.push(s);
    }
  } finally {
    secretlint.close();
  }
  const perRound = witnessMs.map((w, r) => secretlintMs[r]! / w).sort((a, b) => a - b);
  const witnessMBs = MBps(bytes, median([...witnessMs].sort((a, b) => a - b)));
  const secretlintMBs = MBps(bytes, median([...secretlintMs].sort((a, b) => a - b)));

  log(`  witness whole-text masking (secret-free source from node_modules), median of ${ROUNDS} rounds`);
  const source = sourceCorpus();
  const sourceBytes = source.reduce((a, t) => a + Buffer.byteLength(t), 0);
  let sourceFindings = 0;
  for (const t of source) sourceFindings += masker.mask(t).findings.length;
  for (let i = 0; i < 20; i++) canaryMs(); // its own warm-up (JIT)
  const sourceMeter = timeRounds(() => {
    for (const t of source) masker.mask(t);
  });
  const sourceRounds = sourceMeter.ms;
  const sourceMBs = MBps(sourceBytes, median(sourceRounds));

  log('  witness streaming (secret-free code and prose, 4/16/64/1024-character pushes)');
  const code = source[0]!.slice(0, 100_000) + source[1]!.slice(0, 100_000);
  const prose = proseCorpus();
  type Figure = { usPerPush: number; MBps: number; sameAsWholeText: boolean; spread: [number, number]; warmPasses: number; otherThreadsShare: number; gcPerRound: number; gcPauseUsPerPush: number; canaryMs: number };
  const streaming: Record<string, Figure> = {};
  const gcLog = new GcLog();
  for (const [name, text] of [['code', code], ['prose', prose]] as const) {
    const whole = masker.mask(text).text;
    for (const size of [4, 16, 64, 1024]) {
      // Every pass (warm-up ones included) must give the whole-text output.
      let same = true;
      const pass = () => {
        same &&= streamed(StreamingMasker, masker, text, size) === whole;
      };
      // A round is at least 200 KB of pushes (the prose is ~19 KB: one pass is a few ms).
      const reps = Math.max(1, Math.round(200_000 / text.length));
      const rounds = timeRounds(() => {
        for (let k = 0; k < reps; k++) pass();
      });
      const ms = rounds.ms;
      await gcLog.settle();
      const gcs = rounds.spans.map(([t0, t1]) => Object.values(gcLog.within(t0, t1)));
      const pushes = Math.ceil(text.length / size) * reps;
      const us = (m: number) => round((m * 1000) / pushes, 2);
      streaming[`${name} ${size}`] = {
        usPerPush: us(median(ms)),
        MBps: round(MBps(Buffer.byteLength(text) * reps, median(ms)), 1),
        sameAsWholeText: same,
        spread: [us(ms[0]!), us(ms[ms.length - 1]!)],
        warmPasses: WARM,
        otherThreadsShare: round(rounds.otherThreads, 3),
        gcPerRound: round(gcs.flat().reduce((a, k) => a + k.n, 0) / ROUNDS, 2),
        gcPauseUsPerPush: us(gcs.flat().reduce((a, k) => a + k.ms, 0) / ROUNDS),
        canaryMs: round(median([...rounds.canary].sort((a, b) => a - b)), 2),
      };
    }
  }
  gcLog.close();

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
    witnessPassesPerRound: WITNESS_PASSES,
    witnessMBps: round(witnessMBs, 1),
    secretlintMBps: round(secretlintMBs, 2),
    ratioVsSecretlint: round(witnessMBs / secretlintMBs, 1),
    // Per round: secretlint's CPU time over Witness's per pass in the same round (the same bytes).
    ratioVsSecretlintPerRound: { median: round(median(perRound), 1), spread: [round(perRound[0]!, 1), round(perRound.at(-1)!, 1)] },
    secretlintFindings,
    source: { bytes: sourceBytes, MBps: round(sourceMBs, 1), findings: sourceFindings, spread: [round(MBps(sourceBytes, sourceRounds.at(-1)!), 1), round(MBps(sourceBytes, sourceRounds[0]!), 1)], warmPasses: WARM, otherThreadsShare: round(sourceMeter.otherThreads, 3), canaryMs: round(median([...sourceMeter.canary].sort((a, b) => a - b)), 2) },
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

  /** One timed pass of secretlint over the corpus, or over its piece k of n. */
  round(k?: number, n?: number): Promise<{ ms: number; findings: number; bytes: number }> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve: (line) => resolve(JSON.parse(line) as { ms: number; findings: number; bytes: number }), reject });
      this.child.stdin!.write(k === undefined ? 'round\n' : `round ${k} ${n}\n`);
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
