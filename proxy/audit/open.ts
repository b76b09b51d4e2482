/**
 * Opening the store's files: the folder, the data key, the v1 layout converted, the index
 * snapshot loaded (an older index format upgraded in place or rebuilt; a damaged snapshot
 * moved aside, never overwritten) and the device key that signs checkpoints. What comes
 * after the snapshot is replay.ts.
 */
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from 'sql.js';
import { ensurePrivateDir } from '../fs.js';
import { openDeviceSigner, type DeviceSigner } from '../identity/index.js';
import { FileKeyVault, vaultDir } from '../keys/index.js';
import { WitnessError } from '../errors.js';
import type { Logger } from '../log.js';
import { getMeta, INDEX_FORMAT, loadSql, SCHEMA, setMeta, tune } from './db.js';
import { defaultKeyProvider, loadDataKey, VAULT_PROVIDER } from './keyring.js';
import { legacyDeviceKeyIn } from './legacy-device-key.js';
import { migrateV1 } from './migrate-v1.js';
import { Segments } from './segments.js';
import { readSnapshot } from './snapshot.js';
import type { AuditStoreOptions, StoreIssue } from './types.js';

export interface OpenedFiles {
  dir: string;
  key: Buffer;
  db: Database;
  segments: Segments;
  /** Where replay starts: the segment position the snapshot covers. */
  replayFrom: { seg: number; off: number };
  signer: DeviceSigner | null;
  issues: StoreIssue[];
}

export async function openFiles(opts: AuditStoreOptions, log: Logger): Promise<OpenedFiles> {
  const dir = join(opts.dataDir, 'store');
  if (opts.readOnly) mkdirSync(dir, { recursive: true, mode: 0o700 });
  else ensurePrivateDir(dir, 'the audit store');
  const provider = opts.keyProvider ?? defaultKeyProvider(dir);
  const key = await loadDataKey(dir, provider, { readOnly: opts.readOnly === true });
  const SQL = await loadSql();
  const segments = new Segments(dir, key, !opts.readOnly);

  const issues: StoreIssue[] = [];
  if (existsSync(join(dir, 'journal.bin'))) {
    if (opts.readOnly) throw new WitnessError('STORE_LOCKED', `The audit store in ${dir} has the layout of an earlier pre-release; start the engine once to convert it.`);
    await migrateV1(dir, key, SQL, segments, log);
  }
  let db: Database;
  let replayFrom = { seg: 0, off: 0 };
  const snapFile = join(dir, 'snapshot.bin');
  if (existsSync(snapFile)) {
    try {
      db = new SQL.Database(readSnapshot(snapFile, key));
      let format = getMeta(db, 'format');
      if (format === '3') {
        // Format 3 lacks only `sub`, and every location in it is a frame of its own (NULL).
        db.exec('ALTER TABLE records ADD COLUMN sub INTEGER; ALTER TABLE blobs ADD COLUMN sub INTEGER; ALTER TABLE lists ADD COLUMN sub INTEGER;');
        setMeta(db, 'format', String(INDEX_FORMAT));
        format = String(INDEX_FORMAT);
      }
      if (format !== String(INDEX_FORMAT)) {
        // An index from another version (authentic, just laid out differently): rebuild it.
        log.info('audit index snapshot has another format; rebuilding the index from the segments', { format, expected: INDEX_FORMAT });
        db.close();
        db = new SQL.Database();
      } else replayFrom = JSON.parse(getMeta(db, 'replayFrom') ?? '{"seg":0,"off":0}') as { seg: number; off: number };
    } catch (e) {
      // Never overwrite evidence: move it aside, and rebuild the index from the segments.
      const aside = join(dir, `snapshot.damaged-${Date.now()}.bin`);
      if (!opts.readOnly) renameSync(snapFile, aside);
      issues.push({ where: 'snapshot', seq: null, message: `snapshot failed authentication (${(e as Error).message}); kept as ${aside}; the index was rebuilt from the segments` });
      log.error('audit snapshot is damaged or was tampered with; rebuilding the index from the segments', { file: aside });
      db = new SQL.Database();
      replayFrom = { seg: 0, off: 0 };
    }
  } else db = new SQL.Database();
  tune(db);
  db.exec(SCHEMA);
  setMeta(db, 'format', String(INDEX_FORMAT));

  // The engine passes its signer; a store opened on its own (the CLI's readers, tools) takes
  // the device key from the data dir's own vault, as identity keeps it. A store locked with a
  // key of its own (not the vault's) never makes a vault here: it signs no checkpoint then.
  let signer: DeviceSigner | null = opts.signer ?? null;
  let problem = opts.signerProblem ?? null;
  if (!opts.signer) {
    const create = !opts.readOnly && provider.kind === VAULT_PROVIDER;
    const dk = await openDeviceSigner(new FileKeyVault({ dir: vaultDir(opts.dataDir) }), { create, legacy: legacyDeviceKeyIn(dir, () => Promise.resolve(key)) });
    signer = dk.signer;
    problem = dk.problem;
  }
  if (problem) {
    issues.push({ where: 'device-key', seq: null, message: problem });
    log.error('audit device key is damaged', { problem });
  }
  return { dir, key, db, segments, replayFrom, signer, issues };
}
