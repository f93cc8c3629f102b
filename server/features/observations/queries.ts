// Every query of the observations feature: figures, their series, and the audit trail. Every query is scoped by the
// partnership's id (through the indicator a series belongs to), so no id from another partnership is ever found.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB, IndicatorKind, Marker, ObservationStatus, SeriesRole, Unit } from '../../db/schema.ts';
import type { FigureJson, WriteVia } from '../../db/schema-data.ts';
import { observationFigureColumns } from '../../db/columns.ts';
import { activeIndicator, indicatorRetired } from '../../db/retired.ts';

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
  /** Retired (itself, or its priority or outcome): kept, but out of the return and refused by imports. */
  retired?: boolean;
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
    .select(indicatorColumns)
    .select(indicatorRetired().as('retired'));

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

/** The indicator each of some series belongs to (of this partnership only), to name them in a message. */
export async function describeSeries(db: Kysely<DB>, partnershipId: string, seriesIds: string[]) {
  if (!seriesIds.length) return [];
  return db
    .selectFrom('series')
    .innerJoin('indicator', 'indicator.id', 'series.indicator_id')
    .select(['series.id', 'series.role', 'series.label', 'indicator.code', 'indicator.title', 'indicator.retired_at'])
    .where('indicator.partnership_id', '=', partnershipId)
    .where('series.id', 'in', seriesIds)
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

/** Rows per statement when figures are written in bulk: large enough to be quick, small enough to keep each short. */
export const WRITE_BATCH = 1000;

/** A figure named by its series and period, as the write path locks and writes them. */
export interface ObservationKey {
  series_id: string;
  period_key: string;
}

/** A batch of rows as one jsonb parameter, read back with jsonb_to_recordset: one statement, any number of rows. */
const rowsParam = (rows: object[]) => sql`cast(${rows} as jsonb)`;

/**
 * The rows a batch at a time, letting other requests run between batches: PGlite runs a statement inside this
 * process and answers through promises alone, so without a pause a long write would never let anything else in.
 */
async function* batches<T>(rows: readonly T[], size = WRITE_BATCH): AsyncGenerator<T[]> {
  for (let i = 0; i < rows.length; i += size) {
    if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    yield rows.slice(i, i + size);
  }
}

/**
 * Locks the figures that are about to change (SELECT … FOR UPDATE): a second writer waits here until the first
 * commits, then sees its new version. One statement per batch, each locking in (series_id, period_key) order, the
 * one order every writer uses. Takes a transaction because a lock outside one would be released at once.
 */
export async function lockObservations(trx: Transaction<DB>, partnershipId: string, keys: readonly ObservationKey[]): Promise<StoredObservation[]> {
  const sorted = [...keys].sort((a, b) => (a.series_id < b.series_id ? -1 : a.series_id > b.series_id ? 1 : a.period_key < b.period_key ? -1 : a.period_key > b.period_key ? 1 : 0));
  const locked: StoredObservation[] = [];
  for await (const batch of batches(sorted)) {
    const { rows } = await sql<StoredObservation>`
      select observation.id, observation.series_id, observation.period_key, observation.period_position, observation.period_label,
             observation.value, observation.marker, observation.status, observation.numerator, observation.denominator,
             observation.note, observation.version, observation.updated_at, observation.updated_by, app_user.name as updated_by_name
      from jsonb_to_recordset(${rowsParam(batch.map((k) => ({ series_id: k.series_id, period_key: k.period_key })))}) as wanted(series_id uuid, period_key text)
      join observation on observation.series_id = wanted.series_id and observation.period_key = wanted.period_key
      join series on series.id = observation.series_id
      join indicator on indicator.id = series.indicator_id
      left join app_user on app_user.id = observation.updated_by
      where indicator.partnership_id = ${partnershipId}
      order by observation.series_id, observation.period_key
      for update of observation`.execute(trx);
    locked.push(...rows);
  }
  return locked;
}

/** What every audit entry of one write has in common. */
export interface AuditContext {
  partnership_id: string;
  via: WriteVia;
  user_id: string | null;
  import_id: string | null;
}

/** What an audit entry says about one figure beyond what is stored with it. */
interface AuditOfFigure {
  indicator_id: string;
  series_role: SeriesRole;
  expected_version: number | null;
}

export interface ObservationUpdate extends AuditOfFigure {
  id: string;
  /** The version locked: the row is updated only if it still has it. */
  version: number;
  figure: FigureJson;
  /** The figure before, for the audit trail. */
  old: FigureJson;
}

// The figure an audit entry records as saved, read from the row just written (the same fields as FigureJson).
const savedFigure = (row: string) =>
  `jsonb_build_object('value', ${row}.value, 'marker', ${row}.marker, 'status', ${row}.status, 'numerator', ${row}.numerator, 'denominator', ${row}.denominator, 'note', ${row}.note)`;

/**
 * Updates locked figures and records each change in the audit trail, a batch per statement (the update and its
 * audit entries in one); returns those updated, with their new versions.
 */
export async function updateObservations(trx: Transaction<DB>, context: AuditContext, updates: readonly ObservationUpdate[]) {
  const updated: { id: string; version: number }[] = [];
  for await (const batch of batches(updates)) {
    const rows = batch.map((u, ord) => ({ ord, id: u.id, version: u.version, ...figureRow(u.figure), indicator_id: u.indicator_id, series_role: u.series_role, expected_version: u.expected_version, old: u.old }));
    const { rows: done } = await sql<{ id: string; version: number }>`
      with w as (
        select * from jsonb_to_recordset(${rowsParam(rows)})
          as w(ord integer, id uuid, version integer, value double precision, marker text, status text, numerator double precision, denominator double precision,
               note text, indicator_id uuid, series_role text, expected_version integer, old jsonb)
      ), changed as (
        update observation set
          value = w.value, marker = w.marker, status = w.status, numerator = w.numerator, denominator = w.denominator, note = w.note,
          version = observation.version + 1, updated_by = ${context.user_id}, updated_at = now()
        from w
        where observation.id = w.id and observation.version = w.version
        returning observation.*
      )
      insert into observation_audit (partnership_id, indicator_id, series_id, series_role, period_key, period_position, period_label, observation_id,
                                     via, result, old, new, expected_version, version_before, version_after, user_id, import_id)
      select ${context.partnership_id}, w.indicator_id, changed.series_id, w.series_role, changed.period_key, changed.period_position, changed.period_label, changed.id,
             ${context.via}, 'saved', w.old, ${sql.raw(savedFigure('changed'))}, w.expected_version, w.version, changed.version, ${context.user_id}, ${context.import_id}
      from changed join w on w.id = changed.id
      order by w.ord
      returning observation_id as id, version_after as version`.execute(trx);
    updated.push(...done);
  }
  return updated;
}

const figureRow = (f: FigureJson) => ({ value: f.value, marker: f.marker, status: f.status, numerator: f.numerator, denominator: f.denominator, note: f.note });

export interface NewObservation extends AuditOfFigure {
  series_id: string;
  period_key: string;
  period_position: number;
  period_label: string;
  figure: FigureJson;
}

/**
 * Inserts new figures and records each in the audit trail, a batch per statement (the insert and its audit entries
 * in one); one that another writer inserted meanwhile is skipped (and is neither audited nor in the result).
 */
export async function insertObservations(trx: Transaction<DB>, context: AuditContext, newRows: readonly NewObservation[]) {
  const inserted: { id: string; series_id: string; period_key: string; version: number }[] = [];
  for await (const batch of batches(newRows)) {
    const rows = batch.map((r, ord) => ({
      ord,
      series_id: r.series_id,
      period_key: r.period_key,
      period_position: r.period_position,
      period_label: r.period_label,
      ...figureRow(r.figure),
      indicator_id: r.indicator_id,
      series_role: r.series_role,
      expected_version: r.expected_version,
    }));
    const result = await sql<{ id: string; series_id: string; period_key: string; version: number }>`
      with w as (
        select * from jsonb_to_recordset(${rowsParam(rows)})
          as w(ord integer, series_id uuid, period_key text, period_position integer, period_label text, value double precision, marker text, status text,
               numerator double precision, denominator double precision, note text, indicator_id uuid, series_role text, expected_version integer)
      ), added as (
        insert into observation (series_id, period_key, period_position, period_label, value, marker, status, numerator, denominator, note, version, updated_by)
        select series_id, period_key, period_position, period_label, value, marker, status, numerator, denominator, note, 1, ${context.user_id} from w
        on conflict (series_id, period_key) do nothing
        returning observation.*
      )
      insert into observation_audit (partnership_id, indicator_id, series_id, series_role, period_key, period_position, period_label, observation_id,
                                     via, result, old, new, expected_version, version_before, version_after, user_id, import_id)
      select ${context.partnership_id}, w.indicator_id, added.series_id, w.series_role, added.period_key, added.period_position, added.period_label, added.id,
             ${context.via}, 'saved', null, ${sql.raw(savedFigure('added'))}, w.expected_version, null, added.version, ${context.user_id}, ${context.import_id}
      from added join w on w.series_id = added.series_id and w.period_key = added.period_key
      order by w.ord
      returning series_id, period_key, observation_id as id, version_after as version`.execute(trx);
    inserted.push(...result.rows);
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

/** Audit entries, a batch per statement. */
export async function insertAudit(db: Kysely<DB>, rows: readonly AuditInsert[]): Promise<void> {
  for await (const batch of batches(rows)) {
    await sql`
      insert into observation_audit (partnership_id, indicator_id, series_id, series_role, period_key, period_position, period_label, observation_id,
                                     via, result, old, new, expected_version, version_before, version_after, user_id, import_id)
      select partnership_id, indicator_id, series_id, series_role, period_key, period_position, period_label, observation_id,
             via, result, old, new, expected_version, version_before, version_after, user_id, import_id
      from jsonb_to_recordset(${rowsParam(batch)})
        as w(partnership_id uuid, indicator_id uuid, series_id uuid, series_role text, period_key text, period_position integer, period_label text,
             observation_id uuid, via text, result text, old jsonb, new jsonb, expected_version integer, version_before integer, version_after integer,
             user_id uuid, import_id uuid)`.execute(db);
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
  'observation_audit.reason',
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
  result: 'saved' | 'conflict' | 'deleted';
  old: FigureJson | null;
  /** Null for a deletion. */
  new: FigureJson | null;
  reason: string | null;
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
    .where(activeIndicator())
    .execute();
  return rows.map((r) => r.period_type);
}

export async function findPartnershipThreshold(db: Kysely<DB>, partnershipId: string): Promise<number | null> {
  const row = await db.selectFrom('partnership').select('small_number_threshold').where('id', '=', partnershipId).executeTakeFirst();
  return row?.small_number_threshold ?? null;
}

export type { Marker, ObservationStatus };

// ---- deleting a figure (observations/write.ts: deleteObservation) ----

/** Deletes a figure the caller has locked, if it still has the version locked; its id when it did. */
export async function deleteLockedObservation(trx: Transaction<DB>, observationId: string, version: number): Promise<boolean> {
  const row = await trx.deleteFrom('observation').where('id', '=', observationId).where('version', '=', version).returning('id').executeTakeFirst();
  return !!row;
}

export interface DeletionAuditInsert {
  partnership_id: string;
  indicator_id: string;
  series_id: string;
  series_role: SeriesRole;
  period_key: string;
  period_position: number;
  period_label: string;
  observation_id: string;
  via: WriteVia;
  old: FigureJson;
  reason: string;
  version_before: number;
  user_id: string | null;
}

/** The audit entry of a deletion: the figure deleted, who, how and why; no new figure. */
export async function insertDeletionAudit(trx: Transaction<DB>, row: DeletionAuditInsert): Promise<void> {
  await trx
    .insertInto('observation_audit')
    .values({
      ...row,
      result: 'deleted',
      old: sql`cast(${row.old} as jsonb)`,
      new: null,
      expected_version: row.version_before,
      version_after: null,
      import_id: null,
    })
    .execute();
}
