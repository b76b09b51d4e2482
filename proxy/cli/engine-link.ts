/**
 * Finding the engine that runs for a data dir (control.json + a live pid + an answer from
 * the control API), and saying plainly why when there is none.
 */
import { ControlApiError, createControlClient, type ControlClient, type Status } from '../control/index.js';
import { isProcessAlive, readControlFile, type ControlFile } from '../control-server/index.js';
import { WitnessError } from '../errors.js';

export type EngineLink = { status: Status; client: ControlClient; control: ControlFile; why: null } | { status: null; client: null; control: ControlFile | null; why: string };

export async function findEngine(dataDir: string): Promise<EngineLink> {
  const control = readControlFile(dataDir);
  if (!control) return { status: null, client: null, control: null, why: 'no engine is running for this data dir' };
  if (!isProcessAlive(control.pid)) return { status: null, client: null, control, why: `the engine recorded in control.json (pid ${control.pid}) is no longer running` };
  const client = createControlClient({ url: control.url, token: control.token });
  try {
    return { status: await client.status(), client, control, why: null };
  } catch (e) {
    return {
      status: null,
      client: null,
      control,
      why: e instanceof ControlApiError ? `the engine answered ${e.status} ${e.code}: ${e.message}` : `the engine (pid ${control.pid}) does not answer at ${control.url}: ${(e as Error).message}`,
    };
  }
}

/** The running engine's client, or ENGINE_NOT_RUNNING with the start command. */
export async function requireEngine(dataDir: string, cli: string): Promise<{ client: ControlClient; status: Status }> {
  const link = await findEngine(dataDir);
  if (!link.status) throw new WitnessError('ENGINE_NOT_RUNNING', `Witness is not running for ${dataDir} (${link.why}): start it with \`${cli} start --background\`.`);
  return { client: link.client, status: link.status };
}
