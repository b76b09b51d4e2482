/** One doctor check: a stable id, ok / warn / fail, one line of what was found, and the fix. */
import type { SetupTarget } from '../setup/index.js';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface Check {
  id: string;
  status: CheckStatus;
  finding: string;
  /** What to do (a command to run), null when nothing is needed. */
  fix: string | null;
  /** The `witness setup` target that fixes it (the window's fix button), if one does. */
  setup: SetupTarget | null;
}

export const ok = (id: string, finding: string): Check => ({ id, status: 'ok', finding, fix: null, setup: null });
export const warn = (id: string, finding: string, fix: string | null, setup: SetupTarget | null = null): Check => ({ id, status: 'warn', finding, fix, setup });
export const fail = (id: string, finding: string, fix: string | null, setup: SetupTarget | null = null): Check => ({ id, status: 'fail', finding, fix, setup });
