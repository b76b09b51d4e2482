/** Every detector, by family. Order does not matter: overlaps are resolved by priority. */
import type { Detector } from '../detector.js';
import { aiDetectors } from './ai.js';
import { authDetectors } from './auth.js';
import { chatDetectors } from './chat.js';
import { cloudDetectors } from './cloud.js';
import { genericDetectors } from './generic.js';
import { infraDetectors } from './infra.js';
import { keyDetectors } from './keys.js';
import { paymentDetectors } from './payments.js';
import { proseDetectors } from './prose.js';
import { registryDetectors } from './registries.js';
import { vcsDetectors } from './vcs.js';

export const ALL_DETECTORS: readonly Detector[] = [
  ...keyDetectors,
  ...cloudDetectors,
  ...vcsDetectors,
  ...chatDetectors,
  ...paymentDetectors,
  ...aiDetectors,
  ...registryDetectors,
  ...infraDetectors,
  ...authDetectors,
  ...genericDetectors,
  ...proseDetectors,
];

