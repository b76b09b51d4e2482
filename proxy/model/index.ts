/**
 * The ground floor, browser-safe face: domain types as zod schemas (Interaction, client
 * info, audit records, search, tool-call operations and previews) and canonical JSON.
 * Imports only zod; the engine, the UI and the central server all build on it. Never
 * export anything here that needs Node: that goes in node.ts.
 */
export { ClientInfoSchema, emptyInteraction, InteractionSchema, type ClientInfo, type Interaction, type InteractionOrigin } from './interaction.js';
export { AuditRecordSchema, EXPORT_FORMATS, RECORD_VERSION, type AuditRecord, type ExportedRecord, type ExportFormat, type StoredMessage } from './record.js';
export { parseTime, SearchHitSchema, SearchPageSchema, SearchQuerySchema, type SearchHit, type SearchPage, type SearchQuery } from './search.js';
export {
  extractOperation,
  OperationSchema,
  patchPaths,
  PreviewSchema,
  type Operation,
  type OperationClass,
  type PathAction,
  type Preview,
} from './operations.js';
export { canonicalJson } from './canonical-json.js';
export { WhoAmISchema, type WhoAmI, RecordIdentitySchema, type RecordIdentity } from './identity.js';
export {
  BATCH_TYP,
  RECEIPT_TYP,
  BatchPayloadSchema,
  BatchRecordSchema,
  DeviceSchema,
  EnrolRequestSchema,
  IngestResponseSchema,
  ReceiptPayloadSchema,
  ServerErrorSchema,
  ServerSearchHitSchema,
  ServerSearchPageSchema,
  ServerSearchQuerySchema,
  SYNC_ERROR_CODES,
  SyncStatusSchema,
  type BatchPayload,
  type BatchRecord,
  type Device,
  type EnrolRequest,
  type IngestResponse,
  type ReceiptPayload,
  type ServerError,
  type ServerSearchHit,
  type ServerSearchPage,
  type ServerSearchQuery,
  type SyncErrorCode,
  type SyncStatus,
  CHECKIN_TYP,
  POLICY_TYP,
  CheckInPayloadSchema,
  CheckInResponseSchema,
  PolicyBundlePayloadSchema,
  CentralPolicySchema,
  FLEET_STATES,
  FleetDeviceSchema,
  type CheckInPayload,
  type CheckInResponse,
  type PolicyBundlePayload,
  type CentralPolicy,
  type FleetDevice,
  SiemExportStatusSchema,
  SiemDeadLetterSchema,
  type SiemExportStatus,
  type SiemDeadLetter,
} from './sync.js';
export {
  REVIEW_DECISION_TYP,
  REVIEW_REQUEST_TYP,
  REVIEW_STATES,
  ApprovalReviewSchema,
  ReviewDecisionPayloadSchema,
  ReviewDecisionRequestSchema,
  ReviewDeviceRequestSchema,
  ReviewListSchema,
  ReviewOpenSchema,
  ReviewSchema,
  ReviewWaitResponseSchema,
  ReviewWaitSchema,
  ReviewWithdrawSchema,
  type ApprovalReview,
  type Review,
  type ReviewDecisionPayload,
  type ReviewDecisionRequest,
  type ReviewDeviceRequest,
  type ReviewOpen,
  type ReviewState,
  type ReviewWaitResponse,
} from './review.js';
