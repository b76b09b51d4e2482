/**
 * The audit store: every interaction becomes a durable, encrypted, hash-chained record.
 *
 * On disk (DATA_DIR/store, folder 0700): keyring.json (wrapped data key), segments/*.wseg
 * (append-only encrypted journal files holding every record, message body and list node),
 * snapshot.bin (the sql.js index, AES-256-GCM, written atomically by compaction, with the
 * segment position it covers), checkpoint.json (signed with the device key
 * the caller passes; identity keeps it in the key vault).
 * Nothing is readable without the key. A record is acknowledged (append() resolves) only
 * once its frames are fsynced; start loads the index and replays the frames written after
 * it, so a kill -9 loses nothing that was acknowledged. Bodies stay on disk and are read by
 * position when asked for: memory and start time follow the index, not the content.
 *
 * This file is the façade: it orders appends, compaction and pruning (one turn at a time)
 * and hands each concern to the part that owns its state: open.ts and replay.ts (start),
 * tail.ts (the segment written and frames read back), bodies.ts (content-addressed bodies,
 * lists, Bloom filter), head.ts (chain head), health.ts (full disk, probe, onHealth),
 * exchanges.ts (crash gaps), index-queue.ts, retention.ts, verify.ts; frames.ts is the codec.
 * Durability, recovery and what verify can and cannot tell: docs/audit.md.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from 'sql.js';
import { fsyncDir, writeAtomic } from '../fs.js';
import { deviceId, osUser, type DeviceSigner } from '../identity/index.js';
import { RECORD_VERSION, type AuditRecord, type ExportedRecord, type Interaction } from '../model/index.js';
import { WitnessError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { signCheckpoint, type Checkpoint } from './checkpoint.js';
import { getMeta, insertRow, recordRow, setMeta, Statements, type Loc } from './db.js';
import { ContentStore } from './bodies.js';
import { OpenExchanges } from './exchanges.js';
import { Frame, groupPayload, textFrame } from './frames.js';
import { ChainHead } from './head.js';
import { WriteHealth } from './health.js';
import { IndexQueue } from './index-queue.js';
import { openFiles } from './open.js';
import { RecordReader } from './reader.js';
import { uuidv7 } from './record.js';
import { replaySegments, restoreHead } from './replay.js';
import { Retention, type PruneLimits } from './retention.js';
import { RecordSealer, sealJob, textSize } from './sealer.js';
import type { Segments } from './segments.js';
import { writeSnapshot } from './snapshot.js';
import { JournalTail } from './tail.js';
import type { AuditStoreOptions, ExchangeStart, StoreHealth, StoreIssue, VerifyResult } from './types.js';
import { verifyStore } from './verify.js';

/** A segment is closed and a new one started past this size. */
const SEGMENT_MAX = 64 * 1024 * 1024;
/** Ciphers kept ready for in-flight markers (JournalWriter.prepareSmall): exchanges that start between two records. */
const MARKER_CIPHERS = 4;

export { CANNOT_DETECT_OFFLINE, type AuditStoreOptions, type ExchangeStart, type StoreHealth, type StoreIssue, type VerifyResult } from './types.js';

export class AuditStore {
  readonly issues: StoreIssue[] = [];
  /** Orders appends, compaction and pruning (one at a time); unrelated to the hash chain. */
  private turn: Promise<unknown> = Promise.resolve();
  private sinceCompaction = 0;
  private readonly log: Logger;
  private readonly st: Statements;
  private readonly index: IndexQueue;
  private readonly tail: JournalTail;
  private readonly bodies: ContentStore;
  private readonly chain = new ChainHead();
  private readonly writeHealth: WriteHealth;
  private readonly exchanges = new OpenExchanges();
  private readonly retention: Retention;
  private readonly reader: RecordReader;
  private readonly sealer: RecordSealer;
  readonly device: string;
  readonly user: string;

  private constructor(
    private readonly opts: AuditStoreOptions,
    readonly dir: string,
    private readonly key: Buffer,
    private readonly database: Database,
    readonly segments: Segments,
    /** Signs checkpoints (null: a reader found the device key damaged). */
    private readonly signer: DeviceSigner | null,
  ) {
    this.log = opts.log ?? silentLogger;
    this.sealer = new RecordSealer(this.log, opts.offloadChars);
    this.device = opts.device ?? deviceId(opts.dataDir);
    this.user = opts.user ?? osUser();
    this.st = new Statements(database);
    this.index = new IndexQueue(this.st, (e) => {
      this.issues.push({ where: 'snapshot', seq: null, message: `the index could not be updated (${e.message}); restart to rebuild it from the segments` });
      this.log.error('audit index update failed; no snapshot will be written until restart', { err: e });
    });
    this.writeHealth = new WriteHealth(this.log, opts.onHealth, opts.probeMs ?? 5000, () => {
      const run = this.turn.then(async () => {
        if (this.tail.journal && (await this.tail.journal.probe())) this.writeHealth.recovered();
      });
      this.turn = run.catch(() => undefined);
    });
    this.tail = new JournalTail(segments, key, opts.io, { failed: (e, bytes) => this.writeFailed(e, bytes), recovered: () => this.writeHealth.recovered() });
    this.bodies = new ContentStore(database, this.st, (loc) => this.tail.entryAt(loc));
    this.reader = new RecordReader(database, this.st, this.tail, this.bodies, this.issues, () => this.syncIndex());
    this.retention = new Retention(database, this.st, this.tail, this.bodies, () => this.iterate(), (seq) => this.reader.hashAt(seq), opts.canPrune);
  }

  /** The index, brought up to date first (index writes are batched off the append path). */
  get db(): Database {
    this.syncIndex();
    return this.database;
  }

  /** Brings the index up to date (every read path calls this first). */
  syncIndex(): void {
    this.index.sync();
  }

  static async open(opts: AuditStoreOptions): Promise<AuditStore> {
    const log = opts.log ?? silentLogger;
    const files = await openFiles(opts, log);
    const store = new AuditStore(opts, files.dir, files.key, files.db, files.segments, files.signer);
    store.issues.push(...files.issues);
    const target = { db: files.db, st: store.st, head: store.chain, bodies: store.bodies, exchanges: store.exchanges, issues: store.issues };
    restoreHead(target, (seq) => store.reader.hashAt(seq));
    store.exchanges.load(getMeta(files.db, 'openExchanges'));
    store.bodies.loadFilter(); // before replay, which adds to it
    const tail = replaySegments(target, files.segments, files.key, files.replayFrom, log);
    store.chain.allDurable();
    if (!opts.readOnly) {
      await store.tail.start(tail.n, tail.validLength);
      store.tail.journal?.prepareSmall(MARKER_CIPHERS);
      await store.exchanges.recordGaps(store.tail.journal!, log);
    }
    return store;
  }

  get head(): { seq: number; hash: string } {
    return this.chain.current;
  }

  /**
   * Read-only seam for the sync client (proxy/sync/): up to `limit` records after `seq`, in
   * seq order, as stored (an unreadable one is reported and skipped, so its gap shows).
   */
  recordsAfter(seq: number, limit: number): AuditRecord[] {
    return this.reader.after(seq, limit);
  }

  /** Read-only seam for the sync client: the device key that signs batches (it never leaves the process). */
  get deviceSigningKey(): { privateKey: DeviceSigner['privateKey']; publicKeySpki: string } {
    if (!this.signer) throw new WitnessError('STORE_CORRUPT', 'The device key ("device.key" in the key vault) cannot be read; see `witness verify`.');
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
        this.writeHealth.countUnrecorded();
        throw e;
      });
  }

  /**
   * An exchange began: a small frame, queued with the next write and never awaited, so that
   * if the engine dies before the exchange's record is durable, the next start finds the
   * start without a record and records the gap. `path` must be masked already. It runs
   * while the request is in flight (a fast upstream's answer may be waiting to be read), so
   * its frame is sealed with a cipher made ahead when one is there (JournalWriter.prepareSmall:
   * made again after each record's append, which runs when no exchange is young).
   */
  exchangeStarted(e: ExchangeStart): void {
    const journal = this.tail.journal;
    if (!journal || !this.writeHealth.ok) return;
    this.exchanges.started(e);
    journal.appendSmall(textFrame(Frame.Started, JSON.stringify(e))).durable.catch(() => undefined);
    this.sinceCompaction++; // so a clean close snapshots past it
  }

  /** Whether records can be kept now (the data path asks, for audit.onStoreFailure "block"). */
  canRecord(): boolean {
    return this.writeHealth.ok && this.tail.journal !== null;
  }

  get health(): StoreHealth {
    return this.writeHealth.state;
  }

  /**
   * A write failed (synchronously, before any waiting append resumes): nothing past
   * `durableBytes` of the current segment is on disk, so the head, and what later appends
   * would deduplicate against, go back to what is.
   */
  private writeFailed(e: Error, durableBytes: number) {
    this.chain.rollback();
    this.bodies.forget(this.tail.current, durableBytes);
    this.writeHealth.failed(e);
  }

  private async appendNow(i: Interaction): Promise<{ record: AuditRecord; durable: Promise<unknown> }> {
    const journal = this.tail.journal;
    if (!journal) throw new WitnessError('STORE_READ_ONLY', 'The audit store is open read-only (search, export, verify); only the engine appends records.');
    if (journal.end >= (this.opts.segmentBytes ?? SEGMENT_MAX)) await this.tail.nextSegment();
    const durables: Promise<void>[] = [];
    if (i.id) this.exchanges.ended(i.id);
    // What this append adds, written as one group frame (or a lone record frame).
    const { list, entries } = this.bodies.stage(i.messages);
    const placed: Array<{ table: 'blobs' | 'lists'; hash: string; loc: Loc }> = [];
    // Object.assign, not a spread: V8 promoted every spread copy of the interaction to the
    // old generation (measured: about 3 KB per append copied at each young-GC pause).
    const unsigned = Object.assign({} as Record<string, unknown>, i, {
      v: RECORD_VERSION,
      id: i.id && /^[0-9a-f-]{36}$/.test(i.id) ? i.id : uuidv7(Date.parse(i.time) || Date.now()),
      device: this.device,
      user: this.user,
      messages: list,
    });
    const group = entries.length > 0 ? groupPayload(entries) : null;
    const chars = textSize(i, group);
    // A big record is sealed in the worker while the event loop goes on; a write that failed
    // meanwhile moves the head back, and the record is then sealed again after the new head.
    let prev: { seq: number; hash: string };
    let sealed: { hash: string; frame: Buffer };
    do {
      prev = this.chain.current;
      Object.assign(unsigned, { seq: prev.seq + 1, prevHash: prev.hash });
      sealed = await this.sealer.seal(sealJob(prev.hash, unsigned, group?.payload ?? null, chars), chars);
    } while (this.chain.current.seq !== prev.seq || this.chain.current.hash !== prev.hash);
    unsigned.hash = sealed.hash;
    const record = unsigned as unknown as AuditRecord;
    let loc: Loc = this.tail.write(sealed.frame, durables);
    // The next exchanges' in-flight markers get their ciphers now, not while their requests are in flight.
    this.tail.journal?.prepareSmall(MARKER_CIPHERS);
    if (group) {
      const g = loc;
      entries.forEach((e, k) => {
        if (e.table) placed.push({ table: e.table, hash: e.hash, loc: { ...g, sub: group.subs[k]! } });
      });
      loc = { ...g, sub: group.payload.length };
    }
    for (const p of placed) this.bodies.written(p.table, p.hash, p.loc);
    const row = recordRow(record, loc);
    this.chain.set(record.seq, record.hash);
    const durable = Promise.all(durables).then(() => {
      this.chain.confirmed(record.seq, record.hash);
      for (const p of placed) this.index.queue(() => this.bodies.place(p.table, p.hash, p.loc));
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
      this.log.error('audit index snapshot could not be written; the next start replays more of the journal', { err: e });
    }
  }

  /** The record whose frame is at `loc`; throws when unreadable or not the expected seq. */
  recordAt(loc: Loc, expectSeq?: number): AuditRecord {
    return this.tail.recordAt(loc, expectSeq);
  }

  /** The messages of a stored list, oldest first. */
  listItems(hash: string | null): ReturnType<ContentStore['listItems']> {
    return this.bodies.listItems(hash);
  }

  /** A message body by hash; null when absent or unreadable. */
  blobText(hash: string): string | null {
    return this.bodies.blobText(hash);
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
    const journal = this.tail.journal;
    if (!journal || this.index.broken) return;
    this.index.commit();
    await journal.flush();
    setMeta(this.database, 'head', JSON.stringify(this.head));
    setMeta(this.database, 'replayFrom', JSON.stringify({ seg: this.tail.current, off: journal.end }));
    setMeta(this.database, 'openExchanges', this.exchanges.toJson());
    this.bodies.saveFilter();
    // sql.js ≥ 1.16 exports through the backup API: statements and pragmas survive it.
    writeSnapshot(join(this.dir, 'snapshot.bin'), this.key, this.database.export(), this.opts.snapshotChunkBytes);
    fsyncDir(this.dir);
    this.sinceCompaction = 0;
    this.writeCheckpoint();
  }

  writeCheckpoint(): Checkpoint | null {
    if (!this.signer) return null;
    const c = signCheckpoint(this.signer, { device: this.device, seq: this.chain.seq, hash: this.chain.hash, time: new Date().toISOString() });
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
    this.exchanges.closing = true;
    this.writeHealth.stop();
    await this.turn.catch(() => undefined);
    await this.sealer.close();
    this.index.syncOrReport();
    if (this.tail.journal) {
      if (this.sinceCompaction > 0) await this.compactNow();
      await this.tail.close();
    }
    this.st.free();
    this.segments.close();
    this.database.close();
  }

  /** Record by id, with message texts resolved (null if absent or unreadable). */
  get(id: string): ExportedRecord | null {
    return this.reader.byId(id);
  }

  resolve(r: AuditRecord): ExportedRecord {
    return this.reader.resolve(r);
  }

  /** Records in seq order (raw, blobs unresolved), optionally within a time range. An unreadable record is reported and skipped. */
  iterate(range: { since?: number; until?: number } = {}): Generator<AuditRecord> {
    return this.reader.iterate(range);
  }

  /** Where pruning left the chain: records up to `seq` were removed, `hash` was the last one's. */
  get pruned(): { seq: number; hash: string } {
    this.syncIndex();
    return this.retention.pruned;
  }

  /**
   * Retention: removes the oldest records older than `maxAgeMs` or beyond `maxBytes`
   * (never past what canPrune allows). The chain stays verifiable: the last removed
   * record's seq and hash become the new starting point, and a signed checkpoint is
   * written first. Message bodies no longer referenced go too, and segments holding only
   * removed data are deleted (what is still live in them is copied forward first).
   */
  async prune(limits: PruneLimits): Promise<{ removed: number; upTo: number }> {
    const run = this.turn.then(() => this.pruneNow(limits));
    this.turn = run.catch(() => undefined);
    return run;
  }

  private async pruneNow(limits: PruneLimits): Promise<{ removed: number; upTo: number }> {
    this.syncIndex();
    const boundary = this.retention.boundary(limits, this.chain.seq);
    if (!boundary || !this.tail.journal) return { removed: 0, upTo: this.pruned.seq };
    this.writeCheckpoint();
    const { removed, old } = await this.retention.cut(boundary);
    await this.compactNow();
    // The snapshot no longer points into the old segments: remove them.
    for (const n of old) this.segments.remove(n);
    return { removed, upTo: boundary.seq };
  }

  /** Recomputes the chain and every blob hash, reading every record and frame back from disk; names the first bad seq. */
  verify(): VerifyResult {
    this.syncIndex();
    return verifyStore({
      issues: this.issues,
      pruned: this.pruned,
      rows: () => this.reader.rows(),
      recordAt: (loc, seq) => this.recordAt(loc, seq),
      listItems: (hash) => this.listItems(hash),
      blobText: (hash) => this.blobText(hash),
      segments: this.segments,
      key: this.key,
      checkpoint: this.readCheckpoint(),
      signerPublicKey: this.signer?.publicKey ?? null,
      hashAt: (seq) => this.reader.hashAt(seq),
    });
  }
}
