/**
 * The audit search query and its answer, shared by the engine's store, the control API,
 * the CLI, the UI and the central server. Imports only zod.
 */
import { z } from 'zod';

export const SearchQuerySchema = z
  .object({
    q: z.string().max(500).optional().describe('full-text query over masked prompt, response and tool calls (FTS4 syntax)'),
    since: z.string().optional().describe('ISO time or epoch ms; records at or after'),
    until: z.string().optional().describe('ISO time or epoch ms; records at or before'),
    user: z.string().optional(),
    client: z.string().optional().describe('editor, e.g. "VS Code"'),
    model: z.string().optional(),
    endpoint: z.string().optional(),
    decision: z.string().optional(),
    status: z.string().optional(),
    masked: z.union([z.boolean(), z.enum(['true', 'false'])]).optional().describe('only records with (true) or without (false) masked secrets'),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    before: z.coerce.number().int().optional().describe('cursor: return records with seq below this'),
  })
  .strict();
export type SearchQuery = z.input<typeof SearchQuerySchema>;

export const SearchHitSchema = z.object({
  seq: z.number(),
  id: z.string(),
  time: z.string(),
  user: z.string(),
  client: z.string().nullable(),
  endpoint: z.string(),
  model: z.string().nullable(),
  decision: z.string(),
  status: z.string(),
  maskings: z.number(),
  prompt: z.string(),
  response: z.string(),
  toolCalls: z.array(z.string()),
});
export type SearchHit = z.infer<typeof SearchHitSchema>;

export const SearchPageSchema = z.object({ items: z.array(SearchHitSchema), nextBefore: z.number().nullable(), total: z.number() });
export type SearchPage = z.infer<typeof SearchPageSchema>;

/** A time bound as the user gives it: ISO 8601 or epoch milliseconds. */
export function parseTime(s: string | undefined): number | undefined {
  if (s === undefined || s === '') return undefined;
  if (/^\d+$/.test(s)) return Number(s);
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new Error(`not a time: "${s}" (use ISO 8601 or epoch milliseconds)`);
  return t;
}
