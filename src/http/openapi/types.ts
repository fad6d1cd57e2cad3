import type { z } from 'zod';

/** Who may call an operation: nobody needs to sign in, or at least this role (or token scope). */
export type ApiRole = 'public' | 'viewer' | 'operator' | 'admin';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ResponseSpec {
  description: string;
  /** The JSON body, described with zod (converted as the output type). */
  schema?: z.ZodType;
  /** A body that is not JSON (Prometheus text, a file download). */
  mediaType?: string;
  /** Response headers worth knowing (name → description). */
  headers?: Record<string, string>;
}

/**
 * One documented API operation. Schemas are the very objects the route validates with, so the
 * document cannot drift from what the route accepts.
 */
export interface Operation {
  method: HttpMethod;
  /** OpenAPI template: `/api/v1/devices/{id}`. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  role: ApiRole;
  /** Path parameters: a description (the value is a string) or the schema the route checks. */
  params?: Record<string, string | z.ZodType>;
  /** The query-string schema passed to `validate()`. */
  query?: z.ZodType;
  /** Descriptions of query parameters the schema does not carry itself. */
  queryDocs?: Record<string, string>;
  /** Request headers the route reads (name → description). */
  headers?: Record<string, string>;
  /** The JSON body schema passed to `readJson()` (or that the service validates with). */
  body?: z.ZodType;
  /** Component name of the body (default: from the operation id); shared schemas keep theirs. */
  bodyName?: string;
  /** The body may be left out entirely (no Content-Type). */
  bodyOptional?: boolean;
  /** Descriptions of body fields the schema does not carry (dotted paths: `retention.keepLast`). */
  bodyDocs?: Record<string, string>;
  responses: Record<number, ResponseSpec>;
  /** Authentication other than the usual token-or-session (GET /metrics also takes basic auth). */
  auth?: 'metrics';
}
