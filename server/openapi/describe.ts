// How a /api/v1 route describes itself for the OpenAPI document (GET /api/v1/openapi.json): the same zod schemas the
// handler validates with, attached to the route's config. The document is generated from the registered routes, so a
// route cannot be added without being described (test/features/openapi.test.ts checks every /api/v1 route has one).
import type { z } from 'zod';

export interface ApiResponseDoc {
  description: string;
  /** The body's schema, when it is JSON worth describing. */
  schema?: z.ZodType;
}

export interface ApiDoc {
  summary: string;
  description?: string;
  /** Groups the operation on the docs page: 'Partnerships', 'Outcomes', 'Priorities', 'Indicators', 'Figures', 'Stories', 'Actions', … */
  tags: string[];
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** An example request body; the OpenAPI test checks that it validates against `body`. */
  example?: unknown;
  /** By status code, e.g. { 200: { description, schema }, 409: { description } }. */
  responses: Record<number, ApiResponseDoc>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    openapi?: ApiDoc;
  }
}
