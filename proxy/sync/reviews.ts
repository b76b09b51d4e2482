/**
 * Second reviews, device side (policy `reviews`): a held call is forwarded to the central
 * server (device-signed: requester identity, tool, masked preview, rule, the argument hash),
 * then the engine long-polls for the decision, retrying with backoff while the server is away.
 * A decision counts only when its signature verifies with the pinned server key
 * (sync.serverKeys) and it names this device, this hold and the exact argument hash; any
 * other answer denies the call. Signed out, not enrolled, or the server unreachable when the
 * hold is made: the policy default at once, with the reason. Never sends an unmasked value:
 * the preview is the masked view policy judged.
 */
import type { KeyObject } from 'node:crypto';
import { compactVerify, importJWK } from 'jose';
import type { Approval } from '../approvals/index.js';
import type { Logger } from '../log.js';
import {
  REVIEW_DECISION_TYP,
  REVIEW_REQUEST_TYP,
  ReviewDecisionPayloadSchema,
  ReviewSchema,
  ReviewWaitResponseSchema,
  ServerErrorSchema,
  type ReviewDecisionPayload,
  type ReviewDeviceRequest,
} from '../model/index.js';
import { signAsDevice, type PinnedKeys } from './wire.js';

/** What the forwarder tells the approval registry (proxy/approvals/registry.ts). */
export interface ReviewSink {
  pending(id: string): boolean;
  reviewNote(id: string, note: { id?: string; problem?: string | null }): void;
  reviewDecided(id: string, d: ReviewDecisionPayload): void;
  reviewUnavailable(id: string, problem: string, opts?: { deny?: boolean }): void;
}

export interface ReviewForwarderOptions {
  url: string;
  keys: PinnedKeys | null;
  device: () => { id: string; privateKey: KeyObject };
  enrolled: () => boolean;
  log: Logger;
  fetch?: typeof fetch;
  /** First retry delay while the server is away (doubles up to 5 s). */
  retryMs?: number;
}

/** The signed decision's content, once it verifies with the pinned server key (throws otherwise). */
export async function openReviewDecision(jws: string, keys: PinnedKeys): Promise<ReviewDecisionPayload> {
  let verified: Awaited<ReturnType<typeof compactVerify>>;
  try {
    verified = await compactVerify(jws, await importJWK(keys.signing, 'EdDSA'), { algorithms: ['EdDSA'] });
  } catch {
    throw new Error('its signature does not verify with the pinned server key (sync.serverKeys)');
  }
  if (verified.protectedHeader.typ !== REVIEW_DECISION_TYP) throw new Error(`it is not a review decision (typ ${String(verified.protectedHeader.typ)})`);
  const parsed = ReviewDecisionPayloadSchema.safeParse(JSON.parse(new TextDecoder().decode(verified.payload)));
  if (!parsed.success) throw new Error('its content is not a review decision');
  return parsed.data;
}

export class ReviewForwarder {
  private readonly abort = new AbortController();

  constructor(private readonly o: ReviewForwarderOptions) {}

  /** Forwards a reviewed hold and settles it through `sink` when the decision (or the lack of one) is known. */
  forward(a: Approval, sink: ReviewSink): void {
    void this.run(a, sink).catch((e: unknown) => {
      this.o.log.error('sync: second review failed', { approval: a.id, error: (e as Error).message });
      sink.reviewUnavailable(a.id, (e as Error).message, { deny: true });
    });
  }

  /** The hold ended on the device first (timeout, a local denial, the client left): tell the server. */
  withdraw(a: Approval): void {
    const r = a.review;
    if (!r?.id || r.serverSigned || this.abort.signal.aborted) return;
    const state = a.status === 'timed-out' ? ('timeout' as const) : ('withdrawn' as const);
    void this.send(`/api/v1/reviews/${encodeURIComponent(r.id)}/withdraw`, { v: 1, op: 'withdraw', device: this.o.device().id, at: new Date().toISOString(), review: r.id, state, reason: a.reason ?? a.status })
      .then((res) => res.body?.cancel())
      .catch(() => undefined); // best effort: the server times the review out by itself
  }

  stop(): void {
    this.abort.abort();
  }

  private async run(a: Approval, sink: ReviewSink): Promise<void> {
    await Promise.resolve(); // never settle inside the registry's request()
    const review = a.review!;
    if (!a.requesterIdentity?.signedIn) return sink.reviewUnavailable(a.id, 'nobody is signed in (`witness login`), so no reviewer can be asked on your behalf');
    if (!this.o.keys) return sink.reviewUnavailable(a.id, 'the central server\'s keys are not pinned (sync.serverKeys)');
    if (!this.o.enrolled()) return sink.reviewUnavailable(a.id, `this device is not enrolled with the central server ${this.o.url} yet`);
    const device = this.o.device().id;
    let res: Response;
    try {
      res = await this.send('/api/v1/reviews', {
        v: 1,
        op: 'open',
        device,
        at: new Date().toISOString(),
        hold: a.id,
        tool: a.tool,
        preview: a.arguments,
        ruleId: review.ruleId,
        reasons: a.reasons,
        group: review.group,
        argsHash: a.argsHash,
        requester: a.requesterIdentity,
        expiresAt: a.expiresAt,
      });
    } catch (e) {
      return sink.reviewUnavailable(a.id, `the central server ${this.o.url} cannot be reached (${unreachable(e)})`);
    }
    const body: unknown = await res.json().catch(() => null);
    const opened = ReviewSchema.safeParse(body);
    if (!res.ok || !opened.success) return sink.reviewUnavailable(a.id, `the central server refused the review (${refusal(res, body)})`);
    const serverId = opened.data.id;
    sink.reviewNote(a.id, { id: serverId });
    this.o.log.info('sync: hold forwarded for a second review', { approval: a.id, review: serverId, group: review.group });
    let failures = 0;
    while (sink.pending(a.id) && !this.abort.signal.aborted) {
      let answer: unknown;
      try {
        const r = await this.send(`/api/v1/reviews/${encodeURIComponent(serverId)}/wait`, { v: 1, op: 'wait', device, at: new Date().toISOString(), review: serverId });
        answer = await r.json().catch(() => null);
        if (!r.ok) throw new Error(refusal(r, answer));
        failures = 0;
        sink.reviewNote(a.id, { problem: null });
      } catch (e) {
        if (this.abort.signal.aborted) return;
        // The server is away: keep asking until the hold times out (the policy default then).
        sink.reviewNote(a.id, { problem: `the central server could not be reached while waiting (${unreachable(e)})` });
        await new Promise((r) => setTimeout(r, Math.min(5000, (this.o.retryMs ?? 250) * 2 ** Math.min(failures++, 5))).unref());
        continue;
      }
      const w = ReviewWaitResponseSchema.safeParse(answer);
      if (!w.success) continue;
      if (w.data.state === 'pending') continue;
      if (w.data.state === 'timeout' || w.data.state === 'withdrawn') return sink.reviewUnavailable(a.id, `the server closed the review (${w.data.state})`);
      let d: ReviewDecisionPayload;
      try {
        if (!w.data.decision) throw new Error('it is missing');
        d = await openReviewDecision(w.data.decision, this.o.keys);
        if (d.review !== serverId || d.device !== device) throw new Error(`it is for review ${d.review} of device "${d.device}"`);
        if (d.hold !== a.id || d.argsHash !== a.argsHash) throw new Error(d.hold !== a.id ? `it is for hold ${d.hold}` : 'it is bound to other arguments (hash mismatch)');
      } catch (e) {
        const problem = `the server's decision was refused: ${(e as Error).message}`;
        this.o.log.error('sync: ' + problem, { approval: a.id, review: serverId });
        return sink.reviewUnavailable(a.id, problem, { deny: true });
      }
      return sink.reviewDecided(a.id, d);
    }
  }

  private async send(path: string, payload: ReviewDeviceRequest): Promise<Response> {
    const body = await signAsDevice(payload, REVIEW_REQUEST_TYP, this.o.device().privateKey);
    return (this.o.fetch ?? fetch)(this.o.url + path, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/jose' },
      signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(60_000)]),
    });
  }
}

function unreachable(e: unknown): string {
  const err = e as Error & { cause?: { code?: string } };
  return err.cause?.code ?? err.message;
}

function refusal(res: Response, body: unknown): string {
  const err = ServerErrorSchema.safeParse(body);
  return err.success ? `${err.data.error.code}: ${err.data.error.message}` : `HTTP ${res.status}`;
}
