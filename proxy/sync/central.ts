/**
 * The central policy layer on the device: the server's signed bundle (compact JWS, EdDSA,
 * typ witness-policy+jws), verified against the pinned server keys (sync.serverKeys) and
 * checked with the policy schema before it counts. The last good bundle is kept in
 * DATA_DIR/sync/central-policy.jws and re-verified at start, so the layer holds across
 * restarts and while the server is away. A bundle that fails (bad signature, not a policy
 * bundle, an invalid document, a lower version than the one in force) is refused: the last
 * good one stays, and the reason stands as `problem` until a good bundle arrives.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compactVerify, importJWK } from 'jose';
import { writeAtomic } from '../fs.js';
import { POLICY_TYP, PolicyBundlePayloadSchema, type PolicyBundlePayload } from '../model/index.js';
import { policyDocumentProblem } from '../policy/index.js';
import { syncDir } from './state.js';
import type { PinnedKeys } from './wire.js';

export class CentralPolicyLayer {
  private held: PolicyBundlePayload | null = null;
  private refused: string | null = null;

  constructor(
    private readonly dataDir: string,
    private readonly keys: PinnedKeys | null,
  ) {}

  private get file() {
    return join(syncDir(this.dataDir), 'central-policy.jws');
  }

  /** Reads the kept bundle back (verified again: a file edited on disk does not count). */
  async load(): Promise<void> {
    if (!this.keys || !existsSync(this.file)) return;
    try {
      this.held = await this.open(readFileSync(this.file, 'utf8').trim());
    } catch (e) {
      this.refused = `the kept central policy (${this.file}) was refused: ${(e as Error).message}`;
    }
  }

  /** The layer's document for resolvePolicy (null: none yet). */
  document(): Record<string, unknown> | null {
    return this.held?.policy ?? null;
  }

  get version(): number | null {
    return this.held?.version ?? null;
  }

  get problem(): string | null {
    return this.refused;
  }

  /** Takes a bundle from the server; true when a new version is now held. Throws (and keeps the reason) when refused. */
  async accept(jws: string): Promise<boolean> {
    let next: PolicyBundlePayload;
    try {
      if (!this.keys) throw new Error('no pinned server keys');
      next = await this.open(jws);
      if (this.held && next.version < this.held.version) throw new Error(`version ${next.version} is older than version ${this.held.version} in force (rollback refused)`);
    } catch (e) {
      this.refused = `central policy bundle refused: ${(e as Error).message}`;
      throw new Error(this.refused);
    }
    this.refused = null;
    if (this.held?.version === next.version) return false;
    mkdirSync(syncDir(this.dataDir), { recursive: true, mode: 0o700 });
    writeAtomic(this.file, jws + '\n', 0o600);
    this.held = next;
    return true;
  }

  private async open(jws: string): Promise<PolicyBundlePayload> {
    let payload: Uint8Array;
    let typ: unknown;
    try {
      ({ payload, protectedHeader: { typ } } = await compactVerify(jws, await importJWK(this.keys!.signing, 'EdDSA'), { algorithms: ['EdDSA'] }));
    } catch {
      throw new Error('its signature does not verify with the pinned server key (sync.serverKeys)');
    }
    if (typ !== POLICY_TYP) throw new Error(`it is not a policy bundle (typ ${String(typ)})`);
    const parsed = PolicyBundlePayloadSchema.safeParse(JSON.parse(new TextDecoder().decode(payload)));
    if (!parsed.success) throw new Error('its content is not a policy bundle');
    const problem = policyDocumentProblem(parsed.data.policy);
    if (problem) throw new Error(`its policy is invalid at ${problem.path}: ${problem.message}`);
    return parsed.data;
  }
}
