import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Kysely } from 'kysely';
import type { DB, Role } from '../db/schema.ts';
import type { IndicatorDetail } from '../features/indicators/queries.ts';
import { roleAtLeast } from './auth.ts';

/**
 * Pages that several features add to. The indicator page shows the analysis, the story behind the curve, the
 * actions, the value history…; each feature registers its own section here (data loader + template), so no feature
 * edits another's handler. A section's loader runs a fixed number of queries.
 */
export interface SectionContext {
  db: Kysely<DB>;
  request: FastifyRequest;
  partnership: { id: string; slug: string; name: string };
  role: Role;
}

export interface IndicatorSection {
  key: string;
  /** Where it goes: lower first. The charts and table are at 0; the analysis 10; story 20; actions 30… */
  order: number;
  /** An eta template under views/, given `{ ...model, section }` plus the page's locals. */
  template: string;
  load(context: SectionContext & { indicator: IndicatorDetail }): Promise<Record<string, unknown> | null>;
}

export interface PrioritySection {
  key: string;
  order: number;
  template: string;
  load(context: SectionContext & { priority: { id: string; title: string } }): Promise<Record<string, unknown> | null>;
}

export interface PartnershipNavItem {
  key: string;
  text: string;
  order: number;
  /** The least role that sees the link. */
  role: Role;
  href(slug: string): string;
}

declare module 'fastify' {
  interface FastifyInstance {
    indicatorSections: IndicatorSection[];
    prioritySections: PrioritySection[];
    partnershipNav: PartnershipNavItem[];
  }
}

export default fp(
  async function extensions(app: FastifyInstance) {
    app.decorate('indicatorSections', []);
    app.decorate('prioritySections', []);
    app.decorate('partnershipNav', [
      { key: 'home', text: 'Outcomes and indicators', order: 0, role: 'viewer', href: (slug: string) => `/p/${slug}` },
    ]);
    // The navigation for the partnership in the URL, filtered by the caller's role.
    app.addHook('preHandler', async (request, reply) => {
      // The JSON API renders no page: no navigation to work out on every call (issue 20).
      if (!request.access || request.url.startsWith('/api/v1/')) return;
      const { role, partnership } = request.access;
      reply.locals = {
        ...reply.locals,
        partnershipNav: app.partnershipNav
          .filter((item) => roleAtLeast(role, item.role))
          .sort((a, b) => a.order - b.order)
          .map((item) => ({ key: item.key, text: item.text, href: item.href(partnership.slug) })),
      };
    });
  },
  { name: 'extensions', dependencies: ['views'] },
);

/** Loads every registered section that has something to show, in order. */
export async function loadSections<C, S extends { key: string; order: number; template: string; load(c: C): Promise<Record<string, unknown> | null> }>(
  sections: S[],
  context: C,
): Promise<{ key: string; template: string; model: Record<string, unknown> }[]> {
  const ordered = [...sections].sort((a, b) => a.order - b.order);
  const models = await Promise.all(ordered.map((s) => s.load(context)));
  return ordered.flatMap((s, i) => (models[i] ? [{ key: s.key, template: s.template, model: models[i]! }] : []));
}
