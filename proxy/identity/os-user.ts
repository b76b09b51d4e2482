/**
 * The local OS account running Witness: the `user` of a record and the requester and
 * approver of a headless approval until a signed-in identity replaces it. Reads the OS
 * only; never fails (a container without a passwd entry falls back to the environment).
 */
import { userInfo } from 'node:os';

export function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}
