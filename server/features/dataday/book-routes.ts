// The Data Book for a partnership and a year, and the figures behind it as CSV. Viewers and above.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { roleAtLeast } from '../../plugins/auth.ts';
import { callerIn } from '../conversation/context.ts';
import { findPartnership } from '../partnerships/queries.ts';
import { bookCsv, buildDataBook } from './book.ts';
import { yearLabel } from './figures.ts';
import { sectionCaller } from './routes.ts';

const bookQuery = z.object({ year: z.string().regex(/^(19|20|21)\d{2}$/).optional().catch(undefined) });

// Chart.js, the book's chart defaults (before the charts are drawn), the charts, then the print button.
export const BOOK_SCRIPTS = ['/vendor/chart.js/chart.umd.min.js', '/public/js/databook-charts.js', '/public/js/indicator-chart.js', '/public/js/databook.js'];

export default async function dataBookRoutes(app: FastifyInstance) {
  async function load(request: FastifyRequest) {
    const caller = callerIn(request);
    const query = bookQuery.parse(request.query ?? {});
    const partnership = await findPartnership(app.db, caller.partnershipId);
    const { book, years } = await buildDataBook(app, sectionCaller(request, caller), partnership, { year: query.year ? Number(query.year) : null });
    return { caller, partnership, book, years };
  }

  app.get('/p/:slug/data-book', { config: { access: 'viewer' } }, async (request, reply) => {
    const { caller, book, years } = await load(request);
    const slug = caller.partnership.slug;
    return reply.view('dataday/book', {
      pageTitle: `${book.title}: ${book.partnership.name}`,
      scripts: BOOK_SCRIPTS,
      partnership: caller.partnership,
      book,
      yearOptions: (years.includes(book.year) ? years : [book.year, ...years]).map((y) => ({ value: String(y), text: yearLabel(y) })),
      csvHref: `/p/${slug}/data-book.csv?year=${book.year}`,
      publishHref: roleAtLeast(caller.role, 'manager') ? `/p/${slug}/publications?year=${book.year}` : null,
    });
  });

  app.get('/p/:slug/data-book.csv', { config: { access: 'viewer' } }, async (request, reply) => {
    const { partnership, book } = await load(request);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${partnership.slug}-data-book-${book.year}.csv"`)
      .send(bookCsv(book));
  });
}
