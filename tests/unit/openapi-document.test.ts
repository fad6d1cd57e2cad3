import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildOpenApiDocument, operationId } from '../../src/http/openapi/document.js';
import { referenceModel } from '../../src/http/ui/api-reference-model.js';
import type { Operation } from '../../src/http/openapi/types.js';

const body = z
  .object({
    name: z.string().trim().min(1).max(40),
    note: z.string().max(10).nullable().optional(),
    count: z.number().int().min(1).default(5),
    target: z.discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('disk'), uuid: z.string().length(36) }),
      z.strictObject({ kind: z.literal('path'), path: z.string().min(1) }),
    ]),
  })
  .strict()
  .refine((b) => b.name !== 'x', 'not x');

const query = z.object({ limit: z.coerce.number().int().min(1).max(50).default(20) }).strict();

const op = (over: Partial<Operation> = {}): Operation => ({
  method: 'post',
  path: '/api/v1/things/{id}',
  tag: 'Devices',
  summary: 'Make a thing',
  role: 'operator',
  params: { id: 'The thing.' },
  query,
  body,
  bodyDocs: { 'target.uuid': 'The disk’s UUID.' },
  responses: { 201: { description: 'Made.' } },
  ...over,
});

describe('buildOpenApiDocument', () => {
  it('turns an operation into paths, parameters, a body component and standard refusals', () => {
    const doc = buildOpenApiDocument('9.9.9', [op()]);
    expect(doc.info.version).toBe('9.9.9');
    const o = doc.paths['/api/v1/things/{id}']!.post!;
    expect(o.operationId).toBe('postThingsById');
    expect(o['x-required-role']).toBe('operator');
    expect(o.parameters).toEqual([
      {
        name: 'id',
        in: 'path',
        required: true,
        description: 'The thing.',
        schema: { type: 'string' },
      },
      {
        name: 'limit',
        in: 'query',
        required: false,
        schema: { type: 'integer', minimum: 1, maximum: 50, default: 20 },
      },
    ]);
    expect(o.requestBody?.content['application/json']!.schema).toEqual({
      $ref: '#/components/schemas/PostThingsByIdBody',
    });
    const component = doc.components.schemas.PostThingsByIdBody as {
      required: string[];
      properties: Record<string, unknown>;
    };
    // Input view: a field with a default may be left out.
    expect(component.required).toEqual(['name', 'target']);
    expect(Object.keys(o.responses)).toEqual([
      '201',
      '400',
      '401',
      '403',
      '404',
      '413',
      '415',
      '422',
    ]);
    expect(o.security).toEqual([
      { bearerToken: ['operate'] },
      { sessionCookie: ['operator'], csrfToken: [] },
    ]);
  });

  it('refuses operations it cannot document faithfully', () => {
    expect(() => buildOpenApiDocument('1', [op({ tag: 'Nope' })])).toThrow(/unknown tag/);
    expect(() => buildOpenApiDocument('1', [op(), op()])).toThrow(/twice/);
    expect(() => buildOpenApiDocument('1', [op({ bodyDocs: { nmae: 'typo' } })])).toThrow(
      /no body field nmae/,
    );
    expect(() => buildOpenApiDocument('1', [op({ params: { ib: 'typo' } })])).toThrow(
      /no path parameter ib/,
    );
    expect(() => buildOpenApiDocument('1', [op({ queryDocs: { limt: 'typo' } })])).toThrow(
      /no query parameter limt/,
    );
  });

  it('names operations after their method and path', () => {
    expect(operationId({ method: 'get', path: '/api/v1/devices/{id}/interfaces/{ifIndex}' })).toBe(
      'getDevicesByIdInterfacesByIfIndex',
    );
    expect(operationId({ method: 'get', path: '/metrics' })).toBe('getMetrics');
    expect(operationId({ method: 'delete', path: '/api/v1/maintenance-windows/{id}' })).toBe(
      'deleteMaintenanceWindowsById',
    );
  });
});

describe('referenceModel', () => {
  it('flattens bodies into readable rows, variants included', () => {
    const ref = referenceModel(buildOpenApiDocument('1', [op()]));
    const row = ref.groups[0]!.operations[0]!;
    expect(row).toMatchObject({ method: 'POST', role: 'operator', scope: 'operate' });
    const fields = row.body!.variants[0]!.fields;
    const by = (name: string, when?: string) =>
      fields.find((f) => f.name === name && (when === undefined || f.when === when));
    expect(by('name')).toMatchObject({
      type: 'string',
      required: true,
      constraints: ['1–40 characters'],
    });
    expect(by('note')).toMatchObject({ type: 'string or null', required: false });
    expect(by('count')).toMatchObject({
      type: 'integer',
      constraints: ['at least 1', 'default 5'],
    });
    expect(by('target.uuid', 'target: kind = "disk"')).toMatchObject({
      required: true,
      description: 'The disk’s UUID.',
      constraints: ['exactly 36 characters'],
    });
    expect(by('target.path', 'target: kind = "path"')).toMatchObject({ required: true });
    expect(row.parameters.map((p) => `${p.in}:${p.name}`)).toEqual(['path:id', 'query:limit']);
    expect(row.parameters[1]!.constraints).toEqual(['1–50', 'default 20']);
  });

  it('shows a body that is one of several shapes as variants', () => {
    const union = z.discriminatedUnion('version', [
      z.strictObject({ version: z.literal('2c'), community: z.string() }),
      z.strictObject({ version: z.literal('3'), user: z.string() }),
    ]);
    const ref = referenceModel(
      buildOpenApiDocument('1', [op({ body: union, bodyDocs: {}, params: {}, path: '/api/v1/x' })]),
    );
    const variants = ref.groups[0]!.operations[0]!.body!.variants;
    expect(variants.map((v) => v.title)).toEqual(['version = "2c"', 'version = "3"']);
    expect(variants[1]!.fields.map((f) => f.name)).toEqual(['version', 'user']);
  });
});
