import { useEffect, useState } from 'react';
import { api, DOWNLOADS, type Status } from './api.js';
import { ago, useNow } from './Live.js';

type Policy = Awaited<ReturnType<typeof api.call<'policy'>>>;

/** Setup & status: how to point each client at Witness, the CA, and the effective policy. */
export function Setup({ status }: { status: Status | null }) {
  const [policy, setPolicy] = useState<Policy | null>(null);
  useEffect(() => {
    void api.call('policy', {}).then(setPolicy);
  }, []);
  if (!status) return <p className="sub">connecting…</p>;
  const proxy = status.proxy.url;
  return (
    <div className="setup">
      <article className="card">
        <h2>Status</h2>
        <Seen at={status.lastInterceptedAt} />
        <p>
          Proxy <code>{proxy}</code> · PAC <code>{status.proxy.pacUrl}</code>
        </p>
        <p className="sub">
          {status.counters.intercepted} intercepted · {status.counters.tunnelled} tunnelled · {status.counters.websocketsRefused} WebSockets refused · audit records {status.audit.records}
        </p>
      </article>
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
        <h3>VS Code (settings.json)</h3>
        <pre className="text">{`"http.proxy": "${proxy}"`}</pre>
        <h3>Copilot CLI / Node-based clients</h3>
        <pre className="text">{`HTTPS_PROXY=${proxy} NODE_EXTRA_CA_CERTS=$PWD/witness-ca.pem copilot`}</pre>
        <h3>JetBrains</h3>
        <pre className="text">{`Settings → HTTP Proxy → Manual: host ${status.proxy.host}, port ${status.proxy.port}`}</pre>
      </article>
      {policy && (
        <article className="card">
          <h2>Effective policy</h2>
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
                    <td className="clip">
                      <code>{valueAt(policy.policy, key)}</code>
                    </td>
                    <td>
                      {layer}
                      {policy.locked.includes(key) ? ' 🔒' : ''}
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
function Seen({ at }: { at: string | null }) {
  const now = useNow(5000);
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

/** The value at a dotted key path, shown compactly. */
function valueAt(obj: Record<string, unknown>, path: string): string {
  let v: unknown = obj;
  for (const k of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  if (Array.isArray(v)) return v.length > 3 ? `${v.length} entries` : JSON.stringify(v);
  return typeof v === 'string' ? v : JSON.stringify(v);
}
