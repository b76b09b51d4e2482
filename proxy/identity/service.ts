/**
 * IdentityService: the OIDC session of the person at this workstation, for the engine and the
 * CLI. Signs in (browser: code + PKCE over a loopback redirect; or the device flow), validates
 * every ID token itself (id-token.ts), keeps the tokens only in the key vault, refreshes them
 * before they expire, and tells listeners at once when the session changes — so a running
 * engine picks up a sign-in made by `witness login` in another process (`reload()`).
 *
 * Ends the session (and forgets it) when the provider refuses a refresh, when a refreshed ID
 * token fails validation, and on sign-out. A network failure does not end it: the refresh is
 * retried with backoff. Never logs or returns a token except through `accessToken()` (for the
 * sync client), and never writes one outside the vault.
 */
import { randomUUID } from 'node:crypto';
import * as oidc from 'openid-client';
import type { Config } from '../config/index.js';
import { WitnessError } from '../errors.js';
import type { KeyVault } from '../keys/index.js';
import type { Logger } from '../log.js';
import type { BrowserOpener } from './browser.js';
import { IdTokenValidator, TokenRefusedError, type IdTokenExpectations } from './id-token.js';
import { listenForRedirect } from './loopback-redirect.js';
import { IdentityProvider, RefreshRefusedError, type TokenResponse } from './provider.js';
import { profileFromClaims, profilesForGroups, SESSION_SECRET, sessionView, StoredSessionSchema, type IdentitySession, type StoredSession } from './session.js';

export type IdentityConfig = Config['identity'];

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, Math.min(ms, 2 ** 31 - 1));
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface IdentityServiceOptions {
  config: IdentityConfig;
  vault: KeyVault;
  log: Logger;
  /** HTTP for the provider (tests: one that trusts their CA). Default: global fetch. */
  fetch?: typeof fetch;
  /** Milliseconds since the epoch. */
  now?: () => number;
  timers?: Timers;
  /** Keep the session fresh (the engine). The CLI leaves this off: it signs in and out only. */
  autoRefresh?: boolean;
  /** Clock skew tolerated in ID tokens, seconds. Default 60. */
  leewaySeconds?: number;
}

export interface DeviceSignIn {
  userCode: string;
  verificationUri: string;
  verificationUriComplete: string | null;
  /** Seconds the code stays valid. */
  expiresIn: number;
  /** Resolves once the user approved the code; rejects on denial or expiry. */
  completed: Promise<IdentitySession>;
  cancel(): void;
}

/** Backoff for refreshes that failed for a transient reason (network, 5xx). */
const RETRY_MS = [30_000, 60_000, 120_000, 300_000];

export class IdentityService {
  private stored: StoredSession | null = null;
  private view: IdentitySession | null = null;
  private readonly listeners = new Set<(s: IdentitySession | null) => void>();
  private readonly provider: IdentityProvider | null;
  private validatorPromise: Promise<IdTokenValidator> | null = null;
  private timer: unknown = null;
  private refreshing: Promise<IdentitySession | null> | null = null;
  private failures = 0;
  private closed = false;

  constructor(private readonly opts: IdentityServiceOptions) {
    const c = opts.config;
    this.provider =
      c.issuer && c.clientId
        ? new IdentityProvider(
            { issuer: c.issuer, clientId: c.clientId, scopes: effectiveScopes(c), audience: c.audience, ...(opts.fetch ? { fetch: opts.fetch } : {}) },
            () => this.now(),
          )
        : null;
  }

  /** Sign-in is configured (identity.issuer and identity.clientId). */
  get enabled(): boolean {
    return this.provider !== null;
  }

  /** The signed-in person, or null. No tokens. */
  current(): IdentitySession | null {
    return this.view;
  }

  /** Policy profiles selected by the signed-in person's groups (identity.groupProfiles). */
  profiles(): string[] {
    return this.view ? profilesForGroups(this.view.groups, this.opts.config.groupProfiles) : [];
  }

  /** The access token for the configured audience (the central server), when signed in. */
  accessToken(): string | null {
    return this.stored?.accessToken ?? null;
  }

  /** Called with the new session (or null) whenever it changes. Returns an unsubscribe function. */
  onChange(listener: (session: IdentitySession | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads the session from the vault (no network). Safe to call again: `reload()`. */
  async load(): Promise<IdentitySession | null> {
    this.adopt(await this.readStored());
    return this.view;
  }

  /** The session in the vault changed (another process signed in or out): use it now. */
  reload(): Promise<IdentitySession | null> {
    return this.load();
  }

  /** Code + PKCE through the system browser and a one-shot loopback redirect. */
  async signInWithBrowser(p: { open: BrowserOpener; onUrl?: (url: string) => void; timeoutMs?: number }): Promise<IdentitySession> {
    const provider = this.requireProvider();
    await provider.configuration(); // fail early, before a listener and a browser tab
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const listener = await listenForRedirect({ state, timeoutMs: p.timeoutMs ?? 5 * 60_000 });
    try {
      const url = await provider.authorizationUrl({ redirectUri: listener.redirectUri, codeChallenge: await oidc.calculatePKCECodeChallenge(codeVerifier), state, nonce });
      p.onUrl?.(url.href);
      void p.open(url.href).catch(() => false); // the URL is shown anyway
      const { url: callback, answer } = await listener.received;
      try {
        const tokens = await provider.exchangeCode(callback, { codeVerifier, state, nonce });
        const session = await this.establish(tokens, nonce);
        answer(true, `Signed in as ${session.name ?? session.email ?? session.sub}. You can close this tab and return to the terminal.`);
        return session;
      } catch (e) {
        answer(false, `${(e as Error).message} Return to the terminal.`);
        throw e;
      }
    } finally {
      listener.close();
    }
  }

  /** RFC 8628: a code to enter on another device; `completed` settles when it is approved, denied or expired. */
  async startDeviceSignIn(): Promise<DeviceSignIn> {
    const provider = this.requireProvider();
    const d = await provider.startDevice();
    const abort = new AbortController();
    const timer = setTimeout(
      () => abort.abort(new WitnessError('IDENTITY_SIGN_IN_EXPIRED', `The code ${d.userCode} expired before it was approved: run \`witness login --device\` again.`)),
      d.expiresIn * 1000,
    );
    timer.unref();
    const completed = provider
      .pollDevice(d, abort.signal)
      .then((tokens) => this.establish(tokens, null))
      .finally(() => clearTimeout(timer));
    completed.catch(() => {}); // the caller awaits it; an unobserved cancel must not crash the process
    return {
      userCode: d.userCode,
      verificationUri: d.verificationUri,
      verificationUriComplete: d.verificationUriComplete,
      expiresIn: d.expiresIn,
      completed,
      cancel: () => abort.abort(new WitnessError('IDENTITY_SIGN_IN_FAILED', 'Sign-in was cancelled.')),
    };
  }

  /** Uses the refresh token now (normally the schedule does this before expiry). */
  refresh(): Promise<IdentitySession | null> {
    this.refreshing ??= this.doRefresh().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  /** Forgets the session here and revokes the refresh token at the provider (best effort). */
  async signOut(): Promise<{ wasSignedIn: boolean; revoked: boolean }> {
    const stored = (await this.readStored().catch(() => null)) ?? this.stored;
    await this.opts.vault.delete(SESSION_SECRET);
    this.adopt(null);
    let revoked = false;
    if (stored?.refreshToken && this.provider && stored.issuer === (await this.provider.issuer().catch(() => null))) {
      try {
        revoked = await this.provider.revoke(stored.refreshToken, 'refresh_token');
      } catch (e) {
        this.opts.log.warn('could not revoke the refresh token at the identity provider; it stays valid there until it expires', { err: e });
      }
    }
    if (stored) this.opts.log.info('signed out', { sub: stored.sub, issuer: stored.issuer, revoked });
    return { wasSignedIn: stored !== null, revoked };
  }

  close(): void {
    this.closed = true;
    this.clearTimer();
    this.listeners.clear();
  }

  // ——— internals ———

  private now() {
    return (this.opts.now ?? Date.now)();
  }

  private get timers(): Timers {
    return this.opts.timers ?? realTimers;
  }

  private requireProvider(): IdentityProvider {
    if (!this.provider) {
      throw new WitnessError('IDENTITY_NOT_CONFIGURED', 'Sign-in is not configured: set identity.issuer and identity.clientId in the config file (see docs/identity.md).');
    }
    return this.provider;
  }

  private validator(): Promise<IdTokenValidator> {
    const provider = this.requireProvider();
    this.validatorPromise ??= Promise.all([provider.issuer(), provider.jwks()])
      .then(([issuer, jwks]) => new IdTokenValidator({ issuer, clientId: this.opts.config.clientId!, jwks, now: () => this.now(), leewaySeconds: this.opts.leewaySeconds ?? 60 }))
      .catch((e) => {
        this.validatorPromise = null;
        throw e;
      });
    return this.validatorPromise;
  }

  /** A fresh sign-in: validate the ID token, store the session in the vault, tell listeners. */
  private async establish(tokens: TokenResponse, nonce: string | null): Promise<IdentitySession> {
    if (!tokens.idToken) throw new WitnessError('IDENTITY_SIGN_IN_FAILED', 'The identity provider returned no ID token: identity.scopes must include "openid".');
    const validator = await this.validator();
    const { claims, expiresAt } = await validator.validate(tokens.idToken, nonce === null ? {} : { nonce });
    const profile = profileFromClaims(claims, this.opts.config.groupsClaim);
    const now = this.now();
    const stored: StoredSession = {
      v: 1,
      id: randomUUID(),
      issuer: claims.iss!,
      clientId: this.opts.config.clientId!,
      ...profile,
      expiresAt: expiryOf(tokens, expiresAt, now),
      signedInAt: now,
      refreshedAt: null,
      nonce,
      idToken: tokens.idToken,
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
    };
    await this.write(stored);
    this.failures = 0;
    this.adopt(stored);
    this.opts.log.info('signed in', { sub: stored.sub, issuer: stored.issuer, groups: stored.groups.length, expiresAt: new Date(stored.expiresAt).toISOString(), refreshable: stored.refreshToken !== null });
    return this.view!;
  }

  private async doRefresh(): Promise<IdentitySession | null> {
    // The vault is the truth: the CLI may have signed in or out since we loaded.
    const stored = await this.readStored();
    if (!stored || stored.id !== this.stored?.id) {
      this.adopt(stored);
      return this.view;
    }
    if (!stored.refreshToken) {
      this.adopt(stored);
      return this.view;
    }
    let next: StoredSession;
    try {
      const tokens = await this.requireProvider().refresh(stored.refreshToken);
      let profile = { sub: stored.sub, email: stored.email, name: stored.name, groups: stored.groups };
      let idExpiresAt: number | null = null;
      if (tokens.idToken) {
        const expect: IdTokenExpectations = { sub: stored.sub, nonceIfPresent: stored.nonce };
        const v = await (await this.validator()).validate(tokens.idToken, expect);
        profile = profileFromClaims(v.claims, this.opts.config.groupsClaim);
        idExpiresAt = v.expiresAt;
      }
      next = {
        ...stored,
        ...profile,
        expiresAt: expiryOf(tokens, idExpiresAt, this.now()),
        refreshedAt: this.now(),
        idToken: tokens.idToken ?? stored.idToken,
        accessToken: tokens.accessToken,
        // Providers that rotate refresh tokens send a new one; others keep the old one valid.
        refreshToken: tokens.refreshToken ?? stored.refreshToken,
      };
    } catch (e) {
      if (e instanceof RefreshRefusedError || e instanceof TokenRefusedError) {
        this.opts.log.warn('sign-in ended: the identity provider refused to refresh it, or sent a token that failed validation', { sub: stored.sub, err: e });
        await this.forgetIfStill(stored.id);
        return null;
      }
      this.failures++;
      const delay = RETRY_MS[Math.min(this.failures - 1, RETRY_MS.length - 1)]!;
      this.opts.log.warn('could not refresh the sign-in; will try again', { err: e, retryInSeconds: delay / 1000 });
      this.schedule(delay);
      throw e;
    }
    // Another process may have replaced the session while we were on the network.
    const latest = await this.readStored();
    if (!latest || latest.id !== stored.id) {
      this.adopt(latest);
      return this.view;
    }
    await this.write(next);
    this.failures = 0;
    this.adopt(next);
    this.opts.log.info('sign-in refreshed', { sub: next.sub, expiresAt: new Date(next.expiresAt).toISOString() });
    return this.view;
  }

  private async forgetIfStill(id: string) {
    const latest = await this.readStored().catch(() => null);
    if (!latest || latest.id === id) await this.opts.vault.delete(SESSION_SECRET);
    this.adopt(latest && latest.id !== id ? latest : null);
  }

  private async readStored(): Promise<StoredSession | null> {
    const bytes = await this.opts.vault.get(SESSION_SECRET);
    if (!bytes) return null;
    let stored: StoredSession;
    try {
      stored = StoredSessionSchema.parse(JSON.parse(Buffer.from(bytes).toString('utf8')));
    } catch {
      this.opts.log.warn('the stored sign-in is unreadable; treating this workstation as signed out');
      return null;
    }
    const c = this.opts.config;
    if (!c.issuer || !c.clientId || stored.clientId !== c.clientId || !sameIssuer(stored.issuer, c.issuer)) {
      // Signed in with another provider or client than configured now: not a session for this config.
      return null;
    }
    return stored;
  }

  private write(stored: StoredSession): Promise<void> {
    return this.opts.vault.set(SESSION_SECRET, Buffer.from(JSON.stringify(stored), 'utf8'));
  }

  private adopt(stored: StoredSession | null) {
    const before = this.view;
    this.stored = stored;
    this.view = stored ? sessionView(stored) : null;
    this.clearTimer();
    if (stored && !this.closed) this.planNext(stored);
    if (JSON.stringify(before) !== JSON.stringify(this.view)) {
      for (const l of [...this.listeners]) {
        try {
          l(this.view);
        } catch (e) {
          this.opts.log.error('an identity listener failed', { err: e });
        }
      }
    }
  }

  /** Refresh at 80% of the tokens' lifetime; without a refresh token, end the session at expiry. */
  private planNext(stored: StoredSession) {
    if (!this.opts.autoRefresh) return;
    const now = this.now();
    if (!stored.refreshToken) {
      this.schedule(Math.max(0, stored.expiresAt - now), () => {
        this.opts.log.info('sign-in expired (the provider issued no refresh token; add offline_access to identity.scopes)', { sub: stored.sub });
        void this.forgetIfStill(stored.id);
      });
      return;
    }
    const issued = stored.refreshedAt ?? stored.signedInAt;
    const at = issued + (stored.expiresAt - issued) * 0.8;
    this.schedule(Math.max(0, at - now));
  }

  private schedule(ms: number, fn: () => void = () => void this.refresh().catch(() => {})) {
    this.clearTimer();
    if (this.closed) return;
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      fn();
    }, ms);
  }

  private clearTimer() {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }
}

/** identity.scopes plus identity.groupsScope, each once. */
export function effectiveScopes(c: Pick<IdentityConfig, 'scopes' | 'groupsScope'>): string[] {
  return [...new Set([...c.scopes, ...(c.groupsScope ? [c.groupsScope] : [])])];
}

/** The earliest expiry among the tokens just received. */
function expiryOf(tokens: TokenResponse, idTokenExpiresAt: number | null, now: number): number {
  const candidates = [tokens.accessTokenExpiresAt, idTokenExpiresAt].filter((x): x is number => x !== null);
  // Neither token says when it expires (unusual): assume an hour, a common access-token lifetime.
  return candidates.length ? Math.min(...candidates) : now + 3600_000;
}

function sameIssuer(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}
