/**
 * The forward step's stages connected as `stream.pipeline()` connects them, for less work at
 * each response head.
 *
 * Why: `pipeline()` is built once per response, when the response head arrives, so its cost
 * sits in front of the first event: an AbortController, and for each stream an end-of-stream
 * watcher of its own on top of the two each pipe has; through the engine 0.2-0.3 ms per event
 * stream, the largest step of the head's handling. Here each pipe has its two watchers
 * (`stream.finished()`, what `pipeline()` itself uses to see an end, an error or a premature
 * close) and nothing else: 50-80 µs against 100 µs for four streams at their 10th-100th use,
 * measured alone.
 *
 * What stays as `pipeline()` does it (Node 20; test/unit/wire.test.ts runs both on the same
 * faults and compares the transcripts): the error reported is the first one, a premature
 * close giving way to a later real error; at the first error every stream that has not ended
 * cleanly is destroyed with it, an upstream response by aborting its request; the callback
 * runs once, on the next tick, when as many ends have been counted as `pipeline()` counts
 * (so after a failure it may come before an aborted upstream response is destroyed, which
 * the forward step's outcome reads); after success the last stream is no longer watched.
 */
import { finished } from 'node:stream';

type Err = Error & { code?: string };
type Stream = NodeJS.ReadableStream | NodeJS.ReadWriteStream;
interface StreamState {
  ended?: boolean;
  errored?: unknown;
  errorEmitted?: boolean;
}

const PREMATURE = 'ERR_STREAM_PREMATURE_CLOSE';

/** Pipes `streams` in order; `done` gets the pipeline's outcome. The first must be readable, the others duplex or writable. */
export function wire(streams: readonly Stream[], done: (err: Err | undefined) => void): void {
  const n = streams.length;
  let error: Err | undefined;
  // What pipeline() counts down to its callback: each pipe's two ends (the source's end, the
  // destination's finish or either's failure). An 'error' event, and a destination closed
  // before its source ended, count too, so after a failure the callback may come before every
  // stream has closed (an aborted upstream response is then not destroyed yet).
  let pending = 2 * (n - 1);
  let destroying = true;
  // The streams whose every watched side ended cleanly: they are not destroyed at a failure.
  const open = streams.map((_, i) => (i === 0 || i === n - 1 ? 1 : 2));
  const failed = new Array<boolean>(n).fill(false);
  const stops: Array<() => void> = [];

  const settle = (err: Err | undefined) => {
    if (err && (!error || error.code === PREMATURE)) error = err;
    const final = --pending === 0;
    if (!error && !final) return;
    if (destroying) {
      destroying = false;
      for (let i = 0; i < n; i++) if (failed[i] || open[i]! > 0) destroyLikePipeline(streams[i]!, error ?? destroyedError());
    }
    if (!final) return;
    if (!error) for (const stop of stops) stop();
    process.nextTick(done, error);
  };
  const sideDone = (i: number, err: Err | undefined) => {
    if (err) failed[i] = true;
    else open[i]!--;
    settle(err);
  };

  for (let i = 0; i < n; i++) {
    const stream = streams[i]!;
    const onError = (err: Err) => {
      if (err && err.name !== 'AbortError' && err.code !== PREMATURE) settle(err);
    };
    stream.on('error', onError);
    if (i === n - 1 && isReadableSide(stream)) stops.push(() => stream.removeListener('error', onError));
    if (i === 0) continue;
    const src = streams[i - 1]!;
    let srcEnded = false;
    stream.on('close', () => {
      if (!srcEnded) settle(prematureClose());
    });
    src.once('end', () => (srcEnded = true));
    src.pipe(stream as NodeJS.WritableStream);
    finished(src, { readable: true, writable: false }, (err?: Err | null) => {
      const rs = (src as unknown as { _readableState?: StreamState })._readableState;
      if (err?.code === PREMATURE && rs?.ended && !rs.errored && !rs.errorEmitted) {
        // Some readables close before they emit 'end' (pipeline() allows it): wait for the end.
        const once = (e?: Err) => {
          src.removeListener('end', once);
          src.removeListener('error', once);
          sideDone(i - 1, e);
        };
        src.once('end', once);
        src.once('error', once);
        return;
      }
      sideDone(i - 1, err ?? undefined);
    });
    const stop = finished(stream, { readable: false, writable: true }, (err?: Err | null) => sideDone(i, err ?? undefined));
    if (i === n - 1 && isReadableSide(stream)) stops.push(stop);
  }
}

function prematureClose(): Err {
  const e: Err = new Error('Premature close');
  e.code = PREMATURE;
  return e;
}

function isReadableSide(s: Stream): boolean {
  return typeof (s as { pipe?: unknown }).pipe === 'function' && (s as { readable?: boolean }).readable !== false;
}

function destroyedError(): Err {
  const e: Err = new Error('Cannot call pipe after a stream was destroyed');
  e.code = 'ERR_STREAM_DESTROYED';
  return e;
}

/** Node's own destroyer (internal/streams/destroy.js) for the streams the forward step wires. */
function destroyLikePipeline(stream: Stream, err: Err): void {
  const s = stream as Stream & {
    destroyed?: boolean;
    destroy?: (e?: Error) => void;
    req?: { setHeader?: unknown; abort?: () => void; upgradeOrConnect?: unknown };
    _consuming?: unknown;
    _dumped?: unknown;
    socket?: unknown;
    _readableState?: { destroyed?: boolean };
    _writableState?: { destroyed?: boolean };
  };
  if (s.destroyed || (s._writableState ?? s._readableState)?.destroyed) return;
  if (typeof s._consuming === 'boolean' && typeof s._dumped === 'boolean' && s.req?.upgradeOrConnect === undefined) {
    s.socket = null;
    s.destroy?.(err);
  } else if (s.req?.setHeader && typeof s.req.abort === 'function') {
    // An upstream response: its request is aborted (its socket closes, not reused).
    s.req.abort();
  } else s.destroy?.(err);
}
