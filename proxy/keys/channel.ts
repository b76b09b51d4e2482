/**
 * The key vault across a process boundary: plain JSON messages (values as base64), so any
 * channel carries them — Electron IPC, a child process's IPC, a MessagePort. The process that
 * owns the secrets (the desktop app's main process, with the OS keychain) serves its vault
 * with `serveVault`; the engine uses `remoteVault` and sees the ordinary KeyVault interface.
 * The server validates every request (the other side is another process, not trusted code
 * inside this one) and answers errors with a stable code, never with a secret.
 */
import { z } from 'zod';
import { isWitnessError, WitnessError, type WitnessErrorCode } from '../errors.js';
import { assertSecretName, assertSecretValue, MAX_SECRET_BYTES, type KeyVault } from './vault.js';

export const VaultRequestSchema = z.discriminatedUnion('op', [
  z.object({ id: z.number().int(), op: z.literal('get'), name: z.string() }).strict(),
  z.object({ id: z.number().int(), op: z.literal('set'), name: z.string(), value: z.base64().max(Math.ceil(MAX_SECRET_BYTES / 3) * 4) }).strict(),
  z.object({ id: z.number().int(), op: z.literal('delete'), name: z.string() }).strict(),
]);
export type VaultRequest = z.infer<typeof VaultRequestSchema>;

export const VaultReplySchema = z.union([
  z.object({ id: z.number().int(), ok: z.literal(true), value: z.base64().nullable().optional(), deleted: z.boolean().optional() }).strict(),
  z.object({ id: z.number().int(), ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) }).strict(),
]);
export type VaultReply = z.infer<typeof VaultReplySchema>;

/** Answers one request against `vault`. Never throws: a failure becomes an error reply. */
export function serveVault(vault: KeyVault): (message: unknown) => Promise<VaultReply> {
  return async (message) => {
    const parsed = VaultRequestSchema.safeParse(message);
    const id = typeof (message as { id?: unknown })?.id === 'number' ? (message as { id: number }).id : -1;
    if (!parsed.success) return { id, ok: false, error: { code: 'USAGE', message: 'Malformed key vault request.' } };
    const req = parsed.data;
    try {
      switch (req.op) {
        case 'get': {
          const v = await vault.get(req.name);
          return { id, ok: true, value: v === null ? null : Buffer.from(v).toString('base64') };
        }
        case 'set':
          await vault.set(req.name, Buffer.from(req.value, 'base64'));
          return { id, ok: true };
        case 'delete':
          return { id, ok: true, deleted: await vault.delete(req.name) };
      }
    } catch (e) {
      return { id, ok: false, error: isWitnessError(e) ? { code: e.code, message: e.message } : { code: 'VAULT_CORRUPT', message: 'The key vault failed; see its log.' } };
    }
  };
}

/** A KeyVault whose calls travel as messages; `send` delivers one request and resolves with its reply. */
export function remoteVault(kind: string, send: (request: VaultRequest) => Promise<unknown>): KeyVault {
  let next = 1;
  const call = async (request: VaultRequest) => {
    const reply = VaultReplySchema.parse(await send(request));
    if (reply.id !== request.id) throw new WitnessError('VAULT_CORRUPT', 'The key vault answered another request: the channel is confused.');
    if (!reply.ok) throw new WitnessError(reply.error.code as WitnessErrorCode, reply.error.message);
    return reply;
  };
  return {
    kind,
    get: async (name) => {
      assertSecretName(name);
      const r = await call({ id: next++, op: 'get', name });
      return r.value == null ? null : new Uint8Array(Buffer.from(r.value, 'base64'));
    },
    set: async (name, value) => {
      assertSecretName(name);
      assertSecretValue(name, value);
      await call({ id: next++, op: 'set', name, value: Buffer.from(value).toString('base64') });
    },
    delete: async (name) => {
      assertSecretName(name);
      return (await call({ id: next++, op: 'delete', name })).deleted === true;
    },
  };
}
