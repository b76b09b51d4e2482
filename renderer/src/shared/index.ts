/**
 * What the Witness window and the console both render: text with masked spans, commands,
 * tool-call previews, timings, the whole record detail, and usePolled for data a view loads
 * again and again. Pure React over the model: never
 * imports a client (api.ts or the console's server client), so either app can use it.
 */
export { Masked } from './Masked.js';
export { Command } from './Command.js';
export { FilePath, Previews } from './Previews.js';
export { Timings } from './Timings.js';
export { RecordView, type RecordPlace } from './RecordView.js';
export { HitCells } from './HitCells.js';
export { ErrorLine, ListTable, type Column } from './ListTable.js';
export { usePolled, type Polled } from './usePolled.js';
