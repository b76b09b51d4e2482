export { nextBatch } from './batch.js';
export { openReceipt, pinnedKeys, publicJwkOf, sealBatch, BATCH_TYP, RECEIPT_TYP, type PinnedKeys } from './wire.js';
