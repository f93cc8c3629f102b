import type { Kysely } from 'kysely';
import { observationFigureColumns } from '../../db/columns.ts';
import type { DB, SeriesRole } from '../../db/schema.ts';

// Every query about indicators, their series and observations. All are scoped by partnership id.

/** The columns every indicator view reads: one list, shared by the features that show indicators. */
export const indicatorColumns = [
  'indicator.id',
  'indicator.priority_id',
  'indicator.code',
  'indicator.title',
  'indicator.definition',
  'indicator.unit',
  'indicator.rate_base',
  'indicator.decimals',
  'indicator.polarity',
  'indicator.period_type',
  'indicator.kind',
  'indicator.rank',
  'indicator.focus_label',
  'indicator.comparison_label',
  'indicator.source_text',
  'indicator.source_url',
  'indicator.licence',
  'indicator.illustrative',
  'indicator.position',
] as const;

export async function listIndicators(db: Kysely<DB>, partnershipId: string, priorityId?: string) {
  let query = db
    .selectFrom('indicator')
    .select(indicatorColumns)
    .where('indicator.partnership_id', '=', partnershipId)
    // Population indicators only: a programme's performance measures are indicators too, listed on its own page.
    .where('indicator.programme_id', 'is', null);
  if (priorityId) query = query.where('indicator.priority_id', '=', priorityId);
  return query.orderBy('indicator.position').orderBy('indicator.title').execute();
}

export type IndicatorRecord = Awaited<ReturnType<typeof listIndicators>>[number];

export type IndicatorDetail = NonNullable<Awaited<ReturnType<typeof findIndicatorByCode>>>;

export async function findIndicatorByCode(db: Kysely<DB>, partnershipId: string, code: string) {
  return db
    .selectFrom('indicator')
    // A performance measure has a programme instead of a priority (and so no outcome).
    .leftJoin('priority', 'priority.id', 'indicator.priority_id')
    .leftJoin('outcome', 'outcome.id', 'priority.outcome_id')
    .leftJoin('programme', 'programme.id', 'indicator.programme_id')
    .select([
      ...indicatorColumns,
      'priority.title as priority_title',
      'outcome.title as outcome_title',
      'indicator.programme_id',
      'indicator.measure_kind',
      'programme.name as programme_name',
    ])
    .where('indicator.partnership_id', '=', partnershipId)
    .where('indicator.code', '=', code)
    .executeTakeFirst();
}

const observationColumns = ['series.indicator_id', 'series.role', 'observation.series_id', ...observationFigureColumns] as const;

/**
 * The observations of the given roles for every indicator of a partnership (or of one priority), in one query:
 * a page of any size is computed from a fixed number of queries.
 */
export async function listObservationsForPartnership(
  db: Kysely<DB>,
  partnershipId: string,
  roles: readonly SeriesRole[],
  priorityId?: string,
) {
  let query = db
    .selectFrom('observation')
    .innerJoin('series', 'series.id', 'observation.series_id')
    .innerJoin('indicator', 'indicator.id', 'series.indicator_id')
    .select(observationColumns)
    .where('indicator.partnership_id', '=', partnershipId)
    .where('series.role', 'in', roles);
  if (priorityId) query = query.where('indicator.priority_id', '=', priorityId);
  return query.orderBy('observation.period_position').execute();
}

export type ObservationRecord = Awaited<ReturnType<typeof listObservationsForPartnership>>[number];

export async function listSeries(db: Kysely<DB>, indicatorId: string) {
  return db.selectFrom('series').select(['id', 'role', 'label', 'note']).where('indicator_id', '=', indicatorId).execute();
}

export async function listObservationsForIndicator(db: Kysely<DB>, indicatorId: string) {
  return db
    .selectFrom('observation')
    .innerJoin('series', 'series.id', 'observation.series_id')
    .select(observationColumns)
    .where('series.indicator_id', '=', indicatorId)
    .orderBy('observation.period_position')
    .execute();
}
