// Brings rows and the pure analysis together: one indicator (its page and the API) or all of a partnership's
// indicators at once (the scorecard), the latter from a fixed number of queries whatever their number.
import type { Kysely } from 'kysely';
import { analyseIndicator, boundsFor, type AgreedBaseline, type IndicatorAnalysis, type SeriesPoint, type SpcSettings } from '../../analysis/indicator-analysis.ts';
import { acceptedBaselineRange } from '../../analysis/baseline.ts';
import { DEFAULT_WINDOW, linearForecast, MIN_HISTORY, type LinearFit } from '../../analysis/forecast.ts';
import { periodLabel, periodsPerYear, tryParsePeriod, type Period, type PeriodType } from '../../analysis/periods.ts';
import type { ManualPoint } from '../../db/schema-analysis.ts';
import type { DB, RagRule, Role, SeriesRole } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
import { roleAtLeast } from '../../plugins/auth.ts';
import { suppressSmallNumbers } from '../observations/small-numbers.ts';
import * as format from '../../format.ts';
import { measuredSeries, type ObservationLike } from '../indicators/measure.ts';
import { listIndicators, listObservationsForIndicator, type IndicatorRecord } from '../indicators/queries.ts';
import { indicatorsById, insertBaseline, listedIndicatorVersions, latestBaselines, listFiguresForPartnership, type BaselineRecord } from './queries.ts';
import { latestSpcSettings, settingsOf } from './spc-settings.ts';

export const DEFAULT_SPC: SpcSettings = { screen: false };

export function toAgreedBaseline(record: BaselineRecord): AgreedBaseline {
  return {
    version: record.version,
    position: record.baseline_position,
    label: record.baseline_label,
    window: record.history_window,
    method: record.method,
    fit: record.fit,
    manualPoints: record.manual_points?.map((p) => ({ position: p.position, value: p.value })) ?? null,
    agreedBy: record.agreed_by_name,
    agreedAt: record.agreed_at,
  };
}

type IndicatorLike = Pick<IndicatorRecord, 'kind' | 'polarity' | 'unit' | 'decimals' | 'rate_base' | 'period_type'>;

const pointsOf = (observations: readonly ObservationLike[], role: SeriesRole): SeriesPoint[] =>
  observations.filter((o) => o.role === role).map((o) => ({ position: o.period_position, value: o.value }));

/** How a figure of this indicator is written in a status sentence. A gap is in the measure's own unit. */
export function formattersFor(indicator: IndicatorLike) {
  const spec = format.unitSpecOf(indicator);
  return {
    spec,
    formatValue: (v: number) => format.value(v, spec),
    formatBand: (v: number) => format.number(v, indicator.decimals),
    formatPeriod: (position: number) => periodLabel(indicator.period_type as PeriodType, position),
  };
}

export function analyse(
  indicator: IndicatorLike,
  observations: readonly ObservationLike[],
  baseline: BaselineRecord | null | undefined,
  ragRule: RagRule,
  settings: SpcSettings = DEFAULT_SPC,
  authorityValues: { position: number; values: number[] } | null = null,
): IndicatorAnalysis {
  const measured = measuredSeries(indicator, observations).map((p) => ({ position: p.position, value: p.value }));
  const f = formattersFor(indicator);
  return analyseIndicator({
    kind: indicator.kind,
    polarity: indicator.polarity,
    unit: indicator.unit,
    measured,
    focus: pointsOf(observations, 'focus'),
    comparison: pointsOf(observations, 'comparison'),
    comparators: {
      england: pointsOf(observations, 'england'),
      region: pointsOf(observations, 'region'),
      neighbours: pointsOf(observations, 'neighbours'),
      target: pointsOf(observations, 'target'),
    },
    baseline: baseline ? toAgreedBaseline(baseline) : null,
    spc: settings,
    authorityValues,
    ragRule,
    periodsPerYear: periodsPerYear(indicator.period_type as PeriodType),
    formatValue: f.formatValue,
    formatBand: f.formatBand,
    formatPeriod: f.formatPeriod,
  });
}

// The scorecard compares with England only; the region and neighbours are on each indicator's page.
const SCORECARD_ROLES: SeriesRole[] = ['local', 'focus', 'comparison', 'england', 'target'];

/**
 * The small-number threshold that applies to a caller: officers and above see the figures as entered; viewers
 * (and everything published) see small numbers as `c`.
 */
export function thresholdFor(role: Role, partnership: { small_number_threshold: number | null }): number | null {
  return roleAtLeast(role, 'officer') ? null : partnership.small_number_threshold;
}

/** How many indicators the batch analysis has judged in this process (tests count recomputations with it). */
export const batchAnalysisCount = { indicators: 0 };

export interface AnalysedIndicator {
  indicator: IndicatorRecord;
  observations: Awaited<ReturnType<typeof listFiguresForPartnership>>;
  baseline: BaselineRecord | null;
  analysis: IndicatorAnalysis;
}

/**
 * Some of a partnership's indicators analysed (all of them when `only` is undefined): four queries, whatever their
 * number.
 */
async function analyseIndicators(
  db: Kysely<DB>,
  partnershipId: string,
  indicators: readonly IndicatorRecord[],
  only: readonly string[] | undefined,
  ragRule: RagRule,
  settings: SpcSettings,
  smallNumberThreshold: number | null,
): Promise<AnalysedIndicator[]> {
  const [observations, baselines, spcSettings] = await Promise.all([
    listFiguresForPartnership(db, partnershipId, SCORECARD_ROLES, only),
    latestBaselines(db, partnershipId, only),
    latestSpcSettings(db, partnershipId, only),
  ]);
  // Each indicator's agreed SPC settings, so the scorecard's icons are the ones its own chart shows.
  const spcOf = new Map(spcSettings.map((r) => [r.indicator_id, settingsOf(r)]));
  type Figure = (typeof observations)[number];
  const byIndicator = new Map<string, Figure[]>();
  for (const o of observations) {
    let list = byIndicator.get(o.indicator_id);
    if (!list) byIndicator.set(o.indicator_id, (list = []));
    list.push(o);
  }
  const baselineOf = new Map(baselines.map((b) => [b.indicator_id, b]));
  batchAnalysisCount.indicators += indicators.length;
  return indicators.map((indicator) => {
    const rows = suppressSmallNumbers(byIndicator.get(indicator.id) ?? [], indicator.unit, smallNumberThreshold);
    return {
      indicator,
      observations: rows,
      baseline: baselineOf.get(indicator.id) ?? null,
      analysis: analyse(indicator, rows, baselineOf.get(indicator.id), ragRule, spcOf.get(indicator.id) ?? settings),
    };
  });
}

/** Every indicator of a partnership analysed: four queries, whatever the number of indicators. */
export async function analysePartnership(
  db: Kysely<DB>,
  partnershipId: string,
  ragRule: RagRule,
  settings: SpcSettings = DEFAULT_SPC,
  smallNumberThreshold: number | null = null,
): Promise<AnalysedIndicator[]> {
  const indicators = await listIndicators(db, partnershipId);
  return analyseIndicators(db, partnershipId, indicators, undefined, ragRule, settings, smallNumberThreshold);
}

// ---- Agreeing a baseline ---------------------------------------------------------------------------------------

/** The longest history window a partnership may ask for (the method aims at three to five years). */
export const MAX_WINDOW = 20;

export interface BaselineProposal {
  period: string;
  window?: number;
  method: 'linear' | 'manual';
  points?: { period: string; value: number | string | null }[];
  note?: string;
}

export interface BaselineProblem {
  field: string;
  text: string;
}

/**
 * Checks a proposed baseline against the indicator's figures and, when it is sound, records it as a new version.
 * A linear baseline stores its fit, so later revisions of the history do not move the forecast that was agreed.
 */
export async function agreeBaseline(
  db: Kysely<DB>,
  indicator: IndicatorLike & { id: string },
  proposal: BaselineProposal,
  agreedBy: { id: string; name: string },
): Promise<{ ok: true; baseline: BaselineRecord } | { ok: false; problems: BaselineProblem[] }> {
  const problems: BaselineProblem[] = [];
  const periodType = indicator.period_type as PeriodType;
  const observations = await listObservationsForIndicator(db, indicator.id);
  const measured = measuredSeries(indicator, observations).map((p) => ({ position: p.position, value: p.value }));
  // Every refusal says what would be accepted (docs/method.md, Baselines and forecasts).
  const accepted = acceptedBaselineRange(measured);
  const label = (position: number) => periodLabel(periodType, position);
  const acceptedForLine = accepted
    ? `A straight line can be fitted up to any baseline period ${accepted.from === accepted.to ? `of ${label(accepted.from)}` : `from ${label(accepted.from)} to ${label(accepted.to)}`}: each has at least ${MIN_HISTORY} values up to it`
    : `There ${measured.filter((p) => p.value !== null).length === 1 ? 'is only 1 value' : `are only ${measured.filter((p) => p.value !== null).length} values`} so far, and a straight line needs at least ${MIN_HISTORY}`;
  const baselinePeriod = tryParsePeriod(periodType, proposal.period ?? '');
  if (!baselinePeriod.ok) problems.push({ field: 'period', text: `Baseline period: ${baselinePeriod.error}.${proposal.method === 'linear' ? ` ${acceptedForLine}.` : ''}` });
  const window = proposal.window ?? DEFAULT_WINDOW;
  if (!Number.isInteger(window) || window < MIN_HISTORY || window > MAX_WINDOW) {
    problems.push({ field: 'window', text: `History window: enter a whole number of periods from ${MIN_HISTORY} to ${MAX_WINDOW}` });
  }
  if (problems.length) return { ok: false, problems };
  const baseline = (baselinePeriod as { ok: true; period: Period }).period;

  let fit: LinearFit | null = null;
  let manualPoints: ManualPoint[] | null = null;
  if (proposal.method === 'linear') {
    const forecast = linearForecast({ observations: measured, baseline: baseline.position, window, bounds: boundsFor(indicator.kind, indicator.unit) });
    if (!forecast.ok) problems.push({ field: 'period', text: `${forecast.message.replace('up to the baseline period', `up to ${baseline.label}`)}. ${acceptedForLine}${accepted ? '; or agree a forecast by hand.' : ': agree a forecast by hand.'}` });
    else fit = forecast.fit;
  } else {
    manualPoints = [];
    const seen = new Set<number>();
    for (const [i, point] of (proposal.points ?? []).entries()) {
      const raw = typeof point.value === 'string' ? point.value.trim() : point.value;
      if (raw === '' || raw === null || raw === undefined) continue;
      const period = tryParsePeriod(periodType, point.period ?? '');
      const value = typeof raw === 'number' ? raw : /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
      const field = `points-${i}`;
      if (!period.ok) problems.push({ field, text: `Forecast point ${i + 1}: ${period.error}` });
      else if (period.period.position <= baseline.position) problems.push({ field, text: `Forecast point ${i + 1}: ${period.period.label} is not after the baseline period ${baseline.label}: give periods from ${label(baseline.position + 1)} on` });
      else if (seen.has(period.period.position)) problems.push({ field, text: `Forecast point ${i + 1}: ${period.period.label} is given twice` });
      else if (!Number.isFinite(value)) problems.push({ field, text: `Forecast for ${period.period.label}: "${String(raw)}" is not a number (use digits and a decimal point, like 12.5)` });
      else {
        seen.add(period.period.position);
        manualPoints.push({ position: period.period.position, label: period.period.label, value });
      }
    }
    if (!problems.length && manualPoints.length === 0) problems.push({ field: 'points-0', text: `Enter a forecast value for at least one period after the baseline period ${baseline.label} (${label(baseline.position + 1)} or later)` });
    manualPoints.sort((a, b) => a.position - b.position);
  }
  if (problems.length) return { ok: false, problems };

  const record = await inTransaction(db, (trx) =>
    insertBaseline(trx, {
      indicatorId: indicator.id,
      position: baseline.position,
      label: baseline.label,
      window,
      method: proposal.method,
      fit,
      manualPoints,
      note: (proposal.note ?? '').trim(),
      agreedBy: agreedBy.id,
      agreedByName: agreedBy.name,
    }),
  );
  return { ok: true, baseline: record };
}

interface ResultCache {
  get<T>(key: string, compute: () => Promise<T>): Promise<T>;
  peek<T>(key: string): Promise<T> | undefined;
  set<T>(key: string, value: Promise<T>): void;
}

/**
 * The analysis of every indicator, from the cache when the partnership's data has not changed since it was computed.
 * The key holds everything the result depends on beyond the data: the RAG rule, the small-number threshold applied
 * and the SPC settings.
 *
 * When the partnership's data version has moved, only the indicators whose own data version moved (migration 0020)
 * are analysed afresh; every other indicator's judgement is reused from `judgements`, keyed by the indicator, its
 * version and the same settings. The versions are read from the database before the figures, so a judgement is never
 * kept under a version newer than the figures it was made from, and a change made through any app instance moves
 * them for every instance.
 */
export function analysePartnershipCached(
  app: { computed: ResultCache; judgements: ResultCache; db: Kysely<DB> },
  partnership: { id: string; data_version: string; rag_rule: RagRule },
  smallNumberThreshold: number | null,
  settings: SpcSettings = DEFAULT_SPC,
): Promise<AnalysedIndicator[]> {
  const options = JSON.stringify([partnership.rag_rule, smallNumberThreshold, settings]);
  const key = `analysis:${partnership.id}:${partnership.data_version}:${options}`;
  return app.computed.get(key, async () => {
    const listed = await listedIndicatorVersions(app.db, partnership.id);
    const keyOf = (id: string, version: string | null) => (version === null ? null : `judgement:${id}:${version}:${options}`);
    const reused = new Map<string, Promise<AnalysedIndicator>>();
    const stale: string[] = [];
    for (const { id, version } of listed) {
      const k = keyOf(id, version);
      const found = k === null ? undefined : app.judgements.peek<AnalysedIndicator>(k);
      if (found) reused.set(id, found);
      else stale.push(id);
    }
    const fresh = new Map<string, AnalysedIndicator>();
    if (stale.length) {
      // Every figure read after the versions: a judgement is never kept under a version newer than its figures.
      const all = stale.length === listed.length;
      const indicators = all ? await listIndicators(app.db, partnership.id) : await indicatorsById(app.db, partnership.id, stale);
      const staleIds = new Set(stale);
      const versionOf = new Map(listed.map((l) => [l.id, l.version]));
      const toAnalyse = indicators.filter((i) => staleIds.has(i.id));
      for (const result of await analyseIndicators(app.db, partnership.id, toAnalyse, all ? undefined : stale, partnership.rag_rule, settings, smallNumberThreshold)) {
        fresh.set(result.indicator.id, result);
        const k = keyOf(result.indicator.id, versionOf.get(result.indicator.id) ?? null);
        if (k !== null) app.judgements.set(k, Promise.resolve(result));
      }
    }
    // Each in the listed order: a reused judgement carries its indicator as read at the same version.
    const results: AnalysedIndicator[] = [];
    for (const { id } of listed) {
      const result = fresh.get(id) ?? (await reused.get(id));
      if (result) results.push(result);
    }
    return results;
  });
}
