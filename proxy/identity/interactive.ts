/**
 * Sign-in started from the window (control API `identityLogin`), run inside the engine: the
 * call answers as soon as there is something to show (the authorization URL, or the device
 * code) and the sign-in completes in the background; the session change reaches every
 * surface through IdentityService's listeners (`identity.changed`). At most one device code
 * is outstanding: a new request cancels the previous one. Never returns or logs a token.
 */
import type { IdentityLogin } from '../control/index.js';
import type { Logger } from '../log.js';
import type { DeviceSignIn, IdentityService } from './service.js';

export class InteractiveSignIn {
  private device: DeviceSignIn | null = null;

  constructor(
    private readonly service: IdentityService,
    private readonly log: Logger,
    /** How long the loopback redirect waits for the browser, ms. */
    private readonly browserTimeoutMs = 5 * 60_000,
  ) {}

  async start(p: { device: boolean }): Promise<IdentityLogin> {
    return p.device ? this.startDevice() : this.startBrowser();
  }

  /** Forgets an outstanding device code (sign-out, engine stop). */
  cancel(): void {
    this.device?.cancel();
    this.device = null;
  }

  private startBrowser(): Promise<IdentityLogin> {
    return new Promise((resolve, reject) => {
      this.service
        .signInWithBrowser({
          // The window opens the URL in the system browser; the engine has no screen of its own.
          open: async () => false,
          onUrl: (url) => resolve({ flow: 'browser', url }),
          timeoutMs: this.browserTimeoutMs,
        })
        .then(
          (s) => this.log.info('sign-in from the window completed', { sub: s.sub }),
          (e: unknown) => {
            reject(e as Error); // no-op once the URL was handed out
            this.log.warn('sign-in from the window did not complete', { err: e });
          },
        );
    });
  }

  private async startDevice(): Promise<IdentityLogin> {
    const d = await this.service.startDeviceSignIn();
    this.cancel();
    this.device = d;
    d.completed.then(
      (s) => this.log.info('device sign-in completed', { sub: s.sub }),
      (e: unknown) => this.log.warn('device sign-in did not complete', { err: e }),
    ).finally(() => {
      if (this.device === d) this.device = null;
    });
    return { flow: 'device', userCode: d.userCode, verificationUri: d.verificationUri, verificationUriComplete: d.verificationUriComplete, expiresIn: d.expiresIn };
  }
}
