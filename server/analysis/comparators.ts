// Comparators and targets (docs/method.md, Comparators and targets): the local value against England, the region, statistical neighbours
// and every other authority (rank and quartile), and RAG against a target by the partnership's stored rule.

import { polaritySign, signWithin } from './polarity.ts';
import type { Polarity } from './polarity.ts';

export type Comparison = 'better' | 'worse' | 'same' | 'higher' | 'lower' | 'not_comparable';

/**
 * The local value against a comparator's: better / worse / same by polarity, or higher / lower / same for a
 * neutral indicator. `difference` is local − comparator.
 */
export function compareWith(
  local: number | null,
  comparator: number | null,
  polarity: Polarity,
): { comparison: Comparison; difference: number | null } {
  if (!isNumber(local) || !isNumber(comparator)) return { comparison: 'not_comparable', difference: null };
  const difference = local - comparator;
  const sign = signWithin(difference, local, comparator);
  const s = polaritySign(polarity);
  let comparison: Comparison;
  if (sign === 0) comparison = 'same';
  else if (s === 0) comparison = sign > 0 ? 'higher' : 'lower';
  else comparison = sign * s > 0 ? 'better' : 'worse';
  return { comparison, difference };
}

export interface RankAndQuartile {
  /** 1 = best (or highest, for a neutral indicator); tied values share a rank, and the next rank is skipped. */
  rank: number;
  of: number;
  /** 1 = best quartile (highest, for a neutral indicator). */
  quartile: 1 | 2 | 3 | 4;
  order: 'best_first' | 'highest_first';
}

/**
 * Rank among all authorities' values (`allValues` should include this authority's own; markers are ignored).
 * Quartile by rank: the best quarter of the ranks is quartile 1, and so on (of 152: ranks 1–38, 39–76, 77–114,
 * 115–152); with few values the best is still quartile 1 and the worst quartile 4.
 */
export function rankAndQuartile(
  value: number,
  allValues: readonly (number | null)[],
  polarity: Polarity,
): RankAndQuartile | null {
  if (!isNumber(value)) return null;
  const values = allValues.filter(isNumber);
  const s = polaritySign(polarity) || 1;
  let better = 0;
  let includesOwn = false;
  for (const other of values) {
    const sign = signWithin(other - value, other, value) * s;
    if (sign > 0) better++;
    else if (sign === 0) includesOwn = true;
  }
  // If the authority's own value was left out of the list, it still takes part in the ranking.
  const of = values.length + (includesOwn ? 0 : 1);
  const rank = better + 1;
  // Where the rank sits from best (0) to worst (1), in quarters; the best is always quartile 1 and the worst 4.
  const fraction = of === 1 ? 0 : (rank - 1) / (of - 1);
  const quartile = Math.min(4, Math.floor(4 * fraction) + 1) as 1 | 2 | 3 | 4;
  return { rank, of, quartile, order: polaritySign(polarity) === 0 ? 'highest_first' : 'best_first' };
}

/** The partnership's RAG rule, stored as a setting and shown in the legend. */
export interface RagRule {
  /** Green when at or better than the target, or short of it by no more than this percentage of the target. */
  greenWithinPercent: number;
  /** Amber when beyond that but better than the previous period; otherwise red. */
  amberIfImproved: boolean;
}

export type Rag = 'green' | 'amber' | 'red';

/** RAG against a target; null when there is no value or target, or the indicator is neutral. */
export function ragAgainstTarget(
  rule: RagRule,
  input: { value: number | null; target: number | null; previous?: number | null; polarity: Polarity },
): Rag | null {
  assertRule(rule);
  const { value, target, previous, polarity } = input;
  const s = polaritySign(polarity);
  if (!isNumber(value) || !isNumber(target) || s === 0) return null;
  // How far short of the target the value is (negative when better than it).
  const shortfall = s * (target - value);
  const allowance = (rule.greenWithinPercent / 100) * Math.abs(target);
  if (signWithin(shortfall - allowance, value, target) <= 0) return 'green';
  if (rule.amberIfImproved && isNumber(previous) && signWithin(s * (value - previous), value, previous) > 0) {
    return 'amber';
  }
  return 'red';
}

/** The rule in words, for the chart legend. */
export function describeRagRule(rule: RagRule): string {
  assertRule(rule);
  const within = `${formatPercent(rule.greenWithinPercent)}%`;
  const green =
    rule.greenWithinPercent === 0
      ? 'Green: the target met or bettered.'
      : `Green: the target met or bettered, or missed by no more than ${within} of the target.`;
  const shortBy = rule.greenWithinPercent === 0 ? 'short of the target' : `more than ${within} short of the target`;
  if (!rule.amberIfImproved) return `${green} Red: ${shortBy}.`;
  return `${green} Amber: ${shortBy} but better than the previous period. Red: ${shortBy} and not better than the previous period.`;
}

function assertRule(rule: RagRule): void {
  if (!Number.isFinite(rule.greenWithinPercent) || rule.greenWithinPercent < 0) {
    throw new RangeError(`greenWithinPercent must be a percentage of 0 or more, got ${rule.greenWithinPercent}`);
  }
}

function formatPercent(value: number): string {
  // 5 → "5", 2.5 → "2.5", 0.333333 → "0.33": enough to read, no trailing zeros.
  return String(Number(value.toFixed(2)));
}

function isNumber(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
