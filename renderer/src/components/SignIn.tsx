/**
 * Sign in / sign out, shared by the header and Setup's sign-in card. The engine runs the
 * OIDC flow (`identityLogin`): the browser flow answers with the provider's URL, opened in a
 * new tab (the engine's one-shot loopback redirect finishes it); the device flow answers with
 * a code to enter at the provider. Some providers refuse any-port loopback redirects, hence
 * "use a code instead". Who is signed in arrives with `identity.changed`, so nothing here
 * polls; the pending flow is dropped once that event says signed in.
 */
import { useEffect, useState } from 'react';
import { api, type IdentityLogin, type IdentityStatus } from '../api.js';

export type LoginFlow = IdentityLogin;

/** The actions and the pending flow; `busy` while a request is in flight. */
export function useSignIn(identity: IdentityStatus | null) {
  const [flow, setFlow] = useState<LoginFlow | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (identity?.signedIn) setFlow(null);
  }, [identity?.signedIn]);
  const run = (p: Promise<unknown>) => {
    setBusy(true);
    setError(null);
    void p.catch((e: Error) => setError(e.message)).finally(() => setBusy(false));
  };
  const signIn = (device: boolean) =>
    run(
      api.call('identityLogin', { device }).then((f) => {
        setFlow(f);
        // Opened from the click's task, so the browser allows it; the link below stays for when it does not.
        if (f.flow === 'browser') window.open(f.url, '_blank', 'noopener');
      }),
    );
  const signOut = () => run(api.call('identityLogout', {}).then(() => setFlow(null)));
  return { flow, error, busy, signIn, signOut, cancel: () => setFlow(null) };
}

/** Who is signed in with Sign out, or Sign in with its alternatives; the flow in progress below. */
export function SignInActions({ identity, compact }: { identity: IdentityStatus | null; compact?: boolean }) {
  const s = useSignIn(identity);
  if (!identity?.configured) return null;
  return (
    <div className={compact ? 'signin-actions compact' : 'signin-actions'}>
      {identity.signedIn ? (
        <button className="ghost small" onClick={s.signOut} disabled={s.busy}>
          Sign out
        </button>
      ) : (
        <>
          <button className={compact ? 'ghost small' : 'button'} onClick={() => s.signIn(false)} disabled={s.busy}>
            Sign in
          </button>
          <button className="link small" onClick={() => s.signIn(true)} disabled={s.busy} title="For providers that refuse loopback redirects, or when no browser can open here">
            {compact ? 'use a code' : 'use a code instead'}
          </button>
        </>
      )}
      {s.error && (
        <span className="sub warnline" role="alert">
          {s.error}
        </span>
      )}
      {s.flow && !identity.signedIn && <FlowInProgress flow={s.flow} onCancel={s.cancel} popover={compact ?? false} />}
    </div>
  );
}

function FlowInProgress({ flow, onCancel, popover }: { flow: LoginFlow; onCancel: () => void; popover: boolean }) {
  return (
    <div className={popover ? 'signin-flow popover' : 'signin-flow'} role="status" aria-label="Sign-in in progress">
      {flow.flow === 'browser' ? (
        <p>
          Finish signing in in the tab that opened (or{' '}
          <a href={flow.url} target="_blank" rel="noopener noreferrer">
            open the sign-in page
          </a>
          ). This window updates by itself.
        </p>
      ) : (
        <>
          <p>
            Enter this code at{' '}
            <a href={flow.verificationUriComplete ?? flow.verificationUri} target="_blank" rel="noopener noreferrer">
              {flow.verificationUri}
            </a>
            :
          </p>
          <p className="user-code" aria-label="Sign-in code">
            {flow.userCode}
          </p>
          <p className="sub">Valid for {Math.round(flow.expiresIn / 60)} min. This window updates by itself once you are signed in.</p>
        </>
      )}
      <button className="ghost small" onClick={onCancel}>
        Close
      </button>
    </div>
  );
}
