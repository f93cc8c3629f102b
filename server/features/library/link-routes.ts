import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { notFound } from '../../http-errors.ts';
import { roleAtLeast } from '../../plugins/auth.ts';
import { actionStatusLabel, actionStatusTag, COST_LEVELS, costLabel } from '../conversation/labels.ts';
import type { ActionStatus } from '../../db/schema-stories.ts';
import {
  addCaseStudyToWhatWorks,
  findActionForLink,
  findActionLibraryLinks,
  findCaseStudy,
  findGoldenThread,
  findIndicatorForLink,
  isCaseStudyInWhatWorks,
  linkCaseStudyToAction,
  listActionChoices,
  listGoldenThreads,
  listIndicatorChoices,
  listPartnershipActionsFollowing,
  setActionThreads,
  unlinkCaseStudyFromAction,
} from './queries.ts';
import { openingOf, PART_DESCRIPTIONS, PART_LABELS, textBlocks } from './search.ts';

const slugParams = z.object({ slug: z.string() });
const caseStudyParams = slugParams.extend({ number: z.coerce.number().int().min(1).max(100_000) });
const actionParams = slugParams.extend({ actionId: z.uuid() });
const actionCaseStudyParams = actionParams.extend({ number: z.coerce.number().int().min(1).max(100_000) });
const threadParams = slugParams.extend({ thread: z.string().max(100) });
const linkedQuery = z.object({ linked: z.string().max(100).optional() });

function parseParams<T extends z.ZodType>(schema: T, params: unknown): z.infer<T> {
  const parsed = schema.safeParse(params);
  if (!parsed.success) throw notFound();
  return parsed.data;
}

const field = (body: unknown, name: string) => {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
};
const fieldList = (body: unknown, name: string): string[] => {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : typeof value === 'string' ? [value] : [];
};

export const statusView = (status: ActionStatus) => ({ text: actionStatusLabel[status] ?? status, tag: actionStatusTag[status] ?? 'govuk-tag--grey' });

const NOTE_MAX = 2000;
const titleFor = (study: { title: string; authority: string }) => {
  const full = `${study.title} (${study.authority})`;
  return full.length <= 200 ? full : study.title.length <= 200 ? study.title : `${study.title.slice(0, 199)}…`;
};

/**
 * The case studies and golden threads in a partnership's work: a manager adds a case study to an indicator's
 * "what works" or links it to an action, and tags actions with golden threads. Every route is under the
 * partnership's slug, so the guard checks membership and role, and every id is looked up with the partnership's id.
 */
export default async function libraryLinkRoutes(app: FastifyInstance) {
  async function renderLinkPage(
    request: FastifyRequest,
    reply: FastifyReply,
    number: number,
    state: { errors?: { field: string; text: string }[]; values?: Record<string, string>; form?: 'what-works' | 'action'; linked?: string } = {},
  ) {
    const { partnership } = request.access!;
    const [study, indicators, actions] = await Promise.all([
      findCaseStudy(app.db, number),
      listIndicatorChoices(app.db, partnership.id),
      listActionChoices(app.db, partnership.id),
    ]);
    if (!study) throw notFound();
    const groups = new Map<string, { label: string; indicators: { code: string; title: string }[] }>();
    for (const i of indicators) {
      const label = i.priority_title ?? (i.programme_name ? `Programme: ${i.programme_name}` : 'Other');
      if (!groups.has(label)) groups.set(label, { label, indicators: [] });
      groups.get(label)!.indicators.push({ code: i.code, title: i.title });
    }
    let banner: { text: string; href: string; linkText: string } | null = null;
    const [kind, id] = (state.linked ?? '').split(':');
    if (kind === 'indicator' && id) {
      const indicator = await findIndicatorForLink(app.db, partnership.id, id);
      if (indicator) banner = { text: 'Added to the what works of', href: `/p/${partnership.slug}/indicators/${encodeURIComponent(indicator.code)}`, linkText: indicator.title };
    } else if (kind === 'action' && id && z.uuid().safeParse(id).success) {
      const action = await findActionForLink(app.db, partnership.id, id);
      if (action) banner = { text: 'Linked to the action', href: `/p/${partnership.slug}/actions/${action.id}`, linkText: action.title };
    }
    const errors = state.errors ?? [];
    const errorFor = (f: string) => errors.find((e) => e.field === f)?.text ?? null;
    return reply.code(errors.length ? 400 : 200).view('library/link', {
      pageTitle: `${errors.length ? 'Error: ' : ''}Use “${study.title}” in ${partnership.name}`,
      breadcrumbs: [
        { href: '/library', text: 'What works library' },
        { href: `/library/case-studies/${study.number}`, text: `Case study ${study.number}` },
      ],
      partnership,
      study: { number: study.number, title: study.title, authority: study.authority, part: study.part, partDescription: PART_DESCRIPTIONS[study.part], threadCount: study.thread_slugs.length },
      banner,
      errors,
      values: state.values ?? {},
      indicatorGroups: [...groups.values()],
      actions: actions.map((a) => ({ id: a.id, title: a.title, status: statusView(a.status) })),
      costs: COST_LEVELS.map((c) => ({ key: c, label: costLabel[c] })),
      errorFor: { indicator: errorFor('indicator'), cost: errorFor('cost'), note: errorFor('note'), action: errorFor('action') },
      newActionHref: `/p/${partnership.slug}/actions/new`,
      form: state.form ?? null,
    });
  }

  app.get('/p/:slug/library/case-studies/:number/link', { config: { access: 'manager' } }, async (request, reply) => {
    const { number } = parseParams(caseStudyParams, request.params);
    const { linked } = linkedQuery.safeParse(request.query).data ?? {};
    return renderLinkPage(request, reply, number, { linked });
  });

  app.post('/p/:slug/library/case-studies/:number/what-works', { config: { access: 'manager' } }, async (request, reply) => {
    const { number } = parseParams(caseStudyParams, request.params);
    const { partnership } = request.access!;
    const study = await findCaseStudy(app.db, number);
    if (!study) throw notFound();
    const values = { indicator: field(request.body, 'indicator'), cost: field(request.body, 'cost'), note: field(request.body, 'note') };
    const errors: { field: string; text: string }[] = [];
    const indicator = values.indicator ? await findIndicatorForLink(app.db, partnership.id, values.indicator) : undefined;
    if (!indicator) errors.push({ field: 'indicator', text: 'Choose the indicator whose what works this case study adds to' });
    const cost = COST_LEVELS.find((c) => c === values.cost);
    if (!cost) errors.push({ field: 'cost', text: 'Say what it would cost here: no cost, low cost or needs funding' });
    const note = values.note.trim().replace(/\r\n?/g, '\n');
    if (note.length > NOTE_MAX) errors.push({ field: 'note', text: `How it could work here must be ${NOTE_MAX.toLocaleString('en-GB')} characters or fewer` });
    if (indicator && (await isCaseStudyInWhatWorks(app.db, partnership.id, indicator.id, number))) {
      errors.push({ field: 'indicator', text: `This case study is already in the what works of “${indicator.title}”` });
    }
    if (errors.length || !indicator || !cost) return renderLinkPage(request, reply, number, { errors, values, form: 'what-works' });
    const description = [note, `What ${study.authority} achieved: ${openingOf(study.outcomes, 400)}`].filter(Boolean).join('\n\n');
    await app.db.transaction().execute((trx) =>
      addCaseStudyToWhatWorks(trx, partnership.id, {
        indicatorId: indicator.id,
        userId: request.caller!.user.id,
        number,
        title: titleFor(study),
        description,
        source: `What works library, case study ${study.number}: ${study.authority} – ${study.title} (${PART_LABELS[study.part]})`,
        part: study.part,
        cost,
      }),
    );
    return reply.redirect(`/p/${partnership.slug}/library/case-studies/${number}/link?linked=${encodeURIComponent(`indicator:${indicator.code}`)}`, 303);
  });

  app.post('/p/:slug/library/case-studies/:number/actions', { config: { access: 'manager' } }, async (request, reply) => {
    const { number } = parseParams(caseStudyParams, request.params);
    const { partnership } = request.access!;
    const study = await findCaseStudy(app.db, number);
    if (!study) throw notFound();
    const values = { action: field(request.body, 'action'), threads: field(request.body, 'threads') };
    const action = z.uuid().safeParse(values.action).success ? await findActionForLink(app.db, partnership.id, values.action) : undefined;
    if (!action) return renderLinkPage(request, reply, number, { errors: [{ field: 'action', text: 'Choose the action to link this case study to' }], values, form: 'action' });
    await app.db.transaction().execute((trx) =>
      linkCaseStudyToAction(trx, partnership.id, { actionId: action.id, number, userId: request.caller!.user.id, threads: values.threads === 'yes' ? study.thread_slugs : [] }),
    );
    return reply.redirect(`/p/${partnership.slug}/library/case-studies/${number}/link?linked=${encodeURIComponent(`action:${action.id}`)}`, 303);
  });

  // An action's golden threads and case studies: everyone in the partnership reads them, a manager changes them.
  app.get('/p/:slug/library/actions/:actionId', { config: { access: 'viewer' } }, async (request, reply) => {
    const { actionId } = parseParams(actionParams, request.params);
    const { partnership, role } = request.access!;
    const action = await findActionForLink(app.db, partnership.id, actionId);
    if (!action) throw notFound();
    const [links, threads] = await Promise.all([findActionLibraryLinks(app.db, partnership.id, actionId), listGoldenThreads(app.db)]);
    const tagged = new Set(links.threads.map((t) => t.slug));
    return reply.view('library/action', {
      pageTitle: `Golden threads and case studies: ${action.title}`,
      breadcrumbs: [
        { href: `/p/${partnership.slug}`, text: partnership.name },
        { href: `/p/${partnership.slug}/actions/${action.id}`, text: action.title },
      ],
      partnership,
      canEdit: roleAtLeast(role, 'manager'),
      action: { ...action, href: `/p/${partnership.slug}/actions/${action.id}`, status: statusView(action.status) },
      saved: (request.query as Record<string, unknown>)?.saved === '1',
      threads: threads.map((t) => ({ slug: t.slug, name: t.name, number: t.number, checked: tagged.has(t.slug) })),
      tagged: links.threads,
      caseStudies: links.caseStudies.map((c) => ({ ...c, partLabel: PART_LABELS[c.part] })),
    });
  });

  // A golden thread in a partnership's work: the partnership's actions that follow it through their case studies, and
  // the indicators those actions aim to move. Only this partnership's: the guard checked the caller is a member.
  app.get('/p/:slug/library/threads/:thread', { config: { access: 'viewer' } }, async (request, reply) => {
    const { thread: threadSlug } = parseParams(threadParams, request.params);
    const { partnership } = request.access!;
    const [thread, actions] = await Promise.all([findGoldenThread(app.db, threadSlug), listPartnershipActionsFollowing(app.db, partnership.id, threadSlug)]);
    if (!thread) throw notFound(`There is no golden thread “${threadSlug}” in the what works library. The golden threads page lists them all.`);
    const indicators = new Map<string, { code: string; title: string; href: string; actions: number }>();
    for (const a of actions) {
      for (const i of a.indicators) {
        const seen = indicators.get(i.code) ?? { code: i.code, title: i.title, href: `/p/${partnership.slug}/indicators/${encodeURIComponent(i.code)}`, actions: 0 };
        seen.actions += 1;
        indicators.set(i.code, seen);
      }
    }
    const name = thread.name.charAt(0).toUpperCase() + thread.name.slice(1);
    return reply.view('library/partnership-thread', {
      pageTitle: `Golden thread: ${thread.name} in ${partnership.name}`,
      breadcrumbs: [
        { href: `/p/${partnership.slug}`, text: partnership.name },
        { href: '/library/threads', text: 'Golden threads' },
      ],
      partnership,
      thread: { slug: thread.slug, number: thread.number, name, title: thread.title.charAt(0).toUpperCase() + thread.title.slice(1), description: textBlocks(thread.description), thisMeans: thread.this_means as string[], href: `/library/threads/${thread.slug}` },
      actions: actions.map((a) => ({
        ...a,
        href: `/p/${partnership.slug}/actions/${a.id}`,
        status: statusView(a.status),
        indicators: a.indicators.map((i) => ({ ...i, href: `/p/${partnership.slug}/indicators/${encodeURIComponent(i.code)}` })),
      })),
      indicators: [...indicators.values()].sort((a, b) => a.title.localeCompare(b.title, 'en-GB')),
      scorecardHref: `/p/${partnership.slug}/scorecard?thread=${encodeURIComponent(thread.slug)}`,
      actionsHref: `/p/${partnership.slug}/actions?thread=${encodeURIComponent(thread.slug)}`,
    });
  });

  app.post('/p/:slug/library/actions/:actionId/threads', { config: { access: 'manager' } }, async (request, reply) => {
    const { actionId } = parseParams(actionParams, request.params);
    const { partnership } = request.access!;
    const action = await findActionForLink(app.db, partnership.id, actionId);
    if (!action) throw notFound();
    const known = new Set((await listGoldenThreads(app.db)).map((t) => t.slug));
    const chosen = [...new Set(fieldList(request.body, 'threads'))].filter((s) => known.has(s));
    await app.db.transaction().execute((trx) => setActionThreads(trx, partnership.id, action.id, chosen));
    return reply.redirect(`/p/${partnership.slug}/library/actions/${action.id}?saved=1`, 303);
  });

  app.post('/p/:slug/library/actions/:actionId/case-studies/:number/delete', { config: { access: 'manager' } }, async (request, reply) => {
    const { actionId, number } = parseParams(actionCaseStudyParams, request.params);
    const { partnership } = request.access!;
    if (!(await unlinkCaseStudyFromAction(app.db, partnership.id, actionId, number))) throw notFound();
    return reply.redirect(`/p/${partnership.slug}/library/actions/${actionId}`, 303);
  });
}
