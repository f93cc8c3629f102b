import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { ActionStatus } from '../../db/schema-stories.ts';

// Every query about actions, the indicators and priorities they aim to move, and their progress log. All are scoped
// by partnership id. Functions that write take a transaction: an action and its links change together.

export interface ActionFilters {
  status?: ActionStatus;
  partnerId?: string;
  /** Actions on the priority itself or on any of its indicators. */
  priorityId?: string;
  indicatorId?: string;
  ownerId?: string;
  /** Today's date (YYYY-MM-DD): only actions past their due date and not done. */
  overdueOn?: string;
  /** Only actions following this golden thread: chosen for them, or through a linked case study. */
  threadSlug?: string;
}

const actionColumns = [
  'action.id',
  'action.title',
  'action.description',
  'action.status',
  'action.version',
  'action.lead_partner_id',
  'action.owner_id',
  'action.created_at',
  'action.updated_at',
  'partner.name as lead_partner_name',
  'owner.name as owner_name',
] as const;

function selectActions(db: Kysely<DB>, partnershipId: string) {
  return db
    .selectFrom('action')
    .leftJoin('partner', 'partner.id', 'action.lead_partner_id')
    .leftJoin('app_user as owner', 'owner.id', 'action.owner_id')
    .select(actionColumns)
    .select([sql<string | null>`action.start_date::text`.as('start_date'), sql<string | null>`action.due_date::text`.as('due_date')])
    .where('action.partnership_id', '=', partnershipId);
}

export async function listActions(db: Kysely<DB>, partnershipId: string, filters: ActionFilters = {}) {
  let query = selectActions(db, partnershipId);
  if (filters.status) query = query.where('action.status', '=', filters.status);
  if (filters.partnerId) query = query.where('action.lead_partner_id', '=', filters.partnerId);
  if (filters.ownerId) query = query.where('action.owner_id', '=', filters.ownerId);
  if (filters.overdueOn) query = query.where('action.status', '<>', 'done').where(sql<boolean>`action.due_date < ${filters.overdueOn}::date`);
  if (filters.indicatorId) {
    const indicatorId = filters.indicatorId;
    query = query.where((eb) => eb.exists(eb.selectFrom('action_indicator').select('action_id').whereRef('action_indicator.action_id', '=', 'action.id').where('action_indicator.indicator_id', '=', indicatorId)));
  }
  if (filters.threadSlug) {
    const threadSlug = filters.threadSlug;
    query = query.where((eb) =>
      eb.or([
        eb.exists(
          eb
            .selectFrom('action_golden_thread')
            .select('action_golden_thread.action_id')
            .whereRef('action_golden_thread.action_id', '=', 'action.id')
            .where('action_golden_thread.partnership_id', '=', partnershipId)
            .where('action_golden_thread.thread_slug', '=', threadSlug),
        ),
        eb.exists(
          eb
            .selectFrom('action_case_study')
            .innerJoin('case_study_golden_thread', 'case_study_golden_thread.case_study_number', 'action_case_study.case_study_number')
            .select('action_case_study.action_id')
            .whereRef('action_case_study.action_id', '=', 'action.id')
            .where('action_case_study.partnership_id', '=', partnershipId)
            .where('case_study_golden_thread.thread_slug', '=', threadSlug),
        ),
      ]),
    );
  }
  if (filters.priorityId) {
    const priorityId = filters.priorityId;
    query = query.where((eb) =>
      eb.or([
        eb.exists(eb.selectFrom('action_priority').select('action_id').whereRef('action_priority.action_id', '=', 'action.id').where('action_priority.priority_id', '=', priorityId)),
        eb.exists(
          eb
            .selectFrom('action_indicator')
            .innerJoin('indicator', 'indicator.id', 'action_indicator.indicator_id')
            .select('action_indicator.action_id')
            .whereRef('action_indicator.action_id', '=', 'action.id')
            .where('indicator.priority_id', '=', priorityId),
        ),
      ]),
    );
  }
  const actions = await query
    // Open actions first, soonest due first; done ones last.
    .orderBy(sql`action.status = 'done'`)
    .orderBy(sql`action.due_date asc nulls last`)
    .orderBy('action.created_at')
    .execute();
  const links = await listLinks(db, partnershipId, actions.map((a) => a.id));
  return actions.map((a) => ({ ...a, indicators: links.indicators.filter((l) => l.action_id === a.id), priorities: links.priorities.filter((l) => l.action_id === a.id) }));
}

export type ActionRecord = Awaited<ReturnType<typeof listActions>>[number];

/** The indicators and priorities a set of actions aim to move, in two queries whatever the number of actions. */
async function listLinks(db: Kysely<DB>, partnershipId: string, actionIds: string[]) {
  if (!actionIds.length) return { indicators: [], priorities: [] };
  const [indicators, priorities] = await Promise.all([
    db
      .selectFrom('action_indicator')
      .innerJoin('indicator', 'indicator.id', 'action_indicator.indicator_id')
      .select(['action_indicator.action_id', 'indicator.id', 'indicator.code', 'indicator.title'])
      .where('action_indicator.partnership_id', '=', partnershipId)
      .where('action_indicator.action_id', 'in', actionIds)
      .orderBy('indicator.title')
      .execute(),
    db
      .selectFrom('action_priority')
      .innerJoin('priority', 'priority.id', 'action_priority.priority_id')
      .select(['action_priority.action_id', 'priority.id', 'priority.title'])
      .where('action_priority.partnership_id', '=', partnershipId)
      .where('action_priority.action_id', 'in', actionIds)
      .orderBy('priority.title')
      .execute(),
  ]);
  return { indicators, priorities };
}

export async function findAction(db: Kysely<DB>, partnershipId: string, actionId: string) {
  const action = await selectActions(db, partnershipId).where('action.id', '=', actionId).executeTakeFirst();
  if (!action) return undefined;
  const links = await listLinks(db, partnershipId, [action.id]);
  return { ...action, indicators: links.indicators, priorities: links.priorities };
}

export async function countUpdates(db: Kysely<DB>, partnershipId: string, actionId: string): Promise<number> {
  const row = await db
    .selectFrom('action_update')
    .select(sql<number>`count(*)::int`.as('count'))
    .where('partnership_id', '=', partnershipId)
    .where('action_id', '=', actionId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function listUpdates(db: Kysely<DB>, partnershipId: string, actionId: string) {
  return db
    .selectFrom('action_update')
    .leftJoin('app_user', 'app_user.id', 'action_update.author_id')
    .select(['action_update.id', 'action_update.body', 'action_update.status_from', 'action_update.status_to', 'action_update.created_at', 'app_user.name as author_name'])
    .where('action_update.partnership_id', '=', partnershipId)
    .where('action_update.action_id', '=', actionId)
    .orderBy('action_update.created_at', 'desc')
    .execute();
}

export interface ActionValues {
  title: string;
  description: string;
  lead_partner_id: string | null;
  owner_id: string | null;
  start_date: string | null;
  due_date: string | null;
  status: ActionStatus;
}

export interface ActionLinks {
  indicatorIds: string[];
  priorityIds: string[];
}

export async function createAction(trx: Transaction<DB>, partnershipId: string, userId: string, values: ActionValues, links: ActionLinks): Promise<string> {
  const { id } = await trx
    .insertInto('action')
    .values({ partnership_id: partnershipId, created_by: userId, ...values })
    .returning('id')
    .executeTakeFirstOrThrow();
  await replaceLinks(trx, partnershipId, id, links);
  return id;
}

/**
 * Saves an edit made from `expectedVersion`. Returns false (and changes nothing) when someone else saved in between.
 * A change of status is written to the progress log too, so the log tells the whole story.
 */
export async function updateAction(
  trx: Transaction<DB>,
  partnershipId: string,
  actionId: string,
  userId: string,
  expectedVersion: number,
  values: ActionValues,
  links: ActionLinks,
): Promise<boolean> {
  const current = await trx
    .selectFrom('action')
    .select(['status', 'version'])
    .where('partnership_id', '=', partnershipId)
    .where('id', '=', actionId)
    .forUpdate()
    .executeTakeFirst();
  if (!current || current.version !== expectedVersion) return false;
  await trx
    .updateTable('action')
    .set({ ...values, version: current.version + 1, updated_at: sql<Date>`now()` })
    .where('partnership_id', '=', partnershipId)
    .where('id', '=', actionId)
    .execute();
  if (current.status !== values.status) {
    await trx
      .insertInto('action_update')
      .values({ partnership_id: partnershipId, action_id: actionId, author_id: userId, body: '', status_from: current.status, status_to: values.status })
      .execute();
  }
  await replaceLinks(trx, partnershipId, actionId, links);
  return true;
}

async function replaceLinks(trx: Transaction<DB>, partnershipId: string, actionId: string, links: ActionLinks) {
  await trx.deleteFrom('action_indicator').where('partnership_id', '=', partnershipId).where('action_id', '=', actionId).execute();
  await trx.deleteFrom('action_priority').where('partnership_id', '=', partnershipId).where('action_id', '=', actionId).execute();
  if (links.indicatorIds.length) {
    await trx
      .insertInto('action_indicator')
      .values(links.indicatorIds.map((indicator_id) => ({ partnership_id: partnershipId, action_id: actionId, indicator_id })))
      .execute();
  }
  if (links.priorityIds.length) {
    await trx
      .insertInto('action_priority')
      .values(links.priorityIds.map((priority_id) => ({ partnership_id: partnershipId, action_id: actionId, priority_id })))
      .execute();
  }
}

/** A progress update, optionally moving the action to a new status; the status it moved from is kept with it. */
export async function addUpdate(trx: Transaction<DB>, partnershipId: string, actionId: string, authorId: string, body: string, statusTo: ActionStatus, expectedVersion?: number): Promise<boolean> {
  const current = await trx
    .selectFrom('action')
    .select(['status', 'version'])
    .where('partnership_id', '=', partnershipId)
    .where('id', '=', actionId)
    .forUpdate()
    .executeTakeFirstOrThrow();
  if (expectedVersion !== undefined && current.version !== expectedVersion) return false;
  const changed = current.status !== statusTo;
  await trx
    .insertInto('action_update')
    .values({ partnership_id: partnershipId, action_id: actionId, author_id: authorId, body, status_from: current.status, status_to: changed ? statusTo : null })
    .execute();
  await trx
    .updateTable('action')
    .set({ status: statusTo, version: current.version + 1, updated_at: sql<Date>`now()` })
    .where('partnership_id', '=', partnershipId)
    .where('id', '=', actionId)
    .execute();
  return true;
}

/** Ids of this partnership's objects among those given: what a form may link to. */
export async function ownIds(db: Kysely<DB>, partnershipId: string, table: 'indicator' | 'priority', ids: string[]): Promise<string[]> {
  if (!ids.length) return [];
  const rows = await db.selectFrom(table).select('id').where('partnership_id', '=', partnershipId).where('id', 'in', ids).execute();
  return rows.map((r) => r.id);
}

/**
 * Deletes an action of this partnership with its progress updates and links (they cascade); a room note it came from
 * keeps its text and says the action has since been deleted. Answers the deleted action's title, or null.
 */
export async function deleteAction(trx: Transaction<DB>, partnershipId: string, actionId: string): Promise<{ title: string } | null> {
  const row = await trx.deleteFrom('action').where('partnership_id', '=', partnershipId).where('id', '=', actionId).returning('title').executeTakeFirst();
  return row ?? null;
}
