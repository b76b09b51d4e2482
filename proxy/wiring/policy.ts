/**
 * The policy as the engine applies it: which version judges an exchange (the one in force
 * when its request arrived, for all of its hooks), masking per direction, the state shown in
 * status and events, and the copy kept per version. Decides nothing itself.
 */
import type { Config } from '../config/index.js';
import type { PolicyState } from '../control/index.js';
import { keepPolicyVersion, type LivePolicy, type PolicyInForce, type PolicyProblem } from '../policy/index.js';
import type { Logger } from '../log.js';

export class PolicyJudge {
  /** The policy each exchange is judged by: the one in force when its request arrived. */
  private readonly byExchange = new Map<string, PolicyInForce>();
  /** Set while an exchange's hooks run, so every policy read in them sees that exchange's policy. */
  private judging: PolicyInForce | null = null;

  constructor(private readonly live: () => PolicyInForce) {}

  /** The policy of the exchange whose hook is running, else the one in force. */
  now(): PolicyInForce {
    return this.judging ?? this.live();
  }

  /** A request arrived: the policy in force now judges the whole exchange. */
  admit(id: string) {
    this.byExchange.set(id, this.live());
  }

  /**
   * The exchange ended: it is forgotten, and what is done for it later (its record) runs
   * through the returned function, with the policy it was judged by.
   */
  release(id: string): (fn: () => void) => void {
    const policy = this.byExchange.get(id) ?? this.live();
    this.byExchange.delete(id);
    return (fn) => this.under(policy, fn);
  }

  /** Runs an exchange's hook with the policy that exchange is judged by. */
  judgedBy<T>(id: string, fn: () => T): T {
    return this.under(this.byExchange.get(id) ?? this.live(), fn);
  }

  /** Runs `fn` with `policy` as the one being judged by, then restores the outer one. */
  private under<T>(policy: PolicyInForce, fn: () => T): T {
    const outer = this.judging;
    this.judging = policy;
    try {
      return fn();
    } finally {
      this.judging = outer;
    }
  }
}

/**
 * Masking per direction: the policy's when a user/IT/central layer sets it, else the
 * config's. Getters, so the pipeline's stages read the policy of the exchange at hand.
 */
export function liveMasking(config: Config['masking'], effective: () => PolicyInForce['effective']): Config['masking'] {
  return {
    ...config,
    get requests() {
      const p = effective();
      return p.source['masking.requests'] !== 'default' ? p.policy.masking.requests : config.requests;
    },
    get responses() {
      const p = effective();
      return p.source['masking.responses'] !== 'default' ? p.policy.masking.responses : config.responses;
    },
  };
}

/** The policy in force, and why the files are not, if they are not. */
export function policyState(live: LivePolicy): PolicyState {
  const p = live.current();
  return { version: p.version, since: p.since, layers: p.effective.layers, problem: live.problem };
}

/** Keeps this version's policy where a record's policyVersion can be looked up (policy-history/). */
export function archivePolicy(dataDir: string, log: Logger, p: PolicyInForce) {
  try {
    keepPolicyVersion(dataDir, p);
  } catch (e) {
    log.error('policy: could not keep a copy of the policy in force in policy-history/', { err: e, version: p.version });
  }
}

/** A new policy is in force (or the same rules from other layers): logged, and each new version kept. */
export function policyChangeLogged(dataDir: string, log: Logger, next: PolicyInForce, previous: PolicyInForce) {
  if (next.version !== previous.version) {
    log.info('policy: a new version is in force', { version: next.version, previous: previous.version, layers: next.effective.layers });
    archivePolicy(dataDir, log, next);
  } else {
    log.info('policy: same rules, other layers', { version: next.version, layers: next.effective.layers });
  }
}

/** A layer was rejected (the last good policy stays), or every layer reads again (null). */
export function policyProblemLogged(log: Logger, p: PolicyProblem | null, version: string) {
  if (p) log.error('policy: a layer was rejected; the last good policy stays in force', { code: p.code, problem: p.message, version });
  else log.info('policy: every layer reads again', { version });
}
