import { useEffect, useState } from 'react';
import { api, type Status } from './api.js';

type Policy = Awaited<ReturnType<typeof api.call<'policy'>>>;

/** Setup & status: how to point each client at Witness, the CA, and the effective policy. */
export function Setup({ status }: { status: Status | null }) {
  const [policy, setPolicy] = useState<Policy | null>(null);
  useEffect(() => {
    void api.call('policy', {}).then(setPolicy);
  }, []);
  if (!status) return <p className="sub">connecting…</p>;
  const proxy = status.proxy.url;
  const seen = status.lastInterceptedAt ? `last Copilot request ${new Date(status.lastInterceptedAt).toLocaleString()}` : 'no Copilot traffic seen yet';
  return (
    <div className="setup">
      <article className="card">
        <h2>Status</h2>
        <p>
          Proxy <code>{proxy}</code> · PAC <code>{status.proxy.pacUrl}</code> · {seen}
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
        <p className="sub">Save it with <code>witness ca cert &gt; witness-ca.pem</code> and trust it in the OS store.</p>
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

/** The value at a dotted key path, shown compactly. */
function valueAt(obj: Record<string, unknown>, path: string): string {
  let v: unknown = obj;
  for (const k of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  if (Array.isArray(v)) return v.length > 3 ? `${v.length} entries` : JSON.stringify(v);
  return typeof v === 'string' ? v : JSON.stringify(v);
}
