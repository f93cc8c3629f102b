// The accessibility statement (issue 17): what the Public Sector Bodies Accessibility Regulations ask a public sector
// website to publish, in the GOV.UK model form. Public, like the sign-in page: someone who cannot sign in must be able
// to read how to report that.
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.ts';

/** When the statement was prepared and last reviewed; change these when the tests or the statement change. */
export const STATEMENT_PREPARED = '7 December 2026';
export const STATEMENT_REVIEWED = '7 December 2026';

/** The contact the operator set: an email address becomes a mailto link, anything else is shown as written. */
export function accessibilityContact(config: Pick<Config, 'ACCESSIBILITY_CONTACT'>): { text: string; email: string | null } {
  const text = config.ACCESSIBILITY_CONTACT;
  return { text, email: /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/.test(text) ? text : null };
}

export default async function accessibilityRoutes(app: FastifyInstance, { config }: { config: Config }) {
  app.get('/accessibility', { config: { access: 'public' } }, async (_request, reply) =>
    reply.view('accessibility/statement', {
      pageTitle: 'Accessibility statement',
      contact: accessibilityContact(config),
      prepared: STATEMENT_PREPARED,
      reviewed: STATEMENT_REVIEWED,
    }),
  );
}
