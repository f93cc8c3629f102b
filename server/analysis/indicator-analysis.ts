// Everything the tracker says about one indicator, composed from the pure pieces: the agreed baseline's forecast,
// the turned-the-curve status, direction of travel, SPC, the gap's story, comparators, rank and RAG.
// Pure: figures in, judgements out. The page, the scorecard and the API all call this one function.

import { describeBaselineFit, type BaselineFitDescription } from './baseline.ts';
import { classifyGapChange, GAP_CHANGE_DESCRIPTIONS, gapChangeSentence, gapNarrowed, isLevellingDown, type GapChange } from './gap.ts';
import { forecastFromFit, manualForecast, NON_NEGATIVE_BOUNDS, PERCENT_BOUNDS, type Forecast, type LinearFit, type NoForecast, type UnitBounds } from './forecast.ts';
import { compareWith, ragAgainstTarget, rankAndQuartile, type Comparison, type Rag, type RagRule, type RankAndQuartile } from './comparators.ts';
import type { Polarity } from './polarity.ts';
import { spc, type SpcResult } from './spc.ts';
import { changeSinceBaselineStart, currentStreak, directionOfTravel, turnTheCurveStatus, type ChangeSinceBaselineStart, type Direction, type JudgedPoint, type TurnTheCurveCode } from './turn-the-curve.ts';

export interface SeriesPoint {
  position: number;
  value: number | null;
}

export interface AgreedBaseline {
  version: number;
  position: number;
  label: string;
  window: number;
  method: 'linear' | 'manual';
  fit: LinearFit | null;
  manualPoints: { position: number; value: number }[] | null;
  agreedBy: string;
  agreedAt: Date | string;
}

export interface SpcSettings {
  screen: boolean;
  fixAfter?: number;
  rebaseAt?: number[];
  /** The first period (position) the SPC chart and its limits use. */
  from?: number;
}

export interface AnalysisInput {
  kind: 'single' | 'gap';
  /** The polarity of the measure (for a gap, of both groups). */
  polarity: Polarity;
  unit: 'percentage' | 'rate' | 'count' | 'score' | 'ratio';
  /** What is judged: the local series, or the gap. */
  measured: readonly SeriesPoint[];
  focus?: readonly SeriesPoint[];
  comparison?: readonly SeriesPoint[];
  comparators: Partial<Record<'england' | 'region' | 'neighbours' | 'target', readonly SeriesPoint[]>>;
  baseline: AgreedBaseline | null;
  spc: SpcSettings;
  /** Every authority's value at the latest period, when known: for rank and quartile. */
  authorityValues?: { position: number; values: number[] } | null;
  ragRule: RagRule;
  periodsPerYear: number;
  formatValue(value: number): string;
  formatBand(value: number): string;
  formatPeriod(position: number): string;
}

export interface ForecastLinePoint {
  position: number;
  value: number;
  band: number;
}

export interface ComparatorSummary {
  role: 'england' | 'region' | 'neighbours';
  position: number;
  local: number;
  value: number;
  comparison: Comparison;
  difference: number;
}

export interface IndicatorAnalysis {
  /** The polarity judgements use: for a gap, smaller is better. */
  judgedPolarity: Polarity;
  status: { code: TurnTheCurveCode | 'no_baseline'; sentence: string; streak: number; baselineVersion: number | null };
  /** The agreed baseline's forecast in words, with the count and periods the fit used; null with no baseline. */
  baselineFit: BaselineFitDescription | null;
  judgedPoints: JudgedPoint[];
  forecastLine: ForecastLinePoint[];
  direction: { againstPrevious: Direction; againstYearBefore: Direction; latest: number | null };
  streak: { direction: Direction; periods: number };
  changeSinceBaselineStart: ChangeSinceBaselineStart | null;
  spc: SpcResult;
  /**
   * Why the gap moved between its latest two periods, classified once here so every page, report, slide and the API
   * read the same reason. When it narrowed, the status sentence gives the reason too (docs/method.md, Gaps).
   */
  gap: { change: GapChange; description: string; from: number; to: number; narrowed: boolean; levellingDown: boolean } | null;
  comparators: ComparatorSummary[];
  rank: (RankAndQuartile & { position: number }) | null;
  rag: { rag: Rag; target: number; position: number } | null;
}

export function boundsFor(kind: 'single' | 'gap', unit: AnalysisInput['unit']): UnitBounds {
  if (kind === 'gap') return {}; // a gap may be negative: the focus group ahead
  if (unit === 'percentage') return PERCENT_BOUNDS;
  if (unit === 'rate' || unit === 'count') return NON_NEGATIVE_BOUNDS;
  return {};
}

/** The forecast a baseline agreed, rebuilt from what was stored, never refitted to today's history. */
export function agreedForecast(baseline: AgreedBaseline, bounds: UnitBounds): Forecast | NoForecast {
  if (baseline.method === 'manual') return manualForecast(baseline.manualPoints ?? []);
  if (!baseline.fit) return { ok: false, reason: 'too_few_points', found: 0, message: 'No forecast was recorded with this baseline' };
  return forecastFromFit(baseline.fit, bounds);
}

const valueAt = (series: readonly SeriesPoint[] | undefined, position: number) => series?.find((p) => p.position === position)?.value ?? null;

export function analyseIndicator(input: AnalysisInput): IndicatorAnalysis {
  const judgedPolarity: Polarity = input.kind === 'gap' ? 'lower' : input.polarity;
  const bounds = boundsFor(input.kind, input.unit);
  const observations = input.measured;
  const withValues = observations.filter((p): p is { position: number; value: number } => typeof p.value === 'number');
  const latestPosition = withValues.length ? withValues[withValues.length - 1]!.position : null;

  // Has the curve turned, against the baseline as agreed?
  let status: IndicatorAnalysis['status'];
  let judgedPoints: JudgedPoint[] = [];
  let forecastLine: ForecastLinePoint[] = [];
  if (!input.baseline) {
    status = { code: 'no_baseline', sentence: 'No baseline has been agreed for this indicator yet, so it cannot be judged against one.', streak: 0, baselineVersion: null };
  } else {
    const forecast = agreedForecast(input.baseline, bounds);
    const result = turnTheCurveStatus({
      observations,
      baseline: input.baseline.position,
      polarity: judgedPolarity,
      forecast,
      formatValue: input.formatValue,
      formatBand: input.formatBand,
      formatPeriod: input.formatPeriod,
    });
    status = { code: result.code, sentence: result.sentence, streak: result.streak, baselineVersion: input.baseline.version };
    judgedPoints = result.points;
    forecastLine = forecastLineFor(forecast, input.baseline, latestPosition);
  }

  const direction = directionOfTravel({ observations, polarity: judgedPolarity, periodsPerYear: input.periodsPerYear });
  const streak = currentStreak({ observations, polarity: judgedPolarity });
  const change = input.baseline
    ? changeSinceBaselineStart({ observations, baseline: input.baseline.position, polarity: judgedPolarity, window: input.baseline.window })
    : null;

  const target = latestTarget(input.comparators.target, latestPosition);
  const spcResult = spc({
    points: withValues,
    polarity: judgedPolarity,
    screen: input.spc.screen,
    fixAfter: input.spc.fixAfter,
    rebaseAt: input.spc.rebaseAt,
    from: input.spc.from,
    target: target?.value,
  });

  // Wherever a gap is said to have narrowed, the reason is given: the status sentence carries it to every page.
  const gap = input.kind === 'gap' ? latestGapChange(input) : null;
  if (gap?.narrowed) {
    const end = /[.!?]$/.test(status.sentence) ? '' : '.';
    status = { ...status, sentence: `${status.sentence}${end} ${gapChangeSentence(gap.change, input.formatPeriod(gap.from), input.formatPeriod(gap.to))}` };
  }

  return {
    judgedPolarity,
    status,
    baselineFit: input.baseline ? describeBaselineFit(input.baseline, input.formatPeriod) : null,
    judgedPoints,
    forecastLine,
    direction: {
      latest: direction.latest,
      againstPrevious: direction.againstPrevious?.direction ?? 'not_comparable',
      againstYearBefore: direction.againstYearBefore?.direction ?? 'not_comparable',
    },
    streak,
    changeSinceBaselineStart: change,
    spc: spcResult,
    gap,
    comparators: comparatorSummaries(input, latestPosition, judgedPolarity),
    rank: rankAtLatest(input, latestPosition, judgedPolarity),
    rag: target && latestPosition !== null ? ragAt(input, latestPosition, target.value, judgedPolarity) : null,
  };
}

/** The dashed line on the chart: the fitted line over the history, then the projection with its band. */
function forecastLineFor(forecast: Forecast | NoForecast, baseline: AgreedBaseline, latest: number | null): ForecastLinePoint[] {
  if (!forecast.ok) return [];
  if (baseline.method === 'manual') {
    return (baseline.manualPoints ?? []).map((p) => ({ position: p.position, value: p.value, band: 0 }));
  }
  const fit = baseline.fit!;
  const first = Math.min(...fit.historyPositions);
  // Up to the latest figure, but never more than a century of months past the baseline: a stored figure far in
  // the future (year 9998, typed before periods were checked) must not make a line of a hundred thousand points.
  const last = Math.min(Math.max(baseline.position + 1, latest ?? baseline.position), baseline.position + 1200);
  const line: ForecastLinePoint[] = [];
  for (let position = first; position <= last; position++) {
    const point = forecast.forecastAt(position)!;
    line.push({ position, value: point.value, band: position > baseline.position ? point.band : 0 });
  }
  return line;
}

function latestTarget(target: readonly SeriesPoint[] | undefined, latest: number | null) {
  if (!target || latest === null) return null;
  const exact = target.find((p) => p.position === latest && typeof p.value === 'number');
  if (exact) return { position: exact.position, value: exact.value! };
  return null;
}

function latestGapChange(input: AnalysisInput): IndicatorAnalysis['gap'] {
  // A gap with no better direction (refused since migration 0010; older rows may remain) cannot be said to narrow.
  if (input.polarity === 'neutral') return null;
  const both = (input.focus ?? [])
    .map((f) => ({ position: f.position, focus: f.value, comparison: valueAt(input.comparison, f.position) }))
    .filter((p): p is { position: number; focus: number; comparison: number } => typeof p.focus === 'number' && typeof p.comparison === 'number')
    .sort((a, b) => a.position - b.position);
  if (both.length < 2) return null;
  const previous = both[both.length - 2]!;
  const current = both[both.length - 1]!;
  const change = classifyGapChange(previous, current, input.polarity);
  return { change, description: GAP_CHANGE_DESCRIPTIONS[change], from: previous.position, to: current.position, narrowed: gapNarrowed(change), levellingDown: isLevellingDown(change) };
}

function comparatorSummaries(input: AnalysisInput, latest: number | null, polarity: Polarity): ComparatorSummary[] {
  if (latest === null) return [];
  const local = valueAt(input.measured, latest)!;
  const summaries: ComparatorSummary[] = [];
  for (const role of ['england', 'region', 'neighbours'] as const) {
    const value = valueAt(input.comparators[role], latest);
    if (value === null) continue;
    const { comparison, difference } = compareWith(local, value, polarity);
    summaries.push({ role, position: latest, local, value, comparison, difference: difference! });
  }
  return summaries;
}

function rankAtLatest(input: AnalysisInput, latest: number | null, polarity: Polarity) {
  const all = input.authorityValues;
  if (!all || latest === null || all.position !== latest || all.values.length < 2) return null;
  const local = valueAt(input.measured, latest);
  if (local === null) return null;
  const ranked = rankAndQuartile(local, all.values, polarity);
  return ranked ? { ...ranked, position: latest } : null;
}

function ragAt(input: AnalysisInput, latest: number, target: number, polarity: Polarity) {
  const rag = ragAgainstTarget(input.ragRule, {
    value: valueAt(input.measured, latest),
    target,
    previous: valueAt(input.measured, latest - 1),
    polarity,
  });
  return rag ? { rag, target, position: latest } : null;
}
