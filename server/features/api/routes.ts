import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ApiDoc } from '../../openapi/describe.ts';
import { listMemberships } from '../auth/queries.ts';

const meDoc: ApiDoc = {
  summary: 'Who you are, and your partnerships',
  description: 'The account behind the session or API token, whether it may write, and each partnership it belongs to with its role there (the `slug` names the partnership in every other address).',
  tags: ['Account'],
  responses: {
    200: {
      description: 'Your account',
      schema: z.object({
        id: z.uuid(),
        email: z.string(),
        name: z.string(),
        siteAdmin: z.boolean(),
        authenticatedWith: z.enum(['session', 'token']),
        canWrite: z.boolean().meta({ description: 'False for a read-only token' }),
        partnerships: z.array(z.object({ slug: z.string(), name: z.string(), role: z.enum(['viewer', 'officer', 'manager', 'admin']) })),
      }),
    },
  },
};

/** The JSON API's own routes; features add theirs under /api/v1/partnerships/:slug/… */
export default async function apiRoutes(app: FastifyInstance) {
  app.get('/api/v1/me', { config: { access: 'signed_in', openapi: meDoc } }, async (request) => {
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
