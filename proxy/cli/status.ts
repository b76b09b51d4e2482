/**
 * `witness status`: is an engine running for this data dir, where, and with which CA.
 * Exit code 0 = running, 3 = not running (like `systemctl is-active`), 1 = error.
 */
import { readCaCertificates } from '../ca/index.js';
import { dataPaths } from '../config/index.js';
import { ControlApiError, createControlClient, type Status } from '../control/index.js';
import { isProcessAlive, readControlFile } from '../control-server/index.js';
import { existsSync } from 'node:fs';
import { parseCommon } from './args.js';
import { readLastStop } from './data-dir.js';
import { cliInvocation } from './invocation.js';
import type { CommandIO } from './io.js';

const EXIT_NOT_RUNNING = 3;

const HEALTH_MARK: Record<Status['health']['level'], string> = { ok: 'OK:', idle: 'Waiting:', warn: 'WARNING:' };

/** Handshake failures, newest first, with the name the client asked for: what to go and fix. */
function tlsLines(s: Status): string[] {
  const c = s.counters;
  const head = `  TLS          ${c.tlsClientErrors} failed handshake(s)${c.tlsHandshakesWithoutRequest ? `, ${c.tlsHandshakesWithoutRequest} closed without a request (not failures)` : ''}`;
  const recent = s.tls.recentFailures
    .slice(-3)
    .reverse()
    .map((f) => `               ${f.time}  ${f.sni ?? '(no SNI)'}  ${f.cause}`);
  return [head, ...recent];
}

export async function statusCommand(argv: string[], io: CommandIO): Promise<number> {
  const args = parseCommon(argv, {}, 'witness status');
  if (args.help) {
    io.out(
      'Usage: witness status [--data-dir DIR] [--json]\n\nWhether an engine runs for DIR, where, and whether Copilot traffic really reaches it: the last\n' +
        'line says so in words (a warning when clients rejected the Witness CA since the last successful request).\n' +
        'Exit code 0 when an engine is running for DIR, 3 when not.',
    );
    return 0;
  }
  const control = readControlFile(args.dataDir);
  const lastStop = readLastStop(args.dataDir);
  let reason = !existsSync(args.dataDir)
    ? 'the data dir does not exist (no engine has run with it)'
    : lastStop
      ? `it stopped cleanly at ${lastStop.stoppedAt} (pid ${lastStop.pid}, ${lastStop.reason})`
      : 'no engine is running for this data dir';
  if (control) {
    if (!isProcessAlive(control.pid)) {
      reason = `the engine recorded in control.json (pid ${control.pid}) is no longer running`;
    } else {
      try {
        const status = await createControlClient({ url: control.url, token: control.token }).status();
        if (args.json) io.out(JSON.stringify({ running: true, ...status }, null, 2));
        else {
          io.out(
            [
              `Witness is running (pid ${status.pid}, since ${status.startedAt}).`,
              `  Proxy        ${status.proxy.url}   PAC ${status.proxy.pacUrl}`,
              `  Control API  ${status.control.url}`,
              `  CA           SHA-256 ${status.ca.fingerprint256}`,
              `               expires ${status.ca.notAfter}${status.ca.next ? `; next CA ${status.ca.next.fingerprint256} published` : ''}`,
              `  Intercepts   ${status.intercept.hosts.join(', ')}`,
              `  Traffic      ${status.counters.intercepted} intercepted, ${status.counters.tunnelled} tunnelled, ` +
                `${status.counters.plainHttp} plain HTTP, ${status.counters.websocketsRefused} WebSockets refused` +
                (status.counters.websocketsPassedThrough ? `, ${status.counters.websocketsPassedThrough} WebSockets passed through unaudited` : '') +
                `, ${status.counters.pacRequests} PAC requests` +
                (status.lastInterceptedAt ? `; last Copilot request ${status.lastInterceptedAt}` : '; no Copilot request seen yet'),
              ...tlsLines(status),
              ...(status.interception.paused
                ? [`  PAUSED by ${status.interception.by} (${status.interception.via}) since ${status.interception.since}${status.interception.until ? ` until ${status.interception.until}` : ''}: Copilot connections pass unaudited (${status.counters.pausedTunnels} so far), each recorded as such`]
                : []),
              `  Policy       version ${status.policy.version.slice(0, 12)} in force since ${status.policy.since}`,
              status.sync.state === 'off'
                ? '  Sync         off (no sync.server)'
                : `  Sync         ${status.sync.state} → ${status.sync.server}: receipted up to seq ${status.sync.receiptedSeq}, ${status.sync.waiting} waiting` +
                  (status.sync.lastReceiptAt ? `, last receipt ${status.sync.lastReceiptAt}` : '') +
                  (status.sync.lastError ? `\n               last error: ${status.sync.lastError}` : ''),
              ...(status.policy.problem
                ? [`  POLICY PROBLEM since ${status.policy.problem.since}: ${status.policy.problem.message} [${status.policy.problem.code}]`, '               the last good policy (above) stays in force until the file is fixed']
                : []),
              '',
              `${HEALTH_MARK[status.health.level]} ${status.health.message}`,
            ].join('\n'),
          );
        }
        return 0;
      } catch (e) {
        reason =
          e instanceof ControlApiError
            ? `the engine answered ${e.status} ${e.code}: ${e.message}`
            : `the engine (pid ${control.pid}) does not answer at ${control.url}: ${(e as Error).message}`;
      }
    }
  }
  const ca = readCaCertificates(dataPaths(args.dataDir).caDir).current;
  if (args.json) {
    io.out(
      JSON.stringify(
        {
          running: false,
          reason,
          dataDir: args.dataDir,
          ca: ca ? { fingerprint256: ca.fingerprint256, notAfter: ca.notAfter.toISOString(), permittedSubtrees: ca.permittedSubtrees } : null,
        },
        null,
        2,
      ),
    );
  } else {
    io.out(`Witness is not running for ${args.dataDir}: ${reason}.`);
    if (ca) io.out(`  CA  SHA-256 ${ca.fingerprint256}, expires ${ca.notAfter.toISOString()}`);
    io.out(`Start it with: ${cliInvocation()} start --background` + (args.dataDirGiven ? ` --data-dir ${JSON.stringify(args.dataDir)}` : ''));
  }
  return EXIT_NOT_RUNNING;
}
