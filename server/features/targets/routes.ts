// Setting an indicator's targets on its own page (issue 15): per period, or as a trajectory from a start value to an
// end value (computed, shown for checking, then saved as one batch). Targets are the indicator's `target` series and
// go through the one write path for figures, so they are versioned, audited, restorable and exported like any other.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { describeRagRule } from '../../analysis/comparators.ts';
import type { Period, PeriodType } from '../../analysis/periods.ts';
import { inPartnershipTransaction } from '../../db/transaction.ts';
import * as format from '../../format.ts';
import { parseParams } from '../../forms/forms.ts';
import { notFound } from '../../http-errors.ts';
import { roleAtLeast } from '../../plugins/auth.ts';
import { describeFigure, holdsGaps, numberText, parseNumber, unitProblem } from '../observations/figure.ts';
import { planIndicatorFigures, writeItemsFor, type RawItem } from '../observations/plan.ts';
import { findIndicatorForData, listObservationsOfSeries, listSeriesOfIndicators, type IndicatorForData, type StoredObservation } from '../observations/queries.ts';
import { periodContaining, unitOf } from '../observations/returns.ts';
import { figureOf, recordConflicts, WriteConflict, writeObservations, type WriteConflictItem } from '../observations/write.ts';
import { targetPeriods, trajectory, trajectoryPeriods } from './trajectory.ts';

const codeParams = z.object({ slug: z.string(), code: z.string().min(1).max(64) });
const MEASURED_ROLES = new Set(['local', 'focus', 'comparison']);
const DAMAGED = 'The form was damaged: reload the page and try again';

type Values = Record<string, string>;
interface FieldError {
  field: string;
  text: string;
}
interface ConflictRow {
  label: string;
  key: string;
  yours: string;
  theirs: string;
  by: string;
  at: string;
}

/** What the page needs to know about the indicator's targets now. */
async function loadTargets(app: FastifyInstance, partnershipId: string, indicator: IndicatorForData, today = new Date()) {
  const type = indicator.period_type as PeriodType;
  const series = await listSeriesOfIndicators(app.db, partnershipId, [indicator.id]);
  const observations = await listObservationsOfSeries(app.db, partnershipId, series.map((s) => s.id));
  const targetSeries = series.find((s) => s.role === 'target') ?? null;
  const measured = new Set(series.filter((s) => MEASURED_ROLES.has(s.role)).map((s) => s.id));
  const latest = observations.filter((o) => measured.has(o.series_id)).reduce<number | null>((m, o) => (m === null || o.period_position > m ? o.period_position : m), null);
  const targets = new Map<string, StoredObservation>();
  for (const o of observations) if (targetSeries && o.series_id === targetSeries.id) targets.set(o.period_key, o);
  const rows = targetPeriods(type, periodContaining(type, today).position, latest, [...targets.values()].map((t) => t.period_position), today);
  const choices = trajectoryPeriods(type, rows[0]!.position, today);
  return { type, series, observations, targets, rows, choices };
}

type Loaded = Awaited<ReturnType<typeof loadTargets>>;

/** '' → null (the writer saw no target), digits → that version; anything else was not written by our page. */
function readVersion(text: string | undefined): { ok: true; version: number | null } | { ok: false } {
  if (text === undefined || text === '') return { ok: true, version: null };
  return /^\d{1,9}$/.test(text) ? { ok: true, version: Number(text) } : { ok: false };
}

const shownFigure = (o: StoredObservation | undefined) => (o ? (o.marker ?? numberText(o.value)) : '');

export default async function targetRoutes(app: FastifyInstance) {
  // On the indicator page: a way in for those who may set targets.
  app.indicatorSections.push({
    key: 'targets',
    order: 5,
    template: 'targets/section',
    async load({ partnership, role, indicator }) {
      if (!roleAtLeast(role, 'manager')) return null;
      return { targetsHref: `/p/${partnership.slug}/indicators/${encodeURIComponent(indicator.code)}/targets` };
    },
  });

  function render(
    reply: FastifyReply,
    indicator: IndicatorForData,
    loaded: Loaded,
    extra: { values?: Values; errors?: FieldError[]; conflicts?: ConflictRow[]; preview?: { label: string; key: string; text: string; current: string; version: string }[] | null; saved?: number; status?: number } = {},
  ) {
    const { partnership, role } = reply.request.access!;
    const unit = unitOf(indicator);
    const values = extra.values ?? {};
    const spec = format.unitSpecOf(indicator);
    const base = `/p/${partnership.slug}/indicators/${encodeURIComponent(indicator.code)}`;
    return reply.code(extra.status ?? 200).view('targets/form', {
      pageTitle: `Targets: ${indicator.title}`,
      partnership,
      indicator,
      indicatorHref: base,
      action: `${base}/targets`,
      historyHref: `${base}/history?series=target`,
      unitText: format.unitLabel(spec),
      decimals: indicator.decimals,
      isGap: holdsGaps(indicator.kind, 'target'),
      rows: loaded.rows.map((p) => {
        const saved = loaded.targets.get(p.key);
        return {
          key: p.key,
          label: p.label,
          field: `value-${p.key}`,
          value: values[`value-${p.key}`] ?? shownFigure(saved),
          version: saved ? String(saved.version) : '',
          current: saved ? describeFigure(figureOf(saved), unit) : 'no target',
        };
      }),
      periodOptions: [{ value: '', text: 'Choose a period' }, ...loaded.choices.map((p) => ({ value: p.key, text: p.label }))],
      values: {
        start_period: values.start_period ?? '',
        start_value: values.start_value ?? '',
        end_period: values.end_period ?? '',
        end_value: values.end_value ?? '',
      },
      errors: extra.errors ?? [],
      conflicts: extra.conflicts ?? [],
      preview: extra.preview ?? null,
      saved: extra.saved,
      rag: {
        rated: indicator.polarity !== 'neutral',
        text: describeRagRule(partnership.rag_rule),
        settingsHref: roleAtLeast(role, 'admin') ? `/p/${partnership.slug}/settings` : null,
      },
    });
  }

  async function findIndicator(request: { params: unknown; access: { partnership: { id: string } } | null }) {
    const { code } = parseParams(codeParams, request.params);
    const indicator = await findIndicatorForData(app.db, request.access!.partnership.id, code);
    if (!indicator) throw notFound();
    return indicator;
  }

  app.get('/p/:slug/indicators/:code/targets', { config: { access: 'manager' } }, async (request, reply) => {
    const indicator = await findIndicator(request);
    const loaded = await loadTargets(app, request.access!.partnership.id, indicator);
    return render(reply, indicator, loaded);
  });

  app.post('/p/:slug/indicators/:code/targets', { config: { access: 'manager' } }, async (request, reply) => {
    const indicator = await findIndicator(request);
    const { partnership } = request.access!;
    const loaded = await loadTargets(app, partnership.id, indicator);
    const values: Values = {};
    for (const [k, v] of Object.entries((request.body ?? {}) as Record<string, unknown>)) if (typeof v === 'string' && k !== '_csrf') values[k] = v;

    if (values.step === 'periods') return savePeriods(reply, indicator, loaded, values);
    if (values.step === 'check' || values.step === 'save') return trajectoryStep(reply, indicator, loaded, values, values.step);
    return render(reply, indicator, loaded, { values, errors: [{ field: 'value-' + (loaded.rows[0]?.key ?? ''), text: DAMAGED }], status: 400 });
  });

  /** Plans figures for the write path; problems are reported against `fieldOf(period key)`. */
  function plan(indicator: IndicatorForData, loaded: Loaded, raws: RawItem<string>[], fieldOf: (key: string) => string) {
    const current = loaded.observations;
    const { planned, problems } = planIndicatorFigures(indicator, loaded.series, current, raws, (key) => `period ${key}`);
    return { planned, errors: problems.map((p) => ({ field: fieldOf(p.ref), text: `${loaded.rows.find((r) => r.key === p.ref)?.label ?? p.ref}: ${p.text}` })) };
  }

  /** Writes the planned targets as one batch: all of them, or (someone else changed one) none, with theirs to show. */
  async function write(reply: FastifyReply, indicator: IndicatorForData, planned: ReturnType<typeof plan>['planned']) {
    const { partnership } = reply.request.access!;
    const context = { partnershipId: partnership.id, userId: reply.request.caller!.user.id, via: 'form' as const };
    try {
      const results = await inPartnershipTransaction(app.db, partnership.id, async (trx) =>
        writeObservations(trx, context, await writeItemsFor(trx, partnership.laName ?? partnership.name, planned)),
      );
      return { ok: true as const, changed: results.filter((r) => r.action !== 'unchanged').length };
    } catch (error) {
      if (!(error instanceof WriteConflict)) throw error;
      await recordConflicts(app.db, context, error.conflicts);
      const unit = unitOf(indicator);
      const conflicts: ConflictRow[] = (error.conflicts as WriteConflictItem<string>[]).map((c) => ({
        label: c.item.period.label,
        key: c.item.period.key,
        yours: describeFigure(c.item.figure, unit),
        theirs: c.current ? describeFigure(figureOf(c.current), unit) : 'no target (it was deleted)',
        by: c.current?.updated_by_name ?? 'someone',
        at: c.current ? format.dateTime(c.current.updated_at) : '',
      }));
      return { ok: false as const, conflicts };
    }
  }

  const conflictError = (field: string): FieldError => ({
    field,
    text: 'Someone else changed these targets since you opened the page, so nothing was saved. Their targets are shown below: check them, then save again if you still want yours.',
  });

  async function savePeriods(reply: FastifyReply, indicator: IndicatorForData, loaded: Loaded, values: Values) {
    const errors: FieldError[] = [];
    const raws: RawItem<string>[] = [];
    for (const period of loaded.rows) {
      const text = (values[`value-${period.key}`] ?? '').trim();
      if (!text) continue; // blank: no change
      const version = readVersion(values[`version-${period.key}`]);
      if (!version.ok) {
        errors.push({ field: `value-${period.key}`, text: `${period.label}: ${DAMAGED}` });
        continue;
      }
      const saved = loaded.targets.get(period.key);
      // Only the value is edited here: the note and status of a target already saved are kept.
      raws.push({ ref: period.key, series: 'target', period, raw: { value: text, note: saved?.note ?? null }, expectedVersion: version.version });
    }
    const planned = plan(indicator, loaded, raws, (key) => `value-${key}`);
    errors.push(...planned.errors);
    if (errors.length) return render(reply, indicator, loaded, { values, errors, status: 400 });
    if (!planned.planned.length) {
      return render(reply, indicator, loaded, { values, errors: [{ field: `value-${loaded.rows[0]!.key}`, text: 'Enter a target for at least one period' }], status: 400 });
    }
    const outcome = await write(reply, indicator, planned.planned);
    if (!outcome.ok) {
      const fresh = await loadTargets(app, reply.request.access!.partnership.id, indicator);
      // The person's figures stay in the boxes; the versions are now theirs, so saving again overwrites knowingly.
      return render(reply, indicator, fresh, { values, errors: [conflictError(`value-${outcome.conflicts[0]!.key}`)], conflicts: outcome.conflicts, status: 409 });
    }
    return reply.notice(outcome.changed === 0 ? 'Nothing had changed: no target was saved' : `${outcome.changed === 1 ? '1 target' : `${outcome.changed} targets`} saved for ${indicator.title}`).redirect(`/p/${reply.request.access!.partnership.slug}/indicators/${encodeURIComponent(indicator.code)}/targets`, 303);
  }

  /** Reads the trajectory fields: the two periods (from the list) and the two values (numbers the unit allows). */
  function readTrajectory(indicator: IndicatorForData, loaded: Loaded, values: Values) {
    const errors: FieldError[] = [];
    const periodOf = (field: 'start_period' | 'end_period', what: string): Period | null => {
      const key = (values[field] ?? '').trim();
      if (!key) {
        errors.push({ field, text: `Choose the ${what} period` });
        return null;
      }
      const period = loaded.choices.find((p) => p.key === key);
      if (!period) errors.push({ field, text: `Choose the ${what} period from the list` });
      return period ?? null;
    };
    const gap = holdsGaps(indicator.kind, 'target');
    const valueOf = (field: 'start_value' | 'end_value', what: string): number | null => {
      const text = (values[field] ?? '').trim();
      if (!text) {
        errors.push({ field, text: `Enter the ${what} value` });
        return null;
      }
      const parsed = parseNumber(text, indicator.unit === 'percentage');
      if (!parsed.ok) {
        errors.push({ field, text: `The ${what} value: ${parsed.text}` });
        return null;
      }
      const why = unitProblem(parsed.value!, unitOf(indicator), gap);
      if (why) errors.push({ field, text: `The ${what} value: ${why}` });
      return why ? null : parsed.value;
    };
    const startPeriod = periodOf('start_period', 'start');
    const startValue = valueOf('start_value', 'start');
    const endPeriod = periodOf('end_period', 'end');
    const endValue = valueOf('end_value', 'end');
    if (startPeriod && endPeriod && endPeriod.position <= startPeriod.position) {
      errors.push({ field: 'end_period', text: `The end period must come after the start period (${startPeriod.label})` });
    }
    if (errors.length || !startPeriod || !endPeriod || startValue === null || endValue === null) return { ok: false as const, errors };
    const points = trajectory(loaded.type, { position: startPeriod.position, value: startValue }, { position: endPeriod.position, value: endValue }, indicator.decimals);
    return { ok: true as const, points };
  }

  async function trajectoryStep(reply: FastifyReply, indicator: IndicatorForData, loaded: Loaded, values: Values, step: 'check' | 'save') {
    const read = readTrajectory(indicator, loaded, values);
    if (!read.ok) return render(reply, indicator, loaded, { values, errors: read.errors, status: 400 });
    const unit = unitOf(indicator);
    const previewOf = (from: Loaded) =>
      read.points.map((p) => {
        const saved = from.targets.get(p.period.key);
        return {
          label: p.period.label,
          key: p.period.key,
          text: describeFigure({ value: p.value, marker: null, status: 'final', numerator: null, denominator: null, note: '' }, unit).replace(/ \(final\)$/, ''),
          current: saved ? describeFigure(figureOf(saved), unit) : 'no target',
          version: saved ? String(saved.version) : '',
        };
      });
    // At the check, the versions are the ones the person is shown now; at the save, the ones they were shown.
    const raws: RawItem<string>[] = [];
    let damaged = false;
    for (const p of read.points) {
      const saved = loaded.targets.get(p.period.key);
      let expectedVersion: number | null = saved ? saved.version : null;
      if (step === 'save') {
        const version = readVersion(values[`version-${p.period.key}`]);
        if (!version.ok) damaged = true;
        else expectedVersion = version.version;
      }
      raws.push({ ref: p.period.key, series: 'target', period: p.period, raw: { value: p.value, note: saved?.note ?? null }, expectedVersion });
    }
    const planned = plan(indicator, loaded, raws, () => 'start_value');
    const errors = [...(damaged ? [{ field: 'start_period', text: DAMAGED }] : []), ...planned.errors];
    if (errors.length) return render(reply, indicator, loaded, { values, errors, status: 400 });
    if (step === 'check') return render(reply, indicator, loaded, { values, preview: previewOf(loaded) });

    const outcome = await write(reply, indicator, planned.planned);
    if (!outcome.ok) {
      const fresh = await loadTargets(app, reply.request.access!.partnership.id, indicator);
      return render(reply, indicator, fresh, { values, preview: previewOf(fresh), errors: [conflictError('save')], conflicts: outcome.conflicts, status: 409 });
    }
    return reply.notice(outcome.changed === 0 ? 'Nothing had changed: no target was saved' : `${outcome.changed === 1 ? '1 target' : `${outcome.changed} targets`} saved for ${indicator.title}`).redirect(`/p/${reply.request.access!.partnership.slug}/indicators/${encodeURIComponent(indicator.code)}/targets`, 303);
  }
}
