import { useCallback, useEffect, useState } from 'react';
import { api, DOWNLOADS, type IdentityStatus, type Status } from '../api.js';
import { PolicyInForce, SignInActions, SyncState } from '../components/index.js';
import { ago } from '../format.js';
import { useNow } from '../hooks.js';

type Policy = Awaited<ReturnType<typeof api.call<'policy'>>>;
type Report = Awaited<ReturnType<typeof api.call<'doctor'>>>;
type SetupResult = Awaited<ReturnType<typeof api.call<'setup'>>>;
type Target = SetupResult['target'];

/** Setup & status: how to point each client at Witness, the CA, and the effective policy. */
export function Setup({ status, identity }: { status: Status | null; identity: IdentityStatus | null }) {
  const [policy, setPolicy] = useState<Policy | null>(null);
  // Fetched again whenever another policy comes into force or a file turns bad or good (policy.changed).
  const policyKey = status ? `${status.policy.version} ${status.policy.problem?.since ?? ''}` : '';
  useEffect(() => {
    void api.call('policy', {}).then(setPolicy, () => undefined);
  }, [policyKey]);
  const [report, setReport] = useState<Report | null>(null);
  const [checking, setChecking] = useState(false);
  const [focus, setFocus] = useState<Target | null>(null);
  const runChecks = useCallback(() => {
    setChecking(true);
    void api.call('doctor', {}).then(setReport, () => undefined).finally(() => setChecking(false));
  }, []);
  useEffect(runChecks, [runChecks]);
  if (!status) return <p className="sub">connecting…</p>;
  const proxy = status.proxy.url;
  return (
    <div className="setup">
      <article className="card">
        <h2>Status</h2>
        <Seen at={status.lastInterceptedAt} health={status.health} />
        <p>
          Proxy <code>{proxy}</code> · PAC <code>{status.proxy.pacUrl}</code>
        </p>
        <p className="sub">
          {status.counters.intercepted} intercepted · {status.counters.tunnelled} tunnelled · {status.counters.websocketsRefused} WebSockets refused · {status.counters.tlsClientErrors} failed TLS
          handshakes · audit records {status.audit.records}
        </p>
      </article>
      {identity?.configured && <SignInCard identity={identity} />}
      <SyncState sync={status.sync} />
      <Checks report={report} busy={checking} onRun={runChecks} onFix={setFocus} />
      <SetupTargets focus={focus} onChanged={runChecks} />
      <article className="card">
        <h2>Witness CA</h2>
        <p>
          SHA-256 <code className="fp">{status.ca.fingerprint256}</code>
        </p>
        <p className="sub">
          valid until {new Date(status.ca.notAfter).toLocaleDateString()} · only for {status.ca.permittedSubtrees.join(', ')}
        </p>
        <p>
          <a className="button" href={DOWNLOADS.caPem} download="witness-ca.pem">
            Download witness-ca.pem
          </a>{' '}
          <span className="sub">
            or <code>witness ca cert &gt; witness-ca.pem</code>; then trust it in the OS store (it can only vouch for the hosts above).
          </span>
        </p>
        {status.ca.next && (
          <p className="sub">
            Next CA (rotation): <code className="fp">{status.ca.next.fingerprint256}</code>, included in the download.
          </p>
        )}
      </article>
      <article className="card">
        <h2>Point your tools at Witness</h2>
        <p className="sub">
          Or in a terminal: <code>witness setup</code> (all of the below, undoable), then <code>witness doctor</code>.
        </p>
        <h3>VS Code (settings.json)</h3>
        <Snippet text={`"http.proxy": "${proxy}",\n"http.proxyStrictSSL": true`} />
        <h3>Copilot CLI / Node-based clients</h3>
        <Snippet text={`HTTPS_PROXY=${proxy} NODE_EXTRA_CA_CERTS=$PWD/witness-ca.pem copilot`} />
        <h3>JetBrains</h3>
        <Snippet text={`Settings → HTTP Proxy → Manual: host ${status.proxy.host}, port ${status.proxy.port}`} />
      </article>
      {policy && (
        <article className="card">
          <h2>Effective policy</h2>
          <PolicyInForce policy={status.policy} />
          <p className="sub">Layers: {policy.layers.map((l) => (l.file ? `${l.name} (${l.file})` : l.name)).join(' < ')}</p>
          <table className="list" aria-label="Policy">
            <tbody>
              {Object.entries(policy.source)
                .sort()
                .map(([key, layer]) => (
                  <tr key={key}>
                    <td>
                      <code>{key}</code>
                    </td>
                    <td className="value">
                      <PolicyValue value={valueAt(policy.policy, key)} />
                    </td>
                    <td>
                      {layer}
                      {policy.locked.includes(key) && (
                        <span className="lock" role="img" aria-label="locked by IT" title="Locked by IT: a managed policy sets it and no other layer can change it">
                          {/* Drawn, not an emoji: emoji fonts are missing on many Linux desktops. */}
                          <svg viewBox="0 0 16 16" width="12" height="12" aria-hidden>
                            <path d="M4.5 7V5a3.5 3.5 0 0 1 7 0v2" fill="none" stroke="currentColor" strokeWidth="1.6" />
                            <rect x="2.5" y="7" width="11" height="8" rx="1.5" fill="currentColor" />
                          </svg>{' '}
                          locked
                        </span>
                      )}
                    </td>
                  </tr>
                ))}
            </tbody>
          </table>
        </article>
      )}
    </div>
  );
}

const RECENT_MS = 5 * 60_000;

/** Whether Copilot traffic has reached Witness lately: the first thing to check when setting up. */
function Seen({ at, health }: { at: string | null; health: Status['health'] }) {
  const now = useNow(5000);
  // Clients rejecting the Witness CA since the last success: say so, never green.
  if (health.level === 'warn') {
    return (
      <p className="seen stale" role="status">
        <span className="dot stale" /> {health.message}
        {at && <span className="sub"> (last Copilot request {new Date(at).toLocaleString()})</span>}
      </p>
    );
  }
  if (!at) {
    return (
      <p className="seen off" role="status">
        <span className="dot off" /> No Copilot traffic seen yet: point your editor at the proxy and trust the CA (below), then ask Copilot something.
      </p>
    );
  }
  const since = Math.max(0, now - Date.parse(at));
  const recent = since < RECENT_MS;
  return (
    <p className={`seen ${recent ? 'ok' : 'stale'}`} role="status">
      <span className={`dot ${recent ? 'ok' : 'stale'}`} /> {recent ? 'Copilot traffic seen' : 'No Copilot traffic lately: last seen'} {ago(since)}
      <span className="sub"> ({new Date(at).toLocaleString()})</span>
    </p>
  );
}

/** The value at a dotted key path. */
function valueAt(obj: Record<string, unknown>, path: string): unknown {
  let v: unknown = obj;
  for (const k of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

/** A policy value, compact; a list longer than three opens to show every entry. */
function PolicyValue({ value }: { value: unknown }) {
  if (Array.isArray(value) && value.length > 3) {
    return (
      <details className="fold list-value">
        <summary>{value.length} entries</summary>
        <ul>
          {value.map((v, i) => (
            <li key={i}>
              <code>{typeof v === 'string' ? v : JSON.stringify(v)}</code>
            </li>
          ))}
        </ul>
      </details>
    );
  }
  return <code>{typeof value === 'string' ? value : JSON.stringify(value)}</code>;
}

/** A snippet with a copy button. */
function Snippet({ text }: { text: string }) {
  const [copied, setCopied] = useState(false);
  const copy = () =>
    void navigator.clipboard.writeText(text).then(() => {
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    });
  return (
    <div className="snippet">
      <pre className="text">{text}</pre>
      <button className="ghost small" onClick={copy} aria-label="Copy">
        {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}

const BADGE = { ok: 'allowed', warn: 'warn', fail: 'blocked' } as const;

/** `witness doctor`'s checks, run by the engine; each problem with its fix (a button when setup can fix it). */
function Checks({ report, busy, onRun, onFix }: { report: Report | null; busy: boolean; onRun: () => void; onFix: (t: Target) => void }) {
  return (
    <article className="card" aria-label="Checks">
      <div className="h3row">
        <h2>Checks</h2>
        <button className="ghost small" onClick={onRun} disabled={busy}>
          {busy ? 'Checking…' : 'Run again'}
        </button>
      </div>
      <p className="sub">Run by the engine, with its environment; `witness doctor` in a terminal checks that shell's.</p>
      {report && (
        <table className="list checks" aria-label="Doctor checks">
          <tbody>
            {report.checks.map((c) => (
              <tr key={c.id}>
                <td>
                  <span className={`badge ${BADGE[c.status]}`}>{c.status}</span>
                </td>
                <td>
                  <code>{c.id}</code>
                </td>
                <td>
                  {c.finding}
                  {c.fix && c.status !== 'ok' && <div className="sub">fix: {c.fix}</div>}
                </td>
                <td>
                  {c.setup && c.status !== 'ok' && (
                    <button className="ghost" onClick={() => onFix(c.setup!)}>
                      Fix…
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </article>
  );
}

const TARGETS: Array<[Target, string]> = [
  ['trust', 'Trust stores (NSS on Linux)'],
  ['node-ca', 'NODE_EXTRA_CA_CERTS bundle'],
  ['copilot-cli', 'Copilot CLI wrapper'],
  ['vscode', 'VS Code (local and remote)'],
  ['jetbrains', 'JetBrains (steps)'],
];

/** The setup targets: preview the diff, apply, or undo; the same code as `witness setup`. */
function SetupTargets({ focus, onChanged }: { focus: Target | null; onChanged: () => void }) {
  const [result, setResult] = useState<SetupResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const act = useCallback(
    (target: Target, mode: 'preview' | 'apply' | 'undo') => {
      setBusy(true);
      setError(null);
      void api
        .call('setup', { target, dryRun: mode === 'preview', undo: mode === 'undo' })
        .then(
          (r) => {
            setResult(r);
            if (!r.dryRun) onChanged();
          },
          (e: Error) => setError(e.message),
        )
        .finally(() => setBusy(false));
    },
    [onChanged],
  );
  useEffect(() => {
    if (focus) act(focus, 'preview');
  }, [focus, act]);
  return (
    <article className="card" aria-label="Set up this machine">
      <h2>Set up this machine</h2>
      <p className="sub">Each change is backed up and can be undone; TLS verification is never turned off. Preview shows the diff first.</p>
      <table className="list targets">
        <tbody>
          {TARGETS.map(([t, label]) => (
            <tr key={t}>
              <td>{label}</td>
              <td>
                <button className="ghost" disabled={busy} onClick={() => act(t, 'preview')}>
                  Preview
                </button>{' '}
                <button className="ghost" disabled={busy} onClick={() => act(t, 'apply')}>
                  Apply
                </button>{' '}
                <button className="ghost" disabled={busy} onClick={() => act(t, 'undo')}>
                  Undo
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {error && <p className="sub warnline">{error}</p>}
      {result && (
        <div aria-label="Setup result">
          <h3>
            {result.undo ? 'Undo ' : ''}
            {result.target}
            {result.dryRun ? ' (preview: nothing changed)' : ''}
          </h3>
          {result.files.length === 0 && result.commands.length === 0 && !result.undo && <p className="sub">Nothing to change.</p>}
          {result.files.map((f) => (
            <div key={f.path}>
              <div className="file">
                {result.dryRun ? `would be ${f.action}` : f.action}: {f.path}
              </div>
              {result.dryRun && f.diff && <pre className="text patch">{f.diff}</pre>}
            </div>
          ))}
          {result.commands.map((c, i) => (
            <p key={i} className="sub mono">
              {c.ran ? (c.ok ? 'ran' : 'FAILED') : 'would run'}: {c.command}
            </p>
          ))}
          {result.notes.map((n, i) => (
            <p key={i} className="sub">
              {n}
            </p>
          ))}
        </div>
      )}
    </article>
  );
}

/** Sign-in here (the tray's "Sign in…" opens Setup): who, and the same actions as the header. */
function SignInCard({ identity }: { identity: IdentityStatus }) {
  const who = identity.email ?? identity.name ?? identity.sub;
  return (
    <article className="card" aria-label="Sign-in">
      <h2>Sign-in</h2>
      {identity.signedIn ? (
        <p>
          Signed in as <strong className="person verified">{who}</strong>
          {identity.issuer && <span className="sub"> at {identity.issuer}</span>}
          {identity.expiresAt && <span className="sub"> · token valid until {new Date(identity.expiresAt).toLocaleString()} (refreshed by itself)</span>}
          {identity.groups.length > 0 && <span className="sub"> · groups {identity.groups.join(', ')}</span>}
        </p>
      ) : (
        <p className="sub">Not signed in: records and decisions carry the OS user only. Sign in with your company account so they carry your verified identity.</p>
      )}
      <SignInActions identity={identity} />
    </article>
  );
}
