// Creating a partnership's structure (outcomes, priorities, indicators with their series) and reading it back:
// used by the JSON API and by the imports that create indicators. Every query is scoped by the partnership's id.
import { sql, type Kysely } from 'kysely';
import type { DB, IndicatorKind, IndicatorRank, Polarity, SeriesRole, Unit } from '../../db/schema.ts';

export async function readStructure(db: Kysely<DB>, partnershipId: string) {
  const [partnership, outcomes, priorities, indicators] = await Promise.all([
    db.selectFrom('partnership').select(['id', 'slug', 'name', 'la_name', 'la_code', 'la_number', 'small_number_threshold', 'rag_rule']).where('id', '=', partnershipId).executeTakeFirstOrThrow(),
    db.selectFrom('outcome').select(['id', 'title', 'description', 'position']).where('partnership_id', '=', partnershipId).orderBy('position').orderBy('title').execute(),
    db.selectFrom('priority').select(['id', 'outcome_id', 'title', 'description', 'position']).where('partnership_id', '=', partnershipId).orderBy('position').orderBy('title').execute(),
    db
      .selectFrom('indicator')
      .select(['id', 'priority_id', 'code', 'title', 'unit', 'polarity', 'period_type', 'kind', 'rank', 'decimals'])
      .where('partnership_id', '=', partnershipId)
      .orderBy('position')
      .orderBy('title')
      .execute(),
  ]);
  return { partnership, outcomes, priorities, indicators };
}

export async function findOutcome(db: Kysely<DB>, partnershipId: string, outcomeId: string) {
  return db.selectFrom('outcome').select(['id', 'title']).where('partnership_id', '=', partnershipId).where('id', '=', outcomeId).executeTakeFirst();
}

export async function findPriorityById(db: Kysely<DB>, partnershipId: string, priorityId: string) {
  return db.selectFrom('priority').select(['id', 'title', 'outcome_id']).where('partnership_id', '=', partnershipId).where('id', '=', priorityId).executeTakeFirst();
}

export async function findIndicatorId(db: Kysely<DB>, partnershipId: string, code: string): Promise<string | null> {
  const row = await db.selectFrom('indicator').select('id').where('partnership_id', '=', partnershipId).where('code', '=', code).executeTakeFirst();
  return row?.id ?? null;
}

export async function indicatorCodeTaken(db: Kysely<DB>, partnershipId: string, code: string): Promise<boolean> {
  return (await findIndicatorId(db, partnershipId, code)) !== null;
}

export async function createOutcome(db: Kysely<DB>, partnershipId: string, input: { title: string; description?: string }) {
  const next = await db
    .selectFrom('outcome')
    .select(sql<number>`coalesce(max(position) + 1, 0)::int`.as('position'))
    .where('partnership_id', '=', partnershipId)
    .executeTakeFirstOrThrow();
  return db
    .insertInto('outcome')
    .values({ partnership_id: partnershipId, title: input.title, description: input.description ?? '', position: next.position })
    .returning(['id', 'title', 'description', 'position'])
    .executeTakeFirstOrThrow();
}

/** The outcome must belong to the partnership: the caller looks it up with findOutcome first. */
export async function createPriority(db: Kysely<DB>, partnershipId: string, input: { outcomeId: string; title: string; description?: string }) {
  const next = await db
    .selectFrom('priority')
    .select(sql<number>`coalesce(max(position) + 1, 0)::int`.as('position'))
    .where('partnership_id', '=', partnershipId)
    .where('outcome_id', '=', input.outcomeId)
    .executeTakeFirstOrThrow();
  return db
    .insertInto('priority')
    .values({ partnership_id: partnershipId, outcome_id: input.outcomeId, title: input.title, description: input.description ?? '', position: next.position })
    .returning(['id', 'outcome_id', 'title', 'description', 'position'])
    .executeTakeFirstOrThrow();
}

export interface NewIndicator {
  priorityId: string;
  code: string;
  title: string;
  unit: Unit;
  polarity: Polarity;
  periodType: string;
  kind: IndicatorKind;
  decimals?: number;
  rateBase?: number | null;
  definition?: string;
  rank?: IndicatorRank;
  focusLabel?: string | null;
  comparisonLabel?: string | null;
  sourceText?: string;
  sourceUrl?: string | null;
  licence?: string;
}

/** The label a series gets when it is created without one. */
export function defaultSeriesLabel(role: SeriesRole, context: { areaName: string; focusLabel?: string | null; comparisonLabel?: string | null }): string {
  switch (role) {
    case 'local': return context.areaName;
    case 'focus': return context.focusLabel || 'Focus group';
    case 'comparison': return context.comparisonLabel || 'Comparison group';
    case 'england': return 'England';
    case 'region': return 'Region';
    case 'neighbours': return 'Statistical neighbours (average)';
    case 'target': return 'Target';
  }
}

export async function partnershipAreaName(db: Kysely<DB>, partnershipId: string): Promise<string> {
  const row = await db.selectFrom('partnership').select(['name', 'la_name']).where('id', '=', partnershipId).executeTakeFirstOrThrow();
  return row.la_name ?? row.name;
}

/**
 * Creates an indicator under a priority of the partnership (looked up by the caller), with the series its figures
 * go into: the local series for a single indicator, the focus and comparison groups for a gap.
 */
export async function createIndicator(db: Kysely<DB>, partnershipId: string, input: NewIndicator) {
  const areaName = await partnershipAreaName(db, partnershipId);
  const next = await db
    .selectFrom('indicator')
    .select(sql<number>`coalesce(max(position) + 1, 0)::int`.as('position'))
    .where('partnership_id', '=', partnershipId)
    .where('priority_id', '=', input.priorityId)
    .executeTakeFirstOrThrow();
  const indicator = await db
    .insertInto('indicator')
    .values({
      partnership_id: partnershipId,
      priority_id: input.priorityId,
      code: input.code,
      title: input.title,
      definition: input.definition ?? '',
      unit: input.unit,
      rate_base: input.unit === 'rate' ? (input.rateBase ?? null) : null,
      decimals: input.decimals ?? 1,
      polarity: input.polarity,
      period_type: input.periodType,
      kind: input.kind,
      rank: input.rank ?? 'headline',
      focus_label: input.kind === 'gap' ? (input.focusLabel ?? null) : null,
      comparison_label: input.kind === 'gap' ? (input.comparisonLabel ?? null) : null,
      source_text: input.sourceText ?? '',
      source_url: input.sourceUrl ?? null,
      licence: input.licence ?? '',
      position: next.position,
    })
    .returning(['id', 'code', 'title', 'unit', 'rate_base', 'decimals', 'polarity', 'period_type', 'kind', 'rank', 'priority_id', 'focus_label', 'comparison_label', 'position'])
    .executeTakeFirstOrThrow();
  const roles: SeriesRole[] = input.kind === 'gap' ? ['focus', 'comparison'] : ['local'];
  await db
    .insertInto('series')
    .values(roles.map((role) => ({ indicator_id: indicator.id, role, label: defaultSeriesLabel(role, { areaName, focusLabel: input.focusLabel, comparisonLabel: input.comparisonLabel }) })))
    .execute();
  return indicator;
}
