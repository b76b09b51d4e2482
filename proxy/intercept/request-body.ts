/** The intercepted request's body as the forward step reads it for inspection. */

/** The parts of mockttp's ongoing request these helpers read. */
interface RequestHead {
  httpVersion: string;
  rawHeaders: Array<[string, string]>;
}

/**
 * An HTTP/1 request with neither Transfer-Encoding nor a Content-Length above 0 has no body
 * (RFC 9112 §6.3). HTTP/2 may send a body without either header, so it is always read.
 */
export function hasNoBody(req: RequestHead): boolean {
  if (!req.httpVersion.startsWith('1.')) return false;
  for (const [k, v] of req.rawHeaders) {
    const key = k.toLowerCase();
    if (key === 'transfer-encoding') return false;
    if (key === 'content-length' && v.trim() !== '0') return false;
  }
  return true;
}

/** Reads a stream until it ends or passes `limit` bytes (then it is left paused). */
export function collectBounded(stream: NodeJS.ReadableStream, limit: number): Promise<{ chunks: Buffer[]; overflow: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
    };
    const onData = (c: Buffer) => {
      chunks.push(c);
      size += c.length;
      if (size > limit) {
        stream.pause();
        cleanup();
        resolve({ chunks, overflow: true });
      }
    };
    const onEnd = () => {
      cleanup();
      resolve({ chunks, overflow: false });
    };
    const onError = (e: Error) => {
      cleanup();
      reject(e);
    };
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onError);
  });
}
