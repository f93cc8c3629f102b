// Every query behind a partnership's plan: its outcomes and the priorities under them — listed, found, created,
// edited, reordered, moved, retired, restored and deleted. Each is scoped by the partnership's id, so an id from
// another partnership is simply not found. Every change bumps the item's version (an edit against an older version
// is refused with the current row, so a second manager is told) and writes a `plan_change` row in the same
// transaction. Writers run inside inPartnershipTransaction (the partnership's lock first).
import { sql, type Kysely, type Transaction } from 'kysely';
import { changedFields, recordPlanChange, type PlanActor } from '../../db/plan-changes.ts';
import { renumberPositions } from '../../db/positions.ts';
import type { DB } from '../../db/schema.ts';

export type { PlanActor };

type Db = Kysely<DB> | Transaction<DB>;
export type PlanKind = 'outcome' | 'priority';

export const TITLE_MAX = 300;
export const DESCRIPTION_MAX = 5000;

export interface PlanItem {
  id: string;
  title: string;
  description: string;
  position: number;
  version: number;
  retired_at: Date | null;
  retired_by: string | null;
  retired_by_name: string | null;
  updated_at: Date;
}
export interface OutcomeItem extends PlanItem {}
export interface PriorityItem extends PlanItem {
  outcome_id: string;
  outcome_title: string;
  outcome_retired: boolean;
}

const ITEM_COLUMNS = ['id', 'title', 'description', 'position', 'version', 'retired_at', 'retired_by', 'updated_at'] as const;

// ---- reading ------------------------------------------------------------------------------------------------------

export async function listOutcomes(db: Db, partnershipId: string, options: { includeRetired?: boolean; retiredOnly?: boolean } = {}): Promise<OutcomeItem[]> {
  let query = db
    .selectFrom('outcome as o')
    .leftJoin('app_user as u', 'u.id', 'o.retired_by')
    .select(ITEM_COLUMNS.map((c) => `o.${c}` as const))
    .select('u.name as retired_by_name')
    .where('o.partnership_id', '=', partnershipId);
  if (options.retiredOnly) query = query.where('o.retired_at', 'is not', null);
  else if (!options.includeRetired) query = query.where('o.retired_at', 'is', null);
  return query.orderBy('o.position').orderBy('o.title').orderBy('o.id').execute();
}

export async function listPriorities(
  db: Db,
  partnershipId: string,
  options: { includeRetired?: boolean; retiredOnly?: boolean; outcomeId?: string } = {},
): Promise<PriorityItem[]> {
  let query = db
    .selectFrom('priority as p')
    .innerJoin('outcome as o', 'o.id', 'p.outcome_id')
    .leftJoin('app_user as u', 'u.id', 'p.retired_by')
    .select(ITEM_COLUMNS.map((c) => `p.${c}` as const))
    .select(['p.outcome_id', 'o.title as outcome_title', sql<boolean>`o.retired_at is not null`.as('outcome_retired'), 'u.name as retired_by_name'])
    .where('p.partnership_id', '=', partnershipId);
  if (options.outcomeId) query = query.where('p.outcome_id', '=', options.outcomeId);
  if (options.retiredOnly) query = query.where('p.retired_at', 'is not', null);
  else if (!options.includeRetired) query = query.where('p.retired_at', 'is', null);
  return query.orderBy('o.position').orderBy('p.position').orderBy('p.title').orderBy('p.id').execute();
}

export async function findOutcome(db: Db, partnershipId: string, outcomeId: string): Promise<OutcomeItem | undefined> {
  return db
    .selectFrom('outcome as o')
    .leftJoin('app_user as u', 'u.id', 'o.retired_by')
    .select(ITEM_COLUMNS.map((c) => `o.${c}` as const))
    .select('u.name as retired_by_name')
    .where('o.partnership_id', '=', partnershipId)
    .where('o.id', '=', outcomeId)
    .executeTakeFirst();
}

export async function findPriority(db: Db, partnershipId: string, priorityId: string): Promise<PriorityItem | undefined> {
  return db
    .selectFrom('priority as p')
    .innerJoin('outcome as o', 'o.id', 'p.outcome_id')
    .leftJoin('app_user as u', 'u.id', 'p.retired_by')
    .select(ITEM_COLUMNS.map((c) => `p.${c}` as const))
    .select(['p.outcome_id', 'o.title as outcome_title', sql<boolean>`o.retired_at is not null`.as('outcome_retired'), 'u.name as retired_by_name'])
    .where('p.partnership_id', '=', partnershipId)
    .where('p.id', '=', priorityId)
    .executeTakeFirst();
}

/** The indicators under the partnership's priorities (for the plan page), active or retired. */
export async function listPlanIndicators(db: Db, partnershipId: string, options: { retiredOnly?: boolean } = {}) {
  let query = db
    .selectFrom('indicator as i')
    .leftJoin('app_user as u', 'u.id', 'i.retired_by')
    .select(['i.id', 'i.code', 'i.title', 'i.priority_id', 'i.position', 'i.version', 'i.retired_at', 'u.name as retired_by_name'])
    .where('i.partnership_id', '=', partnershipId)
    .where('i.priority_id', 'is not', null);
  query = options.retiredOnly ? query.where('i.retired_at', 'is not', null) : query.where('i.retired_at', 'is', null);
  return query.orderBy('i.position').orderBy('i.code').execute();
}

// ---- creating -----------------------------------------------------------------------------------------------------

/** Appends an outcome after the partnership's active outcomes (after the last one's position, whatever gaps older data has). */
export async function createOutcome(db: Db, partnershipId: string, input: { title: string; description?: string }, actor?: PlanActor) {
  const next = await db
    .selectFrom('outcome')
    .select(sql<number>`coalesce(max(position) + 1, 0)::int`.as('position'))
    .where('partnership_id', '=', partnershipId)
    .where('retired_at', 'is', null)
    .executeTakeFirstOrThrow();
  const outcome = await db
    .insertInto('outcome')
    .values({ partnership_id: partnershipId, title: input.title, description: input.description ?? '', position: next.position })
    .returning(['id', 'title', 'description', 'position', 'version'])
    .executeTakeFirstOrThrow();
  await recordPlanChange(db, {
    partnershipId,
    kind: 'outcome',
    itemId: outcome.id,
    label: outcome.title,
    action: 'created',
    after: { title: outcome.title, description: outcome.description, position: outcome.position },
    userId: actor?.userId ?? null,
    via: actor?.via,
  });
  return outcome;
}

/** Appends a priority after the outcome's active priorities. The outcome must belong to the partnership: the caller looks it up with findOutcome first. */
export async function createPriority(db: Db, partnershipId: string, input: { outcomeId: string; title: string; description?: string }, actor?: PlanActor) {
  const next = await db
    .selectFrom('priority')
    .select(sql<number>`coalesce(max(position) + 1, 0)::int`.as('position'))
    .where('partnership_id', '=', partnershipId)
    .where('outcome_id', '=', input.outcomeId)
    .where('retired_at', 'is', null)
    .executeTakeFirstOrThrow();
  const priority = await db
    .insertInto('priority')
    .values({ partnership_id: partnershipId, outcome_id: input.outcomeId, title: input.title, description: input.description ?? '', position: next.position })
    .returning(['id', 'outcome_id', 'title', 'description', 'position', 'version'])
    .executeTakeFirstOrThrow();
  await recordPlanChange(db, {
    partnershipId,
    kind: 'priority',
    itemId: priority.id,
    label: priority.title,
    action: 'created',
    after: { title: priority.title, description: priority.description, outcomeId: priority.outcome_id, position: priority.position },
    userId: actor?.userId ?? null,
    via: actor?.via,
  });
  return priority;
}

// ---- changing -----------------------------------------------------------------------------------------------------

/** What a change came to: done, refused because someone saved first (with the row as it is now), or refused with a reason. */
export type PlanResult<T> =
  | { ok: true; item: T }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'conflict'; current: T }
  | { ok: false; reason: 'refused'; message: string };

// Outcomes and priorities have the same columns for what is changed here; the table name is the only difference.
// Kysely types one table at a time, so queries over either are typed as the outcome table.
const table = (kind: PlanKind) => kind as 'outcome';

async function lockItem(trx: Transaction<DB>, kind: PlanKind, partnershipId: string, id: string) {
  return trx
    .selectFrom(table(kind))
    .select(['id', 'title', 'version', 'position', 'retired_at'])
    .select(kind === 'priority' ? sql<string | null>`outcome_id`.as('parent_id') : sql<string | null>`null::uuid`.as('parent_id'))
    .where('partnership_id', '=', partnershipId)
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

async function currentOf(trx: Transaction<DB>, kind: PlanKind, partnershipId: string, id: string): Promise<PlanItem | PriorityItem> {
  return (kind === 'outcome' ? await findOutcome(trx, partnershipId, id) : await findPriority(trx, partnershipId, id))!;
}

/** The active siblings of an item in their order: the partnership's outcomes, or one outcome's priorities. */
async function activeSiblings(trx: Transaction<DB>, kind: PlanKind, partnershipId: string, parentId: string | null): Promise<{ id: string; position: number }[]> {
  let query = trx.selectFrom(table(kind)).select(['id', 'position']).where('partnership_id', '=', partnershipId).where('retired_at', 'is', null);
  if (kind === 'priority') query = query.where(sql<boolean>`outcome_id = ${parentId}`);
  return query.orderBy('position').orderBy('title').orderBy('id').execute();
}

/** The place after the last of the active siblings. */
async function endOf(trx: Transaction<DB>, kind: PlanKind, partnershipId: string, parentId: string | null): Promise<number> {
  const siblings = await activeSiblings(trx, kind, partnershipId, parentId);
  return siblings.length ? Math.max(...siblings.map((s) => s.position)) + 1 : 0;
}

/** Writes positions 0..n-1 in the given order, touching only the rows whose position changes. */
const renumber = (trx: Transaction<DB>, kind: PlanKind, partnershipId: string, ordered: { id: string; position: number }[]) => renumberPositions(trx, table(kind), partnershipId, ordered);

/** Changes the title and description, if the item is still at `expectedVersion`. */
export async function editItem(
  trx: Transaction<DB>,
  kind: PlanKind,
  partnershipId: string,
  id: string,
  expectedVersion: number,
  values: { title?: string; description?: string },
  actor: PlanActor,
): Promise<PlanResult<PlanItem>> {
  const row = await lockItem(trx, kind, partnershipId, id);
  if (!row) return { ok: false, reason: 'not_found' };
  if (row.version !== expectedVersion) return { ok: false, reason: 'conflict', current: await currentOf(trx, kind, partnershipId, id) };
  const before = await currentOf(trx, kind, partnershipId, id);
  const after = { title: values.title ?? before.title, description: values.description ?? before.description };
  const diff = changedFields({ title: before.title, description: before.description }, after);
  // A save that changes nothing is still a save: the version moves on, so a form opened before it is told.
  await trx
    .updateTable(table(kind))
    .set({ ...after, version: sql`version + 1`, updated_at: sql`now()` })
    .where('partnership_id', '=', partnershipId)
    .where('id', '=', id)
    .execute();
  await recordPlanChange(trx, {
    partnershipId,
    kind,
    itemId: id,
    label: after.title,
    action: 'edited',
    before: diff?.before ?? {},
    after: { ...(diff?.after ?? {}), version: row.version + 1 },
    userId: actor.userId,
    via: actor.via,
  });
  return { ok: true, item: await currentOf(trx, kind, partnershipId, id) };
}

/**
 * Puts an active item at `index` among its active siblings (clamped to the list), renumbering them 0..n-1. Only the
 * moved item's version changes: reordering does not make anyone's open edit form of a neighbour stale.
 */
export async function placeItem(
  trx: Transaction<DB>,
  kind: PlanKind,
  partnershipId: string,
  id: string,
  expectedVersion: number | null,
  target: { index: number } | { direction: 'up' | 'down' },
  actor: PlanActor,
): Promise<PlanResult<PlanItem>> {
  const row = await lockItem(trx, kind, partnershipId, id);
  if (!row) return { ok: false, reason: 'not_found' };
  if (expectedVersion !== null && row.version !== expectedVersion) return { ok: false, reason: 'conflict', current: await currentOf(trx, kind, partnershipId, id) };
  if (row.retired_at) return { ok: false, reason: 'refused', message: `This ${kind} is retired: restore it before changing its place` };
  const siblings = await activeSiblings(trx, kind, partnershipId, row.parent_id);
  const from = siblings.findIndex((s) => s.id === id);
  const wanted = 'index' in target ? target.index : from + (target.direction === 'up' ? -1 : 1);
  const to = Math.max(0, Math.min(siblings.length - 1, wanted));
  const order = siblings.filter((s) => s.id !== id);
  order.splice(to, 0, siblings[from]!);
  await renumber(trx, kind, partnershipId, order);
  if (to !== from) {
    await trx.updateTable(table(kind)).set({ version: sql`version + 1`, updated_at: sql`now()` }).where('partnership_id', '=', partnershipId).where('id', '=', id).execute();
    await recordPlanChange(trx, {
      partnershipId,
      kind,
      itemId: id,
      label: row.title,
      action: 'reordered',
      before: { position: from },
      after: { position: to, version: row.version + 1 },
      userId: actor.userId,
      via: actor.via,
    });
  }
  return { ok: true, item: await currentOf(trx, kind, partnershipId, id) };
}

/** Moves a priority under another outcome of the partnership (looked up by the caller), at the end of its priorities. */
export async function movePriority(
  trx: Transaction<DB>,
  partnershipId: string,
  id: string,
  expectedVersion: number | null,
  outcomeId: string,
  actor: PlanActor,
): Promise<PlanResult<PriorityItem>> {
  const row = await lockItem(trx, 'priority', partnershipId, id);
  if (!row) return { ok: false, reason: 'not_found' };
  if (expectedVersion !== null && row.version !== expectedVersion) return { ok: false, reason: 'conflict', current: (await findPriority(trx, partnershipId, id))! };
  if (row.parent_id !== outcomeId) {
    const target = await findOutcome(trx, partnershipId, outcomeId);
    if (!target) return { ok: false, reason: 'not_found' };
    if (target.retired_at && !row.retired_at) return { ok: false, reason: 'refused', message: 'That outcome is retired: choose an active outcome, or restore it first' };
    const from = await findOutcome(trx, partnershipId, row.parent_id!);
    await trx
      .updateTable('priority')
      .set({ outcome_id: outcomeId, position: await endOf(trx, 'priority', partnershipId, outcomeId), version: sql`version + 1`, updated_at: sql`now()` })
      .where('partnership_id', '=', partnershipId)
      .where('id', '=', id)
      .execute();
    await renumber(trx, 'priority', partnershipId, await activeSiblings(trx, 'priority', partnershipId, row.parent_id));
    const there = await activeSiblings(trx, 'priority', partnershipId, outcomeId);
    await renumber(trx, 'priority', partnershipId, there);
    const end = row.retired_at ? null : there.findIndex((s) => s.id === id);
    await recordPlanChange(trx, {
      partnershipId,
      kind: 'priority',
      itemId: id,
      label: row.title,
      action: 'moved',
      before: { outcomeId: row.parent_id, outcome: from?.title ?? null, position: row.position },
      after: { outcomeId, outcome: target.title, position: end, version: row.version + 1 },
      userId: actor.userId,
      via: actor.via,
    });
  }
  return { ok: true, item: (await findPriority(trx, partnershipId, id))! };
}

/**
 * Why an item cannot be retired yet, in words, or null when it can: an outcome that still holds active priorities, or
 * a priority that still holds active indicators. Retiring never reaches down silently.
 */
export async function retireBlocker(db: Db, kind: PlanKind, partnershipId: string, id: string, title: string): Promise<string | null> {
  const query =
    kind === 'outcome'
      ? db.selectFrom('priority').select(sql<number>`count(*)::int`.as('n')).where('partnership_id', '=', partnershipId).where('outcome_id', '=', id).where('retired_at', 'is', null)
      : db.selectFrom('indicator').select(sql<number>`count(*)::int`.as('n')).where('partnership_id', '=', partnershipId).where('priority_id', '=', id).where('retired_at', 'is', null);
  const children = (await query.executeTakeFirstOrThrow()).n;
  if (children === 0) return null;
  const what = kind === 'outcome' ? (children === 1 ? 'an active priority' : `${children} active priorities`) : children === 1 ? 'an active indicator' : `${children} active indicators`;
  const them = children === 1 ? 'it' : 'them';
  const where = kind === 'outcome' ? 'another outcome' : 'another priority';
  return `“${title}” still has ${what}. Move ${them} to ${where} or retire ${them} first, then retire this ${kind}.`;
}

/**
 * Retires an item: it leaves the plan (and every page that lists the plan) but keeps everything linked to it.
 * Refused, with what to do first, while it holds active items (retireBlocker).
 */
export async function retireItem(trx: Transaction<DB>, kind: PlanKind, partnershipId: string, id: string, expectedVersion: number | null, actor: PlanActor): Promise<PlanResult<PlanItem>> {
  const row = await lockItem(trx, kind, partnershipId, id);
  if (!row) return { ok: false, reason: 'not_found' };
  if (expectedVersion !== null && row.version !== expectedVersion) return { ok: false, reason: 'conflict', current: await currentOf(trx, kind, partnershipId, id) };
  if (row.retired_at) return { ok: true, item: await currentOf(trx, kind, partnershipId, id) };
  const blocker = await retireBlocker(trx, kind, partnershipId, id, row.title);
  if (blocker) return { ok: false, reason: 'refused', message: blocker };
  await trx
    .updateTable(table(kind))
    .set({ retired_at: sql`now()`, retired_by: actor.userId, version: sql`version + 1`, updated_at: sql`now()` })
    .where('partnership_id', '=', partnershipId)
    .where('id', '=', id)
    .execute();
  await renumber(trx, kind, partnershipId, await activeSiblings(trx, kind, partnershipId, row.parent_id));
  await recordPlanChange(trx, {
    partnershipId,
    kind,
    itemId: id,
    label: row.title,
    action: 'retired',
    before: { retired: false },
    after: { retired: true, version: row.version + 1 },
    userId: actor.userId,
    via: actor.via,
  });
  return { ok: true, item: await currentOf(trx, kind, partnershipId, id) };
}

/** Brings a retired item back, at the end of its active siblings. A priority whose outcome is retired waits for it. */
export async function restoreItem(trx: Transaction<DB>, kind: PlanKind, partnershipId: string, id: string, expectedVersion: number | null, actor: PlanActor): Promise<PlanResult<PlanItem>> {
  const row = await lockItem(trx, kind, partnershipId, id);
  if (!row) return { ok: false, reason: 'not_found' };
  if (expectedVersion !== null && row.version !== expectedVersion) return { ok: false, reason: 'conflict', current: await currentOf(trx, kind, partnershipId, id) };
  if (!row.retired_at) return { ok: true, item: await currentOf(trx, kind, partnershipId, id) };
  if (kind === 'priority') {
    const outcome = await findOutcome(trx, partnershipId, row.parent_id!);
    if (outcome?.retired_at) return { ok: false, reason: 'refused', message: `Its outcome “${outcome.title}” is retired: restore the outcome first, or move this priority to another outcome` };
  }
  await trx
    .updateTable(table(kind))
    .set({ retired_at: null, retired_by: null, position: await endOf(trx, kind, partnershipId, row.parent_id), version: sql`version + 1`, updated_at: sql`now()` })
    .where('partnership_id', '=', partnershipId)
    .where('id', '=', id)
    .execute();
  const siblings = await activeSiblings(trx, kind, partnershipId, row.parent_id);
  await renumber(trx, kind, partnershipId, siblings);
  const end = siblings.findIndex((s) => s.id === id);
  await recordPlanChange(trx, {
    partnershipId,
    kind,
    itemId: id,
    label: row.title,
    action: 'restored',
    before: { retired: true },
    after: { retired: false, position: end, version: row.version + 1 },
    userId: actor.userId,
    via: actor.via,
  });
  return { ok: true, item: await currentOf(trx, kind, partnershipId, id) };
}

/**
 * What stands in the way of deleting an item, in words; empty when it may be deleted. Deleting is for an item made
 * by mistake: one with nothing under it (retired or not) and nothing linked to it. Anything else is retired instead.
 */
export async function deleteBlockers(db: Db, kind: PlanKind, partnershipId: string, id: string): Promise<string[]> {
  const count = async (query: { executeTakeFirstOrThrow(): Promise<{ n: number }> }) => (await query.executeTakeFirstOrThrow()).n;
  const n = sql<number>`count(*)::int`.as('n');
  const blockers: string[] = [];
  const say = (amount: number, one: string, many: string) => amount && blockers.push(amount === 1 ? one : `${amount} ${many}`);
  if (kind === 'outcome') {
    say(await count(db.selectFrom('priority').select(n).where('partnership_id', '=', partnershipId).where('outcome_id', '=', id)), 'a priority (retired ones count)', 'priorities (retired ones count)');
    say(await count(db.selectFrom('data_day_slide').select(n).where('outcome_id', '=', id)), 'a data day slide', 'data day slides');
    say(await count(db.selectFrom('room_note').select(n).where('outcome_id', '=', id)), 'a data day note', 'data day notes');
  } else {
    say(await count(db.selectFrom('indicator').select(n).where('partnership_id', '=', partnershipId).where('priority_id', '=', id)), 'an indicator (retired ones count)', 'indicators (retired ones count)');
    say(await count(db.selectFrom('story').select(n).where('priority_id', '=', id)), 'a story behind the curve', 'stories behind the curve');
    say(await count(db.selectFrom('action_priority').select(n).where('priority_id', '=', id)), 'an action', 'actions');
    say(await count(db.selectFrom('what_works').select(n).where('priority_id', '=', id)), 'a “what works” entry', '“what works” entries');
    say(await count(db.selectFrom('partner_role').select(n).where('priority_id', '=', id)), 'a partner’s role', 'partners’ roles');
    say(await count(db.selectFrom('data_development_item').select(n).where('priority_id', '=', id)), 'a data development item', 'data development items');
    say(await count(db.selectFrom('programme_priority').select(n).where('priority_id', '=', id)), 'a programme', 'programmes');
    say(await count(db.selectFrom('data_day_slide').select(n).where('priority_id', '=', id)), 'a data day slide', 'data day slides');
    say(await count(db.selectFrom('room_note').select(n).where('priority_id', '=', id)), 'a data day note', 'data day notes');
  }
  return blockers;
}

/** Deletes an item with nothing under it and nothing linked to it; its history in plan_change stays. */
export async function deleteItem(trx: Transaction<DB>, kind: PlanKind, partnershipId: string, id: string, actor: PlanActor): Promise<PlanResult<{ id: string; title: string }>> {
  const row = await lockItem(trx, kind, partnershipId, id);
  if (!row) return { ok: false, reason: 'not_found' };
  const blockers = await deleteBlockers(trx, kind, partnershipId, id);
  if (blockers.length) return { ok: false, reason: 'refused', message: `“${row.title}” cannot be deleted: it has ${blockers.join(', ')}. Retire it instead.` };
  const before = await currentOf(trx, kind, partnershipId, id);
  await trx.deleteFrom(table(kind)).where('partnership_id', '=', partnershipId).where('id', '=', id).execute();
  if (!row.retired_at) await renumber(trx, kind, partnershipId, await activeSiblings(trx, kind, partnershipId, row.parent_id));
  await recordPlanChange(trx, {
    partnershipId,
    kind,
    itemId: id,
    label: row.title,
    action: 'deleted',
    before: { title: before.title, description: before.description, position: before.position, ...(row.parent_id ? { outcomeId: row.parent_id } : {}), retired: Boolean(row.retired_at) },
    after: null,
    userId: actor.userId,
    via: actor.via,
  });
  return { ok: true, item: { id, title: row.title } };
}
