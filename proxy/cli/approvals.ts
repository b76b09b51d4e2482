/**
 * `witness approvals list | approve ID | deny ID [--reason TEXT]`: answering held operations
 * without a window (headless). Talks to the running engine through the control API; a
 * decision quotes the hash of the arguments it was shown, so it cannot release others.
 */
import { ControlApiError, createControlClient } from '../control/index.js';
import { isProcessAlive, readControlFile } from '../control-server/index.js';
import { WitnessError } from '../errors.js';
import { parseCommon } from './args.js';
import type { CommandIO } from './io.js';

export async function approvalsCommand(argv: string[], io: CommandIO): Promise<number> {
  const args = parseCommon(argv, { reason: { type: 'string' } });
  const [sub, id] = args.positionals;
  if (args.help || !sub) {
    io.out('Usage: witness approvals list [--json]\n       witness approvals approve ID [--reason TEXT]\n       witness approvals deny ID [--reason TEXT]');
    return sub || args.help ? 0 : 2;
  }
  const control = readControlFile(args.dataDir);
  if (!control || !isProcessAlive(control.pid)) throw new WitnessError('ENGINE_NOT_RUNNING', `Witness is not running for ${args.dataDir}: start it with \`witness start\`.`);
  const client = createControlClient({ url: control.url, token: control.token });
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
    if (sub === 'approve' || sub === 'deny') {
      if (!id) throw new WitnessError('USAGE', `Usage: witness approvals ${sub} ID [--reason TEXT]`);
      const a = await client.call('approval', { id });
      if (!a) throw new WitnessError('USAGE', `No approval ${id}.`);
      const reason = typeof args.extra.reason === 'string' ? args.extra.reason : undefined;
      const done = await client.call('decide', { id, decision: sub, argsHash: a.argsHash, ...(reason ? { reason } : {}) });
      io.out(args.json ? JSON.stringify(done, null, 2) : `${done.tool}: ${done.status} by ${done.approver}.`);
      return 0;
    }
  } catch (e) {
    if (e instanceof ControlApiError) throw new WitnessError('CONTROL_REJECTED', `${e.message} [${e.code}]`);
    throw e;
  }
  throw new WitnessError('USAGE', `Unknown approvals command "${sub}".`);
}

/** `witness ui`: a fresh one-time link that opens the Witness window in a browser. */
export async function uiCommand(argv: string[], io: CommandIO): Promise<number> {
  const args = parseCommon(argv);
  const control = readControlFile(args.dataDir);
  if (!control || !isProcessAlive(control.pid)) throw new WitnessError('ENGINE_NOT_RUNNING', `Witness is not running for ${args.dataDir}: start it with \`witness start\`.`);
  const { url } = await createControlClient({ url: control.url, token: control.token }).call('uiLink', {});
  io.out(args.json ? JSON.stringify({ url }) : `Open this link once (it signs the browser in): ${url}`);
  return 0;
}
