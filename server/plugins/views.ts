import path from 'node:path';
import { fileURLToPath } from 'node:url';
import view from '@fastify/view';
import { Eta } from 'eta';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import * as format from '../format.ts';

declare module 'fastify' {
  interface FastifyReply {
    locals?: Record<string, unknown>;
  }
}

export const viewsFolder = fileURLToPath(new URL('../../views/', import.meta.url));

/**
 * Server-rendered pages: eta templates in views/, each using `layout('/layout')`.
 * Every page gets the signed-in user, the CSRF token and the formatting helpers as locals.
 */
export default fp(
  async function views(app: FastifyInstance) {
    const eta = new Eta({ views: viewsFolder, cache: true, autoEscape: true, autoTrim: false });
    await app.register(view, { engine: { eta }, root: viewsFolder, viewExt: 'eta', production: true });

    app.addHook('preHandler', async (request, reply) => {
      reply.locals = {
        ...reply.locals,
        user: request.caller?.user ?? null,
        access: request.access,
        csrf: () => request.csrfToken(),
        format,
        path: request.url.split('?')[0],
      };
    });
  },
  { name: 'views', dependencies: ['auth'] },
);

export const viewPath = (...parts: string[]) => path.join(viewsFolder, ...parts);
