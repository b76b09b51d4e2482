export { InterceptingProxy, type ProxyCounters, type InterceptingProxyOptions } from './proxy-server.js';
export { UpstreamPool, type UpstreamOptions } from './upstream.js';
export { HostMatcher, effectiveInterceptHosts, planForHost } from './hosts.js';
export { renderPac } from './pac.js';
export { TlsFailureLog, failuresSince, tlsFailureCause, type TlsFailure, type TlsFailureCause } from './tls-failures.js';
export type { ExchangeRequest, ExchangeResponseHead, ExchangeSummary, ExchangeTimings, InterceptHooks, RequestAction, WebSocketSummary } from './exchange.js';
export { pausedTunnelInteraction, type PauseInfo, type PausedTunnelSummary } from './paused-tunnel.js';
export { InterceptionSwitch, type InterceptionSwitchState, type PauseLimits, type PauseVia } from './pause.js';
