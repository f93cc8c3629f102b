import type { FastifyInstance, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import { keepNotice, takeNotice } from '../features/auth/queries.ts';
import { isApiRequest } from './errors.ts';

declare module 'fastify' {
  interface FastifyReply {
    /**
     * Says what a change did ("12 figures saved for 2025-26 Q2") on the page the redirect leads to, once. The
     * words are kept with the session in the database, not in the address: a link cannot forge them and a reload
     * does not repeat them. Kept only if the reply is a redirect, so a form sent back with errors says nothing.
     */
    notice(text: string): FastifyReply;
  }
}

const pending = Symbol('notice');

export default fp(
  async function notices(app: FastifyInstance) {
    app.decorateReply('notice', function (this: FastifyReply, text: string) {
      (this as any)[pending] = text;
      return this;
    });

    app.addHook('onSend', async (request, reply, payload) => {
      const text = (reply as any)[pending] as string | undefined;
      const session = request.caller?.via === 'session' ? request.caller.sessionToken : undefined;
      if (text === undefined || !session || reply.statusCode < 300 || reply.statusCode >= 400) return payload;
      await keepNotice(app.db, session, text);
      return payload;
    });

    // The next page a person opens (not a script's or a chart's request) takes the notice and shows it above its content.
    app.addHook('preHandler', async (request, reply) => {
      // The session's own query said whether a notice waits: a page without one costs no extra query.
      const session = request.caller?.via === 'session' && request.caller.hasNotice ? request.caller.sessionToken : undefined;
      if (request.method !== 'GET' || !session || isApiRequest(request)) return;
      const accept = request.headers.accept;
      if (accept && !accept.includes('text/html')) return;
      const notice = await takeNotice(app.db, session);
      if (notice) reply.locals = { ...reply.locals, notice };
    });
  },
  { name: 'notices', dependencies: ['auth', 'views'] },
);
