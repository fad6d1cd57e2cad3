import { z } from 'zod';
import type { ResponseSpec } from './types.js';

/**
 * Small builders for response descriptions. Most responses are records whose full shape lives in
 * TypeScript types, not zod; they are documented by their envelope (`{device}`, `{items, next}`)
 * so that a client knows where the data is, and by prose.
 */

/** Any JSON object (the record's fields are described in prose). */
export const record = z.looseObject({});

/** The error body every failure has. */
export const errorSchema = z.object({
  error: z.object({
    code: z.string().describe('Stable machine-readable code, e.g. VALIDATION_FAILED, NOT_FOUND.'),
    message: z.string().describe('A sentence a person understands.'),
    fields: z
      .record(z.string(), z.string())
      .optional()
      .describe('Per-field messages for validation errors (`path.to.field` → message).'),
  }),
});

/** `{<key>: {...}}` */
export function one(key: string, description: string, inner: z.ZodType = record): ResponseSpec {
  return { description, schema: z.object({ [key]: inner }) };
}

/** `{items: [...], ...extra}` */
export function list(
  description: string,
  extra: Record<string, z.ZodType> = {},
  item: z.ZodType = record,
): ResponseSpec {
  return { description, schema: z.object({ items: z.array(item), ...extra }) };
}

/**
 * A JSON body described by prose, or by `schema`. (A fresh object each time: a response schema
 * that is also nested in others would become a component of its own.)
 */
export function json(description: string, schema?: z.ZodType): ResponseSpec {
  return { description, schema: schema ?? z.looseObject({}) };
}

export const noContent = (description: string): ResponseSpec => ({ description });

/** The cursor of the next page, or null on the last one. */
export const nextCursor = z
  .string()
  .nullable()
  .describe('Pass as `before` to get the next page; null on the last page.');

export const paging = {
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
};
