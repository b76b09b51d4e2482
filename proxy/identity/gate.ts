/**
 * Identity on the data path: who was signed in when a request arrived (every record carries
 * it; signed out is said explicitly), and the refusal policy `identity.requireSignIn` gives
 * while nobody is. The refusal is a message only: the Inspector answers it in the client's
 * own protocol and sends nothing upstream. Never sees or stores a token.
 *
 * The data path's identity stage (pipeline/stages/identity.ts) calls `judge()` for each
 * request; the engine calls `stamp()` on every record it stores.
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
  method: string;
  host: string;
  path: string;
  /** Whether the request has a body (an unclassified request with one may carry code). */
  hasBody: boolean;
}

export class IdentityGate {
  constructor(private readonly opts: IdentityGateOptions) {}

  /** At request arrival: who asks (the record carries it), and the refusal when sign-in is required. */
  judge(req: GatedRequest): GateVerdict {
    const identity = recordIdentity(this.opts.session());
    if (identity.signedIn || !this.opts.requireSignIn()) return { identity };
    const kind = classifyEndpoint(req.method, req.host, req.path);
    if (METADATA.has(kind) || (kind === 'other' && !req.hasBody)) return { identity };
    return { identity, refusal: SIGN_IN_REQUIRED_MESSAGE };
  }

  /**
   * A record as stored always says who: the identity judged when its request arrived (the
   * identity stage put it there), else, for records made outside an exchange (tunnels while
   * interception is paused, WebSockets let through), who is signed in as it is written.
   */
  stamp(i: Interaction): Interaction {
    return i.identity ? i : { ...i, identity: recordIdentity(this.opts.session()) };
  }
}
