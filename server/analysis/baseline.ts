// What a baseline is, in words a reader can check, and which baselines the method accepts (docs/method.md,
// "Baselines and forecasts"). Pure: the count and periods come from the fit itself — the values the least-squares
// line was computed from — never from the window the partnership asked for, which may hold fewer values.

import { MIN_HISTORY, type LinearFit, type Observation } from './forecast.ts';

/** The part of an agreed baseline a description needs. */
export interface BaselineForDescription {
  position: number;
  method: 'linear' | 'manual';
  fit: Pick<LinearFit, 'n' | 'historyPositions'> | null;
  manualPoints: readonly { position: number; value: number }[] | null;
}

export interface BaselineFitDescription {
  method: 'linear' | 'manual';
  /** How many values the straight line was fitted to (linear); how many periods were agreed by hand (manual). */
  count: number;
  /** The periods the line was fitted to, or the periods agreed by hand, in order. */
  positions: number[];
  /** "a straight line fitted to the 3 values from 2019/20 to 2021/22" */
  text: string;
}

/** A list in words: "2017/18, 2018/19 and 2021/22". */
function listInWords(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** "from 2019/20 to 2021/22" when the periods run on without a gap; each one named when one is missing between. */
function periodsInWords(positions: number[], formatPeriod: (position: number) => string): string {
  if (positions.length === 1) return `for ${formatPeriod(positions[0]!)}`;
  const first = positions[0]!;
  const last = positions.at(-1)!;
  return last - first === positions.length - 1
    ? `from ${formatPeriod(first)} to ${formatPeriod(last)}`
    : `for ${listInWords(positions.map(formatPeriod))}`;
}

/**
 * The forecast of a baseline in words, with exactly the values the fit used: "a straight line fitted to the 3 values
 * from 2019/20 to 2021/22". A linear baseline recorded without its fit says so rather than guessing.
 */
export function describeBaselineFit(baseline: BaselineForDescription, formatPeriod: (position: number) => string): BaselineFitDescription {
  if (baseline.method === 'manual') {
    const positions = (baseline.manualPoints ?? []).map((p) => p.position).sort((a, b) => a - b);
    const text = positions.length
      ? `a forecast agreed by hand ${periodsInWords(positions, formatPeriod)}, after the baseline period ${formatPeriod(baseline.position)}`
      : `a forecast agreed by hand from ${formatPeriod(baseline.position)}, with no values`;
    return { method: 'manual', count: positions.length, positions, text };
  }
  if (!baseline.fit) {
    return { method: 'linear', count: 0, positions: [], text: `a straight line up to ${formatPeriod(baseline.position)}, recorded without its fit` };
  }
  const positions = [...(baseline.fit.historyPositions ?? [])].sort((a, b) => a - b);
  const count = baseline.fit.n;
  // A fit stored without its periods (none are known to be) still states its true count.
  if (positions.length !== count) {
    return { method: 'linear', count, positions, text: `a straight line fitted to ${count === 1 ? 'the 1 value' : `the ${count} values`} up to ${formatPeriod(baseline.position)}` };
  }
  // The baseline period is named too when it is not the last value fitted (it had no value of its own).
  const through = positions.at(-1) === baseline.position ? '' : `, up to the baseline period ${formatPeriod(baseline.position)}`;
  return { method: 'linear', count, positions, text: `a straight line fitted to the ${count} values ${periodsInWords(positions, formatPeriod)}${through}` };
}

/** The usable values (markers and gaps skipped) in period order. */
function usablePositions(observations: readonly Observation[]): number[] {
  return observations
    .filter((o) => typeof o.value === 'number' && Number.isFinite(o.value))
    .map((o) => o.position)
    .sort((a, b) => a - b);
}

/**
 * The baseline periods a straight line can be fitted from: the first with at least three values up to it, to the
 * latest value. Null when there are fewer than three values (only a forecast agreed by hand is possible).
 */
export function acceptedBaselineRange(observations: readonly Observation[]): { from: number; to: number } | null {
  const positions = usablePositions(observations);
  if (positions.length < MIN_HISTORY) return null;
  return { from: positions[MIN_HISTORY - 1]!, to: positions.at(-1)! };
}

/**
 * The baseline the form offers before anyone chooses: the latest period that still leaves `judged` later values to
 * judge against the forecast, as long as at least three values lead up to it; with too few values for that, the
 * first period that has three (so as many later values as possible are judged). Null with fewer than three values.
 */
export function defaultBaselinePosition(observations: readonly Observation[], judged: number): number | null {
  const positions = usablePositions(observations);
  if (positions.length < MIN_HISTORY) return null;
  const leavingJudged = positions.length - 1 - judged;
  return positions[Math.max(MIN_HISTORY - 1, leavingJudged)]!;
}
