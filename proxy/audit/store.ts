/**
 * The audit store: every interaction becomes a durable, encrypted, hash-chained record.
 *
 * On disk (DATA_DIR/store, folder 0700): keyring.json (wrapped data key), snapshot.bin
 * (the sql.js index, AES-256-GCM, written atomically by compaction), journal.bin (frames
 * appended since the snapshot), device-key.bin (sealed Ed25519 key), checkpoint.json.
 * Nothing is readable without the key. A record is acknowledged (append() resolves) only
 * once its journal frame is fsynced; start replays the journal over the snapshot, so a
 * kill -9 loses nothing that was acknowledged.
 */
import { hostname, userInfo } from 'node:os';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Database } from 'sql.js';
import { writeAtomic } from '../ca/index.js';
import type { Interaction } from '../control/index.js';
import { WitnessError } from '../errors.js';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import { open, seal } from './aead.js';
import { checkpointValid, loadDeviceKey, signCheckpoint, type Checkpoint } from './checkpoint.js';
import { getMeta, insertRecord, loadSql, SCHEMA, setMeta, unpackRecord } from './db.js';
import { GENESIS, recordHash, sha256Hex } from './hash.js';
import { JOURNAL_HEADER_LENGTH, JournalWriter, readJournal, type JournalEntry, type JournalIssue } from './journal.js';
import { defaultKeyProvider, loadDataKey, type KeyProvider } from './keyring.js';
import { RECORD_VERSION, searchText, uuidv7, type AuditRecord, type ExportedRecord, type StoredMessage } from './record.js';

const SNAPSHOT_MAGIC = Buffer.from('WSNP1\n');
const SNAPSHOT_AAD = Buffer.from('witness-snapshot-v1');

export interface StoreIssue {
  where: 'journal' | 'snapshot' | 'chain';
  seq: number | null;
  message: string;
}

export interface AuditStoreOptions {
  dataDir: string;
  keyProvider?: KeyProvider;
  log?: Logger;
  /** Read-only (CLI search/export/verify while an engine may be writing). */
  readOnly?: boolean;
  /** Compact the journal into the snapshot after this many appends (default 5000). */
  compactEvery?: number;
  /**
   * Retention hook: may records up to and including `seq` be deleted? The sync client
   * answers "only once the central server has acknowledged them". Default: yes.
   */
  canPrune?: (seq: number) => boolean;
  user?: string;
}

export interface VerifyResult {
  ok: boolean;
  records: number;
  head: { seq: number; hash: string } | null;
  firstBadSeq: number | null;
  problems: StoreIssue[];
  checkpoint: { seq: number; valid: boolean } | null;
}

export class AuditStore {
  readonly issues: StoreIssue[] = [];
  private journal: JournalWriter | null = null;
  private lastSeq = 0;
  private lastHash = GENESIS;
  private sinceCompaction = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private deviceKey!: ReturnType<typeof loadDeviceKey>;
  readonly device: string;
  readonly user: string;

  private constructor(
    private readonly opts: AuditStoreOptions,
    readonly dir: string,
    private readonly key: Buffer,
    readonly db: Database,
  ) {
    this.device = deviceId(opts.dataDir);
    this.user = opts.user ?? safeUser();
  }

  static async open(opts: AuditStoreOptions): Promise<AuditStore> {
    const dir = join(opts.dataDir, 'store');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!opts.readOnly) chmodSync(dir, 0o700);
    const provider = opts.keyProvider ?? defaultKeyProvider(dir);
    const key = await loadDataKey(dir, provider);
    const SQL = await loadSql();
    const log = opts.log ?? silentLogger;

    const issues: StoreIssue[] = [];
    let db: Database;
    const snapFile = join(dir, 'snapshot.bin');
    if (existsSync(snapFile)) {
      const raw = readFileSync(snapFile);
      try {
        if (!raw.subarray(0, SNAPSHOT_MAGIC.length).equals(SNAPSHOT_MAGIC)) throw new Error('bad header');
        db = new SQL.Database(inflateRawSync(open(key, raw.subarray(SNAPSHOT_MAGIC.length), SNAPSHOT_AAD)));
      } catch (e) {
        // Never overwrite evidence: move it aside and keep going with what the journal holds.
        const aside = join(dir, `snapshot.damaged-${Date.now()}.bin`);
        if (!opts.readOnly) renameSync(snapFile, aside);
        issues.push({ where: 'snapshot', seq: null, message: `snapshot failed authentication (${(e as Error).message}); kept as ${aside}` });
        log.error('audit snapshot is damaged or was tampered with', { file: aside });
        db = new SQL.Database();
      }
    } else db = new SQL.Database();
    db.exec(SCHEMA);

    const store = new AuditStore(opts, dir, key, db);
    store.issues.push(...issues);
    store.deviceKey = loadDeviceKey(dir, key);
    store.restoreHead();
    const jr = readJournal(join(dir, 'journal.bin'), key);
    store.replay(jr.entries, log);
    if (!opts.readOnly) {
      store.journal = await JournalWriter.open(join(dir, 'journal.bin'), key, jr.validLength);
    }
    return store;
  }

  get head(): { seq: number; hash: string } {
    return { seq: this.lastSeq, hash: this.lastHash };
  }

  /** Stores one interaction; resolves once it is durable. Appends are serialized. */
  append(i: Interaction): Promise<AuditRecord> {
    // The chain orders records (seq, hash) and queues their frames; durability is awaited
    // outside it, so appends arriving together share one write + fsync (group commit).
    const queued = this.chain.then(() => this.appendNow(i));
    this.chain = queued.catch(() => undefined);
    return queued.then(async ({ record, durable }) => {
      await durable;
      return record;
    });
  }

  private async appendNow(i: Interaction): Promise<{ record: AuditRecord; durable: Promise<unknown> }> {
    if (!this.journal) throw new WitnessError('STORE_LOCKED', 'The audit store is open read-only.');
    const frames: Promise<void>[] = [];
    const items: StoredMessage[] = [];
    for (const m of i.messages) {
      const hash = sha256Hex(m.text);
      items.push({ role: m.role, blob: hash });
      if (!this.hasBlob(hash)) {
        const z = deflateRawSync(Buffer.from(m.text, 'utf8'));
        this.db.run('INSERT OR IGNORE INTO blobs (hash, z) VALUES (?, ?)', [hash, z]);
        frames.push(this.journal.append(frame('B', Buffer.concat([Buffer.from(hash, 'hex'), z]))));
      }
    }
    // The conversation as a content-addressed list: agent mode resends the whole history
    // each turn, so only the items after the longest already-stored prefix are written.
    const list = this.storeList(items, frames);
    const { messages: _m, ...rest } = i;
    const seq = this.lastSeq + 1;
    const record: AuditRecord = {
      ...rest,
      v: RECORD_VERSION,
      id: i.id && /^[0-9a-f-]{36}$/.test(i.id) ? i.id : uuidv7(Date.parse(i.time) || Date.now()),
      seq,
      device: this.device,
      user: this.user,
      messages: list,
      prevHash: this.lastHash,
      hash: '',
    };
    record.hash = recordHash(record.prevHash, record as unknown as Record<string, unknown>);
    frames.push(this.journal.append(frame('R', deflateRawSync(JSON.stringify(record)))));
    insertRecord(this.db, record);
    this.lastSeq = seq;
    this.lastHash = record.hash;
    const durable = Promise.all(frames);
    if (++this.sinceCompaction >= (this.opts.compactEvery ?? 5000)) {
      await durable;
      await this.compactNow();
    }
    return { record, durable };
  }

  /** Stores the message list as prefix-chained nodes; returns the list's hash. */
  private storeList(items: StoredMessage[], frames: Promise<void>[]): string | null {
    if (items.length === 0) return null;
    const prefix: string[] = [];
    let h = '';
    for (const it of items) prefix.push((h = sha256Hex(`${h}|${it.role}|${it.blob}`)));
    let known = -1;
    for (let k = prefix.length - 1; k >= 0; k--) {
      if (this.db.exec('SELECT 1 FROM lists WHERE hash = ?', [prefix[k]!]).length) {
        known = k;
        break;
      }
    }
    const top = prefix[prefix.length - 1]!;
    if (known === prefix.length - 1) return top;
    const node = { hash: top, parent: known >= 0 ? prefix[known]! : null, items: items.slice(known + 1) };
    this.insertList(node);
    frames.push(this.journal!.append(frame('L', deflateRawSync(JSON.stringify(node)))));
    return top;
  }

  private insertList(node: { hash: string; parent: string | null; items: StoredMessage[] }) {
    this.db.run('INSERT OR IGNORE INTO lists (hash, parent, items) VALUES (?, ?, ?)', [node.hash, node.parent, JSON.stringify(node.items)]);
  }

  /** The messages of a stored list, oldest first. */
  listItems(hash: string | null): StoredMessage[] {
    const chunks: StoredMessage[][] = [];
    let h = hash;
    let guard = 0;
    while (h && guard++ < 100_000) {
      const row = this.db.exec('SELECT parent, items FROM lists WHERE hash = ?', [h])[0]?.values[0];
      if (!row) break;
      chunks.push(JSON.parse(row[1] as string) as StoredMessage[]);
      h = row[0] as string | null;
    }
    return chunks.reverse().flat();
  }

  private hasBlob(hash: string): boolean {
    return this.db.exec('SELECT 1 FROM blobs WHERE hash = ?', [hash]).length > 0;
  }

  /** Folds the journal into a new encrypted snapshot (atomic), then starts an empty journal. */
  async compact(): Promise<void> {
    const run = this.chain.then(() => this.compactNow());
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Compaction proper; callers hold the append chain (never await `chain` in here). */
  private async compactNow(): Promise<void> {
    if (!this.journal) return;
    setMeta(this.db, 'head', JSON.stringify(this.head));
    const image = deflateRawSync(this.db.export(), { level: 1 });
    // db.export() resets sql.js prepared state; the FTS table and data are unaffected.
    writeAtomic(join(this.dir, 'snapshot.bin'), Buffer.concat([SNAPSHOT_MAGIC, seal(this.key, image, SNAPSHOT_AAD)]), 0o600);
    fsyncDir(this.dir);
    await this.journal.close();
    const fresh = join(this.dir, 'journal.next.bin');
    const next = await JournalWriter.open(fresh, this.key, 0);
    await next.close();
    renameSync(fresh, join(this.dir, 'journal.bin'));
    fsyncDir(this.dir);
    this.journal = await JournalWriter.open(join(this.dir, 'journal.bin'), this.key, JOURNAL_HEADER_LENGTH);
    this.sinceCompaction = 0;
    this.writeCheckpoint();
  }

  writeCheckpoint(): Checkpoint {
    const c = signCheckpoint(this.deviceKey, { device: this.device, seq: this.lastSeq, hash: this.lastHash, time: new Date().toISOString() });
    if (!this.opts.readOnly) writeAtomic(join(this.dir, 'checkpoint.json'), JSON.stringify(c, null, 2) + '\n', 0o644);
    return c;
  }

  readCheckpoint(): Checkpoint | null {
    const f = join(this.dir, 'checkpoint.json');
    if (!existsSync(f)) return null;
    try {
      return JSON.parse(readFileSync(f, 'utf8')) as Checkpoint;
    } catch {
      return null;
    }
  }

  async close(): Promise<void> {
    await this.chain.catch(() => undefined);
    if (this.journal) {
      if (this.sinceCompaction > 0) await this.compactNow();
      await this.journal.close();
      this.journal = null;
    }
    this.db.close();
  }

  /** Record by id, with message texts resolved. */
  get(id: string): ExportedRecord | null {
    const res = this.db.exec('SELECT z FROM records WHERE id = ?', [id]);
    const z = res[0]?.values[0]?.[0] as Uint8Array | undefined;
    return z ? this.resolve(unpackRecord(z)) : null;
  }

  resolve(r: AuditRecord): ExportedRecord {
    return { ...r, messages: this.listItems(r.messages).map((m) => ({ role: m.role, text: this.blobText(m.blob) ?? '' })) };
  }

  blobText(hash: string): string | null {
    const res = this.db.exec('SELECT z FROM blobs WHERE hash = ?', [hash]);
    const z = res[0]?.values[0]?.[0] as Uint8Array | undefined;
    return z ? inflateRawSync(z).toString('utf8') : null;
  }

  /** Records in seq order (raw, blobs unresolved), optionally within a time range. */
  *iterate(range: { since?: number; until?: number } = {}): Generator<AuditRecord> {
    const stmt = this.db.prepare('SELECT z FROM records WHERE ts >= ? AND ts <= ? ORDER BY seq');
    stmt.bind([range.since ?? 0, range.until ?? Number.MAX_SAFE_INTEGER]);
    try {
      while (stmt.step()) yield unpackRecord(stmt.get()[0] as Uint8Array);
    } finally {
      stmt.free();
    }
  }

  /** Where pruning left the chain: records up to `seq` were removed, `hash` was the last one's. */
  get pruned(): { seq: number; hash: string } {
    const p = getMeta(this.db, 'pruned');
    return p ? (JSON.parse(p) as { seq: number; hash: string }) : { seq: 0, hash: GENESIS };
  }

  /**
   * Retention: removes the oldest records older than `maxAgeMs` or beyond `maxBytes`
   * (never past what canPrune allows). The chain stays verifiable: the last removed
   * record's seq and hash become the new starting point, and a signed checkpoint is
   * written first. Message bodies no longer referenced are removed too.
   */
  async prune(limits: { maxAgeMs?: number | null; maxBytes?: number | null; now?: number }): Promise<{ removed: number; upTo: number }> {
    await this.chain.catch(() => undefined);
    const now = limits.now ?? Date.now();
    let upTo = 0;
    if (limits.maxAgeMs) {
      const row = this.db.exec('SELECT max(seq) FROM records WHERE ts < ?', [now - limits.maxAgeMs])[0]?.values[0]?.[0];
      upTo = Math.max(upTo, Number(row ?? 0));
    }
    if (limits.maxBytes) {
      const sizes = this.db.exec('SELECT seq, length(z) FROM records ORDER BY seq')[0]?.values ?? [];
      const blobBytes = Number(this.db.exec('SELECT coalesce(sum(length(z)),0) FROM blobs')[0]?.values[0]?.[0] ?? 0);
      let total = blobBytes + sizes.reduce((a, r) => a + Number(r[1]), 0);
      for (const [seq, len] of sizes) {
        if (total <= limits.maxBytes) break;
        total -= Number(len);
        upTo = Math.max(upTo, Number(seq));
      }
    }
    upTo = Math.min(upTo, this.lastSeq);
    while (upTo > 0 && this.opts.canPrune && !this.opts.canPrune(upTo)) upTo--;
    if (upTo <= this.pruned.seq) return { removed: 0, upTo: this.pruned.seq };
    const last = this.db.exec('SELECT hash FROM records WHERE seq = ?', [upTo])[0]?.values[0]?.[0] as string | undefined;
    if (!last) return { removed: 0, upTo: this.pruned.seq };
    this.writeCheckpoint();
    const removed = Number(this.db.exec('SELECT count(*) FROM records WHERE seq <= ?', [upTo])[0]?.values[0]?.[0] ?? 0);
    this.db.run('DELETE FROM records WHERE seq <= ?', [upTo]);
    // Contentless FTS rows cannot be deleted one by one; rebuild the index from what remains.
    this.rebuildFts();
    setMeta(this.db, 'pruned', JSON.stringify({ seq: upTo, hash: last }));
    this.sweep();
    await this.compactNow();
    return { removed, upTo };
  }

  private rebuildFts() {
    this.db.run('DROP TABLE IF EXISTS records_fts');
    this.db.exec('CREATE VIRTUAL TABLE records_fts USING fts4(content="", prompt, response, tools)');
    for (const r of this.iterate()) {
      const t = searchText(r);
      this.db.run('INSERT INTO records_fts (docid, prompt, response, tools) VALUES (?,?,?,?)', [r.seq, t.prompt, t.response, t.tools]);
    }
  }

  /** Deletes message lists and bodies that no remaining record reaches. */
  private sweep() {
    const liveLists = new Set<string>();
    const liveBlobs = new Set<string>();
    for (const r of this.iterate()) {
      let h = r.messages;
      while (h && !liveLists.has(h)) {
        liveLists.add(h);
        const row = this.db.exec('SELECT parent, items FROM lists WHERE hash = ?', [h])[0]?.values[0];
        if (!row) break;
        for (const it of JSON.parse(row[1] as string) as StoredMessage[]) liveBlobs.add(it.blob);
        h = row[0] as string | null;
      }
    }
    for (const [table, live] of [['lists', liveLists], ['blobs', liveBlobs]] as const) {
      const all = (this.db.exec(`SELECT hash FROM ${table}`)[0]?.values ?? []).map((v) => v[0] as string);
      for (const h of all) if (!live.has(h)) this.db.run(`DELETE FROM ${table} WHERE hash = ?`, [h]);
    }
  }

  /** Recomputes the chain and every blob hash; names the first bad seq. */
  verify(): VerifyResult {
    const problems: StoreIssue[] = [...this.issues];
    const start = this.pruned;
    let prev = start.hash;
    let expectSeq = start.seq + 1;
    let count = 0;
    let firstBad: number | null = problems.find((p) => p.seq !== null)?.seq ?? null;
    const bad = (seq: number, message: string) => {
      problems.push({ where: 'chain', seq, message });
      if (firstBad === null || seq < firstBad) firstBad = seq;
    };
    let head: VerifyResult['head'] = null;
    for (const r of this.iterate()) {
      count++;
      if (r.seq !== expectSeq) bad(expectSeq, `record seq ${expectSeq} is missing (next present is ${r.seq})`);
      if (r.prevHash !== prev) bad(r.seq, `seq ${r.seq} does not follow the previous record (prevHash mismatch)`);
      if (recordHash(r.prevHash, r as unknown as Record<string, unknown>) !== r.hash) bad(r.seq, `seq ${r.seq} was modified (hash mismatch)`);
      const items = this.listItems(r.messages);
      let listHash = '';
      for (const it of items) listHash = sha256Hex(`${listHash}|${it.role}|${it.blob}`);
      if (r.messages !== null && listHash !== r.messages) bad(r.seq, `the message list of seq ${r.seq} was modified or is missing`);
      for (const m of items) {
        const text = this.blobText(m.blob);
        if (text === null) bad(r.seq, `seq ${r.seq} references a missing message body`);
        else if (sha256Hex(text) !== m.blob) bad(r.seq, `a message body of seq ${r.seq} was modified`);
      }
      prev = r.hash;
      expectSeq = r.seq + 1;
      head = { seq: r.seq, hash: r.hash };
    }
    const cp = this.readCheckpoint();
    let checkpoint: VerifyResult['checkpoint'] = null;
    if (cp) {
      const validSig = checkpointValid(cp) && cp.publicKey === this.deviceKey.pub;
      const row = this.db.exec('SELECT hash FROM records WHERE seq = ?', [cp.seq])[0]?.values[0]?.[0] as string | undefined;
      const beforePrune = cp.seq <= start.seq;
      const valid = validSig && (cp.seq === 0 || beforePrune || row === cp.hash);
      checkpoint = { seq: cp.seq, valid };
      if (!validSig) problems.push({ where: 'chain', seq: cp.seq, message: 'the signed checkpoint is not valid for this device' });
      else if (beforePrune) {
        // The checkpoint predates pruning; the pruned boundary carries the chain on.
      } else if (cp.seq > 0 && row === undefined) bad(cp.seq, `records up to checkpointed seq ${cp.seq} are missing (the newest records were deleted)`);
      else if (cp.seq > 0 && row !== cp.hash) bad(cp.seq, `seq ${cp.seq} differs from the signed checkpoint`);
    }
    return { ok: problems.length === 0, records: count, head, firstBadSeq: firstBad, problems, checkpoint };
  }

  private restoreHead() {
    const h = getMeta(this.db, 'head');
    const last = this.db.exec('SELECT seq, hash FROM records ORDER BY seq DESC LIMIT 1')[0]?.values[0];
    if (last) {
      this.lastSeq = last[0] as number;
      this.lastHash = last[1] as string;
    } else if (h) {
      const head = JSON.parse(h) as { seq: number; hash: string };
      this.lastSeq = head.seq;
      this.lastHash = head.hash;
    }
  }

  private replay(entries: JournalEntry[], log: Logger) {
    for (const e of entries) {
      if (e.issue) {
        this.reportJournalIssue(e.issue, log);
        continue;
      }
      const f = e.frame;
      const type = String.fromCharCode(f[0]!);
      try {
        if (type === 'B') {
          this.db.run('INSERT OR IGNORE INTO blobs (hash, z) VALUES (?, ?)', [f.subarray(1, 33).toString('hex'), f.subarray(33)]);
        } else if (type === 'L') {
          this.insertList(JSON.parse(inflateRawSync(f.subarray(1)).toString('utf8')) as { hash: string; parent: string | null; items: StoredMessage[] });
        } else if (type === 'R') {
          const r = JSON.parse(inflateRawSync(f.subarray(1)).toString('utf8')) as AuditRecord;
          if (r.seq <= this.lastSeq && this.db.exec('SELECT 1 FROM records WHERE seq = ?', [r.seq]).length) continue; // already in the snapshot
        if (r.seq <= this.pruned.seq) continue; // removed by retention
          if (r.seq !== this.lastSeq + 1) {
            this.issues.push({ where: 'journal', seq: Math.min(r.seq, this.lastSeq + 1), message: `journal order broken: expected seq ${this.lastSeq + 1}, found ${r.seq}` });
          }
          insertRecord(this.db, r);
          if (r.seq > this.lastSeq) {
            this.lastSeq = r.seq;
            this.lastHash = r.hash;
          }
        } else throw new Error(`unknown frame type ${type}`);
      } catch (err) {
        this.issues.push({ where: 'journal', seq: this.lastSeq + 1, message: `a journal frame could not be read: ${(err as Error).message}` });
      }
    }
  }

  private reportJournalIssue(issue: JournalIssue, log: Logger) {
    if (issue.kind === 'torn-tail') {
      log.warn('audit journal ends in a torn frame (crash during a write); it was dropped', { offset: issue.offset, detail: issue.detail });
      return; // never acknowledged: not a problem of the chain
    }
    this.issues.push({ where: 'journal', seq: this.lastSeq + 1, message: `journal ${issue.detail} at byte ${issue.offset} (modified or corrupted)` });
    log.error('audit journal frame failed authentication', { offset: issue.offset });
  }
}

function frame(type: 'B' | 'L' | 'R', body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(type), body]);
}

function fsyncDir(dir: string) {
  try {
    const fd = openSync(dir, 'r');
    fsyncSync(fd);
    closeSync(fd);
  } catch {
    // not supported on every platform (Windows); the rename is still atomic
  }
}

function deviceId(dataDir: string): string {
  const f = join(dataDir, 'device.json');
  if (existsSync(f)) {
    try {
      return (JSON.parse(readFileSync(f, 'utf8')) as { id: string }).id;
    } catch {
      // fall through and recreate
    }
  }
  const id = `${hostname()}-${uuidv7().slice(0, 8)}`;
  writeAtomic(f, JSON.stringify({ id }) + '\n', 0o644);
  return id;
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}
