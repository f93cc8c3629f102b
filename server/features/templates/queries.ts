// Every query of the templates feature. Applying a template writes inside the caller's transaction, and every row
// it writes carries the partnership's id.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { BuiltObservation } from './benchmark.ts';

export async function findPartnershipForTemplate(trx: Transaction<DB>, partnershipId: string) {
  return trx.selectFrom('partnership').select(['id', 'slug', 'la_name', 'la_number']).where('id', '=', partnershipId).executeTakeFirst();
}

/** Tables of other features that a template fills when they exist (programmes, actions, the data development agenda). */
export async function existingTables(trx: Transaction<DB>, names: string[]): Promise<Set<string>> {
  const rows = await sql<{ name: string }>`select name from unnest(${names}::text[]) as name where to_regclass(name) is not null`.execute(trx);
  return new Set(rows.rows.map((r) => r.name));
}

export async function nextOutcomePosition(trx: Transaction<DB>, partnershipId: string): Promise<number> {
  const row = await trx
    .selectFrom('outcome')
    .select(sql<number>`coalesce(max(position) + 1, 0)::int`.as('next'))
    .where('partnership_id', '=', partnershipId)
    .executeTakeFirstOrThrow();
  return row.next;
}

export async function insertOutcome(trx: Transaction<DB>, partnershipId: string, values: { title: string; description: string; position: number }) {
  const row = await trx.insertInto('outcome').values({ partnership_id: partnershipId, ...values }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function insertPriority(
  trx: Transaction<DB>,
  partnershipId: string,
  values: { outcomeId: string; title: string; description: string; position: number },
) {
  const row = await trx
    .insertInto('priority')
    .values({ partnership_id: partnershipId, outcome_id: values.outcomeId, title: values.title, description: values.description, position: values.position })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A series' observations. The series was created with its indicator (createIndicator) in this partnership. */
export async function insertSeriesObservations(trx: Transaction<DB>, id: string, observations: BuiltObservation[]) {
  if (observations.length === 0) return id;
  await trx
    .insertInto('observation')
    .values(
      observations.map((o) => ({
        series_id: id,
        period_key: o.period.key,
        period_position: o.period.position,
        period_label: o.period.label,
        value: o.value,
        marker: o.marker,
        status: 'final' as const,
        note: o.note,
      })),
    )
    .execute();
  return id;
}

export async function insertAction(trx: Transaction<DB>, partnershipId: string, values: { title: string; description: string; priorityId: string }) {
  const { id } = await trx
    .insertInto('action')
    .values({ partnership_id: partnershipId, title: values.title, description: values.description, status: 'not_started' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await trx.insertInto('action_priority').values({ partnership_id: partnershipId, action_id: id, priority_id: values.priorityId }).execute();
  return id;
}

export async function nextDataDevelopmentRank(trx: Transaction<DB>, partnershipId: string): Promise<number> {
  const row = await trx
    .selectFrom('data_development_item')
    .select(sql<number>`coalesce(max(rank) + 1, 1)::int`.as('next'))
    .where('partnership_id', '=', partnershipId)
    .executeTakeFirstOrThrow();
  return row.next;
}

export async function insertDataDevelopmentItem(
  trx: Transaction<DB>,
  partnershipId: string,
  values: { priorityId: string; title: string; description: string; howToGet: string; rank: number },
) {
  await trx
    .insertInto('data_development_item')
    .values({
      partnership_id: partnershipId,
      priority_id: values.priorityId,
      title: values.title,
      description: values.description,
      how_to_get: values.howToGet,
      rank: values.rank,
    })
    .execute();
}

export async function recordTemplate(trx: Transaction<DB>, partnershipId: string, templateKey: string, templateName: string) {
  await trx
    .insertInto('partnership_template')
    .values({ partnership_id: partnershipId, template_key: templateKey, template_name: templateName })
    .onConflict((oc) => oc.column('partnership_id').doUpdateSet({ template_key: templateKey, template_name: templateName, applied_at: sql<Date>`now()` as any }))
    .execute();
}

export async function findPartnershipTemplate(db: Kysely<DB>, partnershipId: string) {
  return db
    .selectFrom('partnership_template')
    .select(['template_key', 'template_name', 'applied_at'])
    .where('partnership_id', '=', partnershipId)
    .executeTakeFirst();
}

/**
 * For the seven population questions on a priority page: how many partner roles, what-works entries and actions the
 * priority has (on the priority itself or on its indicators), in one query.
 */
export async function countPriorityAnswers(db: Kysely<DB>, partnershipId: string, priorityId: string) {
  const row = await sql<{ indicators: number; partners: number; what_works: number; actions: number }>`
    select
      (select count(*)::int from indicator i where i.partnership_id = ${partnershipId} and i.priority_id = ${priorityId}) as indicators,
      (select count(distinct r.partner_id)::int from partner_role r
         left join indicator i on i.id = r.indicator_id
        where r.partnership_id = ${partnershipId} and (r.priority_id = ${priorityId} or i.priority_id = ${priorityId})) as partners,
      (select count(*)::int from what_works w
         left join indicator i on i.id = w.indicator_id
        where w.partnership_id = ${partnershipId} and (w.priority_id = ${priorityId} or i.priority_id = ${priorityId})) as what_works,
      (select count(distinct a.id)::int from action a
        where a.partnership_id = ${partnershipId} and (
          exists (select 1 from action_priority ap where ap.action_id = a.id and ap.priority_id = ${priorityId})
          or exists (select 1 from action_indicator ai join indicator i on i.id = ai.indicator_id where ai.action_id = a.id and i.priority_id = ${priorityId}))) as actions`.execute(db);
  return row.rows[0]!;
}
