/**
 * IT-managed policy on macOS: a configuration profile (MDM, or the .mobileconfig template
 * in build/policy-templates/) for the preference domain com.witness.desktop lands in
 * /Library/Managed Preferences/ (device) and /Library/Managed Preferences/<user>/ (user).
 * Each file is converted to JSON with `plutil` (no native module); the keys are the policy
 * document's own, nested as in policy.json. Device settings win over user settings.
 */
import { join } from 'node:path';
import { WitnessError } from '../../errors.js';

export const MAC_PREFERENCE_DOMAIN = 'com.witness.desktop';
const MANAGED = '/Library/Managed Preferences';

export function managedPreferenceFiles(user: string): string[] {
  // User-level first: the device-level file is merged over it.
  return [join(MANAGED, user, `${MAC_PREFERENCE_DOMAIN}.plist`), join(MANAGED, `${MAC_PREFERENCE_DOMAIN}.plist`)];
}

/** `plutil -convert json -o - FILE` output → the policy keys in it. */
export function policyFromPlutil(json: string, file: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (e) {
    throw new WitnessError('CONFIG_INVALID', `Managed preferences ${file} could not be read as a policy: ${(e as Error).message}`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new WitnessError('CONFIG_INVALID', `Managed preferences ${file} is not a dictionary.`);
  // Profile bookkeeping keys are not settings.
  return Object.fromEntries(Object.entries(doc as Record<string, unknown>).filter(([k]) => !k.startsWith('Payload')));
}
