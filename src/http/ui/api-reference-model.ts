import type { JsonSchema, OpenApiDocument, ParameterObject } from '../openapi/document.js';
import type {
  ApiReference,
  BodyVariant,
  FieldRow,
  TagGroup,
} from '../../../views/pages/settings/api-reference.js';

const SCHEMA_PREFIX = '#/components/schemas/';
/** Nested objects are flattened into dotted names this deep; deeper ones show as `object`. */
const MAX_DEPTH = 4;

const slug = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

type Components = OpenApiDocument['components'];

function deref(s: JsonSchema, components: Components): JsonSchema {
  let cur = s;
  for (let i = 0; i < 10 && typeof cur.$ref === 'string'; i++) {
    const target = components.schemas[cur.$ref.slice(SCHEMA_PREFIX.length)];
    if (!target) break;
    // Keywords beside a $ref (a default, a description) apply too.
    const { $ref: _r, ...beside } = cur;
    cur = { ...target, ...beside };
  }
  return cur;
}

const literal = (v: unknown): string => JSON.stringify(v);

function variantsOf(s: JsonSchema): JsonSchema[] | undefined {
  return (s.oneOf ?? s.anyOf) as JsonSchema[] | undefined;
}

/** A short type for a person: `string`, `integer`, `"a" | "b"`, `array of string`, `… or null`. */
export function typeLabel(raw: JsonSchema, components: Components): string {
  const s = deref(raw, components);
  if ('const' in s) return literal(s.const);
  if (Array.isArray(s.enum)) return (s.enum as unknown[]).map(literal).join(' | ');
  const variants = variantsOf(s);
  if (variants) return [...new Set(variants.map((v) => typeLabel(v, components)))].join(' or ');
  const type = s.type;
  if (Array.isArray(type)) return type.join(' or ');
  if (type === 'array') {
    const items = s.items as JsonSchema | undefined;
    return items ? `array of ${typeLabel(items, components)}` : 'array';
  }
  if (type === 'object' && s.additionalProperties && typeof s.additionalProperties === 'object') {
    const values = s.additionalProperties as JsonSchema;
    if (Object.keys(values).length) return `map of ${typeLabel(values, components)}`;
  }
  if (typeof type === 'string') return type;
  return 'any';
}

/** Limits and defaults as short phrases. */
export function constraintsOf(raw: JsonSchema, components: Components): string[] {
  const s = deref(raw, components);
  const out: string[] = [];
  // zod's int() bounds every integer by the safe range; that is no limit worth showing.
  const bound = (n: unknown) =>
    typeof n === 'number' && Math.abs(n) < Number.MAX_SAFE_INTEGER ? n : undefined;
  const range = (min: unknown, max: unknown, unit: string) => {
    const lo = bound(min);
    const hi = bound(max);
    if (lo !== undefined && lo === hi) out.push(`exactly ${lo}${unit}`);
    else if (lo !== undefined && hi !== undefined) out.push(`${lo}–${hi}${unit}`);
    else if (lo !== undefined && lo > 0) out.push(`at least ${lo}${unit}`);
    else if (hi !== undefined) out.push(`at most ${hi}${unit}`);
  };
  range(s.minLength, s.maxLength, ' characters');
  range(s.minimum, s.maximum, '');
  range(s.minItems, s.maxItems, ' items');
  if (typeof s.exclusiveMinimum === 'number') out.push(`> ${s.exclusiveMinimum}`);
  if (typeof s.exclusiveMaximum === 'number') out.push(`< ${s.exclusiveMaximum}`);
  if (typeof s.pattern === 'string') out.push(`pattern ${s.pattern}`);
  if (typeof s.format === 'string') out.push(`format ${s.format}`);
  if ('default' in s) out.push(`default ${literal(s.default)}`);
  if (s.type === 'array' && s.items) {
    const inner = constraintsOf(s.items as JsonSchema, components);
    if (inner.length) out.push(`each: ${inner.join(', ')}`);
  }
  return out;
}

function objectLike(s: JsonSchema): boolean {
  return !!s.properties && typeof s.properties === 'object';
}

/** The value that tells union variants apart (`kind = "ssh"`), when there is one. */
function discriminator(variant: JsonSchema): string | undefined {
  const props = (variant.properties ?? {}) as Record<string, JsonSchema>;
  for (const [name, p] of Object.entries(props)) {
    if ('const' in p) return `${name} = ${literal(p.const)}`;
    if (Array.isArray(p.enum) && p.enum.length <= 3)
      return `${name} = ${(p.enum as unknown[]).map(literal).join(' | ')}`;
  }
  return undefined;
}

/** Flattens an object schema into rows: nested objects as `a.b`, arrays of objects as `a[].b`. */
function fieldsOf(
  raw: JsonSchema,
  components: Components,
  prefix = '',
  when: string | undefined = undefined,
  depth = 0,
): FieldRow[] {
  const s = deref(raw, components);
  const props = (s.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((s.required ?? []) as string[]);
  const rows: FieldRow[] = [];
  for (const [key, propRaw] of Object.entries(props)) {
    const name = prefix + key;
    const prop = deref(propRaw, components);
    const description =
      typeof propRaw.description === 'string'
        ? propRaw.description
        : typeof prop.description === 'string'
          ? prop.description
          : undefined;
    rows.push({
      name,
      type: typeLabel(propRaw, components),
      required: required.has(key),
      constraints: constraintsOf(propRaw, components),
      ...(description ? { description } : {}),
      ...(when ? { when } : {}),
    });
    if (depth >= MAX_DEPTH) continue;
    const items = prop.type === 'array' ? deref(prop.items as JsonSchema, components) : undefined;
    const nested = items ?? prop;
    const nestedPrefix = items ? `${name}[].` : `${name}.`;
    const variants = variantsOf(nested)?.map((v) => deref(v, components));
    if (objectLike(nested)) {
      rows.push(...fieldsOf(nested, components, nestedPrefix, when, depth + 1));
    } else if (variants?.some(objectLike)) {
      for (const v of variants.filter(objectLike)) {
        const label = discriminator(v);
        const whenV = [when, label ? `${name}: ${label}` : undefined].filter(Boolean).join('; ');
        rows.push(...fieldsOf(v, components, nestedPrefix, whenV || undefined, depth + 1));
      }
    }
  }
  return rows;
}

function parameterRow(p: ParameterObject, components: Components): FieldRow {
  return {
    name: p.name,
    in: p.in,
    type: typeLabel(p.schema, components),
    required: p.required,
    constraints: constraintsOf(p.schema, components),
    ...(p.description ? { description: p.description } : {}),
  };
}

function bodyOf(
  schema: JsonSchema,
  components: Components,
): { variants: BodyVariant[] } | undefined {
  const s = deref(schema, components);
  const variants = variantsOf(s)?.map((v) => deref(v, components));
  if (variants?.length && variants.every(objectLike)) {
    return {
      variants: variants.map((v, i) => ({
        title: discriminator(v) ?? `shape ${i + 1}`,
        fields: fieldsOf(v, components),
      })),
    };
  }
  if (objectLike(s)) return { variants: [{ fields: fieldsOf(s, components) }] };
  return { variants: [{ fields: [] }] };
}

/** What the API reference page shows, read from the OpenAPI document itself. */
export function referenceModel(doc: OpenApiDocument): ApiReference {
  const groups = new Map<string, TagGroup>(
    doc.tags.map((t) => [
      t.name,
      { name: t.name, anchor: `tag-${slug(t.name)}`, description: t.description, operations: [] },
    ]),
  );
  let count = 0;
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const group = groups.get(op.tags[0]!);
      if (!group) continue;
      count += 1;
      const bearer = op.security.find((r) => r.bearerToken)?.bearerToken;
      const json = op.requestBody?.content['application/json'];
      const body = json ? bodyOf(json.schema, doc.components) : undefined;
      group.operations.push({
        anchor: `op-${op.operationId}`,
        method: method.toUpperCase(),
        path,
        role: op['x-required-role'],
        ...(bearer?.[0] ? { scope: bearer[0] } : {}),
        summary: op.summary,
        ...(op.description ? { description: op.description } : {}),
        parameters: (op.parameters ?? []).map((p) => parameterRow(p, doc.components)),
        ...(body && op.requestBody ? { body: { required: op.requestBody.required, ...body } } : {}),
        responses: Object.entries(op.responses).map(([status, r]) => {
          const ref = (r as { $ref?: string }).$ref;
          const resolved = ref
            ? (doc.components.responses[ref.split('/').pop()!] as { description?: string })
            : (r as { description?: string });
          return { status, description: resolved?.description ?? '' };
        }),
      });
    }
  }
  return {
    title: doc.info.title,
    version: doc.info.version,
    description: doc.info.description,
    groups: [...groups.values()].filter((g) => g.operations.length),
    operationCount: count,
  };
}
