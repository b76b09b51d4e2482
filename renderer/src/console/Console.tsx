/**
 * The console's shell: sign-in (code + PKCE at the company's provider), then the header and
 * nav of the Witness window with the views the caller's role allows (views.ts), routed by
 * path (/search, /fleet …; the server answers every app path with console.html).
 */
import { useCallback, useEffect, useMemo, useState, type KeyboardEvent } from 'react';
import { CALLBACK_PATH, completeSignIn, currentSession, loadConfig, signIn, signOut, type Session, type SignInConfig } from './auth.js';
import { ServerApi, type Me } from './server.js';
import { allowed, roleOf, VIEWS } from './views.js';

function useLocation() {
  const [loc, setLoc] = useState({ path: location.pathname, search: location.search });
  useEffect(() => {
    const on = () => setLoc({ path: location.pathname, search: location.search });
    window.addEventListener('popstate', on);
    return () => window.removeEventListener('popstate', on);
  }, []);
  const go = useCallback((to: string, replace = false) => {
    if (replace) history.replaceState(null, '', to);
    else history.pushState(null, '', to);
    setLoc({ path: location.pathname, search: location.search });
  }, []);
  return { ...loc, go };
}

export function Console() {
  const loc = useLocation();
  const [config, setConfig] = useState<SignInConfig | null>(null);
  const [session, setSession] = useState<Session | null>(() => currentSession());
  const [me, setMe] = useState<Me | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    loadConfig().then(setConfig, (e: Error) => setError(e.message));
  }, []);

  // Back from the provider: exchange the code once, then return to where the sign-in started.
  useEffect(() => {
    if (!config || loc.path !== CALLBACK_PATH) return;
    completeSignIn(config).then(
      ({ session: s, back }) => {
        setSession(s);
        loc.go(back, true);
      },
      (e: Error) => {
        setError(`Sign-in failed: ${e.message}`);
        loc.go('/', true);
      },
    );
  }, [config]);

  const dropSession = useCallback(() => {
    sessionStorage.removeItem('witness.console.session');
    setSession(null);
    setMe(null);
  }, []);
  const api = useMemo(() => (session ? new ServerApi(session.accessToken, dropSession) : null), [session, dropSession]);
  useEffect(() => {
    if (!api) return;
    api.me().then(setMe, (e: Error) => setError(e.message));
  }, [api]);

  if (loc.path === CALLBACK_PATH && !error) return <Splash text="Signing in…" />;
  if (!session || !api) {
    return (
      <SignInPage
        config={config}
        error={error}
        onSignIn={() => config && void signIn(config, loc.path === CALLBACK_PATH ? '/' : loc.path + loc.search).catch((e: Error) => setError(e.message))}
      />
    );
  }
  if (!me) return <Splash text={error ?? 'Loading…'} />;

  const views = VIEWS.filter((v) => allowed(v, me));
  const current = views.find((v) => loc.path === v.path || loc.path.startsWith(`${v.path}/`));
  const forbidden = !current && VIEWS.some((v) => loc.path === v.path);
  const params = new URLSearchParams(loc.search);
  const setParams = (p: URLSearchParams, replace = false) => loc.go(`${loc.path}${p.size ? `?${p}` : ''}`, replace);
  if (!current && !forbidden && views[0]) queueMicrotask(() => loc.go(views[0]!.path, true));

  const onTabKey = (e: KeyboardEvent) => {
    const at = views.findIndex((v) => v === current);
    const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: views.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    const next = views[(to + views.length) % views.length]!;
    loc.go(next.path);
    document.getElementById(`tab-${next.path.slice(1)}`)?.focus();
  };

  return (
    <div className="app console">
      <header className="bar">
        <div className="brand">
          <span className="logo" aria-hidden>◉</span> <span className="name">Witness</span> <span className="sub">console</span>
        </div>
        <nav role="tablist" aria-label="Views" onKeyDown={onTabKey}>
          {views.map((v) => (
            <button
              key={v.path}
              id={`tab-${v.path.slice(1)}`}
              role="tab"
              aria-selected={v === current}
              aria-controls="view"
              tabIndex={v === current ? 0 : -1}
              onClick={() => loc.go(v.path)}
            >
              {v.label}
            </button>
          ))}
        </nav>
        <div className="meta">
          <span className="signin ok" title={`Signed in at ${config?.issuer ?? 'the identity provider'}; groups: ${me.groups.join(', ') || 'none'}`}>
            ✓ {me.email ?? session.name}
          </span>
          <span className="badge role">{roleOf(me)}</span>
          <button
            className="ghost small"
            onClick={() => {
              void signOut(config, session);
              dropSession();
              loc.go('/', true);
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      {error && (
        <p className="link-banner bad" role="alert">
          {error}
        </p>
      )}
      <main id="view" role="tabpanel" aria-labelledby={current ? `tab-${current.path.slice(1)}` : undefined}>
        {current ? (
          <current.Component api={api} me={me} params={params} setParams={setParams} />
        ) : forbidden ? (
          <p className="empty" role="alert">
            This view is not for your role ({roleOf(me)}).
          </p>
        ) : null}
      </main>
    </div>
  );
}

function Splash({ text }: { text: string }) {
  return (
    <main className="console-splash">
      <h1>
        <span aria-hidden>◉</span> Witness console
      </h1>
      <p className="sub">{text}</p>
    </main>
  );
}

function SignInPage({ config, error, onSignIn }: { config: SignInConfig | null; error: string | null; onSignIn: () => void }) {
  const ready = !!config?.issuer && !!config.clientId;
  return (
    <main className="console-splash">
      <h1>
        <span aria-hidden>◉</span> Witness console
      </h1>
      <p>Fleet-wide search, fleet health, security events and the central policy.</p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {config && !ready && <p className="error">This server has no console sign-in configured: set oidc.issuer and console.clientId.</p>}
      <button className="primary" disabled={!ready} onClick={onSignIn}>
        Sign in{config?.issuer ? ` with ${new URL(config.issuer).host}` : ''}
      </button>
    </main>
  );
}
