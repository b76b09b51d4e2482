/**
 * The frame codec: what the plaintext of a journal frame holds, by type. Every reader and
 * writer of frame contents goes through here (the letters are the on-disk format and never
 * appear anywhere else). The journal (journal.ts) seals and frames these bytes; this file
 * never touches a file.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { AuditRecord } from '../model/index.js';

/** Frame types, as the first byte of a frame's plaintext (docs/audit.md has the table). */
export const Frame = {
  /** A message body: SHA-256 (32 bytes) then the deflated text. */
  Body: 'B',
  /** A list node (the messages after a stored prefix), deflated JSON. */
  List: 'L',
  /** A record as appended, in chain order, deflated. */
  Record: 'R',
  /** A record copied forward by retention, deflated. */
  Copied: 'C',
  /** A pruning boundary {seq, hash}, plain JSON. */
  Pruned: 'P',
  /** Everything one append adds (bodies, list node, record) as entries, deflated once. */
  Group: 'G',
  /** An exchange started {id, time, method, host, path}, plain JSON. */
  Started: 'S',
  /** A gap: an exchange a stopped run started and never recorded, plain JSON. */
  Gap: 'X',
} as const;
export type FrameType = (typeof Frame)[keyof typeof Frame];

const TYPES = new Set<string>(Object.values(Frame));
/** Frames whose body is stored as is (small JSON), not deflated. */
const PLAIN = new Set<string>([Frame.Pruned, Frame.Started, Frame.Gap]);

/**
 * Frames are compressed for speed (level 1, small window): appends are on the hot path.
 * The output buffer is sized to the input (zlib's default is 16 KB per call): those
 * buffers live outside the JS heap and are freed from GC callbacks, and with one per frame
 * they made each young-generation pause 2–3 ms longer (measured with --trace-gc-nvp).
 */
export function compress(data: Buffer | string): Buffer {
  return deflateRawSync(data, compressOptions(typeof data === 'string' ? data.length : data.byteLength));
}

/** The zlib options for `n` bytes of frame content (also what the sealing worker is given). */
export function compressOptions(n: number): { level: number; windowBits: number; memLevel: number; chunkSize: number } {
  const chunkSize = Math.min(64 * 1024, Math.max(512, 1 << Math.ceil(Math.log2(n / 2 + 1))));
  return { level: 1, windowBits: 12, memLevel: 5, chunkSize };
}

export function frame(type: FrameType, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(type), body]);
}

/** frame(type, Buffer.from(text)) in one buffer (the type is one ASCII letter). */
export function textFrame(type: FrameType, text: string): Buffer {
  return Buffer.from(type + text);
}

export function frameType(f: Buffer): FrameType {
  const t = String.fromCharCode(f[0]!);
  if (!TYPES.has(t)) throw new Error(`unknown frame type ${JSON.stringify(t)}`);
  return t as FrameType;
}

/** An entry as the store reads it: its type and plain body (a Body: the 32-byte hash, then the text). */
export interface FrameEntry {
  type: FrameType;
  body: Buffer;
}

/** The plain body of a frame that is not a group. */
export function decodeFrame(f: Buffer): FrameEntry {
  const type = frameType(f);
  if (type === Frame.Group) throw new Error('a group frame has entries, not one body');
  if (type === Frame.Body) return { type, body: Buffer.concat([f.subarray(1, 33), inflateRawSync(f.subarray(33))]) };
  return { type, body: PLAIN.has(type) ? f.subarray(1) : inflateRawSync(f.subarray(1)) };
}

/**
 * Every entry of a frame with where it sits (`sub`: its offset in a group's payload, or null
 * for a frame of its own). A lone Body gives only its hash (what replay needs), not its text.
 */
export function* frameEntries(f: Buffer): Generator<FrameEntry & { sub: number | null }> {
  const type = frameType(f);
  if (type === Frame.Group) {
    const payload = inflateRawSync(f.subarray(1));
    for (let sub = 0; sub < payload.length; ) {
      const entry = groupEntryAt(payload, sub);
      yield { ...entry, sub };
      sub += 5 + entry.body.length;
    }
  } else if (type === Frame.Body) yield { type, body: f.subarray(1, 33), sub: null };
  else yield { ...decodeFrame(f), sub: null };
}

/** The entry at `sub` of a group frame. */
export function groupEntry(f: Buffer, sub: number): FrameEntry {
  if (frameType(f) !== Frame.Group) throw new Error('not a group frame');
  return groupEntryAt(inflateRawSync(f.subarray(1)), sub);
}

/** An entry of a group frame: a body, list node or record, and for the first two the index row it gets. */
export type GroupEntry = { type: typeof Frame.Body | typeof Frame.List | typeof Frame.Record; body: Buffer } & ({ table: 'blobs' | 'lists'; hash: string } | { table?: undefined });

/** A group's plain payload: per entry, its type (1 byte), body length (u32 BE) and body; and where each entry starts. */
export function groupPayload(entries: GroupEntry[]): { payload: Buffer; subs: number[] } {
  const parts: Buffer[] = [];
  const subs: number[] = [];
  let at = 0;
  for (const e of entries) {
    const head = Buffer.allocUnsafe(5);
    head[0] = e.type.charCodeAt(0);
    head.writeUInt32BE(e.body.length, 1);
    parts.push(head, e.body);
    subs.push(at);
    at += 5 + e.body.length;
  }
  return { payload: Buffer.concat(parts, at), subs };
}

function groupEntryAt(payload: Buffer, sub: number): FrameEntry {
  if (sub < 0 || sub + 5 > payload.length) throw new Error(`no group entry at ${sub}`);
  const end = sub + 5 + payload.readUInt32BE(sub + 1);
  if (end > payload.length) throw new Error(`the group entry at ${sub} runs past the group`);
  const type = String.fromCharCode(payload[sub]!);
  if (!TYPES.has(type)) throw new Error(`unknown entry type ${JSON.stringify(type)} in a group`);
  return { type: type as FrameType, body: payload.subarray(sub + 5, end) };
}

/** The seqs of the records a frame holds (a record, a copied record, or inside a group); none for other or unreadable frames. */
export function recordSeqs(f: Buffer): number[] {
  try {
    const out: number[] = [];
    for (const e of frameEntries(f)) if (e.type === Frame.Record || e.type === Frame.Copied) out.push((JSON.parse(e.body.toString('utf8')) as AuditRecord).seq);
    return out;
  } catch {
    return [];
  }
}
