/**
 * Who calls: an OIDC access token (Authorization: Bearer) validated with jose against the
 * issuer's JWKS (found through its discovery document), with the configured issuer and
 * audience; roles from the token's groups as IT configured them (roles.auditor,
 * roles.admin). Every signed-in user is at least a developer (their own records). Never logs
 * a token.
 */
import { createRemoteJWKSet, customFetch, jwtVerify, type JWTPayload } from 'jose';
import type { ServerConfig } from './config.js';

export interface Caller {
  sub: string;
  email: string | null;
  groups: string[];
  auditor: boolean;
  admin: boolean;
}

export class AuthError extends Error {}

export class Auth {
  private jwks: ReturnType<typeof createRemoteJWKSet> | null = null;

  constructor(
    private readonly config: Pick<ServerConfig, 'oidc' | 'roles'>,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  private async keys() {
    if (this.jwks) return this.jwks;
    const issuer = this.config.oidc.issuer;
    if (!issuer) throw new AuthError('this server has no oidc.issuer configured: no token can be accepted');
    let uri = this.config.oidc.jwksUri;
    if (!uri) {
      const res = await this.fetchImpl(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
      if (!res.ok) throw new AuthError(`the identity provider's discovery document answered ${res.status}`);
      uri = String(((await res.json()) as { jwks_uri?: string }).jwks_uri);
    }
    this.jwks = createRemoteJWKSet(new URL(uri), { [customFetch]: this.fetchImpl } as never);
    return this.jwks;
  }

  /** The caller of a request, or an AuthError saying why not (the HTTP layer answers 401). */
  async caller(authorization: string | undefined): Promise<Caller> {
    const m = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(authorization ?? '');
    if (!m) throw new AuthError('an OIDC access token is required (Authorization: Bearer <token>)');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(m[1]!, await this.keys(), {
        issuer: this.config.oidc.issuer!,
        audience: this.config.oidc.audience ?? undefined,
        algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'],
      }));
    } catch (e) {
      if (e instanceof AuthError) throw e;
      throw new AuthError(`the access token was refused: ${(e as Error).message}`);
    }
    if (typeof payload.sub !== 'string' || !payload.sub) throw new AuthError('the access token has no subject');
    const raw = payload[this.config.oidc.groupsClaim];
    const groups = Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? [raw] : [];
    const admin = groups.some((g) => this.config.roles.admin.includes(g));
    return {
      sub: payload.sub,
      email: typeof payload.email === 'string' ? payload.email : null,
      groups,
      admin,
      auditor: admin || groups.some((g) => this.config.roles.auditor.includes(g)),
    };
  }
}
