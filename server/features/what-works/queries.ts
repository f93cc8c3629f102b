import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { CostLevel, EvidenceLevel } from '../../db/schema-stories.ts';
import type { SubjectKind } from '../conversation/subjects.ts';

// Every query about "what works" entries: ideas and evidence for an indicator or a priority. Scoped by partnership id.

export interface WhatWorksValues {
  title: string;
  description: string;
  evidence_level: EvidenceLevel;
  cost: CostLevel;
  source: string;
  source_url: string | null;
}

const columns = [
  'what_works.id',
  'what_works.indicator_id',
  'what_works.priority_id',
  'what_works.title',
  'what_works.description',
  'what_works.evidence_level',
  'what_works.cost',
  'what_works.source',
  'what_works.source_url',
  'what_works.case_study_number',
  'what_works.updated_at',
] as const;

/** Entries for the given subjects in one query: cheapest first (no-cost ideas lead), then strongest evidence. */
export async function listWhatWorks(db: Kysely<DB>, partnershipId: string, subjects: { indicatorIds?: string[]; priorityIds?: string[] }) {
  const indicatorIds = subjects.indicatorIds ?? [];
  const priorityIds = subjects.priorityIds ?? [];
  if (!indicatorIds.length && !priorityIds.length) return [];
  return db
    .selectFrom('what_works')
    .select(columns)
    .where('what_works.partnership_id', '=', partnershipId)
    .where((eb) =>
      eb.or([
        ...(indicatorIds.length ? [eb('what_works.indicator_id', 'in', indicatorIds)] : []),
        ...(priorityIds.length ? [eb('what_works.priority_id', 'in', priorityIds)] : []),
      ]),
    )
    .orderBy(sql`array_position(array['no_cost', 'low_cost', 'funded'], what_works.cost)`)
    .orderBy(sql`array_position(array['demonstrable', 'some_evidence', 'promising', 'idea'], what_works.evidence_level)`)
    .orderBy('what_works.created_at')
    .execute();
}

export type WhatWorksRecord = Awaited<ReturnType<typeof listWhatWorks>>[number];

export async function findWhatWorks(db: Kysely<DB>, partnershipId: string, id: string) {
  return db.selectFrom('what_works').select(columns).where('partnership_id', '=', partnershipId).where('id', '=', id).executeTakeFirst();
}

export async function createWhatWorks(db: Kysely<DB>, partnershipId: string, subject: { kind: SubjectKind; id: string }, userId: string, values: WhatWorksValues) {
  const row = await db
    .insertInto('what_works')
    .values({
      partnership_id: partnershipId,
      indicator_id: subject.kind === 'indicator' ? subject.id : null,
      priority_id: subject.kind === 'priority' ? subject.id : null,
      created_by: userId,
      case_study_number: null,
      ...values,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function updateWhatWorks(db: Kysely<DB>, partnershipId: string, id: string, values: WhatWorksValues) {
  await db
    .updateTable('what_works')
    .set({ ...values, updated_at: sql<Date>`now()` })
    .where('partnership_id', '=', partnershipId)
    .where('id', '=', id)
    .execute();
}

export async function deleteWhatWorks(db: Kysely<DB>, partnershipId: string, id: string) {
  await db.deleteFrom('what_works').where('partnership_id', '=', partnershipId).where('id', '=', id).execute();
}
