import { z } from 'zod';
import { CHANGE_KINDS } from '../store/change-capture.js';

/** Families that `kinds` accepts besides exact kinds: `device` stands for every `device.*`. */
export const CHANGE_FAMILIES = ['device', 'incident', 'backup'] as const;
const KIND_FILTERS = new Set<string>([...CHANGE_KINDS, ...CHANGE_FAMILIES]);

export const DEFAULT_CHANGE_PAGE = 100;

/** `GET /api/v1/changes` query. */
export const changesQuerySchema = z.object({
  since: z
    .string()
    .optional()
    .describe(
      'The `next` cursor of the previous answer. Absent: from the oldest change still kept. ' +
        '`now`: no items, just a cursor at the newest change (after a full sync).',
    ),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .default(DEFAULT_CHANGE_PAGE)
    .describe(
      'Changes per page. Larger values than the box allows (hq.changePageMax) are capped; ' +
        'the answer says the limit used.',
    ),
  kinds: z
    .string()
    .max(400)
    .optional()
    .refine((s) => s === undefined || s.split(',').every((k) => KIND_FILTERS.has(k.trim())), {
      message: `Use a comma-separated list of ${[...CHANGE_FAMILIES, ...CHANGE_KINDS].join(', ')}.`,
    })
    .describe(
      'Only these kinds (comma-separated; `device`, `incident`, `backup` stand for the whole ' +
        'family). Skipped changes still move the cursor on.',
    ),
});
export type ChangesQuery = z.output<typeof changesQuerySchema>;

export const changeItemSchema = z.object({
  seq: z.number().int().describe('Increases by one with each change of this box.'),
  at: z.string().describe('When the change was recorded (ISO 8601).'),
  kind: z.enum(CHANGE_KINDS),
  id: z.string().describe('Id of the device, incident or backup run.'),
  data: z
    .record(z.string(), z.unknown())
    .describe(
      'The record after the change as the API shows it (a removed device: as it was). Backup ' +
        'runs without their log, long lists cut to 20 with a count beside them.',
    ),
});
export type ChangeItem = z.infer<typeof changeItemSchema>;

/** `GET /api/v1/changes` answer. */
export const changePageSchema = z.object({
  items: z.array(changeItemSchema),
  next: z.string().describe('Pass as `since` next time; given also when there are no items.'),
  hasMore: z.boolean().describe('More changes are waiting: ask again at once.'),
  limit: z.number().int().describe('The page size used (the request, capped).'),
});
export type ChangePage = z.infer<typeof changePageSchema>;
