import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB, Role } from '../../db/schema.ts';
import { recordSecurityEvent } from '../auth/queries.ts';

// The choices the conversation's forms offer (members, priorities, indicators), each scoped by partnership id, so a
// form can only ever name this partnership's objects — and the same lists check what a form sent back.

/**
 * The partnership's members who can own work: officers and above (they can post progress on what they own) — and
 * `keep`, the current owner, if still a member whatever their role now, so editing other fields never drops them.
 */
export async function listOwnerChoices(db: Kysely<DB>, partnershipId: string, keep?: string | null) {
  const rows = await db
    .selectFrom('membership')
    .innerJoin('app_user', 'app_user.id', 'membership.user_id')
    .select(['app_user.id', 'app_user.name', 'app_user.email', 'membership.role'])
    .where('membership.partnership_id', '=', partnershipId)
    .where((eb) => {
      const canOwn = eb('membership.role', 'in', ['officer', 'manager', 'admin'] satisfies Role[]);
      return keep ? eb.or([canOwn, eb('membership.user_id', '=', keep)]) : canOwn;
    })
    .orderBy(sql`lower(app_user.name)`)
    .execute();
  return rows;
}

export async function listPriorityChoices(db: Kysely<DB>, partnershipId: string) {
  return db
    .selectFrom('priority')
    .innerJoin('outcome', 'outcome.id', 'priority.outcome_id')
    .select(['priority.id', 'priority.title', 'outcome.title as outcome_title'])
    .where('priority.partnership_id', '=', partnershipId)
    .orderBy('outcome.position')
    .orderBy('priority.position')
    .orderBy('priority.title')
    .execute();
}

/** Population indicators (with their priority) and performance measures (with their programme). */
export async function listIndicatorChoices(db: Kysely<DB>, partnershipId: string) {
  return db
    .selectFrom('indicator')
    .leftJoin('priority', 'priority.id', 'indicator.priority_id')
    .leftJoin('outcome', 'outcome.id', 'priority.outcome_id')
    .leftJoin('programme', 'programme.id', 'indicator.programme_id')
    .select(['indicator.id', 'indicator.code', 'indicator.title', 'indicator.priority_id', 'priority.title as priority_title', 'programme.name as programme_name'])
    .where('indicator.partnership_id', '=', partnershipId)
    .orderBy(sql`indicator.programme_id is not null`)
    .orderBy('outcome.position')
    .orderBy('priority.position')
    .orderBy('programme.name')
    .orderBy('indicator.position')
    .orderBy('indicator.title')
    .execute();
}

export type IndicatorChoice = Awaited<ReturnType<typeof listIndicatorChoices>>[number];

/** An indicator's code from its id, in this partnership. */
export async function findIndicatorCode(db: Kysely<DB>, partnershipId: string, indicatorId: string) {
  const row = await db.selectFrom('indicator').select('code').where('partnership_id', '=', partnershipId).where('id', '=', indicatorId).executeTakeFirst();
  return row?.code ?? null;
}

export async function findIndicatorIdByCode(db: Kysely<DB>, partnershipId: string, code: string) {
  const row = await db.selectFrom('indicator').select('id').where('partnership_id', '=', partnershipId).where('code', '=', code).executeTakeFirst();
  return row?.id ?? null;
}

/**
 * Deletes something made by mistake and notes who deleted what in the audit log, in one transaction. `remove` deletes
 * it (scoped by partnership) and answers the detail to record, or null when it was not there: then nothing is written
 * and the answer is false (deleted already, by someone else or by a second click).
 */
export async function deleteWithAuditEntry(
  db: Kysely<DB>,
  event: { kind: string; userId: string; partnershipId: string; address: string },
  remove: (trx: Transaction<DB>) => Promise<Record<string, unknown> | null>,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const detail = await remove(trx);
    if (detail) await recordSecurityEvent(trx, { ...event, detail });
    return detail !== null;
  });
}
