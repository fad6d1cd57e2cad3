import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Validator } from '@seriousme/openapi-schema-validator';
import {
  createTestApp,
  jsonInit,
  login,
  setupAdmin,
  type CookieJar,
  type TestApp,
} from '../helpers/app.js';
import {
  buildOpenApiDocument,
  type JsonSchema,
  type OpenApiDocument,
} from '../../src/http/openapi/document.js';
import { ALL_OPERATIONS } from '../../src/http/openapi/operations/index.js';
import { createBody as tokenCreateBody } from '../../src/http/api/tokens.js';
import { deviceQuerySchema } from '../../src/discovery/device-service.js';

const SCHEMA_PREFIX = '#/components/schemas/';
const PUBLIC_PATHS = new Set(['/api/v1/health', '/api/v1/setup', '/api/v1/session']);

let t: TestApp;
let admin: { jar: CookieJar; csrf: string };
let viewer: { jar: CookieJar; csrf: string };
let readToken: string;
let operateToken: string;
let doc: OpenApiDocument;

const bearer = (token: string, init: RequestInit = {}): RequestInit => ({
  ...init,
  headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` },
});

function resolve(schema: JsonSchema): JsonSchema {
  const ref = schema.$ref;
  return typeof ref === 'string'
    ? doc.components.schemas[ref.slice(SCHEMA_PREFIX.length)]!
    : schema;
}

function bodySchemaOf(method: string, path: string): JsonSchema {
  const op = doc.paths[path]?.[method];
  const schema = op?.requestBody?.content['application/json']?.schema;
  if (!schema) throw new Error(`${method} ${path} has no JSON body in the document`);
  return resolve(schema);
}

function refsIn(value: unknown, into: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refsIn(v, into);
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') into.push(v);
      else refsIn(v, into);
    }
  return into;
}

/** A path of the document with every parameter filled in (ids that exist nowhere). */
const concrete = (path: string) => path.replace(/\{[^}]+\}/g, 'nope');

beforeAll(async () => {
  t = await createTestApp();
  admin = await setupAdmin(t);
  const mk = async (scope: string) => {
    const res = await t.request(
      '/api/v1/tokens',
      jsonInit('POST', admin, { name: `openapi ${scope}`, scope }),
    );
    expect(res.status).toBe(201);
    return ((await res.json()) as { token: string }).token;
  };
  readToken = await mk('read');
  operateToken = await mk('operate');
  const created = await t.request(
    '/api/v1/users',
    jsonInit('POST', admin, { username: 'vera', password: 'a viewer password', role: 'viewer' }),
  );
  expect(created.status).toBe(201);
  viewer = await login(t, 'vera', 'a viewer password');
  const res = await t.request('/api/v1/openapi.json', bearer(readToken));
  expect(res.status).toBe(200);
  doc = (await res.json()) as OpenApiDocument;
});

afterAll(async () => {
  await t?.close();
});

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(doc as unknown as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(doc.info.version).toBe(t.deps.version);
  });

  it('has every $ref pointing at something, and unique operation ids', () => {
    const dangling = refsIn(doc).filter((r) => {
      const [, kind, name] = /^#\/components\/(schemas|responses)\/(.+)$/.exec(r) ?? [];
      return !kind || !(doc.components[kind as 'schemas' | 'responses'] as object)[name as never];
    });
    expect(dangling).toEqual([]);
    const ids = Object.values(doc.paths).flatMap((m) => Object.values(m).map((o) => o.operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('documents every API route the app registers, and nothing that is not there', () => {
    const registered = new Set(
      t.app.routes
        .filter((r) => r.method !== 'ALL')
        .filter((r) => r.path.startsWith('/api/v1/') || r.path === '/metrics')
        .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, '{$1}')}`),
    );
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([p, methods]) =>
        Object.keys(methods).map((m) => `${m} ${p}`),
      ),
    );
    expect([...registered].filter((r) => !documented.has(r)).sort()).toEqual([]);
    expect([...documented].filter((d) => !registered.has(d)).sort()).toEqual([]);
    expect(documented.size).toBeGreaterThan(100);
  });

  it('states the required role and matching security on every operation', () => {
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const role = op['x-required-role'];
        expect(['public', 'viewer', 'operator', 'admin'], `${method} ${path}`).toContain(role);
        if (role === 'public') {
          expect(op.security, `${method} ${path}`).toEqual([]);
          expect(PUBLIC_PATHS.has(path), `${method} ${path} is public`).toBe(true);
          continue;
        }
        const scope = { viewer: 'read', operator: 'operate', admin: 'admin' }[role];
        expect(op.security[0], `${method} ${path}`).toEqual({ bearerToken: [scope] });
        const session = op.security.find((s) => s.sessionCookie);
        expect(session?.sessionCookie, `${method} ${path}`).toEqual([role]);
        // A session must carry its CSRF token with every change.
        expect('csrfToken' in session!, `${method} ${path}`).toBe(method !== 'get');
        expect(op.responses['401'], `${method} ${path}`).toBeDefined();
      }
    }
  });

  it('puts the shared error body and the security schemes in components', () => {
    const error = doc.components.schemas.Error as {
      properties: { error: { required: string[]; properties: Record<string, unknown> } };
    };
    expect(error.properties.error.required).toEqual(['code', 'message']);
    expect(Object.keys(error.properties.error.properties)).toEqual(['code', 'message', 'fields']);
    const schemes = doc.components.securitySchemes as Record<string, Record<string, string>>;
    expect(schemes.bearerToken).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(schemes.sessionCookie).toMatchObject({
      type: 'apiKey',
      in: 'cookie',
      name: 'ct_session',
    });
    expect(schemes.csrfToken).toMatchObject({ type: 'apiKey', in: 'header', name: 'x-csrf-token' });
  });

  it('is built from the schemas the routes validate with', () => {
    const body = bodySchemaOf('post', '/api/v1/tokens');
    expect(body.required).toEqual(['name', 'scope']);
    expect(body.additionalProperties).toBe(false);
    const props = body.properties as Record<string, JsonSchema>;
    expect(props.name).toMatchObject({ type: 'string', minLength: 1, maxLength: 64 });
    expect(resolve(props.scope!).enum).toEqual(tokenCreateBody.shape.scope.options);
    expect(resolve(props.scope!).enum).toEqual(['read', 'operate', 'admin']);

    const limit = doc.paths['/api/v1/devices']!.get!.parameters!.find((p) => p.name === 'limit')!;
    expect(limit).toMatchObject({ in: 'query', required: false });
    expect(limit.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 500, default: 100 });
    expect(deviceQuerySchema.safeParse({ limit: '500' }).success).toBe(true);
    expect(deviceQuerySchema.safeParse({ limit: '501' }).success).toBe(false);
  });

  it('marks as required exactly the body fields the zod schema cannot do without', () => {
    let checked = 0;
    for (const op of ALL_OPERATIONS) {
      if (!(op.body instanceof z.ZodObject)) continue;
      const shape = op.body.shape as Record<string, z.ZodType>;
      const needed = Object.keys(shape).filter((k) => !shape[k]!.safeParse(undefined).success);
      const body = bodySchemaOf(op.method, op.path);
      expect([...((body.required as string[]) ?? [])].sort(), `${op.method} ${op.path}`).toEqual(
        needed.sort(),
      );
      checked += 1;
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('is the same document every time (built once per version)', () => {
    expect(JSON.parse(JSON.stringify(buildOpenApiDocument(t.deps.version)))).toEqual(doc);
  });
});

describe('the routes behave as documented', () => {
  it('refuses a token body that breaks the documented schema with 422', async () => {
    const bad = await t.request(
      '/api/v1/tokens',
      bearer(readToken, { method: 'POST' }), // read scope: 403 before the body is looked at
    );
    expect(bad.status).toBe(403);
    const wrongScope = await t.request(
      '/api/v1/tokens',
      jsonInit('POST', admin, { name: 'hq', scope: 'root' }),
    );
    expect(wrongScope.status).toBe(422);
    const e = (await wrongScope.json()) as {
      error: { code: string; fields: Record<string, string> };
    };
    expect(e.error.code).toBe('VALIDATION_FAILED');
    expect(Object.keys(e.error.fields)).toEqual(['scope']);
    const noName = await t.request('/api/v1/tokens', jsonInit('POST', admin, { scope: 'read' }));
    expect(noName.status).toBe(422);
    const tooLong = await t.request(
      '/api/v1/tokens',
      jsonInit('POST', admin, { name: 'x'.repeat(65), scope: 'read' }),
    );
    expect(tooLong.status).toBe(422);
    const extra = await t.request(
      '/api/v1/tokens',
      jsonInit('POST', admin, { name: 'hq', scope: 'read', admin: true }),
    );
    expect(extra.status).toBe(422);
  });

  it('refuses a query past a documented maximum with 422', async () => {
    const ok = await t.request('/api/v1/devices?limit=500', bearer(readToken));
    expect(ok.status).toBe(200);
    const res = await t.request('/api/v1/devices?limit=501', bearer(readToken));
    expect(res.status).toBe(422);
  });

  it('refuses bodies the services validate (maintenance windows, backup jobs) as documented', async () => {
    const window = bodySchemaOf('post', '/api/v1/maintenance-windows');
    expect(window.required).toEqual(['name', 'reason', 'scope', 'schedule']);
    const noSchedule = await t.request(
      '/api/v1/maintenance-windows',
      bearer(
        operateToken,
        jsonInit('POST', undefined, { name: 'w', reason: 'r', scope: { kind: 'site' } }),
      ),
    );
    expect(noSchedule.status).toBe(422);
    const job = bodySchemaOf('post', '/api/v1/backup/jobs');
    expect(job.required).toEqual(expect.arrayContaining(['name', 'targetId', 'sources']));
    const emptyJob = await t.request('/api/v1/backup/jobs', jsonInit('POST', admin, {}));
    expect(emptyJob.status).toBe(422);
  });

  it('refuses every operator and admin operation to a read token, as its role says', async () => {
    const needs = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(
          ([, op]) => op['x-required-role'] === 'operator' || op['x-required-role'] === 'admin',
        )
        .map(([method, op]) => ({ method, path, role: op['x-required-role'] })),
    );
    expect(needs.length).toBeGreaterThan(40);
    for (const n of needs) {
      const res = await t.request(
        concrete(n.path),
        bearer(readToken, { method: n.method.toUpperCase() }),
      );
      expect(res.status, `${n.method} ${n.path} with a read token`).toBe(403);
      if (n.role === 'admin') {
        const op = await t.request(
          concrete(n.path),
          bearer(operateToken, { method: n.method.toUpperCase() }),
        );
        expect(op.status, `${n.method} ${n.path} with an operate token`).toBe(403);
      }
    }
  });

  it('lets a read token through every operation documented for any role (reads only)', async () => {
    for (const [path, methods] of Object.entries(doc.paths)) {
      const op = methods.get;
      if (!op || op['x-required-role'] !== 'viewer') continue;
      const res = await t.request(concrete(path), bearer(readToken));
      expect([401, 403], `GET ${path} with a read token`).not.toContain(res.status);
    }
  });
});

describe('GET /api/v1/openapi.json', () => {
  it('needs authentication', async () => {
    const res = await t.request('/api/v1/openapi.json');
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
  });

  it('is JSON for a read token and for a viewer session', async () => {
    const res = await t.request('/api/v1/openapi.json', bearer(readToken));
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(((await res.json()) as OpenApiDocument).openapi).toBe('3.1.0');
    const session = await t.request('/api/v1/openapi.json', { jar: viewer.jar });
    expect(session.status).toBe(200);
  });
});

describe('the API reference page', () => {
  it('renders for a viewer with operations, roles, parameters and body fields', async () => {
    const res = await t.request('/settings/api', { jar: viewer.jar });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('href="/api/v1/openapi.json"');
    expect(html).toContain('id="op-postTokens"');
    expect(html).toContain('/api/v1/devices/{id}/interfaces/{ifIndex}');
    // The token body: its fields, the scope enum and the admin role.
    const tokens = html.slice(html.indexOf('id="op-postTokens"'));
    expect(tokens.slice(0, 4000)).toMatch(/<code class="api-name">scope<\/code>/);
    expect(tokens.slice(0, 4000)).toContain(
      '&quot;read&quot; | &quot;operate&quot; | &quot;admin&quot;',
    );
    expect(tokens.slice(0, 4000)).toContain('r-admin');
    // A query parameter with its limits.
    expect(html).toContain('1–500');
    // Every operation is on the page once.
    const count = Object.values(doc.paths).reduce((n, m) => n + Object.keys(m).length, 0);
    expect(html.match(/<details class="api-op"/g)?.length).toBe(count);
  });

  it('sends someone not signed in to the login page', async () => {
    const res = await t.request('/settings/api');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login?next=%2Fsettings%2Fapi');
  });
});
