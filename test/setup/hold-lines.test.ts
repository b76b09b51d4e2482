/**
 * Headless parity (issue 17): `witness start` in a terminal prints one line for each new
 * hold, with the window link and the commands that decide it, and the printed command
 * works as printed (unique id prefix). The real launcher, the real proxy, a held
 * `.env.production` edit from the fake upstream under the built-in default policy.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalView } from '../../proxy/control/index.js';
import { holdLine, holdPrinter } from '../../proxy/cli/hold-lines.js';
import { runCli, spawnCli, type RunningCli } from '../helpers/cli.js';
import { startFakeUpstream, UPSTREAM_NAMES, type FakeUpstream } from '../helpers/fake-upstream.js';
import { requestViaProxy } from '../helpers/proxy-client.js';

let upstream: FakeUpstream;
let dir: string;
let cli: RunningCli | undefined;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  dir = mkdtempSync(join(tmpdir(), 'witness-holds-'));
});
afterAll(async () => {
  if (cli && cli.child.exitCode === null) {
    cli.child.kill('SIGTERM');
    await cli.exited;
  }
  await upstream?.close();
  rmSync(dir, { recursive: true, force: true });
});

function startWith(json: boolean): { dataDir: string; run: RunningCli } {
  const dataDir = join(dir, json ? 'json' : 'text');
  const caFile = join(dir, 'upstream-ca.pem');
  writeFileSync(caFile, upstream.root.certPem);
  const resolve = Object.fromEntries(UPSTREAM_NAMES.filter((n) => !/^[\d.]+$|localhost/.test(n)).map((n) => [n, `127.0.0.1:${upstream.port}`]));
  const config = join(dir, `config-${json ? 'json' : 'text'}.json`);
  writeFileSync(config, JSON.stringify({ upstream: { resolve, caFile } }));
  const run = spawnCli(['start', '--data-dir', dataDir, '--port', '0', '--config', config, ...(json ? ['--json'] : [])]);
  return { dataDir, run };
}

/** Sends the agent response that edits .env.production (held by the default policy); resolves when the client has its answer. */
async function heldRequest(proxyPort: number, caPem: string): Promise<string> {
  const path = '/chat/completions?fixture=03-agent.response-toolcalls.sse.txt&ms=5';
  const res = await requestViaProxy({ proxyPort, host: 'api.business.githubcopilot.com', path, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}', ca: caPem });
  return res.body;
}

describe('witness start prints each new hold', () => {
  it('one line per hold with the window link and the approve/deny commands, which work as printed', async () => {
    const { dataDir, run } = startWith(false);
    cli = run;
    await run.waitFor(/Press Ctrl\+C to stop/, 60_000);
    const proxyPort = Number(/Proxy +http:\/\/127\.0\.0\.1:(\d+)/.exec(run.stdout())![1]);
    const controlUrl = /Control API +(http:\/\/127\.0\.0\.1:\d+)/.exec(run.stdout())![1]!;
    const caPem = (await runCli(['ca', 'cert', '--data-dir', dataDir])).stdout;

    const answered = heldRequest(proxyPort, caPem);
    answered.catch(() => {}); // awaited below; a failed wait above must not surface as a stray reset
    const line = await run.waitFor(/^Held: /, 60_000);
    expect(line).toMatch(/^Held: replace_string_in_file \(edit [^)]*\.env\.production\) from /);
    const link = new RegExp(`Open ${controlUrl.replace(/[.]/g, '\\.')}/#/approval/([0-9a-f-]{36}) `).exec(line);
    expect(link, line).toBeTruthy();
    const prefix = link![1]!.slice(0, 8);
    expect(line).toContain(`approvals approve ${prefix} --data-dir "${dataDir}"`);
    expect(line).toContain(`approvals deny ${prefix} --data-dir "${dataDir}"`);
    expect(line).toMatch(/\(denied in \d+ s if nobody answers\)\.$/);
    expect(run.stdout().split('\n').filter((l) => l.startsWith('Held: '))).toHaveLength(1);

    // The printed command decides it: the client gets the released tool call.
    const decided = await runCli(['approvals', 'approve', prefix, '--data-dir', dataDir]);
    expect(decided.code, decided.stderr).toBe(0);
    expect(await answered).toContain('replace_string_in_file');

    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('with --json, one "approval.requested" JSON line per hold', async () => {
    const { dataDir, run } = startWith(true);
    cli = run;
    const started = JSON.parse(await run.waitFor(/"event":"started"/, 60_000));
    const caPem = (await runCli(['ca', 'cert', '--data-dir', dataDir])).stdout;
    const answered = heldRequest(started.proxy.port, caPem);
    answered.catch(() => {});
    const held = JSON.parse(await run.waitFor(/"event":"approval\.requested"/, 60_000));
    expect(held).toMatchObject({ tool: 'replace_string_in_file', ruleIds: ['protected-path:**/.env*'], link: `${started.control.url}/#/approval/${held.id}` });
    expect((await runCli(['approvals', 'deny', held.id.slice(0, 8), '--data-dir', dataDir])).code).toBe(0);
    await answered;
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });
});

describe('hold line', () => {
  const a: ApprovalView = {
    id: '0123abcd-0000-4000-8000-000000000000', exchangeId: 'x', host: 'api.githubcopilot.com', client: 'vscode/1.99', requester: 'u',
    tool: 'run_in_terminal', arguments: '{}', argsHash: 'h',
    operation: { tool: 'run_in_terminal', class: 'execute', paths: [], commands: [`rm -rf ${'x'.repeat(300)}`], urls: [], unparsable: false, previews: [] },
    ruleIds: ['protected-command:rm'], reasons: ['runs rm'], requestedAt: '2026-01-01T00:00:00.000Z', expiresAt: '2026-01-01T00:02:00.000Z',
    defaultDecision: 'deny', status: 'pending', decidedAt: null, approver: null, reason: null,
  };

  it('is one line, shortens a long command, and counts down from when it is printed', () => {
    const line = holdLine(a, 'http://127.0.0.1:7421', 'npx witness', '', Date.parse('2026-01-01T00:00:30.000Z'));
    expect(line.split('\n')).toHaveLength(1);
    expect(line.length).toBeLessThan(400);
    expect(line).toContain('($ rm -rf xxx');
    expect(line).toContain('…) from vscode/1.99; runs rm.');
    expect(line).toContain('`npx witness approvals approve 0123abcd`');
    expect(line).toContain('(denied in 90 s if nobody answers)');
  });

  it('prints a replayed request once, and nothing for other events', () => {
    const out: string[] = [];
    const p = holdPrinter({ controlUrl: 'http://127.0.0.1:1', cli: 'witness', dataDirArg: '', json: false, out: (t) => out.push(t) });
    const ev = { seq: 1, type: 'approval.requested', time: a.requestedAt, data: a } as const;
    p(ev);
    p({ ...ev, seq: 2 });
    p({ seq: 3, type: 'approval.decided', time: a.requestedAt, data: { ...a, status: 'denied' } });
    expect(out).toHaveLength(1);
  });
});
