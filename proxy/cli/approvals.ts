/**
 * `witness approvals list | approve ID | deny ID [--reason TEXT]`: answering held operations
 * without a window (headless). ID may be any unique prefix of a pending approval's id.
 * Talks to the running engine through the control API; a decision quotes the hash of the
 * arguments it was shown, so it cannot release others.
 */
import { ControlApiError, type ApprovalView, type ControlClient } from '../control/index.js';
import { WitnessError } from '../errors.js';
import { parseCommon, unknownSubcommand } from './args.js';
import { requireEngine } from './engine-link.js';
import { cliInvocation } from './invocation.js';
import type { CommandIO } from './io.js';

const HELP = `Usage: witness approvals list [--json]
       witness approvals approve ID [--reason TEXT]
       witness approvals deny ID [--reason TEXT]

  ID is the approval's id or any prefix of it that matches one pending approval.`;

export async function approvalsCommand(argv: string[], io: CommandIO): Promise<number> {
  const args = parseCommon(argv, { reason: { type: 'string' } }, 'witness approvals');
  const [sub, id] = args.positionals;
  if (args.help || !sub) {
    io.out(HELP);
    return args.help ? 0 : 2;
  }
  if (!['list', 'approve', 'deny'].includes(sub)) throw unknownSubcommand('witness approvals', sub, ['list', 'approve', 'deny']);
  const { client } = await requireEngine(args.dataDir, cliInvocation());
  try {
    if (sub === 'list') {
      const list = await client.call('approvals', {});
      if (args.json) io.out(JSON.stringify(list, null, 2));
      else if (list.length === 0) io.out('No pending approvals.');
      else
        for (const a of list) {
          const what = [...a.operation.commands.map((c) => `$ ${c}`), ...a.operation.paths.map((p) => `${p.action} ${p.path}`), ...a.operation.urls].join('; ');
          io.out(`${a.id}  ${a.tool}  ${what}\n    rule: ${a.ruleIds.join(', ')}  from ${a.client ?? 'unknown client'}, expires ${a.expiresAt}`);
        }
      return 0;
    }
    if (!id) throw new WitnessError('USAGE', `witness approvals ${sub}: which approval? Usage: witness approvals ${sub} ID [--reason TEXT] (see \`witness approvals list\`)`);
    const a = await resolveApproval(client, id);
    const reason = typeof args.extra.reason === 'string' ? args.extra.reason : undefined;
    const done = await client.call('decide', { id: a.id, decision: sub as 'approve' | 'deny', argsHash: a.argsHash, ...(reason ? { reason } : {}) });
    io.out(args.json ? JSON.stringify(done, null, 2) : `${done.tool}: ${done.status} by ${done.approver}.`);
    return 0;
  } catch (e) {
    if (e instanceof ControlApiError) throw new WitnessError('CONTROL_REJECTED', `${e.message} [${e.code}]`);
    throw e;
  }
}

/** The approval an id or unique prefix names: the exact id first, else the one pending approval it starts. */
export async function resolveApproval(client: ControlClient, idOrPrefix: string): Promise<ApprovalView> {
  const exact = await client.call('approval', { id: idOrPrefix });
  if (exact) return exact;
  const pending = await client.call('approvals', {});
  const matches = pending.filter((a) => a.id.toLowerCase().startsWith(idOrPrefix.toLowerCase()));
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) {
    throw new WitnessError('USAGE', `No pending approval matches "${idOrPrefix}"${pending.length ? `; pending: ${pending.map((a) => a.id).join(', ')}` : ' (none is pending)'}.`);
  }
  throw new WitnessError(
    'USAGE',
    `"${idOrPrefix}" matches ${matches.length} pending approvals: ${matches.map((a) => `${a.id} (${a.tool})`).join(', ')}. Type more of the id.`,
  );
}

/** `witness ui`: a fresh one-time link that opens the Witness window in a browser. */
export async function uiCommand(argv: string[], io: CommandIO): Promise<number> {
  const args = parseCommon(argv, {}, 'witness ui');
  if (args.help) {
    io.out(
      'Usage: witness ui [--data-dir DIR] [--json]\n\nPrints a one-time link (valid 10 minutes) that signs a browser in to the Witness window.\n' +
        'The window keeps its address across restarts (the control port is kept per data dir).',
    );
    return 0;
  }
  const { client } = await requireEngine(args.dataDir, cliInvocation());
  const { url } = await client.call('uiLink', {});
  io.out(args.json ? JSON.stringify({ url }) : `Open this link once (it signs the browser in): ${url}`);
  return 0;
}
