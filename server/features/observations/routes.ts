import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { periodTypeLabel, type Period } from '../../analysis/periods.ts';
import { notFound } from '../../http-errors.ts';
import { roleAtLeast } from '../../plugins/auth.ts';
import type { IndicatorSection } from '../../plugins/extensions.ts';
import * as format from '../../format.ts';
import { listPriorities } from '../partnerships/queries.ts';
import { describeFigure, sameFigure } from './figure.ts';
import {
  countAudit,
  findAudit,
  findIndicatorForData,
  findPartnershipThreshold,
  listAudit,
  listProgrammes,
  listObservationsOfSeries,
  listSeriesOfIndicators,
  type AuditRecord,
  type IndicatorForData,
} from './queries.ts';
import {
  buildSheet,
  conflictViews,
  parsePeriodChoice,
  periodChoice,
  periodGroups,
  readForm,
  savedValues,
  unitOf,
  type ConflictView,
  type FormError,
  type FormValues,
  type SheetIndicator,
} from './returns.ts';
import { isSmallNumber } from './small-numbers.ts';
import { figureOf, saveObservations } from './write.ts';

const slugParams = z.object({ slug: z.string() });
const codeParams = slugParams.extend({ code: z.string().min(1).max(64) });
const restoreParams = codeParams.extend({ auditId: z.uuid() });
const returnsQuery = z.object({
  period: z.string().max(64).optional(),
  priority: z.string().max(64).optional(),
  saved: z.coerce.number().int().min(0).optional(),
});
const historyQuery = z.object({
  series: z.string().max(20).optional(),
  period: z.string().max(20).optional(),
  restored: z.string().max(5).optional(),
});

function parseParams<T extends z.ZodType>(schema: T, params: unknown): z.infer<T> {
  const parsed = schema.safeParse(params);
  if (!parsed.success) throw notFound();
  return parsed.data;
}

const VIA_TEXT: Record<string, string> = { form: 'data entry form', import: 'import', api: 'API', restore: 'restored by a manager' };

export default async function observationRoutes(app: FastifyInstance) {
  app.partnershipNav.push({ key: 'returns', text: 'Enter data', order: 20, role: 'officer', href: (slug) => `/p/${slug}/returns` });
  app.indicatorSections.push(historySection);

  // ---- the quarterly return ----

  /** The filter: a priority's id, or `programme:<id>` for a programme's performance measures. Unknown ids show everything. */
  async function priorityFilter(partnershipId: string, wanted: string | undefined) {
    const [priorities, programmes] = await Promise.all([listPriorities(app.db, partnershipId), listProgrammes(app.db, partnershipId)]);
    const priority = priorities.find((p) => p.id === wanted);
    const programme = programmes.find((p) => `programme:${p.id}` === wanted);
    const place = priority ? { priorityId: priority.id } : programme ? { programmeId: programme.id } : {};
    return { priorities, programmes, priorityId: priority ? priority.id : programme ? `programme:${programme.id}` : undefined, place };
  }

  async function renderReturns(
    reply: FastifyReply,
    args: {
      period: Period | null;
      priorityId?: string;
      priorities: { id: string; title: string }[];
      programmes: { id: string; name: string }[];
      sheet: SheetIndicator[];
      values: FormValues;
      errors: FormError[];
      conflicts: ConflictView[];
      saved?: number;
      periodError?: string;
      status?: number;
    },
  ) {
    const partnership = reply.request.access!.partnership;
    const groups = await periodGroups(app.db, partnership.id);
    return reply.code(args.status ?? 200).view('observations/returns', {
      pageTitle: args.period ? `Enter data for ${args.period.label}` : 'Enter data',
      partnership,
      groups,
      period: args.period ? { choice: periodChoice(args.period), label: args.period.label, typeLabel: periodTypeLabel(args.period.type) } : null,
      priorities: args.priorities,
      programmes: args.programmes,
      priorityId: args.priorityId ?? '',
      sheet: args.sheet.map((s) => ({
        indicator: s.indicator,
        spec: { unit: s.indicator.unit, decimals: s.indicator.decimals, rateBase: s.indicator.rate_base },
        rows: s.rows.map((r) => ({
          id: r.series.id,
          name: r.name,
          label: r.series.label,
          role: r.series.role,
          previous: r.previous,
          lastYear: r.lastYear,
          saved: r.saved
            ? { text: describeFigure(figureOf(r.saved), unitOf(r.indicator)), by: r.saved.updated_by_name, at: r.saved.updated_at ? format.dateTime(r.saved.updated_at) : '' }
            : null,
          conflict:
            args.conflicts.find((c) => c.seriesId === r.series.id) ??
            // Sent back without a choice: keep asking, against the figure saved now.
            (args.values[`conflict-${r.series.id}`] === '1'
              ? {
                  seriesId: r.series.id,
                  name: r.name,
                  yours: 'the figure in the boxes below',
                  theirs: r.saved ? describeFigure(figureOf(r.saved), unitOf(r.indicator)) : 'no figure',
                  by: r.saved?.updated_by_name ?? 'someone',
                  at: r.saved ? format.dateTime(r.saved.updated_at) : '',
                }
              : null),
        })),
      })),
      values: args.values,
      errors: args.errors,
      conflicts: args.conflicts,
      saved: args.saved,
      periodError: args.periodError,
    });
  }

  app.get('/p/:slug/returns', { config: { access: 'officer' } }, async (request, reply) => {
    const query = returnsQuery.parse(request.query);
    const partnershipId = request.access!.partnership.id;
    const { priorities, programmes, priorityId, place } = await priorityFilter(partnershipId, query.priority);
    const period = parsePeriodChoice(query.period);
    if (!period) {
      return renderReturns(reply, {
        period: null,
        priorities,
        programmes,
        priorityId,
        sheet: [],
        values: {},
        errors: query.period ? [{ field: 'period', text: 'Choose a period from the list' }] : [],
        conflicts: [],
        status: query.period ? 400 : 200,
      });
    }
    const sheet = await buildSheet(app.db, partnershipId, period, place);
    return renderReturns(reply, { period, priorities, programmes, priorityId, sheet, values: savedValues(sheet.flatMap((s) => s.rows)), errors: [], conflicts: [], saved: query.saved });
  });

  app.post('/p/:slug/returns', { config: { access: 'officer' } }, async (request, reply) => {
    const body = (request.body ?? {}) as FormValues;
    const partnershipId = request.access!.partnership.id;
    const { priorities, programmes, priorityId, place } = await priorityFilter(partnershipId, typeof body.priority === 'string' ? body.priority : undefined);
    const period = parsePeriodChoice(typeof body.period === 'string' ? body.period : undefined);
    if (!period) {
      return renderReturns(reply, { period: null, priorities, programmes, priorityId, sheet: [], values: {}, errors: [{ field: 'period', text: 'Choose a period from the list' }], conflicts: [], status: 400 });
    }
    const sheet = await buildSheet(app.db, partnershipId, period, place);
    const rows = sheet.flatMap((s) => s.rows);
    // The person's own input is what the page shows again, whatever happens next.
    const values: FormValues = {};
    for (const [k, v] of Object.entries(body)) if (typeof v === 'string') values[k] = v;
    const { errors, items } = readForm(rows, values, period);
    if (errors.length) return renderReturns(reply, { period, priorities, programmes, priorityId, sheet, values, errors, conflicts: [], status: 400 });

    const outcome = await saveObservations(app.db, { partnershipId, userId: request.caller!.user.id, via: 'form' }, items);
    if (!outcome.ok) {
      const conflicts = conflictViews(rows, outcome.conflicts, values);
      const fresh = await buildSheet(app.db, partnershipId, period, place);
      return renderReturns(reply, {
        period,
        priorities,
        programmes,
        priorityId,
        sheet: fresh,
        values,
        errors: conflicts.map((c) => ({ field: `keep-${c.seriesId}`, text: `${c.name}, ${period.label}: ${c.by} saved ${c.theirs} while you were editing — choose which figure to keep` })),
        conflicts,
        status: 409,
      });
    }
    const changed = outcome.results.filter((r) => r.action !== 'unchanged').length;
    const query = new URLSearchParams({ period: periodChoice(period), ...(priorityId ? { priority: priorityId } : {}), saved: String(changed) });
    return reply.redirect(`/p/${request.access!.partnership.slug}/returns?${query}`, 303);
  });

  // ---- a value's history, and restoring an earlier figure ----

  async function renderHistory(reply: FastifyReply, indicator: IndicatorForData, filter: { series?: string; period?: string }, extra: { restored?: boolean; error?: string; status?: number } = {}) {
    const { partnership, role } = reply.request.access!;
    const series = await listSeriesOfIndicators(app.db, partnership.id, [indicator.id]);
    const chosenSeries = series.find((s) => s.role === filter.series);
    const [entries, current, threshold] = await Promise.all([
      listAudit(app.db, partnership.id, indicator.id, { seriesId: chosenSeries?.id, periodKey: filter.period, limit: 1000 }),
      listObservationsOfSeries(app.db, partnership.id, series.map((s) => s.id)),
      findPartnershipThreshold(app.db, partnership.id),
    ]);
    const canRestore = roleAtLeast(role, 'manager');
    const hideSmall = !roleAtLeast(role, 'officer');
    const currentOf = (e: AuditRecord) => current.find((o) => o.series_id === e.series_id && o.period_key === e.period_key) ?? null;
    return reply.code(extra.status ?? 200).view('observations/history', {
      pageTitle: `Changes to the figures: ${indicator.title}`,
      partnership,
      indicator,
      filter: { series: chosenSeries?.role ?? '', period: filter.period ?? '', seriesLabel: chosenSeries?.label ?? '' },
      entries: entries.map((e) => entryView(indicator, e, currentOf(e), { canRestore, hideSmall, threshold })),
      restored: extra.restored ?? false,
      error: extra.error ?? null,
    });
  }

  app.get('/p/:slug/indicators/:code/history', { config: { access: 'viewer' } }, async (request, reply) => {
    const { code } = parseParams(codeParams, request.params);
    const query = historyQuery.parse(request.query);
    const indicator = await findIndicatorForData(app.db, request.access!.partnership.id, code);
    if (!indicator) throw notFound();
    return renderHistory(reply, indicator, query, { restored: query.restored === '1' });
  });

  app.post('/p/:slug/indicators/:code/history/:auditId/restore', { config: { access: 'manager' } }, async (request, reply) => {
    const { code, auditId } = parseParams(restoreParams, request.params);
    const { partnership } = request.access!;
    const body = z.object({ version: z.string().max(12).optional() }).parse(request.body ?? {});
    const indicator = await findIndicatorForData(app.db, partnership.id, code);
    if (!indicator) throw notFound();
    const entry = await findAudit(app.db, partnership.id, indicator.id, auditId);
    if (!entry) throw notFound();
    const back = { series: entry.series_role, period: entry.period_key };
    if (entry.result !== 'saved' || !entry.old) {
      return renderHistory(reply, indicator, back, { error: 'There is no earlier figure to restore from this change.', status: 400 });
    }
    const expectedVersion = body.version && /^\d+$/.test(body.version) ? Number(body.version) : null;
    const outcome = await saveObservations(app.db, { partnershipId: partnership.id, userId: request.caller!.user.id, via: 'restore' }, [
      {
        indicatorId: indicator.id,
        seriesId: entry.series_id,
        role: entry.series_role,
        period: { key: entry.period_key, position: entry.period_position, label: entry.period_label },
        figure: entry.old,
        expectedVersion,
      },
    ]);
    if (!outcome.ok) {
      const current = outcome.conflicts[0]!.current;
      const who = current?.updated_by_name ?? 'someone';
      return renderHistory(reply, indicator, back, {
        error: `Nothing was restored: ${who} changed this figure to ${describeFigure(current ? figureOf(current) : null, unitOf(indicator))} after you opened the page. Look at the latest change below and restore again if you still want to.`,
        status: 409,
      });
    }
    const query = new URLSearchParams({ series: back.series, period: back.period, restored: '1' });
    return reply.redirect(`/p/${partnership.slug}/indicators/${encodeURIComponent(indicator.code)}/history?${query}`, 303);
  });
}

function entryView(
  indicator: IndicatorForData,
  e: AuditRecord,
  current: Awaited<ReturnType<typeof listObservationsOfSeries>>[number] | null,
  options: { canRestore: boolean; hideSmall: boolean; threshold: number | null },
) {
  const unit = unitOf(indicator);
  const show = (figure: AuditRecord['old']) => {
    if (!figure) return 'no figure';
    if (options.hideSmall && isSmallNumber({ role: e.series_role, value: figure.value, marker: figure.marker, numerator: figure.numerator }, indicator.unit, options.threshold)) {
      return `c (${format.MARKERS.c.label})`;
    }
    return describeFigure(figure, unit);
  };
  const restorable = options.canRestore && e.result === 'saved' && !!e.old && !!current && !sameFigure(e.old, figureOf(current));
  return {
    id: e.id,
    at: format.dateTime(e.at),
    who: e.user_name ?? 'a removed account',
    series: e.series_label,
    role: e.series_role,
    period: e.period_label,
    periodKey: e.period_key,
    how: VIA_TEXT[e.via] ?? e.via,
    saved: e.result === 'saved',
    old: show(e.old),
    new: show(e.new),
    note: e.new.note,
    restorable,
    currentVersion: current?.version ?? null,
  };
}

/** The latest changes on the indicator page, with a link to every change. */
const historySection: IndicatorSection = {
  key: 'history',
  order: 40,
  template: 'observations/history-section',
  async load({ db, partnership, role, indicator }) {
    const [entries, total, threshold] = await Promise.all([
      listAudit(db, partnership.id, indicator.id, { limit: 8 }),
      countAudit(db, partnership.id, indicator.id),
      findPartnershipThreshold(db, partnership.id),
    ]);
    const unitIndicator = { ...indicator, unit: indicator.unit, rate_base: indicator.rate_base, decimals: indicator.decimals } as IndicatorForData;
    return {
      historyEntries: entries.map((e) => entryView(unitIndicator, e, null, { canRestore: false, hideSmall: !roleAtLeast(role, 'officer'), threshold })),
      historyTotal: total,
      historyHref: `/p/${partnership.slug}/indicators/${encodeURIComponent(indicator.code)}/history`,
      canEnter: roleAtLeast(role, 'officer'),
      returnsHref: `/p/${partnership.slug}/returns`,
    };
  },
};
