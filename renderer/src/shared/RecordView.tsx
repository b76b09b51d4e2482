/** The record detail both UIs show (pure: no I/O; the callers fetch). */
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { extractOperation, type ExportedRecord } from '../../../proxy/model/index.js';
import { clientName, formatMs, formatSize, prettyJson } from '../format.js';
import { personName, restoredLine, verified, type ApprovalView, type LiveItem } from '../model.js';
import { Masked } from './Masked.js';
import { Previews } from './Previews.js';
import { Timings } from './Timings.js';

/** Where a record landed: what only the store knows (null while it is not stored yet). */
export type RecordPlace = Pick<ExportedRecord, 'seq' | 'device' | 'hash' | 'prevHash' | 'headers' | 'pace' | 'identity' | 'user'>;

/**
 * One interaction in full: who asked what (human text apart from the context the editor
 * injected), what came back, tool calls rendered for what they do, timings, the policy and
 * approval trail, redacted headers and the record's place in the hash chain. Shared by the
 * Witness window and the console: it fetches nothing; the caller passes the stored record.
 */
export function RecordView({
  item,
  record,
  pending,
  banner,
  chainNote,
}: {
  item: LiveItem;
  record: RecordPlace | null;
  pending?: ApprovalView | undefined;
  /** Shown under the header (the window's decision banner for a held exchange). */
  banner?: ReactNode;
  /** What to say in place of the chain while there is no record. */
  chainNote?: string;
}) {
  const headers = item.headers ?? record?.headers;
  const pace = item.pace ?? record?.pace;
  const replay = useReplay(pace);
  const shown = replay.at ? cut(item, replay.at) : item;
  const t = item.timings;
  const total = t.end !== null ? t.end - t.start : null;
  const context = item.context.filter((c) => c.trim());
  const contextBytes = context.reduce((n, c) => n + c.length, 0);

  return (
    <article className="detail" aria-label="Interaction detail">
      <header className="detail-head">
        <h2>
          {item.endpoint} · {item.model ?? 'unknown model'}{' '}
          {pending ? <span className="badge pending">waiting for approval</span> : item.streaming ? <span className="badge streaming">streaming</span> : <span className={`badge ${item.decision}`}>{item.decision}</span>}
          {item.status !== 'ok' && !item.streaming && <span className="badge blocked">{item.status}</span>}
        </h2>
        <p className="sub">
          <span className={verified(item.identity ?? record?.identity) ? 'person verified' : 'person'}>{personName(item.identity ?? record?.identity, item.user ?? record?.user ?? 'unknown user')}</span> · {clientName(item)} {item.client.editorVersion ?? ''}
          {item.client.plugin ? ` · ${item.client.plugin}` : ''}
          {item.client.intent ? ` · ${item.client.intent}` : ''}
          {item.client.initiator ? ` · initiated by ${item.client.initiator}` : ''}
        </p>
        <p className="sub mono">
          {item.method} {item.host}
          {item.path.split('?')[0]} · {new Date(item.time).toLocaleString()}
        </p>
      </header>

      {banner}

      <Timings item={item} total={total} pending={pending} />

      <h3>Prompt</h3>
      <pre className="text">
        <Masked text={item.prompt || '(no prompt text)'} />
      </pre>
      {context.length > 0 && (
        <details className="fold">
          <summary>
            Injected context · {context.length} block{context.length === 1 ? '' : 's'}, {formatSize(contextBytes)}
          </summary>
          {context.map((c, i) => (
            <pre key={i} className="text ctx">
              <Masked text={c} />
            </pre>
          ))}
        </details>
      )}
      {item.contextFiles.length > 0 && (
        <>
          <h3>Context files</h3>
          <ul className="files" aria-label="Context files">
            {item.contextFiles.map((f) => (
              <li key={f}>
                <code>{f}</code>
              </li>
            ))}
          </ul>
        </>
      )}
      {item.toolsOffered.length > 0 && (
        <details className="fold">
          <summary>Tools offered · {item.toolsOffered.length}</summary>
          <p className="sub mono">{item.toolsOffered.join(' · ')}</p>
        </details>
      )}

      {(item.response || shown.toolCalls.length > 0 || item.streaming) && (
        <div className="h3row">
          <h3>
            Response{item.streaming ? ' (streaming…)' : ''}
            {replay.at && <span className="sub"> · replaying {formatMs(replay.at[0])}</span>}
          </h3>
          {pace && pace.length > 1 && !item.streaming && (
            <button className="ghost" onClick={replay.toggle} aria-pressed={replay.at !== null}>
              {replay.at ? 'Stop replay' : `▶ Replay (${formatMs(pace[pace.length - 1]![0] - pace[0]![0])})`}
            </button>
          )}
        </div>
      )}
      {(shown.response || (item.streaming && !item.toolCalls.length)) && (
        <pre className="text" aria-label="Response text">
          <Masked text={shown.response} />
          {(item.streaming || replay.at) && <span className="caret" aria-hidden />}
        </pre>
      )}
      {shown.toolCalls.length > 0 && (
        <>
          <h3>Tool calls</h3>
          {shown.toolCalls.map((c) => (
            <ToolCall key={`${c.index}-${c.id}`} name={c.name} args={c.arguments} trail={item.approvals.filter((a) => a.tool === c.name)} />
          ))}
        </>
      )}
      {item.usage && (
        <p className="sub">
          Tokens: {item.usage.promptTokens ?? '?'} in · {item.usage.completionTokens ?? '?'} out
          {item.usage.cachedTokens ? ` · ${item.usage.cachedTokens} cached` : ''}
          {item.finishReason ? ` · finish: ${item.finishReason}` : ''}
        </p>
      )}

      <h3>Policy</h3>
      <Policy item={item} />

      {headers && (
        <details className="fold">
          <summary>
            Headers · {headers.request.length} request, {headers.response.length} response (credentials redacted)
          </summary>
          <HeaderTable title="Request" pairs={headers.request} />
          <HeaderTable title="Response" pairs={headers.response} />
        </details>
      )}

      <h3>Audit chain</h3>
      {record ? (
        <dl className="chain">
          <dt>Position</dt>
          <dd>
            seq {record.seq} on device <code>{record.device.slice(0, 12)}</code>
          </dd>
          <dt>Hash</dt>
          <dd>
            <code title={record.hash}>{record.hash}</code>
          </dd>
          <dt>Previous</dt>
          <dd>
            <code title={record.prevHash}>{record.prevHash}</code>
          </dd>
        </dl>
      ) : (
        <p className="sub">{chainNote ?? 'loading…'}</p>
      )}
    </article>
  );
}

function ToolCall({ name, args, trail }: { name: string; args: string; trail: LiveItem['approvals'] }) {
  const op = useMemo(() => extractOperation(name, args), [name, args]);
  const [raw, setRaw] = useState(false);
  const verdict = trail[trail.length - 1]?.verdict;
  return (
    <div className="toolcall" aria-label={`Tool call ${name}`}>
      <div className="toolhead">
        <strong>{name}</strong>
        {verdict && <span className={`badge ${verdict}`}>{verdict}</span>}
        {/* The class once: "edit /path", not "edit edit /path". */}
        {op.paths.length > 0 ? <span className="sub mono">{op.paths.map((p) => `${p.action} ${p.path}`).join(' · ')}</span> : <span className="sub">{op.class}</span>}
        <button className="ghost small" onClick={() => setRaw(!raw)} aria-pressed={raw}>
          {raw ? 'rendered' : 'raw'}
        </button>
      </div>
      {raw || op.previews.length === 0 ? (
        <pre className="text tool">
          <Masked text={prettyJson(args)} />
        </pre>
      ) : (
        <Previews previews={op.previews} />
      )}
    </div>
  );
}

function Policy({ item }: { item: LiveItem }) {
  const masked = item.maskings.filter((m) => m.count > 0);
  return (
    <div className="policy">
      <p>
        <span className={`badge ${item.decision}`}>{item.decision}</span>
        {item.ruleIds.length > 0 && <span className="sub"> by rule {item.ruleIds.join(', ')}</span>}
        {masked.length > 0 && <span className="sub"> · masked {masked.map((m) => `${m.count}× ${m.type} in the ${m.where}`).join(', ')}</span>}
      </p>
      {item.restoredForEditor && (
        <p className="sub restored" aria-label="Restored for the editor">
          {restoredLine(item.restoredForEditor.restored, item.restoredForEditor.collisions)}
        </p>
      )}
      {item.notInspected.length > 0 && <p className="sub warnline">Not inspected: {item.notInspected.join('; ')}</p>}
      {item.errors.length > 0 && <p className="sub warnline">Errors: {item.errors.join('; ')}</p>}
      {item.approvals.length > 0 && (
        <ol className="trail" aria-label="Approval trail">
          {item.approvals.map((a, i) => (
            <li key={a.id ?? i}>
              <span className={`badge ${a.verdict}`}>{a.verdict}</span> <strong>{a.tool}</strong>
              {a.ruleIds.length > 0 && <span className="sub"> · rule {a.ruleIds.join(', ')}</span>}
              {a.reasons.length > 0 && <span className="sub"> · {a.reasons.join('; ')}</span>}
              <div className="sub">
                {a.requestedAt && `held ${new Date(a.requestedAt).toLocaleTimeString()}`}
                {a.decidedAt && ` → decided ${new Date(a.decidedAt).toLocaleTimeString()}`}
                {a.approver && ` by ${personName(a.approverIdentity, a.approver)}${verified(a.approverIdentity) ? ' ✓' : ''}`}
                {a.reason && ` — “${a.reason}”`}
              </div>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

function HeaderTable({ title, pairs }: { title: string; pairs: Array<[string, string]> }) {
  if (pairs.length === 0) return null;
  return (
    <table className="kv" aria-label={`${title} headers`}>
      <caption>{title}</caption>
      <tbody>
        {pairs.map(([k, v], i) => (
          <tr key={i}>
            <th>{k}</th>
            <td className={v.includes('[REDACTED]') ? 'redacted' : undefined}>
              <Masked text={v} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * Plays the recorded response back at its recorded pace: `at` is the point reached
 * ([ms, response chars, tool-argument chars]) while playing, null otherwise.
 */
function useReplay(pace: Array<[number, number, number]> | undefined) {
  const [at, setAt] = useState<[number, number, number] | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const stop = () => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    setAt(null);
  };
  useEffect(() => stop, []);
  const toggle = () => {
    if (at || !pace?.length) return stop();
    const t0 = pace[0]![0];
    const started = performance.now();
    setAt([0, 0, 0]);
    const step = (k: number) => {
      if (k >= pace.length) {
        timer.current = setTimeout(stop, 600);
        return;
      }
      const [t, x, y] = pace[k]!;
      const due = started + (t - t0) - performance.now();
      timer.current = setTimeout(() => {
        setAt([t - t0, x, y]);
        step(k + 1);
      }, Math.max(0, due));
    };
    step(0);
  };
  return { at, toggle };
}

/** The interaction as it looked `at` into its stream (tool arguments fill in call order). */
function cut(item: LiveItem, at: [number, number, number]): LiveItem {
  let left = at[2];
  const toolCalls = [];
  for (const c of item.toolCalls) {
    if (left <= 0 && c.arguments.length > 0) break;
    toolCalls.push({ ...c, arguments: c.arguments.slice(0, Math.max(0, left)) });
    left -= c.arguments.length;
  }
  return { ...item, response: item.response.slice(0, at[1]), toolCalls };
}
