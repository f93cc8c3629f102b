// Every authority ranked for one measure and period, with quartile bands A–D as the DfE Local Authority Interactive
// Tool shows them (docs/method.md, Comparators and targets: "With every authority's figures the tracker shows rank and
// quartile"). Pure: values in, ranks, bands and the bands' thresholds out.
//
// - Rank 1 is the best value by the measure's polarity (the highest for a neutral measure, which has no better
//   direction); tied values share a rank and the next rank is skipped (1, 2, 2, 4). Values within floating-point
//   noise of each other are ties (polarity.ts, signWithin).
// - An authority with no value (not available, suppressed) has no rank and no band: it is never ranked as 0, and
//   does not count in "of".
// - The band is the quartile of the rank, as rankAndQuartile (comparators.ts) computes it for the indicator page:
//   where the rank sits from best (0) to worst (1), in quarters — A is the best quarter, D the worst; the best value
//   is always A and the worst D. Tied values share a band.
// - Each band's thresholds are the best and worst values in it, so a reader can place any figure.

import { polaritySign, signWithin, type Polarity } from './polarity.ts';

export type QuartileBand = 'A' | 'B' | 'C' | 'D';
export const QUARTILE_BANDS: readonly QuartileBand[] = ['A', 'B', 'C', 'D'];

export interface RankedValue {
  rank: number | null;
  band: QuartileBand | null;
}

export interface BandThreshold {
  band: QuartileBand;
  /** The best value in the band (by polarity; the highest for a neutral measure); null for an empty band. */
  best: number | null;
  /** The worst value in the band; null for an empty band. */
  worst: number | null;
  /** How many authorities fall in it. */
  count: number;
}

export interface AuthorityRanking {
  /** In the order given. */
  ranked: RankedValue[];
  /** How many values were ranked (those with a value). */
  of: number;
  bands: BandThreshold[];
  order: 'best_first' | 'highest_first';
}

const isNumber = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

/** The band of a rank among `of` ranked values: A the best quarter of the ranks, D the worst. */
export function bandOfRank(rank: number, of: number): QuartileBand {
  const fraction = of <= 1 ? 0 : (rank - 1) / (of - 1);
  return QUARTILE_BANDS[Math.min(3, Math.floor(4 * fraction))]!;
}

/** Rank and band of each value (null for a missing one), with each band's thresholds. */
export function rankAuthorities(values: readonly (number | null)[], polarity: Polarity): AuthorityRanking {
  const s = polaritySign(polarity) || 1;
  const present = values.filter(isNumber);
  const of = present.length;
  const ranked: RankedValue[] = values.map((value) => {
    if (!isNumber(value)) return { rank: null, band: null };
    let better = 0;
    for (const other of present) if (signWithin(other - value, other, value) * s > 0) better++;
    const rank = better + 1;
    return { rank, band: bandOfRank(rank, of) };
  });
  const bands = QUARTILE_BANDS.map((band): BandThreshold => {
    const inBand = values.filter((v, i): v is number => isNumber(v) && ranked[i]!.band === band);
    if (!inBand.length) return { band, best: null, worst: null, count: 0 };
    const sorted = [...inBand].sort((a, b) => s * (b - a));
    return { band, best: sorted[0]!, worst: sorted.at(-1)!, count: inBand.length };
  });
  return { ranked, of, bands, order: polaritySign(polarity) === 0 ? 'highest_first' : 'best_first' };
}
