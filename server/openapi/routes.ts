// GET /api/v1/openapi.json — the OpenAPI 3.1 description of every /api/v1 route, built once when the app is ready
// from the routes as registered (app.routeCatalogue) — and GET /api/docs, the same document as a page to read.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { buildOpenApiDocument, type OpenApiDocument } from './document.ts';
import type { ApiDoc } from './describe.ts';
import { docsPage } from './docs-page.ts';

// The document's own shape, loosely: enough for a reader of the docs to know what comes back.
const openApiDocumentSchema = z
  .object({
    openapi: z.string().meta({ description: '3.1.0' }),
    info: z.object({ title: z.string(), version: z.string(), description: z.string() }),
    paths: z.record(z.string(), z.record(z.string(), z.object({ summary: z.string() }).loose())),
  })
  .loose();

const openApiDoc: ApiDoc = {
  summary: 'This description of the API, as OpenAPI 3.1',
  description: 'Generated from the same schemas the routes validate with. No sign-in needed.',
  tags: ['API description'],
  responses: { 200: { description: 'The OpenAPI 3.1 document', schema: openApiDocumentSchema } },
};

export default async function openApiRoutes(app: FastifyInstance) {
  let document: OpenApiDocument | null = null;
  let json: Buffer | null = null;
  const current = () => {
    document ??= buildOpenApiDocument(app.routeCatalogue);
    json ??= Buffer.from(JSON.stringify(document));
    return { document, json };
  };
  // Built at start-up, once every route is registered: a schema zod cannot convert shows up here, not in front of a user.
  app.addHook('onReady', async () => {
    current();
  });

  app.get('/api/v1/openapi.json', { config: { access: 'public', openapi: openApiDoc } }, async (_request, reply) => {
    return reply.type('application/json; charset=utf-8').send(current().json);
  });

  app.get('/api/docs', { config: { access: 'public' } }, async (_request, reply) => {
    return reply.view('api-docs/index', { pageTitle: 'API reference', ...docsPage(current().document) });
  });
}
