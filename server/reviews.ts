/**
 * Second reviews of held tool calls (policy `reviews` on the engine). A device forwards a
 * hold (device-signed JWS: identity, tool, masked preview, rule, the exact argument hash) and
 * long-polls for the decision; a reviewer in the review's group decides; the server signs the
 * decision with its `sig` key (the key of receipts and policy bundles) bound to the device,
 * the hold and the hash. The requester (the signed-in person who asked, and the device's
 * owner) can never approve their own: 403 SELF_REVIEW_REFUSED, kept as a security event, as
 * are denials and timeouts. Auditors read every review; only the group decides. Reviews end
 * decided (approved / denied), timeout (past expiresAt, or the device said so) or withdrawn.
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { CompactSign } from 'jose';
import {
  REVIEW_DECISION_TYP,
  REVIEW_REQUEST_TYP,
  REVIEW_STATES,
  ReviewDecisionRequestSchema,
  ReviewDeviceRequestSchema,
  type RecordIdentity,
  type Review,
  type ReviewDecisionPayload,
  type ReviewDeviceRequest,
  type ReviewState,
  type ReviewWaitResponse,
} from '../proxy/model/index.js';
import type { Caller } from './auth.js';
import { IngestRefusal } from './chain.js';
import type { Db, Queryable } from './db.js';
import { verifyDeviceSigned, type DeviceMessage } from './devices.js';
import type { ServerKeys } from './keys.js';

interface Row {
  id: string;
  device: string;
  hold: string;
  tool: string;
  preview: string;
  rule_id: string;
  reasons: string[] | string;
  review_group: string;
  args_hash: string;
  requester: RecordIdentity | string;
  owner_sub: string;
  requested_at: string | Date;
  expires_at: string | Date;
  state: ReviewState;
  decided_at: string | Date | null;
  reviewer: RecordIdentity | string | null;
  reason: string | null;
  jws: string | null;
}

const json = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);
const iso = (v: string | Date | null) => (v === null ? null : new Date(v).toISOString());

const view = (r: Row): Review => ({
  id: r.id,
  device: r.device,
  hold: r.hold,
  tool: r.tool,
  preview: r.preview,
  ruleId: r.rule_id,
  reasons: json(r.reasons),
  group: r.review_group,
  argsHash: r.args_hash,
  requester: json(r.requester),
  requestedAt: iso(r.requested_at)!,
  expiresAt: iso(r.expires_at)!,
  state: r.state,
  decidedAt: iso(r.decided_at),
  reviewer: r.reviewer === null ? null : json(r.reviewer),
  reason: r.reason,
  decision: r.jws,
});

/** How far a device's clock may be from the server's on a signed request (a replayed old request is refused). */
const SKEW_MS = 10 * 60_000;
/** The longest a review may stay open, whatever the device asks. */
const MAX_OPEN_MS = 24 * 3_600_000;

const REVIEW_REQUEST: DeviceMessage<ReviewDeviceRequest> = { typ: REVIEW_REQUEST_TYP, name: 'review request', schema: ReviewDeviceRequestSchema, invalidCode: 'BAD_REQUEST' };

export class Reviews {
  /** Decisions made on this node wake its waiting devices at once; other nodes' are found by re-reading. */
  private readonly decided = new EventEmitter().setMaxListeners(0);

  constructor(
    private readonly db: Db,
    private readonly keys: ServerKeys,
    /** The identity provider's issuer (a reviewer's identity names it). */
    private readonly issuer: string | null,
    private readonly now: () => Date,
    /** How long a device's wait is held open before it is answered "pending" (it asks again). */
    private readonly waitMs = 20_000,
  ) {}

  /** A device's signed request: open, wait or withdraw. */
  async device(jws: string, path: { id: string | null; op: 'open' | 'wait' | 'withdraw' }): Promise<{ status: number; body: Review | ReviewWaitResponse }> {
    const { device, ownerSub, payload } = await this.verifyDevice(jws);
    if (payload.op !== path.op || (path.id !== null && 'review' in payload && payload.review !== path.id))
      throw new IngestRefusal('BAD_REQUEST', `the signed request is a "${payload.op}" for another review than this route names`, 400);
    if (payload.op === 'open') {
      const now = this.now();
      const expires = Math.min(Date.parse(payload.expiresAt) || now.getTime(), now.getTime() + MAX_OPEN_MS);
      const id = randomUUID();
      await this.db.query(
        `INSERT INTO reviews (id, device, hold, tool, preview, rule_id, reasons, review_group, args_hash, requester, owner_sub, requested_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (device, hold) DO NOTHING`,
        [id, device, payload.hold, payload.tool, payload.preview, payload.ruleId, JSON.stringify(payload.reasons), payload.group, payload.argsHash, JSON.stringify(payload.requester), ownerSub, now.toISOString(), new Date(expires).toISOString()],
      );
      const row = (await this.db.query<Row>('SELECT * FROM reviews WHERE device = $1 AND hold = $2', [device, payload.hold]))[0]!;
      return { status: row.id === id ? 201 : 200, body: view(row) };
    }
    const row = await this.ofDevice(device, payload.review);
    if (payload.op === 'withdraw') {
      if (row.state === 'pending') {
        await this.close(this.db, row, payload.state, `${payload.state === 'timeout' ? 'no decision in time on the device' : 'withdrawn by the device'}: ${payload.reason}`);
      }
      return { status: 200, body: view(await this.ofDevice(device, payload.review)) };
    }
    return { status: 200, body: await this.wait(device, row) };
  }

  /** Reviews a reviewer may see: those of their groups; auditors see all (read only). */
  async list(caller: Caller, state: ReviewState | null): Promise<Review[]> {
    await this.expire();
    const rows = await this.db.query<Row>(
      `SELECT * FROM reviews WHERE ($1::text IS NULL OR state = $1) AND ($2 OR review_group = ANY($3)) ORDER BY requested_at DESC LIMIT 500`,
      [state, caller.auditor, caller.groups],
    );
    return rows.map(view);
  }

  /** A reviewer's decision, signed and bound to the hold's device, id and argument hash. */
  async decide(caller: Caller, id: string, body: unknown): Promise<Review> {
    const parsed = ReviewDecisionRequestSchema.safeParse(body);
    if (!parsed.success) {
      const i = parsed.error.issues[0]!;
      throw new IngestRefusal('BAD_REQUEST', `decision: ${i.path.join('.') || 'body'}: ${i.message}`, 400);
    }
    const d = parsed.data;
    await this.expire();
    const who = caller.email ?? caller.sub;
    const out = await this.db.tx(async (q) => {
      const row = (await q.query<Row>('SELECT * FROM reviews WHERE id = $1 FOR UPDATE', [id]))[0];
      if (!row) throw new IngestRefusal('NOT_FOUND', `no review ${id}`, 404);
      if (!caller.groups.includes(row.review_group))
        throw new IngestRefusal('REVIEWER_NOT_IN_GROUP', `${who} is not in ${row.review_group}, whose members alone decide this review${caller.auditor ? ' (auditors read reviews, they do not decide them)' : ''}`, 403);
      const requester = json(row.requester);
      if (d.decision === 'approve' && (caller.sub === row.owner_sub || (requester.signedIn && requester.sub === caller.sub))) {
        await q.query('INSERT INTO security_events (device, code, message) VALUES ($1, $2, $3)', [row.device, 'REVIEW_SELF_APPROVAL_REFUSED', `${who} tried to approve their own held ${row.tool} (review ${row.id}, rule ${row.rule_id})`]);
        return { refused: true as const };
      }
      if (row.state !== 'pending') throw new IngestRefusal('REVIEW_CLOSED', `review ${id} is ${row.state}: it can no longer be decided`, 409);
      if (d.argsHash !== row.args_hash) throw new IngestRefusal('REVIEW_STALE', `the arguments of review ${id} are not the ones you decided on (hash mismatch): review it again`, 409);
      const reviewer: RecordIdentity = { signedIn: true, sub: caller.sub, email: caller.email, name: null, groups: caller.groups, issuer: this.issuer };
      const payload: ReviewDecisionPayload = {
        v: 1,
        review: row.id,
        device: row.device,
        hold: row.hold,
        argsHash: row.args_hash,
        decision: d.decision,
        reviewer,
        reason: d.reason ?? null,
        decidedAt: this.now().toISOString(),
      };
      const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
        .setProtectedHeader({ alg: 'EdDSA', kid: this.keys.signing.kid, typ: REVIEW_DECISION_TYP })
        .sign(this.keys.signing.privateKey);
      const state: ReviewState = d.decision === 'approve' ? 'approved' : 'denied';
      const updated = (
        await q.query<Row>('UPDATE reviews SET state = $2, decided_at = $3, reviewer = $4, reason = $5, jws = $6 WHERE id = $1 RETURNING *', [id, state, payload.decidedAt, JSON.stringify(reviewer), payload.reason, jws])
      )[0]!;
      if (state === 'denied')
        await q.query('INSERT INTO security_events (device, code, message) VALUES ($1, $2, $3)', [row.device, 'REVIEW_DENIED', `${who} denied held ${row.tool} (review ${row.id}, rule ${row.rule_id})`]);
      return { refused: false as const, review: view(updated) };
    });
    // Outside the transaction: the security event of a refused self-approval is kept.
    if (out.refused) throw new IngestRefusal('SELF_REVIEW_REFUSED', `${who} requested this call and may never approve it: another member of the group must decide`, 403);
    this.decided.emit(id);
    return out.review;
  }

  /** Pending reviews past their time become `timeout`, each a security event. */
  private async expire(): Promise<void> {
    const rows = await this.db.query<Row>(`SELECT * FROM reviews WHERE state = 'pending' AND expires_at < $1`, [this.now().toISOString()]);
    for (const r of rows) await this.close(this.db, r, 'timeout', 'no reviewer decided in time');
  }

  private async close(q: Queryable, row: Row, state: 'timeout' | 'withdrawn', reason: string) {
    const done = await q.query<Row>(`UPDATE reviews SET state = $2, decided_at = $3, reason = $4 WHERE id = $1 AND state = 'pending' RETURNING *`, [row.id, state, this.now().toISOString(), reason]);
    if (done.length && state === 'timeout')
      await q.query('INSERT INTO security_events (device, code, message) VALUES ($1, $2, $3)', [row.device, 'REVIEW_TIMED_OUT', `held ${row.tool} (review ${row.id}, rule ${row.rule_id}): ${reason}`]);
    if (done.length) this.decided.emit(row.id);
  }

  /** Answers at once when decided; otherwise when a decision arrives, or "pending" after waitMs (the device asks again). */
  private async wait(device: string, first: Row): Promise<ReviewWaitResponse> {
    const deadline = Date.now() + this.waitMs;
    let row = first;
    while (row.state === 'pending' && Date.now() < deadline) {
      if (new Date(row.expires_at).getTime() < this.now().getTime()) {
        await this.expire();
      } else {
        await new Promise<void>((resolve) => {
          // Another node's decision is found by reading again every second.
          const done = () => {
            clearTimeout(t);
            this.decided.off(row.id, done);
            resolve();
          };
          const t = setTimeout(done, Math.min(1000, Math.max(0, deadline - Date.now())));
          this.decided.on(row.id, done);
        });
      }
      row = await this.ofDevice(device, row.id);
    }
    return { id: row.id, state: row.state, decision: row.jws };
  }

  private async ofDevice(device: string, id: string): Promise<Row> {
    const row = (await this.db.query<Row>('SELECT * FROM reviews WHERE id = $1 AND device = $2', [id, device]))[0];
    if (!row) throw new IngestRefusal('NOT_FOUND', `no review ${id} of device "${device}"`, 404);
    return row;
  }

  /** The request's device, verified against its enrolled key (kid = device id, jkt = the key's thumbprint). */
  private async verifyDevice(jws: string): Promise<{ device: string; ownerSub: string; payload: ReviewDeviceRequest }> {
    const { device, row, payload } = await verifyDeviceSigned(this.db, jws, REVIEW_REQUEST);
    const at = Date.parse(payload.at);
    if (payload.device !== device || !(Math.abs(at - this.now().getTime()) <= SKEW_MS))
      throw new IngestRefusal('BAD_REQUEST', 'the review request names another device, or its time is more than 10 minutes from the server\'s (replayed?)', 400);
    return { device, ownerSub: row.owner_sub, payload };
  }
}

/**
 * The review routes (docs/server.md); null when the path is not one of them. Device routes
 * take application/jose and need no token; the others take the caller's Bearer token.
 */
export async function reviewRoute(
  reviews: Reviews,
  req: IncomingMessage,
  url: URL,
  io: { body(): Promise<string>; caller(): Promise<Caller> },
): Promise<{ status: number; body: unknown } | null> {
  const path = url.pathname;
  if (path === '/api/v1/reviews' && req.method === 'POST') return reviews.device(await io.body(), { id: null, op: 'open' });
  const m = /^\/api\/v1\/reviews\/([^/]+)\/(wait|withdraw|decision)$/.exec(path);
  if (m && req.method === 'POST' && m[2] !== 'decision') return reviews.device(await io.body(), { id: decodeURIComponent(m[1]!), op: m[2] as 'wait' | 'withdraw' });
  if (path === '/api/v1/reviews' && req.method === 'GET') {
    const caller = await io.caller();
    const state = url.searchParams.get('state');
    if (state !== null && !(REVIEW_STATES as readonly string[]).includes(state)) throw new IngestRefusal('BAD_REQUEST', `state: one of ${REVIEW_STATES.join(', ')}`, 400);
    return { status: 200, body: { items: await reviews.list(caller, state as ReviewState | null) } };
  }
  if (m && req.method === 'POST') {
    const caller = await io.caller();
    return { status: 200, body: await reviews.decide(caller, decodeURIComponent(m[1]!), JSON.parse((await io.body()) || '{}')) };
  }
  return null;
}
