import { sql, type Kysely, type Transaction } from 'kysely';
import type { LinearFit } from '../../analysis/forecast.ts';
import type { DB, Marker, ObservationStatus, SeriesRole } from '../../db/schema.ts';
import type { ManualPoint } from '../../db/schema-analysis.ts';
import { lockPartnershipData } from '../../db/transaction.ts';
import { activeIndicator } from '../../db/retired.ts';
import { indicatorColumns, type IndicatorRecord } from '../indicators/queries.ts';

// Every query about agreed baselines. Scoped by partnership through the indicator.

export const baselineColumns = [
  'baseline.id',
  'baseline.indicator_id',
  'baseline.version',
  'baseline.baseline_position',
  'baseline.baseline_label',
  'baseline.history_window',
  'baseline.method',
  'baseline.fit',
  'baseline.manual_points',
  'baseline.note',
  'baseline.agreed_by_name',
  'baseline.agreed_at',
] as const;

export type BaselineRecord = Awaited<ReturnType<typeof listBaselineVersions>>[number];

export async function listBaselineVersions(db: Kysely<DB>, indicatorId: string) {
  return db.selectFrom('baseline').select(baselineColumns).where('indicator_id', '=', indicatorId).orderBy('version', 'desc').execute();
}

/** The baseline version judgements use for one indicator: the latest agreed, or one named. */
export async function findBaseline(db: Kysely<DB>, indicatorId: string, version?: number) {
  let query = db.selectFrom('baseline').select(baselineColumns).where('indicator_id', '=', indicatorId);
  query = version ? query.where('version', '=', version) : query.orderBy('version', 'desc').limit(1);
  return query.executeTakeFirst();
}

/** The latest agreed baseline of every indicator of a partnership, in one query. */
export async function latestBaselines(db: Kysely<DB>, partnershipId: string, indicatorIds?: readonly string[]) {
  if (indicatorIds && !indicatorIds.length) return [];
  return db
    .selectFrom('baseline')
    .innerJoin('indicator', 'indicator.id', 'baseline.indicator_id')
    .distinctOn('baseline.indicator_id')
    .select(baselineColumns)
    .where('indicator.partnership_id', '=', partnershipId)
    .$if(indicatorIds !== undefined, (q) => q.where('baseline.indicator_id', 'in', indicatorIds!))
    .orderBy('baseline.indicator_id')
    .orderBy('baseline.version', 'desc')
    .execute();
}

// The value itself, not a JSON string: both drivers serialise a jsonb parameter once (a string would be encoded twice).
const jsonb = (value: unknown) => sql<any>`cast(${value} as jsonb)`;

/**
 * Agrees a new baseline version. The indicator row is locked so two managers agreeing at once get versions n and
 * n+1, never the same number.
 */
export async function insertBaseline(
  trx: Transaction<DB>,
  input: {
    indicatorId: string;
    position: number;
    label: string;
    window: number;
    method: 'linear' | 'manual';
    fit: LinearFit | null;
    manualPoints: ManualPoint[] | null;
    note: string;
    agreedBy: string;
    agreedByName: string;
  },
) {
  // The lock order of every writer (server/db/transaction.ts): the partnership's data lock, then the indicator.
  const { partnership_id } = await trx.selectFrom('indicator').select('partnership_id').where('id', '=', input.indicatorId).executeTakeFirstOrThrow();
  await lockPartnershipData(trx, partnership_id);
  await trx.selectFrom('indicator').select('id').where('id', '=', input.indicatorId).forUpdate().executeTakeFirstOrThrow();
  const latest = await trx
    .selectFrom('baseline')
    .select(sql<number>`coalesce(max(version), 0)::int`.as('version'))
    .where('indicator_id', '=', input.indicatorId)
    .executeTakeFirstOrThrow();
  return trx
    .insertInto('baseline')
    .values({
      indicator_id: input.indicatorId,
      version: Number(latest.version) + 1,
      baseline_position: input.position,
      baseline_label: input.label,
      history_window: input.window,
      method: input.method,
      fit: input.fit ? jsonb(input.fit) : null,
      manual_points: input.manualPoints ? jsonb(input.manualPoints) : null,
      note: input.note,
      agreed_by: input.agreedBy,
      agreed_by_name: input.agreedByName,
    })
    .returning(baselineColumns)
    .executeTakeFirstOrThrow();
}

/**
 * The figures the analysis needs for every indicator of a partnership, and nothing else, in one query: the whole history
 * of what is judged (local, or the gap's two groups) and only the latest few figures of each comparator and target
 * (a batch page compares the latest figures), as lean rows with no timestamps to parse.
 */
export async function listFiguresForPartnership(db: Kysely<DB>, partnershipId: string, roles: readonly SeriesRole[], indicatorIds?: readonly string[]) {
  // Only some indicators (those whose data version moved, issue 20), or all of them.
  const only = indicatorIds ? sql` and s.indicator_id in (${sql.join(indicatorIds.length ? indicatorIds : ['00000000-0000-0000-0000-000000000000'])})` : sql``;
  const measured = new Set<SeriesRole>(['local', 'focus', 'comparison']);
  const measuredRoles = roles.filter((r) => measured.has(r));
  const comparatorRoles = roles.filter((r) => !measured.has(r));
  const figures = sql<FigureRow>`
    select s.indicator_id, s.role, o.period_position, o.period_label, o.value, o.marker, o.status, o.numerator
    from observation o join series s on s.id = o.series_id join indicator i on i.id = s.indicator_id
    where i.partnership_id = ${partnershipId} and s.role in (${sql.join(measuredRoles.length ? measuredRoles : ['local'])})${only}`;
  if (!comparatorRoles.length) return (await sql<FigureRow>`${figures} order by 3`.execute(db)).rows;
  const result = await sql<FigureRow>`
    ${figures}
    union all
    select indicator_id, role, period_position, period_label, value, marker, status, numerator from (
      select s.indicator_id, s.role, o.period_position, o.period_label, o.value, o.marker, o.status, o.numerator,
             row_number() over (partition by o.series_id order by o.period_position desc) as recent
      from observation o join series s on s.id = o.series_id join indicator i on i.id = s.indicator_id
      where i.partnership_id = ${partnershipId} and s.role in (${sql.join(comparatorRoles)})${only}
    ) latest
    where recent <= ${RECENT_COMPARATOR_FIGURES}
    order by 3`.execute(db);
  return result.rows;
}

/** How many of each comparator's latest figures a batch analysis reads. */
const RECENT_COMPARATOR_FIGURES = 4;

interface FigureRow {
  indicator_id: string;
  role: SeriesRole;
  period_position: number;
  period_label: string;
  value: number | null;
  marker: Marker | null;
  status: ObservationStatus;
  numerator: number | null;
}

/**
 * Every authority's value for an indicator at its latest period with such values (from the benchmark library), for
 * rank and quartile; null when none are stored.
 */
export async function latestAuthorityValues(db: Kysely<DB>, partnershipId: string, indicatorId: string) {
  const rows = await db
    .selectFrom('indicator_authority_value')
    .innerJoin('indicator', 'indicator.id', 'indicator_authority_value.indicator_id')
    .select(['indicator_authority_value.period_position', 'indicator_authority_value.value'])
    .where('indicator.partnership_id', '=', partnershipId)
    .where('indicator_authority_value.indicator_id', '=', indicatorId)
    .where('indicator_authority_value.value', 'is not', null)
    .where('indicator_authority_value.period_position', '=', (eb) =>
      eb.selectFrom('indicator_authority_value as latest').select((e) => e.fn.max('latest.period_position').as('p')).where('latest.indicator_id', '=', indicatorId),
    )
    .execute();
  if (!rows.length) return null;
  return { position: rows[0]!.period_position, values: rows.map((r) => r.value!) };
}

/**
 * The indicators a partnership's scorecard lists (population indicators in use, in their order), each with its own data
 * version (migration 0020), in one query answering one text value: what each cached judgement is keyed by, so that
 * after a change only the indicators whose version moved are read and analysed afresh. An indicator without a version
 * row is given none (never cached).
 */
export async function listedIndicatorVersions(db: Kysely<DB>, partnershipId: string): Promise<{ id: string; version: string | null }[]> {
  const result = await sql<{ listed: string | null }>`
    select string_agg(i.id::text || ' ' || coalesce(d.version::text, '-'), ',' order by i.position, i.title) as listed
    from indicator i left join indicator_data_version d on d.indicator_id = i.id
    where i.partnership_id = ${partnershipId} and i.programme_id is null and ${activeIndicator('i')}`.execute(db);
  const listed = result.rows[0]?.listed;
  if (!listed) return [];
  return listed.split(',').map((entry) => {
    const [id, version] = entry.split(' ') as [string, string];
    return { id, version: version === '-' ? null : version };
  });
}

/** Some of a partnership's indicators, as `listIndicators` reads them. */
export async function indicatorsById(db: Kysely<DB>, partnershipId: string, ids: readonly string[]): Promise<IndicatorRecord[]> {
  if (!ids.length) return [];
  return db.selectFrom('indicator').select(indicatorColumns).where('indicator.partnership_id', '=', partnershipId).where('indicator.id', 'in', ids).execute();
}
