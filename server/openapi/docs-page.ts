// The API reference page's view model, read from the OpenAPI document itself: operations grouped by tag, each with
// its parameters, body fields, example and responses, every schema put into words.
import type { OpenApiDocument, OpenApiOperation } from './document.ts';

type JsonSchema = Record<string, unknown>;

export interface FieldRow {
  name: string;
  type: string;
  required: boolean;
  notes: string;
}

/** A JSON Schema in a few words: "string, at most 200 characters", "one of "done", "on_track"", "list of string". */
export function describeType(schema: JsonSchema | undefined): string {
  if (!schema || Object.keys(schema).length === 0) return 'any';
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  if ('const' in schema) return JSON.stringify(schema.const);
  const union = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (Array.isArray(union)) return [...new Set(union.map(describeType))].join(' or ');
  const type = schema.type;
  if (Array.isArray(type)) return type.join(' or ');
  if (type === 'array') return `list of ${describeType(schema.items as JsonSchema | undefined)}`;
  if (type === 'string' && typeof schema.format === 'string') return `string (${schema.format})`;
  if (type === 'object' && schema.additionalProperties && typeof schema.additionalProperties === 'object' && !schema.properties) return 'object (any keys)';
  return typeof type === 'string' ? type : 'any';
}

function constraints(schema: JsonSchema): string {
  const notes: string[] = [];
  if (typeof schema.description === 'string') notes.push(schema.description);
  if (schema.minLength === 1) notes.push('not empty');
  else if (typeof schema.minLength === 'number' && schema.minLength > 1) notes.push(`at least ${schema.minLength} characters`);
  if (typeof schema.maxLength === 'number') notes.push(`at most ${schema.maxLength.toLocaleString('en-GB')} characters`);
  if (typeof schema.minimum === 'number') notes.push(`at least ${schema.minimum}`);
  if (typeof schema.maximum === 'number') notes.push(`at most ${schema.maximum}`);
  if (typeof schema.minItems === 'number' && schema.minItems > 0) notes.push(`at least ${schema.minItems} items`);
  if (typeof schema.maxItems === 'number') notes.push(`at most ${schema.maxItems.toLocaleString('en-GB')} items`);
  if (typeof schema.pattern === 'string' && schema.format === undefined) notes.push(`matches ${schema.pattern}`);
  if ('default' in schema) notes.push(`default ${JSON.stringify(schema.default)}`);
  return notes.join('; ');
}

/** The fields of an object schema (nested objects' fields as "a.b"), or one row for anything else. */
export function fieldRows(schema: JsonSchema | undefined, prefix = ''): FieldRow[] {
  if (!schema) return [];
  const properties = schema.properties as Record<string, JsonSchema> | undefined;
  if (schema.type !== 'object' || !properties) return prefix ? [] : [{ name: '(body)', type: describeType(schema), required: true, notes: constraints(schema) }];
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const rows: FieldRow[] = [];
  for (const [name, property] of Object.entries(properties)) {
    rows.push({ name: prefix + name, type: describeType(property), required: required.has(name), notes: constraints(property) });
    // What is inside: an object's fields as "a.b", the fields of a list's objects as "a[].b".
    const inner = objectWithin(property);
    if (inner) rows.push(...fieldRows(inner.schema, `${prefix}${name}${inner.list ? '[]' : ''}.`));
  }
  return rows;
}

/** Text as paragraphs of plain and `code` parts: the words in backticks are names to type. */
export function paragraphs(text: string): { text: string; code: boolean }[][] {
  return text
    .split(/\n\n+/)
    .filter(Boolean)
    .map((paragraph) => paragraph.split(/(`[^`]+`)/).filter(Boolean).map((part) => (part.startsWith('`') && part.endsWith('`') && part.length > 2 ? { text: part.slice(1, -1), code: true } : { text: part, code: false })));
}

/** The object schema a property holds, directly, as a list's items, or as the non-null side of "or null". */
function objectWithin(schema: JsonSchema): { schema: JsonSchema; list: boolean } | null {
  const union = schema.anyOf as JsonSchema[] | undefined;
  if (Array.isArray(union)) {
    const options = union.filter((o) => o.type !== 'null');
    return options.length === 1 ? objectWithin(options[0]!) : null;
  }
  if (schema.type === 'object' && schema.properties) return { schema, list: false };
  const items = schema.items as JsonSchema | undefined;
  if (schema.type === 'array' && items?.type === 'object' && items.properties) return { schema: items, list: true };
  return null;
}

/** One line of text as plain and `code` parts. */
export const inline = (text: string) => paragraphs(text)[0] ?? [];

const METHOD_ORDER = ['get', 'post', 'put', 'patch', 'delete'];

function operationView(path: string, method: string, operation: OpenApiOperation) {
  const body = operation.requestBody?.content['application/json'];
  return {
    id: operation.operationId,
    method: method.toUpperCase(),
    path,
    summary: operation.summary,
    description: paragraphs(operation.description ?? ''),
    parameters: (operation.parameters ?? []).map((p) => ({ name: p.name, in: p.in === 'path' ? 'path' : 'query', required: p.required, type: describeType(p.schema), notes: inline([p.description, constraints(p.schema)].filter(Boolean).join('; ')) })),
    bodyFields: body ? fieldRows(body.schema).map((f) => ({ ...f, notes: inline(f.notes) })) : [],
    example: body?.example !== undefined ? JSON.stringify(body.example, null, 2) : null,
    responses: Object.entries(operation.responses).map(([status, r]) => {
      const fields = fieldRows(r.content?.['application/json'].schema);
      return { status, description: inline(r.description), fields: fields.length === 1 && fields[0]!.name === '(body)' ? [] : fields };
    }),
  };
}

export type OperationView = ReturnType<typeof operationView>;

export function docsPage(document: OpenApiDocument) {
  const byTag = new Map<string, OperationView[]>(document.tags.map((t) => [t.name, []]));
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const method of Object.keys(operations).sort((a, b) => METHOD_ORDER.indexOf(a) - METHOD_ORDER.indexOf(b))) {
      const operation = operations[method]!;
      const view = operationView(path, method, operation);
      for (const tag of operation.tags) (byTag.get(tag) ?? byTag.set(tag, []).get(tag)!).push(view);
    }
  }
  const groups = [...byTag].filter(([, ops]) => ops.length).map(([tag, operations]) => ({ tag, id: `tag-${tag.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`, operations }));
  return { info: { ...document.info, description: paragraphs(document.info.description) }, groups, operationCount: groups.reduce((n, g) => n + g.operations.length, 0) };
}
