// Small-number suppression (docs/method.md, Periods and markers): a partnership may set a threshold below which its own published figures
// are shown as `c`. Pure: the stored figure is never changed (nothing is lost); what is shown is.
//
// What counts as a small number: a count from 1 up to the threshold − 1, or any figure whose numerator is from
// 1 up to the threshold − 1 (a percentage of 3 children out of 40 reveals the 3). Zero is not suppressed: it tells
// nothing about any one child. Only the partnership's own series are suppressed (local, focus, comparison):
// England, region and neighbour figures are published by others, with their own suppression.
//
// Secondary suppression of a gap follows by itself: the gap of a gap indicator is derived from its two groups
// (server/features/indicators/measure.ts), and a group shown as `c` makes the gap `c` too, so the gap can never
// give away the suppressed group.
import type { Marker, SeriesRole, Unit } from '../../db/schema.ts';

export const SUPPRESSED_ROLES: readonly SeriesRole[] = ['local', 'focus', 'comparison'];

export interface SuppressibleObservation {
  role: SeriesRole;
  value: number | null;
  marker: Marker | null;
  numerator: number | null;
}

export function isSmallNumber(observation: SuppressibleObservation, unit: Unit, threshold: number | null | undefined): boolean {
  if (!threshold || observation.value === null || !SUPPRESSED_ROLES.includes(observation.role)) return false;
  const small = (n: number | null) => n !== null && n > 0 && n < threshold;
  return (unit === 'count' && small(observation.value)) || small(observation.numerator);
}

/** The observations as they may be published: small numbers become `c`, with no value and no numerator. */
export function suppressSmallNumbers<T extends SuppressibleObservation & { denominator?: number | null }>(
  observations: readonly T[],
  unit: Unit,
  threshold: number | null | undefined,
): T[] {
  if (!threshold) return [...observations];
  return observations.map((o) =>
    isSmallNumber(o, unit, threshold) ? { ...o, value: null, marker: 'c' as Marker, numerator: null, ...(o.denominator !== undefined ? { denominator: null } : {}) } : o,
  );
}
