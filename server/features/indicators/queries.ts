import { sql, type Kysely, type Transaction } from 'kysely';
import { observationFigureColumns } from '../../db/columns.ts';
import { activeIndicator, activePriority, indicatorRetired } from '../../db/retired.ts';
import type { DB, IndicatorKind, IndicatorRank, Polarity, SeriesRole, Unit } from '../../db/schema.ts';
import type { MeasureKind } from '../../db/schema-stories.ts';
import { isUuid } from '../../forms/forms.ts';
import { changedFields, recordPlanChange, type PlanActor } from '../../db/plan-changes.ts';
import { renumberPositions } from '../../db/positions.ts';
import { meaningChanges, shapeAfter, shapeProblems, type IndicatorPatch, type IndicatorProblem, type IndicatorShape } from './rules.ts';

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
  'indicator.version',
  'indicator.retired_at',
] as const;

export async function listIndicators(db: Kysely<DB>, partnershipId: string, priorityId?: string) {
  let query = db
    .selectFrom('indicator')
    .select(indicatorColumns)
    .where('indicator.partnership_id', '=', partnershipId)
    // Population indicators only: a programme's performance measures are indicators too, listed on its own page.
    .where('indicator.programme_id', 'is', null)
    .where(activeIndicator());
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
      // Retired itself, or through its priority or outcome (the page says which).
      indicatorRetired().as('retired'),
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

// ---- the indicator's owner: finding, creating and changing indicators (issue 15) ----------------------------------
// Every insert of an indicator goes through createIndicator (the forms, the API, imports, templates, seeds, bench),
// and every change through the functions below: each bumps the version and writes a plan_change row in the caller's
// transaction (inPartnershipTransaction). What may change is decided in rules.ts.

type Db = Kysely<DB> | Transaction<DB>;

/** A priority of the partnership, by id; undefined for a malformed id or another partnership's. */
export async function findPriorityInPartnership(db: Db, partnershipId: string, priorityId: string) {
  if (!isUuid(priorityId)) return undefined;
  return db
    .selectFrom('priority')
    .innerJoin('outcome', 'outcome.id', 'priority.outcome_id')
    .select(['priority.id', 'priority.title', 'priority.outcome_id', 'outcome.title as outcome_title', 'priority.retired_at'])
    .where('priority.partnership_id', '=', partnershipId)
    .where('priority.id', '=', priorityId)
    .executeTakeFirst();
}

/** The priorities an indicator can be put under, as "Outcome: priority", in plan order; retired ones left out. */
export async function listPriorityChoices(db: Db, partnershipId: string) {
  return db
    .selectFrom('priority')
    .innerJoin('outcome', 'outcome.id', 'priority.outcome_id')
    .select(['priority.id', 'priority.title', 'outcome.title as outcome_title'])
    .where('priority.partnership_id', '=', partnershipId)
    .where('priority.retired_at', 'is', null)
    .where('outcome.retired_at', 'is', null)
    .orderBy('outcome.position')
    .orderBy('outcome.title')
    .orderBy('priority.position')
    .orderBy('priority.title')
    .execute();
}

export async function findIndicatorId(db: Db, partnershipId: string, code: string): Promise<string | null> {
  const row = await db.selectFrom('indicator').select('id').where('partnership_id', '=', partnershipId).where('code', '=', code).executeTakeFirst();
  return row?.id ?? null;
}

export async function indicatorCodeTaken(db: Db, partnershipId: string, code: string): Promise<boolean> {
  return (await findIndicatorId(db, partnershipId, code)) !== null;
}

/** Which of these codes the partnership's indicators (performance measures too) already use. */
export async function indicatorCodesTaken(db: Db, partnershipId: string, codes: readonly string[]): Promise<string[]> {
  if (codes.length === 0) return [];
  const rows = await db.selectFrom('indicator').select('code').where('partnership_id', '=', partnershipId).where('code', 'in', codes).execute();
  return rows.map((r) => r.code);
}

/** The partnership's outcomes, priorities and indicators (for the API), in plan order. Retired ones only when asked. */
export async function readStructure(db: Kysely<DB>, partnershipId: string, options: { includeRetired?: boolean } = {}) {
  const all = options.includeRetired ?? false;
  const [partnership, outcomes, priorities, indicators] = await Promise.all([
    db.selectFrom('partnership').select(['id', 'slug', 'name', 'la_name', 'la_code', 'la_number', 'small_number_threshold', 'rag_rule']).where('id', '=', partnershipId).executeTakeFirstOrThrow(),
    db.selectFrom('outcome').select(['id', 'title', 'description', 'position', 'version', 'retired_at']).where('partnership_id', '=', partnershipId).$if(!all, (q) => q.where('retired_at', 'is', null)).orderBy('position').orderBy('title').execute(),
    db.selectFrom('priority').select(['id', 'outcome_id', 'title', 'description', 'position', 'version', 'retired_at']).where('partnership_id', '=', partnershipId).$if(!all, (q) => q.where(activePriority())).orderBy('position').orderBy('title').execute(),
    db
      .selectFrom('indicator')
      .select(['id', 'priority_id', 'code', 'title', 'unit', 'polarity', 'period_type', 'kind', 'rank', 'decimals', 'version', 'retired_at'])
      .where('partnership_id', '=', partnershipId)
      // Retired with its priority or outcome too (server/db/retired.ts).
      .$if(!all, (q) => q.where(activeIndicator()))
      .orderBy('position')
      .orderBy('title')
      .execute(),
  ]);
  return { partnership, outcomes, priorities, indicators };
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
  /** Figures made up to show how the tracker works (the demo). */
  illustrative?: boolean;
  /** Where it goes among its priority's indicators; after the last one when not given. */
  position?: number;
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

export async function partnershipAreaName(db: Db, partnershipId: string): Promise<string> {
  const row = await db.selectFrom('partnership').select(['name', 'la_name']).where('id', '=', partnershipId).executeTakeFirstOrThrow();
  return row.la_name ?? row.name;
}

/** The series an indicator's own figures go into: the local series, or the focus and comparison groups of a gap. */
export const measuredRoles = (kind: IndicatorKind): SeriesRole[] => (kind === 'gap' ? ['focus', 'comparison'] : ['local']);

const createdColumns = ['id', 'code', 'title', 'unit', 'rate_base', 'decimals', 'polarity', 'period_type', 'kind', 'rank', 'priority_id', 'focus_label', 'comparison_label', 'position', 'version'] as const;

/** Where an indicator hangs: under a priority (a population indicator) or a programme (a performance measure). */
type Placement = { priorityId: string } | { programmeId: string; measureKind: MeasureKind };

/** The one insert of an indicator row, after the last of its priority's (or programme's) unless a position is given. */
async function insertIndicatorRow(db: Db, partnershipId: string, input: Omit<NewIndicator, 'priorityId'>, placement: Placement) {
  const byProgramme = 'programmeId' in placement;
  const position =
    input.position ??
    (
      await db
        .selectFrom('indicator')
        .select(sql<number>`coalesce(max(position) + 1, 0)::int`.as('position'))
        .where('partnership_id', '=', partnershipId)
        .$if(byProgramme, (q) => q.where('programme_id', '=', (placement as { programmeId: string }).programmeId))
        .$if(!byProgramme, (q) => q.where('priority_id', '=', (placement as { priorityId: string }).priorityId))
        .executeTakeFirstOrThrow()
    ).position;
  return db
    .insertInto('indicator')
    .values({
      partnership_id: partnershipId,
      // A measure hangs from its programme, not a priority. (schema.ts types priority_id as non-null: see schema-stories.ts.)
      priority_id: byProgramme ? (null as unknown as string) : placement.priorityId,
      ...(byProgramme ? { programme_id: placement.programmeId, measure_kind: placement.measureKind } : {}),
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
      illustrative: input.illustrative ?? false,
      position,
    })
    .returning(createdColumns)
    .executeTakeFirstOrThrow();
}

/**
 * Creates a programme's performance measure (a single indicator under the programme, looked up by the caller), with
 * its local series. Measures are not part of the plan, so no plan_change is written.
 */
export async function createMeasure(db: Db, partnershipId: string, programmeId: string, measureKind: MeasureKind, input: Omit<NewIndicator, 'priorityId' | 'kind'>, seriesLabel: string) {
  const indicator = await insertIndicatorRow(db, partnershipId, { ...input, kind: 'single' }, { programmeId, measureKind });
  await db.insertInto('series').values({ indicator_id: indicator.id, role: 'local', label: seriesLabel }).execute();
  return indicator;
}

/**
 * Creates an indicator under a priority of the partnership (looked up by the caller), with the series its figures
 * go into: the local series for a single indicator, the focus and comparison groups for a gap — or exactly the
 * series given (a template's or the demo's, with their labels; none for a data development indicator). With an
 * actor, the creation is recorded in plan_change. Returns the indicator and its series' ids.
 */
export async function createIndicator(db: Db, partnershipId: string, input: NewIndicator, actor?: PlanActor, options: { series?: { role: SeriesRole; label: string }[] } = {}) {
  const areaName = options.series ? '' : await partnershipAreaName(db, partnershipId);
  const indicator = await insertIndicatorRow(db, partnershipId, input, { priorityId: input.priorityId });
  const wanted = options.series ?? measuredRoles(input.kind).map((role) => ({ role, label: defaultSeriesLabel(role, { areaName, focusLabel: input.focusLabel, comparisonLabel: input.comparisonLabel }) }));
  const series = wanted.length
    ? await db.insertInto('series').values(wanted.map((s) => ({ indicator_id: indicator.id, role: s.role, label: s.label }))).returning(['id', 'role']).execute()
    : [];
  if (actor) {
    await recordPlanChange(db, {
      partnershipId,
      kind: 'indicator',
      itemId: indicator.id,
      label: `${indicator.code}: ${indicator.title}`,
      action: 'created',
      after: snapshot({ ...indicator, definition: input.definition ?? '', source_text: input.sourceText ?? '', source_url: input.sourceUrl ?? null, licence: input.licence ?? '' }),
      userId: actor.userId,
      via: actor.via,
    });
  }
  return { ...indicator, series };
}

/** An indicator with everything a change looks at, retired or not, population indicator or programme measure. */
export async function findIndicatorForEdit(db: Db, partnershipId: string, code: string) {
  return db
    .selectFrom('indicator')
    .leftJoin('priority', 'priority.id', 'indicator.priority_id')
    .leftJoin('outcome', 'outcome.id', 'priority.outcome_id')
    .leftJoin('app_user as retirer', 'retirer.id', 'indicator.retired_by')
    .select([
      ...indicatorColumns,
      'indicator.programme_id',
      'indicator.retired_by',
      'indicator.updated_at',
      'priority.title as priority_title',
      'outcome.title as outcome_title',
      'retirer.name as retired_by_name',
    ])
    .where('indicator.partnership_id', '=', partnershipId)
    .where('indicator.code', '=', code)
    .executeTakeFirst();
}

export type EditableIndicator = NonNullable<Awaited<ReturnType<typeof findIndicatorForEdit>>>;

/** The fields a change record and the API show, in the API's names. */
export function snapshot(i: {
  code: string; title: string; definition?: string; unit: string; rate_base: number | null; decimals: number; polarity: string; period_type: string; kind: string; rank: string;
  priority_id: string | null; focus_label: string | null; comparison_label: string | null; source_text?: string; source_url?: string | null; licence?: string;
}) {
  return {
    code: i.code,
    title: i.title,
    definition: i.definition ?? '',
    unit: i.unit,
    rateBase: i.rate_base,
    decimals: i.decimals,
    polarity: i.polarity,
    periodType: i.period_type,
    kind: i.kind,
    rank: i.rank,
    priorityId: i.priority_id,
    focusLabel: i.focus_label,
    comparisonLabel: i.comparison_label,
    source: i.source_text ?? '',
    sourceUrl: i.source_url ?? null,
    licence: i.licence ?? '',
  };
}

/** What an indicator holds: figures (any series, targets too), their audit, stories, baselines and action links. */
export async function indicatorHoldings(db: Db, indicatorId: string) {
  const row = await sql<{ figures: number; audit: number; stories: number; baselines: number; actions: number }>`
    select
      (select count(*)::int from observation o join series s on s.id = o.series_id where s.indicator_id = ${indicatorId}) as figures,
      (select count(*)::int from observation_audit a where a.indicator_id = ${indicatorId}) as audit,
      (select count(*)::int from story where story.indicator_id = ${indicatorId}) as stories,
      (select count(*)::int from baseline b where b.indicator_id = ${indicatorId}) as baselines,
      (select count(*)::int from action_indicator ai where ai.indicator_id = ${indicatorId}) as actions`.execute(db);
  return row.rows[0]!;
}

/** In words, what stops an indicator being deleted; empty when it may be. */
export function deleteBlockers(holdings: Awaited<ReturnType<typeof indicatorHoldings>>): string[] {
  const say = (n: number, one: string, many: string) => (n === 0 ? [] : [n === 1 ? one : `${n} ${many}`]);
  return [
    ...say(holdings.figures, 'a figure', 'figures'),
    ...(holdings.figures === 0 ? say(holdings.audit, 'a record of a figure saved and deleted', 'records of figures saved and deleted') : []),
    ...say(holdings.stories, 'a story behind the curve', 'stories behind the curve'),
    ...say(holdings.baselines, 'an agreed baseline', 'agreed baselines'),
    ...say(holdings.actions, 'a link to an action', 'links to actions'),
  ];
}

/** Why an indicator cannot be deleted, and what to do instead. */
export const deleteRefusal = (code: string, blockers: string[]) => `${code} cannot be deleted: it has ${listInWords(blockers)}. Retire it instead: it is then hidden, and everything it holds is kept.`;

/** "a, b and c". */
export const listInWords = (items: string[]) => (items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`);

/** What a change came to: done, not found, someone saved first (with the indicator as it is now), or refused. */
export type IndicatorResult =
  | { ok: true; indicator: EditableIndicator }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'conflict'; current: EditableIndicator }
  | { ok: false; reason: 'refused'; problems: IndicatorProblem[] };

async function lockIndicator(trx: Transaction<DB>, partnershipId: string, code: string) {
  return trx
    .selectFrom('indicator')
    .select(['id', 'version', 'priority_id', 'programme_id', 'retired_at'])
    .where('partnership_id', '=', partnershipId)
    .where('code', '=', code)
    .forUpdate()
    .executeTakeFirst();
}

const labelOf = (i: { code: string; title: string }) => `${i.code}: ${i.title}`;

async function currentOf(trx: Transaction<DB>, partnershipId: string, code: string) {
  return (await findIndicatorForEdit(trx, partnershipId, code))!;
}

/**
 * Changes an indicator, if it is still at `patch.version`: wording always; the unit, rate base, period type and
 * single↔gap only while it has no figures, which way is better only while it has no agreed baseline; its priority
 * (a move, at the end of the new priority's indicators). A priority id must be looked up by the caller
 * (findPriorityInPartnership) before it is passed here.
 */
export async function updateIndicator(trx: Transaction<DB>, partnershipId: string, code: string, patch: IndicatorPatch, actor: PlanActor): Promise<IndicatorResult> {
  const row = await lockIndicator(trx, partnershipId, code);
  if (!row) return { ok: false, reason: 'not_found' };
  const current = await currentOf(trx, partnershipId, code);
  if (row.version !== patch.version) return { ok: false, reason: 'conflict', current };
  const { version: _version, ...change } = patch;
  const shapeNow: IndicatorShape = { unit: current.unit, rateBase: current.rate_base, polarity: current.polarity, periodType: current.period_type, kind: current.kind, focusLabel: current.focus_label, comparisonLabel: current.comparison_label };
  const shapeNext = shapeAfter(shapeNow, change);
  const holdings = await indicatorHoldings(trx, row.id);
  const problems = [...shapeProblems(shapeNext), ...meaningChanges(shapeNow, shapeNext, { hasFigures: holdings.figures > 0, hasBaseline: holdings.baselines > 0 })];
  const newCode = change.code ?? current.code;
  if (newCode !== current.code && (await indicatorCodeTaken(trx, partnershipId, newCode))) {
    problems.push({ field: 'code', message: `is already used by another indicator in this partnership`, text: `The code ${newCode} is already used by another indicator in this partnership: choose another` });
  }
  if (current.programme_id && change.priorityId !== undefined && change.priorityId !== current.priority_id) {
    problems.push({ field: 'priorityId', message: 'cannot be set on a programme’s performance measure: it belongs to its programme', text: 'A programme’s performance measure belongs to its programme, not to a priority' });
  }
  if (problems.length) return { ok: false, reason: 'refused', problems: dedupe(problems) };

  const moving = change.priorityId !== undefined && change.priorityId !== current.priority_id;
  const position = moving
    ? (
        await trx
          .selectFrom('indicator')
          .select(sql<number>`coalesce(max(position) + 1, 0)::int`.as('position'))
          .where('partnership_id', '=', partnershipId)
          .where('priority_id', '=', change.priorityId!)
          .executeTakeFirstOrThrow()
      ).position
    : current.position;
  const next = {
    code: newCode,
    title: change.title ?? current.title,
    definition: change.definition ?? current.definition,
    unit: shapeNext.unit,
    rate_base: shapeNext.rateBase,
    decimals: change.decimals ?? current.decimals,
    polarity: shapeNext.polarity,
    period_type: shapeNext.periodType,
    kind: shapeNext.kind,
    rank: change.rank ?? current.rank,
    priority_id: change.priorityId ?? current.priority_id,
    focus_label: shapeNext.focusLabel,
    comparison_label: shapeNext.comparisonLabel,
    source_text: change.source ?? current.source_text,
    source_url: change.sourceUrl !== undefined ? change.sourceUrl : current.source_url,
    licence: change.licence ?? current.licence,
  };
  const diff = changedFields(snapshot(current), snapshot(next));
  // A save that changes nothing is still a save: the version moves on, so a form opened before it is told.
  await trx
    .updateTable('indicator')
    .set({ ...next, position, version: sql`version + 1`, updated_at: sql`now()` })
    .where('partnership_id', '=', partnershipId)
    .where('id', '=', row.id)
    .execute();
  if (next.kind !== current.kind) {
    // Allowed only without figures (meaningChanges): the old groups' series are empty, and the new ones are made.
    await trx.deleteFrom('series').where('indicator_id', '=', row.id).where('role', 'in', measuredRoles(current.kind)).execute();
    const areaName = await partnershipAreaName(trx, partnershipId);
    await trx
      .insertInto('series')
      .values(measuredRoles(next.kind).map((role) => ({ indicator_id: row.id, role, label: defaultSeriesLabel(role, { areaName, focusLabel: next.focus_label, comparisonLabel: next.comparison_label }) })))
      .execute();
  } else if (next.kind === 'gap') {
    if (next.focus_label && next.focus_label !== current.focus_label) await trx.updateTable('series').set({ label: next.focus_label }).where('indicator_id', '=', row.id).where('role', '=', 'focus').execute();
    if (next.comparison_label && next.comparison_label !== current.comparison_label) await trx.updateTable('series').set({ label: next.comparison_label }).where('indicator_id', '=', row.id).where('role', '=', 'comparison').execute();
  }
  if (moving && current.priority_id) await renumber(trx, partnershipId, await activeSiblings(trx, partnershipId, current.priority_id));
  await recordPlanChange(trx, {
    partnershipId,
    kind: 'indicator',
    itemId: row.id,
    label: labelOf(next),
    action: moving ? 'moved' : 'edited',
    before: diff?.before ?? {},
    after: { ...(diff?.after ?? {}), version: row.version + 1 },
    userId: actor.userId,
    via: actor.via,
  });
  return { ok: true, indicator: await currentOf(trx, partnershipId, newCode) };
}

function dedupe(problems: IndicatorProblem[]): IndicatorProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => (seen.has(p.field) ? false : (seen.add(p.field), true)));
}

/** The active indicators of a priority in their order. */
async function activeSiblings(trx: Transaction<DB>, partnershipId: string, priorityId: string) {
  return trx
    .selectFrom('indicator')
    .select(['id', 'position'])
    .where('partnership_id', '=', partnershipId)
    .where('priority_id', '=', priorityId)
    .where('retired_at', 'is', null)
    .orderBy('position')
    .orderBy('title')
    .orderBy('id')
    .execute();
}

const renumber = (trx: Transaction<DB>, partnershipId: string, ordered: { id: string; position: number }[]) => renumberPositions(trx, 'indicator', partnershipId, ordered);

const refused = (field: IndicatorProblem['field'], text: string): IndicatorResult => ({ ok: false, reason: 'refused', problems: [{ field, message: text, text }] });

/** Moves an active indicator up or down among its priority's active indicators. Only its own version changes. */
export async function reorderIndicator(trx: Transaction<DB>, partnershipId: string, code: string, expectedVersion: number | null, direction: 'up' | 'down', actor: PlanActor): Promise<IndicatorResult> {
  const row = await lockIndicator(trx, partnershipId, code);
  if (!row) return { ok: false, reason: 'not_found' };
  if (expectedVersion !== null && row.version !== expectedVersion) return { ok: false, reason: 'conflict', current: await currentOf(trx, partnershipId, code) };
  if (row.retired_at) return refused('priorityId', 'This indicator is retired: restore it before changing its place');
  if (!row.priority_id) return refused('priorityId', 'A programme’s measure is ordered on its programme’s page');
  const siblings = await activeSiblings(trx, partnershipId, row.priority_id);
  const from = siblings.findIndex((s) => s.id === row.id);
  const to = Math.max(0, Math.min(siblings.length - 1, from + (direction === 'up' ? -1 : 1)));
  const order = siblings.filter((s) => s.id !== row.id);
  order.splice(to, 0, siblings[from]!);
  await renumber(trx, partnershipId, order);
  if (to !== from) {
    const current = await currentOf(trx, partnershipId, code);
    await trx.updateTable('indicator').set({ version: sql`version + 1`, updated_at: sql`now()` }).where('id', '=', row.id).execute();
    await recordPlanChange(trx, { partnershipId, kind: 'indicator', itemId: row.id, label: labelOf(current), action: 'reordered', before: { position: from }, after: { position: to, version: row.version + 1 }, userId: actor.userId, via: actor.via });
  }
  return { ok: true, indicator: await currentOf(trx, partnershipId, code) };
}

/** Retires an indicator: hidden from the scorecard, returns, data book and data day; everything it holds is kept. */
export async function retireIndicator(trx: Transaction<DB>, partnershipId: string, code: string, expectedVersion: number | null, actor: PlanActor): Promise<IndicatorResult> {
  const row = await lockIndicator(trx, partnershipId, code);
  if (!row) return { ok: false, reason: 'not_found' };
  const current = await currentOf(trx, partnershipId, code);
  if (expectedVersion !== null && row.version !== expectedVersion) return { ok: false, reason: 'conflict', current };
  if (row.retired_at) return { ok: true, indicator: current };
  await trx.updateTable('indicator').set({ retired_at: sql`now()`, retired_by: actor.userId, version: sql`version + 1`, updated_at: sql`now()` }).where('id', '=', row.id).execute();
  if (row.priority_id) await renumber(trx, partnershipId, await activeSiblings(trx, partnershipId, row.priority_id));
  await recordPlanChange(trx, { partnershipId, kind: 'indicator', itemId: row.id, label: labelOf(current), action: 'retired', before: { retired: false }, after: { retired: true, version: row.version + 1 }, userId: actor.userId, via: actor.via });
  return { ok: true, indicator: await currentOf(trx, partnershipId, code) };
}

/** Brings a retired indicator back, after its priority's active indicators. */
export async function restoreIndicator(trx: Transaction<DB>, partnershipId: string, code: string, expectedVersion: number | null, actor: PlanActor): Promise<IndicatorResult> {
  const row = await lockIndicator(trx, partnershipId, code);
  if (!row) return { ok: false, reason: 'not_found' };
  const current = await currentOf(trx, partnershipId, code);
  if (expectedVersion !== null && row.version !== expectedVersion) return { ok: false, reason: 'conflict', current };
  if (!row.retired_at) return { ok: true, indicator: current };
  const end = row.priority_id ? (await activeSiblings(trx, partnershipId, row.priority_id)).length : current.position;
  await trx.updateTable('indicator').set({ retired_at: null, retired_by: null, position: end, version: sql`version + 1`, updated_at: sql`now()` }).where('id', '=', row.id).execute();
  await recordPlanChange(trx, { partnershipId, kind: 'indicator', itemId: row.id, label: labelOf(current), action: 'restored', before: { retired: true }, after: { retired: false, position: end, version: row.version + 1 }, userId: actor.userId, via: actor.via });
  return { ok: true, indicator: await currentOf(trx, partnershipId, code) };
}

/** Deletes an indicator made by mistake: only one with no figures, stories, baselines or action links. */
export async function deleteIndicator(trx: Transaction<DB>, partnershipId: string, code: string, actor: PlanActor): Promise<IndicatorResult> {
  const row = await lockIndicator(trx, partnershipId, code);
  if (!row) return { ok: false, reason: 'not_found' };
  const current = await currentOf(trx, partnershipId, code);
  const blockers = deleteBlockers(await indicatorHoldings(trx, row.id));
  if (blockers.length) return refused('code', deleteRefusal(current.code, blockers));
  await trx.deleteFrom('indicator').where('partnership_id', '=', partnershipId).where('id', '=', row.id).execute();
  if (row.priority_id && !row.retired_at) await renumber(trx, partnershipId, await activeSiblings(trx, partnershipId, row.priority_id));
  await recordPlanChange(trx, { partnershipId, kind: 'indicator', itemId: row.id, label: labelOf(current), action: 'deleted', before: { ...snapshot(current), retired: Boolean(row.retired_at) }, after: null, userId: actor.userId, via: actor.via });
  return { ok: true, indicator: current };
}

/** The partnership's retired population indicators (retired themselves or through their priority or outcome). */
export async function listRetiredIndicators(db: Kysely<DB>, partnershipId: string) {
  return db
    .selectFrom('indicator')
    .select(indicatorColumns)
    .where('indicator.partnership_id', '=', partnershipId)
    .where('indicator.programme_id', 'is', null)
    .where(indicatorRetired())
    .orderBy('indicator.position')
    .orderBy('indicator.title')
    .execute();
}
