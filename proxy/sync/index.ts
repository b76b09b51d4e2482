export { nextBatch } from './batch.js';
export { openReceipt, pinnedKeys, publicJwkOf, sealBatch, signAsDevice, BATCH_TYP, RECEIPT_TYP, type PinnedKeys } from './wire.js';
export { SyncService, checkServerUrl, type SyncOptions } from './service.js';
export { keepReceipt, readReceipts, readState, type KeptReceipt, type SyncState } from './state.js';
export { verifyReceipts, type ReceiptProblem } from './verify.js';
export { CentralPolicyLayer } from './central.js';
export { sealCheckIn } from './checkin.js';
export { ReviewForwarder, openReviewDecision, type ReviewSink } from './reviews.js';
