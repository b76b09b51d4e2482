/**
 * The first pre-release layout (journal.bin + a snapshot holding deflated records), converted
 * once into segments at the engine's first start on it.
 */
import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import type { SqlJsStatic } from 'sql.js';
import { fsyncDir } from '../fs.js';
import { WitnessError } from '../errors.js';
import type { Logger } from '../log.js';
import type { StoredMessage } from '../model/index.js';
import { getMeta } from './db.js';
import { Frame, frame } from './frames.js';
import { JournalWriter, readJournal } from './journal.js';
import type { Segments } from './segments.js';
import { readSnapshot } from './snapshot.js';

/**
 * Converts a store from the first pre-release layout (journal.bin + a snapshot holding
 * deflated records) into segments: every body, list node and record is written as a frame
 * of segment 1, then the old files are kept aside (renamed, never deleted).
 */
export async function migrateV1(dir: string, key: Buffer, SQL: SqlJsStatic, segments: Segments, log: Logger) {
  if (segments.list().length > 0) throw new WitnessError('STORE_LOCKED', `${dir} holds both the old journal.bin and segments; move journal.bin aside if the segments are complete.`);
  const writer = await JournalWriter.open(segments.path(1), key, 0);
  const durables: Promise<void>[] = [];
  const put = (f: Buffer) => durables.push(writer.append(f).durable);
  const snapFile = join(dir, 'snapshot.bin');
  if (existsSync(snapFile)) {
    const old = new SQL.Database(readSnapshot(snapFile, key));
    for (const [hash, z] of old.exec('SELECT hash, z FROM blobs')[0]?.values ?? []) put(frame(Frame.Body, Buffer.concat([Buffer.from(hash as string, 'hex'), Buffer.from(z as Uint8Array)])));
    for (const [hash, parent, items] of old.exec('SELECT hash, parent, items FROM lists')[0]?.values ?? [])
      put(frame(Frame.List, deflateRawSync(JSON.stringify({ hash, parent, items: JSON.parse(items as string) as StoredMessage[] }))));
    const pruned = getMeta(old, 'pruned');
    if (pruned) put(frame(Frame.Pruned, Buffer.from(pruned)));
    for (const [z] of old.exec('SELECT z FROM records ORDER BY seq')[0]?.values ?? []) put(frame(Frame.Record, Buffer.from(z as Uint8Array)));
    old.close();
  }
  for (const e of readJournal(join(dir, 'journal.bin'), key).entries) if (e.frame) put(e.frame);
  await Promise.all(durables);
  await writer.close();
  const stamp = Date.now();
  if (existsSync(snapFile)) renameSync(snapFile, join(dir, `snapshot.v1-${stamp}.bin`));
  renameSync(join(dir, 'journal.bin'), join(dir, `journal.v1-${stamp}.bin`));
  fsyncDir(dir);
  log.info('audit store converted to segments; the old files were kept aside', { dir, stamp });
}
