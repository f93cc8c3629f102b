// Targets for an indicator: which periods the page offers, and a trajectory (a start value at one period, an end value
// at a later one) turned into a value for every period between. Pure: no I/O.
import { periodFromPosition, periodWindow, periodsPerYear, type Period, type PeriodType } from '../../analysis/periods.ts';

/** How many periods ahead of now the page offers targets for: five years of years, two of quarters, one of months. */
function periodsAhead(type: PeriodType): number {
  const perYear = periodsPerYear(type);
  return perYear === 1 ? 5 : perYear === 4 ? 8 : 12;
}

/** The positions a target may be written for (the accepted period window), as the first and last position. */
function writablePositions(type: PeriodType, today: Date): { first: number; last: number } {
  const window = periodWindow(today);
  const perYear = periodsPerYear(type);
  return { first: window.from * perYear, last: (window.to + 1) * perYear - 1 };
}

/**
 * The periods of the per-period table: from the period before the latest figure (or now, if earlier) to a few
 * periods ahead of now, plus any period that already has a target after that start, oldest first.
 */
export function targetPeriods(type: PeriodType, now: number, latestFigure: number | null, targetPositions: readonly number[], today = new Date()): Period[] {
  const { first, last } = writablePositions(type, today);
  const clamp = (p: number) => Math.min(last, Math.max(first, p));
  const start = clamp(Math.min(now, latestFigure ?? now) - 1);
  const end = clamp(now + periodsAhead(type));
  const positions = new Set<number>();
  for (let p = start; p <= end; p++) positions.add(p);
  for (const p of targetPositions) if (p >= start && p <= last) positions.add(p);
  return [...positions].sort((a, b) => a - b).map((p) => periodFromPosition(type, p));
}

/** The periods a trajectory may start or end at: from the table's first period to the end of the accepted window. */
export function trajectoryPeriods(type: PeriodType, tableStart: number, today = new Date()): Period[] {
  const { last } = writablePositions(type, today);
  const periods: Period[] = [];
  for (let p = tableStart; p <= last; p++) periods.push(periodFromPosition(type, p));
  return periods;
}

/** Rounds half away from zero to `decimals` places, without binary noise (2.675 → 2.68, −2.5 → −3). */
export function roundTo(value: number, decimals: number): number {
  const scaled = Number((Math.abs(value) * 10 ** decimals).toPrecision(12));
  const rounded = (Math.sign(value) * Math.round(scaled)) / 10 ** decimals;
  return rounded === 0 ? 0 : rounded;
}

export interface TrajectoryPoint {
  period: Period;
  value: number;
}

/**
 * A straight line from the start value at the start period to the end value at the end period: one value for every
 * period from start to end inclusive, each rounded to the indicator's decimals. The end must come after the start.
 */
export function trajectory(type: PeriodType, start: { position: number; value: number }, end: { position: number; value: number }, decimals: number): TrajectoryPoint[] {
  const steps = end.position - start.position;
  if (steps <= 0) throw new RangeError('the end of a trajectory must come after its start');
  const points: TrajectoryPoint[] = [];
  for (let i = 0; i <= steps; i++) {
    const exact = i === steps ? end.value : start.value + ((end.value - start.value) * i) / steps;
    points.push({ period: periodFromPosition(type, start.position + i), value: roundTo(exact, decimals) });
  }
  return points;
}
