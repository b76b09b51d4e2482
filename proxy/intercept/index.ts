export { InterceptingProxy, isLoopbackAddress, type ProxyCounters, type InterceptingProxyOptions } from './proxy-server.js';
export { UpstreamPool, splitHostPort, type UpstreamOptions } from './upstream.js';
export { HostMatcher, effectiveInterceptHosts, planForHost } from './hosts.js';
export { renderPac } from './pac.js';
export type { ExchangeRequest, ExchangeResponseHead, ExchangeSummary, ExchangeTimings, InterceptHooks, RequestAction } from './exchange.js';
