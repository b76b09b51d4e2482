/**
 * The CLI helps: every command and sub-command answers --help (and does nothing else),
 * mistakes end in one line with what is valid and "did you mean", an unusable data dir is
 * named with --data-dir (no stack trace), approvals are answered by a unique id prefix,
 * `stop` and `start --background` work, and the window keeps its port across restarts.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main, COMMANDS } from '../../proxy/cli/index.js';
import type { CommandIO } from '../../proxy/cli/index.js';
import { isProcessAlive } from '../../proxy/control-server/index.js';
import { runCli } from '../helpers/cli.js';
import { startFakeUpstream } from '../helpers/fake-upstream.js';
import { startTestEngine } from '../helpers/engine.js';
import { tlsThroughProxy } from '../helpers/proxy-client.js';
import { until } from './helpers.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'witness-cli2-'));
  dirs.push(d);
  return d;
};
const pids: number[] = [];
afterAll(() => {
  for (const pid of pids) if (isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CommandIO = { out: (t) => void (out += t + '\n'), err: (t) => void (err += t + '\n'), log: () => {} };
  const code = await main(argv, io);
  return { code, out, err };
}

describe('--help', () => {
  const SUBCOMMANDS = [
    ['ca', 'cert'],
    ['ca', 'activate-next'],
    ['approvals', 'list'],
    ['approvals', 'approve'],
    ['approvals', 'deny'],
    ['policy', 'show'],
    ['policy', 'check'],
    ['config', 'schema'],
    ['config', 'check'],
    ['setup', 'vscode'],
    ['setup', 'trust'],
  ];

  it('every command and sub-command prints its usage, exits 0 and touches nothing', async () => {
    const dataDir = tempDir();
    const all = [...Object.keys(COMMANDS).map((c) => [c]), ...SUBCOMMANDS];
    for (const argv of all) {
      for (const flag of ['--help', '-h']) {
        const r = await run([...argv, flag, '--data-dir', dataDir]);
        expect(r.code, `${argv.join(' ')} ${flag}: ${r.err}`).toBe(0);
        expect(r.out, argv.join(' ')).toMatch(/^Usage: witness /);
        expect(r.err, argv.join(' ')).toBe('');
      }
    }
    // No CA minted, no key created, no sign-in link, no engine started.
    expect(readdirSync(dataDir)).toEqual([]);
    expect((await run(['help', 'setup'])).out).toMatch(/^Usage: witness setup/);
  });

  it('`witness ui --help` through the real launcher prints help instead of minting a link', async () => {
    const r = await runCli(['ui', '--help', '--data-dir', tempDir()]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: witness ui/);
    expect(r.stdout).not.toMatch(/auth\?code=/);
  });
});

describe('mistakes get one line with what is valid', () => {
  it('an unknown command suggests the closest one', async () => {
    const r = await run(['strat']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^witness: unknown command "strat"\. Did you mean "start"\?\nCommands: start, stop, status, setup, doctor,/);
  });

  it('an unknown flag names the closest valid flag and the valid ones', async () => {
    const r = await run(['search', '--lmit', '5']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^witness: witness search: unknown option --lmit\. Did you mean --limit\? Valid options: .*--limit.* \[USAGE\]\n$/);
    expect((await run(['doctor', '--jsn'])).err).toContain('Did you mean --json?');
  });

  it('numeric and enumerated flags are checked with a one-line error', async () => {
    const dataDir = tempDir();
    const limit = await run(['search', '--limit', 'abc', '--data-dir', dataDir]);
    expect(limit.code).toBe(2);
    expect(limit.err).toBe('witness: witness search: --limit must be a number from 1 to 500 (got "abc"). [USAGE]\n');
    expect((await run(['search', '--limit', '0', '--data-dir', dataDir])).err).toContain('--limit must be a number from 1 to 500 (got "0")');
    expect((await run(['search', '--decision', 'aproved', '--data-dir', dataDir])).err).toMatch(/--decision must be one of allowed, masked, blocked, approved, denied, timed-out, cancelled \(got "aproved"\)\. Did you mean "approved"\?/);
    expect((await run(['export', '--format', 'xml', '--data-dir', dataDir])).err).toContain('--format must be one of jsonl, har, ocsf (got "xml")');
    expect((await run(['stop', '--timeout', 'soon', '--data-dir', dataDir])).err).toContain('--timeout must be a number from 1 to 3600');
    expect((await run(['setup', 'vscod', '--data-dir', dataDir])).err).toMatch(/unknown command "vscod"\. Did you mean "vscode"\?/);
    expect((await run(['start', '--data-dir'])).err).toMatch(/--data-dir needs a value/);
  });
});

describe('data dir problems', () => {
  it('an unusable data dir is one line naming it and --data-dir, never a stack trace', async () => {
    const base = tempDir();
    writeFileSync(join(base, 'a-file'), 'not a directory');
    const bad = join(base, 'a-file', 'witness');
    for (const argv of [['start'], ['ca', 'cert'], ['setup', 'vscode']]) {
      const r = await runCli([...argv, '--data-dir', bad]);
      expect(r.code, argv.join(' ')).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines, argv.join(' ')).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^witness: cannot use the data dir ${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: ENOTDIR.*--data-dir DIR.*\\[DATA_DIR_UNUSABLE\\]$`));
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    // A dry run creates nothing, not even the CA: it says what to run first.
    const dry = await run(['setup', '--dry-run', '--data-dir', join(base, 'fresh')]);
    expect(dry.code).toBe(1);
    expect(dry.err).toMatch(/^witness: There is no CA in .*fresh\/ca yet, and a dry run creates nothing: start Witness .*\[CA_INVALID\]\n$/);
    expect(existsSync(join(base, 'fresh'))).toBe(false);
    // A file where a data dir should be, met deep inside a command: still one line.
    const v = await run(['verify', '--data-dir', join(base, 'a-file')]);
    expect(v.code).toBe(1);
    expect(v.err.trim().split('\n')).toHaveLength(1);
    expect(v.err).toMatch(/^witness: cannot use the data dir .*a-file: ENOTDIR .*--data-dir DIR/);
    const missing = await run(['search', '--data-dir', join(base, 'nope')]);
    expect(missing.err).toMatch(/no Witness data dir at .*nope \(it does not exist\).*--data-dir DIR/);
  });

  it.skipIf(process.getuid?.() === 0)('a data dir this user may not write is named with --data-dir', async () => {
    const base = tempDir();
    const locked = join(base, 'locked');
    (await import('node:fs')).mkdirSync(locked, { mode: 0o500 });
    const r = await runCli(['start', '--data-dir', locked]);
    expect(r.stderr.trim()).toMatch(/^witness: cannot use the data dir .*locked: EACCES: it is not writable by this user.*--data-dir DIR/);
  });

  it('`witness mask` masks stdin without a data dir, with a per-run key, and says so', async () => {
    const dataDir = join(tempDir(), 'never-created');
    const r = await runCli(['mask', '--data-dir', dataDir], { input: 'key sk_live_51Hq8Zt3Kq9X2vLmN4bP7cR1dS6fT0gU\n' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^key \[MASKED:stripe-secret-key:[0-9a-f]{4}\]\n$/);
    expect(r.stderr).toContain(`no masking key in ${dataDir}; using a per-run key`);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('`witness policy show` prints values; --all expands lists', async () => {
    const dataDir = tempDir();
    const r = await run(['policy', 'show', '--data-dir', dataDir]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\n {2}approvals\.timeoutSeconds +\d+ +\[default\]\n/);
    expect(r.out).toMatch(/\n {2}protectedPaths +\*\*\/\.env\*, \*\*\/\*\.pem, \*\*\/\*\.key, … \(\d+ entries\) +\[default\]\n/);
    expect(r.out).toContain('`witness policy show --all` prints every entry');
    const all = await run(['policy', 'show', '--all', '--data-dir', dataDir]);
    expect(all.out).toContain('\n    - **/.aws/**\n');
  });
});

describe('approvals by id prefix', () => {
  it('approves by a unique prefix; an ambiguous prefix lists the candidates', async () => {
    const upstream = await startFakeUpstream();
    const t = await startTestEngine(upstream, {}, {}, null);
    const held: string[] = [];
    t.engine.bus.subscribe((e) => {
      if (e.type === 'approval.requested') held.push(e.data.id);
    });
    const open = async (n: number) => {
      const socket = await tlsThroughProxy(t.engine.proxyPort, 'api.business.githubcopilot.com', 443, { ca: t.caPem });
      const req = https.request({ host: 'api.business.githubcopilot.com', path: `/v1/messages?fixture=05-messages.response-tooluse.sse.txt&t=p${n}`, method: 'POST', createConnection: () => socket }, (res) => res.resume());
      req.on('error', () => undefined);
      req.end('{}');
    };
    try {
      // Random ids: by the pigeonhole principle 17 holds always share a first hex digit; usually a few do.
      let shared: string[] = [];
      for (let n = 0; n < 17 && shared.length < 2; n++) {
        await open(n);
        await until(() => held.length > n, 60_000, 'a held tool call');
        const first = held[n]![0]!;
        shared = held.filter((id) => id[0] === first);
      }
      const prefix = shared[0]![0]!;
      const amb = await runCli(['approvals', 'approve', prefix, '--data-dir', t.dataDir]);
      expect(amb.code).toBe(2);
      expect(amb.stderr).toMatch(new RegExp(`^witness: "${prefix}" matches \\d+ pending approvals: .*${shared[0]} \\(run_in_terminal\\).*${shared[1]}.*Type more of the id\\. \\[USAGE\\]`));
      const unique = shared[0]!.slice(0, 8);
      const ok = await runCli(['approvals', 'deny', unique, '--reason', 'not now', '--data-dir', t.dataDir]);
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toMatch(/run_in_terminal: denied by /);
      const none = await runCli(['approvals', 'approve', 'zzz', '--data-dir', t.dataDir]);
      expect(none.stderr).toMatch(/No pending approval matches "zzz"; pending: /);
    } finally {
      await t.stop();
      await upstream.close();
    }
  });
});

describe('start --background, stop, status, a stable window port', () => {
  it('runs detached with a pid and a log file, refuses a second engine, stops cleanly, and keeps the control port', { timeout: 300_000 }, async () => {
    const dataDir = tempDir();
    const up = await runCli(['start', '--background', '--data-dir', dataDir, '--port', '0']);
    expect(up.code, up.stderr).toBe(0);
    const pid = Number(readFileSync(join(dataDir, 'witness.pid'), 'utf8'));
    pids.push(pid);
    expect(up.stdout).toContain(`Witness is running in the background (pid ${pid}).`);
    expect(up.stdout).toMatch(/Window +http:\/\/127\.0\.0\.1:\d+\/auth\?code=/);
    expect(up.stdout).toContain(`Log     ${join(dataDir, 'witness.log')}`);
    expect(readFileSync(join(dataDir, 'witness.log'), 'utf8')).toContain('Witness is running');
    // Printed commands work as printed: from a clone (this repository) without `npm link`, `npx witness`.
    expect(up.stdout).toMatch(new RegExp(`Stop {4}(npx witness|witness) stop --data-dir ${JSON.stringify(dataDir).replace(/[.*+?^$()|[\]\\/]/g, '\\$&')}\n`));
    const s1 = JSON.parse((await runCli(['status', '--json', '--data-dir', dataDir])).stdout);
    expect(s1).toMatchObject({ running: true, pid });

    const second = await runCli(['start', '--data-dir', dataDir, '--port', '0']);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/already running for .* \(pid \d+, proxy http:\/\/127\.0\.0\.1:\d+\)\. .*stop it with .*\[ALREADY_RUNNING\]/);

    const stop = await runCli(['stop', '--data-dir', dataDir]);
    expect(stop.code, stop.stderr).toBe(0);
    expect(stop.stdout).toBe(`Witness (pid ${pid}) stopped.\n`);
    expect(isProcessAlive(pid)).toBe(false);
    expect(existsSync(join(dataDir, 'witness.pid'))).toBe(false);
    const after = await runCli(['status', '--data-dir', dataDir]);
    expect(after.code).toBe(3);
    expect(after.stdout).toMatch(/^Witness is not running for .*: it stopped cleanly at \d{4}-.*\(pid \d+, witness stop\)\./);
    expect((await runCli(['stop', '--data-dir', dataDir])).stdout).toMatch(/not running .*nothing to stop/);

    // Same window address after a restart.
    const again = await runCli(['start', '--background', '--data-dir', dataDir, '--port', '0', '--json']);
    expect(again.code, again.stderr).toBe(0);
    const s2 = JSON.parse(again.stdout);
    pids.push(s2.pid);
    expect(s2.control.url).toBe(s1.control.url);
    expect((await runCli(['stop', '--data-dir', dataDir])).code).toBe(0);

    // While another program holds that port, a new one is picked and kept.
    const port = Number(new URL(s1.control.url).port);
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen({ host: '127.0.0.1', port }, resolve));
    try {
      const third = await runCli(['start', '--background', '--data-dir', dataDir, '--port', '0', '--json']);
      expect(third.code, third.stderr).toBe(0);
      const s3 = JSON.parse(third.stdout);
      pids.push(s3.pid);
      expect(s3.control.url).not.toBe(s1.control.url);
      expect(readFileSync(join(dataDir, 'control-port'), 'utf8').trim()).toBe(new URL(s3.control.url).port);
      expect((await runCli(['stop', '--data-dir', dataDir])).code).toBe(0);
    } finally {
      blocker.close();
    }
  });
});
