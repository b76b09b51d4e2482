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
 * What a frame holds, by named type, is frames.ts (the one codec); an append writes one
 * group frame holding its new bodies, list node and record, sealed and compressed once.
 * Durability, recovery and what verify can and cannot tell: docs/audit.md.
 */
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from 'sql.js';
import { ensurePrivateDir, fsyncDir, writeAtomic } from '../fs.js';
import { deviceId, openDeviceKey, osUser, type DeviceSigner } from '../identity/index.js';
import { RECORD_VERSION, type AuditRecord, type ExportedRecord, type Interaction, type StoredMessage } from '../model/index.js';
import { chainRecord, GENESIS, sha256Hex } from '../model/node.js';
import { WitnessError } from '../errors.js';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import { signCheckpoint, type Checkpoint } from './checkpoint.js';
import { getMeta, hashKeys, idKey, INDEX_FORMAT, insertRecord, insertRow, loadSql, locAt, LOC_COLUMNS, recordRow, SCHEMA, setMeta, Statements, tune, type Loc } from './db.js';
import { JournalWriter, readJournal, type JournalEntry, type JournalIo } from './journal.js';
import { defaultKeyProvider, loadDataKey, type KeyProvider } from './keyring.js';
import { searchText, uuidv7 } from './record.js';
import { compress, decodeFrame, Frame, frame, frameEntries, groupEntry, groupPayload, type FrameEntry, type FrameType, type GroupEntry } from './frames.js';
import { migrateV1 } from './migrate-v1.js';
import { IndexQueue } from './index-queue.js';
import type { ExchangeStart, ListNode, StoreHealth, StoreIssue, VerifyResult } from './types.js';
import { verifyStore } from './verify.js';
import { KeyFilter } from './bloom.js';
import { Segments } from './segments.js';
import { readSnapshot, writeSnapshot } from './snapshot.js';

/** A segment is closed and a new one started past this size. */
const SEGMENT_MAX = 64 * 1024 * 1024;

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
  /** Signs checkpoints with the device key (default: the key sealed in store/device-key.bin). */
  signer?: DeviceSigner;
  /** Start a new segment past this many bytes (default 64 MB). */
  segmentBytes?: number;
  /** Snapshot chunk size (default 1 MB; tests use small ones). */
  snapshotChunkBytes?: number;
  /** How frames reach the file (tests: one that fails like a full disk). */
  io?: JournalIo;
  /** Told when records cannot be kept any more, and when they can again. */
  onHealth?: (state: StoreHealth) => void;
  /** While records cannot be written: how often writing is tried without an append (default 5 s). */
  probeMs?: number;
}

/** Open exchanges remembered at most (ones that never get a record must not grow without end). */
const MAX_OPEN_EXCHANGES = 10_000;

export { CANNOT_DETECT_OFFLINE, type ExchangeStart, type StoreHealth, type StoreIssue, type VerifyResult } from './types.js';

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
  /** Orders appends, compaction and pruning (one at a time); unrelated to the hash chain. */
  private turn: Promise<unknown> = Promise.resolve();
  /** The newest record known durable; the head falls back to it when a write fails. */
  private durableHead = { seq: 0, hash: GENESIS };
  /** Records handed out (seq, hash) whose frames are not yet known durable, oldest first. */
  private tentative: Array<{ seq: number; hash: string }> = [];
  private failure: { since: string; problem: string; unrecorded: number } | null = null;
  private lastUnrecorded = 0;
  private probeTimer: NodeJS.Timeout | null = null;
  /**
   * Exchanges started (their S frame written) with no record yet. A crash leaves some here:
   * the next start writes a gap frame (X) for each, so the loss is on record.
   */
  private readonly openExchanges = new Map<string, ExchangeStart>();
  /** Set by close(): exchanges still open then are not gaps of a crash. */
  private closing = false;
  /** Signs checkpoints (null: a reader found the device key damaged). */
  private signer: DeviceSigner | null = null;
  private readonly st: Statements;
  private readonly index: IndexQueue;
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
    this.index = new IndexQueue(this.st, (e) => {
      this.issues.push({ where: 'snapshot', seq: null, message: `the index could not be updated (${e.message}); restart to rebuild it from the segments` });
      (opts.log ?? silentLogger).error('audit index update failed; no snapshot will be written until restart', { err: e });
    });
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

  /** Bodies and list nodes written (or being written) whose index rows are not in yet: found here for deduplication. */
  private readonly pendingLocs = { blobs: new Map<string, Loc>(), lists: new Map<string, Loc>() };

  /** Brings the index up to date (every read path calls this first). */
  syncIndex(): void {
    this.index.sync();
  }

  static async open(opts: AuditStoreOptions): Promise<AuditStore> {
    const dir = join(opts.dataDir, 'store');
    if (opts.readOnly) mkdirSync(dir, { recursive: true, mode: 0o700 });
    else ensurePrivateDir(dir, 'the audit store');
    const provider = opts.keyProvider ?? defaultKeyProvider(dir);
    const key = await loadDataKey(dir, provider, { readOnly: opts.readOnly === true });
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
    if (opts.signer) store.signer = opts.signer;
    else {
      const dk = openDeviceKey(join(dir, 'device-key.bin'), key, !opts.readOnly);
      store.signer = dk.signer;
      if (dk.problem) {
        store.issues.push({ where: 'device-key', seq: null, message: dk.problem });
        log.error('audit device key is damaged', { problem: dk.problem });
      }
    }
    store.restoreHead();
    for (const e of JSON.parse(getMeta(db, 'openExchanges') ?? '[]') as ExchangeStart[]) store.openExchanges.set(e.id, e);
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
      // And one with a damaged frame: only a torn tail is ever cut off.
      if (last) tail = jr.issues.some((i) => i.kind !== 'torn-tail') ? { n: n + 1, validLength: 0 } : { n, validLength: jr.validLength };
    }
    if (list.length > 0 && replayFrom.seg > list[list.length - 1]!) tail = { n: replayFrom.seg, validLength: 0 };
    store.durableHead = store.head;
    if (!opts.readOnly) {
      store.current = tail.n;
      store.journal = await store.openWriter(tail.n, tail.validLength);
      await store.recordGaps(log);
    }
    return store;
  }

  /** Exchanges the last run started but never recorded (it crashed): one durable gap frame each. */
  private async recordGaps(log: Logger) {
    const gaps = [...this.openExchanges.values()];
    this.openExchanges.clear();
    if (gaps.length === 0) return;
    try {
      await Promise.all(gaps.map((g) => this.journal!.append(frame(Frame.Gap, Buffer.from(JSON.stringify(g)))).durable));
    } catch (e) {
      log.error('exchanges of the last run have no audit record, and the gaps could not be recorded', { err: e, ids: gaps.slice(0, 20).map((g) => g.id) });
      return;
    }
    log.warn('exchanges of the last run have no audit record (it stopped before they were durable); the gaps are recorded', { count: gaps.length, ids: gaps.slice(0, 20).map((g) => g.id) });
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
  get deviceSigningKey(): { privateKey: DeviceSigner['privateKey']; publicKeySpki: string } {
    if (!this.signer) throw new WitnessError('STORE_CORRUPT', 'The device key (store/device-key.bin) cannot be read; see `witness verify`.');
    return { privateKey: this.signer.privateKey, publicKeySpki: this.signer.publicKey };
  }

  /** Stores one interaction; resolves once it is durable. Appends are serialized. */
  append(i: Interaction): Promise<AuditRecord> {
    // The turn orders records (seq, hash) and queues their frames; durability is awaited
    // outside it, so appends arriving together share one write + fsync (group commit).
    const queued = this.turn.then(() => this.appendNow(i));
    this.turn = queued.catch(() => undefined);
    return queued
      .then(async ({ record, durable }) => {
        await durable;
        return record;
      })
      .catch((e: unknown) => {
        if (this.failure) this.failure.unrecorded++;
        throw e;
      });
  }

  /**
   * An exchange began: a small frame, queued with the next write and never awaited, so that
   * if the engine dies before the exchange's record is durable, the next start finds the
   * start without a record and records the gap (issue 20: 1 of 159 responses in ten kill -9
   * rounds had no record). `path` must be masked already.
   */
  exchangeStarted(e: ExchangeStart): void {
    if (!this.journal || this.failure) return;
    if (this.openExchanges.size >= MAX_OPEN_EXCHANGES) this.openExchanges.delete(this.openExchanges.keys().next().value!);
    this.openExchanges.set(e.id, e);
    this.journal.append(frame(Frame.Started, Buffer.from(JSON.stringify(e)))).durable.catch(() => undefined);
    this.sinceCompaction++; // so a clean close snapshots past it
  }

  /** Whether records can be kept now (the data path asks, for audit.onStoreFailure "block"). */
  canRecord(): boolean {
    return this.failure === null && this.journal !== null;
  }

  get health(): StoreHealth {
    const f = this.failure;
    return f ? { ok: false, since: f.since, problem: f.problem, unrecorded: f.unrecorded } : { ok: true, since: null, problem: null, unrecorded: this.lastUnrecorded };
  }

  /**
   * A write failed (synchronously, before any waiting append resumes): nothing past
   * `durableBytes` of the current segment is on disk, so the head, and what later appends
   * would deduplicate against, go back to what is.
   */
  private writeFailed(e: Error, durableBytes = -1) {
    this.tentative = [];
    this.lastSeq = this.durableHead.seq;
    this.lastHash = this.durableHead.hash;
    for (const table of ['blobs', 'lists'] as const) {
      for (const [hash, loc] of this.pendingLocs[table]) if (loc.seg >= this.current && (durableBytes < 0 || loc.off >= durableBytes)) this.pendingLocs[table].delete(hash);
    }
    const first = this.failure === null;
    this.failure ??= { since: new Date().toISOString(), problem: e.message, unrecorded: 0 };
    this.failure.problem = e.message;
    if (!first) return;
    (this.opts.log ?? silentLogger).error('audit records cannot be written; nothing is acknowledged until they can', { err: e });
    this.opts.onHealth?.(this.health);
    this.probeTimer = setInterval(() => {
      const run = this.turn.then(async () => {
        if (this.journal && (await this.journal.probe())) this.writeRecovered();
      });
      this.turn = run.catch(() => undefined);
    }, this.opts.probeMs ?? 5000);
    this.probeTimer.unref?.();
  }

  private writeRecovered() {
    const f = this.failure;
    if (!f) return;
    this.failure = null;
    this.lastUnrecorded = f.unrecorded;
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.probeTimer = null;
    (this.opts.log ?? silentLogger).warn('audit records can be written again', { failedSince: f.since, unrecorded: f.unrecorded });
    this.opts.onHealth?.(this.health);
  }

  /** A record's frames are durable: its index rows may go in, and the head may fall back no further. */
  private confirmed(record: AuditRecord) {
    while (this.tentative.length && this.tentative[0]!.seq <= record.seq) this.tentative.shift();
    if (record.seq > this.durableHead.seq) this.durableHead = { seq: record.seq, hash: record.hash };
  }

  private async appendNow(i: Interaction): Promise<{ record: AuditRecord; durable: Promise<unknown> }> {
    if (!this.journal) throw new WitnessError('STORE_READ_ONLY', 'The audit store is open read-only (search, export, verify); only the engine appends records.');
    if (this.journal.end >= (this.opts.segmentBytes ?? SEGMENT_MAX)) await this.nextSegment();
    const durables: Promise<void>[] = [];
    const items: StoredMessage[] = [];
    /** What this append adds, written as one group frame (or a lone record frame). */
    const entries: GroupEntry[] = [];
    if (i.id) this.openExchanges.delete(i.id);
    const fresh = new Set<string>();
    const placed: Array<{ table: 'blobs' | 'lists'; hash: string; loc: Loc }> = [];
    for (const m of i.messages) {
      const hash = sha256Hex(m.text);
      items.push({ role: m.role, blob: hash });
      if (!fresh.has(hash) && !this.locate('blobs', hash)) {
        fresh.add(hash);
        entries.push({ type: Frame.Body, body: Buffer.concat([Buffer.from(hash, 'hex'), Buffer.from(m.text, 'utf8')]), table: 'blobs', hash });
      }
    }
    // The conversation as a content-addressed list: agent mode resends the whole history
    // each turn, so only the items after the longest already-stored prefix are written.
    const list = this.listFor(items);
    if (list.node) entries.push({ type: Frame.List, body: Buffer.from(JSON.stringify(list.node)), table: 'lists', hash: list.node.hash });
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
    if (entries.length === 0) loc = this.write(frame(Frame.Record, compress(json)), durables);
    else {
      entries.push({ type: Frame.Record, body: Buffer.from(json, 'utf8') });
      const { payload, subs } = groupPayload(entries);
      const g = this.write(frame(Frame.Group, compress(payload)), durables);
      entries.forEach((e, k) => {
        if (e.table) placed.push({ table: e.table, hash: e.hash, loc: { seg: g.seg, off: g.off, len: g.len, sub: subs[k]! } });
      });
      loc = { seg: g.seg, off: g.off, len: g.len, sub: subs[subs.length - 1]! };
    }
    // Later appends may reference these bodies at once (they are in the same or a later
    // write, so they fail together); the index learns of them only once they are durable.
    for (const p of placed) {
      this.filter?.add(p.table, ...hashKeys(p.hash));
      this.pendingLocs[p.table].set(p.hash, p.loc);
    }
    const row = recordRow(record, loc);
    this.lastSeq = record.seq;
    this.lastHash = record.hash;
    this.tentative.push({ seq: record.seq, hash: record.hash });
    const durable = Promise.all(durables).then(() => {
      this.confirmed(record);
      for (const p of placed) this.index.queue(() => this.place(p.table, p.hash, p.loc));
      this.index.queue(() => insertRow(this.st, row));
    });
    if (++this.sinceCompaction >= (this.opts.compactEvery ?? 5000)) {
      await durable;
      await this.compactQuietly();
    }
    return { record, durable };
  }

  /** Compaction on the append path: the record is durable already, so a failure here (disk full) only means a longer replay. */
  private async compactQuietly() {
    try {
      await this.compactNow();
    } catch (e) {
      (this.opts.log ?? silentLogger).error('audit index snapshot could not be written; the next start replays more of the journal', { err: e });
    }
  }

  /** Queues a frame in the current segment; its location, readable at once. */
  private write(body: Buffer, durables: Promise<void>[]): Loc {
    const { offset, length, durable } = this.journal!.append(body);
    durables.push(durable);
    return { seg: this.current, off: offset, len: length };
  }

  /** Closes the current segment (everything in it durable) and starts the next. */
  private async nextSegment() {
    let next: JournalWriter;
    try {
      next = await this.openWriter(this.current + 1, 0);
    } catch (e) {
      // The current segment stays open: a full disk must not leave the store without a writer.
      this.writeFailed(e as Error);
      throw e;
    }
    await this.journal!.close();
    this.current++;
    this.journal = next;
  }

  private openWriter(n: number, validLength: number): Promise<JournalWriter> {
    return JournalWriter.open(this.segments.path(n), this.key, validLength, {
      ...(this.opts.io ? { io: this.opts.io } : {}),
      health: { failed: (e, bytes) => this.writeFailed(e, bytes), recovered: () => this.writeRecovered() },
    });
  }

  /** The plaintext frame at `loc` (from memory while its write is in flight). */
  private frameAt(loc: Loc): Buffer {
    return (loc.seg === this.current ? this.journal?.inFlight(loc.off) : null) ?? this.segments.read(loc);
  }

  /**
   * The entry at `loc`, whether a frame of its own or inside a group: its type and plain
   * body (for B, the 32-byte hash then the text). Throws when unreadable.
   */
  private entryAt(loc: Loc): FrameEntry {
    const f = this.frameAt(loc);
    return loc.sub !== null && loc.sub !== undefined ? groupEntry(f, loc.sub) : decodeFrame(f);
  }

  /** The record whose frame is at `loc`; throws when unreadable or not the expected seq. */
  recordAt(loc: Loc, expectSeq?: number): AuditRecord {
    const e = this.entryAt(loc);
    if (e.type !== Frame.Record && e.type !== Frame.Copied) throw new Error(`the frame at segment ${loc.seg} byte ${loc.off} is not a record`);
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

  /**
   * Indexes a body or list node. On the append path it was found in `pendingLocs` until
   * now (under steady load the queue is never empty, so each entry leaves as its write is
   * applied, not when the queue drains).
   */
  private place(table: 'blobs' | 'lists', hash: string, loc: Loc) {
    const [k, k2] = hashKeys(hash);
    this.filter?.add(table, k, k2);
    this.st.run(`INSERT OR IGNORE INTO ${table} (k, k2, seg, off, len, sub) VALUES (?, ?, ?, ?, ?, ?)`, [k, k2, loc.seg, loc.off, loc.len, loc.sub ?? null]);
    if (this.pendingLocs[table].get(hash) === loc) this.pendingLocs[table].delete(hash);
  }

  /** A list node read back from its frame (null when absent, unreadable or not that node). */
  private listNode(hash: string): ListNode | null {
    const loc = this.locate('lists', hash);
    if (!loc) return null;
    try {
      const e = this.entryAt(loc);
      if (e.type !== Frame.List) return null;
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
    const run = this.turn.then(() => this.compactNow());
    this.turn = run.catch(() => undefined);
    return run;
  }

  /** Compaction proper; callers hold the turn (never await `turn` in here). */
  private async compactNow(): Promise<void> {
    this.index.syncOrReport();
    if (!this.journal || this.index.broken) return;
    this.index.commit();
    await this.journal.flush();
    setMeta(this.database, 'head', JSON.stringify(this.head));
    setMeta(this.database, 'replayFrom', JSON.stringify({ seg: this.current, off: this.journal.end }));
    setMeta(this.database, 'openExchanges', JSON.stringify(this.closing ? [] : [...this.openExchanges.values()]));
    if (this.filter) this.database.run('INSERT OR REPLACE INTO keyfilter (id, bits) VALUES (1, ?)', [this.filter.bits]);
    // sql.js ≥ 1.16 exports through the backup API: statements and pragmas survive it.
    writeSnapshot(join(this.dir, 'snapshot.bin'), this.key, this.database.export(), this.opts.snapshotChunkBytes);
    fsyncDir(this.dir);
    this.sinceCompaction = 0;
    this.writeCheckpoint();
  }
  writeCheckpoint(): Checkpoint | null {
    if (!this.signer) return null;
    const c = signCheckpoint(this.signer, { device: this.device, seq: this.lastSeq, hash: this.lastHash, time: new Date().toISOString() });
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
    this.closing = true;
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.probeTimer = null;
    await this.turn.catch(() => undefined);
    this.index.syncOrReport();
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
      if (e.type !== Frame.Body || e.body.subarray(0, 32).toString('hex') !== hash) return null;
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
    const run = this.turn.then(() => this.pruneNow(limits));
    this.turn = run.catch(() => undefined);
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
    this.write(frame(Frame.Pruned, Buffer.from(JSON.stringify(boundary))), durables);
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
      const loc = this.write(frame(Frame.Copied, body), durables);
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
          copy = type === Frame.Body ? frame(Frame.Body, Buffer.concat([body.subarray(0, 32), compress(body.subarray(32))])) : frame(Frame.List, compress(body));
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

  /** Recomputes the chain and every blob hash, reading every record and frame back from disk; names the first bad seq. */
  verify(): VerifyResult {
    this.syncIndex();
    return verifyStore({
      issues: this.issues,
      pruned: this.pruned,
      rows: () => this.rows(),
      recordAt: (loc, seq) => this.recordAt(loc, seq),
      listItems: (hash) => this.listItems(hash),
      blobText: (hash) => this.blobText(hash),
      segments: this.segments,
      key: this.key,
      checkpoint: this.readCheckpoint(),
      signerPublicKey: this.signer?.publicKey ?? null,
      hashAt: (seq) => this.hashAt(seq),
    });
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
  private replayEntry(type: FrameType, body: Buffer, loc: Loc) {
    if (type === Frame.Body) this.place('blobs', body.subarray(0, 32).toString('hex'), loc);
    else if (type === Frame.List) this.place('lists', (JSON.parse(body.toString('utf8')) as ListNode).hash, loc);
    else if (type === Frame.Pruned) {
      const boundary = JSON.parse(body.toString('utf8')) as { seq: number; hash: string };
      if (boundary.seq > this.pruned.seq) {
        setMeta(this.database, 'pruned', JSON.stringify(boundary));
        this.database.run('DELETE FROM records WHERE seq <= ?', [boundary.seq]);
      }
    } else if (type === Frame.Record || type === Frame.Copied) {
      // R: a record as appended, in chain order. C: a record copied forward by pruning.
      const r = JSON.parse(body.toString('utf8')) as AuditRecord;
      if (type === Frame.Record) {
        const expected = this.prevRecordSeq === null ? r.seq : this.prevRecordSeq + 1;
        if (r.seq !== expected) this.issues.push({ where: 'journal', seq: Math.min(r.seq, expected), message: `journal order broken: expected seq ${expected}, found ${r.seq}` });
        this.prevRecordSeq = r.seq;
      }
      this.openExchanges.delete(r.id);
      if (r.seq <= this.lastSeq && this.st.one('SELECT 1 FROM records WHERE seq = ?', [r.seq])) return; // already indexed
      if (r.seq <= this.pruned.seq) return; // removed by retention
      insertRecord(this.st, r, loc);
      if (r.seq > this.lastSeq) {
        this.lastSeq = r.seq;
        this.lastHash = r.hash;
      }
    } else if (type === Frame.Started) {
      const e = JSON.parse(body.toString('utf8')) as ExchangeStart;
      this.openExchanges.set(e.id, e);
    } else if (type === Frame.Gap) {
      this.openExchanges.delete((JSON.parse(body.toString('utf8')) as ExchangeStart).id);
    }
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
      const loc: Loc = { seg: n, off: e.offset, len: e.length, sub: null };
      try {
        for (const entry of frameEntries(e.frame)) this.replayEntry(entry.type, entry.body, { ...loc, sub: entry.sub });
      } catch (err) {
        this.issues.push({ where: 'journal', seq: this.lastSeq + 1, message: `a journal frame could not be read: ${(err as Error).message}` });
      }
    }
    this.database.exec('COMMIT');
  }
}

