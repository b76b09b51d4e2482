/**
 * `npm run bench`: benchmarks in one process tree. The fake upstream, the Witness engine
 * (the real CLI) and a bare mockttp baseline run as child processes; the clients run here.
 * Prints ratios against baselines measured in the same run and writes
 * bench/results/latest.json (and a dated copy) for comparison across commits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { generateCa, permittedSubtrees } from '../../proxy/ca/index.js';
import { runProxyBench } from './proxy.bench.js';
import { runMaskingBench } from './masking.bench.js';
import { runAuditBench } from './audit.bench.js';
import { runServerBench } from './server.bench.js';
import { runProxyMaskingBench } from './proxy-masking.bench.js';
import { runProxyAbBench } from './proxy-ab.bench.js';
import { startRelay } from './relay.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const children: ChildProcess[] = [];
const log = (s: string) => process.stderr.write(s + '\n');

/**
 * A child process; resolves with its first JSON line. Lines before it that are not JSON (a V8
 * flag's trace, e.g. `--trace-gc` in WITNESS_BENCH_ENGINE_FLAGS) and every line after it go to
 * `logFile` when given, else are dropped.
 */
function startChild(args: string[], env: NodeJS.ProcessEnv = {}, cwd = root, wrap: string[] = [], logFile?: string): Promise<{ child: ChildProcess; first: any }> {
  const [cmd, ...pre] = [...wrap, process.execPath];
  const child = spawn(cmd!, [...pre, '--import', 'tsx', ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    let first = true;
    rl.on('line', (line) => {
      if (first && line.startsWith('{')) {
        first = false;
        return resolve({ child, first: JSON.parse(line) });
      }
      if (logFile) appendFileSync(logFile, line + '\n');
    });
    child.once('exit', (c) => reject(new Error(`${args.join(' ')} exited with ${c}`)));
  });
}

/** `npm run bench -- proxy masking audit` runs only the named parts (default: all). */
const wanted = new Set(process.argv.slice(2).filter((a) => !a.startsWith('-')));
const want = (part: string) => wanted.size === 0 || wanted.has(part);

/** The central server's bench needs none of the proxy parts: `npm run bench -- server` runs it alone. */
async function serverOnly() {
  const server = await runServerBench(log);
  const result = { date: new Date().toISOString(), node: process.version, cores: cpus().length, server };
  const dir = join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'server-latest.json'), JSON.stringify(result, null, 2) + '\n');
  console.table(server);
}

/** The fake upstream, the engine and the mockttp baseline, started once for every proxy part. */
let routes: ReturnType<typeof startProxies> | null = null;
const proxyRoutes = (work: string) => (routes ??= startProxies(work));

async function startProxies(work: string) {
  const up = (await startChild(['test/bench/upstream-server.ts', work])).first as { port: number; caFile: string };
  const upstreamCa = readFileSync(up.caFile, 'utf8');

  const dataDir = join(work, 'witness');
  const config = join(work, 'config.json');
  writeFileSync(config, JSON.stringify({ proxy: { port: 0 }, upstream: { resolve: { 'api.githubcopilot.com': `127.0.0.1:${up.port}` }, caFile: up.caFile }, log: { level: 'warn' } }));
  // WITNESS_BENCH_CPU_PROF=<dir>: the engine writes a V8 CPU profile there when it stops (read it with Chrome DevTools);
  // WITNESS_BENCH_CPU_PROF_US: its sampling interval in µs (default 1000; 50 to see what ran around one late event).
  const prof = process.env.WITNESS_BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-interval', process.env.WITNESS_BENCH_CPU_PROF_US ?? '1000', '--cpu-prof-dir', process.env.WITNESS_BENCH_CPU_PROF] : [];
  // WITNESS_BENCH_ENGINE=<checkout>: the engine of another checkout (built), measured by this one's clients.
  const engineRoot = process.env.WITNESS_BENCH_ENGINE ?? root;
  // WITNESS_BENCH_CALLGRIND=<dir>: each engine runs under valgrind's callgrind (one file per thread
  // there, for instruction counts that a busy host does not change); slow, so use few requests.
  const cg = process.env.WITNESS_BENCH_CALLGRIND;
  const wrap = (tag: string) => (cg ? ['valgrind', '--tool=callgrind', '--separate-threads=yes', '--smc-check=all-non-file', `--callgrind-out-file=${join(cg, `engine-${tag}.%p`)}`] : []);
  // WITNESS_BENCH_ENGINE_FLAGS / WITNESS_BENCH_ENGINE_B_FLAGS: node/V8 flags for engine A / B (space-separated, e.g.
  // `--trace-gc`, or a young generation size to set against the other engine's in one rotation);
  // WITNESS_BENCH_ENGINE_STDOUT=<dir>: what each engine prints besides its first line, to <dir>/engine-<a|b>.log.
  const flags = (tag: string) => (process.env[tag === 'a' ? 'WITNESS_BENCH_ENGINE_FLAGS' : 'WITNESS_BENCH_ENGINE_B_FLAGS'] ?? '').split(' ').filter(Boolean);
  const out = process.env.WITNESS_BENCH_ENGINE_STDOUT;
  if (out) mkdirSync(out, { recursive: true });
  const engine = async (checkout: string, dataDir: string, tag: string) => {
    const child = await startChild([...prof, ...flags(tag), 'bin/witness.js', 'start', '--data-dir', dataDir, '--config', config, '--json'], { WITNESS_FROM_SOURCE: '0' }, checkout, wrap(tag), out ? join(out, `engine-${tag}.log`) : undefined);
    return { port: Number(new URL(child.first.proxy.url).port), ca: readFileSync(join(dataDir, 'ca', 'current.crt.pem'), 'utf8'), pid: child.child.pid };
  };
  const { port: witnessPort, ca: witnessCa, pid: witnessPid } = await engine(engineRoot, dataDir, 'a');
  // WITNESS_BENCH_ENGINE_B=<checkout>: a second engine (built), for `proxy-ab` and `proxy-masking`.
  const b = process.env.WITNESS_BENCH_ENGINE_B && (want('proxy-ab') || want('proxy-masking')) ? await engine(process.env.WITNESS_BENCH_ENGINE_B, join(work, 'witness-b'), 'b') : null;

  const base = await generateCa({ subtrees: permittedSubtrees(['*.githubcopilot.com']), notBefore: new Date(Date.now() - 3600e3), notAfter: new Date(Date.now() + 86400e3) });
  writeFileSync(join(work, 'base.crt'), base.issuingPem);
  writeFileSync(join(work, 'base.key'), base.issuingKeyPkcs8Pem);
  // With WITNESS_BENCH_CPU_PROF, bare mockttp writes its own profile in <dir>/mockttp, to set against the engine's.
  const mockProf = process.env.WITNESS_BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', join(process.env.WITNESS_BENCH_CPU_PROF, 'mockttp')] : [];
  const mockChild = await startChild([...mockProf, 'test/bench/mockttp-baseline.ts', join(work, 'base.crt'), join(work, 'base.key'), String(up.port)], { NODE_EXTRA_CA_CERTS: up.caFile });
  const mock = mockChild.first;
  // The minimal TLS-terminating relay (relay.ts), in its own process like mockttp's: the floor of any interception design, for `proxy-masking`'s paired section.
  const relayChild = want('proxy-masking') ? await startChild(['test/bench/relay-server.ts', String(up.port), up.caFile]) : null;
  // WITNESS_BENCH_RELAY_LOCAL=1: the same relay also in this (the clients') process, no process of its own to schedule.
  const relayLocal = want('proxy-masking') && process.env.WITNESS_BENCH_RELAY_LOCAL === '1' ? await startRelay({ upstreamPort: up.port, upstreamCa }) : null;
  // WITNESS_BENCH_LEAN=1: another engine of this checkout (its own data dir and process) behind the lean hop
  // (lean-hop.ts: Node's HTTP server in place of mockttp's, the same forward step and data path), for the paired section.
  // WITNESS_BENCH_LEAN_FORWARD=1: another such hop running the forward step with no hooks (no masking, SSE transform, record
  // or audit): the HTTP plumbing alone (`leanForward`).
  // With WITNESS_BENCH_CPU_PROF, each writes its profile in <dir>/lean-<engine|forward>.
  const leanProf = (what: string) => (process.env.WITNESS_BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-interval', process.env.WITNESS_BENCH_CPU_PROF_US ?? '1000', '--cpu-prof-dir', join(process.env.WITNESS_BENCH_CPU_PROF, `lean-${what}`)] : []);
  const leanWith = (what: string) => startChild([...leanProf(what), 'test/bench/lean-server.ts', engineRoot, join(work, `witness-lean-${what}`), config, what]);
  const leanChild = want('proxy-masking') && process.env.WITNESS_BENCH_LEAN === '1' ? await leanWith('engine') : null;
  const leanForwardChild = want('proxy-masking') && process.env.WITNESS_BENCH_LEAN_FORWARD === '1' ? await leanWith('forward') : null;
  // WITNESS_BENCH_RAW=1: an engine of this checkout whose hooks run on the raw hop (raw-hop.ts: the relay, HTTP framed by hand).
  const rawChild = want('proxy-masking') && process.env.WITNESS_BENCH_RAW === '1' ? await leanWith('raw') : null;

  const host = 'api.githubcopilot.com';
  return {
    direct: { name: 'direct', host, port: up.port, ca: upstreamCa },
    tunnelled: { name: 'tunnelled', host: 'localhost', port: up.port, ca: upstreamCa, proxyPort: witnessPort },
    intercepted: { name: 'intercepted', host, port: 443, ca: witnessCa, proxyPort: witnessPort, pid: witnessPid },
    mockttp: { name: 'mockttp', host, port: 443, ca: base.rootPem, proxyPort: mock.port, pid: mockChild.child.pid },
    relay: relayChild ? { name: 'relay', host, port: 443, ca: relayChild.first.caPem as string, proxyPort: relayChild.first.port as number, pid: relayChild.child.pid } : null,
    relayLocal: relayLocal ? { name: 'relay-local', host, port: 443, ca: relayLocal.caPem, proxyPort: relayLocal.port } : null,
    lean: leanChild ? { name: 'lean', host, port: 443, ca: leanChild.first.caPem as string, proxyPort: leanChild.first.port as number, pid: leanChild.child.pid } : null,
    raw: rawChild ? { name: 'raw', host, port: 443, ca: rawChild.first.caPem as string, proxyPort: rawChild.first.port as number, pid: rawChild.child.pid } : null,
    leanForward: leanForwardChild ? { name: 'lean-forward', host, port: 443, ca: leanForwardChild.first.caPem as string, proxyPort: leanForwardChild.first.port as number, pid: leanForwardChild.child.pid } : null,
    interceptedB: b ? { name: 'intercepted-b', host, port: 443, ca: b.ca, proxyPort: b.port, pid: b.pid } : null,
  };
}

/** `proxy-ab`: this engine (A) and WITNESS_BENCH_ENGINE_B's (B), each against mockttp in turn. */
async function proxyAbPart(work: string) {
  const r = await proxyRoutes(work);
  if (!r.interceptedB) {
    log('proxy-ab: set WITNESS_BENCH_ENGINE_B=<a built checkout> to compare two engines');
    return null;
  }
  return runProxyAbBench({ mockttp: r.mockttp, a: r.intercepted, b: r.interceptedB }, log);
}

async function main() {
  if (wanted.size > 0 && [...wanted].every((w) => w === 'server')) return serverOnly();
  const work = mkdtempSync(join(tmpdir(), 'witness-bench-'));
  try {
    // The proxy bench needs the fake upstream, the engine and the mockttp baseline; the
    // masking and audit benches run in this process alone.
    log(`benchmarking on ${cpus().length} cores, node ${process.version}`);
    // Masking first: its figures are CPU time of this process, so they are taken before the
    // proxy parts start the child processes and leave their clients' sockets and heap here.
    log('masking');
    const masking = want('masking') ? await runMaskingBench(log) : null;
    const proxy = !want('proxy') ? null : await runProxyBench(await proxyRoutes(work), log);
    const proxyMasking = !want('proxy-masking') ? null : await runProxyMaskingBench(await proxyRoutes(work), log);
    const proxyAb = !want('proxy-ab') ? null : await proxyAbPart(work);
    log('audit store');
    const audit = want('audit') ? await runAuditBench(log) : null;
    log('central server');
    const server = want('server') ? await runServerBench(log) : null;
    const result = { date: new Date().toISOString(), node: process.version, cores: cpus().length, proxy, proxyMasking, proxyAb, masking, audit, server };
    const dir = join(root, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const latest = join(dir, 'latest.json');
    writeFileSync(latest, JSON.stringify(result, null, 2) + '\n');
    copyFileSync(latest, join(dir, `${result.date.slice(0, 19).replace(/[:T]/g, '-')}.json`));
    console.log(JSON.stringify({ proxy: proxy?.ratios ?? null, proxyPaired: proxy?.paired ?? null, proxyMasking, proxyAb, masking, audit }, null, 2));
    console.table(
      Object.fromEntries(
        Object.entries(proxy?.results ?? {}).map(([m, r]: [string, any]) => [
          m,
          {
            'keep-alive p50 ms': r.keepAlive500.p50Ms,
            'keep-alive p99 ms': r.keepAlive500.p99Ms,
            'new conn p50 ms': r.newConnections200.p50Ms,
            'burst MB/s': r.burst20MB.mbPerS,
            'SSE delay p50 ms': r.sse50x20ms.delayP50Ms,
            'SSE delay p99 ms': r.sse50x20ms.delayP99Ms,
            'first event ms': r.sse50x20ms.timeToFirstEventMs,
          },
        ]),
      ),
    );
    log(`wrote ${latest}`);
  } finally {
    // Let the engine finish its shutdown (it writes a last snapshot) before its data dir goes.
    await Promise.all(
      children.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((resolve) => (c.once('exit', resolve), c.kill('SIGTERM'))))),
    );
    rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    for (const c of children) c.kill('SIGKILL');
    console.error(e);
    process.exit(1);
  },
);
