/**
 * NODE_EXTRA_CA_CERTS for Node-based clients (Copilot CLI, copilot-language-server): Node
 * reads exactly one file from it, so setup maintains one bundle = every certificate the
 * variable pointed at before (a corporate CA keeps working; a colon-joined list of files is
 * merged) + the Witness root(s), and exports it from the shell startup file.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { delimiter, resolve } from 'node:path';
import type { FileChange } from './changes.js';
import { isWitnessRoot, pemBlocks, type SetupContext } from './context.js';
import { setupPaths, shellRcFile } from './locations.js';
import { shQuote, upsertBlock } from './shell-block.js';

export interface NodeExtraSource {
  path: string;
  state: 'ok' | 'missing' | 'not-a-file' | 'unreadable';
}

/** The files NODE_EXTRA_CA_CERTS names. A joined list is a mistake Node does not forgive; we read each part. */
export function nodeExtraSources(value: string | undefined, platform: NodeJS.Platform = process.platform): NodeExtraSource[] {
  if (!value) return [];
  const sep = platform === 'win32' ? ';' : delimiter === ';' ? ';' : ':';
  const parts = existsSync(value) ? [value] : value.split(sep).filter(Boolean);
  return parts.map((p) => {
    const path = resolve(p);
    if (!existsSync(path)) return { path, state: 'missing' };
    try {
      if (!statSync(path).isFile()) return { path, state: 'not-a-file' };
      readFileSync(path);
      return { path, state: 'ok' };
    } catch {
      return { path, state: 'unreadable' };
    }
  });
}

/** The bundle's text: kept certificates first, then the Witness root(s), each with a comment saying what it is. */
export function bundleText(ctx: SetupContext, sources: NodeExtraSource[], bundlePath: string): { text: string; kept: number } {
  const seen = new Set<string>();
  const kept: string[] = [];
  for (const s of sources) {
    if (s.state !== 'ok') continue;
    for (const b of pemBlocks(readFileSync(s.path, 'utf8'))) {
      const key = b.replace(/\s+/g, '');
      if (isWitnessRoot(b) || seen.has(key)) continue; // old Witness roots go; the current ones are added below
      seen.add(key);
      kept.push(b);
    }
  }
  const from = sources.filter((s) => s.state === 'ok' && s.path !== bundlePath).map((s) => s.path);
  const lines = [
    '# NODE_EXTRA_CA_CERTS bundle maintained by `witness setup node-ca`: Node reads exactly one file.',
    `# Kept: ${kept.length} certificate(s)${from.length ? ` from ${from.join(', ')}` : ''}. Added: the Witness root(s).`,
    '# After a CA rotation run `witness setup node-ca` again; `witness setup --undo node-ca` stops using this file.',
    '',
    ...kept,
    ...ctx.roots.flatMap((r) => [`# ${r.name} (SHA-256 ${r.fingerprint256})`, r.pem]),
  ];
  return { text: lines.join('\n').replace(/\n{3,}/g, '\n\n'), kept: kept.length };
}

export function planNodeCa(ctx: SetupContext): { files: FileChange[]; notes: string[]; bundle: string } {
  const paths = setupPaths(ctx.h.dataDir);
  const current = ctx.h.env.NODE_EXTRA_CA_CERTS;
  const sources = nodeExtraSources(current, ctx.h.platform);
  // Rebuilding our own bundle keeps what it kept before.
  if (existsSync(paths.nodeBundle) && !sources.some((s) => s.path === paths.nodeBundle)) sources.push({ path: paths.nodeBundle, state: 'ok' });
  const { text, kept } = bundleText(ctx, sources, paths.nodeBundle);
  const notes: string[] = [];
  for (const s of sources) if (s.state !== 'ok') notes.push(`NODE_EXTRA_CA_CERTS named ${s.path}, which is ${s.state === 'missing' ? 'missing' : s.state === 'not-a-file' ? 'not a file' : 'unreadable'}: left out of the bundle.`);
  if (kept) notes.push(`Kept ${kept} certificate(s) from the previous NODE_EXTRA_CA_CERTS, so corporate CAs keep working.`);
  const rc = shellRcFile(ctx.h);
  const files: FileChange[] = [{ path: paths.nodeBundle, after: text, mode: 0o644, owned: true }];
  if (rc.shell === 'fish') {
    notes.push(`fish: add \`set -gx NODE_EXTRA_CA_CERTS ${paths.nodeBundle}\` to ~/.config/fish/config.fish.`);
  } else {
    const before = existsSync(rc.file) ? readFileSync(rc.file, 'utf8') : '';
    const body = `# Node-based clients (Copilot CLI, language servers) trust the Witness CA and every CA they trusted before.\nexport NODE_EXTRA_CA_CERTS=${shQuote(paths.nodeBundle)}`;
    files.push({ path: rc.file, after: upsertBlock(before, 'node-ca', body), mode: 0o644 });
  }
  if (current !== paths.nodeBundle) notes.push(`Open a new shell (or run: export NODE_EXTRA_CA_CERTS=${shQuote(paths.nodeBundle)}) for this shell to use it.`);
  return { files, notes, bundle: paths.nodeBundle };
}
