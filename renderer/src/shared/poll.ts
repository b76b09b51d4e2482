/** Polling without React (usePolled's core), so a test drives it with a timer of its own. */

/** A repeating timer: calls `tick` every `ms` until the returned function is called. */
export type Every = (tick: () => void, ms: number) => () => void;

const every: Every = (tick, ms) => {
  const timer = setInterval(tick, ms);
  return () => clearInterval(timer);
};

/**
 * Loads now and on every tick of `timer` (none when `everyMs` is null); returns the stop. A
 * tick that comes while a load is still out is skipped, so a slow server never has loads
 * piling up; a load that settles after the stop reports nothing.
 */
export function poll<T>(load: () => Promise<T>, everyMs: number | null, report: { data(v: T): void; error(message: string): void }, timer: Every = every): () => void {
  let live = true;
  let out = false;
  const run = () => {
    if (out) return;
    out = true;
    load()
      .then(
        (v) => live && report.data(v),
        (e: Error) => live && report.error(e.message),
      )
      .finally(() => {
        out = false;
      });
  };
  run();
  const stopTimer = everyMs === null ? undefined : timer(run, everyMs);
  return () => {
    live = false;
    stopTimer?.();
  };
}
