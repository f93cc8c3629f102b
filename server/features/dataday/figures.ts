// The partnership's indicators with their figures, judged: what the slides, the Data Book and its publication are
// drawn from. A fixed number of queries whatever the number of indicators. Everything here is a publication (it is
// projected to a room, printed, or published), so small numbers are suppressed as the partnership's setting says,
// and a book for a year leaves out every later figure.
import type { Kysely } from 'kysely';
import type { IndicatorAnalysis } from '../../analysis/indicator-analysis.ts';
import { periodsPerYear, type PeriodType } from '../../analysis/periods.ts';
import type { DB, RagRule, SeriesRole } from '../../db/schema.ts';
import * as format from '../../format.ts';
import { latestBaselines, type BaselineRecord } from '../analysis/queries.ts';
import { analyse } from '../analysis/service.ts';
import { measuredSeries, type MeasuredPoint } from '../indicators/measure.ts';
import { listIndicators, listObservationsForPartnership, type IndicatorRecord, type ObservationRecord } from '../indicators/queries.ts';
import { findMarksForIndicators, placeMarks } from '../indicators/marks.ts';
import { indicatorCharts } from '../indicators/view-model.ts';
import { suppressSmallNumbers } from '../observations/small-numbers.ts';
import { listOutcomes, listPriorities } from '../partnerships/queries.ts';
import { listSeriesFor } from '../reports/queries.ts';
import { listAuthorityValues } from './queries.ts';

export const ALL_ROLES: readonly SeriesRole[] = ['local', 'focus', 'comparison', 'england', 'region', 'neighbours', 'target'];
/** The partnership's own series: which years a book can be for. */
const OWN_ROLES: readonly SeriesRole[] = ['local', 'focus', 'comparison'];

export interface PartnershipSettings {
  id: string;
  rag_rule: RagRule;
  small_number_threshold: number | null;
}

export interface IndicatorFigures {
  indicator: IndicatorRecord;
  outcome: { id: string; title: string };
  priority: { id: string; title: string };
  series: { role: SeriesRole; label: string; note: string }[];
  observations: ObservationRecord[];
  baseline: BaselineRecord | null;
  analysis: IndicatorAnalysis;
  charts: ReturnType<typeof indicatorCharts>['charts'];
  headline: MeasuredPoint[];
  spec: format.UnitSpec;
}

/** The reporting year a period falls in: the calendar year, or the year an academic or financial year starts. */
export function reportingYear(periodType: string, position: number): number {
  return Math.floor(position / periodsPerYear(periodType as PeriodType));
}

/** How a book year is written: "2024 to 2025" (GOV.UK style), and what it covers. */
export function yearLabel(year: number): string {
  return `${year} to ${year + 1}`;
}

export function yearCoverage(year: number): string {
  const next = String((year + 1) % 100).padStart(2, '0');
  return `Figures up to academic year ${year}/${next}, financial year ${year}-${next} (to quarter 4) and calendar year ${year}. Later figures are not in this book.`;
}

export interface LoadOptions {
  /** Leave out figures after this reporting year; null for every figure. */
  year?: number | null;
  /** Only these indicators (a publication of chosen indicators). */
  indicatorIds?: ReadonlySet<string> | null;
}

export async function loadFigures(db: Kysely<DB>, partnership: PartnershipSettings, options: LoadOptions = {}) {
  const pid = partnership.id;
  const [outcomes, priorities, allIndicators, observations, baselines, authority] = await Promise.all([
    listOutcomes(db, pid),
    listPriorities(db, pid),
    listIndicators(db, pid),
    listObservationsForPartnership(db, pid, ALL_ROLES),
    latestBaselines(db, pid),
    listAuthorityValues(db, pid),
  ]);
  const outcomeById = new Map(outcomes.map((o) => [o.id, o]));
  const priorityById = new Map(priorities.map((p) => [p.id, p]));
  const indicators = allIndicators.filter((i) => i.priority_id !== null && priorityById.has(i.priority_id) && (!options.indicatorIds || options.indicatorIds.has(i.id)));
  const [series, marksOf] = await Promise.all([
    listSeriesFor(db, pid, indicators.map((i) => i.id)),
    findMarksForIndicators(db, pid, indicators, { names: false }),
  ]);

  const years = new Set<number>();
  const byIndicator = groupBy(observations, (o) => o.indicator_id);
  const periodTypeOf = new Map(allIndicators.map((i) => [i.id, i.period_type]));
  // Only the listed indicators' figures: not a retired indicator's, nor a programme's measure's.
  for (const o of observations) {
    const periodType = periodTypeOf.get(o.indicator_id);
    if (periodType && OWN_ROLES.includes(o.role) && (o.value !== null || o.marker)) years.add(reportingYear(periodType, o.period_position));
  }

  const baselineOf = new Map(baselines.map((b) => [b.indicator_id, b]));
  const authorityOf = groupBy(authority, (a) => a.indicator_id);
  const year = options.year ?? null;

  const figures: IndicatorFigures[] = indicators.map((indicator) => {
    const priority = priorityById.get(indicator.priority_id!)!;
    const outcome = outcomeById.get(priority.outcome_id)!;
    const inYear = (byIndicator.get(indicator.id) ?? []).filter((o) => year === null || reportingYear(indicator.period_type, o.period_position) <= year);
    const shown = suppressSmallNumbers(inYear, indicator.unit, partnership.small_number_threshold);
    const baseline = baselineOf.get(indicator.id) ?? null;
    const measured = measuredSeries(indicator, shown);
    const latest = [...measured].reverse().find((p) => p.value !== null);
    // Rank among all authorities: only for a single measure, whose published values are the measure itself.
    const values = indicator.kind === 'single' && latest ? (authorityOf.get(indicator.id) ?? []).filter((a) => a.period_position === latest.position).map((a) => a.value).filter((v): v is number => v !== null) : [];
    const analysis = analyse(indicator, shown, baseline, partnership.rag_rule, undefined, values.length >= 2 && latest ? { position: latest.position, values } : null);
    const ownSeries = series.filter((s) => s.indicator_id === indicator.id).map((s) => ({ role: s.role, label: s.label, note: s.note }));
    const { charts, headline, spec } = indicatorCharts(indicator, ownSeries, shown, analysis);
    // Marks on the main chart (the last): the Data Book may be published, so baselines are "agreed by the partnership".
    const main = charts.at(-1)?.chart;
    if (main) main.marks = placeMarks(main, indicator.period_type as PeriodType, marksOf.get(indicator.id) ?? []).marks;
    return { indicator, outcome: { id: outcome.id, title: outcome.title }, priority: { id: priority.id, title: priority.title }, series: ownSeries, observations: shown, baseline, analysis, charts, headline, spec };
  });

  return { outcomes, priorities, figures, years: [...years].sort((a, b) => b - a) };
}

export type LoadedFigures = Awaited<ReturnType<typeof loadFigures>>;

export function groupBy<T, K>(rows: readonly T[], key: (row: T) => K): Map<K, T[]> {
  const map = new Map<K, T[]>();
  for (const row of rows) {
    const k = key(row);
    let list = map.get(k);
    if (!list) map.set(k, (list = []));
    list.push(row);
  }
  return map;
}
