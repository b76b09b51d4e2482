export { healthOf, tlsSummary, REJECTION_WINDOW_MINUTES, type Health, type TlsSummary } from './health.js';
