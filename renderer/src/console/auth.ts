/**
 * Console sign-in: OIDC authorization code + PKCE in the browser (oauth4webapi), as a public
 * client of the company's provider. The access token (for the server as the resource
 * oidc.audience) lives in sessionStorage only: gone with the tab, never in localStorage or a
 * cookie. The PKCE verifier and state wait there across the provider's redirect.
 */
import * as oauth from 'oauth4webapi';

/** What the server says about signing in (`GET /api/v1/console/config`). */
export interface SignInConfig {
  issuer: string | null;
  clientId: string | null;
  audience: string | null;
  scope: string;
}

export interface Session {
  accessToken: string;
  /** Epoch ms. */
  expiresAt: number;
  /** For the header only: the ID token's email or name. */
  name: string;
  idToken: string | null;
}

const SESSION = 'witness.console.session';
const PENDING = 'witness.console.pending';
/** The one redirect path (registered at the provider as <server URL>/callback). */
export const CALLBACK_PATH = '/callback';

const redirectUri = () => `${location.origin}${CALLBACK_PATH}`;

async function discover(config: SignInConfig): Promise<{ as: oauth.AuthorizationServer; client: oauth.Client }> {
  if (!config.issuer || !config.clientId) throw new Error('This server has no console sign-in configured (oidc.issuer and console.clientId).');
  const issuer = new URL(config.issuer);
  const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oidc' }));
  return { as, client: { client_id: config.clientId } };
}

export async function loadConfig(): Promise<SignInConfig> {
  const res = await fetch('/api/v1/console/config', { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`the server answered ${res.status} for its sign-in settings`);
  return (await res.json()) as SignInConfig;
}

/** The session kept in this tab, if it is still valid for a minute. */
export function currentSession(): Session | null {
  try {
    const s = JSON.parse(sessionStorage.getItem(SESSION) ?? 'null') as Session | null;
    return s && s.expiresAt > Date.now() + 60_000 ? s : null;
  } catch {
    return null;
  }
}

/** Leaves for the provider's sign-in page; `back` is the console path to return to. */
export async function signIn(config: SignInConfig, back: string): Promise<never> {
  const { as } = await discover(config);
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, back }));
  const url = new URL(as.authorization_endpoint!);
  url.searchParams.set('client_id', config.clientId!);
  url.searchParams.set('redirect_uri', redirectUri());
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', config.scope);
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier));
  url.searchParams.set('code_challenge_method', 'S256');
  url.searchParams.set('state', state);
  if (config.audience) url.searchParams.set('resource', config.audience);
  location.assign(url.href);
  return new Promise<never>(() => undefined);
}

/** On /callback: the code exchanged for tokens (PKCE verifier, state checked); returns where to go back to. */
export async function completeSignIn(config: SignInConfig): Promise<{ session: Session; back: string }> {
  const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? 'null') as { verifier: string; state: string; back: string } | null;
  sessionStorage.removeItem(PENDING);
  if (!pending) throw new Error('This sign-in was not started in this tab (or was already used): sign in again.');
  const { as, client } = await discover(config);
  const params = oauth.validateAuthResponse(as, client, new URL(location.href), pending.state);
  const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri(), pending.verifier, {
    additionalParameters: config.audience ? { resource: config.audience } : undefined,
  });
  const result = await oauth.processAuthorizationCodeResponse(as, client, response);
  const claims = oauth.getValidatedIdTokenClaims(result);
  const name = String(claims?.email ?? claims?.name ?? claims?.sub ?? 'signed in');
  const session: Session = {
    accessToken: result.access_token,
    expiresAt: Date.now() + (result.expires_in ?? 300) * 1000,
    name,
    idToken: result.id_token ?? null,
  };
  sessionStorage.setItem(SESSION, JSON.stringify(session));
  return { session, back: pending.back.startsWith('/') && !pending.back.startsWith('//') ? pending.back : '/' };
}

/** Forgets the token in this tab and asks the provider to revoke it (best effort: the tab forgets it either way). */
export async function signOut(config: SignInConfig | null, session: Session | null): Promise<void> {
  sessionStorage.removeItem(SESSION);
  if (!config || !session) return;
  try {
    const { as, client } = await discover(config);
    if (as.revocation_endpoint) await oauth.revocationRequest(as, client, oauth.None(), session.accessToken);
  } catch {
    // the provider is unreachable: the token still expires by itself, and this tab no longer has it
  }
}
