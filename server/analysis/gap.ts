// Narrowing the gap (OBA-METHOD §2.4): a focus group (e.g. pupils eligible for free school meals) against a
// comparison group (e.g. all other pupils). gap = s × (comparison − focus), so a positive gap always means the
// focus group is behind and a smaller gap is better, whichever way the measure runs.

import type { Observation } from './forecast.ts';
import { polaritySign, signWithin } from './polarity.ts';
import type { Polarity } from './polarity.ts';

export interface GapPoint {
  position: number;
  focus: number;
  comparison: number;
  gap: number;
}

export type GapChange =
  | 'narrowed_both_improved'
  | 'narrowed_focus_improved'
  | 'narrowed_comparison_worsened'
  | 'widened'
  | 'unchanged';

export const GAP_CHANGE_DESCRIPTIONS: Record<GapChange, string> = {
  narrowed_both_improved: 'The gap narrowed and both groups improved',
  narrowed_focus_improved: 'The gap narrowed because the focus group improved',
  narrowed_comparison_worsened: 'The gap narrowed because the comparison group got worse (levelling down)',
  widened: 'The gap widened',
  unchanged: 'The gap did not change',
};

/** The gap at every position where both groups have a value (a marker in either means no gap there). */
export function gapSeries(
  focus: readonly Observation[],
  comparison: readonly Observation[],
  polarity: Polarity,
): GapPoint[] {
  const s = gapSign(polarity);
  const comparisonAt = new Map<number, number>();
  for (const o of comparison) if (isNumber(o.value)) comparisonAt.set(o.position, o.value);
  const points: GapPoint[] = [];
  for (const o of focus) {
    const other = comparisonAt.get(o.position);
    if (!isNumber(o.value) || other === undefined) continue;
    points.push({ position: o.position, focus: o.value, comparison: other, gap: s * (other - o.value) });
  }
  return points.sort((p, q) => p.position - q.position);
}

/**
 * Why the gap moved between two periods. A gap that narrowed while the comparison group got worse is flagged as
 * levelling down even if the focus group improved too: the partnership should see that the comparison group slipped.
 */
export function classifyGapChange(
  previous: { focus: number; comparison: number },
  current: { focus: number; comparison: number },
  polarity: Polarity,
): GapChange {
  const s = gapSign(polarity);
  const magnitudes = [previous.focus, previous.comparison, current.focus, current.comparison];
  const gapBefore = s * (previous.comparison - previous.focus);
  const gapAfter = s * (current.comparison - current.focus);
  const gapMove = signWithin(gapAfter - gapBefore, ...magnitudes);
  if (gapMove === 0) return 'unchanged';
  if (gapMove > 0) return 'widened';
  const comparisonMove = s * signWithin(current.comparison - previous.comparison, previous.comparison, current.comparison);
  if (comparisonMove < 0) return 'narrowed_comparison_worsened';
  if (comparisonMove > 0) return 'narrowed_both_improved';
  // The comparison group did not move, so the focus group must have improved for the gap to narrow.
  return 'narrowed_focus_improved';
}

function gapSign(polarity: Polarity): 1 | -1 {
  const s = polaritySign(polarity);
  // "Behind" has no meaning without a better direction; the indicator's settings should prevent this.
  if (s === 0) throw new RangeError('A gap indicator needs a polarity: higher is better or lower is better, not neutral');
  return s;
}

function isNumber(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
