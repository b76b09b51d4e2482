/**
 * The forward step's writes to the client: seen by its client tail, and left out of mockttp's
 * own copy of a response body, which Witness never reads.
 *
 * mockttp (4.6.5, pinned: request-utils `trackResponse`) replaces each response's `write`
 * with one that also writes the chunk into a PassThrough; with a 'response' listener (the
 * proxy keeps one, so that this copy is drained, mockttp #209) a buffer reads that stream, up
 * to `maxBodySize`, for the body of its 'response' event. Per event of a stream that is one
 * more stream write, a 'data' event and a chunk kept until the response ends: garbage made
 * on every event's path, for an event whose listener does nothing. Witness's record and audit
 * come from its own hooks, never from mockttp's events.
 *
 * What stays tracked: `end()` (the copy ends, mockttp times the response and emits its event
 * as before, with the body empty or only what `end()` was given) and every response that is
 * not streamed through the forward step (refusals, the PAC file, pass-through for other hosts).
 */
import type { ServerResponse } from 'node:http';

/**
 * Writes to `res` go to the client alone from now on, each first shown to `seen` (the forward
 * step's client tail, which counts them). Chunks piped in are Buffers; a string is shown as its
 * bytes in the write's encoding.
 */
export function skipMockttpBodyCopy(res: ServerResponse, seen: (chunk: Buffer) => void): void {
  // The tracking `write` is an own property set on the response object; the prototype's
  // (Node's own) write is the one mockttp saved as the original and what it wraps. Assigned,
  // never deleted: a delete turns the response's properties into a dictionary (~6 KB made per
  // response, seen in a heap profile).
  const write = (Object.getPrototypeOf(res) as { write: ServerResponse['write'] }).write;
  (res as { write: unknown }).write = function (this: ServerResponse, chunk: unknown, encoding?: unknown, cb?: unknown): boolean {
    seen(typeof chunk === 'string' ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8') : (chunk as Buffer));
    return (write as (this: ServerResponse, c: unknown, e?: unknown, cb?: unknown) => boolean).call(this, chunk, encoding, cb);
  };
}
