/**
 * The device's check-in: a compact JWS (EdDSA, the device key, typ witness-checkin+jws)
 * telling the server what it runs (Witness version, central policy version in force), what
 * waits and since when, and why the last policy bundle was refused, if it was. The answer may
 * carry a newer signed policy bundle. Holds no record, token or secret.
 */
import type { KeyObject } from 'node:crypto';
import { CHECKIN_TYP, type CheckInPayload } from '../model/index.js';
import { signAsDevice } from './wire.js';

export function sealCheckIn(payload: CheckInPayload, privateKey: KeyObject): Promise<string> {
  return signAsDevice(payload, CHECKIN_TYP, privateKey);
}
