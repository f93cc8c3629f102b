import type { FastifyInstance } from 'fastify';
import { listMemberships } from '../auth/queries.ts';

/** The JSON API's own routes; features add theirs under /api/v1/partnerships/:slug/… */
export default async function apiRoutes(app: FastifyInstance) {
  app.get('/api/v1/me', { config: { access: 'signed_in' } }, async (request) => {
    const { user, via, canWrite } = request.caller!;
    const memberships = await listMemberships(app.db, user.id);
    return {
      id: user.id,
      email: user.email,
      name: user.name,
      siteAdmin: user.isSiteAdmin,
      authenticatedWith: via,
      canWrite,
      partnerships: memberships.map((m) => ({ slug: m.slug, name: m.name, role: m.role })),
    };
  });
}
