import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { notFound } from '../../http-errors.ts';
import { ensureLibraryLoaded } from './load.ts';
import { listMemberships } from '../auth/queries.ts';
import libraryLinkRoutes, { statusView } from './link-routes.ts';
import {
  findCaseStudy,
  findGoldenThread,
  listActionsForThread,
  listCaseStudyUses,
  listManagedPartnerships,
  listAuthorities,
  listCaseStudiesForThread,
  listGoldenThreads,
  listSubjects,
  searchCaseStudies,
  nearestLibraryWords,
  suggestCaseStudies,
} from './queries.ts';
import { expansionsOf, highlightedExcerpt, correctableWords, searchPlan, withCorrections, openingOf, PART_DESCRIPTIONS, PART_LABELS, suggestionTerms, textBlocks } from './search.ts';

/** An empty form field is no filter at all. */
const optionalText = (max: number) => z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined), z.string().max(max).optional());

const searchQuery = z.object({
  q: optionalText(200),
  thread: optionalText(100),
  subject: optionalText(100),
  authority: optionalText(100),
  part: z.preprocess((v) => (v === 'A' || v === 'B' ? v : undefined), z.enum(['A', 'B']).optional()),
});
type SearchQuery = z.infer<typeof searchQuery>;

const caseStudyParams = z.object({ number: z.coerce.number().int().min(1).max(100_000) });
const threadParams = z.object({ slug: z.string().regex(/^[a-z0-9][a-z0-9-]{0,80}$/) });

function parseParams<T extends z.ZodType>(schema: T, params: unknown): z.infer<T> {
  const parsed = schema.safeParse(params);
  if (!parsed.success) throw notFound();
  return parsed.data;
}

/** A link to the library page with these filters (empty ones left out). */
export function libraryHref(filters: SearchQuery): string {
  const params = new URLSearchParams();
  for (const key of ['q', 'thread', 'subject', 'authority', 'part'] as const) {
    const value = filters[key];
    if (value) params.set(key, value);
  }
  const text = params.toString();
  return text ? `/library?${text}` : '/library';
}

/** The seed documents write the threads in lower case ("you can do it!"); a heading starts with a capital. */
const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

const LIBRARY_CRUMB = { href: '/library', text: 'What works library' };

/**
 * The what-works library: the 114 case studies of effective local practice, searchable and filtered by golden thread,
 * subject, authority and part; a page per case study and per golden thread. Shared reference material for every
 * signed-in user. Also adds "case studies that may help" to each indicator page.
 */
export default async function libraryRoutes(app: FastifyInstance) {
  await ensureLibraryLoaded(app.db);

  await app.register(libraryLinkRoutes);

  app.get('/library', { config: { access: 'signed_in' } }, async (request, reply) => {
    const filters = searchQuery.safeParse(request.query).data ?? {};
    // A word no case study uses is searched as the library's nearest word, and the page says so.
    const corrections = filters.q ? await nearestLibraryWords(app.db, correctableWords(filters.q)) : new Map<string, string>();
    const searched = filters.q ? withCorrections(filters.q, corrections) : undefined;
    const plan = searched ? searchPlan(searched) : undefined;
    const expansions = searched ? expansionsOf(searched) : [];
    const [threads, subjects, authorities, rows] = await Promise.all([
      listGoldenThreads(app.db),
      listSubjects(app.db),
      listAuthorities(app.db),
      searchCaseStudies(app.db, { ...filters, query: searched }, plan),
    ]);
    const threadName = new Map(threads.map((t) => [t.slug, t.name]));
    const active = [
      filters.thread && { label: `Golden thread: ${threadName.get(filters.thread) ?? filters.thread}`, href: libraryHref({ ...filters, thread: undefined }) },
      filters.subject && { label: `Subject: ${filters.subject}`, href: libraryHref({ ...filters, subject: undefined }) },
      filters.authority && { label: `Authority: ${filters.authority}`, href: libraryHref({ ...filters, authority: undefined }) },
      filters.part && { label: PART_LABELS[filters.part], href: libraryHref({ ...filters, part: undefined }) },
    ].filter((f): f is { label: string; href: string } => !!f);
    return reply.view('library/index', {
      pageTitle: filters.q ? `“${filters.q}” in the what works library` : 'What works library',
      filters,
      active,
      clearHref: filters.q ? libraryHref({ q: filters.q }) : '/library',
      expansions,
      corrections: [...corrections].map(([typed, nearest]) => ({ typed, nearest })),
      matchingAll: rows.filter((r) => r.matches_all).length,
      termCount: plan?.terms.length ?? 0,
      threads,
      subjects,
      authorities,
      results: rows.map((r) => ({
        number: r.number,
        title: r.title,
        authority: r.authority,
        area: r.area,
        part: r.part,
        partLabel: PART_LABELS[r.part],
        threads: r.thread_slugs.map((slug) => ({ slug, name: threadName.get(slug) ?? slug })),
        subjects: r.subjects,
        excerptHtml: r.excerpt ? highlightedExcerpt(r.excerpt, [r.content, r.outcomes, r.why_it_works ?? ''].join(' ')) : null,
        opening: r.excerpt ? null : openingOf(r.content),
        matchesSome: filters.q && !r.matches_all ? r.matched : null,
      })),
    });
  });

  app.get('/library/case-studies/:number', { config: { access: 'signed_in' } }, async (request, reply) => {
    const { number } = parseParams(caseStudyParams, request.params);
    const userId = request.caller!.user.id;
    const [study, threads, managed, uses] = await Promise.all([
      findCaseStudy(app.db, number),
      listGoldenThreads(app.db),
      listManagedPartnerships(app.db, userId),
      listCaseStudyUses(app.db, userId, number),
    ]);
    if (!study) throw notFound();
    const threadBySlug = new Map(threads.map((t) => [t.slug, t]));
    return reply.view('library/case-study', {
      pageTitle: `${study.title} (${study.authority})`,
      breadcrumbs: [LIBRARY_CRUMB],
      study: {
        number: study.number,
        title: study.title,
        authority: study.authority,
        authorityHref: libraryHref({ authority: study.authority }),
        area: study.area,
        part: study.part,
        partLabel: PART_LABELS[study.part],
        partDescription: PART_DESCRIPTIONS[study.part],
        content: textBlocks(study.content),
        outcomes: textBlocks(study.outcomes),
        outcomesHeading: study.outcomes_include_what_is_working ? 'Outcomes and what is working' : 'Outcomes',
        whyItWorks: textBlocks(study.why_it_works),
        threads: study.thread_slugs.map((slug) => ({ slug, name: threadBySlug.get(slug)?.name ?? slug, number: threadBySlug.get(slug)?.number ?? null })),
        subjects: study.subjects.map((s) => ({ name: s, href: libraryHref({ subject: s }) })),
      },
      linkSection: {
        partnerships: managed.map((p) => ({ name: p.name, href: `/p/${p.slug}/library/case-studies/${study.number}/link` })),
        whatWorks: uses.whatWorks.map((w) => ({
          partnership: w.partnership_name,
          text: w.indicator_title ?? w.priority_title ?? '',
          href: w.code ? `/p/${w.slug}/indicators/${encodeURIComponent(w.code)}` : `/p/${w.slug}/priorities/${w.priority_id}`,
        })),
        actions: uses.actions.map((a) => ({ partnership: a.partnership_name, text: a.title, href: `/p/${a.slug}/actions/${a.id}`, status: statusView(a.status) })),
      },
    });
  });

  app.get('/library/threads', { config: { access: 'signed_in' } }, async (_request, reply) => {
    const threads = await listGoldenThreads(app.db);
    return reply.view('library/threads', {
      pageTitle: 'Golden threads',
      breadcrumbs: [LIBRARY_CRUMB],
      topTen: threads.filter((t) => t.canonical).map((t) => ({ ...t, title: capitalise(t.title) })),
      further: threads.filter((t) => !t.canonical).map((t) => ({ ...t, name: capitalise(t.name) })),
    });
  });

  app.get('/library/threads/:slug', { config: { access: 'signed_in' } }, async (request, reply) => {
    const { slug } = parseParams(threadParams, request.params);
    const [thread, studies, actions, memberships] = await Promise.all([
      findGoldenThread(app.db, slug),
      listCaseStudiesForThread(app.db, slug),
      listActionsForThread(app.db, request.caller!.user.id, slug),
      listMemberships(app.db, request.caller!.user.id),
    ]);
    if (!thread) throw notFound(`There is no golden thread “${slug}” in the what works library. The golden threads page lists them all.`);
    return reply.view('library/thread', {
      pageTitle: `Golden thread: ${thread.name}`,
      breadcrumbs: [LIBRARY_CRUMB, { href: '/library/threads', text: 'Golden threads' }],
      thread: { ...thread, title: capitalise(thread.title), description: textBlocks(thread.description) },
      searchHref: libraryHref({ thread: thread.slug }),
      studies: studies.map((s) => ({ ...s, partLabel: PART_LABELS[s.part] })),
      inPartnerships: memberships.map((m) => ({ name: m.name, href: `/p/${m.slug}/library/threads/${thread.slug}` })),
      taggedActions: actions.map((a) => ({ partnership: a.partnership_name, text: a.title, href: `/p/${a.slug}/actions/${a.id}`, status: statusView(a.status) })),
    });
  });

  // The indicator page: case studies whose words overlap the indicator's title, as a start on "what works".
  app.indicatorSections.push({
    key: 'library-suggestions',
    // Just after the indicator's own "what works" (30).
    order: 31,
    template: 'library/indicator-section',
    async load({ db, indicator }) {
      const suggestions = await suggestCaseStudies(db, suggestionTerms(indicator.title), 3);
      return {
        suggestions: suggestions.map((s) => ({ ...s, partLabel: PART_LABELS[s.part] })),
        searchHref: '/library',
      };
    },
  });
}
