// What an indicator measures, as one series of points: the local series, or for a gap indicator the gap between
// the focus and comparison groups (docs/method.md, Gaps). Pure: rows in, points out.
import type { Marker, ObservationStatus, Polarity, SeriesRole } from '../../db/schema.ts';
import { gapValue } from '../../analysis/gap.ts';
import { compareValues, type Direction as AnalysisDirection } from '../../analysis/turn-the-curve.ts';

export interface ObservationLike {
  role: SeriesRole;
  period_position: number;
  period_label: string;
  value: number | null;
  marker: Marker | null;
  status: ObservationStatus;
}

export interface MeasuredPoint {
  position: number;
  label: string;
  value: number | null;
  marker: Marker | null;
  provisional: boolean;
}

export interface IndicatorShape {
  kind: 'single' | 'gap';
  polarity: Polarity;
}

export function measuredSeries(indicator: IndicatorShape, observations: readonly ObservationLike[]): MeasuredPoint[] {
  if (indicator.kind === 'single') {
    return observations
      .filter((o) => o.role === 'local')
      .map((o) => ({ position: o.period_position, label: o.period_label, value: o.value, marker: o.marker, provisional: o.status === 'provisional' }))
      .sort((a, b) => a.position - b.position);
  }
  const focus = new Map<number, ObservationLike>();
  const comparison = new Map<number, ObservationLike>();
  for (const o of observations) {
    if (o.role === 'focus') focus.set(o.period_position, o);
    else if (o.role === 'comparison') comparison.set(o.period_position, o);
  }
  const positions = [...new Set([...focus.keys(), ...comparison.keys()])].sort((a, b) => a - b);
  // A gap stored with no better direction (before the database refused one) is read as comparison − focus, as it
  // always was, so its history still draws; its analysis says nothing about why the gap moved.
  const polarity: Polarity = indicator.polarity === 'neutral' ? 'higher' : indicator.polarity;
  return positions.map((position) => {
    const f = focus.get(position);
    const c = comparison.get(position);
    const label = (f ?? c)!.period_label;
    const provisional = f?.status === 'provisional' || c?.status === 'provisional';
    if (f?.value != null && c?.value != null) {
      return { position, label, value: gapValue(f.value, c.value, polarity), marker: null, provisional };
    }
    // A gap with a suppressed side is itself suppressed: publishing it would reveal the other side's value.
    const marker: Marker = f?.marker === 'c' || c?.marker === 'c' ? 'c' : 'x';
    return { position, label, value: null, marker, provisional };
  });
}

export type Direction = AnalysisDirection;

/**
 * The latest point and its direction against the immediately previous period (not comparable when that period
 * has no figure). The comparison is the analysis module's, so every page words direction the same way.
 */
export function latestAndDirection(points: readonly MeasuredPoint[], polarity: Polarity, kind: 'single' | 'gap') {
  const latest = points.length ? points[points.length - 1]! : null;
  const previous = latest ? (points.find((p) => p.position === latest.position - 1) ?? null) : null;
  // For a gap a smaller gap is better, whatever the measure's polarity.
  const direction: Direction = compareValues(previous?.value, latest?.value, kind === 'gap' ? 'lower' : polarity);
  return { latest, previous, direction };
}

export const directionText: Record<Direction, string> = {
  improved: 'Improved',
  worsened: 'Worsened',
  no_change: 'No change',
  increased: 'Increased',
  decreased: 'Decreased',
  not_comparable: 'Not comparable',
};
