/**
 * The central policy layer (admins): the current version in an editor, checked against the
 * engine's policy schema by the server (the key's path shown at the editor), a diff against
 * the current version before anything is published, then PUT /api/v1/policy; the version
 * history beside it (any version can be loaded back into the editor).
 */
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { diffLines } from 'diff';
import { ServerError, type CentralPolicy } from '../server.js';
import type { ViewProps } from '../views.js';

const pretty = (v: unknown) => JSON.stringify(v, null, 2) + '\n';

type Problem = { path: string; message: string };
type Step = { kind: 'edit' } | { kind: 'review'; doc: Record<string, unknown> } | { kind: 'published'; version: number };

/** A 400 from the server says "path: message". */
function problemOf(e: unknown): Problem | null {
  if (!(e instanceof ServerError) || e.status !== 400) return null;
  const i = e.message.indexOf(': ');
  return i > 0 ? { path: e.message.slice(0, i), message: e.message.slice(i + 2) } : { path: '(root)', message: e.message };
}

export function Policy({ api }: ViewProps) {
  const [current, setCurrent] = useState<CentralPolicy | null>(null);
  const [history, setHistory] = useState<CentralPolicy[]>([]);
  const [text, setText] = useState('');
  const [step, setStep] = useState<Step>({ kind: 'edit' });
  const [problem, setProblem] = useState<Problem | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = () =>
    Promise.all([api.policy(), api.policyHistory()]).then(
      ([c, h]) => {
        setCurrent(c);
        setHistory(h.items);
        setText(pretty(c.policy));
      },
      (e: Error) => setError(e.message),
    );
  useEffect(() => void load(), []);

  const review = async () => {
    setProblem(null);
    setError(null);
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      return setProblem({ path: '(JSON)', message: (e as Error).message });
    }
    setBusy(true);
    try {
      const r = await api.validatePolicy(doc);
      if (r.problem) setProblem(r.problem);
      else setStep({ kind: 'review', doc: doc as Record<string, unknown> });
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const publish = async (doc: Record<string, unknown>) => {
    setBusy(true);
    try {
      const p = await api.publishPolicy(doc);
      setStep({ kind: 'published', version: p.version });
      await load();
    } catch (e) {
      const pr = problemOf(e);
      if (pr) {
        setProblem(pr);
        setStep({ kind: 'edit' });
      } else setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="policy-editor">
      <div className="policy-main">
        <div className="h3row">
          <h2>
            Central policy {current ? (current.version ? `· version ${current.version}` : '· nothing published yet') : ''}
          </h2>
          {current?.publishedAt && (
            <span className="sub">
              published {new Date(current.publishedAt).toLocaleString()} by {current.publishedBy}
            </span>
          )}
        </div>
        <p className="sub">
          The <code>central</code> layer every engine applies (signed by this server, verified with its pinned key). Same schema as a policy file; see docs/policy.md.
        </p>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        {step.kind === 'review' ? (
          <Review before={current ? pretty(current.policy) : '{}\n'} after={pretty(step.doc)} version={(current?.version ?? 0) + 1}>
            <button className="primary" disabled={busy} onClick={() => void publish(step.doc)}>
              Publish version {(current?.version ?? 0) + 1}
            </button>
            <button className="ghost" disabled={busy} onClick={() => setStep({ kind: 'edit' })}>
              Back to the editor
            </button>
          </Review>
        ) : (
          <>
            {step.kind === 'published' && (
              <p className="ok-line" role="status">
                Version {step.version} published and signed: engines pick it up at their next check-in.
              </p>
            )}
            <textarea
              className={`editor mono${problem ? ' invalid' : ''}`}
              aria-label="Policy document (JSON)"
              aria-invalid={problem !== null}
              aria-describedby={problem ? 'policy-problem' : undefined}
              spellCheck={false}
              value={text}
              onChange={(e) => {
                setText(e.target.value);
                setProblem(null);
                if (step.kind === 'published') setStep({ kind: 'edit' });
              }}
            />
            {problem && (
              <p id="policy-problem" className="error problem-line" role="alert">
                <code className="path">{problem.path}</code> {problem.message}
              </p>
            )}
            <div className="actions">
              <button className="primary" disabled={busy || !current} onClick={() => void review()}>
                Review changes…
              </button>
              <button className="ghost" disabled={busy || !current} onClick={() => current && (setText(pretty(current.policy)), setProblem(null))}>
                Discard edits
              </button>
            </div>
          </>
        )}
      </div>
      <aside className="policy-history" aria-label="Version history">
        <h3>History</h3>
        {history.length === 0 && <p className="sub">No version published yet.</p>}
        <ol>
          {history.map((h) => (
            <li key={h.version}>
              <strong>v{h.version}</strong> <span className="sub">{h.publishedAt ? new Date(h.publishedAt).toLocaleString() : ''}</span>
              <div className="sub">by {h.publishedBy}</div>
              <button
                className="ghost small"
                onClick={() => {
                  setText(pretty(h.policy));
                  setProblem(null);
                  setStep({ kind: 'edit' });
                }}
              >
                Load into editor
              </button>
            </li>
          ))}
        </ol>
      </aside>
    </section>
  );
}

/** The change about to be published, line by line against the current version. */
function Review({ before, after, version, children }: { before: string; after: string; version: number; children: ReactNode }) {
  const parts = useMemo(() => diffLines(before, after), [before, after]);
  const changed = parts.some((p) => p.added || p.removed);
  return (
    <div className="review" role="region" aria-label="Changes to publish">
      <h3>
        Changes in version {version} {changed ? '' : '(none: the same document as the current version)'}
      </h3>
      <pre className="text diff" aria-label="Policy diff">
        {parts.map((p, i) =>
          p.value
            .replace(/\n$/, '')
            .split('\n')
            .map((line, j) => (
              <span key={`${i}-${j}`} className={p.added ? 'add' : p.removed ? 'del' : 'same'}>
                {p.added ? '+ ' : p.removed ? '- ' : '  '}
                {line}
                {'\n'}
              </span>
            )),
        )}
      </pre>
      <div className="actions">{children}</div>
    </div>
  );
}
