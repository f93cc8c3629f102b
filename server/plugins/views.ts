import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import view from '@fastify/view';
import { Eta } from 'eta';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import * as format from '../format.ts';
import { assetUrl } from './assets.ts';

declare module 'fastify' {
  interface FastifyReply {
    locals?: Record<string, unknown>;
    /**
     * Renders a page like `view`, splicing in parts already rendered and kept as UTF-8 bytes (the scorecard's
     * 300-row table, cached under the data version). The template writes each as `<%~ it.fragment('name') %>`.
     * A cached part is neither re-rendered nor re-encoded per request, and the page goes out as bytes, so
     * Node does not scan and transcode half a megabyte of text (the page has characters beyond Latin-1) each time.
     */
    viewWithFragments(page: string, data: Record<string, unknown>, fragments: Record<string, Buffer>): Promise<FastifyReply>;
  }
}

/** A marker no template or user text can produce: it holds a random value chosen when the process starts. */
const FRAGMENT_MARK = `<!--fragment:${randomBytes(12).toString('hex')}:`;

export const viewsFolder = fileURLToPath(new URL('../../views/', import.meta.url));

/**
 * Server-rendered pages: eta templates in views/, each using `layout('/layout')`.
 * Every page gets the signed-in user, the CSRF token and the formatting helpers as locals.
 */
export default fp(
  async function views(app: FastifyInstance) {
    const eta = new Eta({ views: viewsFolder, cache: true, autoEscape: true, autoTrim: false });
    await app.register(view, { engine: { eta }, root: viewsFolder, viewExt: 'eta', production: true, defaultContext: { asset: assetUrl } });

    app.decorateReply('viewWithFragments', async function (this: FastifyReply, page: string, data: Record<string, unknown>, fragments: Record<string, Buffer>) {
      const html: string = await this.viewAsync(page, { ...data, fragment: (name: string) => `${FRAGMENT_MARK}${name}-->` });
      const parts: Buffer[] = [];
      let from = 0;
      for (let at = html.indexOf(FRAGMENT_MARK); at !== -1; at = html.indexOf(FRAGMENT_MARK, from)) {
        const end = html.indexOf('-->', at);
        const name = html.slice(at + FRAGMENT_MARK.length, end);
        const bytes = fragments[name];
        if (!bytes) throw new Error(`the page ${page} asks for a fragment "${name}" it was not given`);
        parts.push(Buffer.from(html.slice(from, at)), bytes);
        from = end + 3;
      }
      parts.push(Buffer.from(html.slice(from)));
      return this.type('text/html; charset=utf-8').send(Buffer.concat(parts));
    });

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
