/**
 * The device key as versions before the key vault kept it: DATA_DIR/store/device-key.bin,
 * sealed (AES-256-GCM) with the audit store's data key. Only the store can open it, so the
 * store offers it to identity, which moves it into the key vault (identity/device-key.ts).
 */
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { LegacyDeviceKey } from '../identity/index.js';
import { open } from '../aead.js';
import { loadDataKey, type KeyProvider } from './keyring.js';

const FILE = 'device-key.bin';
const AAD = Buffer.from('witness-device-key-v1');

/** The legacy key in `storeDir`, or null when there is none; `dataKey` is asked for only to read it. */
export function legacyDeviceKeyIn(storeDir: string, dataKey: () => Promise<Buffer>): LegacyDeviceKey | null {
  const file = join(storeDir, FILE);
  if (!existsSync(file)) return null;
  return {
    where: file,
    read: async () => open(await dataKey(), readFileSync(file), AAD),
    remove: () => rmSync(file, { force: true }),
    setAside: () => {
      const aside = join(storeDir, `device-key.damaged-${Date.now()}.bin`);
      renameSync(file, aside);
      return aside;
    },
  };
}

/** The same, for a caller that has not opened the store yet (the engine, before it does). */
export function legacyDeviceKey(dataDir: string, provider: KeyProvider): LegacyDeviceKey | null {
  const dir = join(dataDir, 'store');
  return legacyDeviceKeyIn(dir, () => loadDataKey(dir, provider, { readOnly: true }));
}
