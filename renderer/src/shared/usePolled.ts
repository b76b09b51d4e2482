import { useCallback, useEffect, useRef, useState, type DependencyList } from 'react';
import { poll } from './poll.js';

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
 * `poll` for a view: loads now, when `deps` change, on `reload()`, and every `everyMs` while
 * mounted; a load started for older deps, or before unmount, never sets anything.
 */
export function usePolled<T>(load: () => Promise<T>, everyMs: number | null, deps: DependencyList = []): Polled<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [round, setRound] = useState(0);

  // Each tick runs the latest render's `load` (a renewed session's api, say); `deps` say when
  // a change must load again at once.
  const latest = useRef(load);
  useEffect(() => {
    latest.current = load;
  });
  useEffect(
    () =>
      poll(() => latest.current(), everyMs, {
        data: (v) => {
          setData(() => v);
          setError(null);
        },
        error: setError,
      }),
    [...deps, everyMs, round],
  );

  const reload = useCallback(() => setRound((n) => n + 1), []);
  return { data, error, reload, setError };
}
