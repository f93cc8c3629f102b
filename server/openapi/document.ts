// The OpenAPI 3.1 document, built from the routes as registered: each /api/v1 route's `config.openapi` (describe.ts)
// carries the very zod schemas its handler validates with, converted here by zod's own JSON Schema output. Nothing
// in the document is written by hand apart from the words; a route without a description still appears (with its
// path parameters), so the document never silently leaves one out.
import { z } from 'zod';
import type { ApiDoc } from './describe.ts';
import { apiErrorBody } from './problems.ts';

export interface DescribedRoute {
  method: string;
  url: string;
  access: string | undefined;
  openapi?: ApiDoc;
}

type JsonSchema = Record<string, unknown>;

export interface OpenApiOperation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  parameters?: OpenApiParameter[];
  requestBody?: { required: boolean; content: { 'application/json': { schema: JsonSchema; example?: unknown } } };
  responses: Record<string, { description: string; content?: { 'application/json': { schema: JsonSchema } } }>;
  security?: Record<string, string[]>[];
  'x-access'?: string;
}

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: { url: string }[];
  tags: { name: string }[];
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, unknown> };
  security: Record<string, string[]>[];
}

/**
 * A zod schema as JSON Schema 2020-12 (what OpenAPI 3.1 uses): a request as the client sends it (`input`), an answer
 * as the server sends it (`output`). What zod cannot express (a transform, a custom check, a Date) becomes "anything"
 * rather than stopping the app.
 */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output' = 'input'): JsonSchema {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any', override: quieter }) as JsonSchema;
  return rest;
}

const SAFE_INTEGER = Number.MAX_SAFE_INTEGER;

/** Leaves out what says nothing to a reader: a uuid's or date's regular expression (its `format` says it) and the safe-integer bounds zod puts on every integer. */
function quieter({ jsonSchema }: { jsonSchema: Record<string, unknown> }) {
  if (typeof jsonSchema.format === 'string' && typeof jsonSchema.pattern === 'string') delete jsonSchema.pattern;
  if (jsonSchema.maximum === SAFE_INTEGER) delete jsonSchema.maximum;
  if (jsonSchema.minimum === -SAFE_INTEGER) delete jsonSchema.minimum;
}

const ERROR_REF = { $ref: '#/components/schemas/Error' };

/** `/api/v1/partnerships/:slug/actions/:actionId` → `/api/v1/partnerships/{slug}/actions/{actionId}` */
export const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

const pathParamNames = (url: string) => [...url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);

const ROLE_WORDS: Record<string, string> = {
  public: 'Anyone, without signing in.',
  signed_in: 'Any signed-in user or API token.',
  site_admin: 'Site administrators.',
  viewer: 'Members of the partnership: viewer, officer, manager or admin.',
  officer: 'Officers, managers and admins of the partnership.',
  manager: 'Managers and admins of the partnership.',
  admin: 'Admins of the partnership.',
};

function parametersOf(route: DescribedRoute): OpenApiParameter[] {
  const doc = route.openapi;
  const parameters: OpenApiParameter[] = [];
  const paramsSchema = doc?.params ? (jsonSchemaOf(doc.params) as { properties?: Record<string, JsonSchema> }) : undefined;
  // Every {name} in the path is a required parameter, described by the route's params schema where it has one.
  // A parameter's description belongs to the parameter, not to its schema.
  const parameter = (name: string, where: 'path' | 'query', required: boolean, schema: JsonSchema): OpenApiParameter => {
    const { description, ...rest } = schema;
    return { name, in: where, required, ...(typeof description === 'string' ? { description } : {}), schema: rest };
  };
  for (const name of pathParamNames(route.url)) parameters.push(parameter(name, 'path', true, paramsSchema?.properties?.[name] ?? { type: 'string' }));
  if (doc?.query) {
    const query = jsonSchemaOf(doc.query) as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, schema] of Object.entries(query.properties ?? {})) parameters.push(parameter(name, 'query', query.required?.includes(name) ?? false, schema));
  }
  return parameters;
}

const operationIdOf = (method: string, url: string) =>
  method.toLowerCase() +
  url
    .replace(/^\/api\/v1/, '')
    .split('/')
    .filter(Boolean)
    .map((part) => (part.startsWith(':') ? `By${part[1]!.toUpperCase()}${part.slice(2)}` : part.replace(/(^|[-_.])([a-z0-9])/g, (_m, _s, c: string) => c.toUpperCase())))
    .join('');

function operationOf(route: DescribedRoute): OpenApiOperation {
  const doc = route.openapi;
  const isPublic = route.access === 'public';
  const responses: OpenApiOperation['responses'] = {};
  for (const [status, response] of Object.entries(doc?.responses ?? { 200: { description: 'OK' } })) {
    // An error without its own schema has the API's one error shape.
    const schema = response.schema ? jsonSchemaOf(response.schema, 'output') : Number(status) >= 400 ? ERROR_REF : undefined;
    responses[status] = { description: response.description, ...(schema ? { content: { 'application/json': { schema } } } : {}) };
  }
  if (!isPublic) {
    responses['401'] ??= { description: 'No valid session or API token', content: { 'application/json': { schema: ERROR_REF } } };
    if (route.url.includes(':slug')) {
      responses['404'] ??= { description: 'No such partnership, or you are not a member of it', content: { 'application/json': { schema: ERROR_REF } } };
    }
  }
  const parameters = parametersOf(route);
  const access = route.access ?? 'nobody';
  return {
    operationId: operationIdOf(route.method, route.url),
    summary: doc?.summary ?? `${route.method} ${route.url}`,
    description: [doc?.description, `Who may call it: ${ROLE_WORDS[access] ?? access}`].filter(Boolean).join('\n\n'),
    tags: doc?.tags.length ? doc.tags : ['Other'],
    ...(parameters.length ? { parameters } : {}),
    ...(doc?.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: jsonSchemaOf(doc.body), ...(doc.example !== undefined ? { example: doc.example } : {}) } },
          },
        }
      : {}),
    responses,
    ...(isPublic ? { security: [] } : {}),
    'x-access': access,
  };
}

const TAG_ORDER = ['Account', 'Partnerships', 'Outcomes', 'Priorities', 'Indicators', 'Figures', 'Baselines', 'Analysis', 'Stories', 'Actions', 'History', 'API description'];

/** The document for every route whose address starts with /api/v1 (HEAD, which Fastify adds to each GET, left out). */
export function buildOpenApiDocument(routes: readonly DescribedRoute[]): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  const tags = new Set<string>();
  const api = routes.filter((r) => r.url.startsWith('/api/v1') && r.method !== 'HEAD');
  for (const route of [...api].sort((a, b) => a.url.localeCompare(b.url))) {
    const operation = operationOf(route);
    for (const tag of operation.tags) tags.add(tag);
    (paths[openApiPath(route.url)] ??= {})[route.method.toLowerCase()] = operation;
  }
  const rank = (tag: string) => (TAG_ORDER.includes(tag) ? TAG_ORDER.indexOf(tag) : TAG_ORDER.length);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Turning the Curve API',
      version: '1',
      description:
        'The JSON API of Turning the Curve: a partnership’s plan (outcomes, priorities, indicators), its figures, baselines, analysis, stories and actions. ' +
        'Call it with an API token made on your account page, sent as `Authorization: Bearer <token>`. A read-only token can only GET. ' +
        'Errors are `{ error, message, requestId }`; invalid input is a 422 that names each field (`errors: [{ field, message }]`); ' +
        'a write made from a stale `version` is a 409 with the current state, and nothing is written.',
    },
    servers: [{ url: '/' }],
    tags: [...tags].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)).map((name) => ({ name })),
    paths,
    components: {
      schemas: { Error: jsonSchemaOf(apiErrorBody) },
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API token from your account page (“API tokens”).' },
      },
    },
    security: [{ bearerAuth: [] }],
  };
}
