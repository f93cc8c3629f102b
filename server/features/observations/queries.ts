// Every query of the observations feature: figures, their series, and the audit trail. Every query is scoped by the
// partnership's id (through the indicator a series belongs to), so no id from another partnership is ever found.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB, IndicatorKind, Marker, ObservationStatus, SeriesRole, Unit } from '../../db/schema.ts';
import type { FigureJson, WriteVia } from '../../db/schema-data.ts';
import { observationFigureColumns } from '../../db/columns.ts';

export interface IndicatorForData {
  id: string;
  code: string;
  title: string;
  unit: Unit;
  rate_base: number | null;
  decimals: number;
  polarity: 'higher' | 'lower' | 'neutral';
  period_type: string;
  kind: IndicatorKind;
  rank: 'headline' | 'secondary' | 'data_development';
  /** Null for a programme's performance measure. */
  priority_id: string | null;
  /** Set for a programme's performance measure (which has no priority). */
  programme_id: string | null;
  programme_name: string | null;
  focus_label: string | null;
  comparison_label: string | null;
  position: number;
}

const indicatorColumns = [
  'indicator.id',
  'indicator.code',
  'indicator.title',
  'indicator.unit',
  'indicator.rate_base',
  'indicator.decimals',
  'indicator.polarity',
  'indicator.period_type',
  'indicator.kind',
  'indicator.rank',
  'indicator.priority_id',
  'indicator.focus_label',
  'indicator.comparison_label',
  'indicator.position',
  'indicator.programme_id',
  'programme.name as programme_name',
] as const;

// Population indicators sit under a priority; a programme's performance measures (no priority) come after them.
const indicatorsWithPlace = (db: Kysely<DB>) =>
  db
    .selectFrom('indicator')
    .leftJoin('priority', 'priority.id', 'indicator.priority_id')
    .leftJoin('outcome', 'outcome.id', 'priority.outcome_id')
    .leftJoin('programme', 'programme.id', 'indicator.programme_id')
    .select(indicatorColumns);

/**
 * The partnership's indicators (and performance measures) with what data entry needs, optionally of one period
 * type, one priority or one programme, or with given codes.
 */
export async function listIndicatorsForData(
  db: Kysely<DB>,
  partnershipId: string,
  filter: { periodType?: string; priorityId?: string; programmeId?: string; codes?: string[] } = {},
): Promise<IndicatorForData[]> {
  let query = indicatorsWithPlace(db).where('indicator.partnership_id', '=', partnershipId);
  if (filter.periodType) query = query.where('indicator.period_type', '=', filter.periodType);
  if (filter.priorityId) query = query.where('indicator.priority_id', '=', filter.priorityId);
  if (filter.programmeId) query = query.where('indicator.programme_id', '=', filter.programmeId);
  if (filter.codes) {
    if (!filter.codes.length) return [];
    query = query.where('indicator.code', 'in', filter.codes);
  }
  return query
    .orderBy(sql`outcome.position nulls last`)
    .orderBy(sql`priority.position nulls last`)
    .orderBy(sql`programme.name nulls first`)
    .orderBy('indicator.position')
    .orderBy('indicator.title')
    .execute() as Promise<IndicatorForData[]>;
}

export async function findIndicatorForData(db: Kysely<DB>, partnershipId: string, code: string): Promise<IndicatorForData | undefined> {
  return indicatorsWithPlace(db).where('indicator.partnership_id', '=', partnershipId).where('indicator.code', '=', code).executeTakeFirst() as Promise<IndicatorForData | undefined>;
}

export async function listProgrammes(db: Kysely<DB>, partnershipId: string) {
  return db.selectFrom('programme').select(['id', 'name']).where('partnership_id', '=', partnershipId).orderBy('name').execute();
}

export interface SeriesRecord {
  id: string;
  indicator_id: string;
  role: SeriesRole;
  label: string;
}

export async function listSeriesOfIndicators(db: Kysely<DB>, partnershipId: string, indicatorIds: string[]): Promise<SeriesRecord[]> {
  if (!indicatorIds.length) return [];
  return db
    .selectFrom('series')
    .innerJoin('indicator', 'indicator.id', 'series.indicator_id')
    .select(['series.id', 'series.indicator_id', 'series.role', 'series.label'])
    .where('indicator.partnership_id', '=', partnershipId)
    .where('series.indicator_id', 'in', indicatorIds)
    .execute();
}

export async function createSeries(trx: Kysely<DB>, indicatorId: string, role: SeriesRole, label: string, note = ''): Promise<SeriesRecord> {
  const row = await trx
    .insertInto('series')
    .values({ indicator_id: indicatorId, role, label, note })
    .onConflict((oc) => oc.columns(['indicator_id', 'role']).doUpdateSet({ label: (eb) => eb.ref('series.label') }))
    .returning(['id', 'indicator_id', 'role', 'label'])
    .executeTakeFirstOrThrow();
  return row;
}

export interface StoredObservation extends FigureJson {
  id: string;
  series_id: string;
  period_key: string;
  period_position: number;
  period_label: string;
  version: number;
  updated_at: Date;
  updated_by: string | null;
  updated_by_name: string | null;
}

const storedColumns = ['observation.id', 'observation.series_id', ...observationFigureColumns, 'observation.updated_by', 'app_user.name as updated_by_name'] as const;

/** Figures of some series (of this partnership), optionally only at some period positions. */
export async function listObservationsOfSeries(
  db: Kysely<DB>,
  partnershipId: string,
  seriesIds: string[],
  positions?: number[],
): Promise<StoredObservation[]> {
  if (!seriesIds.length || (positions && !positions.length)) return [];
  let query = db
    .selectFrom('observation')
    .innerJoin('series', 'series.id', 'observation.series_id')
    .innerJoin('indicator', 'indicator.id', 'series.indicator_id')
    .leftJoin('app_user', 'app_user.id', 'observation.updated_by')
    .select(storedColumns)
    .where('indicator.partnership_id', '=', partnershipId)
    .where('observation.series_id', 'in', seriesIds);
  if (positions) query = query.where('observation.period_position', 'in', positions);
  return query.orderBy('observation.period_position').execute() as Promise<StoredObservation[]>;
}

/**
 * Locks the figures that are about to change (SELECT … FOR UPDATE): a second writer waits here until the first
 * commits, then sees its new version. Takes a transaction because a lock outside one would be released at once.
 */
export async function lockObservations(trx: Transaction<DB>, partnershipId: string, seriesIds: string[], periodKeys: string[]): Promise<StoredObservation[]> {
  if (!seriesIds.length || !periodKeys.length) return [];
  return trx
    .selectFrom('observation')
    .innerJoin('series', 'series.id', 'observation.series_id')
    .innerJoin('indicator', 'indicator.id', 'series.indicator_id')
    .leftJoin('app_user', 'app_user.id', 'observation.updated_by')
    .select(storedColumns)
    .where('indicator.partnership_id', '=', partnershipId)
    .where('observation.series_id', 'in', seriesIds)
    .where('observation.period_key', 'in', periodKeys)
    .forUpdate('observation')
    .execute() as Promise<StoredObservation[]>;
}

export async function updateObservation(trx: Transaction<DB>, id: string, expectedVersion: number, figure: FigureJson, userId: string | null) {
  return trx
    .updateTable('observation')
    .set({
      value: figure.value,
      marker: figure.marker,
      status: figure.status,
      numerator: figure.numerator,
      denominator: figure.denominator,
      note: figure.note,
      version: sql<number>`version + 1`,
      updated_by: userId,
      updated_at: sql<Date>`now()` as any,
    })
    .where('id', '=', id)
    .where('version', '=', expectedVersion)
    .returning(['id', 'version'])
    .executeTakeFirst();
}

export interface NewObservation {
  series_id: string;
  period_key: string;
  period_position: number;
  period_label: string;
  figure: FigureJson;
}

/** Inserts new figures; one that another writer inserted meanwhile is skipped (and is not in the result). */
export async function insertObservations(trx: Transaction<DB>, rows: NewObservation[], userId: string | null) {
  const inserted: { id: string; series_id: string; period_key: string; version: number }[] = [];
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    const result = await trx
      .insertInto('observation')
      .values(
        chunk.map((r) => ({
          series_id: r.series_id,
          period_key: r.period_key,
          period_position: r.period_position,
          period_label: r.period_label,
          value: r.figure.value,
          marker: r.figure.marker,
          status: r.figure.status,
          numerator: r.figure.numerator,
          denominator: r.figure.denominator,
          note: r.figure.note,
          version: 1,
          updated_by: userId,
        })),
      )
      .onConflict((oc) => oc.columns(['series_id', 'period_key']).doNothing())
      .returning(['id', 'series_id', 'period_key', 'version'])
      .execute();
    inserted.push(...result);
  }
  return inserted;
}

export interface AuditInsert {
  partnership_id: string;
  indicator_id: string;
  series_id: string;
  series_role: SeriesRole;
  period_key: string;
  period_position: number;
  period_label: string;
  observation_id: string | null;
  via: WriteVia;
  result: 'saved' | 'conflict';
  old: FigureJson | null;
  new: FigureJson;
  expected_version: number | null;
  version_before: number | null;
  version_after: number | null;
  user_id: string | null;
  import_id: string | null;
}

export async function insertAudit(db: Kysely<DB>, rows: AuditInsert[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 300) {
    await db.insertInto('observation_audit').values(rows.slice(i, i + 300)).execute();
  }
}

const auditColumns = [
  'observation_audit.id',
  'observation_audit.indicator_id',
  'observation_audit.series_id',
  'observation_audit.series_role',
  'observation_audit.period_key',
  'observation_audit.period_position',
  'observation_audit.period_label',
  'observation_audit.via',
  'observation_audit.result',
  'observation_audit.old',
  'observation_audit.new',
  'observation_audit.expected_version',
  'observation_audit.version_before',
  'observation_audit.version_after',
  'observation_audit.at',
  'observation_audit.import_id',
  'app_user.name as user_name',
  'series.label as series_label',
] as const;

export type AuditRecord = {
  id: string;
  indicator_id: string;
  series_id: string;
  series_role: SeriesRole;
  period_key: string;
  period_position: number;
  period_label: string;
  via: WriteVia;
  result: 'saved' | 'conflict';
  old: FigureJson | null;
  new: FigureJson;
  expected_version: number | null;
  version_before: number | null;
  version_after: number | null;
  at: Date;
  import_id: string | null;
  user_name: string | null;
  series_label: string;
};

/** The audit trail of one indicator, newest first; optionally of one value (series and period). */
export async function listAudit(
  db: Kysely<DB>,
  partnershipId: string,
  indicatorId: string,
  options: { seriesId?: string; periodKey?: string; limit?: number } = {},
): Promise<AuditRecord[]> {
  let query = db
    .selectFrom('observation_audit')
    .innerJoin('series', 'series.id', 'observation_audit.series_id')
    .leftJoin('app_user', 'app_user.id', 'observation_audit.user_id')
    .select(auditColumns)
    .where('observation_audit.partnership_id', '=', partnershipId)
    .where('observation_audit.indicator_id', '=', indicatorId);
  if (options.seriesId) query = query.where('observation_audit.series_id', '=', options.seriesId);
  if (options.periodKey) query = query.where('observation_audit.period_key', '=', options.periodKey);
  return query.orderBy('observation_audit.seq', 'desc').limit(options.limit ?? 500).execute() as Promise<AuditRecord[]>;
}

export async function countAudit(db: Kysely<DB>, partnershipId: string, indicatorId: string): Promise<number> {
  const row = await db
    .selectFrom('observation_audit')
    .select(sql<string>`count(*)::text`.as('n'))
    .where('partnership_id', '=', partnershipId)
    .where('indicator_id', '=', indicatorId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function findAudit(db: Kysely<DB>, partnershipId: string, indicatorId: string, auditId: string): Promise<AuditRecord | undefined> {
  return db
    .selectFrom('observation_audit')
    .innerJoin('series', 'series.id', 'observation_audit.series_id')
    .leftJoin('app_user', 'app_user.id', 'observation_audit.user_id')
    .select(auditColumns)
    .where('observation_audit.partnership_id', '=', partnershipId)
    .where('observation_audit.indicator_id', '=', indicatorId)
    .where('observation_audit.id', '=', auditId)
    .executeTakeFirst() as Promise<AuditRecord | undefined>;
}

/** Periods with figures, per period type, for the period picker of the quarterly return. */
export async function latestPositionsByPeriodType(db: Kysely<DB>, partnershipId: string) {
  return db
    .selectFrom('observation')
    .innerJoin('series', 'series.id', 'observation.series_id')
    .innerJoin('indicator', 'indicator.id', 'series.indicator_id')
    .select(['indicator.period_type', sql<number>`max(observation.period_position)`.as('latest')])
    .where('indicator.partnership_id', '=', partnershipId)
    .where('series.role', 'in', ['local', 'focus', 'comparison'])
    .groupBy('indicator.period_type')
    .execute();
}

export async function listPeriodTypesInUse(db: Kysely<DB>, partnershipId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('indicator')
    .select('period_type')
    .distinct()
    .where('partnership_id', '=', partnershipId)
    .where('rank', '<>', 'data_development')
    .execute();
  return rows.map((r) => r.period_type);
}

export async function findPartnershipThreshold(db: Kysely<DB>, partnershipId: string): Promise<number | null> {
  const row = await db.selectFrom('partnership').select('small_number_threshold').where('id', '=', partnershipId).executeTakeFirst();
  return row?.small_number_threshold ?? null;
}

export type { Marker, ObservationStatus };
