import { createMeasure, indicatorCodesTaken, indicatorColumns } from '../indicators/queries.ts';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB, Polarity, Unit } from '../../db/schema.ts';
import { observationFigureColumns } from '../../db/columns.ts';
import { activeIndicator } from '../../db/retired.ts';
import type { MeasureKind } from '../../db/schema-stories.ts';

// Every query about programmes and services and their performance measures. A measure is an indicator row with a
// programme (and no priority), so it has the same series, observations, charts and analysis as any indicator.
// All scoped by partnership id.

export interface ProgrammeValues {
  name: string;
  description: string;
  customers: string;
  lead_partner_id: string | null;
}

export async function listProgrammes(db: Kysely<DB>, partnershipId: string) {
  return db
    .selectFrom('programme')
    .leftJoin('partner', 'partner.id', 'programme.lead_partner_id')
    .select([
      'programme.id',
      'programme.name',
      'programme.description',
      'partner.name as lead_partner_name',
      (eb) => eb.selectFrom('indicator').select(sql<number>`count(*)::int`.as('n')).whereRef('indicator.programme_id', '=', 'programme.id').as('measure_count'),
    ])
    .where('programme.partnership_id', '=', partnershipId)
    .orderBy(sql`lower(programme.name)`)
    .execute();
}

export async function findProgramme(db: Kysely<DB>, partnershipId: string, programmeId: string) {
  return db
    .selectFrom('programme')
    .leftJoin('partner', 'partner.id', 'programme.lead_partner_id')
    .select(['programme.id', 'programme.name', 'programme.description', 'programme.customers', 'programme.lead_partner_id', 'partner.name as lead_partner_name'])
    .where('programme.partnership_id', '=', partnershipId)
    .where('programme.id', '=', programmeId)
    .executeTakeFirst();
}

export async function findProgrammeByName(db: Kysely<DB>, partnershipId: string, name: string, exceptId?: string) {
  let query = db.selectFrom('programme').select(['id', 'name']).where('partnership_id', '=', partnershipId).where(sql`lower(name)`, '=', name.toLowerCase());
  if (exceptId) query = query.where('id', '<>', exceptId);
  return query.executeTakeFirst();
}

/** The priorities each programme serves, in one query. */
export async function listProgrammePriorities(db: Kysely<DB>, partnershipId: string, programmeIds: string[]) {
  if (!programmeIds.length) return [];
  return db
    .selectFrom('programme_priority')
    .innerJoin('priority', 'priority.id', 'programme_priority.priority_id')
    .select(['programme_priority.programme_id', 'priority.id', 'priority.title'])
    .where('programme_priority.partnership_id', '=', partnershipId)
    .where('programme_priority.programme_id', 'in', programmeIds)
    .orderBy('priority.position')
    .execute();
}

/** The programmes that serve a priority. */
export async function listProgrammesForPriority(db: Kysely<DB>, partnershipId: string, priorityId: string) {
  return db
    .selectFrom('programme_priority')
    .innerJoin('programme', 'programme.id', 'programme_priority.programme_id')
    .select([
      'programme.id',
      'programme.name',
      'programme.description',
      (eb) => eb.selectFrom('indicator').select(sql<number>`count(*)::int`.as('n')).whereRef('indicator.programme_id', '=', 'programme.id').as('measure_count'),
    ])
    .where('programme_priority.partnership_id', '=', partnershipId)
    .where('programme_priority.priority_id', '=', priorityId)
    .orderBy(sql`lower(programme.name)`)
    .execute();
}

export async function createProgramme(trx: Transaction<DB>, partnershipId: string, values: ProgrammeValues, priorityIds: string[]): Promise<string> {
  const { id } = await trx.insertInto('programme').values({ partnership_id: partnershipId, ...values }).returning('id').executeTakeFirstOrThrow();
  await replacePriorities(trx, partnershipId, id, priorityIds);
  return id;
}

export async function updateProgramme(trx: Transaction<DB>, partnershipId: string, programmeId: string, values: ProgrammeValues, priorityIds: string[]) {
  await trx.updateTable('programme').set(values).where('partnership_id', '=', partnershipId).where('id', '=', programmeId).execute();
  await replacePriorities(trx, partnershipId, programmeId, priorityIds);
}

async function replacePriorities(trx: Transaction<DB>, partnershipId: string, programmeId: string, priorityIds: string[]) {
  await trx.deleteFrom('programme_priority').where('partnership_id', '=', partnershipId).where('programme_id', '=', programmeId).execute();
  if (priorityIds.length) {
    await trx
      .insertInto('programme_priority')
      .values(priorityIds.map((priority_id) => ({ partnership_id: partnershipId, programme_id: programmeId, priority_id })))
      .execute();
  }
}

// The columns the indicator pages read, so a measure goes through the same chart model as any indicator.
const measureColumns = [...indicatorColumns, 'indicator.measure_kind'] as const;

/** A programme's measures with their series and observations: three queries, whatever the number of measures. */
export async function listMeasures(db: Kysely<DB>, partnershipId: string, programmeId: string) {
  const measures = await db
    .selectFrom('indicator')
    .select(measureColumns)
    .where('indicator.partnership_id', '=', partnershipId)
    .where('indicator.programme_id', '=', programmeId)
    .where(activeIndicator())
    .orderBy('indicator.position')
    .orderBy('indicator.title')
    .execute();
  const ids = measures.map((m) => m.id);
  if (!ids.length) return { measures, series: [], observations: [] };
  const [series, observations] = await Promise.all([
    db.selectFrom('series').select(['id', 'indicator_id', 'role', 'label', 'note']).where('indicator_id', 'in', ids).execute(),
    db
      .selectFrom('observation')
      .innerJoin('series', 'series.id', 'observation.series_id')
      .select([
        'series.indicator_id',
        'series.role',
        ...observationFigureColumns,
      ])
      .where('series.indicator_id', 'in', ids)
      .orderBy('observation.period_position')
      .execute(),
  ]);
  return { measures, series, observations };
}

export interface MeasureValues {
  code: string;
  title: string;
  definition: string;
  unit: Unit;
  decimals: number;
  polarity: Polarity;
  period_type: string;
  measure_kind: MeasureKind;
}

/** Adds measures (one, or a better-off number and percentage together) with a local series each. */
export async function createMeasures(trx: Transaction<DB>, partnershipId: string, programmeId: string, seriesLabel: string, measures: MeasureValues[]) {
  const { next } = await trx
    .selectFrom('indicator')
    .select(sql<number>`coalesce(max(position), -1)::int + 1`.as('next'))
    .where('partnership_id', '=', partnershipId)
    .where('programme_id', '=', programmeId)
    .executeTakeFirstOrThrow();
  for (const [i, m] of measures.entries()) {
    await createMeasure(
      trx,
      partnershipId,
      programmeId,
      m.measure_kind,
      { code: m.code, title: m.title, definition: m.definition, unit: m.unit, decimals: m.decimals, polarity: m.polarity, periodType: m.period_type, rank: 'headline', sourceText: 'Entered by the partnership', position: next + i },
      seriesLabel,
    );
  }
}

/** Codes already taken in the partnership among those given. */
export async function takenCodes(db: Kysely<DB>, partnershipId: string, codes: string[]): Promise<Set<string>> {
  return new Set(await indicatorCodesTaken(db, partnershipId, codes));
}

/** Codes in the partnership that start with a prefix: to find a free one. */
export async function codesLike(db: Kysely<DB>, partnershipId: string, prefix: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('indicator')
    .select('code')
    .where('partnership_id', '=', partnershipId)
    .where(sql<boolean>`left(code, ${prefix.length}) = ${prefix}`)
    .execute();
  return new Set(rows.map((r) => r.code));
}
