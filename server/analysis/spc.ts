// Statistical process control: an XmR (individuals) chart with NHS "Making Data Count" rules (docs/method.md, SPC),
// computed as NHSRplotthedots does: limits from the mean moving range, optional screening of large moving ranges,
// optional limits fixed from the first k points, optional rebasing into segments judged on their own.

import { polaritySign, signWithin } from './polarity.ts';
import type { Polarity } from './polarity.ts';

export type SpcPointType =
  | 'common_cause'
  | 'special_cause_improvement'
  | 'special_cause_concern'
  | 'special_cause_neutral_high'
  | 'special_cause_neutral_low';

/** 1 outside the limits · 2 trend of 7 · 3 two of three close to a limit · 4 shift of 7. */
export type SpcRule = 1 | 2 | 3 | 4;

export type Assurance = 'consistent_pass' | 'consistent_fail' | 'inconsistent';

/**
 * The Making Data Count variation icon: what the latest point says. Improvement and concern are named by the side the
 * signal is on (high: the values are high; low: they are low), as the MDC icons carry an H or an L.
 */
export type Variation =
  | 'common_cause'
  | 'improvement_high'
  | 'improvement_low'
  | 'concern_high'
  | 'concern_low'
  | 'neutral_high'
  | 'neutral_low';

export interface SpcOptions {
  /** The series in any order, markers already removed. */
  points: readonly { position: number; value: number }[];
  polarity: Polarity;
  /** Drop moving ranges ≥ 3.267 × mean MR before the limits are set (NHSRplotthedots default; off in the MDC tool). */
  screen: boolean;
  /** Limits from the first k points of each segment only, held for the rest of it. */
  fixAfter?: number;
  /** Positions at which a new segment, with its own limits, begins. */
  rebaseAt?: readonly number[];
  /** The first position the chart and its limits use; earlier points are left out (an agreed setting). */
  from?: number;
  target?: number;
}

export interface SpcSegment {
  /** First and last position in the segment. */
  from: number;
  to: number;
  mean: number;
  /** Process limits; null when the segment has a single point (no moving range). */
  lpl: number | null;
  upl: number | null;
  meanMovingRange: number | null;
  /** How many points the limits were computed from. */
  limitPoints: number;
  /** Limits from fewer than 12 points are trial limits, and the chart says so. */
  trial: boolean;
}

export interface SpcPoint {
  position: number;
  value: number;
  type: SpcPointType;
  /** The first rule that flags this point, or null for common cause. */
  rule: SpcRule | null;
}

export interface SpcResult {
  /** The current (last) segment's mean and limits; null when there are no points. */
  mean: number | null;
  lpl: number | null;
  upl: number | null;
  trial: boolean;
  screened: boolean;
  segments: SpcSegment[];
  points: SpcPoint[];
  /** Against the target, with the current limits; null with no target, a neutral indicator or no limits. */
  assurance: Assurance | null;
  /** The latest point's signal as a Making Data Count variation icon; null when there are no points. */
  variation: Variation | null;
}

export const LIMIT_FACTOR = 2.66;
export const NEAR_LIMIT_FACTOR = (2 / 3) * LIMIT_FACTOR;
export const SCREEN_FACTOR = 3.267;
export const MIN_POINTS_FOR_FIRM_LIMITS = 12;
const RUN = 7;

export function spc(options: SpcOptions): SpcResult {
  const { polarity, screen, fixAfter, target } = options;
  if (fixAfter !== undefined && (!Number.isInteger(fixAfter) || fixAfter < 2)) {
    throw new RangeError(`fixAfter must be a whole number of at least 2 points, got ${fixAfter}`);
  }
  const from = options.from;
  const points = options.points.filter((p) => from === undefined || p.position >= from).sort((p, q) => p.position - q.position);
  for (let i = 1; i < points.length; i++) {
    if (points[i].position === points[i - 1].position) {
      throw new Error(`Two values were given for position ${points[i].position}; pass one value per period`);
    }
  }

  const segments: SpcSegment[] = [];
  const judged: SpcPoint[] = [];
  for (const segmentPoints of splitAt(points, options.rebaseAt ?? [])) {
    const segment = segmentLimits(segmentPoints, screen, fixAfter);
    segments.push(segment);
    judged.push(...judgeSegment(segmentPoints, segment, polarity));
  }

  const current = segments[segments.length - 1];
  return {
    mean: current?.mean ?? null,
    lpl: current?.lpl ?? null,
    upl: current?.upl ?? null,
    trial: current?.trial ?? true,
    screened: screen,
    segments,
    points: judged,
    assurance: current ? assurance(current, target, polarity) : null,
    variation: variation(judged, polarity),
  };
}

/**
 * The variation icon, as Making Data Count derives it: from the latest point's type, which comes from the same rules
 * that colour every point (docs/method.md, Statistical process control). A special cause is high when the values
 * that raised it are high: an improvement where higher is better, a concern where lower is better.
 */
export function variation(points: readonly Pick<SpcPoint, 'type'>[], polarity: Polarity): Variation | null {
  const latest = points[points.length - 1];
  if (!latest) return null;
  const s = polaritySign(polarity);
  switch (latest.type) {
    case 'common_cause':
      return 'common_cause';
    case 'special_cause_neutral_high':
      return 'neutral_high';
    case 'special_cause_neutral_low':
      return 'neutral_low';
    case 'special_cause_improvement':
      return s < 0 ? 'improvement_low' : 'improvement_high';
    case 'special_cause_concern':
      return s < 0 ? 'concern_high' : 'concern_low';
  }
}

/**
 * Whether the process will meet the target. The process's range is its limits: when all of it lies on the good
 * side of the target (higher is better: the target is below the lower limit) it passes consistently; all of it
 * on the bad side, it fails consistently; a target between the limits is hit and miss.
 */
export function assurance(
  limits: { lpl: number | null; upl: number | null },
  target: number | undefined,
  polarity: Polarity,
): Assurance | null {
  const s = polaritySign(polarity);
  if (target === undefined || !Number.isFinite(target) || s === 0) return null;
  if (limits.lpl === null || limits.upl === null) return null;
  if (target < limits.lpl) return s > 0 ? 'consistent_pass' : 'consistent_fail';
  if (target > limits.upl) return s > 0 ? 'consistent_fail' : 'consistent_pass';
  return 'inconsistent';
}

function splitAt<T extends { position: number }>(points: T[], rebaseAt: readonly number[]): T[][] {
  if (points.length === 0) return [];
  // A rebase at a period with no value starts the segment at the next value.
  const starts = [...rebaseAt].sort((p, q) => p - q);
  const segments: T[][] = [[]];
  let next = 0;
  for (const point of points) {
    let crossed = false;
    while (next < starts.length && starts[next] <= point.position) {
      crossed = true;
      next++;
    }
    if (crossed && segments[segments.length - 1].length > 0) segments.push([]);
    segments[segments.length - 1].push(point);
  }
  return segments;
}

function segmentLimits(
  points: readonly { position: number; value: number }[],
  screen: boolean,
  fixAfter: number | undefined,
): SpcSegment {
  const basis = points.slice(0, fixAfter ?? points.length).map((p) => p.value);
  const mean = average(basis);
  const movingRanges = basis.slice(1).map((value, i) => Math.abs(value - basis[i]));
  let meanMovingRange = movingRanges.length > 0 ? average(movingRanges) : null;
  if (screen && meanMovingRange !== null && meanMovingRange > 0) {
    const ceiling = SCREEN_FACTOR * meanMovingRange;
    meanMovingRange = average(movingRanges.filter((range) => range < ceiling));
  }
  return {
    from: points[0].position,
    to: points[points.length - 1].position,
    mean,
    lpl: meanMovingRange === null ? null : mean - LIMIT_FACTOR * meanMovingRange,
    upl: meanMovingRange === null ? null : mean + LIMIT_FACTOR * meanMovingRange,
    meanMovingRange,
    limitPoints: basis.length,
    trial: basis.length < MIN_POINTS_FOR_FIRM_LIMITS,
  };
}

function judgeSegment(
  points: readonly { position: number; value: number }[],
  segment: SpcSegment,
  polarity: Polarity,
): SpcPoint[] {
  const { mean, meanMovingRange } = segment;
  const y = points.map((p) => p.value);
  const count = y.length;
  // −1 / 0 / +1 with a relative tolerance, so that a value "exactly" on the mean or a limit is not decided by
  // rounding in the mean.
  const side = y.map((v) => signWithin(v - mean, v, mean));
  const beyond = (v: number, level: number) => signWithin(v - level, v, level);

  const outside = new Array<number>(count).fill(0); // direction, 0 = not flagged
  const closeOrBeyond = new Array<boolean>(count).fill(false);
  const { lpl, upl } = segment;
  if (meanMovingRange !== null && lpl !== null && upl !== null) {
    const nearLower = mean - NEAR_LIMIT_FACTOR * meanMovingRange;
    const nearUpper = mean + NEAR_LIMIT_FACTOR * meanMovingRange;
    y.forEach((v, i) => {
      if (beyond(v, upl) > 0) outside[i] = 1;
      else if (beyond(v, lpl) < 0) outside[i] = -1;
      closeOrBeyond[i] = beyond(v, nearUpper) > 0 || beyond(v, nearLower) < 0;
    });
  }

  // Rule 2: seven points each strictly higher (or lower) than the one before; equal neighbours break it.
  const trend = new Array<number>(count).fill(0);
  const step = y.map((v, i) => (i === 0 ? 0 : signWithin(v - y[i - 1], v, y[i - 1])));
  for (let end = RUN - 1; end < count; end++) {
    const direction = step[end - RUN + 2];
    if (direction === 0) continue;
    let run = true;
    for (let i = end - RUN + 2; i <= end; i++) if (step[i] !== direction) run = false;
    if (run) for (let i = end - RUN + 1; i <= end; i++) trend[i] = direction;
  }

  // Rule 3: two of three consecutive points close to or beyond a limit, all three on the same side of the mean;
  // the close ones are flagged (any beyond the limit are already rule 1).
  const twoOfThree = new Array<number>(count).fill(0);
  for (let start = 0; start + 3 <= count; start++) {
    const window = [start, start + 1, start + 2];
    const sameSide = side[start] !== 0 && window.every((i) => side[i] === side[start]);
    if (!sameSide || window.filter((i) => closeOrBeyond[i]).length < 2) continue;
    for (const i of window) if (closeOrBeyond[i]) twoOfThree[i] = side[start];
  }

  // Rule 4: seven consecutive points on the same side of the mean; a point on the mean breaks the run.
  const shift = new Array<number>(count).fill(0);
  for (let end = RUN - 1; end < count; end++) {
    const direction = side[end];
    if (direction === 0) continue;
    let run = true;
    for (let i = end - RUN + 1; i <= end; i++) if (side[i] !== direction) run = false;
    if (run) for (let i = end - RUN + 1; i <= end; i++) shift[i] = direction;
  }

  const s = polaritySign(polarity);
  return points.map((p, i) => {
    // A trend's direction is the way it is going; every other signal's is its side of the mean.
    const flags: [SpcRule, number][] = [[1, outside[i]], [2, trend[i]], [3, twoOfThree[i]], [4, shift[i]]];
    const first = flags.find(([, direction]) => direction !== 0);
    if (!first) return { position: p.position, value: p.value, type: 'common_cause', rule: null };
    const [rule, direction] = first;
    let type: SpcPointType;
    if (s === 0) type = direction > 0 ? 'special_cause_neutral_high' : 'special_cause_neutral_low';
    else type = direction === s ? 'special_cause_improvement' : 'special_cause_concern';
    return { position: p.position, value: p.value, type, rule };
  });
}

function average(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}
