import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { periodTypeLabel, type Period } from '../../analysis/periods.ts';
import { notFound } from '../../http-errors.ts';
import type { ApiDoc } from '../../openapi/describe.ts';
import { roleAtLeast } from '../../plugins/auth.ts';
import type { IndicatorSection } from '../../plugins/extensions.ts';
import * as format from '../../format.ts';
import { listPriorities } from '../partnerships/queries.ts';
import { describeFigure, sameFigure } from './figure.ts';
import {
  countAudit,
  describeSeries,
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
  duePeriod,
  parsePeriodChoice,
  periodChoice,
  periodChoiceProblem,
  periodGroups,
  readForm,
  savedValues,
  typedForMissingRows,
  unitOf,
  type ConflictView,
  type FormError,
  type FormValues,
  type SheetIndicator,
} from './returns.ts';
import { isSmallNumber } from './small-numbers.ts';
import { deleteObservation, figureOf, saveObservations } from './write.ts';
import { parseForm, requiredText } from '../../forms/forms.ts';

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
  deleted: z.string().max(5).optional(),
});
const figureParams = codeParams.extend({ role: z.enum(['local', 'focus', 'comparison', 'england', 'region', 'neighbours', 'target']), periodKey: z.string().min(1).max(40) });
/** The reason for deleting a figure: required, and kept in the audit trail. */
export const DELETE_REASON_MAX = 500;
const deleteForm = z.object({
  reason: requiredText(DELETE_REASON_MAX, 'Say why this figure is being deleted', `The reason must be ${DELETE_REASON_MAX} characters or fewer`),
  version: z.preprocess((v) => (typeof v === 'string' ? v : ''), z.string().regex(/^\d{1,9}$/, 'The form was damaged: reload the page')),
});

const deleteHref = (slug: string, code: string, role: string, periodKey: string) =>
  `/p/${slug}/indicators/${encodeURIComponent(code)}/figures/${role}/${encodeURIComponent(periodKey)}/delete`;

function parseParams<T extends z.ZodType>(schema: T, params: unknown): z.infer<T> {
  const parsed = schema.safeParse(params);
  if (!parsed.success) throw notFound();
  return parsed.data;
}

const VIA_TEXT: Record<string, string> = { form: 'data entry form', import: 'import', api: 'API', restore: 'restored by a manager' };
const VIA_DELETED_TEXT: Record<string, string> = { form: 'deleted on the data entry form', api: 'deleted through the API' };

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
      // Managers set when a period's return is due (the reminders' return schedule).
      canSetSchedule: roleAtLeast(reply.request.access!.role, 'manager'),
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
            ? {
                text: describeFigure(figureOf(r.saved), unitOf(r.indicator)),
                by: r.saved.updated_by_name,
                at: r.saved.updated_at ? format.dateTime(r.saved.updated_at) : '',
                deleteHref: deleteHref(partnership.slug, r.indicator.code, r.series.role, r.saved.period_key),
              }
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
    const chosen = query.period === undefined ? await duePeriod(app.db, partnershipId) : parsePeriodChoice(query.period);
    const periodProblem = periodChoiceProblem(query.period, chosen);
    const period = periodProblem ? null : chosen;
    if (!period) {
      return renderReturns(reply, {
        period: null,
        priorities,
        programmes,
        priorityId,
        sheet: [],
        values: {},
        errors: periodProblem ? [{ field: 'period', text: periodProblem }] : [],
        conflicts: [],
        status: periodProblem ? 400 : 200,
      });
    }
    const sheet = await buildSheet(app.db, partnershipId, period, place);
    return renderReturns(reply, { period, priorities, programmes, priorityId, sheet, values: savedValues(sheet.flatMap((s) => s.rows)), errors: [], conflicts: [] });
  });

  app.post('/p/:slug/returns', { config: { access: 'officer' } }, async (request, reply) => {
    const body = (request.body ?? {}) as FormValues;
    const partnershipId = request.access!.partnership.id;
    const { priorities, programmes, priorityId, place } = await priorityFilter(partnershipId, typeof body.priority === 'string' ? body.priority : undefined);
    const periodText = typeof body.period === 'string' ? body.period : undefined;
    const chosen = parsePeriodChoice(periodText);
    const periodProblem = periodChoiceProblem(periodText, chosen) ?? (chosen ? null : 'Choose a period from the list');
    const period = periodProblem ? null : chosen;
    if (!period) {
      return renderReturns(reply, { period: null, priorities, programmes, priorityId, sheet: [], values: {}, errors: [{ field: 'period', text: periodProblem! }], conflicts: [], status: 400 });
    }
    const sheet = await buildSheet(app.db, partnershipId, period, place);
    const rows = sheet.flatMap((s) => s.rows);
    // The person's own input is what the page shows again, whatever happens next.
    const values: FormValues = {};
    for (const [k, v] of Object.entries(body)) if (typeof v === 'string') values[k] = v;
    const { errors, items } = readForm(rows, values, period);
    if (errors.length) return renderReturns(reply, { period, priorities, programmes, priorityId, sheet, values, errors, conflicts: [], status: 400 });
    // Figures typed for an indicator retired while the page was open: say so rather than drop them. Nothing is saved;
    // saving again (without them) is the person's choice.
    const missing = await describeSeries(app.db, partnershipId, typedForMissingRows(rows, values));
    if (missing.length) {
      const lost = missing.map((m) => ({
        field: 'figures',
        text: `${m.title} (${m.code}), ${m.label}: ${m.retired_at ? 'was retired' : 'left this list'} while you were entering figures, so what you typed for it is not on this page and nothing was saved. Check the figures below and save again; ${m.retired_at ? 'a manager can restore the indicator from Your plan → Retired items' : 'enter its figure from its own priority'}.`,
      }));
      return renderReturns(reply, { period, priorities, programmes, priorityId, sheet, values, errors: lost, conflicts: [], status: 409 });
    }

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
    const query = new URLSearchParams({ period: periodChoice(period), ...(priorityId ? { priority: priorityId } : {}) });
    reply.notice(changed === 0 ? `Nothing had changed: no figure was saved for ${period.label}` : `${changed === 1 ? '1 figure' : `${changed} figures`} saved for ${period.label}`);
    return reply.redirect(`/p/${request.access!.partnership.slug}/returns?${query}`, 303);
  });

  // ---- a value's history, and restoring an earlier figure ----

  async function renderHistory(reply: FastifyReply, indicator: IndicatorForData, filter: { series?: string; period?: string }, extra: { restored?: boolean; deleted?: boolean; error?: string; status?: number } = {}) {
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
      entries: entries.map((e) => entryView(indicator, e, currentOf(e), { canRestore, hideSmall, threshold, showsCurrent: true })),
      restored: extra.restored ?? false,
      deleted: extra.deleted ?? false,
      error: extra.error ?? null,
    });
  }

  app.get('/p/:slug/indicators/:code/history', { config: { access: 'viewer' } }, async (request, reply) => {
    const { code } = parseParams(codeParams, request.params);
    const query = historyQuery.parse(request.query);
    const indicator = await findIndicatorForData(app.db, request.access!.partnership.id, code);
    if (!indicator) throw notFound();
    return renderHistory(reply, indicator, query);
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
    if (entry.result === 'conflict' || !entry.old) {
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
    const query = new URLSearchParams({ series: back.series, period: back.period });
    reply.notice('The earlier figure has been restored. The restore is itself in the list below.');
    return reply.redirect(`/p/${partnership.slug}/indicators/${encodeURIComponent(indicator.code)}/history?${query}`, 303);
  });

  // ---- deleting a figure: a confirmation page with a reason, audited, restorable from the history ----

  async function findFigure(partnershipId: string, code: string, role: string, periodKey: string) {
    const indicator = await findIndicatorForData(app.db, partnershipId, code);
    if (!indicator) return null;
    const series = (await listSeriesOfIndicators(app.db, partnershipId, [indicator.id])).find((s) => s.role === role);
    if (!series) return null;
    const observation = (await listObservationsOfSeries(app.db, partnershipId, [series.id])).find((o) => o.period_key === periodKey) ?? null;
    return { indicator, series, observation };
  }

  function renderDelete(
    reply: FastifyReply,
    found: NonNullable<Awaited<ReturnType<typeof findFigure>>>,
    periodKey: string,
    extra: { reason?: string; version?: string; errors?: { field: string; text: string }[]; status?: number } = {},
  ) {
    const { partnership } = reply.request.access!;
    const { indicator, series, observation } = found;
    return reply.code(extra.status ?? 200).view('observations/delete', {
      pageTitle: `Delete a figure: ${indicator.title}`,
      partnership,
      indicator,
      seriesLabel: series.label,
      periodLabel: observation?.period_label ?? periodKey,
      figure: observation ? describeFigure(figureOf(observation), unitOf(indicator)) : null,
      action: deleteHref(partnership.slug, indicator.code, series.role, periodKey),
      historyHref: `/p/${partnership.slug}/indicators/${encodeURIComponent(indicator.code)}/history?${new URLSearchParams({ series: series.role, period: periodKey })}`,
      reasonMax: DELETE_REASON_MAX,
      values: { reason: extra.reason ?? '', version: extra.version ?? (observation ? String(observation.version) : '') },
      errors: extra.errors ?? [],
    });
  }

  app.get('/p/:slug/indicators/:code/figures/:role/:periodKey/delete', { config: { access: 'officer' } }, async (request, reply) => {
    const { code, role, periodKey } = parseParams(figureParams, request.params);
    const found = await findFigure(request.access!.partnership.id, code, role, periodKey);
    if (!found?.observation) throw notFound();
    return renderDelete(reply, found, periodKey);
  });

  app.post('/p/:slug/indicators/:code/figures/:role/:periodKey/delete', { config: { access: 'officer' } }, async (request, reply) => {
    const { code, role, periodKey } = parseParams(figureParams, request.params);
    const { partnership } = request.access!;
    const found = await findFigure(partnership.id, code, role, periodKey);
    if (!found) throw notFound();
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const kept = { reason: typeof raw.reason === 'string' ? raw.reason : '', version: typeof raw.version === 'string' ? raw.version : '' };
    const form = parseForm(deleteForm, raw);
    if (!form.ok) return renderDelete(reply, found, periodKey, { ...kept, errors: form.errors, status: 400 });
    const { indicator, series } = found;
    const outcome = await deleteObservation(app.db, { partnershipId: partnership.id, userId: request.caller!.user.id, via: 'form' }, {
      indicatorId: indicator.id,
      seriesId: series.id,
      role: series.role,
      period: { key: periodKey, position: found.observation?.period_position ?? 0, label: found.observation?.period_label ?? periodKey },
      expectedVersion: Number(form.data.version),
      reason: form.data.reason,
    });
    if (!outcome.ok) {
      const current = outcome.current;
      const text = current
        ? `Nothing was deleted: ${current.updated_by_name ?? 'someone'} changed this figure to ${describeFigure(figureOf(current), unitOf(indicator))} after you opened the page. Check it, then delete it again if you still want to.`
        : 'Nothing was deleted: this figure has already been deleted.';
      return renderDelete(reply, { ...found, observation: current }, periodKey, { reason: kept.reason, version: current ? String(current.version) : '', errors: [{ field: 'reason', text }], status: 409 });
    }
    const query = new URLSearchParams({ series: series.role, period: periodKey });
    reply.notice('The figure has been deleted. The deletion, with its reason, is in the list below; a manager can restore the figure from it.');
    return reply.redirect(`/p/${partnership.slug}/indicators/${encodeURIComponent(indicator.code)}/history?${query}`, 303);
  });

  // The same through the API: DELETE with { reason, version }; 409 with the current figure when the version is stale.
  const apiDeleteBody = z.object({
    reason: z.string({ error: 'is required' }).trim().min(1, 'is required: say why the figure is deleted').max(DELETE_REASON_MAX, `must be at most ${DELETE_REASON_MAX} characters`),
    version: z.number({ error: 'is required: the version of the figure you mean to delete' }).int().min(1),
  });
  const figureJson = z.object({ value: z.number().nullable(), marker: z.string().nullable(), status: z.string().nullable(), numerator: z.number().nullable(), denominator: z.number().nullable(), note: z.string().nullable() });
  const apiDeleteDoc: ApiDoc = {
    summary: 'Delete a figure',
    description: 'Deletes one figure of one series (local, target, England, …) for one period, saying why. The deletion is in the figure’s history and can be undone there. `version` is the figure’s version when you read it: if it changed since, nothing is deleted (409).',
    tags: ['Figures'],
    params: figureParams,
    body: apiDeleteBody,
    example: { reason: 'Entered against the wrong year', version: 2 },
    responses: {
      200: { description: 'The figure deleted', schema: z.object({ deleted: figureJson.extend({ period: z.string(), version: z.number().int() }), reason: z.string() }) },
      403: { description: 'Only officers, managers and admins delete figures' },
      404: { description: 'No such figure in this partnership' },
      409: { description: 'The figure changed (or was deleted) since the version you sent: nothing deleted', schema: z.object({ error: z.literal('conflict'), message: z.string(), current: figureJson.extend({ version: z.number().int(), updatedBy: z.string().nullable(), updatedAt: z.string() }).nullable(), requestId: z.string() }) },
      422: { description: 'The reason or version is missing or refused (named in `errors`)' },
    },
  };
  app.delete('/api/v1/partnerships/:slug/indicators/:code/observations/:role/:periodKey', { config: { access: 'officer', openapi: apiDeleteDoc } }, async (request, reply) => {
    const { code, role, periodKey } = parseParams(figureParams, request.params);
    const { partnership } = request.access!;
    const found = await findFigure(partnership.id, code, role, periodKey);
    if (!found?.observation) throw notFound(`There is no ${role} figure for ${periodKey} of ${code} in this partnership`);
    const body = apiDeleteBody.safeParse(request.body ?? {});
    if (!body.success) {
      const errors = body.error.issues.map((i) => ({ field: String(i.path[0] ?? 'body'), message: i.message }));
      return reply.code(422).send({ error: 'invalid', message: errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors, requestId: request.id });
    }
    const { indicator, series, observation } = found;
    const outcome = await deleteObservation(app.db, { partnershipId: partnership.id, userId: request.caller!.user.id, via: 'api' }, {
      indicatorId: indicator.id,
      seriesId: series.id,
      role: series.role,
      period: { key: periodKey, position: observation.period_position, label: observation.period_label },
      expectedVersion: body.data.version,
      reason: body.data.reason,
    });
    if (!outcome.ok) {
      const current = outcome.current;
      return reply.code(409).send({
        error: 'conflict',
        message: current ? `version: the figure is at version ${current.version} now, not ${body.data.version}: nothing was deleted` : 'the figure has already been deleted',
        current: current ? { ...figureOf(current), version: current.version, updatedBy: current.updated_by_name, updatedAt: current.updated_at } : null,
        requestId: request.id,
      });
    }
    return { deleted: { period: outcome.deleted.period_label, ...figureOf(outcome.deleted), version: outcome.deleted.version }, reason: body.data.reason };
  });
}

function entryView(
  indicator: IndicatorForData,
  e: AuditRecord,
  current: Awaited<ReturnType<typeof listObservationsOfSeries>>[number] | null,
  options: { canRestore: boolean; hideSmall: boolean; threshold: number | null; showsCurrent?: boolean },
) {
  const unit = unitOf(indicator);
  const show = (figure: AuditRecord['old']) => {
    if (!figure) return 'no figure';
    if (options.hideSmall && isSmallNumber({ role: e.series_role, value: figure.value, marker: figure.marker, numerator: figure.numerator }, indicator.unit, options.threshold)) {
      return `c (${format.MARKERS.c.label})`;
    }
    return describeFigure(figure, unit);
  };
  // A deleted figure is restored like any earlier one; so is a figure deleted after this change.
  const restorable = options.canRestore && e.result !== 'conflict' && !!e.old && (current ? !sameFigure(e.old, figureOf(current)) : !!options.showsCurrent);
  return {
    id: e.id,
    at: format.dateTime(e.at),
    who: e.user_name ?? 'a removed account',
    series: e.series_label,
    role: e.series_role,
    period: e.period_label,
    periodKey: e.period_key,
    how: e.result === 'deleted' ? (VIA_DELETED_TEXT[e.via] ?? `deleted (${e.via})`) : (VIA_TEXT[e.via] ?? e.via),
    saved: e.result === 'saved',
    old: show(e.old),
    new: show(e.new),
    note: e.new?.note ?? '',
    deleted: e.result === 'deleted',
    reason: e.reason ?? '',
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
