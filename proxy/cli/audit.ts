/**
 * Audit commands, reading the store directly (read-only, safe while an engine runs):
 *   witness verify  — recompute the hash chain; exit 0 intact, 4 when not (names the first bad seq)
 *   witness search  — filters + full-text, newest first
 *   witness export  — jsonl | har | ocsf to stdout
 */
import { readFileSync } from 'node:fs';
import { AuditStore, exportRecords, search } from '../audit/index.js';
import { InteractionSchema, parseTime, type ExportFormat } from '../model/index.js';
import { WitnessError } from '../errors.js';
import { createLogger } from '../log.js';
import { pinnedKeys, readReceipts, verifyReceipts } from '../sync/index.js';
import { parseCommon, resolveConfig } from './args.js';
import { requireExistingDataDir } from './data-dir.js';
import type { CommandIO } from './io.js';

const EXIT_TAMPERED = 4;

async function openReadOnly(dataDir: string, io: CommandIO) {
  requireExistingDataDir(dataDir, 'audit trail');
  return AuditStore.open({ dataDir, readOnly: true, log: createLogger({ level: 'warn', write: io.log }) });
}

export async function verifyCommand(argv: string[], io: CommandIO): Promise<number> {
  const args = parseCommon(argv, {}, 'witness verify');
  if (args.help) {
    io.out('Usage: witness verify [--data-dir DIR] [--json]\n\nReads and authenticates every frame, recomputes the audit hash chain and checks the signed checkpoint. Exit 0 when intact, 4 when not (the first bad seq is named). It cannot see, on this machine alone, records cut from the end after the last checkpoint or a consistent rollback of the whole store: the central server\'s anchor does (docs/audit.md).');
    return 0;
  }
  const store = await openReadOnly(args.dataDir, io);
  const chain = store.verify();
  // The central server's receipts: every receipted head must still be in the local chain.
  let keys = null;
  try {
    const file = resolveConfig(args).config.sync.serverKeys;
    if (file) keys = pinnedKeys(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    keys = null; // checked without signatures; the chain comparison still runs
  }
  const receipts = readReceipts(args.dataDir).length ? await verifyReceipts(store, args.dataDir, keys) : { receipts: 0, problems: [] };
  const problems = [...chain.problems, ...receipts.problems.map((p) => ({ where: 'receipt' as const, seq: p.seq, message: p.message }))];
  const r = { ...chain, ok: chain.ok && receipts.problems.length === 0, problems, receipts: receipts.receipts };
  if (!chain.ok || r.firstBadSeq === null) r.firstBadSeq = chain.firstBadSeq ?? receipts.problems[0]?.seq ?? null;
  if (args.json) io.out(JSON.stringify(r, null, 2));
  else {
    if (r.ok) {
      io.out(`Audit trail intact: ${r.records} records, head seq ${r.head?.seq ?? 0} (${r.head?.hash.slice(0, 16) ?? '-'}…)` + (r.checkpoint ? `, signed checkpoint at seq ${r.checkpoint.seq} valid` : '') + (r.receipts ? `, ${r.receipts} server receipts matched.` : '.'));
    } else {
      io.out(`Audit trail NOT intact: ${r.firstBadSeq !== null ? `first bad seq ${r.firstBadSeq}` : 'damage outside any record (see below)'}.`);
      for (const p of r.problems) io.out(`  - ${p.message}`);
    }
    if (r.gaps.length) {
      io.out(`${r.gaps.length} exchange(s) have no record: the engine stopped (crash, kill) before their record was durable; each gap was recorded at the next start:`);
      for (const g of r.gaps.slice(0, 10)) io.out(`  - ${g.time}  ${g.method} ${g.host}${g.path}  (exchange ${g.id})`);
    }
    io.out('Checked on this machine: every frame of every segment (authenticated), the hash chain, every message body, the index, the signed checkpoint.');
    io.out('Not detectable on this machine alone (the central server\'s anchor is what detects these):');
    for (const c of r.cannotDetectOffline) io.out(`  - ${c}`);
  }
  return r.ok ? 0 : EXIT_TAMPERED;
}

export async function searchCommand(argv: string[], io: CommandIO): Promise<number> {
  const opts = {
    q: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    user: { type: 'string' },
    client: { type: 'string' },
    model: { type: 'string' },
    endpoint: { type: 'string', oneOf: InteractionSchema.shape.endpoint.options },
    decision: { type: 'string', oneOf: InteractionSchema.shape.decision.options },
    status: { type: 'string', oneOf: InteractionSchema.shape.status.options },
    masked: { type: 'boolean' },
    limit: { type: 'string', int: [1, 500] },
    before: { type: 'string', int: [0, Number.MAX_SAFE_INTEGER] },
  } as const;
  const args = parseCommon(argv, opts, 'witness search');
  if (args.help) {
    io.out('Usage: witness search [TEXT] [--since T] [--until T] [--user U] [--client C] [--model M] [--endpoint E] [--decision D] [--status S] [--masked] [--limit N] [--before SEQ] [--data-dir DIR] [--json]');
    return 0;
  }
  const e = args.extra;
  const q: Record<string, unknown> = {};
  for (const k of Object.keys(opts)) if (e[k] !== undefined) q[k] = e[k];
  if (args.positionals.length) q.q = [q.q, ...args.positionals].filter(Boolean).join(' ');
  const store = await openReadOnly(args.dataDir, io);
  let page;
  try {
    page = search(store, q);
  } catch (err) {
    const issues = (err as { issues?: Array<{ path: PropertyKey[]; message: string }> }).issues;
    const why = issues ? issues.map((i) => `--${i.path.map(String).join('.')}: ${i.message}`).join('; ') : (err as Error).message.split('\n')[0];
    throw new WitnessError('USAGE', `witness search: ${why}.`);
  }
  if (args.json) {
    io.out(JSON.stringify(page, null, 2));
    return 0;
  }
  io.out(`${page.total} record(s)${page.total > page.items.length ? `, showing ${page.items.length}` : ''}`);
  for (const h of page.items) {
    io.out(`#${h.seq}  ${h.time}  ${h.user}  ${h.client ?? '-'}  ${h.endpoint}  ${h.model ?? '-'}  ${h.decision}${h.maskings ? ` (${h.maskings} masked)` : ''}  ${h.status}`);
    if (h.prompt) io.out(`     prompt: ${oneLine(h.prompt)}`);
    if (h.toolCalls.length) io.out(`     tools: ${h.toolCalls.join(', ')}`);
  }
  if (page.nextBefore !== null) io.out(`more: --before ${page.nextBefore}`);
  return 0;
}

export async function exportCommand(argv: string[], io: CommandIO, write: (s: string) => void = (s) => void process.stdout.write(s)): Promise<number> {
  const args = parseCommon(argv, { format: { type: 'string', default: 'jsonl', oneOf: ['jsonl', 'har', 'ocsf'] }, since: { type: 'string' }, until: { type: 'string' } }, 'witness export');
  if (args.help) {
    io.out('Usage: witness export [--format jsonl|har|ocsf] [--since T] [--until T] [--data-dir DIR]');
    return 0;
  }
  const format = String(args.extra.format);
  let since: number | undefined;
  let until: number | undefined;
  try {
    since = parseTime(args.extra.since as string | undefined);
    until = parseTime(args.extra.until as string | undefined);
  } catch (err) {
    throw new WitnessError('USAGE', `witness export: ${(err as Error).message}`);
  }
  const store = await openReadOnly(args.dataDir, io);
  const records = (function* () {
    for (const r of store.iterate({ since, until })) yield store.resolve(r);
  })();
  exportRecords(records, format as ExportFormat, write);
  return 0;
}

function oneLine(s: string): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > 120 ? t.slice(0, 117) + '…' : t;
}
