/**
 * Browser sessions of the window (the HttpOnly cookie a sign-in link sets). Kept across engine
 * restarts when given a file, so an open tab reconnects without a new sign-in link: only
 * SHA-256 hashes of the cookie values are written (mode 0600), never the values, and each
 * session ends SESSION_DAYS after its sign-in. A file that cannot be read starts empty (the
 * tab then asks for a new link); one that cannot be written keeps sessions in memory only.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { writeAtomic } from '../fs.js';
import type { Logger } from '../log.js';

const SESSION_DAYS = 7;
const hash = (value: string) => createHash('sha256').update(value).digest('hex');

export class SessionStore {
  /** hash → expiry (epoch ms). */
  private readonly sessions = new Map<string, number>();

  constructor(
    private readonly file: string | null,
    private readonly log: Logger,
  ) {
    if (!file || !existsSync(file)) return;
    try {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as { version: 1; sessions: Array<[string, number]> };
      for (const [h, expires] of saved.sessions) if (expires > Date.now() && /^[0-9a-f]{64}$/.test(h)) this.sessions.set(h, expires);
    } catch (e) {
      log.warn('Window sessions file unreadable: open tabs need a new sign-in link', { file, err: e });
    }
  }

  add(value: string): void {
    this.sessions.set(hash(value), Date.now() + SESSION_DAYS * 86_400_000);
    this.save();
  }

  has(value: string): boolean {
    const expires = this.sessions.get(hash(value));
    return expires !== undefined && expires > Date.now();
  }

  private save(): void {
    if (!this.file) return;
    const now = Date.now();
    for (const [h, expires] of this.sessions) if (expires <= now) this.sessions.delete(h);
    try {
      writeAtomic(this.file, JSON.stringify({ version: 1, sessions: [...this.sessions] }), 0o600);
    } catch (e) {
      this.log.warn('Cannot save window sessions: tabs will need a new sign-in link after a restart', { file: this.file, err: e });
    }
  }
}
