// What an indicator measures, as one series of points: the local series, or for a gap indicator the gap between
// the focus and comparison groups (OBA-METHOD §2.4). Pure: rows in, points out.
import type { Marker, ObservationStatus, Polarity, SeriesRole } from '../../db/schema.ts';

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

const sign = (polarity: Polarity) => (polarity === 'lower' ? -1 : 1);

/** gap = s × (comparison − focus): positive means the focus group is behind, whichever way is better. */
export function gapValue(focus: number, comparison: number, polarity: Polarity): number {
  return sign(polarity) * (comparison - focus);
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
  return positions.map((position) => {
    const f = focus.get(position);
    const c = comparison.get(position);
    const label = (f ?? c)!.period_label;
    const provisional = f?.status === 'provisional' || c?.status === 'provisional';
    if (f?.value != null && c?.value != null) {
      return { position, label, value: gapValue(f.value, c.value, indicator.polarity), marker: null, provisional };
    }
    // A gap with a suppressed side is itself suppressed: publishing it would reveal the other side's value.
    const marker: Marker = f?.marker === 'c' || c?.marker === 'c' ? 'c' : 'x';
    return { position, label, value: null, marker, provisional };
  });
}

export type Direction = 'improved' | 'worsened' | 'no_change' | 'increased' | 'decreased' | 'not_comparable';

/** Latest value and its direction against the period before (which must be the immediately previous period). */
export function latestAndDirection(points: readonly MeasuredPoint[], polarity: Polarity, kind: 'single' | 'gap') {
  const withValues = points.filter((p) => p.value !== null);
  const latest = points.length ? points[points.length - 1]! : null;
  if (!latest) return { latest: null, previous: null, direction: 'not_comparable' as Direction };
  const previous = points.find((p) => p.position === latest.position - 1) ?? null;
  if (latest.value === null || !previous || previous.value === null) {
    return { latest, previous, direction: 'not_comparable' as Direction, lastValue: withValues.at(-1) ?? null };
  }
  const change = latest.value - previous.value;
  const scale = Math.max(Math.abs(latest.value), Math.abs(previous.value), 1);
  if (Math.abs(change) <= 1e-9 * scale) return { latest, previous, direction: 'no_change' as Direction };
  // For a gap a smaller gap is better, whatever the measure's polarity.
  const better = kind === 'gap' ? change < 0 : polarity === 'higher' ? change > 0 : polarity === 'lower' ? change < 0 : null;
  const direction: Direction = better === null ? (change > 0 ? 'increased' : 'decreased') : better ? 'improved' : 'worsened';
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
