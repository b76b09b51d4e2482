import { useCallback, useEffect, useState, type DependencyList } from 'react';

export interface Polled<T> {
  /** The last value loaded; kept while a later load fails. */
  data: T | null;
  /** The message of the last failed load, cleared by the next that succeeds. */
  error: string | null;
  /** Loads again now (e.g. after a change the view made itself). */
  reload: () => void;
  /** Shows a failure of the view's own (an action, a detail it fetched) in `error`, until the next load succeeds. */
  setError: (message: string | null) => void;
}

/**
 * Loads now, when `deps` change, on `reload()`, and every `everyMs` while mounted (none when
 * null): views whose data changes on the server without telling them. A tick that comes while
 * a load is still out is skipped, so a slow server never has loads piling up; a load started
 * for older deps, or before unmount, never sets anything.
 */
export function usePolled<T>(load: () => Promise<T>, everyMs: number | null, deps: DependencyList = []): Polled<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [round, setRound] = useState(0);

  useEffect(() => {
    let live = true;
    let out = false;
    const run = () => {
      if (out) return;
      out = true;
      load().then(
        (v) => {
          if (!live) return;
          setData(() => v);
          setError(null);
        },
        (e: Error) => live && setError(e.message),
      ).finally(() => {
        out = false;
      });
    };
    run();
    const timer = everyMs === null ? undefined : setInterval(run, everyMs);
    return () => {
      live = false;
      clearInterval(timer);
    };
    // `load` is a new closure each render: `deps` name what it reads.
  }, [...deps, everyMs, round]);

  const reload = useCallback(() => setRound((n) => n + 1), []);
  return { data, error, reload, setError };
}
