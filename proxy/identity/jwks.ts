/**
 * The identity provider's signing keys (JWKS), fetched from its `jwks_uri` and cached.
 * A token whose `kid` is not in the cache makes one refetch (a key rotation happened), but
 * at most one per cooldown, so a stream of tokens with made-up kids cannot make Witness hammer
 * the provider. Concurrent lookups share one fetch. The clock is passed in so tests can move it.
 * Only public keys pass through here; never logs a token.
 */
import { importJWK, type CryptoKey, type JWK } from 'jose';
import { WitnessError } from '../errors.js';

export interface JwksCacheOptions {
  jwksUri: string;
  fetch?: typeof fetch;
  /** Milliseconds since the epoch. */
  now?: () => number;
  /** Refetch a cached set after this long even without an unknown kid. Default 10 minutes. */
  maxAgeMs?: number;
  /** At most one refetch for unknown kids per this period. Default 30 s. */
  cooldownMs?: number;
  timeoutMs?: number;
}

/** The key type an algorithm needs: a kid pointing at a key of another type does not match. */
function keyTypeOf(alg: string): string | null {
  if (/^(RS|PS)\d+$/.test(alg)) return 'RSA';
  if (/^ES\d+$/.test(alg)) return 'EC';
  if (alg === 'EdDSA' || alg === 'Ed25519') return 'OKP';
  return null;
}

export type KeyLookup =
  | { found: true; key: CryptoKey | Uint8Array; jwk: JWK }
  | { found: false; refetched: boolean; kids: string[] };

export class JwksCache {
  private keys: JWK[] = [];
  private fetchedAt = -Infinity;
  private inflight: Promise<void> | null = null;
  private readonly imported = new Map<string, Promise<CryptoKey | Uint8Array>>();
  /** JWKS downloads so far (for status and tests). */
  fetches = 0;

  constructor(private readonly opts: JwksCacheOptions) {}

  private now() {
    return (this.opts.now ?? Date.now)();
  }

  /** The verification key for a token header, refetching once (rate-limited) when its kid is unknown. */
  async keyFor(header: { kid?: string; alg: string }): Promise<KeyLookup> {
    const maxAge = this.opts.maxAgeMs ?? 10 * 60_000;
    if (this.now() - this.fetchedAt > maxAge) await this.refresh();
    let jwk = this.match(header);
    let refetched = false;
    if (!jwk && this.now() - this.fetchedAt >= (this.opts.cooldownMs ?? 30_000)) {
      await this.refresh();
      refetched = true;
      jwk = this.match(header);
    }
    if (!jwk) return { found: false, refetched, kids: this.keys.map((k) => k.kid ?? '(no kid)') };
    const id = `${jwk.kid ?? ''}\0${header.alg}\0${jwk.n ?? jwk.x ?? ''}`;
    let key = this.imported.get(id);
    if (!key) {
      key = importJWK(jwk, header.alg) as Promise<CryptoKey | Uint8Array>;
      this.imported.set(id, key);
    }
    return { found: true, key: await key, jwk };
  }

  private match(header: { kid?: string; alg: string }): JWK | undefined {
    const kty = keyTypeOf(header.alg);
    const usable = this.keys.filter((k) => (k.use === undefined || k.use === 'sig') && (k.alg === undefined || k.alg === header.alg) && k.kty === kty);
    if (header.kid !== undefined) return usable.find((k) => k.kid === header.kid);
    // No kid: acceptable only when exactly one key could have signed it.
    return usable.length === 1 ? usable[0] : undefined;
  }

  private refresh(): Promise<void> {
    this.inflight ??= this.download().finally(() => (this.inflight = null));
    return this.inflight;
  }

  private async download(): Promise<void> {
    const doFetch = this.opts.fetch ?? fetch;
    let body: unknown;
    try {
      const res = await doFetch(this.opts.jwksUri, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(this.opts.timeoutMs ?? 15_000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      body = await res.json();
    } catch (e) {
      throw new WitnessError('IDENTITY_PROVIDER_UNREACHABLE', `Cannot fetch the identity provider's signing keys from ${this.opts.jwksUri}: ${(e as Error).message}. Check the network, then try again.`, { cause: e });
    }
    const keys = (body as { keys?: unknown })?.keys;
    if (!Array.isArray(keys)) throw new WitnessError('IDENTITY_PROVIDER_UNREACHABLE', `${this.opts.jwksUri} did not answer a JSON Web Key Set.`);
    // Public keys only: a JWKS that publishes private or symmetric key material is ignored for it.
    this.keys = keys.filter((k): k is JWK => typeof k === 'object' && k !== null && typeof (k as JWK).kty === 'string' && (k as JWK).kty !== 'oct' && !('d' in k));
    this.fetchedAt = this.now();
    this.fetches++;
  }
}
