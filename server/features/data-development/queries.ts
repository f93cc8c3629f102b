import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { DataDevelopmentStatus } from '../../db/schema-stories.ts';

// Every query about the data development agenda: measures the partnership wants but has no data for, in one order of
// priority across the partnership (rank 1 first). Scoped by partnership id.

export interface DataDevelopmentValues {
  title: string;
  description: string;
  how_to_get: string;
  priority_id: string | null;
  indicator_id: string | null;
  owner_id: string | null;
  partner_id: string | null;
  status: DataDevelopmentStatus;
}

const columns = [
  'data_development_item.id',
  'data_development_item.title',
  'data_development_item.description',
  'data_development_item.how_to_get',
  'data_development_item.priority_id',
  'data_development_item.indicator_id',
  'data_development_item.owner_id',
  'data_development_item.partner_id',
  'data_development_item.status',
  'data_development_item.rank',
  'priority.title as priority_title',
  'indicator.code as indicator_code',
  'indicator.title as indicator_title',
  'owner.name as owner_name',
  'partner.name as partner_name',
] as const;

function selectItems(db: Kysely<DB>, partnershipId: string) {
  return db
    .selectFrom('data_development_item')
    .leftJoin('priority', 'priority.id', 'data_development_item.priority_id')
    .leftJoin('indicator', 'indicator.id', 'data_development_item.indicator_id')
    .leftJoin('app_user as owner', 'owner.id', 'data_development_item.owner_id')
    .leftJoin('partner', 'partner.id', 'data_development_item.partner_id')
    .select(columns)
    .where('data_development_item.partnership_id', '=', partnershipId);
}

/** The agenda in rank order; for a priority or indicator, only what concerns it (keeping the partnership's ranks). */
export async function listItems(db: Kysely<DB>, partnershipId: string, filter: { priorityIds?: string[]; indicatorIds?: string[] } = {}) {
  let query = selectItems(db, partnershipId);
  const priorityIds = filter.priorityIds ?? [];
  const indicatorIds = filter.indicatorIds ?? [];
  if (priorityIds.length || indicatorIds.length) {
    query = query.where((eb) =>
      eb.or([
        ...(priorityIds.length ? [eb('data_development_item.priority_id', 'in', priorityIds)] : []),
        ...(indicatorIds.length ? [eb('data_development_item.indicator_id', 'in', indicatorIds)] : []),
      ]),
    );
  } else if (filter.priorityIds || filter.indicatorIds) {
    return [];
  }
  return query.orderBy('data_development_item.rank').orderBy('data_development_item.created_at').execute();
}

export type DataDevelopmentRecord = Awaited<ReturnType<typeof listItems>>[number];

export async function findItem(db: Kysely<DB>, partnershipId: string, itemId: string) {
  return selectItems(db, partnershipId).where('data_development_item.id', '=', itemId).executeTakeFirst();
}

export async function createItem(trx: Transaction<DB>, partnershipId: string, userId: string, values: DataDevelopmentValues): Promise<string> {
  // New items join the end of the agenda; the partnership then moves them up.
  await lockAgenda(trx, partnershipId);
  const { next } = await trx
    .selectFrom('data_development_item')
    .select(sql<number>`coalesce(max(rank), 0)::int + 1`.as('next'))
    .where('partnership_id', '=', partnershipId)
    .executeTakeFirstOrThrow();
  const row = await trx
    .insertInto('data_development_item')
    .values({ partnership_id: partnershipId, created_by: userId, rank: next, ...values })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function updateItem(db: Kysely<DB>, partnershipId: string, itemId: string, values: DataDevelopmentValues) {
  await db
    .updateTable('data_development_item')
    .set({ ...values, updated_at: sql<Date>`now()` })
    .where('partnership_id', '=', partnershipId)
    .where('id', '=', itemId)
    .execute();
}

/** Moves an item one place up or down the agenda and renumbers it 1…n, so ranks stay a plain sequence. */
export async function moveItem(trx: Transaction<DB>, partnershipId: string, itemId: string, direction: 'up' | 'down') {
  await lockAgenda(trx, partnershipId);
  const items = await trx
    .selectFrom('data_development_item')
    .select(['id', 'rank'])
    .where('partnership_id', '=', partnershipId)
    .orderBy('rank')
    .orderBy('created_at')
    .execute();
  const order = items.map((i) => i.id);
  const at = order.indexOf(itemId);
  const to = direction === 'up' ? at - 1 : at + 1;
  if (at < 0 || to < 0 || to >= order.length) return;
  [order[at], order[to]] = [order[to]!, order[at]!];
  await renumber(trx, partnershipId, order, items);
}

export async function deleteItem(trx: Transaction<DB>, partnershipId: string, itemId: string) {
  await lockAgenda(trx, partnershipId);
  await trx.deleteFrom('data_development_item').where('partnership_id', '=', partnershipId).where('id', '=', itemId).execute();
  const items = await trx
    .selectFrom('data_development_item')
    .select(['id', 'rank'])
    .where('partnership_id', '=', partnershipId)
    .orderBy('rank')
    .orderBy('created_at')
    .execute();
  await renumber(trx, partnershipId, items.map((i) => i.id), items);
}

async function renumber(trx: Transaction<DB>, partnershipId: string, order: string[], items: { id: string; rank: number }[]) {
  const current = new Map(items.map((i) => [i.id, i.rank]));
  for (const [index, id] of order.entries()) {
    if (current.get(id) === index + 1) continue;
    await trx.updateTable('data_development_item').set({ rank: index + 1 }).where('partnership_id', '=', partnershipId).where('id', '=', id).execute();
  }
}

/** One writer at a time reorders a partnership's agenda (the partnership row is the lock; NO KEY UPDATE does not block inserts that reference it). */
async function lockAgenda(trx: Transaction<DB>, partnershipId: string) {
  await trx.selectFrom('partnership').select('id').where('id', '=', partnershipId).forNoKeyUpdate().execute();
}
