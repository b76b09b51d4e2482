/**
 * The engine's state beyond traffic: the policy in force (its version, and a rejected policy
 * file, which means what is on disk is NOT what is enforced) and the sync to the central
 * server. Shown in the header (short) and in Setup (in full); both follow `policy.changed`
 * and `sync.receipt` through the status the App keeps.
 */
import type { PolicyState, Status } from '../api.js';
import { ago } from '../format.js';
import { useNow } from '../hooks.js';

type Sync = Status['sync'];

/** The policy version as people compare it: the first 12 hex digits of its SHA-256. */
export const shortVersion = (v: string): string => v.replace(/^sha256:/, '').slice(0, 12);

/** Header warning while a policy file is rejected (the last good policy stays in force). */
/**
 * The engine's health in words when it is not fine (clients rejecting the Witness CA, the
 * audit store unable to write…): never a green header while something is wrong.
 */
export function HealthWarning({ health }: { health: Status['health'] }) {
  if (health.level !== 'warn') return null;
  return (
    <a className="signin warn health-warning" href="#/setup" role="status" title={health.message}>
      ⚠ {health.message}
    </a>
  );
}

export function PolicyWarning({ policy }: { policy: PolicyState }) {
  if (!policy.problem) return null;
  return (
    <a className="signin warn policy-warning" href="#/setup" role="alert" title={`${policy.problem.message} — the last good policy (${shortVersion(policy.version)}) stays in force`}>
      ⚠ policy file rejected
    </a>
  );
}

const SYNC_WORDS: Record<Sync['state'], string> = {
  off: 'off',
  enrolling: 'enrolling this device',
  idle: 'up to date',
  sending: 'sending',
  backoff: 'retrying',
  error: 'failing',
};

/** Header badge for sync: nothing when sync is not configured. */
export function SyncBadge({ sync }: { sync: Sync | null | undefined }) {
  if (!sync || sync.state === 'off') return null;
  const bad = sync.state === 'error' || sync.state === 'backoff';
  return (
    <a
      className={`signin sync ${bad ? 'warn' : 'ok'}`}
      href="#/setup"
      title={`Sync to ${sync.server ?? 'the central server'}: ${SYNC_WORDS[sync.state]}; ${sync.waiting} waiting; receipted up to #${sync.receiptedSeq}${sync.lastError ? `; last error: ${sync.lastError}` : ''}`}
    >
      sync {bad ? SYNC_WORDS[sync.state] : sync.waiting > 0 ? `${sync.waiting} waiting` : 'up to date'}
    </a>
  );
}

/** Setup's card: the policy in force and where it came from. */
export function PolicyInForce({ policy }: { policy: PolicyState }) {
  const now = useNow(10_000);
  return (
    <div aria-label="Policy in force">
      <p>
        Version <code title={policy.version}>{shortVersion(policy.version)}</code> in force since {ago(Math.max(0, now - Date.parse(policy.since)))}
        <span className="sub"> ({new Date(policy.since).toLocaleString()}); every record carries the version it was judged by.</span>
      </p>
      {policy.problem && (
        <p className="problem" role="alert">
          <strong>A policy file was rejected:</strong> {policy.problem.message} <span className="sub">({policy.problem.code}, since {new Date(policy.problem.since).toLocaleString()})</span>
          <br />
          The last good policy stays in force until the file is fixed.
        </p>
      )}
    </div>
  );
}

/** Setup's card: sync to the central server, when configured. */
export function SyncState({ sync }: { sync: Sync | null | undefined }) {
  const now = useNow(5000);
  if (!sync || sync.state === 'off') return null;
  return (
    <article className="card" aria-label="Sync">
      <h2>Central server</h2>
      <p>
        <span className={`badge ${sync.state === 'error' || sync.state === 'backoff' ? 'blocked' : 'allowed'}`}>{SYNC_WORDS[sync.state]}</span> <code>{sync.server}</code>
      </p>
      <p className="sub">
        {sync.waiting} record{sync.waiting === 1 ? '' : 's'} waiting · receipted up to #{sync.receiptedSeq} · last receipt{' '}
        {sync.lastReceiptAt ? `${ago(Math.max(0, now - Date.parse(sync.lastReceiptAt)))} (${new Date(sync.lastReceiptAt).toLocaleString()})` : 'never'}
      </p>
      {sync.lastError && <p className="sub warnline">Last error: {sync.lastError}</p>}
    </article>
  );
}
