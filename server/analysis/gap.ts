// Narrowing the gap (docs/method.md, Gaps): a focus group (e.g. pupils eligible for free school meals) against a
// comparison group (e.g. all other pupils). gap = s × (comparison − focus), so a positive gap always means the
// focus group is behind and a smaller gap is better, whichever way the measure runs. Every gap in the tracker —
// the indicator's own, the comparators' and the benchmark's — is computed by gapValue here, and nowhere else.

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

/**
 * The gap for one period: s × (comparison − focus), s = +1 when higher is better, −1 when lower is better.
 * Throws for a neutral measure: "behind" has no meaning without a better direction.
 */
export function gapValue(focus: number, comparison: number, polarity: Polarity): number {
  return gapSign(polarity) * (comparison - focus);
}

/** The changes that are a narrowing of the gap: wherever the tracker says a gap narrowed, it gives one of these reasons. */
export function gapNarrowed(change: GapChange): boolean {
  return change === 'narrowed_both_improved' || change === 'narrowed_focus_improved' || change === 'narrowed_comparison_worsened';
}

/** Levelling down: the gap narrowed because the comparison (better-off) group got worse. Always flagged in words. */
export function isLevellingDown(change: GapChange): boolean {
  return change === 'narrowed_comparison_worsened';
}

/** The reason in a sentence, with the two periods it compares: "Between 2023/24 and 2024/25, the gap narrowed because …." */
export function gapChangeSentence(change: GapChange, fromLabel: string, toLabel: string): string {
  const description = GAP_CHANGE_DESCRIPTIONS[change];
  return `Between ${fromLabel} and ${toLabel}, ${description.charAt(0).toLowerCase()}${description.slice(1)}.`;
}

/** The gap at every position where both groups have a value (a marker in either means no gap there). */
export function gapSeries(
  focus: readonly Observation[],
  comparison: readonly Observation[],
  polarity: Polarity,
): GapPoint[] {
  gapSign(polarity); // refuse a neutral measure even when there is nothing to compute
  const comparisonAt = new Map<number, number>();
  for (const o of comparison) if (isNumber(o.value)) comparisonAt.set(o.position, o.value);
  const points: GapPoint[] = [];
  for (const o of focus) {
    const other = comparisonAt.get(o.position);
    if (!isNumber(o.value) || other === undefined) continue;
    points.push({ position: o.position, focus: o.value, comparison: other, gap: gapValue(o.value, other, polarity) });
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
  const gapBefore = gapValue(previous.focus, previous.comparison, polarity);
  const gapAfter = gapValue(current.focus, current.comparison, polarity);
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
