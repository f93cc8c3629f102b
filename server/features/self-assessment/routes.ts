import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { BenchmarkStrand, SelfAssessmentRating } from '../../db/schema-library.ts';
import { notFound } from '../../http-errors.ts';
import { roleAtLeast } from '../../plugins/auth.ts';
import * as format from '../../format.ts';
import {
  compareAssessments,
  formValuesFrom,
  isWeak,
  londonToday,
  parseAssessmentForm,
  RATING_HINTS,
  RATING_LABELS,
  RATING_TAGS,
  RATINGS,
  STRAND_LABELS,
  type AssessmentFormValues,
  type FormError,
  type Movement,
} from './assessment.ts';
import {
  createAssessment,
  deleteAssessment,
  findAssessment,
  findBenchmark,
  findLatestAssessmentId,
  listAssessments,
  linkStatementAction,
  listRatings,
  listStatementActions,
  unlinkStatementAction,
  updateAssessment,
} from './queries.ts';
import { findActionForLink, listActionChoices } from '../library/queries.ts';
import { statusView } from '../library/link-routes.ts';

const slugParams = z.object({ slug: z.string() });
const assessmentParams = slugParams.extend({ assessmentId: z.uuid() });
const compareQuery = z.object({ from: z.uuid().optional(), to: z.uuid().optional() });
const statementParams = slugParams.extend({ number: z.coerce.number().int().min(1).max(1000) });
const statementActionParams = statementParams.extend({ actionId: z.uuid() });

function parseParams<T extends z.ZodType>(schema: T, params: unknown): z.infer<T> {
  const parsed = schema.safeParse(params);
  if (!parsed.success) throw notFound();
  return parsed.data;
}

const base = (slug: string) => `/p/${slug}/self-assessment`;
const dateText = (isoDate: string) => format.date(`${isoDate}T12:00:00Z`);
const ratingView = (rating: SelfAssessmentRating | null) =>
  rating ? { key: rating, label: RATING_LABELS[rating], tag: RATING_TAGS[rating] } : { key: '', label: 'Not assessed', tag: 'govuk-tag--grey' };

const MOVEMENT_TEXT: Record<Movement, string> = {
  up: 'Moved up',
  down: 'Moved down',
  same: 'No change',
  newly_rated: 'Newly rated',
  no_longer_rated: 'Not rated this time',
  not_rated: 'Not rated in either',
};

type Benchmark = Awaited<ReturnType<typeof findBenchmark>>;

/** The statements by strand, in order, for a page to walk through. */
function byStrand<S extends { strand: BenchmarkStrand }>(statements: S[]) {
  const strands = [...new Set(statements.map((s) => s.strand))];
  return strands.map((strand) => {
    const inStrand = statements.filter((s) => s.strand === strand);
    return { key: strand, label: STRAND_LABELS[strand], statements: inStrand };
  });
}

/**
 * The gap-narrowing self-assessment (seed 003, "Every Child Matters: a draft benchmark for 'gap narrowing'"): a
 * partnership rates itself against the benchmark's statements on a date, with evidence and an owner for each, and
 * compares assessments over time. Viewers read; managers record, correct and delete.
 */
export default async function selfAssessmentRoutes(app: FastifyInstance) {
  app.partnershipNav.push({ key: 'self-assessment', text: 'Gap-narrowing self-assessment', order: 60, role: 'viewer', href: (slug) => base(slug) });

  function renderForm(
    request: FastifyRequest,
    reply: FastifyReply,
    benchmark: Benchmark,
    model: { mode: 'new' | 'edit'; values: AssessmentFormValues; errors: FormError[]; action: string; startedFrom?: string | null; assessmentId?: string },
  ) {
    const { partnership } = request.access!;
    const errorFor = new Map<string, string>();
    for (const e of model.errors) if (!errorFor.has(e.field)) errorFor.set(e.field, e.text);
    return reply.code(model.errors.length ? 400 : 200).view('self-assessment/form', {
      pageTitle: `${model.errors.length ? 'Error: ' : ''}${model.mode === 'new' ? 'Record a self-assessment' : 'Change a self-assessment'}`,
      partnership,
      mode: model.mode,
      action: model.action,
      startedFrom: model.startedFrom ?? null,
      cancelHref: model.assessmentId ? `${base(partnership.slug)}/${model.assessmentId}` : base(partnership.slug),
      errors: model.errors,
      dateError: errorFor.get('assessed-on-day') ?? null,
      titleError: errorFor.get('title') ?? null,
      values: model.values,
      ratings: RATINGS.map((r) => ({ key: r, label: RATING_LABELS[r], hint: RATING_HINTS[r] })),
      strands: byStrand(benchmark.statements).map((strand) => ({
        ...strand,
        statements: strand.statements.map((s) => ({
          number: s.number,
          text: s.text,
          value: model.values.entries[s.number] ?? { rating: '', evidence: '', owner: '' },
          ratingError: errorFor.get(`rating-${s.number}`) ?? null,
          evidenceError: errorFor.get(`evidence-${s.number}`) ?? null,
          ownerError: errorFor.get(`owner-${s.number}`) ?? null,
        })),
      })),
    });
  }

  app.get('/p/:slug/self-assessment', { config: { access: 'viewer' } }, async (request, reply) => {
    const { partnership, role } = request.access!;
    const [benchmark, assessments] = await Promise.all([findBenchmark(app.db), listAssessments(app.db, partnership.id)]);
    const total = benchmark.statements.length;
    return reply.view('self-assessment/index', {
      pageTitle: 'Gap-narrowing self-assessment',
      partnership,
      canRecord: roleAtLeast(role, 'manager'),
      benchmark: { ...benchmark, strands: byStrand(benchmark.statements).map((s) => ({ label: s.label, first: s.statements[0]!.number, last: s.statements.at(-1)!.number })) },
      assessments: assessments.map((a) => {
        const profile = a.profile ?? {};
        const rated = RATINGS.reduce((n, r) => n + Number(profile[r] ?? 0), 0);
        return {
          id: a.id,
          href: `${base(partnership.slug)}/${a.id}`,
          dateText: dateText(a.assessed_on),
          title: a.title,
          by: a.created_by_name ?? 'a former member',
          profile: RATINGS.map((r) => ({ ...ratingView(r), count: Number(profile[r] ?? 0) })),
          notRated: total - rated,
        };
      }),
      compare:
        assessments.length >= 2
          ? { options: assessments.map((a) => ({ id: a.id, text: `${dateText(a.assessed_on)}${a.title ? ` — ${a.title}` : ''}` })), from: assessments[1]!.id, to: assessments[0]!.id }
          : null,
    });
  });

  app.get('/p/:slug/self-assessment/new', { config: { access: 'manager' } }, async (request, reply) => {
    const { partnership } = request.access!;
    const benchmark = await findBenchmark(app.db);
    // Start from the latest assessment: most statements carry over, and the evidence is updated rather than retyped.
    const latestId = await findLatestAssessmentId(app.db, partnership.id);
    const [latest, ratings] = latestId ? await Promise.all([findAssessment(app.db, partnership.id, latestId), listRatings(app.db, partnership.id, latestId)]) : [null, []];
    const values = formValuesFrom(null, ratings);
    return renderForm(request, reply, benchmark, {
      mode: 'new',
      values,
      errors: [],
      action: base(partnership.slug),
      startedFrom: latest ? `${dateText(latest.assessed_on)}${latest.title ? ` (${latest.title})` : ''}` : null,
    });
  });

  app.post('/p/:slug/self-assessment', { config: { access: 'manager' } }, async (request, reply) => {
    const { partnership } = request.access!;
    const benchmark = await findBenchmark(app.db);
    const { values, input, errors } = parseAssessmentForm((request.body ?? {}) as Record<string, unknown>, benchmark.statements.map((s) => s.number), londonToday());
    if (!input) return renderForm(request, reply, benchmark, { mode: 'new', values, errors, action: base(partnership.slug) });
    const id = await app.db.transaction().execute((trx) => createAssessment(trx, partnership.id, request.caller!.user.id, input));
    return reply.notice('Self-assessment saved').redirect(`${base(partnership.slug)}/${id}`, 303);
  });

  app.get('/p/:slug/self-assessment/compare', { config: { access: 'viewer' } }, async (request, reply) => {
    const { partnership } = request.access!;
    const query = compareQuery.safeParse(request.query);
    const assessments = await listAssessments(app.db, partnership.id);
    if (!query.success || assessments.length < 2) throw notFound();
    const fromId = query.data.from ?? assessments[1]!.id;
    const toId = query.data.to ?? assessments[0]!.id;
    const [from, to] = [assessments.find((a) => a.id === fromId), assessments.find((a) => a.id === toId)];
    if (!from || !to) throw notFound();
    // Whichever way round they were chosen, compare the earlier with the later.
    const [earlier, later] = from.assessed_on <= to.assessed_on ? [from, to] : [to, from];
    const [benchmark, earlierRatings, laterRatings] = await Promise.all([
      findBenchmark(app.db),
      listRatings(app.db, partnership.id, earlier.id),
      listRatings(app.db, partnership.id, later.id),
    ]);
    const { statements, summary } = compareAssessments(benchmark.statements.map((s) => s.number), earlierRatings, laterRatings);
    const laterBy = new Map(laterRatings.map((r) => [r.statement_number, r]));
    const earlierBy = new Map(earlierRatings.map((r) => [r.statement_number, r]));
    const describe = (a: typeof earlier) => ({ id: a.id, href: `${base(partnership.slug)}/${a.id}`, dateText: dateText(a.assessed_on), title: a.title });
    return reply.view('self-assessment/compare', {
      pageTitle: `What moved: ${dateText(earlier.assessed_on)} to ${dateText(later.assessed_on)}`,
      partnership,
      earlier: describe(earlier),
      later: describe(later),
      options: assessments.map((a) => ({ id: a.id, text: `${dateText(a.assessed_on)}${a.title ? ` — ${a.title}` : ''}` })),
      summary: {
        ...summary,
        meanBeforeText: summary.meanBefore === null ? null : format.number(summary.meanBefore, 1),
        meanAfterText: summary.meanAfter === null ? null : format.number(summary.meanAfter, 1),
      },
      // Statements rated in neither assessment are counted, not listed: the table shows what the two say.
      notRatedNumbers: statements.filter((c) => c.movement === 'not_rated').map((c) => c.statementNumber),
      strands: byStrand(benchmark.statements.filter((s) => statements.find((c) => c.statementNumber === s.number)?.movement !== 'not_rated')).map((strand) => ({
        ...strand,
        statements: strand.statements.map((s) => {
          const c = statements.find((x) => x.statementNumber === s.number)!;
          return {
            number: s.number,
            text: s.text,
            from: ratingView(c.from),
            to: ratingView(c.to),
            movement: c.movement,
            movementText: MOVEMENT_TEXT[c.movement] + (c.steps ? ` ${Math.abs(c.steps)} ${Math.abs(c.steps) === 1 ? 'step' : 'steps'}` : ''),
            evidenceBefore: earlierBy.get(s.number)?.evidence ?? '',
            evidenceAfter: laterBy.get(s.number)?.evidence ?? '',
            evidenceChanged: c.evidenceChanged,
            owner: laterBy.get(s.number)?.owner ?? '',
          };
        }),
      })),
    });
  });

  async function renderShow(request: FastifyRequest, reply: FastifyReply, assessmentId: string, linkError?: { statement: number; text: string; action: string }) {
    const { partnership, role } = request.access!;
    const assessment = await findAssessment(app.db, partnership.id, assessmentId);
    if (!assessment) throw notFound();
    const [benchmark, ratings, assessments, linked, actions] = await Promise.all([
      findBenchmark(app.db),
      listRatings(app.db, partnership.id, assessmentId),
      listAssessments(app.db, partnership.id),
      listStatementActions(app.db, partnership.id),
      listActionChoices(app.db, partnership.id),
    ]);
    const canEdit = roleAtLeast(role, 'manager');
    const byNumber = new Map(ratings.map((r) => [r.statement_number, r]));
    // The assessment before this one, to offer "what moved since".
    const index = assessments.findIndex((a) => a.id === assessmentId);
    const previous = index >= 0 ? assessments[index + 1] : undefined;
    const profile = RATINGS.map((r) => ({ ...ratingView(r), count: ratings.filter((x) => x.rating === r).length }));
    const errors = linkError ? [{ field: `action-${linkError.statement}`, text: linkError.text }] : [];
    return reply.code(linkError ? 400 : 200).view('self-assessment/show', {
      pageTitle: `${linkError ? 'Error: ' : ''}Self-assessment of ${dateText(assessment.assessed_on)}`,
      partnership,
      canEdit,
      errors,
      assessment: {
        ...assessment,
        dateText: dateText(assessment.assessed_on),
        recordedText: `Recorded by ${assessment.created_by_name ?? 'a former member'} on ${format.date(assessment.created_at)}`,
        changedText:
          assessment.updated_by_name && new Date(assessment.updated_at).getTime() > new Date(assessment.created_at).getTime()
            ? `last changed by ${assessment.updated_by_name} on ${format.date(assessment.updated_at)}`
            : null,
        href: `${base(partnership.slug)}/${assessment.id}`,
      },
      compareHref: previous ? `${base(partnership.slug)}/compare?from=${previous.id}&to=${assessment.id}` : null,
      previousDateText: previous ? dateText(previous.assessed_on) : null,
      profile,
      notRated: benchmark.statements.length - ratings.filter((r) => r.rating).length,
      newActionHref: `/p/${partnership.slug}/actions/new`,
      strands: byStrand(benchmark.statements).map((strand) => ({
        ...strand,
        statements: strand.statements.map((s) => {
          const r = byNumber.get(s.number);
          const weak = isWeak(r?.rating);
          const mine = linked.filter((l) => l.statement_number === s.number);
          const linkedIds = new Set(mine.map((l) => l.id));
          return {
            number: s.number,
            text: s.text,
            rating: ratingView(r?.rating ?? null),
            weak,
            evidence: r?.evidence ?? '',
            owner: r?.owner ?? '',
            links: {
              actions: mine.map((l) => ({ id: l.id, title: l.title, href: `/p/${partnership.slug}/actions/${l.id}`, status: statusView(l.status) })),
              // Managers link actions to weak statements; the form offers the actions not linked yet.
              choices: canEdit && weak ? actions.filter((a) => !linkedIds.has(a.id)).map((a) => ({ id: a.id, title: a.title, status: statusView(a.status).text })) : null,
              error: linkError?.statement === s.number ? linkError.text : null,
              selected: linkError?.statement === s.number ? linkError.action : '',
            },
          };
        }),
      })),
    });
  }

  app.get('/p/:slug/self-assessment/:assessmentId', { config: { access: 'viewer' } }, async (request, reply) => {
    const { assessmentId } = parseParams(assessmentParams, request.params);
    return renderShow(request, reply, assessmentId);
  });

  app.get('/p/:slug/self-assessment/:assessmentId/edit', { config: { access: 'manager' } }, async (request, reply) => {
    const { assessmentId } = parseParams(assessmentParams, request.params);
    const { partnership } = request.access!;
    const assessment = await findAssessment(app.db, partnership.id, assessmentId);
    if (!assessment) throw notFound();
    const [benchmark, ratings] = await Promise.all([findBenchmark(app.db), listRatings(app.db, partnership.id, assessmentId)]);
    return renderForm(request, reply, benchmark, {
      mode: 'edit',
      values: formValuesFrom({ assessedOn: assessment.assessed_on, title: assessment.title }, ratings),
      errors: [],
      action: `${base(partnership.slug)}/${assessmentId}`,
      assessmentId,
    });
  });

  app.post('/p/:slug/self-assessment/:assessmentId', { config: { access: 'manager' } }, async (request, reply) => {
    const { assessmentId } = parseParams(assessmentParams, request.params);
    const { partnership } = request.access!;
    const benchmark = await findBenchmark(app.db);
    const { values, input, errors } = parseAssessmentForm((request.body ?? {}) as Record<string, unknown>, benchmark.statements.map((s) => s.number), londonToday());
    if (!input) {
      if (!(await findAssessment(app.db, partnership.id, assessmentId))) throw notFound();
      return renderForm(request, reply, benchmark, { mode: 'edit', values, errors, action: `${base(partnership.slug)}/${assessmentId}`, assessmentId });
    }
    const updated = await app.db.transaction().execute((trx) => updateAssessment(trx, partnership.id, assessmentId, request.caller!.user.id, input));
    if (!updated) throw notFound();
    return reply.notice('Self-assessment saved').redirect(`${base(partnership.slug)}/${assessmentId}`, 303);
  });

  app.get('/p/:slug/self-assessment/:assessmentId/delete', { config: { access: 'manager' } }, async (request, reply) => {
    const { assessmentId } = parseParams(assessmentParams, request.params);
    const { partnership } = request.access!;
    const assessment = await findAssessment(app.db, partnership.id, assessmentId);
    if (!assessment) throw notFound();
    return reply.view('self-assessment/delete', {
      pageTitle: 'Delete this self-assessment?',
      partnership,
      assessment: { ...assessment, dateText: dateText(assessment.assessed_on), href: `${base(partnership.slug)}/${assessment.id}` },
    });
  });

  app.post('/p/:slug/self-assessment/:assessmentId/delete', { config: { access: 'manager' } }, async (request, reply) => {
    const { assessmentId } = parseParams(assessmentParams, request.params);
    const { partnership } = request.access!;
    if (!(await deleteAssessment(app.db, partnership.id, assessmentId))) throw notFound();
    return reply.notice('Self-assessment deleted').redirect(base(partnership.slug), 303);
  });

  // Actions for a weak statement. The statement is linked for the partnership (not one assessment): the action
  // carries on to the next assessment. The form names the assessment to come back to.
  app.post('/p/:slug/self-assessment/statements/:number/actions', { config: { access: 'manager' } }, async (request, reply) => {
    const { number } = parseParams(statementParams, request.params);
    const { partnership } = request.access!;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const assessmentId = typeof body.assessment === 'string' && z.uuid().safeParse(body.assessment).success ? body.assessment : null;
    const actionId = typeof body.action === 'string' ? body.action : '';
    const benchmark = await findBenchmark(app.db);
    if (!benchmark.statements.some((s) => s.number === number)) throw notFound();
    const assessment = assessmentId ? await findAssessment(app.db, partnership.id, assessmentId) : undefined;
    const action = z.uuid().safeParse(actionId).success ? await findActionForLink(app.db, partnership.id, actionId) : undefined;
    if (!action) {
      if (!assessment) throw notFound();
      return renderShow(request, reply, assessment.id, { statement: number, text: `Statement ${number}: choose the action that addresses it`, action: actionId });
    }
    await linkStatementAction(app.db, partnership.id, number, action.id, request.caller!.user.id);
    return reply.notice(`Statement ${number} linked to an action`).redirect(assessment ? `${base(partnership.slug)}/${assessment.id}#statement-${number}` : base(partnership.slug), 303);
  });

  app.post('/p/:slug/self-assessment/statements/:number/actions/:actionId/delete', { config: { access: 'manager' } }, async (request, reply) => {
    const { number, actionId } = parseParams(statementActionParams, request.params);
    const { partnership } = request.access!;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const assessmentId = typeof body.assessment === 'string' && z.uuid().safeParse(body.assessment).success ? body.assessment : null;
    if (!(await unlinkStatementAction(app.db, partnership.id, number, actionId))) throw notFound();
    const assessment = assessmentId ? await findAssessment(app.db, partnership.id, assessmentId) : undefined;
    return reply.notice(`Statement ${number} unlinked from the action`).redirect(assessment ? `${base(partnership.slug)}/${assessment.id}#statement-${number}` : base(partnership.slug), 303);
  });
}
