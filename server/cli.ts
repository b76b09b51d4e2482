/**
 * `witness-server` (public contract):
 *   witness-server start [--data-dir DIR] [--port PORT] [--config FILE] [--host HOST] [--tls-cert FILE --tls-key FILE]
 *   witness-server keys --data-dir DIR --json
 * `start` runs in the foreground and prints its URL; `keys` prints the public keys (JWKS)
 * that devices pin (sync.serverKeys).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { JWKS_FILE, loadServerConfig, loadServerKeys, migrate, openDatabase, startServer } from './index.js';

const USAGE = `Usage:
  witness-server start [--data-dir DIR] [--port PORT] [--config FILE] [--host HOST] [--tls-cert FILE --tls-key FILE]
  witness-server keys --data-dir DIR --json

Storage: PostgreSQL at DATABASE_URL or database.url; otherwise embedded PGlite in DIR (one process).
Keys: sealed with WITNESS_SERVER_PASSPHRASE when set (use it on every node), else DIR/server.kek.`;

const defaultDataDir = () => join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'witness-server');

export async function main(argv: string[], out = (s: string) => process.stdout.write(s + '\n'), err = (s: string) => process.stderr.write(s + '\n')): Promise<number> {
  const [command, ...rest] = argv;
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        'data-dir': { type: 'string' },
        port: { type: 'string' },
        config: { type: 'string' },
        host: { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (e) {
    err(`witness-server: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help || !command || command === 'help') {
    out(USAGE);
    return command ? 0 : 2;
  }
  const dataDir = resolve(String(values['data-dir'] ?? defaultDataDir()));
  try {
    const config = loadServerConfig(values.config as string | undefined);
    if (command === 'keys') {
      const file = join(dataDir, JWKS_FILE);
      let jwks: unknown;
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      if (existsSync(file)) jwks = JSON.parse(readFileSync(file, 'utf8'));
      else {
        const db = await openDatabase(dataDir, config);
        try {
          await migrate(db);
          jwks = (await loadServerKeys(db, dataDir)).jwks;
        } finally {
          await db.close();
        }
      }
      out(values.json ? JSON.stringify(jwks, null, 2) : (jwks as { keys: Array<{ kid: string; use: string; alg: string }> }).keys.map((k) => `${k.use}  ${k.alg}  ${k.kid}`).join('\n'));
      return 0;
    }
    if (command !== 'start') {
      err(`witness-server: unknown command "${command}"\n${USAGE}`);
      return 2;
    }
    const port = values.port === undefined ? 8787 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: not a port: ${String(values.port)}`);
    if (Boolean(values['tls-cert']) !== Boolean(values['tls-key'])) throw new Error('--tls-cert and --tls-key go together');
    const server = await startServer({
      dataDir,
      config,
      port,
      ...(values.host ? { host: String(values.host) } : {}),
      ...(values['tls-cert'] ? { tls: { cert: String(values['tls-cert']), key: String(values['tls-key']) } } : {}),
      onError: (e) => err(JSON.stringify({ level: 'error', msg: 'request failed', error: (e as Error).message })),
      log: (line) => err(JSON.stringify(line)),
    });
    out(`witness-server listening on ${server.url} (${server.db.kind}${server.db.kind === 'pglite' ? ` in ${dataDir}` : ''})`);
    const siem = server.exporter.destinations;
    if (siem.length) out(`SIEM export to ${siem.map((d) => `${d.name} (${d.kind})`).join(', ')}; status at /api/v1/exports`);
    await new Promise<void>((resolveStop) => {
      const stop = () => resolveStop();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await server.close();
    return 0;
  } catch (e) {
    err(`witness-server: ${(e as Error).message}`);
    return 1;
  }
}
