export { healthOf, tlsSummary, REJECTION_WINDOW_MINUTES, type Health, type TlsSummary } from './health.js';
export { runDoctor, caFacts, liveHost, type DoctorOptions, type DoctorReport } from './run.js';
export { liveHandshake, type LiveResult } from './live.js';
export type { Check, CheckStatus } from './types.js';
