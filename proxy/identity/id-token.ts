/**
 * ID token validation with jose (OIDC Core §3.1.3.7), done by Witness itself rather than
 * trusted from the token endpoint's TLS: signature with the provider's JWKS (asymmetric
 * algorithms only: `alg: none` and HMAC are refused, so nobody can sign with the public key as
 * a shared secret), `iss`, `aud`, `azp`, `exp`/`nbf`/`iat` with a small leeway, `nonce`, `sub`.
 * Every refusal is a TokenRefusedError naming the claim and saying why.
 * Never puts a token (or any part of one but claim values) in an error or a log.
 */
import { decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { WitnessError } from '../errors.js';
import type { JwksCache } from './jwks.js';

/** Signature algorithms accepted for provider keys: public-key algorithms only. */
export const ACCEPTED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;

export type RefusedClaim = 'token' | 'alg' | 'kid' | 'signature' | 'iss' | 'aud' | 'azp' | 'exp' | 'nbf' | 'iat' | 'nonce' | 'sub';

export class TokenRefusedError extends WitnessError {
  constructor(
    readonly claim: RefusedClaim,
    reason: string,
  ) {
    super('IDENTITY_TOKEN_REFUSED', `ID token refused (${claim}): ${reason}`);
  }
}

export interface IdTokenValidatorOptions {
  /** The issuer from discovery: `iss` must equal it exactly. */
  issuer: string;
  /** Our client id: `aud` must contain it; `azp`, when present, must equal it. */
  clientId: string;
  jwks: JwksCache;
  /** Milliseconds since the epoch. */
  now?: () => number;
  /** Clock skew tolerated on exp/nbf/iat, seconds. Default 60. */
  leewaySeconds?: number;
}

export interface IdTokenExpectations {
  /** The nonce sent with the authorization request (code flow); undefined: none was sent. */
  nonce?: string;
  /** On refresh: the `sub` of the session (OIDC Core §12.2 — it must not change). */
  sub?: string;
  /** On refresh: the original nonce, which a refreshed ID token may repeat but not change. */
  nonceIfPresent?: string | null;
}

export interface ValidatedIdToken {
  claims: JWTPayload & Record<string, unknown>;
  /** exp in milliseconds since the epoch. */
  expiresAt: number;
}

export class IdTokenValidator {
  constructor(private readonly opts: IdTokenValidatorOptions) {}

  async validate(token: string, expect: IdTokenExpectations = {}): Promise<ValidatedIdToken> {
    const now = (this.opts.now ?? Date.now)();
    const leeway = this.opts.leewaySeconds ?? 60;
    if (typeof token !== 'string' || token.split('.').length !== 3) throw new TokenRefusedError('token', 'not a signed JWT (expected three dot-separated parts; encrypted ID tokens are not supported).');
    let header: { alg?: unknown; kid?: unknown };
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw new TokenRefusedError('token', 'the JOSE header is not valid base64url JSON.');
    }
    const alg = header.alg;
    if (typeof alg !== 'string') throw new TokenRefusedError('alg', 'the header has no alg.');
    if (alg.toLowerCase() === 'none') throw new TokenRefusedError('alg', 'alg "none" means an unsigned token; ID tokens must be signed by the identity provider.');
    if (/^HS\d+$/i.test(alg)) {
      throw new TokenRefusedError('alg', `alg "${alg}" is an HMAC (shared-secret) algorithm; an identity provider's tokens must be signed with its private key and verified with its published public key.`);
    }
    if (!(ACCEPTED_ALGORITHMS as readonly string[]).includes(alg)) throw new TokenRefusedError('alg', `alg "${alg}" is not an accepted signature algorithm (${ACCEPTED_ALGORITHMS.join(', ')}).`);
    const kid = typeof header.kid === 'string' ? header.kid : undefined;

    const lookup = await this.opts.jwks.keyFor({ alg, ...(kid !== undefined ? { kid } : {}) });
    if (!lookup.found) {
      throw new TokenRefusedError(
        'kid',
        `${kid === undefined ? 'the token names no kid and the provider publishes several keys' : `kid "${kid}" is not among the identity provider's signing keys`}` +
          `${lookup.refetched ? ' (its key set was fetched again)' : ' (its key set was fetched moments ago; not fetched again yet)'}; known: ${lookup.kids.join(', ') || 'none'}.`,
      );
    }

    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(token, lookup.key, { algorithms: [alg], currentDate: new Date(now), clockTolerance: leeway }));
    } catch (e) {
      throw this.explain(e, token, now, leeway);
    }

    // Claims checked here rather than by jose, so each message says what was expected.
    if (claims.iss !== this.opts.issuer) throw new TokenRefusedError('iss', `iss is ${JSON.stringify(claims.iss ?? null)}, expected "${this.opts.issuer}".`);
    const aud = claims.aud === undefined ? [] : Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!aud.includes(this.opts.clientId)) throw new TokenRefusedError('aud', `aud ${JSON.stringify(claims.aud ?? null)} does not include this client's id "${this.opts.clientId}".`);
    const azp = (claims as { azp?: unknown }).azp;
    if (azp !== undefined && azp !== this.opts.clientId) throw new TokenRefusedError('azp', `azp is ${JSON.stringify(azp)}, expected "${this.opts.clientId}".`);
    if (aud.length > 1 && azp === undefined) throw new TokenRefusedError('azp', `aud lists several audiences (${aud.join(', ')}) but there is no azp naming "${this.opts.clientId}".`);
    if (typeof claims.exp !== 'number') throw new TokenRefusedError('exp', 'the token has no exp (expiry).');
    if (typeof claims.iat !== 'number') throw new TokenRefusedError('iat', 'the token has no iat (issued-at time).');
    if (claims.iat * 1000 > now + leeway * 1000) throw new TokenRefusedError('iat', `issued in the future (iat ${iso(claims.iat)}, now ${new Date(now).toISOString()}, leeway ${leeway} s): check this machine's clock.`);
    if (typeof claims.sub !== 'string' || claims.sub === '') throw new TokenRefusedError('sub', 'the token names no subject (sub).');
    if (expect.sub !== undefined && claims.sub !== expect.sub) throw new TokenRefusedError('sub', `the refreshed token is for "${claims.sub}", not for the signed-in "${expect.sub}".`);
    const nonce = (claims as { nonce?: unknown }).nonce;
    if (expect.nonce !== undefined && nonce !== expect.nonce) {
      throw new TokenRefusedError('nonce', nonce === undefined ? 'the token has no nonce, but this sign-in sent one.' : 'the nonce does not match the one this sign-in sent (a replayed or foreign token).');
    }
    if (expect.nonceIfPresent !== undefined && nonce !== undefined && nonce !== expect.nonceIfPresent) {
      throw new TokenRefusedError('nonce', 'the refreshed token carries a different nonce than the original sign-in.');
    }
    return { claims: claims as ValidatedIdToken['claims'], expiresAt: claims.exp * 1000 };
  }

  private explain(e: unknown, token: string, now: number, leeway: number): Error {
    if (e instanceof joseErrors.JWTExpired) {
      const exp = readClaim(token, 'exp');
      return new TokenRefusedError('exp', `expired at ${iso(exp)} (now ${new Date(now).toISOString()}, leeway ${leeway} s).`);
    }
    if (e instanceof joseErrors.JWTClaimValidationFailed) {
      if (e.claim === 'nbf') return new TokenRefusedError('nbf', `not valid before ${iso(readClaim(token, 'nbf'))} (now ${new Date(now).toISOString()}, leeway ${leeway} s).`);
      if (e.claim === 'iat') return new TokenRefusedError('iat', `iat is invalid: ${e.reason}.`);
      return new TokenRefusedError('token', `claim ${e.claim} is invalid (${e.reason}).`);
    }
    if (e instanceof joseErrors.JWSSignatureVerificationFailed) return new TokenRefusedError('signature', "the signature does not verify with the provider's key: the token was altered or not issued by this provider.");
    if (e instanceof joseErrors.JOSEAlgNotAllowed) return new TokenRefusedError('alg', 'the algorithm does not match the key.');
    if (e instanceof joseErrors.JWTInvalid || e instanceof joseErrors.JWSInvalid) return new TokenRefusedError('token', 'malformed JWT.');
    if (e instanceof TypeError || e instanceof joseErrors.JOSENotSupported) return new TokenRefusedError('alg', "the provider's key cannot verify this algorithm.");
    return e as Error;
  }
}

function readClaim(token: string, claim: string): unknown {
  try {
    return (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>)[claim];
  } catch {
    return undefined;
  }
}

function iso(seconds: unknown): string {
  return typeof seconds === 'number' && Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString() : String(seconds);
}
