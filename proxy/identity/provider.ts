/**
 * The identity provider as Witness talks to it, through openid-client (v6): discovery, the
 * authorization URL (code + PKCE S256, state, nonce), the code exchange, the device
 * authorization grant (RFC 8628), refresh and revocation. Every token request carries the
 * RFC 8707 `resource` when an audience is configured. Errors become WitnessErrors with a code
 * and a next step; a token never appears in one.
 */
import * as oidc from 'openid-client';
import { WitnessError } from '../errors.js';
import { JwksCache } from './jwks.js';

export interface ProviderSettings {
  issuer: string;
  clientId: string;
  scopes: string[];
  audience: string | null;
  fetch?: typeof fetch;
  /** Seconds per HTTP request. Default 30. */
  timeoutSeconds?: number;
}

export interface TokenResponse {
  idToken: string | null;
  accessToken: string;
  refreshToken: string | null;
  /** Access token expiry, ms since the epoch (null when the provider does not say). */
  accessTokenExpiresAt: number | null;
}

export interface DeviceAuthorization {
  userCode: string;
  verificationUri: string;
  verificationUriComplete: string | null;
  expiresIn: number;
  /** Raw response, for polling. */
  raw: oidc.DeviceAuthorizationResponse;
}

export class IdentityProvider {
  private config: Promise<oidc.Configuration> | null = null;
  private jwksCache: JwksCache | null = null;

  constructor(
    private readonly settings: ProviderSettings,
    private readonly now: () => number = Date.now,
  ) {}

  /** Discovery, once (retried on the next call if it failed). */
  configuration(): Promise<oidc.Configuration> {
    this.config ??= oidc
      .discovery(new URL(this.settings.issuer), this.settings.clientId, undefined, oidc.None(), {
        timeout: this.settings.timeoutSeconds ?? 30,
        ...(this.settings.fetch ? { [oidc.customFetch]: this.settings.fetch as oidc.CustomFetch } : {}),
      })
      .catch((e: unknown) => {
        this.config = null;
        throw new WitnessError(
          'IDENTITY_PROVIDER_UNREACHABLE',
          `Cannot discover the identity provider at ${this.settings.issuer}/.well-known/openid-configuration: ${describe(e)}. Check identity.issuer and the network (a private CA must be trusted by the system or NODE_EXTRA_CA_CERTS).`,
          { cause: e },
        );
      });
    return this.config;
  }

  /** The issuer exactly as the provider names itself (ID tokens' `iss` must equal it). */
  async issuer(): Promise<string> {
    return (await this.configuration()).serverMetadata().issuer;
  }

  async jwks(): Promise<JwksCache> {
    if (!this.jwksCache) {
      const uri = (await this.configuration()).serverMetadata().jwks_uri;
      if (!uri) throw new WitnessError('IDENTITY_PROVIDER_UNREACHABLE', `The identity provider at ${this.settings.issuer} publishes no jwks_uri; Witness cannot verify its tokens.`);
      this.jwksCache = new JwksCache({ jwksUri: uri, now: this.now, ...(this.settings.fetch ? { fetch: this.settings.fetch } : {}) });
    }
    return this.jwksCache;
  }

  private resource(): Record<string, string> {
    return this.settings.audience ? { resource: this.settings.audience } : {};
  }

  /** The authorization URL for code + PKCE; `prompt=consent` when offline access is asked (OIDC Core §11). */
  async authorizationUrl(p: { redirectUri: string; codeChallenge: string; state: string; nonce: string }): Promise<URL> {
    const config = await this.configuration();
    const methods = config.serverMetadata().code_challenge_methods_supported;
    if (methods && !methods.includes('S256')) {
      throw new WitnessError('IDENTITY_SIGN_IN_FAILED', `The identity provider does not support PKCE with S256 (it lists ${methods.join(', ')}); Witness requires it.`);
    }
    const scope = this.settings.scopes.join(' ');
    return oidc.buildAuthorizationUrl(config, {
      redirect_uri: p.redirectUri,
      scope,
      code_challenge: p.codeChallenge,
      code_challenge_method: 'S256',
      state: p.state,
      nonce: p.nonce,
      ...(this.settings.scopes.includes('offline_access') ? { prompt: 'consent' } : {}),
      ...this.resource(),
    });
  }

  async exchangeCode(callback: URL, checks: { codeVerifier: string; state: string; nonce: string }): Promise<TokenResponse> {
    const config = await this.configuration();
    try {
      const t = await oidc.authorizationCodeGrant(
        config,
        callback,
        { pkceCodeVerifier: checks.codeVerifier, expectedState: checks.state, expectedNonce: checks.nonce, idTokenExpected: true },
        this.resource(),
      );
      return this.tokens(t);
    } catch (e) {
      throw signInError(e);
    }
  }

  async startDevice(): Promise<DeviceAuthorization> {
    const config = await this.configuration();
    if (!config.serverMetadata().device_authorization_endpoint) {
      throw new WitnessError('IDENTITY_SIGN_IN_FAILED', `The identity provider at ${this.settings.issuer} does not offer the device flow (no device_authorization_endpoint); sign in with \`witness login\` in a browser.`);
    }
    try {
      const raw = await oidc.initiateDeviceAuthorization(config, { scope: this.settings.scopes.join(' '), ...this.resource() });
      return {
        userCode: raw.user_code,
        verificationUri: raw.verification_uri,
        verificationUriComplete: raw.verification_uri_complete ?? null,
        expiresIn: raw.expires_in,
        raw,
      };
    } catch (e) {
      throw signInError(e);
    }
  }

  async pollDevice(d: DeviceAuthorization, signal?: AbortSignal): Promise<TokenResponse> {
    const config = await this.configuration();
    try {
      const t = await oidc.pollDeviceAuthorizationGrant(config, d.raw, this.resource(), signal ? { signal } : {});
      return this.tokens(t);
    } catch (e) {
      if (signal?.aborted && signal.reason instanceof WitnessError) throw signal.reason;
      if (isTimeout(e)) throw new WitnessError('IDENTITY_SIGN_IN_EXPIRED', `The code ${d.userCode} expired before it was approved: run \`witness login --device\` again.`);
      throw signInError(e);
    }
  }

  async refresh(refreshToken: string): Promise<TokenResponse> {
    const config = await this.configuration();
    try {
      return this.tokens(await oidc.refreshTokenGrant(config, refreshToken, this.resource()));
    } catch (e) {
      throw refreshError(e);
    }
  }

  /** Best effort (RFC 7009): false when the provider has no revocation endpoint. */
  async revoke(token: string, hint: 'refresh_token' | 'access_token'): Promise<boolean> {
    const config = await this.configuration();
    if (!config.serverMetadata().revocation_endpoint) return false;
    await oidc.tokenRevocation(config, token, { token_type_hint: hint });
    return true;
  }

  private tokens(t: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers): TokenResponse {
    const expiresIn = t.expiresIn();
    return {
      idToken: t.id_token ?? null,
      accessToken: t.access_token,
      refreshToken: t.refresh_token ?? null,
      accessTokenExpiresAt: expiresIn === undefined ? null : this.now() + expiresIn * 1000,
    };
  }
}

/** A refresh the provider refused (the grant is gone): the session must end. */
export class RefreshRefusedError extends WitnessError {
  constructor(readonly oauthError: string, message: string) {
    super('IDENTITY_SIGN_IN_EXPIRED', message);
  }
}

function oauthErrorOf(e: unknown): { error: string; description: string | undefined } | null {
  if (e instanceof oidc.ResponseBodyError || e instanceof oidc.AuthorizationResponseError) return { error: e.error, description: e.error_description };
  return null;
}

function signInError(e: unknown): WitnessError {
  if (e instanceof WitnessError) return e;
  const o = oauthErrorOf(e);
  if (o?.error === 'access_denied') return new WitnessError('IDENTITY_SIGN_IN_DENIED', `Sign-in was denied at the identity provider${o.description ? ` (${o.description})` : ''}.`);
  if (o?.error === 'expired_token') return new WitnessError('IDENTITY_SIGN_IN_EXPIRED', 'The sign-in code expired before it was approved: run `witness login --device` again.');
  if (o) return new WitnessError('IDENTITY_SIGN_IN_FAILED', `The identity provider refused the sign-in: ${o.error}${o.description ? ` (${o.description})` : ''}. Check identity.clientId and the client's settings at the provider.`);
  return new WitnessError('IDENTITY_SIGN_IN_FAILED', `Sign-in failed: ${describe(e)}.`, { cause: e });
}

function refreshError(e: unknown): WitnessError {
  const o = oauthErrorOf(e);
  // RFC 6749 §5.2: these mean the refresh token or the client is no good any more; anything else may pass.
  if (o && ['invalid_grant', 'invalid_client', 'unauthorized_client', 'invalid_scope', 'invalid_target'].includes(o.error)) {
    return new RefreshRefusedError(o.error, `The identity provider ended the session (${o.error}${o.description ? `: ${o.description}` : ''}): run \`witness login\` to sign in again.`);
  }
  return new WitnessError('IDENTITY_PROVIDER_UNREACHABLE', `Could not refresh the sign-in: ${describe(e)}. Witness will try again.`, { cause: e });
}

function isTimeout(e: unknown): boolean {
  const name = (e as { name?: string })?.name;
  const cause = (e as { cause?: { name?: string } })?.cause;
  return name === 'TimeoutError' || cause?.name === 'TimeoutError';
}

/** A short reason without any token: error class messages from openid-client and fetch. */
function describe(e: unknown): string {
  const err = e as { message?: string; cause?: { message?: string; code?: string } };
  const base = err?.message ?? String(e);
  const cause = err?.cause?.code ?? err?.cause?.message;
  return cause && !base.includes(cause) ? `${base} (${cause})` : base;
}
