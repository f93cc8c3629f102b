import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { activeOutcome, activePriority } from '../../db/retired.ts';

// Every query behind the partnership pages (home, priority). Each takes the partnership's id, so no query here can
// reach another partnership's rows.

export async function findPartnership(db: Kysely<DB>, partnershipId: string) {
  return db
    .selectFrom('partnership')
    .select(['id', 'slug', 'name', 'la_name', 'la_code', 'la_number', 'rag_rule', 'small_number_threshold', 'data_version'])
    .where('id', '=', partnershipId)
    .executeTakeFirstOrThrow();
}

export async function listOutcomes(db: Kysely<DB>, partnershipId: string) {
  return db
    .selectFrom('outcome')
    .select(['id', 'title', 'description', 'position'])
    .where('partnership_id', '=', partnershipId)
    .where(activeOutcome())
    .orderBy('position')
    .orderBy('title')
    .execute();
}

export async function listPriorities(db: Kysely<DB>, partnershipId: string) {
  return db
    .selectFrom('priority')
    .select(['id', 'outcome_id', 'title', 'description', 'position'])
    .where('partnership_id', '=', partnershipId)
    .where(activePriority())
    .orderBy('position')
    .orderBy('title')
    .execute();
}

export async function findPriority(db: Kysely<DB>, partnershipId: string, priorityId: string) {
  return db
    .selectFrom('priority')
    .innerJoin('outcome', 'outcome.id', 'priority.outcome_id')
    .select(['priority.id', 'priority.title', 'priority.description', 'outcome.id as outcome_id', 'outcome.title as outcome_title'])
    .where('priority.partnership_id', '=', partnershipId)
    .where('priority.id', '=', priorityId)
    .executeTakeFirst();
}
