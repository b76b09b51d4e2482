/**
 * The Copilot CLI through Witness: an env file (KEY=value: HTTPS_PROXY and
 * NODE_EXTRA_CA_CERTS, for `env $(cat …)`, systemd or docker --env-file) and a `copilot`
 * shell function in the startup file that sets them for that command only, so the rest of
 * the shell does not depend on Witness running. TLS checks stay on.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { FileChange } from './changes.js';
import type { SetupContext } from './context.js';
import { setupPaths, shellRcFile } from './locations.js';
import { shQuote, upsertBlock } from './shell-block.js';

export function planCopilotCli(ctx: SetupContext): { files: FileChange[]; notes: string[] } {
  const paths = setupPaths(ctx.h.dataDir);
  // The maintained bundle keeps corporate CAs; without it, the Witness root alone.
  const caFile = existsSync(paths.nodeBundle) ? paths.nodeBundle : paths.caPem(0);
  const env = [
    '# Copilot CLI through Witness (written by `witness setup copilot-cli`).',
    `HTTPS_PROXY=${ctx.proxy.url}`,
    `https_proxy=${ctx.proxy.url}`,
    `NODE_EXTRA_CA_CERTS=${caFile}`,
    '',
  ].join('\n');
  const files: FileChange[] = [{ path: paths.cliEnv, after: env, mode: 0o644, owned: true }];
  const notes: string[] = [];
  const rc = shellRcFile(ctx.h);
  if (rc.shell === 'fish') {
    notes.push(`fish: add to ~/.config/fish/config.fish: function copilot; env HTTPS_PROXY=${ctx.proxy.url} NODE_EXTRA_CA_CERTS=${caFile} command copilot $argv; end`);
  } else {
    const before = existsSync(rc.file) ? readFileSync(rc.file, 'utf8') : '';
    const body = [
      '# `copilot` goes through Witness (proxy + CA for this command only; TLS checks stay on).',
      `copilot() { HTTPS_PROXY=${shQuote(ctx.proxy.url)} https_proxy=${shQuote(ctx.proxy.url)} NODE_EXTRA_CA_CERTS=${shQuote(caFile)} command copilot "$@"; }`,
    ].join('\n');
    files.push({ path: rc.file, after: upsertBlock(before, 'copilot-cli', body), mode: 0o644 });
    notes.push(`Open a new shell (or run: source ${rc.file}) to use it. One-off: env $(grep -v '^#' ${paths.cliEnv} | xargs) copilot`);
  }
  if (caFile !== paths.nodeBundle) notes.push('Using the Witness root alone as NODE_EXTRA_CA_CERTS; if you also need a corporate CA, run `witness setup node-ca` first, then this again.');
  return { files, notes };
}
