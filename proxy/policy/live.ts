/**
 * The policy in force, kept live. Every layer is re-read when one of its files changes (and
 * every `pollMs`, for sources without file events such as the Windows registry, and for
 * events a file system drops), validated and compiled, then swapped in with one assignment:
 * a reader sees the old policy or the new one, never a mix.
 *
 * A layer that fails to read or validate leaves the last good policy in force and is a
 * standing problem (code, message naming the file and key, since when) until a re-read
 * succeeds: the engine shows it in status, events and its log. At start there is no last
 * good policy, so a bad layer fails the start (the constructor throws).
 *
 * The version of a policy is the SHA-256 of its canonical JSON: the same policy has the same
 * version in every process and after every restart, so a record's `policyVersion` names
 * exactly the rules it was judged by. Never logs policy contents.
 */
import { canonicalJson } from '../model/index.js';
import { sha256Hex } from '../model/node.js';
import { compilePolicy, type CompiledPolicy } from './evaluate.js';
import type { EffectivePolicy } from './layers.js';
import type { Policy } from './schema.js';
import { watchFiles, type WatchFiles } from './watch.js';

export interface PolicyInForce {
  effective: EffectivePolicy;
  compiled: CompiledPolicy;
  /** SHA-256 (hex) of the effective policy's canonical JSON. */
  version: string;
  /** When this version came into force (ISO time). */
  since: string;
}

export interface PolicyProblem {
  code: string;
  /** What is wrong and where (file, key path), as the error said it. */
  message: string;
  /** When the problem was first seen (ISO time); it stands until a re-read succeeds. */
  since: string;
}

export interface LivePolicyOptions {
  /** Reads and merges every layer; throws (with the file and key) when one is bad. */
  load(): EffectivePolicy;
  /** Every layer's file, existing or not: a file that appears later counts too. */
  files: readonly string[];
  /** Also re-read this often (ms); 0 or absent: only on file events. */
  pollMs?: number;
  /** Events within this many ms make one re-read (an editor's save is several events). */
  debounceMs?: number;
  watch?: WatchFiles;
  now?: () => Date;
  /** The policy in force changed (a new version, or the same rules from other layers). */
  onChange?(next: PolicyInForce, previous: PolicyInForce): void;
  /** A problem appeared, changed, or went away (null). */
  onProblem?(problem: PolicyProblem | null): void;
}

export function policyVersion(policy: Policy): string {
  return sha256Hex(canonicalJson(policy));
}

export class LivePolicy {
  private inForce: PolicyInForce;
  private standing: PolicyProblem | null = null;
  private unwatch: (() => void) | null = null;
  private poll: NodeJS.Timeout | null = null;
  private debounce: NodeJS.Timeout | null = null;

  constructor(private readonly opts: LivePolicyOptions) {
    this.inForce = this.snapshot(opts.load(), null);
  }

  /** The policy in force now. Cheap: call it for every exchange. */
  current(): PolicyInForce {
    return this.inForce;
  }

  /** Why the files on disk are not what is in force, or null when they are. */
  get problem(): PolicyProblem | null {
    return this.standing;
  }

  /** Starts watching the layers' files (and polling, if asked). */
  start(): void {
    if (this.unwatch) return;
    this.unwatch = (this.opts.watch ?? watchFiles)(this.opts.files, () => this.soon());
    if (this.opts.pollMs) {
      this.poll = setInterval(() => this.reload(), this.opts.pollMs);
      this.poll.unref();
    }
  }

  stop(): void {
    this.unwatch?.();
    this.unwatch = null;
    if (this.poll) clearInterval(this.poll);
    if (this.debounce) clearTimeout(this.debounce);
    this.poll = this.debounce = null;
  }

  /** Re-reads every layer now; swaps when the result differs. Never throws. */
  reload(): { changed: boolean; problem: PolicyProblem | null } {
    let effective: EffectivePolicy;
    let next: PolicyInForce;
    try {
      effective = this.opts.load();
      next = this.snapshot(effective, this.inForce);
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      const message = (e as Error).message ?? String(e);
      if (this.standing?.message !== message) {
        this.standing = { code: typeof code === 'string' ? code : 'CONFIG_INVALID', message, since: this.now().toISOString() };
        this.opts.onProblem?.(this.standing);
      }
      return { changed: false, problem: this.standing };
    }
    if (this.standing) {
      this.standing = null;
      this.opts.onProblem?.(null);
    }
    if (sameView(next.effective, this.inForce.effective)) return { changed: false, problem: null };
    const previous = this.inForce;
    this.inForce = next;
    this.opts.onChange?.(next, previous);
    return { changed: true, problem: null };
  }

  private soon() {
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = null;
      this.reload();
    }, this.opts.debounceMs ?? 100);
    this.debounce.unref();
  }

  private snapshot(effective: EffectivePolicy, previous: PolicyInForce | null): PolicyInForce {
    const version = policyVersion(effective.policy);
    return {
      effective,
      compiled: compilePolicy(effective.policy),
      version,
      // The same rules from other layers (a lock added, a file moved) are not a new version.
      since: previous && previous.version === version ? previous.since : this.now().toISOString(),
    };
  }

  private now(): Date {
    return (this.opts.now ?? (() => new Date()))();
  }
}

/** Same rules, same provenance and locks, same layers: nothing a reader could tell apart. */
function sameView(a: EffectivePolicy, b: EffectivePolicy): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
