/**
 * Identity on the data path: who was signed in when a request arrived (every record carries
 * it; signed out is said explicitly), and the refusal policy `identity.requireSignIn` gives
 * while nobody is. The refusal is a message only: the Inspector answers it in the client's
 * own protocol and sends nothing upstream. Never sees or stores a token.
 *
 * One small seam so the data path can take it as a stage: `judge()` at request arrival,
 * `stamp()` when the record is made, `end()` when the exchange is over.
 */
import type { Interaction, RecordIdentity } from '../model/index.js';
import { classifyEndpoint, type EndpointKind } from '../protocols/index.js';
import type { IdentitySession } from './session.js';

/** What a Copilot client shows while sign-in is required and nobody is signed in. */
export const SIGN_IN_REQUIRED_MESSAGE = 'Sign in to Witness to use Copilot: run `witness login`';

/** The rule id a refused request's record names. */
export const SIGN_IN_RULE_ID = 'identity:sign-in-required';

/**
 * Kinds that pass while signed out even when sign-in is required: the Copilot token exchange
 * and the model list carry no prompt or code, and without them the client never gets as far
 * as a chat request, so the person would see Copilot's own "not signed in" error instead of
 * ours. Everything else, and any request with a body to an unclassified endpoint, is refused.
 */
const METADATA: ReadonlySet<EndpointKind> = new Set(['token', 'models']);

export const SIGNED_OUT: RecordIdentity = Object.freeze({ signedIn: false, sub: null, email: null, name: null, groups: [], issuer: null }) as RecordIdentity;

/** The identity a record or decision carries for this session (no token, no expiry). */
export function recordIdentity(session: IdentitySession | null): RecordIdentity {
  if (!session) return { ...SIGNED_OUT, groups: [] };
  return { signedIn: true, sub: session.sub, email: session.email, name: session.name, groups: [...session.groups], issuer: session.issuer };
}

export interface GateVerdict {
  identity: RecordIdentity;
  /** Set when the request must not go on: the message to answer it with. */
  refusal?: string;
}

export interface IdentityGateOptions {
  /** The signed-in person now, or null. */
  session(): IdentitySession | null;
  /** Policy identity.requireSignIn, as in force for the exchange being judged. */
  requireSignIn(): boolean;
}

export interface GatedRequest {
  id: string;
  method: string;
  host: string;
  path: string;
  /** Whether the request has a body (an unclassified request with one may carry code). */
  hasBody: boolean;
}

export class IdentityGate {
  private readonly byExchange = new Map<string, RecordIdentity>();

  constructor(private readonly opts: IdentityGateOptions) {}

  /** At request arrival: who asks (kept for the record), and the refusal when sign-in is required. */
  judge(req: GatedRequest): GateVerdict {
    const identity = recordIdentity(this.opts.session());
    this.byExchange.set(req.id, identity);
    if (identity.signedIn || !this.opts.requireSignIn()) return { identity };
    const kind = classifyEndpoint(req.method, req.host, req.path);
    if (METADATA.has(kind) || (kind === 'other' && !req.hasBody)) return { identity };
    return { identity, refusal: SIGN_IN_REQUIRED_MESSAGE };
  }

  /**
   * The record as stored: `identity` as judged when its request arrived (records made outside
   * an exchange, such as paused tunnels, take who is signed in now), and each approval in its
   * trail with the approver's verified identity.
   */
  stamp(i: Interaction, approverIdentityOf: (approvalId: string) => RecordIdentity | null | undefined): Interaction {
    const identity = this.byExchange.get(i.id) ?? recordIdentity(this.opts.session());
    this.byExchange.delete(i.id);
    const approvals = i.approvals.map((a) => (a.id && a.approverIdentity === undefined ? { ...a, approverIdentity: approverIdentityOf(a.id) ?? null } : a));
    return { ...i, identity, approvals };
  }

  /** The exchange is over (recorded or not): forget it. */
  end(exchangeId: string): void {
    this.byExchange.delete(exchangeId);
  }
}
