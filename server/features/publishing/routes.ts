// Publishing the Data Book (issue 9): a manager publishes a read-only snapshot of the book (or of chosen indicators)
// at a public address that only its unguessable token names; unpublishing takes it down (404). The snapshot is the
// book's model as it stood at publication, so later edits, new figures, room notes and other partnerships' data can
// never appear there: the public page renders the stored copy and nothing else.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import * as format from '../../format.ts';
import { notFound } from '../../http-errors.ts';
import { randomToken } from '../auth/passwords.ts';
import { callerIn, type Caller } from '../conversation/context.ts';
import { formValues, parseParams, requiredText, slugParams, stringList, type FieldError } from '../../forms/forms.ts';
import { findPartnership } from '../partnerships/queries.ts';
import { loadStructure } from '../dataday/agenda.ts';
import { BOOK_FORMAT, bookCsv, buildDataBook, type DataBook } from '../dataday/book.ts';
import { BOOK_SCRIPTS } from '../dataday/book-routes.ts';
import { loadFigures, yearLabel } from '../dataday/figures.ts';
import { sectionCaller } from '../dataday/routes.ts';
import { findPublication, findPublishedByToken, insertPublication, listPublications, unpublish } from './queries.ts';

const publicationParams = slugParams.extend({ publicationId: z.uuid() });
const tokenParams = z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{20,64}$/) });

const publishForm = z
  .object({
    title: requiredText(200, 'Enter a title for the publication', 'The title must be 200 characters or fewer'),
    year: z.preprocess((v) => (typeof v === 'string' && /^(19|20|21)\d{2}$/.test(v) ? Number(v) : null), z.number().nullable()),
    scope: z.preprocess((v) => (v === 'indicators' ? 'indicators' : v === 'book' ? 'book' : ''), z.enum(['book', 'indicators'], { error: 'Choose whether to publish the whole book or chosen indicators' })),
    indicators: stringList,
    confirm: z.preprocess((v) => v === 'yes', z.boolean()),
  })
  .superRefine((form, ctx) => {
    if (form.year === null) ctx.addIssue({ code: 'custom', path: ['year'], message: 'Choose the year of the Data Book' });
    if (form.scope === 'indicators' && !form.indicators.length) ctx.addIssue({ code: 'custom', path: ['indicators'], message: 'Choose at least one indicator to publish' });
    if (!form.confirm) ctx.addIssue({ code: 'custom', path: ['confirm'], message: 'Confirm that these figures and words may be made public' });
  });

const publicUrl = (request: FastifyRequest, token: string) => `${request.protocol}://${request.host}/published/${token}`;

export default async function publishingRoutes(app: FastifyInstance) {
  async function renderPublications(request: FastifyRequest, reply: FastifyReply, caller: Caller, values: Record<string, unknown>, errors: FieldError[] = []) {
    const partnership = await findPartnership(app.db, caller.partnershipId);
    const [publications, structure, loaded] = await Promise.all([
      listPublications(app.db, caller.partnershipId),
      loadStructure(app.db, caller.partnershipId),
      loadFigures(app.db, partnership, {}),
    ]);
    const years = loaded.years.length ? loaded.years : [new Date().getFullYear()];
    const year = typeof values.year === 'string' && /^\d{4}$/.test(values.year) ? values.year : String(years[0]);
    return reply.code(errors.length ? 400 : 200).view('publishing/index', {
      pageTitle: 'Publish the Data Book',
      partnership: caller.partnership,
      publications: publications.map((p) => ({
        ...p,
        live: p.unpublished_at === null,
        url: publicUrl(request, p.token),
        href: `/published/${p.token}`,
        publishedText: format.dateTime(p.published_at),
        unpublishedText: p.unpublished_at ? format.dateTime(p.unpublished_at) : null,
        scopeText: p.scope === 'book' ? `The whole Data Book ${yearLabel(p.book_year)}` : `${p.indicator_count} chosen indicator${p.indicator_count === 1 ? '' : 's'}, ${yearLabel(p.book_year)}`,
        unpublishAction: `/p/${caller.partnership.slug}/publications/${p.id}/unpublish`,
      })),
      values: { title: `Data Book ${yearLabel(Number(year))}`, scope: 'book', indicators: [], ...values, year },
      errors,
      yearOptions: years.map((y) => ({ value: String(y), text: yearLabel(y) })),
      indicatorOptions: structure.entries
        .filter((e) => e.kind === 'indicator')
        .map((e, i, all) => ({ value: e.id, text: e.title, group: i === 0 || all[i - 1]!.context !== e.context ? e.context : undefined })),
      formAction: `/p/${caller.partnership.slug}/publications`,
      bookHref: `/p/${caller.partnership.slug}/data-book`,
    });
  }

  app.get('/p/:slug/publications', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const query = z.object({ year: z.string().regex(/^\d{4}$/).optional().catch(undefined) }).parse(request.query ?? {});
    return renderPublications(request, reply, caller, query.year ? { year: query.year, title: `Data Book ${yearLabel(Number(query.year))}` } : {});
  });

  app.post('/p/:slug/publications', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const parsed = publishForm.safeParse(request.body ?? {});
    const values = formValues(request.body);
    if (!parsed.success) {
      const order = ['title', 'year', 'scope', 'indicators', 'confirm'];
      const seen = new Set<string>();
      const errors = parsed.error.issues
        .map((i) => ({ field: String(i.path[0] ?? 'title'), text: i.message }))
        .filter((e) => !seen.has(e.field) && seen.add(e.field))
        .sort((a, b) => order.indexOf(a.field) - order.indexOf(b.field));
      return renderPublications(request, reply, caller, values, errors);
    }
    const form = parsed.data;
    let indicatorIds: Set<string> | null = null;
    if (form.scope === 'indicators') {
      // Only this partnership's indicators: a forged or foreign id is a form error, never published.
      const structure = await loadStructure(app.db, caller.partnershipId);
      const own = new Set(structure.indicators.map((i) => i.id));
      if (!form.indicators.every((id) => own.has(id))) return renderPublications(request, reply, caller, values, [{ field: 'indicators', text: 'Choose indicators from the list' }]);
      indicatorIds = new Set(form.indicators);
    }
    const partnership = await findPartnership(app.db, caller.partnershipId);
    const { book } = await buildDataBook(app, sectionCaller(request, caller), partnership, { year: form.year!, indicatorIds });
    await insertPublication(app.db, caller.partnershipId, caller.userId, {
      token: randomToken(24),
      title: form.title,
      scope: form.scope,
      bookYear: book.year,
      indicatorCount: book.summary.rows.length,
      snapshot: book,
    });
    reply.notice(`Data Book published: ${form.title}, ${book.summary.rows.length === 1 ? '1 indicator' : `${book.summary.rows.length} indicators`}`);
    return reply.redirect(`/p/${caller.partnership.slug}/publications#publications`, 303);
  });

  app.post('/p/:slug/publications/:publicationId/unpublish', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const { publicationId } = parseParams(publicationParams, request.params);
    const publication = await findPublication(app.db, caller.partnershipId, publicationId);
    if (!publication) throw notFound();
    await unpublish(app.db, caller.partnershipId, publication.id, caller.userId);
    reply.notice('Unpublished: its link no longer works');
    return reply.redirect(`/p/${caller.partnership.slug}/publications#publications`, 303);
  });

  // ---- The public pages: anyone with the address, signed in or not ---------------------------------------------

  async function published(request: FastifyRequest) {
    const { token } = parseParams(tokenParams, request.params);
    const row = await findPublishedByToken(app.db, token);
    const book = row?.snapshot as DataBook | null | undefined;
    if (!row || !book || book.format !== BOOK_FORMAT) throw notFound();
    return { row, book, token };
  }

  app.get('/published/:token', { config: { access: 'public' } }, async (request, reply) => {
    const { row, book, token } = await published(request);
    // Taken down means gone: no cache may keep serving it.
    reply.header('cache-control', 'no-cache');
    return reply.view('publishing/published', {
      pageTitle: `${row.title}: ${book.partnership.name}`,
      scripts: BOOK_SCRIPTS,
      title: row.title,
      publishedText: format.date(row.published_at),
      book,
      csvHref: `/published/${token}/data.csv`,
    });
  });

  app.get('/published/:token/data.csv', { config: { access: 'public' } }, async (request, reply) => {
    const { book } = await published(request);
    return reply
      .header('cache-control', 'no-cache')
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="data-book-${book.year}.csv"`)
      .send(bookCsv(book));
  });
}
