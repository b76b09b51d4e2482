/**
 * IT-managed policy on Linux: /etc/witness/policy.json, deployed by configuration
 * management. It is trusted only as root left it: a regular file owned by root that no
 * group or other user can write. Anything else is refused loudly (the engine does not
 * start) rather than silently ignored or silently obeyed.
 */
import { WitnessError } from '../../errors.js';

export const LINUX_POLICY_FILE = '/etc/witness/policy.json';

export interface FileStat {
  isFile(): boolean;
  uid: number;
  mode: number;
}

export function checkManagedFile(file: string, st: FileStat): void {
  const fix = `fix it with: sudo chown root:root ${file} && sudo chmod 644 ${file}`;
  if (!st.isFile()) throw new WitnessError('CONFIG_INVALID', `The managed policy ${file} is not a regular file; ${fix}`);
  if (st.uid !== 0) throw new WitnessError('CONFIG_INVALID', `The managed policy ${file} is not owned by root, so it cannot be trusted; ${fix}`);
  if (st.mode & 0o022) throw new WitnessError('CONFIG_INVALID', `The managed policy ${file} can be changed by other users; ${fix}`);
}
