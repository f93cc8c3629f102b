// The baseline forecast (docs/method.md, Baselines and forecasts): where an indicator is headed if the partnership carries on as it is.
// A straight line fitted by least squares to the last few values up to the baseline period, or a forecast the
// partners agreed by hand. Positions come from periods.ts, so a gap in the data keeps its x.

import { studentTQuantile } from './student-t.ts';

/** One value of the local series; `null` is a marker (c, x, z, …) or missing, and is skipped, never read as 0. */
export interface Observation {
  position: number;
  value: number | null;
}

/** The range a unit allows: a percentage 0–100, rates and counts ≥ 0. */
export interface UnitBounds {
  min?: number;
  max?: number;
}

export interface ForecastPoint {
  value: number;
  /** Half-width of the noise band (80% prediction interval); 0 for a manual forecast. */
  band: number;
}

/** The least-squares line y = a + b·x through the history, with what the noise band needs. */
export interface LinearFit {
  a: number;
  b: number;
  n: number;
  xbar: number;
  /** Mean of the history values: the fitted line passes through (x̄, ȳ). */
  ybar: number;
  /** Σ(x − x̄)² */
  sxx: number;
  /** Residual standard deviation, sqrt(SSE / (n − 2)). */
  sigma: number;
  historyPositions: number[];
}

/** Anything judgement can be made against: a value (and band) per position, or none. */
export interface Forecast {
  ok: true;
  method: 'linear' | 'manual';
  forecastAt(position: number): ForecastPoint | null;
}

export interface LinearForecast extends Forecast {
  ok: true;
  method: 'linear';
  fit: LinearFit;
  /** A computed forecast reaches every position, before the baseline too (the fitted values). */
  forecastAt(position: number): ForecastPoint;
}

export interface NoForecast {
  ok: false;
  reason: 'too_few_points';
  /** How many usable history values there were. */
  found: number;
  message: string;
}

export interface ManualForecast extends Forecast {
  ok: true;
  method: 'manual';
  points: { position: number; value: number }[];
}

export const DEFAULT_WINDOW = 5;
export const MIN_HISTORY = 3;

/** Percentage: 0–100. */
export const PERCENT_BOUNDS: UnitBounds = { min: 0, max: 100 };
/** Rates and counts: never negative. */
export const NON_NEGATIVE_BOUNDS: UnitBounds = { min: 0 };

/**
 * Fit the baseline: ordinary least squares on the last `window` non-null values at positions ≤ `baseline`.
 * Fewer than 3 such values: no forecast, and a message that says why.
 */
export function linearForecast(options: {
  observations: readonly Observation[];
  baseline: number;
  window?: number;
  bounds?: UnitBounds;
}): LinearForecast | NoForecast {
  const { observations, baseline, window = DEFAULT_WINDOW, bounds = {} } = options;
  if (!Number.isInteger(window) || window < MIN_HISTORY) {
    throw new RangeError(`The history window must be a whole number of at least ${MIN_HISTORY}, got ${window}`);
  }
  const history = baselineHistory(observations, baseline, window);
  if (history.length < MIN_HISTORY) {
    const found = history.length;
    return {
      ok: false,
      reason: 'too_few_points',
      found,
      message:
        `No forecast: ${found === 0 ? 'no values' : found === 1 ? 'only 1 value' : `only ${found} values`} ` +
        `up to the baseline period, and a forecast needs at least ${MIN_HISTORY}`,
    };
  }
  return forecastFromFit(fitLine(history), bounds);
}

/** The history of a baseline: the last `window` values (markers skipped) at or before the baseline period. */
export function baselineHistory(
  observations: readonly Observation[],
  baseline: number,
  window: number = DEFAULT_WINDOW,
): { position: number; value: number }[] {
  const usable = observations
    .filter((o): o is { position: number; value: number } => isNumber(o.value) && o.position <= baseline)
    .map((o) => ({ position: o.position, value: o.value }))
    .sort((p, q) => p.position - q.position);
  assertDistinctPositions(usable);
  return usable.slice(-window);
}

/**
 * The forecast from a fit recorded earlier. Judgement is always against the forecast as agreed, so a stored fit
 * is used as it is rather than refitted to history that may since have been revised.
 */
export function forecastFromFit(fit: LinearFit, bounds: UnitBounds = {}): LinearForecast {
  const t = studentTQuantile(0.9, fit.n - 2);
  const { ybar } = fit;
  return {
    ok: true,
    method: 'linear',
    fit,
    forecastAt(position: number): ForecastPoint {
      const dx = position - fit.xbar;
      // Centred form: exact at x̄, and no cancellation between a large a and b·x for positions like 8099.
      const value = clamp(ybar + fit.b * dx, bounds);
      const band = fit.sigma === 0 ? 0 : t * fit.sigma * Math.sqrt(1 + 1 / fit.n + (dx * dx) / fit.sxx);
      return { value, band };
    },
  };
}

/** A forecast the partners agreed: the agreed value at each agreed position (band 0), nothing elsewhere. */
export function manualForecast(points: readonly { position: number; value: number | null }[]): ManualForecast {
  const agreed = points
    .filter((p): p is { position: number; value: number } => isNumber(p.value))
    .map((p) => ({ position: p.position, value: p.value }))
    .sort((p, q) => p.position - q.position);
  assertDistinctPositions(agreed);
  const byPosition = new Map(agreed.map((p) => [p.position, p.value]));
  return {
    ok: true,
    method: 'manual',
    points: agreed,
    forecastAt(position: number): ForecastPoint | null {
      const value = byPosition.get(position);
      return value === undefined ? null : { value, band: 0 };
    },
  };
}

function fitLine(history: readonly { position: number; value: number }[]): LinearFit {
  const n = history.length;
  const xbar = history.reduce((sum, h) => sum + h.position, 0) / n;
  const ybar = history.reduce((sum, h) => sum + h.value, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const h of history) {
    sxx += (h.position - xbar) ** 2;
    sxy += (h.position - xbar) * (h.value - ybar);
  }
  const b = sxy / sxx;
  const a = ybar - b * xbar;
  let sse = 0;
  for (const h of history) sse += (h.value - (ybar + b * (h.position - xbar))) ** 2;
  // Residuals at the level of rounding error (0.1, 0.2, 0.3 is a straight line) are not noise: no band.
  const scale = Math.max(...history.map((h) => Math.abs(h.value)));
  if (sse <= n * (1e-12 * scale) ** 2) sse = 0;
  const sigma = Math.sqrt(sse / (n - 2));
  return { a, b, n, xbar, ybar, sxx, sigma, historyPositions: history.map((h) => h.position) };
}

function clamp(value: number, bounds: UnitBounds): number {
  if (bounds.min !== undefined && value < bounds.min) return bounds.min;
  if (bounds.max !== undefined && value > bounds.max) return bounds.max;
  return value;
}

function isNumber(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

// Two values for one period is a caller's mistake (e.g. provisional and revised both passed): refuse it
// rather than fit a line through both.
function assertDistinctPositions(points: readonly { position: number }[]): void {
  for (let i = 1; i < points.length; i++) {
    if (points[i].position === points[i - 1].position) {
      throw new Error(`Two values were given for position ${points[i].position}; pass one value per period`);
    }
  }
}
