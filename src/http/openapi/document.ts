import { z } from 'zod';
import type { ApiRole, Operation, ResponseSpec } from './types.js';
import { ALL_OPERATIONS } from './operations/index.js';
import { REQUEST_COMPONENTS, RESPONSE_COMPONENTS } from './components.js';
import { TAGS } from './tags.js';
import { CSRF_HEADER } from '../middleware/csrf.js';
import { SESSION_COOKIE } from '../../auth/session-service.js';
import { compareText } from '../../lib/collate.js';

export type JsonSchema = Record<string, unknown>;

export interface ParameterObject {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

export interface OperationObject {
  operationId: string;
  tags: string[];
  summary: string;
  description?: string;
  parameters?: ParameterObject[];
  requestBody?: { required: boolean; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, unknown>;
  security: Array<Record<string, string[]>>;
  'x-required-role': ApiRole;
}

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: Array<{ url: string; description?: string }>;
  tags: Array<{ name: string; description: string }>;
  paths: Record<string, Record<string, OperationObject>>;
  components: {
    schemas: Record<string, JsonSchema>;
    responses: Record<string, unknown>;
    securitySchemes: Record<string, unknown>;
  };
}

const SCHEMA_PREFIX = '#/components/schemas/';
/** Stand-in URI for zod's `__shared` definitions (cycles), rewritten into components below. */
const SHARED = 'caretaker-shared';

const SCOPE_OF: Record<Exclude<ApiRole, 'public'>, string> = {
  viewer: 'read',
  operator: 'operate',
  admin: 'admin',
};

const pascal = (s: string): string =>
  s
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');

/** `get /api/v1/devices/{id}/interfaces` → `getDevicesByIdInterfaces`. */
export function operationId(op: Pick<Operation, 'method' | 'path'>): string {
  const parts = op.path
    .replace(/^\/api\/v1\//, '/')
    .split('/')
    .filter(Boolean)
    .map((seg) => {
      const param = /^\{(.+)\}$/.exec(seg);
      return param ? `By${pascal(param[1]!)}` : pascal(seg);
    });
  return op.method + parts.join('');
}

export const pathParamsOf = (path: string): string[] =>
  [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);

/**
 * Converts a set of zod schemas in one pass, so that those with a name become `$ref`s wherever
 * they are nested. Returns each schema's JSON Schema by the id it was added under.
 */
function convert(
  entries: Map<z.ZodType, string>,
  io: 'input' | 'output',
): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [schema, id] of entries) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io,
    // Transforms and refinements have no JSON Schema; their input type is what a client sends.
    unrepresentable: 'any',
    uri: (id) => (id === '__shared' ? SHARED : SCHEMA_PREFIX + id),
  }) as { schemas: Record<string, JsonSchema> };
  const out: Record<string, JsonSchema> = {};
  for (const [id, schema] of Object.entries(schemas)) {
    if (id === '__shared') {
      const defs = (schema.$defs ?? {}) as Record<string, JsonSchema>;
      for (const [defId, def] of Object.entries(defs)) out[`Shared${pascal(defId)}`] = def;
      continue;
    }
    // A component's $id would be a fragment-only URI, which JSON Schema does not allow.
    const { $schema: _s, $id: _i, ...rest } = schema;
    out[id] = rest;
  }
  return rewriteSharedRefs(out);
}

function rewriteSharedRefs<T>(value: T): T {
  const json = JSON.stringify(value);
  if (!json.includes(SHARED)) return value;
  return JSON.parse(
    json.replace(
      new RegExp(`"${SHARED}#/\\$defs/([^"]+)"`, 'g'),
      (_m, id: string) => `"${SCHEMA_PREFIX}Shared${pascal(decodeURIComponent(id))}"`,
    ),
  ) as T;
}

/** Every `$ref` under `value`. */
function refsIn(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) refsIn(v, into);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') into.add(v);
      else refsIn(v, into);
    }
  }
  return into;
}

/** Sets `description` on a property at a dotted path (in every variant of a union). */
function describeField(
  schema: JsonSchema,
  path: string,
  text: string,
  components: Record<string, JsonSchema>,
): boolean {
  const resolved =
    typeof schema.$ref === 'string' && schema.$ref.startsWith(SCHEMA_PREFIX)
      ? (components[schema.$ref.slice(SCHEMA_PREFIX.length)] ?? schema)
      : schema;
  const variants = (resolved.oneOf ?? resolved.anyOf ?? resolved.allOf) as JsonSchema[] | undefined;
  if (variants) {
    let found = false;
    for (const v of variants) found = describeField(v, path, text, components) || found;
    return found;
  }
  const [head, ...rest] = path.split('.');
  const props = resolved.properties as Record<string, JsonSchema> | undefined;
  const prop = props?.[head!];
  if (!prop) return false;
  if (rest.length) return describeField(prop, rest.join('.'), text, components);
  prop.description = text;
  return true;
}

function securityOf(op: Operation): Array<Record<string, string[]>> {
  if (op.role === 'public') return [];
  const scope = SCOPE_OF[op.role];
  if (op.auth === 'metrics')
    return [{ bearerToken: [scope] }, { basicAuth: [] }, { sessionCookie: [op.role] }];
  // A browser session must also send its CSRF token with anything that changes state.
  const session: Record<string, string[]> =
    op.method === 'get'
      ? { sessionCookie: [op.role] }
      : { sessionCookie: [op.role], csrfToken: [] };
  return [{ bearerToken: [scope] }, session];
}

/** The standard refusals an operation can get, from what it takes and who may call it. */
function standardResponses(op: Operation): Record<number, string> {
  const out: Record<number, string> = {};
  if (op.role !== 'public') out[401] = 'Unauthenticated';
  if (op.role === 'operator' || op.role === 'admin' || op.method !== 'get') out[403] = 'Forbidden';
  if (pathParamsOf(op.path).length) out[404] = 'NotFound';
  if (op.body) {
    out[400] = 'BadJson';
    out[413] = 'PayloadTooLarge';
    out[415] = 'UnsupportedMediaType';
  }
  const validatedParams = Object.values(op.params ?? {}).some((p) => typeof p !== 'string');
  if (op.body || op.query || validatedParams) out[422] = 'ValidationFailed';
  return out;
}

const errorContent = { 'application/json': { schema: { $ref: `${SCHEMA_PREFIX}Error` } } };

function errorResponse(description: string) {
  return { description, content: errorContent };
}

const COMMON_RESPONSES = {
  Unauthenticated: errorResponse(
    'No valid credentials (UNAUTHENTICATED), or the API token is not valid or revoked (INVALID_TOKEN).',
  ),
  Forbidden: errorResponse(
    'The role or token scope does not allow this (FORBIDDEN), or a browser session did not send its CSRF token (CSRF_REJECTED).',
  ),
  NotFound: errorResponse('Nothing has this id (NOT_FOUND).'),
  BadJson: errorResponse('The body is not valid JSON (BAD_JSON).'),
  PayloadTooLarge: errorResponse('The body is larger than the box accepts (BODY_TOO_LARGE).'),
  UnsupportedMediaType: errorResponse(
    'The body was not sent as application/json (UNSUPPORTED_MEDIA_TYPE).',
  ),
  ValidationFailed: errorResponse(
    'The input is not valid (VALIDATION_FAILED); `error.fields` has a message per field.',
  ),
};

const SECURITY_SCHEMES = {
  bearerToken: {
    type: 'http',
    scheme: 'bearer',
    description:
      'An API token (`Authorization: Bearer ct_…`), created by an admin under Settings → API tokens. Its scope is `read`, `operate` or `admin`; each includes the ones before it. An operation lists the least scope it needs. Repeated bad tokens from one address get 429.',
  },
  sessionCookie: {
    type: 'apiKey',
    in: 'cookie',
    name: SESSION_COOKIE,
    description:
      'The browser session from POST /api/v1/session or the login page. Listed with the least role an operation needs (viewer, operator, admin).',
  },
  csrfToken: {
    type: 'apiKey',
    in: 'header',
    name: CSRF_HEADER,
    description: `With a session cookie, every change carries the session's CSRF token (from POST /api/v1/session or GET /api/v1/me) in the ${CSRF_HEADER} header. Not needed with a bearer token.`,
  },
  basicAuth: {
    type: 'http',
    scheme: 'basic',
    description:
      'A local user name and password; only GET /metrics takes it, under the login throttle.',
  },
};

function pathParameters(
  op: Operation,
  converted: Record<string, JsonSchema>,
  ids: Map<z.ZodType, string>,
): ParameterObject[] {
  const names = pathParamsOf(op.path);
  for (const key of Object.keys(op.params ?? {}))
    if (!names.includes(key)) throw new Error(`${op.method} ${op.path}: no path parameter ${key}`);
  return names.map((name) => {
    const given = op.params?.[name];
    if (given === undefined || typeof given === 'string') {
      return {
        name,
        in: 'path',
        required: true,
        ...(given ? { description: given } : {}),
        schema: { type: 'string' },
      };
    }
    const { description, ...schema } = converted[ids.get(given)!]!;
    return {
      name,
      in: 'path',
      required: true,
      ...(typeof description === 'string' ? { description } : {}),
      schema,
    };
  });
}

function queryParameters(op: Operation, query: JsonSchema | undefined): ParameterObject[] {
  if (!query) return [];
  const props = (query.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((query.required ?? []) as string[]);
  for (const key of Object.keys(op.queryDocs ?? {}))
    if (!(key in props)) throw new Error(`${op.method} ${op.path}: no query parameter ${key}`);
  return Object.entries(props).map(([name, prop]) => {
    const { description, ...schema } = prop;
    const text = op.queryDocs?.[name] ?? description;
    return {
      name,
      in: 'query',
      required: required.has(name),
      ...(typeof text === 'string' ? { description: text } : {}),
      schema,
    };
  });
}

function responseObject(spec: ResponseSpec, status: number, schema: JsonSchema | undefined) {
  const headers = spec.headers
    ? Object.fromEntries(
        Object.entries(spec.headers).map(([name, description]) => [
          name,
          { description, schema: { type: 'string' } },
        ]),
      )
    : undefined;
  let content: Record<string, { schema: JsonSchema }> | undefined;
  if (schema) content = { 'application/json': { schema } };
  else if (spec.mediaType) content = { [spec.mediaType]: { schema: { type: 'string' } } };
  else if (status >= 400) content = errorContent;
  return {
    description: spec.description,
    ...(headers ? { headers } : {}),
    ...(content ? { content } : {}),
  };
}

/** Builds the whole document from the operation registry. Pure; callers cache the result. */
export function buildOpenApiDocument(
  version: string,
  operations: readonly Operation[] = ALL_OPERATIONS,
): OpenApiDocument {
  const tagNames = new Set(TAGS.map((t) => t.name));
  const seenOps = new Set<string>();
  for (const op of operations) {
    if (!tagNames.has(op.tag)) throw new Error(`${op.method} ${op.path}: unknown tag ${op.tag}`);
    const key = `${op.method} ${op.path}`;
    if (seenOps.has(key)) throw new Error(`${key} is documented twice`);
    seenOps.add(key);
  }

  // ---- request side: named components, bodies, queries and checked path parameters
  const reqIds = new Map<z.ZodType, string>();
  const keep = new Set<string>();
  for (const [name, schema] of REQUEST_COMPONENTS) {
    reqIds.set(schema, name);
    keep.add(name);
  }
  const add = (ids: Map<z.ZodType, string>, schema: z.ZodType, id: string, kept: boolean) => {
    if (!ids.has(schema)) ids.set(schema, id);
    if (kept) keep.add(ids.get(schema)!);
  };
  for (const op of operations) {
    const base = pascal(operationId(op));
    if (op.body) add(reqIds, op.body, op.bodyName ?? `${base}Body`, true);
    if (op.query) add(reqIds, op.query, `${base}Query`, false);
    for (const [name, p] of Object.entries(op.params ?? {}))
      if (typeof p !== 'string') add(reqIds, p, `${base}${pascal(name)}Param`, false);
  }
  const requests = convert(reqIds, 'input');

  // ---- response side (what the box sends)
  const resIds = new Map<z.ZodType, string>();
  for (const [name, schema] of RESPONSE_COMPONENTS) {
    resIds.set(schema, name);
    keep.add(name);
  }
  for (const op of operations) {
    const base = pascal(operationId(op));
    for (const [status, spec] of Object.entries(op.responses))
      if (spec.schema) add(resIds, spec.schema, `${base}Response${status}`, false);
  }
  const responses = convert(resIds, 'output');

  const all: Record<string, JsonSchema> = { ...requests };
  for (const [id, schema] of Object.entries(responses)) {
    if (id in all) throw new Error(`Schema name ${id} is used for a request and a response`);
    all[id] = schema;
  }
  for (const id of Object.keys(all)) if (id.startsWith('Shared')) keep.add(id);

  for (const op of operations) {
    if (!op.body || !op.bodyDocs) continue;
    const body = all[reqIds.get(op.body)!]!;
    for (const [path, text] of Object.entries(op.bodyDocs))
      if (!describeField(body, path, text, all))
        throw new Error(`${op.method} ${op.path}: no body field ${path}`);
  }

  // Inlined schemas are used as they are; one that is nested somewhere (so a $ref points at it)
  // stays a component instead.
  const inline = (schema: z.ZodType, ids: Map<z.ZodType, string>): JsonSchema => {
    const id = ids.get(schema)!;
    return keep.has(id) ? { $ref: SCHEMA_PREFIX + id } : all[id]!;
  };

  const paths: OpenApiDocument['paths'] = {};
  for (const op of operations) {
    const parameters = [
      ...pathParameters(op, all, reqIds),
      ...queryParameters(op, op.query ? all[reqIds.get(op.query)!] : undefined),
      ...Object.entries(op.headers ?? {}).map(([name, description]): ParameterObject => ({
        name,
        in: 'header',
        required: false,
        description,
        schema: { type: 'string' },
      })),
    ];
    const res: Record<string, unknown> = {};
    for (const [status, spec] of Object.entries(op.responses)) {
      res[status] = responseObject(
        spec,
        Number(status),
        spec.schema ? inline(spec.schema, resIds) : undefined,
      );
    }
    for (const [status, name] of Object.entries(standardResponses(op)))
      res[status] ??= { $ref: `#/components/responses/${name}` };
    const sorted = Object.fromEntries(
      Object.entries(res).sort(([a], [b]) => Number(a) - Number(b)),
    );
    const operation: OperationObject = {
      operationId: operationId(op),
      tags: [op.tag],
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(op.body
        ? {
            requestBody: {
              required: !op.bodyOptional,
              content: { 'application/json': { schema: inline(op.body, reqIds) } },
            },
          }
        : {}),
      responses: sorted,
      security: securityOf(op),
      'x-required-role': op.role,
    };
    (paths[op.path] ??= {})[op.method] = operation;
  }

  // Components: the named ones, plus any inlined schema that a $ref still points at.
  const components: Record<string, JsonSchema> = {};
  const pending = [...keep];
  while (pending.length) {
    const id = pending.pop()!;
    if (id in components || !all[id]) continue;
    components[id] = all[id];
    for (const r of refsIn(all[id]))
      if (r.startsWith(SCHEMA_PREFIX)) pending.push(r.slice(SCHEMA_PREFIX.length));
  }
  for (const r of refsIn(paths))
    if (r.startsWith(SCHEMA_PREFIX) && !(r.slice(SCHEMA_PREFIX.length) in components)) {
      const id = r.slice(SCHEMA_PREFIX.length);
      if (all[id]) components[id] = all[id];
    }

  const usedTags = new Set(operations.map((o) => o.tag));
  return {
    openapi: '3.1.0',
    info: {
      title: 'Caretaker API',
      version,
      description:
        'The JSON API of a Caretaker appliance: inventory, monitoring, incidents, backups and the summaries HQ polls. Everything but health, first-boot setup and login needs an API token (`Authorization: Bearer …`) or a browser session. Errors are `{"error": {"code", "message", "fields"?}}` with a stable code. Lists are paged.',
    },
    servers: [{ url: '/', description: 'This box' }],
    tags: TAGS.filter((t) => usedTags.has(t.name)),
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(components).sort(([a], [b]) => compareText(a, b))),
      responses: COMMON_RESPONSES,
      securitySchemes: SECURITY_SCHEMES,
    },
  };
}

/** The document of this build, made on first use and kept (it only changes with the code). */
export function apiDocumentation(version: string): {
  document(): OpenApiDocument;
  json(): string;
} {
  let doc: OpenApiDocument | undefined;
  let text: string | undefined;
  const document = () => (doc ??= buildOpenApiDocument(version));
  return { document, json: () => (text ??= JSON.stringify(document())) };
}

export type ApiDocumentation = ReturnType<typeof apiDocumentation>;
