// The JSON API for a partnership's structure and figures (issue 6 §5). Errors name the item and the field.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { PERIOD_TYPES } from '../../analysis/periods.ts';
import { inPartnershipTransaction } from '../../db/transaction.ts';
import { HttpError, notFound } from '../../http-errors.ts';
import { roleAtLeast } from '../../plugins/auth.ts';
import { planIndicatorFigures, writeItemsFor, type RawItem } from '../observations/plan.ts';
import {
  findIndicatorForData,
  findPartnershipThreshold,
  listObservationsOfSeries,
  listSeriesOfIndicators,
} from '../observations/queries.ts';
import { suppressSmallNumbers } from '../observations/small-numbers.ts';
import { recordConflicts, WriteConflict, writeObservations, type WriteResult } from '../observations/write.ts';
import {
  createIndicator,
  createOutcome,
  createPriority,
  findOutcome,
  findPriorityById,
  indicatorCodeTaken,
  partnershipAreaName,
  readStructure,
} from './queries.ts';

const slugParams = z.object({ slug: z.string() });
const codeParams = slugParams.extend({ code: z.string().min(1).max(64) });

export interface ApiProblem {
  item?: number;
  field: string;
  message: string;
}

/** 422 with every problem: `{ error: 'invalid', message, errors: [{ item?, field, message }] }`. */
export function sendInvalid(reply: FastifyReply, errors: ApiProblem[]) {
  const first = errors.slice(0, 3).map((e) => `${e.item !== undefined ? `item ${e.item}, ` : ''}${e.field}: ${e.message}`);
  const more = errors.length > 3 ? ` (and ${errors.length - 3} more)` : '';
  return reply.code(422).send({ error: 'invalid', message: `${first.join('; ')}${more}`, errors, requestId: reply.request.id });
}

function zodProblems(error: z.ZodError, itemIndex?: number): ApiProblem[] {
  return error.issues.map((issue) => {
    const path = [...issue.path];
    let item = itemIndex;
    if (typeof path[0] === 'number') item = path.shift() as number;
    const field = path.length ? path.join('.') : 'body';
    let message = issue.message;
    if (issue.code === 'invalid_value' && 'values' in issue) message = `must be one of ${(issue.values as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    else if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) message = 'is required';
    else if (issue.code === 'unrecognized_keys') message = `unknown field(s): ${issue.keys.join(', ')}`;
    return item !== undefined ? { item, field, message } : { field, message };
  });
}

const title = z.string({ error: 'is required' }).trim().min(1, 'is required').max(300, 'must be at most 300 characters');
const outcomeBody = z.object({ title, description: z.string().max(5000).optional() }).strict();
const priorityBody = z.object({ outcomeId: z.string({ error: 'is required' }), title, description: z.string().max(5000).optional() }).strict();
const indicatorBody = z
  .object({
    priorityId: z.string({ error: 'is required' }),
    code: z.string({ error: 'is required' }).trim().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be 1 to 64 letters, digits, _ . or -, starting with a letter or digit'),
    title,
    unit: z.enum(['percentage', 'rate', 'count', 'score', 'ratio']),
    polarity: z.enum(['higher', 'lower', 'neutral']),
    periodType: z.enum(PERIOD_TYPES),
    kind: z.enum(['single', 'gap']),
    decimals: z.number().int('must be a whole number').min(0).max(6).optional(),
    rateBase: z.number().int('must be a whole number').positive().optional(),
    definition: z.string().max(20000).optional(),
    source: z.string().max(2000).optional(),
    sourceUrl: z.url().max(2000).optional(),
    licence: z.string().max(300).optional(),
    rank: z.enum(['headline', 'secondary', 'data_development']).optional(),
    focusLabel: z.string().trim().min(1).max(200).optional(),
    comparisonLabel: z.string().trim().min(1).max(200).optional(),
  })
  .strict();

// Any JSON number passes here, even one JSON.parse made infinite (1e309): the figure check (observations/figure.ts)
// refuses what cannot be stored, with the same words as the form and the CSV import.
const numberOrText = z.union([z.custom<number>((v) => typeof v === 'number'), z.string().max(100), z.null()]).optional();
const observationItem = z
  .object({
    series: z.string({ error: 'is required' }).max(20),
    period: z.string({ error: 'is required' }).max(40),
    value: numberOrText,
    marker: z.union([z.string().max(10), z.null()]).optional(),
    status: z.union([z.string().max(20), z.null()]).optional(),
    numerator: numberOrText,
    denominator: numberOrText,
    // Its length is checked by the figure check, which states the limit it enforces (NOTE_MAX).
    note: z.union([z.string(), z.null()]).optional(),
    version: z.union([z.number().int().min(0), z.null()]).optional(),
  })
  .strict();
const MAX_ITEMS = 5000;

export default async function structureApiRoutes(app: FastifyInstance) {
  app.get('/api/v1/partnerships/:slug', { config: { access: 'viewer' } }, async (request) => {
    const { partnership, outcomes, priorities, indicators } = await readStructure(app.db, request.access!.partnership.id);
    return {
      slug: partnership.slug,
      name: partnership.name,
      laName: partnership.la_name,
      laCode: partnership.la_code,
      laNumber: partnership.la_number,
      role: request.access!.role,
      outcomes: outcomes.map((o) => ({
        id: o.id,
        title: o.title,
        priorities: priorities
          .filter((p) => p.outcome_id === o.id)
          .map((p) => ({
            id: p.id,
            title: p.title,
            indicators: indicators.filter((i) => i.priority_id === p.id).map((i) => ({ code: i.code, title: i.title, unit: i.unit, polarity: i.polarity, periodType: i.period_type, kind: i.kind, rank: i.rank })),
          })),
      })),
    };
  });

  app.post('/api/v1/partnerships/:slug/outcomes', { config: { access: 'manager' } }, async (request, reply) => {
    const parsed = outcomeBody.safeParse(request.body ?? {});
    if (!parsed.success) return sendInvalid(reply, zodProblems(parsed.error));
    const outcome = await createOutcome(app.db, request.access!.partnership.id, parsed.data);
    return reply.code(201).send({ id: outcome.id, title: outcome.title });
  });

  app.post('/api/v1/partnerships/:slug/priorities', { config: { access: 'manager' } }, async (request, reply) => {
    const parsed = priorityBody.safeParse(request.body ?? {});
    if (!parsed.success) return sendInvalid(reply, zodProblems(parsed.error));
    const partnershipId = request.access!.partnership.id;
    const outcome = z.uuid().safeParse(parsed.data.outcomeId).success ? await findOutcome(app.db, partnershipId, parsed.data.outcomeId) : undefined;
    if (!outcome) throw new HttpError(404, `outcomeId: there is no outcome ${parsed.data.outcomeId} in this partnership`);
    const priority = await createPriority(app.db, partnershipId, parsed.data);
    return reply.code(201).send({ id: priority.id, outcomeId: priority.outcome_id, title: priority.title });
  });

  app.post('/api/v1/partnerships/:slug/indicators', { config: { access: 'manager' } }, async (request, reply) => {
    const parsed = indicatorBody.safeParse(request.body ?? {});
    if (!parsed.success) return sendInvalid(reply, zodProblems(parsed.error));
    const input = parsed.data;
    const partnershipId = request.access!.partnership.id;
    const priority = z.uuid().safeParse(input.priorityId).success ? await findPriorityById(app.db, partnershipId, input.priorityId) : undefined;
    if (!priority) throw new HttpError(404, `priorityId: there is no priority ${input.priorityId} in this partnership`);
    const problems: ApiProblem[] = [];
    if (input.unit === 'rate' && !input.rateBase) problems.push({ field: 'rateBase', message: 'is required for a rate (per 1,000: 1000)' });
    if (input.unit !== 'rate' && input.rateBase) problems.push({ field: 'rateBase', message: 'is only for a rate' });
    if (input.kind !== 'gap' && (input.focusLabel || input.comparisonLabel)) problems.push({ field: input.focusLabel ? 'focusLabel' : 'comparisonLabel', message: 'is only for a gap indicator' });
    if (input.kind === 'gap' && input.polarity === 'neutral') problems.push({ field: 'polarity', message: 'must be "higher" or "lower" for a gap indicator: the gap is how far the focus group is behind, which needs a better direction' });
    if (problems.length) return sendInvalid(reply, problems);
    // Checked and created under the partnership's data lock: two requests for one code get a 201 and a 409, and an
    // indicator is never left without its series.
    const indicator = await inPartnershipTransaction(app.db, partnershipId, async (trx) =>
      (await indicatorCodeTaken(trx, partnershipId, input.code)) ? null : createIndicator(trx, partnershipId, { ...input, sourceText: input.source }),
    );
    if (!indicator) {
      return reply.code(409).send({ error: 'conflict', message: `code: there is already an indicator ${input.code} in this partnership`, errors: [{ field: 'code', message: 'is already used' }], requestId: request.id });
    }
    return reply.code(201).send(indicatorJson(indicator));
  });

  app.get('/api/v1/partnerships/:slug/indicators/:code/observations', { config: { access: 'viewer' } }, async (request) => {
    const { code } = codeParams.parse(request.params);
    const { partnership, role } = request.access!;
    const indicator = await findIndicatorForData(app.db, partnership.id, code);
    if (!indicator) throw notFound(`There is no indicator ${code} in this partnership`);
    const [series, threshold] = await Promise.all([listSeriesOfIndicators(app.db, partnership.id, [indicator.id]), findPartnershipThreshold(app.db, partnership.id)]);
    const observations = await listObservationsOfSeries(app.db, partnership.id, series.map((s) => s.id));
    // Viewers see the figures as published (small numbers suppressed); officers and above see what is stored.
    const shown = roleAtLeast(role, 'officer') ? observations : suppressSmallNumbers(observations.map((o) => ({ ...o, role: series.find((s) => s.id === o.series_id)!.role })), indicator.unit, threshold);
    return {
      indicator: indicatorJson(indicator),
      series: series.map((s) => ({
        role: s.role,
        label: s.label,
        observations: shown
          .filter((o) => o.series_id === s.id)
          .map((o) => ({ period: o.period_label, value: o.value, marker: o.marker, status: o.status, numerator: o.numerator, denominator: o.denominator, note: o.note, version: o.version, updatedAt: o.updated_at })),
      })),
    };
  });

  app.put('/api/v1/partnerships/:slug/indicators/:code/observations', { config: { access: 'officer' } }, async (request, reply) => {
    const { code } = codeParams.parse(request.params);
    const { partnership } = request.access!;
    const indicator = await findIndicatorForData(app.db, partnership.id, code);
    if (!indicator) throw notFound(`There is no indicator ${code} in this partnership`);
    const body = request.body as unknown;
    const list = Array.isArray(body) ? body : body && typeof body === 'object' && Array.isArray((body as { observations?: unknown }).observations) ? (body as { observations: unknown[] }).observations : null;
    if (!list) return sendInvalid(reply, [{ field: 'body', message: 'must be an array of observations: [{ series, period, value | marker, status?, numerator?, denominator?, note?, version? }]' }]);
    if (list.length === 0) return sendInvalid(reply, [{ field: 'body', message: 'is an empty list: nothing to write' }]);
    if (list.length > MAX_ITEMS) return sendInvalid(reply, [{ field: 'body', message: `has ${list.length} items: send at most ${MAX_ITEMS} at a time` }]);

    const problems: ApiProblem[] = [];
    const raws: RawItem<number>[] = [];
    list.forEach((entry, index) => {
      const parsed = observationItem.safeParse(entry);
      if (!parsed.success) {
        problems.push(...zodProblems(parsed.error, index));
        return;
      }
      const i = parsed.data;
      raws.push({
        ref: index,
        series: i.series,
        period: i.period,
        raw: { value: i.value, marker: i.marker, status: i.status, numerator: i.numerator, denominator: i.denominator, note: i.note },
        // A version names the figure the writer saw (0: none); without one (absent or null) the write goes over
        // whatever is saved now, last write wins, both audited.
        ...(i.version !== undefined && i.version !== null ? { expectedVersion: i.version === 0 ? null : i.version } : {}),
      });
    });
    const series = await listSeriesOfIndicators(app.db, partnership.id, [indicator.id]);
    const current = await listObservationsOfSeries(app.db, partnership.id, series.map((s) => s.id));
    const { planned, problems: itemProblems } = planIndicatorFigures(indicator, series, current, raws, (ref) => `item ${ref}`);
    problems.push(...itemProblems.map((p) => ({ item: p.ref, field: p.field, message: p.text })));
    if (problems.length) return sendInvalid(reply, problems.sort((a, b) => (a.item ?? -1) - (b.item ?? -1)));

    const context = { partnershipId: partnership.id, userId: request.caller!.user.id, via: 'api' as const };
    const areaName = await partnershipAreaName(app.db, partnership.id);
    let results: WriteResult<number>[];
    try {
      results = await inPartnershipTransaction(app.db, partnership.id, async (trx) => writeObservations(trx, context, await writeItemsFor(trx, areaName, planned)));
    } catch (error) {
      if (!(error instanceof WriteConflict)) throw error;
      await recordConflicts(app.db, context, error.conflicts);
      const conflicts = (error as WriteConflict<number>).conflicts;
      return reply.code(409).send({
        error: 'conflict',
        message: `Nothing was written: ${conflicts.length} figure(s) changed since the version you sent. Read them again and decide.`,
        conflicts: conflicts.map((c) => ({
          item: c.item.ref,
          series: c.item.role,
          period: c.item.period.label,
          yourVersion: c.item.expectedVersion ?? 0,
          current: c.current
            ? { value: c.current.value, marker: c.current.marker, status: c.current.status, numerator: c.current.numerator, denominator: c.current.denominator, note: c.current.note, version: c.current.version, updatedBy: c.current.updated_by_name, updatedAt: c.current.updated_at }
            : null,
        })),
        requestId: request.id,
      });
    }
    const changed = results.filter((r) => r.action !== 'unchanged');
    return {
      indicator: indicator.code,
      written: changed.length,
      unchanged: results.length - changed.length,
      changed: changed
        .sort((a, b) => (a.item.ref ?? 0) - (b.item.ref ?? 0))
        .map((r) => ({
          item: r.item.ref,
          series: r.item.role,
          period: r.item.period.label,
          action: r.action,
          version: r.version,
          before: r.before ? { value: r.before.value, marker: r.before.marker, status: r.before.status, numerator: r.before.numerator, denominator: r.before.denominator, note: r.before.note } : null,
          after: r.item.figure,
        })),
    };
  });
}

function indicatorJson(i: { code: string; title: string; unit: string; rate_base: number | null; decimals: number; polarity: string; period_type: string; kind: string; rank: string; priority_id: string | null; programme_id?: string | null }) {
  return { code: i.code, title: i.title, unit: i.unit, rateBase: i.rate_base, decimals: i.decimals, polarity: i.polarity, periodType: i.period_type, kind: i.kind, rank: i.rank, priorityId: i.priority_id, ...(i.programme_id ? { programmeId: i.programme_id } : {}) };
}

