/**
 * `witness doctor [--json]`: every link from Copilot to Witness checked, each problem with
 * its fix. Exit 0 when no check fails (warnings allowed), 1 otherwise.
 */
import { effectiveInterceptHosts } from '../intercept/index.js';
import { runDoctor, type DoctorReport } from '../doctor/index.js';
import { hostEnv } from '../setup/index.js';
import { parseCommon, resolveConfig } from './args.js';
import { findEngine } from './engine-link.js';
import { cliInvocation } from './invocation.js';
import type { CommandIO } from './io.js';

const HELP = `Usage: witness doctor [--data-dir DIR] [--json]

Checks, in order: the engine runs; the proxy answers; the CA is valid and not near expiry;
it is trusted in the NSS database, the system bundle and NODE_EXTRA_CA_CERTS (exists, one
file, holds the current CA); VS Code's user and remote settings point at this proxy with
strict SSL; proxy variables for the Copilot CLI (and no NODE_TLS_REJECT_UNAUTHORIZED=0);
clients that rejected the CA recently (SNI and time); a live TLS handshake to a Copilot
host through the proxy, verified with this shell's Node trust store; personal-plan hosts
blocked by policy. Each check prints ok / warn / FAIL, what it found and the fix.
The environment checked is this shell's: run it where you run the Copilot CLI.

Exit code 0 when nothing fails (warnings allowed), 1 otherwise.`;

export async function doctorCommand(argv: string[], io: CommandIO): Promise<number> {
  const args = parseCommon(argv, {}, 'witness doctor');
  if (args.help) {
    io.out(HELP);
    return 0;
  }
  const cli = cliInvocation();
  const link = await findEngine(args.dataDir);
  let hosts: string[];
  let proxyUrl: string;
  if (link.status) {
    hosts = link.status.intercept.hosts;
    proxyUrl = link.status.proxy.url;
  } else {
    const { config } = resolveConfig(args);
    hosts = effectiveInterceptHosts(config.intercept);
    proxyUrl = `http://${config.proxy.host.includes(':') ? `[${config.proxy.host}]` : config.proxy.host}:${config.proxy.port}`;
  }
  const report = await runDoctor({ h: hostEnv(args.dataDir), engine: { status: link.status, why: link.why }, interceptHosts: hosts, proxyUrl });
  io.out(args.json ? JSON.stringify(report, null, 2) : render(report, cli));
  return report.ok ? 0 : 1;
}

const MARK = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' } as const;

function render(r: DoctorReport, cli: string): string {
  const width = Math.max(...r.checks.map((c) => c.id.length));
  const lines = [`witness doctor — data dir ${r.dataDir}`, ''];
  for (const c of r.checks) {
    lines.push(`  ${MARK[c.status]}  ${c.id.padEnd(width)}  ${c.finding}`);
    if (c.fix && c.status !== 'ok') lines.push(`  ${' '.repeat(4)}  ${' '.repeat(width)}  fix: ${c.fix.replace(/\bwitness (?=setup|start|stop|ca|policy|status|doctor)/g, `${cli} `)}`);
  }
  const n = (s: string) => r.checks.filter((c) => c.status === s).length;
  lines.push('', `${r.checks.length} checks: ${n('ok')} ok, ${n('warn')} warning(s), ${n('fail')} failed.${n('fail') ? ' Fix the failures above, then run doctor again.' : ''}`);
  return lines.join('\n');
}
