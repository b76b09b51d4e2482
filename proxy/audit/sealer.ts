/**
 * Where records are sealed (seal.ts): a big record (a long answer, a long conversation) in a
 * worker thread, so that hashing, serializing and deflating a megabyte never stalls the
 * event loop that serves the proxy and the control API; a small one here, where a round trip
 * to the worker would cost more than the work. Same function both ways, same bytes. The
 * worker is started on the first big record and stopped with the store; if it cannot start
 * or dies, its jobs (and every later one) are sealed here: a record is never lost to it.
 */
import { hash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { deflateRawSync } from 'node:zlib';
import { canonicalJson, type Interaction } from '../model/index.js';
import { CANONICAL_JSON_FUNCTIONS } from '../model/node.js';
import type { Logger } from '../log.js';
import { compressOptions, Frame } from './frames.js';
import { sealRecord, type SealJob, type SealTools } from './seal.js';

/** Records whose text is larger than this (UTF-16 units, roughly bytes) are sealed in the worker. */
export const OFFLOAD_CHARS = 64 * 1024;

const tools: SealTools = {
  canonicalJson,
  sha256Hex: (data) => hash('sha256', data, 'hex'),
  deflate: (data, opts) => deflateRawSync(data, opts),
};

/** The worker's program: the same sealing function and canonical JSON, from their source. */
function workerSource(): string {
  return [
    "'use strict';",
    "const { parentPort } = require('node:worker_threads');",
    "const { hash } = require('node:crypto');",
    "const { deflateRawSync } = require('node:zlib');",
    ...CANONICAL_JSON_FUNCTIONS.map((f) => f.toString()),
    `const sealRecord = ${sealRecord.toString()};`,
    "const tools = { canonicalJson, sha256Hex: (d) => hash('sha256', d, 'hex'), deflate: (d, o) => deflateRawSync(d, o) };",
    'parentPort.on("message", ({ id, job }) => {',
    '  try {',
    '    const { hash, frame } = sealRecord(tools, job);',
    '    const out = new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength);',
    '    parentPort.postMessage({ id, hash, frame: out }, out.byteOffset === 0 && out.byteLength === out.buffer.byteLength ? [out.buffer] : []);',
    '  } catch (e) {',
    '    parentPort.postMessage({ id, error: String(e && e.stack || e) });',
    '  }',
    '});',
  ].join('\n');
}

type Sealed = { hash: string; frame: Buffer };
type Waiting = { job: SealJob; resolve: (s: Sealed) => void; reject: (e: Error) => void };

export class RecordSealer {
  private worker: Worker | null = null;
  /** The worker failed once: everything is sealed here from then on. */
  private failed = false;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 0;
  /** Records sealed in the worker (status and tests read it). */
  offloaded = 0;

  constructor(
    private readonly log: Logger,
    private readonly offloadChars = OFFLOAD_CHARS,
  ) {}

  /** Seals a record whose text is about `chars` long: in the worker when it is big. */
  seal(job: SealJob, chars: number): Sealed | Promise<Sealed> {
    if (chars < this.offloadChars || this.failed) return here(job);
    const worker = this.worker ?? this.start();
    if (!worker) return here(job);
    const id = this.nextId++;
    this.offloaded++;
    return new Promise<Sealed>((resolve, reject) => {
      this.waiting.set(id, { job, resolve, reject });
      if (this.waiting.size === 1) worker.ref();
      worker.postMessage({ id, job });
    });
  }

  private start(): Worker | null {
    try {
      const w = new Worker(workerSource(), { eval: true, name: 'witness-audit-sealer' });
      w.on('message', (m: { id: number; hash?: string; frame?: Uint8Array; error?: string }) => {
        const job = this.waiting.get(m.id);
        if (!job) return;
        this.waiting.delete(m.id);
        if (this.waiting.size === 0) w.unref();
        if (m.error !== undefined) job.reject(new Error(`sealing a record failed: ${m.error}`));
        else job.resolve({ hash: m.hash!, frame: Buffer.from(m.frame!.buffer, m.frame!.byteOffset, m.frame!.byteLength) });
      });
      w.on('error', (e) => this.lost(e));
      w.on('exit', (code) => {
        if (this.worker === w) this.lost(new Error(`the sealing worker exited (code ${code})`));
      });
      w.unref();
      this.worker = w;
      return w;
    } catch (e) {
      this.lost(e as Error);
      return null;
    }
  }

  /** The worker is gone: what it held is sealed here, in the order it was handed over. */
  private lost(e: Error) {
    if (this.failed) return;
    this.failed = true;
    this.worker = null;
    this.log.error('the audit sealing worker failed; records are sealed on the main thread from now on', { err: e });
    const held = [...this.waiting.values()];
    this.waiting.clear();
    for (const w of held) {
      try {
        w.resolve(here(w.job));
      } catch (err) {
        w.reject(err as Error);
      }
    }
  }

  /** Stops the worker (the store is closing; every append has settled). */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    this.failed = true;
    if (w) await w.terminate();
  }
}

function here(job: SealJob): Sealed {
  const { hash: h, frame } = sealRecord(tools, job);
  return { hash: h, frame: Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength) };
}

/** The sealing job for a record after `prevHash`, with the group payload of what is written with it. */
export function sealJob(prevHash: string, unsigned: Record<string, unknown>, prefix: Buffer | null, chars: number): SealJob {
  return { prevHash, unsigned, prefix, types: [Frame.Record, Frame.Group, Frame.Record], zlib: compressOptions(chars) };
}

/** About how much text sealing a record means (its long fields and the bodies written with it). */
export function textSize(i: Interaction, group: { payload: Buffer } | null): number {
  let n = i.response.length + i.prompt.length + (group?.payload.length ?? 0) + (i.pace?.length ?? 0) * 16;
  for (const c of i.toolCalls) n += c.arguments.length;
  for (const c of i.context) n += c.length;
  return n;
}
