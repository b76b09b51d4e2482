/**
 * The audit store: every interaction becomes a durable, encrypted, hash-chained record.
 *
 * On disk (DATA_DIR/store, folder 0700): keyring.json (wrapped data key), segments/*.wseg
 * (append-only encrypted journal files holding every record, message body and list node),
 * snapshot.bin (the sql.js index, AES-256-GCM, written atomically by compaction, with the
 * segment position it covers), device-key.bin (sealed Ed25519 key), checkpoint.json.
 * Nothing is readable without the key. A record is acknowledged (append() resolves) only
 * once its frames are fsynced; start loads the index and replays the frames written after
 * it, so a kill -9 loses nothing that was acknowledged. Bodies stay on disk and are read by
 * position when asked for: memory and start time follow the index, not the content.
 *
 * Frames: B (a message body: SHA-256 || deflated text), L (a list node), R (a record), C (a
 * record copied forward by pruning), P (a pruning boundary), and G: everything one append
 * adds (new bodies, list node, record) as entries of one frame, sealed and compressed once.
 * Before G, an append of six new bodies made eight frames, each with its own zlib and cipher
 * object; their weak handles were half of every young-generation GC pause.
 */
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Database, SqlJsStatic } from 'sql.js';
import { ensurePrivateDir, fsyncDir, writeAtomic } from '../fs.js';
import { deviceId, osUser } from '../identity/index.js';
import { RECORD_VERSION, type AuditRecord, type ExportedRecord, type Interaction, type StoredMessage } from '../model/index.js';
import { chainRecord, GENESIS, recordHash, sha256Hex } from '../model/node.js';
import { WitnessError } from '../errors.js';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import { checkpointValid, loadDeviceKey, signCheckpoint, type Checkpoint } from './checkpoint.js';
import { getMeta, hashKeys, idKey, INDEX_FORMAT, insertRecord, insertRow, loadSql, locAt, LOC_COLUMNS, recordRow, SCHEMA, setMeta, Statements, tune, type Loc } from './db.js';
import { JournalWriter, readJournal, type JournalEntry } from './journal.js';
import { defaultKeyProvider, loadDataKey, type KeyProvider } from './keyring.js';
import { searchText, uuidv7 } from './record.js';
import { KeyFilter } from './bloom.js';
import { Segments } from './segments.js';
import { readSnapshot, writeSnapshot } from './snapshot.js';

/**
 * Frames are compressed for speed (level 1, small window): appends are on the hot path.
 * The output buffer is sized to the input (zlib's default is 16 KB per call): those
 * buffers live outside the JS heap and are freed from GC callbacks, and with one per frame
 * they made each young-generation pause 2–3 ms longer (measured with --trace-gc-nvp).
 */
function compress(data: Buffer | string): Buffer {
  const n = typeof data === 'string' ? data.length : data.byteLength;
  const chunkSize = Math.min(64 * 1024, Math.max(512, 1 << Math.ceil(Math.log2(n / 2 + 1))));
  return deflateRawSync(data, { level: 1, windowBits: 12, memLevel: 5, chunkSize });
}
/** Index writes applied per background turn (about 0.1–0.2 ms each). */
const INDEX_SLICE = 12;
/** Index writes per transaction of the in-memory index. */
const INDEX_TXN = 2000;
/** A segment is closed and a new one started past this size. */
const SEGMENT_MAX = 64 * 1024 * 1024;

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
  /** Snapshot the index after this many appends (default 5000): bounds the replay at start. */
  compactEvery?: number;
  /**
   * Retention hook: may records up to and including `seq` be deleted? The sync client
   * answers "only once the central server has acknowledged them". Default: yes.
   */
  canPrune?: (seq: number) => boolean;
  /** Who and where, for new records (default: the OS user and DATA_DIR/device.json). */
  user?: string;
  device?: string;
  /** Start a new segment past this many bytes (default 64 MB). */
  segmentBytes?: number;
  /** Snapshot chunk size (default 1 MB; tests use small ones). */
  snapshotChunkBytes?: number;
}

export interface VerifyResult {
  ok: boolean;
  records: number;
  head: { seq: number; hash: string } | null;
  firstBadSeq: number | null;
  problems: StoreIssue[];
  checkpoint: { seq: number; valid: boolean } | null;
}

interface ListNode {
  hash: string;
  parent: string | null;
  items: StoredMessage[];
}

export class AuditStore {
  readonly issues: StoreIssue[] = [];
  private journal: JournalWriter | null = null;
  /** The segment being appended to. */
  private current = 1;
  private lastSeq = 0;
  private lastHash = GENESIS;
  private sinceCompaction = 0;
  /** While replaying: the seq of the last record frame seen, to check file order. */
  private prevRecordSeq: number | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private deviceKey!: ReturnType<typeof loadDeviceKey>;
  private readonly st: Statements;
  readonly device: string;
  readonly user: string;

  private constructor(
    private readonly opts: AuditStoreOptions,
    readonly dir: string,
    private readonly key: Buffer,
    private readonly database: Database,
    readonly segments: Segments,
  ) {
    this.device = opts.device ?? deviceId(opts.dataDir);
    this.user = opts.user ?? osUser();
    this.st = new Statements(database);
  }

  /** The index, brought up to date first (index writes are batched off the append path). */
  get db(): Database {
    this.syncIndex();
    return this.database;
  }

  /** Which body and list keys may be stored (null until loaded or built). */
  private filter: KeyFilter | null = null;

  /** The key filter: from the snapshot, or built once from the index. */
  private keyFilter(): KeyFilter {
    if (this.filter) return this.filter;
    const row = this.st.one('SELECT bits FROM keyfilter WHERE id = 1', []);
    let f: KeyFilter | null = null;
    if (row && row[0] instanceof Uint8Array) {
      try {
        f = new KeyFilter(new Uint8Array(row[0]));
      } catch {
        f = null;
      }
    }
    if (!f) {
      f = new KeyFilter();
      for (const table of ['blobs', 'lists'] as const) {
        const stmt = this.database.prepare(`SELECT k, k2 FROM ${table}`);
        try {
          while (stmt.step()) {
            const [k, k2] = stmt.get() as number[];
            f.add(table, k!, k2!);
          }
        } finally {
          stmt.free();
        }
      }
    }
    this.filter = f;
    return f;
  }

  /** Index writes waiting for the next batch, and the bodies/lists they will add. */
  private pendingIndex: Array<() => void> = [];
  private readonly pendingLocs = { blobs: new Map<string, Loc>(), lists: new Map<string, Loc>() };
  private indexTimer: NodeJS.Timeout | null = null;

  /** Index writes applied since the open index transaction began (-1: none is open). */
  private txWrites = -1;

  /**
   * Applies waiting index writes: all of them (every read path calls this first), or at most
   * `limit` (the background path, so no single turn of the event loop stalls for long).
   * They go into one long transaction, committed every INDEX_TXN writes and before a
   * snapshot. Durability is the journal's job: a commit only moves sql.js's dirty pages and
   * FTS terms into its in-memory file, and done per slice it was a third of the index's cost.
   */
  syncIndex(limit = Infinity): void {
    if (this.indexTimer) clearTimeout(this.indexTimer);
    this.indexTimer = null;
    if (this.pendingIndex.length === 0) return;
    const work = this.pendingIndex.length <= limit ? this.pendingIndex : this.pendingIndex.slice(0, limit);
    this.pendingIndex = work === this.pendingIndex ? [] : this.pendingIndex.slice(limit);
    if (this.txWrites < 0) {
      this.st.run('BEGIN', []);
      this.txWrites = 0;
    }
    try {
      for (const w of work) w();
      this.txWrites += work.length;
      if (this.txWrites >= INDEX_TXN) this.commitIndex();
    } catch (e) {
      this.txWrites = -1;
      this.database.exec('ROLLBACK');
      throw e;
    } finally {
      // Dedup lookups fall back to the index once nothing is pending.
      if (this.pendingIndex.length === 0) {
        this.pendingLocs.blobs.clear();
        this.pendingLocs.lists.clear();
      }
      else this.scheduleIndex(0);
    }
  }

  /** Commits the open index transaction, if any (sql.js can only export with none open). */
  private commitIndex() {
    if (this.txWrites < 0) return;
    this.txWrites = -1;
    this.st.run('COMMIT', []);
  }

  private queueIndex(work: () => void) {
    this.pendingIndex.push(work);
    // A full slice runs right after this turn: the append's frames are being written then,
    // so the index work overlaps the disk wait instead of landing on a later append.
    if (this.pendingIndex.length >= INDEX_SLICE) this.scheduleIndexSoon();
    else this.scheduleIndex(20);
  }

  private indexSoon: NodeJS.Immediate | null = null;
  private scheduleIndexSoon() {
    this.indexSoon ??= setImmediate(() => {
      this.indexSoon = null;
      this.indexSlice();
    });
    this.indexSoon.unref?.();
  }

  private scheduleIndex(ms: number) {
    this.indexTimer ??= setTimeout(() => {
      this.indexTimer = null;
      this.indexSlice();
    }, ms);
    this.indexTimer.unref?.();
  }

  /** One background slice of index writes; a failure is reported, never thrown into the event loop. */
  private indexSlice() {
    try {
      this.syncIndex(INDEX_SLICE);
    } catch (e) {
      this.indexFailed(e as Error);
    }
  }

  /**
   * The index missed some writes (the frames themselves are durable). No snapshot is written
   * from now on, so the next start replays those frames from the last good snapshot.
   */
  private indexBroken = false;
  private indexFailed(e: Error) {
    this.indexBroken = true;
    this.issues.push({ where: 'snapshot', seq: null, message: `the index could not be updated (${e.message}); restart to rebuild it from the segments` });
    (this.opts.log ?? silentLogger).error('audit index update failed; no snapshot will be written until restart', { err: e });
  }

  static async open(opts: AuditStoreOptions): Promise<AuditStore> {
    const dir = join(opts.dataDir, 'store');
    if (opts.readOnly) mkdirSync(dir, { recursive: true, mode: 0o700 });
    else ensurePrivateDir(dir, 'the audit store');
    const provider = opts.keyProvider ?? defaultKeyProvider(dir);
    const key = await loadDataKey(dir, provider);
    const SQL = await loadSql();
    const log = opts.log ?? silentLogger;
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

    const store = new AuditStore(opts, dir, key, db, segments);
    store.issues.push(...issues);
    store.deviceKey = loadDeviceKey(dir, key);
    store.restoreHead();
    store.keyFilter(); // before replay, which adds to it
    // File order is checked record to record; with no index to start from (a new store, or
    // a rebuild after pruning), the first record found sets the start.
    store.prevRecordSeq = replayFrom.seg > 0 ? store.lastSeq : null;
    const list = segments.list();
    let tail = { n: 1, validLength: 0 };
    for (const n of list) {
      const last = n === list[list.length - 1];
      if (n < replayFrom.seg) continue;
      const jr = readJournal(segments.path(n), key, n === replayFrom.seg ? replayFrom.off : 0);
      store.replay(n, jr.entries, log, last);
      // A segment whose header is damaged is evidence: never write over it, start the next one.
      // So is one cut shorter than the index says it was: the next appends go to a new one.
      if (last) tail = jr.issues.some((i) => i.kind === 'bad-header' || i.detail.includes('(truncated)')) ? { n: n + 1, validLength: 0 } : { n, validLength: jr.validLength };
    }
    if (list.length > 0 && replayFrom.seg > list[list.length - 1]!) tail = { n: replayFrom.seg, validLength: 0 };
    if (!opts.readOnly) {
      store.current = tail.n;
      store.journal = await JournalWriter.open(segments.path(tail.n), key, tail.validLength);
    }
    return store;
  }

  get head(): { seq: number; hash: string } {
    return { seq: this.lastSeq, hash: this.lastHash };
  }

  /**
   * Read-only seam for the sync client (proxy/sync/): up to `limit` records after `seq`, in
   * seq order, as stored (an unreadable one is reported and skipped, so its gap shows).
   */
  recordsAfter(seq: number, limit: number): AuditRecord[] {
    this.syncIndex();
    const out: AuditRecord[] = [];
    const stmt = this.database.prepare(`SELECT seq, ${LOC_COLUMNS} FROM records WHERE seq > ? ORDER BY seq LIMIT ?`);
    stmt.bind([seq, limit]);
    try {
      while (stmt.step()) {
        const v = stmt.get();
        try {
          out.push(this.recordAt(locAt(v, 1), v[0] as number));
        } catch (e) {
          this.unreadable(v[0] as number, e as Error);
        }
      }
    } finally {
      stmt.free();
    }
    return out;
  }

  /** Read-only seam for the sync client: the device key that signs batches (it never leaves the process). */
  get deviceSigningKey(): { privateKey: ReturnType<typeof loadDeviceKey>['priv']; publicKeySpki: string } {
    return { privateKey: this.deviceKey.priv, publicKeySpki: this.deviceKey.pub };
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
    if (!this.journal) throw new WitnessError('STORE_READ_ONLY', 'The audit store is open read-only (search, export, verify); only the engine appends records.');
    if (this.journal.end >= (this.opts.segmentBytes ?? SEGMENT_MAX)) await this.nextSegment();
    const durables: Promise<void>[] = [];
    const items: StoredMessage[] = [];
    /** What this append adds, written as one group frame (or a lone record frame). */
    const entries: GroupEntry[] = [];
    const fresh = new Set<string>();
    for (const m of i.messages) {
      const hash = sha256Hex(m.text);
      items.push({ role: m.role, blob: hash });
      if (!fresh.has(hash) && !this.locate('blobs', hash)) {
        fresh.add(hash);
        entries.push({ type: 'B', body: Buffer.concat([Buffer.from(hash, 'hex'), Buffer.from(m.text, 'utf8')]), table: 'blobs', hash });
      }
    }
    // The conversation as a content-addressed list: agent mode resends the whole history
    // each turn, so only the items after the longest already-stored prefix are written.
    const list = this.listFor(items);
    if (list.node) entries.push({ type: 'L', body: Buffer.from(JSON.stringify(list.node)), table: 'lists', hash: list.node.hash });
    // Object.assign, not a spread: V8 promoted every spread copy of the interaction to the
    // old generation (measured: about 3 KB per append copied at each young-GC pause).
    const unsigned = Object.assign({} as Record<string, unknown>, i, {
      v: RECORD_VERSION,
      id: i.id && /^[0-9a-f-]{36}$/.test(i.id) ? i.id : uuidv7(Date.parse(i.time) || Date.now()),
      seq: this.lastSeq + 1,
      device: this.device,
      user: this.user,
      messages: list.hash,
      prevHash: this.lastHash,
    });
    const { hash, json } = chainRecord(this.lastHash, unsigned);
    unsigned.hash = hash;
    const record = unsigned as unknown as AuditRecord;
    let loc: Loc;
    if (entries.length === 0) loc = this.write(frame('R', compress(json)), durables);
    else {
      entries.push({ type: 'R', body: Buffer.from(json, 'utf8') });
      const { payload, subs } = groupPayload(entries);
      const g = this.write(frame('G', compress(payload)), durables);
      entries.forEach((e, k) => {
        if (e.table) this.place(e.table, e.hash, { seg: g.seg, off: g.off, len: g.len, sub: subs[k]! });
      });
      loc = { seg: g.seg, off: g.off, len: g.len, sub: subs[subs.length - 1]! };
    }
    const row = recordRow(record, loc);
    this.queueIndex(() => insertRow(this.st, row));
    this.lastSeq = record.seq;
    this.lastHash = record.hash;
    const durable = Promise.all(durables);
    if (++this.sinceCompaction >= (this.opts.compactEvery ?? 5000)) {
      await durable;
      await this.compactNow();
    }
    return { record, durable };
  }

  /** Queues a frame in the current segment; its location, readable at once. */
  private write(body: Buffer, durables: Promise<void>[]): Loc {
    const { offset, length, durable } = this.journal!.append(body);
    durables.push(durable);
    return { seg: this.current, off: offset, len: length };
  }

  /** Closes the current segment (everything in it durable) and starts the next. */
  private async nextSegment() {
    await this.journal!.close();
    this.current++;
    this.journal = await JournalWriter.open(this.segments.path(this.current), this.key, 0);
  }

  /** The plaintext frame at `loc` (from memory while its write is in flight). */
  private frameAt(loc: Loc): Buffer {
    return (loc.seg === this.current ? this.journal?.inFlight(loc.off) : null) ?? this.segments.read(loc);
  }

  /**
   * The entry at `loc`, whether a frame of its own or inside a group: its type and plain
   * body (for B, the 32-byte hash then the text). Throws when unreadable.
   */
  private entryAt(loc: Loc): { type: string; body: Buffer } {
    const f = this.frameAt(loc);
    const type = String.fromCharCode(f[0]!);
    if (loc.sub !== null && loc.sub !== undefined) {
      if (type !== 'G') throw new Error(`the frame at segment ${loc.seg} byte ${loc.off} is not a group`);
      return groupEntryAt(inflateRawSync(f.subarray(1)), loc.sub);
    }
    if (type === 'B') return { type, body: Buffer.concat([f.subarray(1, 33), inflateRawSync(f.subarray(33))]) };
    return { type, body: type === 'P' ? f.subarray(1) : inflateRawSync(f.subarray(1)) };
  }

  /** The record whose frame is at `loc`; throws when unreadable or not the expected seq. */
  recordAt(loc: Loc, expectSeq?: number): AuditRecord {
    const e = this.entryAt(loc);
    if (e.type !== 'R' && e.type !== 'C') throw new Error(`the frame at segment ${loc.seg} byte ${loc.off} is not a record`);
    const r = JSON.parse(e.body.toString('utf8')) as AuditRecord;
    if (expectSeq !== undefined && r.seq !== expectSeq) throw new Error(`the frame indexed as seq ${expectSeq} holds seq ${r.seq}`);
    return r;
  }

  /** The hash of the record with this seq, read from the record itself (undefined if absent or unreadable). */
  private hashAt(seq: number): string | undefined {
    const row = this.st.one(`SELECT ${LOC_COLUMNS} FROM records WHERE seq = ?`, [seq]);
    if (!row) return undefined;
    try {
      return this.recordAt(locAt(row), seq).hash;
    } catch {
      return undefined;
    }
  }

  /**
   * The message list as prefix-chained nodes: its hash, and the node to write for the items
   * after the longest prefix already stored (none when the whole list is known).
   */
  private listFor(items: StoredMessage[]): { hash: string | null; node: ListNode | null } {
    if (items.length === 0) return { hash: null, node: null };
    const prefix: string[] = [];
    let h = '';
    for (const it of items) prefix.push((h = sha256Hex(`${h}|${it.role}|${it.blob}`)));
    let known = -1;
    for (let k = prefix.length - 1; k >= 0; k--) {
      if (this.locate('lists', prefix[k]!)) {
        known = k;
        break;
      }
    }
    const top = prefix[prefix.length - 1]!;
    if (known === prefix.length - 1) return { hash: top, node: null };
    return { hash: top, node: { hash: top, parent: known >= 0 ? prefix[known]! : null, items: items.slice(known + 1) } };
  }

  /** Where the body or list node with this hash is stored, or null. */
  private locate(table: 'blobs' | 'lists', hash: string): Loc | null {
    const pending = this.pendingLocs[table].get(hash);
    if (pending) return pending;
    const keys = hashKeys(hash);
    if (!this.keyFilter().mightHave(table, keys[0], keys[1])) return null;
    const row = this.st.one(`SELECT ${LOC_COLUMNS} FROM ${table} WHERE k = ? AND k2 = ?`, keys);
    return row ? locAt(row) : null;
  }

  /** Indexes a body or list node: at once while replaying, batched on the append path. */
  private place(table: 'blobs' | 'lists', hash: string, loc: Loc, now = false) {
    const [k, k2] = hashKeys(hash);
    this.filter?.add(table, k, k2);
    if (!now) {
      // Found here until its row is in the index (under steady load the queue is never
      // empty, so each entry goes as its write is applied, not when the queue drains).
      const pending = this.pendingLocs[table];
      pending.set(hash, loc);
      this.queueIndex(() => {
        this.place(table, hash, loc, true);
        pending.delete(hash);
      });
      return;
    }
    this.st.run(`INSERT OR IGNORE INTO ${table} (k, k2, seg, off, len, sub) VALUES (?, ?, ?, ?, ?, ?)`, [k, k2, loc.seg, loc.off, loc.len, loc.sub ?? null]);
  }

  /** A list node read back from its frame (null when absent, unreadable or not that node). */
  private listNode(hash: string): ListNode | null {
    const loc = this.locate('lists', hash);
    if (!loc) return null;
    try {
      const e = this.entryAt(loc);
      if (e.type !== 'L') return null;
      const node = JSON.parse(e.body.toString('utf8')) as ListNode;
      return node.hash === hash ? node : null;
    } catch {
      return null;
    }
  }

  /** The messages of a stored list, oldest first. */
  listItems(hash: string | null): StoredMessage[] {
    const chunks: StoredMessage[][] = [];
    let h = hash;
    let guard = 0;
    while (h && guard++ < 100_000) {
      const node = this.listNode(h);
      if (!node) break;
      chunks.push(node.items);
      h = node.parent;
    }
    return chunks.reverse().flat();
  }

  /** Snapshots the index (atomically) so the next start replays only what follows. */
  async compact(): Promise<void> {
    const run = this.chain.then(() => this.compactNow());
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Compaction proper; callers hold the append chain (never await `chain` in here). */
  private async compactNow(): Promise<void> {
    try {
      this.syncIndex();
    } catch (e) {
      this.indexFailed(e as Error);
    }
    if (!this.journal || this.indexBroken) return;
    this.commitIndex();
    await this.journal.flush();
    setMeta(this.database, 'head', JSON.stringify(this.head));
    setMeta(this.database, 'replayFrom', JSON.stringify({ seg: this.current, off: this.journal.end }));
    if (this.filter) this.database.run('INSERT OR REPLACE INTO keyfilter (id, bits) VALUES (1, ?)', [this.filter.bits]);
    // sql.js ≥ 1.16 exports through the backup API: statements and pragmas survive it.
    writeSnapshot(join(this.dir, 'snapshot.bin'), this.key, this.database.export(), this.opts.snapshotChunkBytes);
    fsyncDir(this.dir);
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
    try {
      this.syncIndex();
    } catch (e) {
      this.indexFailed(e as Error);
    }
    if (this.journal) {
      if (this.sinceCompaction > 0) await this.compactNow();
      await this.journal.close();
      this.journal = null;
    }
    this.st.free();
    this.segments.close();
    this.database.close();
  }

  /** Record by id, with message texts resolved (null if absent or unreadable). */
  get(id: string): ExportedRecord | null {
    this.syncIndex();
    const rows = this.database.exec(`SELECT seq, ${LOC_COLUMNS} FROM records WHERE idk = ?`, [idKey(id)])[0]?.values ?? [];
    for (const row of rows) {
      try {
        const r = this.recordAt(locAt(row, 1), row[0] as number);
        if (r.id === id) return this.resolve(r);
      } catch (e) {
        this.unreadable(row[0] as number, e as Error);
      }
    }
    return null;
  }

  resolve(r: AuditRecord): ExportedRecord {
    return { ...r, messages: this.listItems(r.messages).map((m) => ({ role: m.role, text: this.blobText(m.blob) ?? '' })) };
  }

  /** A message body by hash; null when absent or unreadable. */
  blobText(hash: string): string | null {
    const loc = this.locate('blobs', hash);
    if (!loc) return null;
    try {
      const e = this.entryAt(loc);
      if (e.type !== 'B' || e.body.subarray(0, 32).toString('hex') !== hash) return null;
      return e.body.toString('utf8', 32);
    } catch {
      return null;
    }
  }

  /** Index rows in seq order, optionally within a time range. */
  private *rows(range: { since?: number; until?: number } = {}): Generator<{ seq: number; loc: Loc }> {
    this.syncIndex();
    const stmt = this.database.prepare(`SELECT seq, ${LOC_COLUMNS} FROM records WHERE ts >= ? AND ts <= ? ORDER BY seq`);
    stmt.bind([range.since ?? 0, range.until ?? Number.MAX_SAFE_INTEGER]);
    try {
      while (stmt.step()) {
        const v = stmt.get();
        yield { seq: v[0] as number, loc: locAt(v, 1) };
      }
    } finally {
      stmt.free();
    }
  }

  /** Records in seq order (raw, blobs unresolved), optionally within a time range. An unreadable record is reported and skipped. */
  *iterate(range: { since?: number; until?: number } = {}): Generator<AuditRecord> {
    for (const row of this.rows(range)) {
      let r: AuditRecord;
      try {
        r = this.recordAt(row.loc, row.seq);
      } catch (e) {
        this.unreadable(row.seq, e as Error);
        continue;
      }
      yield r;
    }
  }

  private unreadable(seq: number, e: Error) {
    const message = `seq ${seq} cannot be read (${e.message}): modified or corrupted`;
    if (!this.issues.some((i) => i.message === message)) this.issues.push({ where: 'journal', seq, message });
  }

  /** Where pruning left the chain: records up to `seq` were removed, `hash` was the last one's. */
  get pruned(): { seq: number; hash: string } {
    this.syncIndex();
    const p = getMeta(this.database, 'pruned');
    return p ? (JSON.parse(p) as { seq: number; hash: string }) : { seq: 0, hash: GENESIS };
  }

  /**
   * Retention: removes the oldest records older than `maxAgeMs` or beyond `maxBytes`
   * (never past what canPrune allows). The chain stays verifiable: the last removed
   * record's seq and hash become the new starting point, and a signed checkpoint is
   * written first. Message bodies no longer referenced go too, and segments holding only
   * removed data are deleted (what is still live in them is copied forward first).
   */
  async prune(limits: { maxAgeMs?: number | null; maxBytes?: number | null; now?: number }): Promise<{ removed: number; upTo: number }> {
    const run = this.chain.then(() => this.pruneNow(limits));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async pruneNow(limits: { maxAgeMs?: number | null; maxBytes?: number | null; now?: number }): Promise<{ removed: number; upTo: number }> {
    this.syncIndex();
    const now = limits.now ?? Date.now();
    let upTo = 0;
    if (limits.maxAgeMs) {
      const row = this.database.exec('SELECT max(seq) FROM records WHERE ts < ?', [now - limits.maxAgeMs])[0]?.values[0]?.[0];
      upTo = Math.max(upTo, Number(row ?? 0));
    }
    if (limits.maxBytes) {
      const sizes = this.database.exec('SELECT seq, len FROM records ORDER BY seq')[0]?.values ?? [];
      const blobBytes = Number(this.database.exec('SELECT coalesce(sum(len),0) FROM blobs')[0]?.values[0]?.[0] ?? 0);
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
    const last = this.hashAt(upTo);
    if (!last || !this.journal) return { removed: 0, upTo: this.pruned.seq };
    this.writeCheckpoint();
    const removed = Number(this.database.exec('SELECT count(*) FROM records WHERE seq <= ?', [upTo])[0]?.values[0]?.[0] ?? 0);
    const boundary = { seq: upTo, hash: last };
    const durables: Promise<void>[] = [];
    // The boundary is journaled too, so an index rebuilt from the segments knows it.
    this.write(frame('P', Buffer.from(JSON.stringify(boundary))), durables);
    this.database.run('DELETE FROM records WHERE seq <= ?', [upTo]);
    setMeta(this.database, 'pruned', JSON.stringify(boundary));
    // Contentless FTS rows cannot be deleted one by one; rebuild the index from what remains.
    this.rebuildFts();
    this.sweep();
    const old = this.segments.list().filter((n) => n < this.current);
    for (const n of old) this.copyForward(n, durables);
    await Promise.all(durables);
    await this.compactNow();
    // The snapshot no longer points into the old segments: remove them.
    for (const n of old) this.segments.remove(n);
    return { removed, upTo };
  }

  /**
   * Re-writes what is still live in segment `n` into the current one, and re-points the
   * index. An entry of a group frame is written as a frame of its own.
   */
  private copyForward(n: number, durables: Promise<void>[]) {
    const records = this.database.exec(`SELECT seq, ${LOC_COLUMNS} FROM records WHERE seg = ?`, [n])[0]?.values ?? [];
    for (const v of records) {
      const from = locAt(v, 1);
      const body = from.sub === null ? this.segments.read(from).subarray(1) : compress(this.entryAt(from).body);
      const loc = this.write(frame('C', body), durables);
      this.st.run('UPDATE records SET seg = ?, off = ?, len = ?, sub = NULL WHERE seq = ?', [loc.seg, loc.off, loc.len, v[0] as number]);
    }
    for (const table of ['blobs', 'lists'] as const) {
      const rows = this.database.exec(`SELECT k, k2, ${LOC_COLUMNS} FROM ${table} WHERE seg = ?`, [n])[0]?.values ?? [];
      for (const v of rows) {
        const from = locAt(v, 2);
        let copy: Buffer;
        if (from.sub === null) copy = this.segments.read(from);
        else {
          const { type, body } = this.entryAt(from);
          copy = type === 'B' ? frame('B', Buffer.concat([body.subarray(0, 32), compress(body.subarray(32))])) : frame('L', compress(body));
        }
        const loc = this.write(copy, durables);
        this.st.run(`UPDATE ${table} SET seg = ?, off = ?, len = ?, sub = NULL WHERE k = ? AND k2 = ?`, [loc.seg, loc.off, loc.len, v[0] as number, v[1] as number]);
      }
    }
  }

  private rebuildFts() {
    this.database.run('DROP TABLE IF EXISTS records_fts');
    this.database.exec('CREATE VIRTUAL TABLE records_fts USING fts4(content="", prompt, response, tools)');
    for (const r of this.iterate()) {
      const t = searchText(r);
      this.st.run('INSERT INTO records_fts (docid, prompt, response, tools) VALUES (?,?,?,?)', [r.seq, t.prompt, t.response, t.tools]);
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
        const node = this.listNode(h);
        if (!node) break;
        for (const it of node.items) liveBlobs.add(it.blob);
        h = node.parent;
      }
    }
    for (const [table, live] of [
      ['lists', liveLists],
      ['blobs', liveBlobs],
    ] as const) {
      const keep = new Set([...live].map((h) => hashKeys(h).join(':')));
      for (const [k, k2] of this.database.exec(`SELECT k, k2 FROM ${table}`)[0]?.values ?? [])
        if (!keep.has(`${k}:${k2}`)) this.st.run(`DELETE FROM ${table} WHERE k = ? AND k2 = ?`, [k as number, k2 as number]);
    }
  }

  /** Recomputes the chain and every blob hash, reading every record back from disk; names the first bad seq. */
  verify(): VerifyResult {
    this.syncIndex();
    const problems: StoreIssue[] = [...this.issues];
    const start = this.pruned;
    let prev: string | null = start.hash;
    let expectSeq = start.seq + 1;
    let count = 0;
    let firstBad: number | null = problems.find((p) => p.seq !== null)?.seq ?? null;
    const bad = (seq: number, message: string) => {
      if (problems.some((p) => p.message === message)) return;
      problems.push({ where: 'chain', seq, message });
      if (firstBad === null || seq < firstBad) firstBad = seq;
    };
    let head: VerifyResult['head'] = null;
    const goodLists = new Set<string>();
    const goodBlobs = new Set<string>();
    for (const row of this.rows()) {
      count++;
      if (row.seq !== expectSeq) bad(expectSeq, `record seq ${expectSeq} is missing (next present is ${row.seq})`);
      let r: AuditRecord;
      try {
        r = this.recordAt(row.loc, row.seq);
      } catch (e) {
        bad(row.seq, `seq ${row.seq} cannot be read (${(e as Error).message}): modified or corrupted`);
        prev = null; // unknown: the next record's link cannot be checked
        expectSeq = row.seq + 1;
        continue;
      }
      if (prev !== null && r.prevHash !== prev) bad(r.seq, `seq ${r.seq} does not follow the previous record (prevHash mismatch)`);
      if (recordHash(r.prevHash, r as unknown as Record<string, unknown>) !== r.hash) bad(r.seq, `seq ${r.seq} was modified (hash mismatch)`);
      if (r.messages !== null && !goodLists.has(r.messages)) {
        const items = this.listItems(r.messages);
        let listHash = '';
        for (const it of items) listHash = sha256Hex(`${listHash}|${it.role}|${it.blob}`);
        let ok = listHash === r.messages;
        if (!ok) bad(r.seq, `the message list of seq ${r.seq} was modified or is missing`);
        for (const m of items) {
          if (goodBlobs.has(m.blob)) continue;
          const text = this.blobText(m.blob);
          if (text === null) bad(r.seq, `seq ${r.seq} references a missing message body`);
          else if (sha256Hex(text) !== m.blob) bad(r.seq, `a message body of seq ${r.seq} was modified`);
          else {
            goodBlobs.add(m.blob);
            continue;
          }
          ok = false;
        }
        if (ok) goodLists.add(r.messages);
      }
      prev = r.hash;
      expectSeq = r.seq + 1;
      head = { seq: r.seq, hash: r.hash };
    }
    const cp = this.readCheckpoint();
    let checkpoint: VerifyResult['checkpoint'] = null;
    if (cp) {
      const validSig = checkpointValid(cp) && cp.publicKey === this.deviceKey.pub;
      const row = this.hashAt(cp.seq);
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
    const h = getMeta(this.database, 'head');
    const last = this.st.one('SELECT seq FROM records ORDER BY seq DESC LIMIT 1', []);
    const lastHash = last ? this.hashAt(last[0] as number) : undefined;
    if (last && lastHash) {
      this.lastSeq = last[0] as number;
      this.lastHash = lastHash;
    } else if (h) {
      const head = JSON.parse(h) as { seq: number; hash: string };
      this.lastSeq = head.seq;
      this.lastHash = head.hash;
    }
  }

  /** Indexes one replayed entry (`body` is plain; for B only its first 32 bytes, the hash, are read). */
  private replayEntry(type: string, body: Buffer, loc: Loc) {
    if (type === 'B') this.place('blobs', body.subarray(0, 32).toString('hex'), loc, true);
    else if (type === 'L') this.place('lists', (JSON.parse(body.toString('utf8')) as ListNode).hash, loc, true);
    else if (type === 'P') {
      const boundary = JSON.parse(body.toString('utf8')) as { seq: number; hash: string };
      if (boundary.seq > this.pruned.seq) {
        setMeta(this.database, 'pruned', JSON.stringify(boundary));
        this.database.run('DELETE FROM records WHERE seq <= ?', [boundary.seq]);
      }
    } else if (type === 'R' || type === 'C') {
      // R: a record as appended, in chain order. C: a record copied forward by pruning.
      const r = JSON.parse(body.toString('utf8')) as AuditRecord;
      if (type === 'R') {
        const expected = this.prevRecordSeq === null ? r.seq : this.prevRecordSeq + 1;
        if (r.seq !== expected) this.issues.push({ where: 'journal', seq: Math.min(r.seq, expected), message: `journal order broken: expected seq ${expected}, found ${r.seq}` });
        this.prevRecordSeq = r.seq;
      }
      if (r.seq <= this.lastSeq && this.st.one('SELECT 1 FROM records WHERE seq = ?', [r.seq])) return; // already indexed
      if (r.seq <= this.pruned.seq) return; // removed by retention
      insertRecord(this.st, r, loc);
      if (r.seq > this.lastSeq) {
        this.lastSeq = r.seq;
        this.lastHash = r.hash;
      }
    } else throw new Error(`unknown frame type ${type}`);
  }

  /** Brings the index up to date with frames of segment `n` (in file order). */
  private replay(n: number, entries: JournalEntry[], log: Logger, lastSegment: boolean) {
    this.database.exec('BEGIN');
    for (const e of entries) {
      if (e.issue) {
        if (e.issue.kind === 'torn-tail' && lastSegment) {
          log.warn('audit journal ends in a torn frame (crash during a write); it was dropped', { segment: n, offset: e.issue.offset, detail: e.issue.detail });
          continue; // never acknowledged: not a problem of the chain
        }
        this.issues.push({ where: 'journal', seq: this.lastSeq + 1, message: `segment ${n}: ${e.issue.detail} at byte ${e.issue.offset} (modified or corrupted)` });
        log.error('audit journal frame failed authentication', { segment: n, offset: e.issue.offset });
        continue;
      }
      const f = e.frame;
      const loc: Loc = { seg: n, off: e.offset, len: e.length, sub: null };
      const type = String.fromCharCode(f[0]!);
      try {
        if (type === 'G') {
          const payload = inflateRawSync(f.subarray(1));
          for (let sub = 0; sub < payload.length; ) {
            const entry = groupEntryAt(payload, sub);
            this.replayEntry(entry.type, entry.body, { ...loc, sub });
            sub += 5 + entry.body.length;
          }
        } else if (type === 'B') this.replayEntry(type, f.subarray(1, 33), loc);
        else this.replayEntry(type, type === 'P' ? f.subarray(1) : inflateRawSync(f.subarray(1)), loc);
      } catch (err) {
        this.issues.push({ where: 'journal', seq: this.lastSeq + 1, message: `a journal frame could not be read: ${(err as Error).message}` });
      }
    }
    this.database.exec('COMMIT');
  }
}

/**
 * Converts a store from the first pre-release layout (journal.bin + a snapshot holding
 * deflated records) into segments: every body, list node and record is written as a frame
 * of segment 1, then the old files are kept aside (renamed, never deleted).
 */
async function migrateV1(dir: string, key: Buffer, SQL: SqlJsStatic, segments: Segments, log: Logger) {
  if (segments.list().length > 0) throw new WitnessError('STORE_LOCKED', `${dir} holds both the old journal.bin and segments; move journal.bin aside if the segments are complete.`);
  const writer = await JournalWriter.open(segments.path(1), key, 0);
  const durables: Promise<void>[] = [];
  const put = (f: Buffer) => durables.push(writer.append(f).durable);
  const snapFile = join(dir, 'snapshot.bin');
  if (existsSync(snapFile)) {
    const old = new SQL.Database(readSnapshot(snapFile, key));
    for (const [hash, z] of old.exec('SELECT hash, z FROM blobs')[0]?.values ?? []) put(frame('B', Buffer.concat([Buffer.from(hash as string, 'hex'), Buffer.from(z as Uint8Array)])));
    for (const [hash, parent, items] of old.exec('SELECT hash, parent, items FROM lists')[0]?.values ?? [])
      put(frame('L', deflateRawSync(JSON.stringify({ hash, parent, items: JSON.parse(items as string) as StoredMessage[] }))));
    const pruned = getMeta(old, 'pruned');
    if (pruned) put(frame('P', Buffer.from(pruned)));
    for (const [z] of old.exec('SELECT z FROM records ORDER BY seq')[0]?.values ?? []) put(frame('R', Buffer.from(z as Uint8Array)));
    old.close();
  }
  for (const e of readJournal(join(dir, 'journal.bin'), key).entries) if (e.frame) put(e.frame);
  await Promise.all(durables);
  await writer.close();
  const stamp = Date.now();
  if (existsSync(snapFile)) renameSync(snapFile, join(dir, `snapshot.v1-${stamp}.bin`));
  renameSync(join(dir, 'journal.bin'), join(dir, `journal.v1-${stamp}.bin`));
  fsyncDir(dir);
  log.info('audit store converted to segments; the old files were kept aside', { dir, stamp });
}

function frame(type: 'B' | 'L' | 'R' | 'C' | 'P' | 'G', body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(type), body]);
}

/** An entry of a group frame: a body, list node or record, and for the first two the index row it gets. */
type GroupEntry = { type: 'B' | 'L' | 'R'; body: Buffer } & ({ table: 'blobs' | 'lists'; hash: string } | { table?: undefined });

/** A group's plain payload: per entry, its type (1 byte), body length (u32 BE) and body; and where each entry starts. */
function groupPayload(entries: GroupEntry[]): { payload: Buffer; subs: number[] } {
  const parts: Buffer[] = [];
  const subs: number[] = [];
  let at = 0;
  for (const e of entries) {
    const head = Buffer.allocUnsafe(5);
    head[0] = e.type.charCodeAt(0);
    head.writeUInt32BE(e.body.length, 1);
    parts.push(head, e.body);
    subs.push(at);
    at += 5 + e.body.length;
  }
  return { payload: Buffer.concat(parts, at), subs };
}

/** The entry of a group payload that starts at `sub`. */
function groupEntryAt(payload: Buffer, sub: number): { type: string; body: Buffer } {
  if (sub < 0 || sub + 5 > payload.length) throw new Error(`no group entry at ${sub}`);
  const end = sub + 5 + payload.readUInt32BE(sub + 1);
  if (end > payload.length) throw new Error(`the group entry at ${sub} runs past the group`);
  return { type: String.fromCharCode(payload[sub]!), body: payload.subarray(sub + 5, end) };
}
