import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';

// The report's own query; everything else it shows comes from the features' queries.

/** The series of several indicators of a partnership in one query (a priority report charts all its indicators). */
export async function listSeriesFor(db: Kysely<DB>, partnershipId: string, indicatorIds: string[]) {
  if (!indicatorIds.length) return [];
  return db
    .selectFrom('series')
    .innerJoin('indicator', 'indicator.id', 'series.indicator_id')
    .select(['series.id', 'series.indicator_id', 'series.role', 'series.label', 'series.note'])
    .where('indicator.partnership_id', '=', partnershipId)
    .where('series.indicator_id', 'in', indicatorIds)
    .execute();
}
