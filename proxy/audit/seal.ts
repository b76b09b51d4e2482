/**
 * Sealing one record: its place in the hash chain and the frame that holds it (deflated),
 * the CPU-heavy part of an append. One function, run two ways: here on the event loop for
 * small records, and from its source text in the sealing worker (sealer.ts) for big ones, so
 * both ways make the same bytes. It must therefore reach nothing outside itself: no imports,
 * no module constants; what it needs comes in `tools` and `job`.
 */

/** What sealing a record needs, all of it cloneable (it crosses to the worker). */
export interface SealJob {
  prevHash: string;
  /** The record without its hash; plain data only. */
  unsigned: Record<string, unknown>;
  /** The group payload of the bodies and list node written with the record (null: a lone record frame). */
  prefix: Uint8Array | null;
  /** Frame type letters: [lone record, group, record entry]. */
  types: [string, string, string];
  /** zlib options for the frame (frames.ts decides them). */
  zlib: object;
}

export interface SealTools {
  canonicalJson(value: unknown): string;
  sha256Hex(data: string): string;
  deflate(data: Uint8Array, opts: object): Uint8Array;
}

/**
 * hash = SHA-256(prevHash || canonical(record)); the record's JSON is its canonical text
 * with the hash added last (serialized once). The frame: the lone record, deflated; or the
 * group payload with the record as its last entry (type, u32 BE length, body), deflated.
 */
export function sealRecord(tools: SealTools, job: SealJob): { hash: string; frame: Uint8Array } {
  const canon = tools.canonicalJson(job.unsigned);
  const hash = tools.sha256Hex(job.prevHash + canon);
  const json = Buffer.from(canon === '{}' ? `{"hash":"${hash}"}` : `${canon.slice(0, -1)},"hash":"${hash}"}`, 'utf8');
  let plain: Uint8Array = json;
  if (job.prefix) {
    const head = Buffer.allocUnsafe(5);
    head[0] = job.types[2].charCodeAt(0);
    head.writeUInt32BE(json.length, 1);
    plain = Buffer.concat([job.prefix, head, json]);
  }
  const body = tools.deflate(plain, job.zlib);
  const frame = Buffer.allocUnsafe(1 + body.length);
  frame[0] = (job.prefix ? job.types[1] : job.types[0]).charCodeAt(0);
  frame.set(body, 1);
  return { hash, frame };
}
