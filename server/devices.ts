/**
 * Device enrolment: a signed-in user binds a device id to its public key (Ed25519 JWK) and
 * to themselves. Enrolling again with the same key is a no-op; another key or another user
 * needs `reenrol: true` (by the owner, or an admin), revocation is explicit, and a revoked
 * device comes back only through an admin's re-enrolment. Each change is kept in the
 * device's history and as a security event.
 */
import { calculateJwkThumbprint, compactVerify, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import type { z } from 'zod';
import type { Device, EnrolRequest, SyncErrorCode } from '../proxy/model/index.js';
import type { Caller } from './auth.js';
import { IngestRefusal } from './chain.js';
import type { Db } from './db.js';

/** A row of the `devices` table (migrations 1, 3 and 7): enrolment, chain head, last check-in. */
export interface DeviceRow {
  device: string;
  public_key: JWK | string;
  owner_sub: string;
  owner_email: string | null;
  enrolled_at: string | Date;
  revoked_at: string | Date | null;
  head_seq: string | number | null;
  head_hash: string | null;
  head_at: string | Date | null;
  checkin_at: string | Date | null;
  checkin_device_at: string | Date | null;
  version: string | null;
  policy_version: number | null;
  waiting: string | number | null;
  sync_lag: number | null;
  policy_problem: string | null;
  interception_paused: boolean | null;
  ca_expires_at: string | Date | null;
  tls_failures: number | null;
  traffic_intercepted: string | number | null;
  traffic_tunnelled: string | number | null;
}
type Row = DeviceRow;

const publicKey = (r: DeviceRow): JWK => (typeof r.public_key === 'string' ? (JSON.parse(r.public_key) as JWK) : r.public_key);

/** What a device signs and how a refusal names it (check-ins, review requests). */
export interface DeviceMessage<T> {
  /** The JWS `typ` it must carry. */
  typ: string;
  /** Its name in refusals: "check-in", "review request". */
  name: string;
  /** Its payload, parsed after the signature verifies. */
  schema: z.ZodType<T>;
  /** The code of a signature that does not verify or a payload that is not one. */
  invalidCode: SyncErrorCode;
}

/**
 * A compact JWS from an enrolled device (kid = device id, jkt = the enrolled key's
 * thumbprint, alg EdDSA), verified against that key: its device row and parsed payload.
 * Fails closed: an unknown or revoked device, another key, a bad signature or payload is an
 * IngestRefusal and nothing is returned.
 */
export async function verifyDeviceSigned<T>(db: Db, jws: string, m: DeviceMessage<T>): Promise<{ device: string; row: DeviceRow; payload: T }> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(jws);
  } catch {
    throw new IngestRefusal('BAD_REQUEST', `a ${m.name} is a compact JWS`, 400);
  }
  if (header.typ !== m.typ || header.alg !== 'EdDSA' || typeof header.kid !== 'string')
    throw new IngestRefusal('BAD_REQUEST', `a ${m.name} is a JWS with typ "${m.typ}", alg EdDSA and the device id as kid`, 400);
  const device = header.kid;
  const row = (await db.query<DeviceRow>('SELECT * FROM devices WHERE device = $1', [device]))[0];
  if (!row) throw new IngestRefusal('DEVICE_UNKNOWN', `device "${device}" is not enrolled`, 403);
  if (row.revoked_at) throw new IngestRefusal('DEVICE_REVOKED', `device "${device}" was revoked`, 403);
  const key = publicKey(row);
  if (header.jkt !== (await calculateJwkThumbprint(key))) throw new IngestRefusal('DEVICE_KEY_MISMATCH', `the ${m.name} was not signed with device "${device}"'s enrolled key`, 403);
  let payload: T;
  try {
    const verified = await compactVerify(jws, await importJWK(key, 'EdDSA'), { algorithms: ['EdDSA'] });
    payload = m.schema.parse(JSON.parse(new TextDecoder().decode(verified.payload)));
  } catch {
    throw new IngestRefusal(m.invalidCode, `the ${m.name} does not verify with device "${device}"'s key, or is not a ${m.name}`, 400);
  }
  return { device, row, payload };
}

const iso = (v: string | Date | null) => (v === null ? null : new Date(v).toISOString());

export function deviceView(r: Row): Device {
  return {
    device: r.device,
    ownerSub: r.owner_sub,
    ownerEmail: r.owner_email,
    enrolledAt: iso(r.enrolled_at)!,
    revokedAt: iso(r.revoked_at),
    head: r.head_seq === null ? null : { seq: Number(r.head_seq), hash: r.head_hash! },
  };
}

export class Devices {
  constructor(private readonly db: Db) {}

  async enrol(caller: Caller, req: EnrolRequest): Promise<{ device: Device; created: boolean }> {
    const key = { kty: req.publicKey.kty, crv: req.publicKey.crv, x: req.publicKey.x };
    const tp = await calculateJwkThumbprint(key);
    return this.db.tx(async (q) => {
      const row = (await q.query<Row>('SELECT * FROM devices WHERE device = $1 FOR UPDATE', [req.device]))[0];
      if (!row) {
        const made = (
          await q.query<Row>('INSERT INTO devices (device, public_key, owner_sub, owner_email, history) VALUES ($1, $2, $3, $4, $5) RETURNING *', [
            req.device,
            JSON.stringify(key),
            caller.sub,
            caller.email,
            JSON.stringify([{ at: new Date().toISOString(), event: 'enrolled', by: caller.sub, key: tp }]),
          ])
        )[0]!;
        return { device: deviceView(made), created: true };
      }
      const current = await calculateJwkThumbprint(publicKey(row));
      if (current === tp && row.owner_sub === caller.sub && !row.revoked_at) return { device: deviceView(row), created: false };
      if (!req.reenrol)
        throw new IngestRefusal('DEVICE_ENROLLED', `device "${req.device}" is enrolled ${row.revoked_at ? '(revoked) ' : ''}with another key or user: re-enrol explicitly (reenrol: true)`, 409);
      if (!caller.admin && (row.owner_sub !== caller.sub || row.revoked_at))
        throw new IngestRefusal('FORBIDDEN', `only an admin may re-enrol a revoked device or one enrolled by another user`, 403);
      const updated = (
        await q.query<Row>(
          `UPDATE devices SET public_key = $2, owner_sub = $3, owner_email = $4, revoked_at = NULL, enrolled_at = now(),
             history = history || $5::jsonb WHERE device = $1 RETURNING *`,
          [req.device, JSON.stringify(key), caller.sub, caller.email, JSON.stringify([{ at: new Date().toISOString(), event: 're-enrolled', by: caller.sub, key: tp, previousKey: current }])],
        )
      )[0]!;
      await q.query('INSERT INTO security_events (device, code, message) VALUES ($1, $2, $3)', [req.device, 'DEVICE_REENROLLED', `device re-enrolled by ${caller.sub} with key ${tp} (was ${current})`]);
      return { device: deviceView(updated), created: false };
    });
  }

  async revoke(caller: Caller, device: string): Promise<Device> {
    return this.db.tx(async (q) => {
      const row = (await q.query<Row>('SELECT * FROM devices WHERE device = $1 FOR UPDATE', [device]))[0];
      if (!row) throw new IngestRefusal('NOT_FOUND', `no device "${device}"`, 404);
      if (!caller.admin && row.owner_sub !== caller.sub) throw new IngestRefusal('FORBIDDEN', 'only the device\'s owner or an admin may revoke it', 403);
      const updated = (
        await q.query<Row>(`UPDATE devices SET revoked_at = now(), history = history || $2::jsonb WHERE device = $1 RETURNING *`, [
          device,
          JSON.stringify([{ at: new Date().toISOString(), event: 'revoked', by: caller.sub }]),
        ])
      )[0]!;
      await q.query('INSERT INTO security_events (device, code, message) VALUES ($1, $2, $3)', [device, 'DEVICE_REVOKED', `device revoked by ${caller.sub}`]);
      return deviceView(updated);
    });
  }
}
