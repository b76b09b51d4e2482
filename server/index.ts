/**
 * The central server, wired: configuration, database (PGlite in the data dir, or PostgreSQL),
 * migrations, keys, and the HTTP(S) listener on loopback unless told otherwise. A node keeps
 * no state of its own beyond the data dir's key-encryption key: every node on one
 * PostgreSQL serves the same fleet.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createHandler } from './app.js';
import { Auth } from './auth.js';
import { consoleConfig, consoleDir } from './console.js';
import type { ServerConfig } from './config.js';
import { openPglite, openPostgres, type Db } from './db.js';
import { Devices } from './devices.js';
import { Fleet } from './fleet.js';
import { Ingest } from './ingest.js';
import { loadServerKeys, type ServerKeys } from './keys.js';
import { migrate } from './migrations.js';
import { Partitions } from './partitions.js';
import { PolicyBundles } from './policy.js';
import { Query } from './query.js';
import { Reviews } from './reviews.js';
import { SIEM_DEFAULTS, SiemExporter } from './siem/index.js';

export { loadServerConfig, parseServerConfig, ServerConfigSchema, type ServerConfig } from './config.js';
export { openPglite, openPostgres, type Db } from './db.js';
export { loadServerKeys, JWKS_FILE, PASSPHRASE_ENV, type ServerKeys } from './keys.js';
export { migrate, MIGRATIONS } from './migrations.js';
export { BATCH_TYP, RECEIPT_TYP } from './ingest.js';
export { messageListHash } from './chain.js';
export { Query } from './query.js';

export interface StartOptions {
  dataDir: string;
  /** `fleet`, `siem` and `console` may be left out (their defaults apply). */
  config: Omit<ServerConfig, 'fleet' | 'siem' | 'console'> & { fleet?: ServerConfig['fleet']; siem?: ServerConfig['siem']; console?: ServerConfig['console'] };
  /** The built console's folder (default: renderer/dist when built; null: no console). */
  consoleDir?: string | null;
  port?: number;
  host?: string;
  tls?: { cert: string; key: string };
  /** HTTP for the identity provider (tests: one that trusts their CA). */
  fetch?: typeof fetch;
  env?: NodeJS.ProcessEnv;
  /** Where a failed request's error goes (never a body or token). */
  onError?: (e: unknown) => void;
  /** The clock fleet states are judged by (tests inject one). */
  now?: () => Date;
  /** How long a device's wait for a review decision is held open (default 20 s). */
  reviewWaitMs?: number;
  /** Where the SIEM exporter's log lines go (never a body or a header). */
  log?: (line: Record<string, unknown>) => void;
}

export interface RunningServer {
  url: string;
  db: Db;
  keys: ServerKeys;
  exporter: SiemExporter;
  close(): Promise<void>;
}

export async function openDatabase(dataDir: string, config: Pick<ServerConfig, 'database'>): Promise<Db> {
  return config.database.url ? openPostgres(config.database.url) : openPglite(join(dataDir, 'pglite'));
}

export async function startServer(opts: StartOptions): Promise<RunningServer> {
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const db = await openDatabase(opts.dataDir, opts.config);
  let exporter: SiemExporter | undefined;
  try {
    await migrate(db);
    const keys = await loadServerKeys(db, opts.dataDir, opts.env ?? process.env);
    const now = opts.now ?? (() => new Date());
    const policies = new PolicyBundles(db, keys, now);
    const siem = new SiemExporter({ db, config: opts.config.siem ?? SIEM_DEFAULTS, ...(opts.log ? { log: opts.log } : {}) });
    exporter = siem;
    await siem.start();
    const handler = createHandler({
      auth: new Auth(opts.config, opts.fetch ?? fetch),
      ingest: new Ingest(db, keys, new Partitions(db)),
      devices: new Devices(db),
      query: new Query(db),
      fleet: new Fleet(db, opts.config.fleet ?? { offlineMinutes: 15, missingDays: 7 }, policies, now),
      policies,
      reviews: new Reviews(db, keys, opts.config.oidc.issuer, now, opts.reviewWaitMs),
      exports: siem,
      jwks: keys.jwks,
      console: { dir: opts.consoleDir === undefined ? consoleDir() : opts.consoleDir, config: consoleConfig(opts.config) },
    });
    const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
      handler(req, res).catch((e) => {
        opts.onError?.(e);
        if (!res.headersSent) res.writeHead(500).end();
      });
    };
    const server = opts.tls
      ? https.createServer({ cert: readFileSync(opts.tls.cert), key: readFileSync(opts.tls.key) }, onRequest)
      : http.createServer(onRequest);
    const host = opts.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, host, () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    const url = `${opts.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
    return {
      url,
      db,
      keys,
      exporter: siem,
      close: async () => {
        await siem.close();
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
        await db.close();
      },
    };
  } catch (e) {
    await exporter?.close();
    await db.close().catch(() => undefined);
    throw e;
  }
}
