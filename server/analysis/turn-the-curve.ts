// Has the curve turned? (docs/method.md, same section): each actual after the baseline judged against the forecast as agreed,
// the indicator's status from the latest of them, and the direction-of-travel figures shown beside it.
// Units and period labels come in as functions, so this module knows nothing about either.

import { DEFAULT_WINDOW, MIN_HISTORY, baselineHistory, linearForecast } from './forecast.ts';
import type { Forecast, NoForecast, Observation, UnitBounds } from './forecast.ts';
import { polaritySign, signWithin } from './polarity.ts';
import type { Polarity } from './polarity.ts';

export type PointJudgement = 'better' | 'worse' | 'on_baseline' | 'above_forecast' | 'below_forecast';

export type TurnTheCurveCode =
  | 'turned'
  | 'turning'
  | 'on_baseline'
  | 'worse'
  | 'no_data'
  | 'above_forecast'
  | 'below_forecast';

export interface JudgedPoint {
  position: number;
  actual: number;
  forecast: number;
  band: number;
  judgement: PointJudgement;
}

export interface TurnTheCurveStatus {
  code: TurnTheCurveCode;
  /** Only for `no_data`: which thing is missing. */
  noDataReason?: 'no_forecast' | 'no_actual_after_baseline' | 'no_forecast_for_actuals';
  sentence: string;
  /** How many periods, up to the latest, have had the latest judgement (0 for no_data). */
  streak: number;
  points: JudgedPoint[];
}

/**
 * Judge one actual against the forecast: d = (actual − forecast)·s, better if d > w, worse if d < −w.
 * Differences within a relative 1e-9 of the numbers involved count as zero, so that a value exactly on a
 * straight forecast is on baseline even when the band is 0.
 */
export function judgePoint(actual: number, forecast: number, band: number, polarity: Polarity): PointJudgement {
  const s = polaritySign(polarity);
  const d = (actual - forecast) * (s === 0 ? 1 : s);
  const w = Math.abs(band);
  const beyond = signWithin(Math.abs(d) - w, actual, forecast, w);
  if (beyond <= 0) return 'on_baseline';
  if (s === 0) return d > 0 ? 'above_forecast' : 'below_forecast';
  return d > 0 ? 'better' : 'worse';
}

export interface TurnTheCurveInput {
  observations: readonly Observation[];
  /** Position of the baseline period: actuals after it are judged. */
  baseline: number;
  polarity: Polarity;
  /**
   * The forecast as agreed (computed or manual). When omitted, the default linear forecast is fitted to the
   * observations with `window` and `bounds`.
   */
  forecast?: Forecast | NoForecast;
  window?: number;
  bounds?: UnitBounds;
  formatValue: (value: number) => string;
  /** For the ± noise band; defaults to formatValue (pass one without a unit sign to print "±0.4"). */
  formatBand?: (band: number) => string;
  formatPeriod: (position: number) => string;
}

export function turnTheCurveStatus(input: TurnTheCurveInput): TurnTheCurveStatus {
  const { observations, baseline, polarity, formatValue, formatPeriod } = input;
  const formatBand = input.formatBand ?? formatValue;
  const forecast =
    input.forecast ?? linearForecast({ observations, baseline, window: input.window, bounds: input.bounds });

  if (!forecast.ok) {
    const found = forecast.found === 0 ? 'no values' : `only ${forecast.found} value${forecast.found === 1 ? '' : 's'}`;
    return noData(
      'no_forecast',
      `No forecast for the baseline ${formatPeriod(baseline)}: ${found} up to it, and a forecast needs at least ${MIN_HISTORY}`,
    );
  }

  const actuals = observations
    .filter((o): o is { position: number; value: number } => isNumber(o.value) && o.position > baseline)
    .sort((p, q) => p.position - q.position);
  if (actuals.length === 0) {
    return noData('no_actual_after_baseline', `No actual value after the baseline ${formatPeriod(baseline)} yet`);
  }

  const points: JudgedPoint[] = [];
  for (const { position, value: actual } of actuals) {
    const expected = forecast.forecastAt(position);
    // A manual forecast need not cover every period; an actual without one cannot be judged.
    if (!expected) continue;
    points.push({
      position,
      actual,
      forecast: expected.value,
      band: expected.band,
      judgement: judgePoint(actual, expected.value, expected.band, polarity),
    });
  }
  if (points.length === 0) {
    const periods = actuals.map((a) => formatPeriod(a.position)).join(', ');
    return noData('no_forecast_for_actuals', `No agreed forecast for the periods with actuals after the baseline (${periods})`);
  }

  const latest = points[points.length - 1];
  let streak = 0;
  for (let i = points.length - 1; i >= 0 && points[i].judgement === latest.judgement; i--) streak++;

  const band = latest.band > 0 ? ` (±${formatBand(latest.band)})` : '';
  const lead = `${formatPeriod(latest.position)}: ${formatValue(latest.actual)}, forecast ${formatValue(latest.forecast)}${band}`;
  const forPeriods = streak > 1 ? ` for ${streak} periods` : '';
  let code: TurnTheCurveCode;
  let verdict: string;
  switch (latest.judgement) {
    case 'better':
      code = streak >= 2 ? 'turned' : 'turning';
      verdict =
        code === 'turned'
          ? `better than baseline for ${streak} periods — the curve has turned`
          : 'better than baseline in the latest period — the curve is turning';
      break;
    case 'worse':
      code = 'worse';
      verdict = `worse than baseline${forPeriods} — the curve has not turned`;
      break;
    case 'on_baseline':
      code = 'on_baseline';
      verdict = `on baseline${forPeriods}: within the noise band of the forecast`;
      break;
    case 'above_forecast':
    case 'below_forecast':
      code = latest.judgement;
      verdict =
        `${latest.judgement === 'above_forecast' ? 'above' : 'below'} the forecast${forPeriods}` +
        ' (neither better nor worse: this indicator has no better direction)';
      break;
  }
  return { code, sentence: `${lead}: ${verdict}`, streak, points };

  function noData(reason: NonNullable<TurnTheCurveStatus['noDataReason']>, sentence: string): TurnTheCurveStatus {
    return { code: 'no_data', noDataReason: reason, sentence, streak: 0, points: [] };
  }
}

// ---- Direction of travel, streak, change since the baseline began ----

export type Direction = 'improved' | 'worsened' | 'no_change' | 'increased' | 'decreased' | 'not_comparable';

/** The direction from an earlier value to a later one; a missing value (marker) makes it not comparable. */
export function compareValues(earlier: number | null | undefined, later: number | null | undefined, polarity: Polarity): Direction {
  if (!isNumber(earlier) || !isNumber(later)) return 'not_comparable';
  const sign = signWithin(later - earlier, earlier, later);
  if (sign === 0) return 'no_change';
  const s = polaritySign(polarity);
  if (s === 0) return sign > 0 ? 'increased' : 'decreased';
  return sign * s > 0 ? 'improved' : 'worsened';
}

export interface DirectionComparison {
  direction: Direction;
  /** The position compared with (the previous period, or the same period a year before). */
  comparedWith: number;
  /** later − earlier, or null when not comparable. */
  change: number | null;
}

export interface DirectionOfTravel {
  /** The latest period with a value; null when there is none (then both comparisons are absent). */
  latest: number | null;
  againstPrevious: DirectionComparison | null;
  /** Against the same period a year before: for quarterly and monthly data, which are seasonal. */
  againstYearBefore: DirectionComparison | null;
}

/**
 * Direction of travel of the latest value, against the previous period and the same period a year before.
 * Comparisons are with those exact periods: if one is missing or marked, it is not comparable (rather than
 * quietly comparing with an older value under the same label).
 */
export function directionOfTravel(input: {
  observations: readonly Observation[];
  polarity: Polarity;
  periodsPerYear: number;
}): DirectionOfTravel {
  const values = valueByPosition(input.observations);
  const positions = [...values.keys()].sort((p, q) => p - q);
  if (positions.length === 0) return { latest: null, againstPrevious: null, againstYearBefore: null };
  const latest = positions[positions.length - 1];
  const against = (comparedWith: number): DirectionComparison => {
    const earlier = values.get(comparedWith);
    const later = values.get(latest) as number;
    const direction = compareValues(earlier, later, input.polarity);
    return { direction, comparedWith, change: isNumber(earlier) ? later - earlier : null };
  };
  return {
    latest,
    againstPrevious: against(latest - 1),
    againstYearBefore: against(latest - input.periodsPerYear),
  };
}

/**
 * How many consecutive periods, ending with the latest, have moved in the latest direction (period on period).
 * A missing period ends the run. With fewer than two consecutive values: not comparable, 0 periods.
 */
export function currentStreak(input: {
  observations: readonly Observation[];
  polarity: Polarity;
}): { direction: Direction; periods: number } {
  const values = valueByPosition(input.observations);
  const positions = [...values.keys()].sort((p, q) => p - q);
  if (positions.length === 0) return { direction: 'not_comparable', periods: 0 };
  let position = positions[positions.length - 1];
  const step = (at: number) => compareValues(values.get(at - 1), values.get(at), input.polarity);
  const direction = step(position);
  if (direction === 'not_comparable') return { direction, periods: 0 };
  let periods = 0;
  while (step(position) === direction) {
    periods++;
    position--;
  }
  return { direction, periods };
}

export interface ChangeSinceBaselineStart {
  from: { position: number; value: number };
  to: { position: number; value: number };
  change: number;
  /** change / from, or null when the first value is 0. */
  relativeChange: number | null;
  direction: Direction;
}

/**
 * Change from the first value of the baseline's history (the first of the last `window` values up to the
 * baseline) to the latest value. Null when there is no history or nothing after its first value.
 */
export function changeSinceBaselineStart(input: {
  observations: readonly Observation[];
  baseline: number;
  polarity: Polarity;
  window?: number;
}): ChangeSinceBaselineStart | null {
  const history = baselineHistory(input.observations, input.baseline, input.window ?? DEFAULT_WINDOW);
  if (history.length === 0) return null;
  const from = history[0];
  const values = valueByPosition(input.observations);
  const latestPosition = Math.max(...values.keys());
  if (latestPosition <= from.position) return null;
  const to = { position: latestPosition, value: values.get(latestPosition) as number };
  const change = to.value - from.value;
  return {
    from,
    to,
    change,
    relativeChange: from.value === 0 ? null : change / Math.abs(from.value),
    direction: compareValues(from.value, to.value, input.polarity),
  };
}

function valueByPosition(observations: readonly Observation[]): Map<number, number> {
  const values = new Map<number, number>();
  for (const o of observations) if (isNumber(o.value)) values.set(o.position, o.value);
  return values;
}

function isNumber(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
