/** SIEM export (docs/server.md, "SIEM export"): records pushed to OTLP/HTTP and OCSF destinations. */
export { SiemConfigSchema, SiemDestinationSchema, SIEM_DEFAULTS, type SiemConfig, type SiemDestination } from './config.js';
export { SiemExporter, type ExportStatus, type ExporterOptions } from './exporter.js';
export { GENAI_PROVIDER, INFERENCE_EVENT, TOOL_EVENT, toLogRecords } from './otlp.js';
