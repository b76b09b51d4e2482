/**
 * The HTTPS proxy: mockttp terminating TLS only for intercepted hosts (tlsInterceptOnly),
 * raw tunnels for everything else, bound to loopback. Decisions:
 *  - Intercepted requests go through ForwardStep (streaming transform hook).
 *  - Direct requests to the proxy itself serve /proxy.pac (every time, with an ETag), or a
 *    short 404 explaining what this port is; they are never forwarded (that would loop).
 *  - WebSocket upgrades to intercepted hosts are refused with 403 by default, every one of
 *    them: VS Code's Responses-over-WebSocket transport falls back to HTTP POST on failure,
 *    and HTTP is what Witness can audit and mask. With "passthrough" each upgrade is let
 *    through and reported to the hooks, to be recorded as not inspected.
 *  - Plain http:// proxy requests and WebSockets to other hosts pass through untouched.
 *  - While interception is paused (`paused()`), a CONNECT to an intercepted host is taken
 *    before mockttp sees it and tunnelled unaudited (paused-tunnel.ts); each is counted and
 *    reported when it closes, to be recorded as unaudited.
 */
import { completionCheckers, getLocal, requestSteps, webSocketSteps, type Mockttp } from 'mockttp';
import { SUBJECT_COUNTRY } from '../ca/index.js';
import { WitnessError } from '../errors.js';
import { routeConsole, type Logger } from '../log.js';
import type { InterceptHooks } from './exchange.js';
import { ForwardStep, registerForwardStep } from './forward-step.js';
import { HostMatcher } from './hosts.js';
import type { ListenerTimeouts } from './listener-timeouts.js';
import { isLoopbackAddress, startOnLoopback } from './loopback.js';
import { connectTarget, PausedTunnels, type PauseInfo, type PausedTunnelSummary } from './paused-tunnel.js';
import { PacFile, renderPac } from './pac.js';
import { TlsFailureLog, tlsFailureCause } from './tls-failures.js';
import type { UpstreamPool } from './upstream.js';
import { InterceptedWebSocketStep, registerInterceptedWebSocketStep } from './websocket-step.js';

export interface ProxyCounters {
  intercepted: number;
  tunnelled: number;
  plainHttp: number;
  websocketsRefused: number;
  /** Upgrades to intercepted hosts let through unaudited (`intercept.websockets: "passthrough"`). */
  websocketsPassedThrough: number;
  /** Requests for /proxy.pac (304 answers included). */
  pacRequests: number;
  refusedPeers: number;
  /** Handshakes that failed (the client rejected the certificate, reset, timed out…). */
  tlsClientErrors: number;
  /** Handshakes that completed and were closed without a request: not failures (pools, probes). */
  tlsHandshakesWithoutRequest: number;
  /** CONNECTs to intercepted hosts tunnelled unaudited while interception was paused. */
  pausedTunnels: number;
}

export interface InterceptingProxyOptions {
  host: string;
  port: number;
  interceptHosts: readonly string[];
  websockets: 'refuse' | 'passthrough';
  ca: { keyPem: string; certPem: string };
  pool: UpstreamPool;
  hooks: InterceptHooks;
  log: Logger;
  maxInspectedBodyBytes?: number;
  /** Timeouts on every client connection (config `limits`); Node's and mockttp's defaults when absent. */
  timeouts?: ListenerTimeouts;
  /** The pause in effect, or null: while paused, CONNECTs to intercepted hosts are tunnelled unaudited. */
  paused?: () => PauseInfo | null;
  /** A paused tunnel closed (to be recorded as unaudited traffic). */
  onPausedTunnel?: (s: PausedTunnelSummary) => void;
}

const SELF_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

interface OngoingLike {
  destination: { hostname: string; port: number };
  path: string;
}

export class InterceptingProxy {
  readonly counters: ProxyCounters = {
    intercepted: 0,
    tunnelled: 0,
    plainHttp: 0,
    websocketsRefused: 0,
    websocketsPassedThrough: 0,
    pacRequests: 0,
    refusedPeers: 0,
    tlsClientErrors: 0,
    tlsHandshakesWithoutRequest: 0,
    pausedTunnels: 0,
  };
  /** The recent handshake failures, with SNI and time (for doctor and status). */
  readonly tlsFailures = new TlsFailureLog();
  private server: Mockttp | null = null;
  private readonly hostMatcher: HostMatcher;
  private boundPort = 0;
  private readonly pausedTunnels: PausedTunnels;
  private releaseConsole: (() => void) | null = null;

  constructor(private readonly opts: InterceptingProxyOptions) {
    this.hostMatcher = new HostMatcher(opts.interceptHosts);
    this.pausedTunnels = new PausedTunnels(opts.pool, (s) => opts.onPausedTunnel?.(s), undefined, opts.timeouts?.tunnelIdleTimeoutMs);
  }

  /** Interception resumed: closes the tunnels opened while paused. Returns how many. */
  closePausedTunnels(): number {
    return this.pausedTunnels.closeAll();
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    const h = this.opts.host.includes(':') ? `[${this.opts.host}]` : this.opts.host;
    return `http://${h}:${this.boundPort}`;
  }

  isIntercepted(hostname: string): boolean {
    return this.hostMatcher.matches(hostname);
  }

  async start(): Promise<void> {
    // mockttp prints with console.*: its lines go through our logger while the proxy runs.
    this.releaseConsole ??= routeConsole(this.opts.log);
    registerForwardStep();
    registerInterceptedWebSocketStep();
    const server = getLocal({
      https: {
        key: this.opts.ca.keyPem,
        cert: this.opts.ca.certPem,
        // Leaf subjects must open with the RDN the CA's directoryName constraint permits.
        countryName: SUBJECT_COUNTRY,
        // Clients that send no SNI get a certificate for a Copilot host, inside the CA's constraints.
        defaultDomain: defaultDomainFor(this.opts.interceptHosts),
        tlsInterceptOnly: this.opts.interceptHosts.map((hostname) => ({ hostname })),
      },
      recordTraffic: false,
      // mockttp keeps a copy of bodies for its own events; we do not use those copies.
      // A small cap keeps that copy from growing with huge or endless streams (mockttp #209).
      maxBodySize: 64 * 1024,
      debug: false,
    });
    const log = this.opts.log;

    try {
      await startOnLoopback(
        this.opts.host,
        (peer) => this.refusedPeer(peer),
        () => server.start(this.opts.port),
        (req, socket, head) => {
          const pause = this.opts.paused?.() ?? null;
          const target = pause ? connectTarget(req.url) : null;
          if (!pause || !target || !this.hostMatcher.matches(target.hostname)) return false;
          this.counters.pausedTunnels++;
          this.pausedTunnels.tunnel(req, socket, head, target, pause);
          return true;
        },
        this.opts.timeouts ?? null,
      );
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'EADDRINUSE') {
        throw new WitnessError(
          'PORT_IN_USE',
          `Port ${this.opts.port} on ${this.opts.host} is already in use. Stop the other program (or another Witness: \`witness status\`), or choose another port with --port.`,
          { cause: e },
        );
      }
      throw new WitnessError('LISTEN_FAILED', `Cannot listen on ${this.opts.host}:${this.opts.port}: ${(e as Error).message}`, { cause: e });
    }
    this.server = server;
    this.boundPort = server.port;

    const isSelf = (req: OngoingLike) => SELF_NAMES.has(req.destination.hostname.toLowerCase()) && req.destination.port === this.boundPort;
    const isIntercepted = (req: OngoingLike) => this.hostMatcher.matches(req.destination.hostname);

    // Every rule repeats forever (completionChecker Always) and the first matching rule wins.
    // Without a completion checker mockttp treats a rule as "done" after its first match
    // whenever a later rule also matches, so the PAC file was served once and then 404'd,
    // and only the first WebSocket upgrade was refused (issue 20).
    // Our own matchers decide on the request line alone: mockttp's callback matchers would
    // wait for the whole request body before any rule matched.
    const pac = new PacFile(renderPac(this.opts.interceptHosts, this.opts.host, this.boundPort));
    await server.addRequestRules(
      {
        matchers: [matcher('witness-pac', (r) => isSelf(r) && r.path.split('?')[0] === '/proxy.pac')],
        steps: [
          new requestSteps.CallbackStep((r) => {
            this.counters.pacRequests++;
            return pac.respond(r.headers['if-none-match']);
          }),
        ],
        completionChecker: repeatForever(),
      } as never,
      {
        matchers: [matcher('witness-self', isSelf)],
        steps: [
          new requestSteps.FixedResponseStep(404, 'Not Found', 'This is the Witness proxy. Configure it as an HTTP proxy, or use /proxy.pac.\n', {
            'content-type': 'text/plain',
          }),
        ],
        completionChecker: repeatForever(),
      } as never,
    );

    const step = new ForwardStep({
      pool: this.opts.pool,
      hooks: this.opts.hooks,
      maxInspectedBodyBytes: this.opts.maxInspectedBodyBytes,
      responseTimeoutMs: this.opts.pool.responseTimeoutMs,
      idleTimeoutMs: this.opts.pool.idleTimeoutMs,
    });
    await server.addRequestRules({
      matchers: [
        matcher('witness-intercepted-host', (r) => {
          const hit = isIntercepted(r);
          if (hit) this.counters.intercepted++;
          return hit;
        }),
      ],
      steps: [step],
      completionChecker: repeatForever(),
    } as never);
    await server.forUnmatchedRequest().thenPassThrough();

    // Upgrades to intercepted hosts: refused, or passed through and recorded, every time.
    // Other hosts' WebSockets pass through untouched; that rule cannot match an intercepted
    // host, so if the first rule ever stopped matching, mockttp would answer "no rule" rather
    // than open an unaudited WebSocket.
    await server.addWebSocketRules(
      {
        matchers: [matcher('witness-intercepted-ws', isIntercepted)],
        steps: [
          new InterceptedWebSocketStep({
            mode: this.opts.websockets,
            pool: this.opts.pool,
            onRefused: () => this.counters.websocketsRefused++,
            onPassthrough: (s) => {
              this.counters.websocketsPassedThrough++;
              this.opts.hooks.onWebSocketPassthrough?.(s);
            },
          }),
        ],
        completionChecker: repeatForever(),
      } as never,
      {
        matchers: [matcher('witness-other-ws', (r) => !isIntercepted(r))],
        steps: [new webSocketSteps.PassThroughWebSocketStep()],
        completionChecker: repeatForever(),
      } as never,
    );

    await server.on('tls-passthrough-opened', () => {
      this.counters.tunnelled++;
    });
    await server.on('raw-passthrough-opened', () => {
      this.counters.tunnelled++;
    });
    await server.on('request-initiated', (r) => {
      const dest = r.destination;
      const toSelf = dest && SELF_NAMES.has(dest.hostname) && dest.port === this.boundPort;
      if (r.protocol === 'http' && dest && !toSelf && !this.hostMatcher.matches(dest.hostname)) {
        this.counters.plainHttp++;
      }
    });
    await server.on('tls-client-error', (e) => {
      const failure = this.tlsFailures.record(tlsFailureCause(e.failureCause), e.tlsMetadata?.sniHostname);
      // mockttp reports a completed handshake closed without a request as "closed"; nothing failed (issue 20).
      if (!failure) {
        this.counters.tlsHandshakesWithoutRequest++;
        log.debug('TLS connection closed after the handshake without a request', { sni: e.tlsMetadata?.sniHostname });
        return;
      }
      this.counters.tlsClientErrors++;
      log.warn('TLS handshake with a client failed (is the Witness CA trusted by the client? run `witness doctor`)', { ...failure });
    });
    // Drain mockttp's response tracking so it cannot accumulate bodies (mockttp #209).
    await server.on('response', () => {});
  }

  private refusedPeer(peer: string) {
    this.counters.refusedPeers++;
    this.opts.log.warn('Refused a connection from a non-loopback address', { peer });
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.pausedTunnels.closeAll();
    if (server) await server.stop();
    this.releaseConsole?.();
    this.releaseConsole = null;
  }
}

function repeatForever() {
  return new completionCheckers.Always();
}

function matcher(type: string, test: (r: OngoingLike) => boolean) {
  // mockttp disposes every rule's matchers when it stops: without dispose(), stop() threw
  // and a proxy restart on the same port (CA switch, new intercepted hosts) failed.
  return { type, matches: (r: OngoingLike) => test(r), explain: () => type, dispose: () => undefined };
}

function defaultDomainFor(hosts: readonly string[]): string {
  const wildcard = hosts.find((h) => h.startsWith('*.'));
  if (hosts.includes('*.githubcopilot.com')) return 'api.githubcopilot.com';
  if (wildcard) return `api.${wildcard.slice(2)}`;
  return hosts[0] ?? 'api.githubcopilot.com';
}

export { isLoopbackAddress };
