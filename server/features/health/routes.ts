import type { FastifyInstance } from 'fastify';
import { isDatabaseReachable } from '../../db/database.ts';

export default async function healthRoutes(app: FastifyInstance) {
  // For load balancers and orchestrators: 200 only when the database answers.
  app.get('/healthz', { config: { access: 'public' } }, async (_request, reply) => {
    const ok = await isDatabaseReachable(app.db);
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', database: ok ? 'reachable' : 'unreachable' });
  });
}
