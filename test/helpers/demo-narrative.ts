// The demo a year into use (seeds/demo/year-of-use.ts) has stories, partners' roles, what works, actions and data
// development items on most of its subjects. A test that builds its own conversation on a subject, and checks exactly
// what it built, first takes the demo's away from the subjects it uses (an action linked to one of them goes too),
// and, when its dates matter, the demo's data day.
import type { Kysely } from 'kysely';
import type { DB } from '../../server/db/schema.ts';
import { deleteDataDay, listDataDays } from '../../server/features/dataday/queries.ts';

export async function clearDemoNarrative(db: Kysely<DB>, partnershipId: string, subjects: { indicatorCodes?: string[]; priorityIds?: string[]; dataDays?: boolean }) {
  if (subjects.dataDays) {
    for (const d of await listDataDays(db, partnershipId)) await db.transaction().execute((trx) => deleteDataDay(trx, partnershipId, d.id));
  }
  const codes = subjects.indicatorCodes ?? [];
  const indicatorIds = codes.length
    ? (await db.selectFrom('indicator').select('id').where('partnership_id', '=', partnershipId).where('code', 'in', codes).execute()).map((i) => i.id)
    : [];
  const priorityIds = subjects.priorityIds ?? [];
  for (const [column, ids] of [['indicator_id', indicatorIds], ['priority_id', priorityIds]] as const) {
    if (!ids.length) continue;
    const actionIds = (
      await db
        .selectFrom(column === 'indicator_id' ? 'action_indicator' : 'action_priority')
        .select('action_id')
        .where('partnership_id', '=', partnershipId)
        .where(column, 'in', ids)
        .execute()
    ).map((a) => a.action_id);
    if (actionIds.length) await db.deleteFrom('action').where('partnership_id', '=', partnershipId).where('id', 'in', actionIds).execute();
    await db.deleteFrom('story').where('partnership_id', '=', partnershipId).where(column, 'in', ids).execute();
    await db.deleteFrom('partner_role').where('partnership_id', '=', partnershipId).where(column, 'in', ids).execute();
    await db.deleteFrom('what_works').where('partnership_id', '=', partnershipId).where(column, 'in', ids).execute();
    await db.deleteFrom('data_development_item').where('partnership_id', '=', partnershipId).where(column, 'in', ids).execute();
  }
}
