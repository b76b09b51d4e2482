/**
 * Ingest: a device's batch is a compact JWS (EdDSA, signed with the device key enrolled for
 * it) around a compact JWE (ECDH-ES+A256KW / A256GCM, to the server's encryption key). The
 * server checks the signature against the enrolled key, decrypts, checks the records' chain
 * (chain.ts), then, holding the device's row lock (so nodes sharing a database serialize per
 * device), that the batch continues the anchored head: records already stored are skipped
 * when identical (exactly-once storage) and refused as a fork when not. It stores the new
 * records and answers with a receipt of the new head, signed with the server's key. Every
 * batch is kept as received (evidence); every refusal is a security event. Never logs
 * record text.
 */
import { KeyObject, type JsonWebKey } from 'node:crypto';
import { calculateJwkThumbprint, decodeProtectedHeader, type JWK } from 'jose';
import { BATCH_TYP, BatchPayloadSchema, RECEIPT_TYP, type BatchPayload, type IngestResponse, type ReceiptPayload } from '../proxy/model/index.js';
import { compactEvidence, decryptEcdhEsA256kw, Scratch, signEdDsaCompact, verifyEdDsaCompact } from './batch-crypto.js';
import { checkBatchChain, IngestRefusal } from './chain.js';
import type { Db, Queryable } from './db.js';
import type { ServerKeys } from './keys.js';
import type { Partitions } from './partitions.js';

export { BATCH_TYP, RECEIPT_TYP };

interface DeviceRow {
  device: string;
  public_key: JWK | string;
  owner_sub: string;
  revoked_at: string | null;
  head_seq: string | number | null;
  head_hash: string | null;
  history: unknown;
}

export type IngestResult = { status: 200; body: IngestResponse } | { status: number; body: { error: { code: string; message: string }; receipt?: string } };

function jwkOf(v: JWK | string): JWK {
  return typeof v === 'string' ? (JSON.parse(v) as JWK) : v;
}

export class Ingest {
  /** Enrolled key → its RFC 7638 thumbprint (a WebCrypto digest each batch otherwise); bounded, keyed by the key itself. */
  private readonly thumbprints = new Map<string, string>();
  private signingKey: KeyObject | undefined;
  /**
   * Space for an opened batch's intermediate bytes (batch-crypto.ts), reused batch after batch:
   * one per batch in flight, taken when it arrives and given back when it is answered (its
   * ciphertext is the stored evidence, so it must outlive the awaits before the store).
   */
  private readonly scratches: Scratch[] = [];
  /** The store statement for a row set sent in n pieces, by n. */
  private readonly storeBatch = new Map<number, string>();

  constructor(
    private readonly db: Db,
    private readonly keys: ServerKeys,
    private readonly partitions: Partitions,
  ) {
  }

  /** `raw` is the request body as received; its bytes are what the signature is checked over and what is kept as evidence. */
  async receive(raw: Buffer | string): Promise<IngestResult> {
    // The body stays bytes: the evidence column is bytea (migration 8), sent to the database as
    // a binary parameter, and the signature is verified over a view of them. Only the header
    // segment is read as a string (a compact JWS is ASCII; a byte over 0x7f fails its decoding).
    const body = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
    let device: string | null = null;
    let batchId: string | null = null;
    const scratch = this.scratches.pop() ?? new Scratch();
    try {
      const header = (() => {
        try {
          const first = body.indexOf(0x2e);
          const second = first < 0 ? -1 : body.indexOf(0x2e, first + 1);
          if (second < 0 || body.indexOf(0x2e, second + 1) >= 0) throw new Error('not three parts');
          return decodeProtectedHeader({ protected: body.toString('latin1', 0, first) });
        } catch {
          throw new IngestRefusal('BATCH_MALFORMED', 'the body is not a compact JWS', 400);
        }
      })();
      if (header.typ !== BATCH_TYP || header.alg !== 'EdDSA' || typeof header.kid !== 'string')
        throw new IngestRefusal('BATCH_MALFORMED', `a batch is a JWS with typ "${BATCH_TYP}", alg EdDSA and the device id as kid`, 400);
      device = header.kid;
      const row = (await this.db.query<DeviceRow>('SELECT * FROM devices WHERE device = $1', [device]))[0];
      if (!row) throw new IngestRefusal('DEVICE_UNKNOWN', `device "${device}" is not enrolled: sign in on the device so it enrols itself`, 403);
      if (row.revoked_at) throw new IngestRefusal('DEVICE_REVOKED', `device "${device}" was revoked on ${new Date(row.revoked_at).toISOString()}: its batches are refused until an admin re-enrols it`, 403);
      const enrolled = jwkOf(row.public_key);
      const enrolledTp = await this.thumbprint(enrolled);
      if (header.jkt !== enrolledTp)
        throw new IngestRefusal('DEVICE_KEY_MISMATCH', `the batch was signed with key ${String(header.jkt)}, but device "${device}" is enrolled with key ${enrolledTp}`, 403);
      let jwe: Buffer;
      try {
        jwe = verifyEdDsaCompact(body, enrolled as JsonWebKey, scratch);
      } catch {
        throw new IngestRefusal('BATCH_SIGNATURE_INVALID', `the batch's signature does not verify with device "${device}"'s key: it was modified after signing`, 400);
      }
      let plain: string;
      const opened: { ciphertext?: Buffer } = {};
      try {
        plain = decryptEcdhEsA256kw(jwe, this.keys.encryption.privateKey, scratch, opened).toString('utf8');
      } catch {
        throw new IngestRefusal('BATCH_UNDECRYPTABLE', `the batch cannot be decrypted with this server's key ${this.keys.encryption.kid}: pin this server's keys (witness-server keys --json)`, 400);
      }
      let batch: BatchPayload;
      try {
        batch = BatchPayloadSchema.parse(JSON.parse(plain));
      } catch (e) {
        throw new IngestRefusal('BATCH_MALFORMED', `the batch's content is not a batch: ${(e as Error).message.split('\n')[0]}`, 400);
      }
      batchId = batch.batchId;
      if (batch.device !== device) throw new IngestRefusal('BATCH_MALFORMED', `the batch names device "${batch.device}" but is signed as "${device}"`, 400);
      checkBatchChain(batch);
      const evidence = compactEvidence(body, jwe, opened.ciphertext!) ?? { frame: null, ciphertext: body };
      await this.partitions.ensure(batch.records.map((r) => String(r.record.time)));
      return { status: 200, body: await this.db.tx((q) => this.store(q, batch, row.owner_sub, evidence)) };
    } catch (e) {
      if (!(e instanceof IngestRefusal)) throw e;
      const receipt = e.code === 'BATCH_DUPLICATE' && device ? await this.latestReceipt(device) : undefined;
      await this.refused(device, batchId, e, body);
      return { status: e.status, body: { error: { code: e.code, message: e.message }, ...(receipt ? { receipt } : {}) } };
    } finally {
      if (this.scratches.length < 16) this.scratches.push(scratch);
    }
  }

  /**
   * Three round trips inside the transaction whatever the batch size: the device's row lock
   * with the replay check, the stored overlap (only when the batch re-sends stored seqs), and
   * one statement that writes the evidence, the rows, the new head and the receipt.
   */
  private async store(q: Queryable, batch: BatchPayload, ownerSub: string, evidence: { frame: string | null; ciphertext: Buffer }): Promise<IngestResponse> {
    const row = (
      await q.query<DeviceRow & { replayed: boolean }>(
        `SELECT d.revoked_at, d.head_seq, d.head_hash, EXISTS (SELECT 1 FROM batches WHERE batch_id = $2 AND outcome = 'accepted') AS replayed
         FROM devices d WHERE d.device = $1 FOR UPDATE OF d`,
        [batch.device, batch.batchId],
      )
    )[0]!;
    if (row.revoked_at) throw new IngestRefusal('DEVICE_REVOKED', `device "${batch.device}" was revoked`, 403);
    if (row.replayed) throw new IngestRefusal('BATCH_REPLAY', `batch ${batch.batchId} was already received: a replayed batch is refused`, 409);
    const headSeq = row.head_seq === null ? null : Number(row.head_seq);
    let fresh = batch.records;
    if (headSeq !== null) {
      if (batch.from.seq > headSeq)
        throw new IngestRefusal('CHAIN_GAP', `the server holds device "${batch.device}" up to seq ${headSeq}; the batch starts after seq ${batch.from.seq}: records ${headSeq + 1}..${batch.from.seq} are missing`, 409);
      if (batch.from.seq === headSeq && batch.from.hash !== row.head_hash)
        throw new IngestRefusal('CHAIN_FORK', `the batch continues seq ${headSeq} from another hash than the anchored head: the chain was rewritten after it was receipted`, 409);
      const overlap = batch.records.filter((r) => (r.record.seq as number) <= headSeq);
      if (overlap.length || batch.from.seq < headSeq) {
        const stored = new Map(
          (await q.query<{ seq: string | number; hash: string }>('SELECT seq, hash FROM records WHERE device = $1 AND seq >= $2 AND seq <= $3', [batch.device, batch.from.seq, headSeq])).map((r) => [
            Number(r.seq),
            r.hash,
          ]),
        );
        const fromStored = stored.get(batch.from.seq);
        if (batch.from.seq > 0 && fromStored !== undefined && fromStored !== batch.from.hash)
          throw new IngestRefusal('CHAIN_FORK', `seq ${batch.from.seq} differs from the record the server stored: the chain was rewritten after it was receipted`, 409);
        for (const r of overlap) {
          const s = stored.get(r.record.seq as number);
          if (s !== undefined && s !== r.record.hash)
            throw new IngestRefusal('CHAIN_FORK', `record seq ${String(r.record.seq)} differs from the one the server stored (and receipted): the chain was rewritten`, 409);
        }
        fresh = batch.records.filter((r) => (r.record.seq as number) > headSeq);
        if (!fresh.length) throw new IngestRefusal('BATCH_DUPLICATE', `every record of batch ${batch.batchId} is stored already (up to seq ${headSeq}); nothing was added`, 409);
      }
    }
    const last = fresh[fresh.length - 1]!.record as { seq: number; hash: string };
    const receivedAt = new Date().toISOString();
    const payload: ReceiptPayload = { v: 1, device: batch.device, seq: last.seq, hash: last.hash, batchId: batch.batchId, stored: fresh.length, receivedAt };
    const receipt = this.sign(payload);
    const pieces = rowSetPieces(fresh.map((r) => JSON.stringify(recordRow(r, ownerSub))));
    let sql = this.storeBatch.get(pieces.length);
    if (sql === undefined) this.storeBatch.set(pieces.length, (sql = storeBatchSql(this.db.byteaParam(5), pieces.length)));
    await q.query(sql, [
      batch.batchId,
      batch.device,
      batch.from.seq,
      batch.records[batch.records.length - 1]!.record.seq,
      this.db.bytea(evidence.ciphertext),
      pieces[0],
      last.seq,
      last.hash,
      receivedAt,
      receipt,
      evidence.frame,
      ...pieces.slice(1),
    ]);
    return { receipt, seq: last.seq, hash: last.hash, stored: fresh.length };
  }

  private async thumbprint(jwk: JWK): Promise<string> {
    const k = JSON.stringify([jwk.kty, jwk.crv, jwk.x, jwk.y, jwk.n, jwk.e]);
    let tp = this.thumbprints.get(k);
    if (tp === undefined) {
      tp = await calculateJwkThumbprint(jwk);
      if (this.thumbprints.size >= 10_000) this.thumbprints.clear();
      this.thumbprints.set(k, tp);
    }
    return tp;
  }

  /** The receipt, signed with node:crypto directly (batch-crypto.ts: no WebCrypto job and promise per batch). */
  private sign(payload: ReceiptPayload): string {
    const key = (this.signingKey ??= KeyObject.from(this.keys.signing.privateKey));
    return signEdDsaCompact({ alg: 'EdDSA', kid: this.keys.signing.kid, typ: RECEIPT_TYP }, JSON.stringify(payload), key);
  }

  private async latestReceipt(device: string): Promise<string | undefined> {
    return (await this.db.query<{ jws: string }>('SELECT jws FROM receipts WHERE device = $1 ORDER BY seq DESC LIMIT 1', [device]))[0]?.jws;
  }

  private async refused(device: string | null, batchId: string | null, e: IngestRefusal, body: Buffer) {
    await this.db.tx(async (q) => {
      const rid = (await q.query<{ rid: string }>(`INSERT INTO batches (batch_id, device, outcome, code, body) VALUES ($1, $2, $3, $4, ${this.db.byteaParam(5)}) RETURNING rid`, [batchId, device, 'refused', e.code, this.db.bytea(body)]))[0]!.rid;
      await q.query('INSERT INTO security_events (device, code, message, batch_rid) VALUES ($1, $2, $3, $4)', [device, e.code, e.message, rid]);
    });
  }
}

const COLUMNS: Array<[string, string]> = [
  ['ts', 'timestamptz'],
  ['id', 'text'],
  ['device', 'text'],
  ['seq', 'bigint'],
  ['hash', 'text'],
  ['owner_sub', 'text'],
  ['user_name', 'text'],
  ['identity_sub', 'text'],
  ['identity_email', 'text'],
  ['client', 'text'],
  ['model', 'text'],
  ['endpoint', 'text'],
  ['decision', 'text'],
  ['status', 'text'],
  ['maskings', 'int'],
  ['prompt', 'text'],
  ['response', 'text'],
  ['tools', 'text'],
  ['body', 'text'],
];
const RECORD_COLUMNS = COLUMNS.map((c) => c[0]).join(', ');
const COLUMN_TYPES = COLUMNS.map((c) => `${c[0]} ${c[1]}`).join(', ');
/**
 * The row set as a few JSON arrays of at most ~48K characters each (whole rows, in order; a
 * longer row is an array of its own). One JSON text of a 100-row batch is
 * ~230 KB: `JSON.stringify` leaves it a rope of parts that the driver's `Buffer.byteLength`
 * flattens into a new string over V8's 128 KB regular-object limit, i.e. a large object mapped
 * fresh and faulted in page by page every batch (the driver's byteLength was ~12 % of the
 * node's ingest CPU in a profile). Each piece is a regular young-generation string, and a
 * row set of its own to the statement (`UNION ALL`, in order): joining them in SQL instead
 * (`$6 || $12 …`) made the planner fold the concatenation into fresh ~230 KB copies, ~14 % of
 * the backend's CPU in a profile.
 */
export const PIECE = 48 * 1024;
export function rowSetPieces(rows: string[]): string[] {
  const pieces: string[] = [];
  let start = 0;
  let size = 0;
  const cut = (end: number) => {
    const s = rows.slice(start, end).join(',');
    pieces.push(`[${s}]`);
    start = end;
    size = 0;
  };
  for (let i = 0; i < rows.length; i++) {
    if (size > 0 && size + rows[i]!.length > PIECE) cut(i);
    size += rows[i]!.length + 1;
  }
  cut(rows.length);
  return pieces;
}

// One statement, one row set for all rows (decoded by PostgreSQL, not 2,000 bind values; its
// rows in a few parameters, rowSetPieces above; json, not jsonb: read once, no binary form built first); the tsvector is computed by the records table's generated column in the same statement.
const storeBatchSql = (evidence: string, pieces: number) => `WITH b AS (
  INSERT INTO batches (batch_id, device, outcome, from_seq, to_seq, body, body_frame) VALUES ($1, $2, 'accepted', $3, $4, ${evidence}, $11) RETURNING rid
), r AS (
  INSERT INTO records (${RECORD_COLUMNS}, batch_rid)
  SELECT ${RECORD_COLUMNS}, (SELECT rid FROM b) FROM (${['$6', ...Array.from({ length: pieces - 1 }, (_, i) => `$${12 + i}`)].map((p) => `SELECT * FROM json_to_recordset(${p}::json) AS x(${COLUMN_TYPES})`).join(' UNION ALL ')}) AS x
), d AS (
  UPDATE devices SET head_seq = $7, head_hash = $8, head_at = $9 WHERE device = $2
)
INSERT INTO receipts (device, seq, hash, jws) VALUES ($2, $7, $8, $10) ON CONFLICT (device, seq) DO NOTHING`;

function recordRow({ record, messages }: BatchPayload['records'][number], ownerSub: string) {
  const r = record as Record<string, any>;
  const identity = r.identity as { sub?: string | null; email?: string | null } | undefined;
  const toolCalls = Array.isArray(r.toolCalls) ? (r.toolCalls as Array<{ name: string; arguments: string }>) : [];
  const maskings = Array.isArray(r.maskings) ? (r.maskings as Array<{ count: number }>).reduce((n, m) => n + (Number(m.count) || 0), 0) : 0;
  return {
    ts: r.time,
    id: r.id,
    device: r.device,
    seq: r.seq,
    hash: r.hash,
    owner_sub: ownerSub,
    user_name: String(r.user ?? ''),
    identity_sub: identity?.sub ?? null,
    identity_email: identity?.email ?? null,
    client: r.client?.editor ?? null,
    model: r.model ?? null,
    endpoint: String(r.endpoint ?? 'other'),
    decision: String(r.decision ?? ''),
    status: String(r.status ?? ''),
    maskings,
    prompt: String(r.prompt ?? ''),
    response: String(r.response ?? ''),
    tools: toolCalls.map((c) => `${c.name} ${c.arguments}`).join('\n'),
    body: JSON.stringify({ ...r, messages }),
  };
}
