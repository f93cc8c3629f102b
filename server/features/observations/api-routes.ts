// An indicator's figures through the JSON API: read them (as published for a viewer, as stored for an officer) and
// write a batch through the one write path (observations/write.ts), all or nothing, each figure checked as the
// form and the CSV import check it, with optimistic versions per figure. Targets are the series with role "target".
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { inPartnershipTransaction } from '../../db/transaction.ts';
import { HttpError, notFound } from '../../http-errors.ts';
import type { ApiDoc } from '../../openapi/describe.ts';
import { apiErrorBody, apiInvalidBody, sendInvalid, zodProblems, type ApiProblem } from '../../openapi/problems.ts';
import { roleAtLeast } from '../../plugins/auth.ts';
import { partnershipAreaName } from '../indicators/queries.ts';
import { planIndicatorFigures, writeItemsFor, type RawItem } from './plan.ts';
import { findIndicatorForData, findPartnershipThreshold, listObservationsOfSeries, listSeriesOfIndicators } from './queries.ts';
import { suppressSmallNumbers } from './small-numbers.ts';
import { recordConflicts, WriteConflict, writeObservations, type WriteResult } from './write.ts';

const codeParams = z.object({
  slug: z.string().meta({ description: 'The partnership’s short name, as in its address' }),
  code: z.string().min(1).max(64).meta({ description: 'The indicator’s code' }),
});

function codeOf(params: unknown) {
  const parsed = codeParams.safeParse(params);
  if (!parsed.success) throw new HttpError(404, 'No such indicator');
  return parsed.data;
}

// Any JSON number passes here, even one JSON.parse made infinite (1e309): the figure check (observations/figure.ts)
// refuses what cannot be stored, with the same words as the form and the CSV import.
const numberOrText = z.union([z.custom<number>((v) => typeof v === 'number'), z.string().max(100), z.null()]).optional();
export const observationItem = z
  .object({
    series: z.string({ error: 'is required' }).max(20).meta({ description: 'local, focus, comparison, england, region, neighbours or target' }),
    period: z.string({ error: 'is required' }).max(40).meta({ description: 'The period label, e.g. "2023/24", "2024 Q3", "2025-03"' }),
    value: numberOrText,
    marker: z.union([z.string().max(10), z.null()]).optional().meta({ description: 'Instead of a value: c (suppressed), x (not available), z (not applicable), ..' }),
    status: z.union([z.string().max(20), z.null()]).optional().meta({ description: 'provisional, revised or final' }),
    numerator: numberOrText,
    denominator: numberOrText,
    // Its length is checked by the figure check, which states the limit it enforces (NOTE_MAX).
    note: z.union([z.string(), z.null()]).optional(),
    version: z.union([z.number().int().min(0), z.null()]).optional().meta({ description: 'The version of the figure you read (0: there was none). Absent or null: last write wins.' }),
  })
  .strict();
const MAX_ITEMS = 5000;

const figureJson = z.object({
  period: z.string(),
  value: z.number().nullable(),
  marker: z.string().nullable(),
  status: z.string(),
  numerator: z.number().nullable(),
  denominator: z.number().nullable(),
  note: z.string(),
  version: z.number().int(),
  updatedAt: z.string(),
});

const getDoc: ApiDoc = {
  summary: 'An indicator’s figures, by series',
  description: 'Viewers see the figures as published (small numbers suppressed); officers and above see what is stored.',
  tags: ['Figures'],
  params: codeParams,
  responses: {
    200: { description: 'The indicator and its series', schema: z.object({ indicator: z.object({ code: z.string(), title: z.string() }).loose(), series: z.array(z.object({ role: z.string(), label: z.string(), observations: z.array(figureJson) })) }) },
    404: { description: 'No indicator with that code in this partnership', schema: apiErrorBody },
  },
};

const putDoc: ApiDoc = {
  summary: 'Write figures for an indicator',
  description: `A list of at most ${MAX_ITEMS} figures (or \`{ observations: [...] }\`), written all or nothing. Send each figure's \`version\` to be told (409) if someone changed it since you read it. Targets are the series "target".`,
  tags: ['Figures'],
  params: codeParams,
  body: z.union([z.array(observationItem), z.object({ observations: z.array(observationItem) })]),
  example: [{ series: 'local', period: '2023/24', value: 18.2, status: 'final', version: 0 }, { series: 'target', period: '2025/26', value: 15 }],
  responses: {
    200: { description: 'Written: what changed, before and after', schema: z.object({ indicator: z.string(), written: z.number().int(), unchanged: z.number().int(), changed: z.array(z.object({}).loose()) }) },
    403: { description: 'Officers, managers and admins write figures' },
    404: { description: 'No indicator with that code in this partnership', schema: apiErrorBody },
    409: { description: 'A figure changed since the version you sent: nothing written', schema: apiErrorBody.extend({ conflicts: z.array(z.object({}).loose()) }) },
    422: { description: 'Items refused (each named by `item` and `field`): nothing written', schema: apiInvalidBody },
  },
};

export default async function observationApiRoutes(app: FastifyInstance) {
  app.get('/api/v1/partnerships/:slug/indicators/:code/observations', { config: { access: 'viewer', openapi: getDoc } }, async (request) => {
    const { code } = codeOf(request.params);
    const { partnership, role } = request.access!;
    const indicator = await findIndicatorForData(app.db, partnership.id, code);
    if (!indicator) throw notFound(`There is no indicator ${code} in this partnership`);
    const [series, threshold] = await Promise.all([listSeriesOfIndicators(app.db, partnership.id, [indicator.id]), findPartnershipThreshold(app.db, partnership.id)]);
    const observations = await listObservationsOfSeries(app.db, partnership.id, series.map((s) => s.id));
    // Viewers see the figures as published (small numbers suppressed); officers and above see what is stored.
    const shown = roleAtLeast(role, 'officer') ? observations : suppressSmallNumbers(observations.map((o) => ({ ...o, role: series.find((s) => s.id === o.series_id)!.role })), indicator.unit, threshold);
    return {
      indicator: { code: indicator.code, title: indicator.title, unit: indicator.unit, rateBase: indicator.rate_base, decimals: indicator.decimals, polarity: indicator.polarity, periodType: indicator.period_type, kind: indicator.kind, rank: indicator.rank, priorityId: indicator.priority_id, ...(indicator.programme_id ? { programmeId: indicator.programme_id } : {}) },
      series: series.map((s) => ({
        role: s.role,
        label: s.label,
        observations: shown
          .filter((o) => o.series_id === s.id)
          .map((o) => ({ period: o.period_label, value: o.value, marker: o.marker, status: o.status, numerator: o.numerator, denominator: o.denominator, note: o.note, version: o.version, updatedAt: o.updated_at })),
      })),
    };
  });

  app.put('/api/v1/partnerships/:slug/indicators/:code/observations', { config: { access: 'officer', openapi: putDoc } }, async (request, reply) => {
    const { code } = codeOf(request.params);
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
        problems.push(...zodProblems(parsed.error).map((p) => ({ item: index, field: p.field, message: p.message })));
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
