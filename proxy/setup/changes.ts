/**
 * Applying a setup plan and taking it back. Every file setup changes outside Witness's own
 * data is copied first (DATA_DIR/setup/backups/TARGET/STAMP/), with a manifest of what was
 * written and which command undoes each command that ran; `undo` puts the original bytes
 * and mode back and refuses (unless forced) when a file was edited since. A dry run only
 * computes the diffs. Files are written in place, so a symlinked dotfile stays a symlink.
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { WitnessError } from '../errors.js';
import type { HostEnv } from './host.js';
import { setupPaths } from './locations.js';

export type SetupTarget = 'vscode' | 'copilot-cli' | 'jetbrains' | 'trust' | 'node-ca';
export const SETUP_TARGETS: readonly SetupTarget[] = ['vscode', 'copilot-cli', 'jetbrains', 'trust', 'node-ca'];

export interface FileChange {
  path: string;
  /** The content setup wants; null removes the file. */
  after: string | null;
  /** Mode for a file setup creates. */
  mode?: number;
  /** Witness's own files (in the data dir): written without a backup, never removed by undo. */
  owned?: boolean;
}

export interface CommandStep {
  what: string;
  argv: string[];
  /** How to take it back: a command, and/or files the step created. */
  undo: { argv?: string[]; removeFiles?: string[] } | null;
}

export interface SetupPlan {
  target: SetupTarget;
  files: FileChange[];
  commands: CommandStep[];
  /** What the user must do by hand (sudo lines, IDE dialogs), or what was found. */
  notes: string[];
}

export interface FileOutcome {
  path: string;
  action: 'created' | 'modified' | 'removed' | 'restored' | 'unchanged';
  diff: string;
}

export interface SetupResult {
  target: SetupTarget;
  undo: boolean;
  dryRun: boolean;
  changed: boolean;
  files: FileOutcome[];
  commands: Array<{ what: string; command: string; ran: boolean; ok: boolean; output: string }>;
  notes: string[];
  /** Where the originals were saved (null for a dry run or when nothing changed). */
  backup: string | null;
}

interface ManifestFile {
  path: string;
  existed: boolean;
  mode: number | null;
  /** File name of the saved original inside the backup folder. */
  saved: string | null;
  afterSha256: string | null;
}
interface Manifest {
  version: 1;
  target: SetupTarget;
  createdAt: string;
  files: ManifestFile[];
  commands: Array<{ what: string; argv: string[]; undo: CommandStep['undo'] }>;
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

function readOrNull(path: string): Buffer | null {
  return existsSync(path) ? readFileSync(path) : null;
}

/** Writes through a symlink (the dotfile stays a link), creating folders as needed. */
function writeInPlace(path: string, data: Buffer | string, mode?: number) {
  const target = existsSync(path) ? realpathSync(path) : path;
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, data, mode !== undefined && !existsSync(target) ? { mode } : {});
  if (mode !== undefined) chmodSync(target, mode);
}

export function unifiedDiff(path: string, before: string | null, after: string | null): string {
  return createTwoFilesPatch(before === null ? '/dev/null' : path, after === null ? '/dev/null' : path, before ?? '', after ?? '', '', '', { context: 3 })
    .split('\n')
    .slice(1) // the "Index:" / separator line
    .join('\n');
}

export function commandLine(argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

export async function applyPlan(plan: SetupPlan, h: HostEnv, opts: { dryRun: boolean }): Promise<SetupResult> {
  const files: FileOutcome[] = [];
  const changes = plan.files.map((f) => ({ f, before: readOrNull(f.path) })).filter(({ f, before }) => (before === null ? f.after !== null : f.after === null || !before.equals(Buffer.from(f.after))));
  for (const { f, before } of changes) {
    files.push({
      path: f.path,
      action: before === null ? 'created' : f.after === null ? 'removed' : 'modified',
      // Witness's own files (certificates, the bundle) would only show base64 noise.
      diff: f.owned ? '' : unifiedDiff(f.path, before?.toString('utf8') ?? null, f.after),
    });
  }
  const result: SetupResult = {
    target: plan.target,
    undo: false,
    dryRun: opts.dryRun,
    changed: changes.length > 0 || plan.commands.length > 0,
    files,
    commands: plan.commands.map((c) => ({ what: c.what, command: commandLine(c.argv), ran: false, ok: false, output: '' })),
    notes: plan.notes,
    backup: null,
  };
  if (opts.dryRun || !result.changed) return result;

  const tracked = changes.filter(({ f }) => !f.owned);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const backup = join(setupPaths(h.dataDir).backups, plan.target, stamp);
  const manifest: Manifest = { version: 1, target: plan.target, createdAt: new Date().toISOString(), files: [], commands: [] };
  if (tracked.length || plan.commands.length) mkdirSync(backup, { recursive: true, mode: 0o700 });
  tracked.forEach(({ f, before }, i) => {
    let saved: string | null = null;
    if (before !== null) {
      saved = `${i}.orig`;
      writeFileSync(join(backup, saved), before, { mode: 0o600 });
    }
    manifest.files.push({
      path: f.path,
      existed: before !== null,
      mode: before !== null ? statSync(f.path).mode & 0o7777 : null,
      saved,
      afterSha256: f.after === null ? null : sha256(f.after),
    });
  });
  // The manifest exists before anything changes, so an interrupted setup can still be undone.
  const saveManifest = () => writeFileSync(join(backup, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n', { mode: 0o600 });
  if (tracked.length || plan.commands.length) saveManifest();
  for (const { f } of changes) {
    if (f.after === null) rmSync(f.path, { force: true });
    else writeInPlace(f.path, f.after, f.mode);
  }
  for (const [i, c] of plan.commands.entries()) {
    const r = await h.run(c.argv[0]!, c.argv.slice(1));
    const out = result.commands[i]!;
    out.ran = true;
    out.ok = r.code === 0;
    out.output = (r.stdout + r.stderr).trim();
    if (out.ok) {
      manifest.commands.push({ what: c.what, argv: c.argv, undo: c.undo });
      saveManifest();
    }
  }
  // Stop at the first failed command? No: each is independent (one trust store per command);
  // the result says which failed, and undo takes back only those that ran.
  result.backup = tracked.length || manifest.commands.length ? backup : null;
  if (!result.backup && existsSync(backup)) rmSync(backup, { recursive: true, force: true });
  return result;
}

/** The newest backup of a target, or null. */
export function latestBackup(h: HostEnv, target: SetupTarget): string | null {
  const dir = join(setupPaths(h.dataDir).backups, target);
  if (!existsSync(dir)) return null;
  const stamps = readdirSync(dir)
    .filter((s) => existsSync(join(dir, s, 'manifest.json')))
    .sort();
  return stamps.length ? join(dir, stamps[stamps.length - 1]!) : null;
}

export async function undoTarget(target: SetupTarget, h: HostEnv, opts: { dryRun: boolean; force: boolean }): Promise<SetupResult> {
  const backup = latestBackup(h, target);
  const result: SetupResult = { target, undo: true, dryRun: opts.dryRun, changed: false, files: [], commands: [], notes: [], backup };
  if (!backup) {
    result.notes.push(`Nothing to undo: \`witness setup ${target}\` has not changed anything here (no backup in ${join(setupPaths(h.dataDir).backups, target)}).`);
    return result;
  }
  const manifest = JSON.parse(readFileSync(join(backup, 'manifest.json'), 'utf8')) as Manifest;
  const edited = manifest.files.filter((f) => {
    const now = readOrNull(f.path);
    return f.afterSha256 === null ? now !== null : now === null || sha256(now) !== f.afterSha256;
  });
  if (edited.length && !opts.force) {
    throw new WitnessError(
      'SETUP_CONFLICT',
      `Not undoing ${target}: ${edited.map((f) => f.path).join(', ')} changed after \`witness setup ${target}\`. ` +
        `Undo would lose those edits; run \`witness setup --undo ${target} --force\` to restore the originals anyway (the originals are in ${backup}).`,
    );
  }
  for (const f of manifest.files) {
    const now = readOrNull(f.path);
    const original = f.saved ? readFileSync(join(backup, f.saved)) : null;
    result.files.push({ path: f.path, action: original === null ? 'removed' : 'restored', diff: unifiedDiff(f.path, now?.toString('utf8') ?? null, original?.toString('utf8') ?? null) });
    if (opts.dryRun) continue;
    if (original === null) rmSync(f.path, { force: true });
    else writeInPlace(f.path, original, f.mode ?? undefined);
  }
  for (const c of [...manifest.commands].reverse()) {
    if (c.undo?.argv) {
      const out = { what: `undo: ${c.what}`, command: commandLine(c.undo.argv), ran: false, ok: false, output: '' };
      result.commands.push(out);
      if (!opts.dryRun) {
        const r = await h.run(c.undo.argv[0]!, c.undo.argv.slice(1));
        Object.assign(out, { ran: true, ok: r.code === 0, output: (r.stdout + r.stderr).trim() });
      }
    }
    for (const file of c.undo?.removeFiles ?? []) {
      result.files.push({ path: file, action: 'removed', diff: '' });
      if (!opts.dryRun) rmSync(file, { force: true });
    }
  }
  result.changed = true;
  if (!opts.dryRun) {
    const failed = result.commands.filter((c) => c.ran && !c.ok);
    if (failed.length === 0) rmSync(backup, { recursive: true, force: true });
    else result.notes.push(`Some undo commands failed; the backup stays in ${backup}.`);
  }
  return result;
}
