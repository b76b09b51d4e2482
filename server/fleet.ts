/**
 * Fleet health: each device's check-in (a small JWS signed with its enrolled key: the Witness
 * version it runs, the central policy version it enforces, records waiting and sync lag) and
 * the fleet list auditors read (`GET /api/v1/devices`), with a state as IT's fleet tools show
 * it: online, offline (not seen for fleet.offlineMinutes), missing (fleet.missingDays),
 * never-synced (enrolled, never seen since), chain-broken (a fork or rewritten record refused
 * since enrolment, or a gap not closed by a later batch). A check-in answers with the signed
 * central policy when the device does not enforce the current version. The clock is passed in.
 */
import { CHECKIN_TYP, CheckInPayloadSchema, type CheckInPayload, type CheckInResponse, type FleetDevice } from '../proxy/model/index.js';
import { IngestRefusal } from './chain.js';
import type { ServerConfig } from './config.js';
import type { Db } from './db.js';
import { verifyDeviceSigned, type DeviceMessage, type DeviceRow } from './devices.js';
import type { PolicyBundles } from './policy.js';

/** A device with what the list adds: a fork or rewrite refused since enrolment, an open gap. */
type FleetRow = DeviceRow & { broken: boolean; gap: boolean };

const CHECK_IN: DeviceMessage<CheckInPayload> = { typ: CHECKIN_TYP, name: 'check-in', schema: CheckInPayloadSchema, invalidCode: 'BATCH_SIGNATURE_INVALID' };

const iso = (v: string | Date | null) => (v === null ? null : new Date(v).toISOString());
/** A device's CA expiry as reported: kept only when it is a time. */
const caExpiry = (v: string | null | undefined) => (v && !Number.isNaN(Date.parse(v)) ? new Date(v).toISOString() : null);

// Codes that mean the device's chain itself is not what was receipted (a batch modified in
// transit is BATCH_SIGNATURE_INVALID and says nothing about the chain).
const FORK_CODES = ['CHAIN_FORK', 'RECORD_INVALID'];

const LIST = `
SELECT d.*,
  EXISTS (SELECT 1 FROM security_events e WHERE e.device = d.device AND e.code = ANY($1) AND e.time >= d.enrolled_at) AS broken,
  EXISTS (SELECT 1 FROM security_events e WHERE e.device = d.device AND e.code = 'CHAIN_GAP' AND e.time >= d.enrolled_at
          AND e.time > coalesce(d.head_at, '-infinity'::timestamptz)) AS gap
FROM devices d ORDER BY d.device`;

export class Fleet {
  constructor(
    private readonly db: Db,
    private readonly config: ServerConfig['fleet'],
    private readonly policies: PolicyBundles,
    private readonly now: () => Date,
  ) {}

  async list(): Promise<FleetDevice[]> {
    const rows = await this.db.query<FleetRow>(LIST, [FORK_CODES]);
    const now = this.now().getTime();
    return rows.map((r) => {
      const seen = [r.checkin_at, r.head_at].filter((v) => v !== null).map((v) => new Date(v).getTime());
      const lastSeen = seen.length ? Math.max(...seen) : null;
      const chain: FleetDevice['chain'] = r.broken ? 'fork' : r.gap ? 'gap' : r.head_seq === null ? 'none' : 'anchored';
      const state: FleetDevice['state'] =
        chain === 'fork' || chain === 'gap'
          ? 'chain-broken'
          : lastSeen === null
            ? 'never-synced'
            : now - lastSeen > this.config.missingDays * 86_400_000
              ? 'missing'
              : now - lastSeen > this.config.offlineMinutes * 60_000
                ? 'offline'
                : 'online';
      return {
        device: r.device,
        user: r.owner_email ?? r.owner_sub,
        version: r.version,
        lastSeen: lastSeen === null ? null : new Date(lastSeen).toISOString(),
        state,
        syncLag: r.sync_lag === null ? null : Number(r.sync_lag),
        waiting: r.waiting === null ? null : Number(r.waiting),
        chain,
        policyVersion: r.policy_version === null ? null : Number(r.policy_version),
        head: r.head_seq === null ? null : { seq: Number(r.head_seq), hash: r.head_hash! },
        enrolledAt: iso(r.enrolled_at)!,
        revokedAt: iso(r.revoked_at),
        interceptionPaused: r.interception_paused,
        caExpiresAt: iso(r.ca_expires_at),
        tlsFailures: r.tls_failures === null ? null : Number(r.tls_failures),
        traffic: r.traffic_intercepted === null || r.traffic_tunnelled === null ? null : { intercepted: Number(r.traffic_intercepted), tunnelled: Number(r.traffic_tunnelled) },
      };
    });
  }

  /** A device's signed check-in: verified against its enrolled key, kept, answered with the policy it lacks. */
  async checkIn(jws: string): Promise<CheckInResponse> {
    const { device, row, payload } = await verifyDeviceSigned(this.db, jws, CHECK_IN);
    const at = new Date(payload.at);
    if (payload.device !== device || Number.isNaN(at.getTime())) throw new IngestRefusal('BAD_REQUEST', 'the check-in names another device or no time', 400);
    if (row.checkin_device_at && at.getTime() <= new Date(row.checkin_device_at).getTime())
      throw new IngestRefusal('CHECKIN_REPLAY', `a check-in of device "${device}" at ${payload.at} is not later than the last one: replayed`, 409);
    await this.db.tx(async (q) => {
      await q.query(
        `UPDATE devices SET checkin_at = $2, checkin_device_at = $3, version = $4, policy_version = $5, waiting = $6, sync_lag = $7, policy_problem = $8,
           interception_paused = $9, ca_expires_at = $10, tls_failures = $11, traffic_intercepted = $12, traffic_tunnelled = $13 WHERE device = $1`,
        [
          device,
          this.now().toISOString(),
          at.toISOString(),
          payload.version,
          payload.policyVersion,
          payload.waiting,
          payload.syncLag,
          payload.policyProblem,
          payload.interceptionPaused ?? null,
          caExpiry(payload.caExpiresAt),
          payload.tlsFailures ?? null,
          payload.traffic?.intercepted ?? null,
          payload.traffic?.tunnelled ?? null,
        ],
      );
      if (payload.policyProblem && payload.policyProblem !== row.policy_problem)
        await q.query('INSERT INTO security_events (device, code, message) VALUES ($1, $2, $3)', [device, 'POLICY_BUNDLE_REFUSED', `the device refused a central policy bundle: ${payload.policyProblem}`]);
    });
    const current = await this.policies.current();
    return { policy: current.bundle && current.version !== payload.policyVersion ? { version: current.version, bundle: current.bundle } : null };
  }
}
