// Adding an indicator from the benchmark library or from a template, with one button (issue 15): the measure comes
// through the benchmark import (stored, then applied, so its figures are audited as imported), a template's indicator
// as applying the template makes it. Lives here, above the indicator module, the imports and the templates it
// composes, so that none of them needs to know about the others.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { inPartnershipTransaction } from '../../db/transaction.ts';
import type { FieldError } from '../../forms/forms.ts';
import { notFound } from '../../http-errors.ts';
import * as format from '../../format.ts';
import { callerIn, type Caller } from '../conversation/context.ts';
import { applyImport, storePlan } from '../imports/apply.ts';
import { buildLaitImport, findMeasures, indicatorCodeFor, loadBenchmark, NEIGHBOUR_MODELS, type Benchmark } from '../imports/benchmark.ts';
import { createImport, findPartnershipArea } from '../imports/queries.ts';
import { findPriorityInPartnership, indicatorCodesTaken, indicatorCodeTaken, listPriorityChoices } from '../indicators/queries.ts';
import { addTemplateIndicator, listTemplateIndicators, TemplateError } from './index.ts';

/** How many of the library's measures a search shows at once. */
const LIBRARY_SHOWN = 50;

const priorityQuery = z.object({ priority: z.string().max(100).optional(), q: z.string().max(200).optional() });

export default async function addIndicatorRoutes(app: FastifyInstance) {
  const indicatorHref = (caller: Caller, code: string) => `/p/${caller.partnership.slug}/indicators/${encodeURIComponent(code)}`;
  const actorOf = (caller: Caller) => ({ userId: caller.userId, via: 'form' as const });

  let benchmark: Promise<Benchmark> | null = null;
  const getBenchmark = () => {
    benchmark ??= loadBenchmark().catch((error) => {
      benchmark = null;
      throw error;
    });
    return benchmark;
  };

  async function renderLibrary(reply: FastifyReply, caller: Caller, priorityId: string, q: string, errors: FieldError[] = [], status = 200) {
    const [bench, priorities, templateIndicators] = await Promise.all([getBenchmark(), listPriorityChoices(app.db, caller.partnershipId), listTemplateIndicators()]);
    const words = q.toLowerCase().split(/\s+/).filter(Boolean);
    const matches = (text: string) => words.every((w) => text.toLowerCase().includes(w));
    const found = await findMeasures(bench, q, LIBRARY_SHOWN);
    const suggested = templateIndicators.filter((i) => matches(`${i.spec.title} ${i.spec.code} ${i.templateName}`));
    const used = new Set(await indicatorCodesTaken(app.db, caller.partnershipId, [...found.shown.map((m) => m.indicatorCode), ...suggested.map((i) => i.spec.code)]));
    return reply.code(status).view('indicators/from-library', {
      pageTitle: 'Add an indicator from the benchmark library or a template',
      partnership: caller.partnership,
      q,
      priorityId,
      priorityOptions: [{ value: '', text: 'Choose a priority' }, ...priorities.map((p) => ({ value: p.id, text: `${p.outcome_title}: ${p.title}` }))],
      total: found.total,
      libraryTotal: bench.measures.length,
      measures: found.shown.map((m) => ({
        code: m.code,
        indicatorCode: m.indicatorCode,
        title: m.title,
        topics: m.topics,
        summary: m.summary,
        unit: format.unitName[m.unit],
        polarity: format.polarityLabel[m.polarity],
        periods: m.periods,
        notUnderstood: m.notUnderstood,
        added: used.has(m.indicatorCode) ? indicatorHref(caller, m.indicatorCode) : null,
      })),
      templateIndicators: suggested.map((i) => ({
        templateKey: i.templateKey,
        templateName: i.templateName,
        code: i.spec.code,
        title: i.spec.title,
        unit: format.unitName[i.spec.unit],
        polarity: format.polarityLabel[i.spec.polarity],
        added: used.has(i.spec.code) ? indicatorHref(caller, i.spec.code) : null,
      })),
      formAction: `/p/${caller.partnership.slug}/plan/indicators/from-library`,
      newHref: `/p/${caller.partnership.slug}/plan/indicators/new${priorityId ? `?priority=${encodeURIComponent(priorityId)}` : ''}`,
      importHref: `/p/${caller.partnership.slug}/data/benchmark`,
      errors,
    });
  }

  app.get('/p/:slug/plan/indicators/from-library', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const query = priorityQuery.safeParse(request.query ?? {});
    const priorityId = query.success ? (query.data.priority ?? '') : '';
    if (priorityId && !(await findPriorityInPartnership(app.db, caller.partnershipId, priorityId))) throw notFound();
    return renderLibrary(reply, caller, priorityId, query.success ? (query.data.q ?? '').trim() : '');
  });

  const libraryForm = z.object({
    measure: z.string().max(100).optional(),
    template: z.string().max(100).optional(),
    code: z.string().max(64).optional(),
    priorityId: z.string().max(100),
    q: z.string().max(200).optional(),
  });

  app.post('/p/:slug/plan/indicators/from-library', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const parsed = libraryForm.safeParse(request.body ?? {});
    const q = parsed.success ? (parsed.data.q ?? '').trim() : '';
    if (!parsed.success) return renderLibrary(reply, caller, '', q, [{ field: 'priorityId', text: 'Choose a priority, then a measure to add' }], 400);
    const { measure: measureCode, priorityId } = parsed.data;
    if (!priorityId) return renderLibrary(reply, caller, '', q, [{ field: 'priorityId', text: 'Choose the priority the indicator goes under' }], 400);
    if (!(await findPriorityInPartnership(app.db, caller.partnershipId, priorityId))) throw notFound();
    if (parsed.data.template !== undefined) {
      // One of a template's indicators, made as applying the template makes it (with its history, when there is one).
      const { template, code = '' } = parsed.data;
      try {
        await inPartnershipTransaction(app.db, caller.partnershipId, (trx) => addTemplateIndicator(trx, caller.partnershipId, priorityId, template, code, actorOf(caller)));
      } catch (error) {
        if (!(error instanceof TemplateError)) throw error;
        return renderLibrary(reply, caller, priorityId, q, [{ field: 'q', text: error.message }], 400);
      }
      return reply.redirect(indicatorHref(caller, code), 303);
    }
    const bench = await getBenchmark();
    const measure = measureCode ? bench.byCode.get(measureCode) : undefined;
    if (!measure) return renderLibrary(reply, caller, priorityId, q, [{ field: 'q', text: 'Choose a measure from the list' }], 400);
    const code = indicatorCodeFor(measure);
    if (await indicatorCodeTaken(app.db, caller.partnershipId, code)) {
      return renderLibrary(reply, caller, priorityId, q, [{ field: 'q', text: `The partnership already has ${code}: open it from the list, or import newer figures from Import and export` }], 400);
    }
    const area = await findPartnershipArea(app.db, caller.partnershipId);
    const { authorities } = await bench.load([measure.code]);
    const authority = authorities.find((a) => a.laNumber === area.la_number) ?? authorities.find((a) => a.name === area.la_name);
    if (!authority) {
      return renderLibrary(reply, caller, priorityId, q, [{ field: 'q', text: 'The benchmark library does not know this partnership’s local authority: use “Import from the benchmark library” to choose the authority whose figures to take' }], 400);
    }
    // The newest statistical-neighbour model that has the authority.
    let built = null;
    for (const model of [...NEIGHBOUR_MODELS].reverse()) {
      const options = { laNumber: authority.laNumber, modelKey: model.key, measureCodes: [measure.code], priorityId };
      const attempt = await buildLaitImport(app.db, caller.partnershipId, bench, options);
      if (attempt.problems.some((p) => p.field === 'model')) continue;
      built = { attempt, options };
      break;
    }
    if (!built || built.attempt.problems.length || built.attempt.newIndicators.length !== 1) {
      const text = built?.attempt.problems[0]?.text ?? 'The benchmark library has no figures for this measure and authority';
      return renderLibrary(reply, caller, priorityId, q, [{ field: 'q', text }], 400);
    }
    // The same path as an import from the benchmark library: stored, then applied, so that the figures are audited
    // as imported and the import is listed with the others.
    const plan = storePlan(built.attempt);
    const importId = await createImport(app.db, {
      partnershipId: caller.partnershipId,
      kind: 'lait',
      status: 'preview',
      fileName: 'DfE Local Authority Interactive Tool library (seeds/benchmark/lait-full.csv.gz)',
      mapping: built.options as unknown as Record<string, unknown>,
      plan,
      summary: plan.counts,
      userId: caller.userId,
    });
    const outcome = await applyImport(app.db, { partnershipId: caller.partnershipId, userId: caller.userId, importId }, built.attempt, plan.versions);
    if (!outcome.ok) return renderLibrary(reply, caller, priorityId, q, [{ field: 'q', text: 'Someone changed this partnership’s figures at the same moment: try again' }], 409);
    return reply.redirect(indicatorHref(caller, code), 303);
  });

}
