/**
 * The central policy layer: admins publish a policy document (checked with the engine's own
 * policy schema, proxy/policy/), the server signs each version with its `sig` key (compact
 * JWS, EdDSA, typ witness-policy+jws) and keeps every version (history). Engines verify the
 * bundle against their pinned keys and apply it as their `central` layer. The version is a
 * counter: an engine refuses a lower version than the one it holds (no rollback by replay).
 */
import { CompactSign } from 'jose';
import { POLICY_TYP, type CentralPolicy, type PolicyBundlePayload } from '../proxy/model/index.js';
import { policyDocumentProblem } from '../proxy/policy/index.js';
import type { Caller } from './auth.js';
import { IngestRefusal } from './chain.js';
import type { Db } from './db.js';
import type { ServerKeys } from './keys.js';

interface Row {
  version: number;
  policy: Record<string, unknown> | string;
  jws: string;
  published_at: string | Date;
  published_by: string;
}

const view = (r: Row): CentralPolicy => ({
  version: Number(r.version),
  policy: typeof r.policy === 'string' ? (JSON.parse(r.policy) as Record<string, unknown>) : r.policy,
  publishedAt: new Date(r.published_at).toISOString(),
  publishedBy: r.published_by,
  bundle: r.jws,
});

export class PolicyBundles {
  constructor(
    private readonly db: Db,
    private readonly keys: ServerKeys,
    private readonly now: () => Date,
  ) {}

  /** The current version (version 0 and an empty layer before the first publication). */
  async current(): Promise<CentralPolicy> {
    const row = (await this.db.query<Row>('SELECT * FROM central_policies ORDER BY version DESC LIMIT 1'))[0];
    return row ? view(row) : { version: 0, policy: {}, publishedAt: null, publishedBy: null, bundle: null };
  }

  async history(): Promise<CentralPolicy[]> {
    return (await this.db.query<Row>('SELECT * FROM central_policies ORDER BY version DESC')).map(view);
  }

  /** What publishing `doc` would refuse, without publishing (the console checks before it shows the diff). */
  validate(caller: Caller, doc: unknown): { problem: { path: string; message: string } | null } {
    if (!caller.admin) throw new IngestRefusal('FORBIDDEN', 'checking a central policy is for admins (roles.admin)', 403);
    return { problem: policyDocumentProblem(doc) };
  }

  /** Validates, signs and keeps a new version; 400 names the key's path, 403 for a non-admin. */
  async publish(caller: Caller, doc: unknown): Promise<CentralPolicy> {
    if (!caller.admin) throw new IngestRefusal('FORBIDDEN', 'publishing the central policy is for admins (roles.admin)', 403);
    const problem = policyDocumentProblem(doc);
    if (problem) throw new IngestRefusal('POLICY_INVALID', `${problem.path}: ${problem.message}`, 400);
    const by = caller.email ?? caller.sub;
    return this.db.tx(async (q) => {
      // One publisher at a time across nodes: the next version number is taken under this lock.
      await q.query('SELECT pg_advisory_xact_lock(7461727)');
      const version = Number((await q.query<{ v: number | null }>('SELECT max(version) AS v FROM central_policies'))[0]?.v ?? 0) + 1;
      const payload: PolicyBundlePayload = { v: 1, version, policy: doc as Record<string, unknown>, publishedAt: this.now().toISOString(), publishedBy: by };
      const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
        .setProtectedHeader({ alg: 'EdDSA', kid: this.keys.signing.kid, typ: POLICY_TYP })
        .sign(this.keys.signing.privateKey);
      const row = (
        await q.query<Row>('INSERT INTO central_policies (version, policy, jws, published_at, published_by) VALUES ($1, $2, $3, $4, $5) RETURNING *', [
          version,
          JSON.stringify(doc),
          jws,
          payload.publishedAt,
          by,
        ])
      )[0]!;
      await q.query('INSERT INTO security_events (device, code, message) VALUES (NULL, $1, $2)', ['POLICY_PUBLISHED', `central policy version ${version} published by ${by}`]);
      return view(row);
    });
  }
}
