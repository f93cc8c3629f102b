// Every query of the gap-narrowing self-assessment. The benchmark itself is shared reference material; assessments
// and their ratings belong to a partnership, and every query of them takes the partnership's id.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { AssessmentInput } from './assessment.ts';

export async function findBenchmark(db: Kysely<DB>) {
  const [heading, principles, statements] = await Promise.all([
    db.selectFrom('gap_benchmark').select(['title', 'subtitle', 'preamble']).executeTakeFirst(),
    db.selectFrom('gap_benchmark_principle').select(['numeral', 'text']).orderBy('position').execute(),
    db.selectFrom('gap_benchmark_statement').select(['number', 'strand', 'text']).orderBy('number').execute(),
  ]);
  return { heading: heading ?? null, principles, statements };
}

const assessedOn = sql<string>`to_char(self_assessment.assessed_on, 'YYYY-MM-DD')`;

/** The partnership's assessments, newest first, each with how many statements have each rating. */
export async function listAssessments(db: Kysely<DB>, partnershipId: string) {
  return db
    .selectFrom('self_assessment')
    .leftJoin('app_user', 'app_user.id', 'self_assessment.created_by')
    .select([
      'self_assessment.id',
      assessedOn.as('assessed_on'),
      'self_assessment.title',
      'self_assessment.created_at',
      'app_user.name as created_by_name',
      (eb) =>
        eb
          .selectFrom('self_assessment_rating as r')
          .select(
            sql<Record<string, number>>`jsonb_build_object(
              'not_yet', count(*) filter (where r.rating = 'not_yet'),
              'developing', count(*) filter (where r.rating = 'developing'),
              'established', count(*) filter (where r.rating = 'established'),
              'embedded', count(*) filter (where r.rating = 'embedded'))`.as('profile'),
          )
          .whereRef('r.self_assessment_id', '=', 'self_assessment.id')
          .where('r.partnership_id', '=', partnershipId)
          .as('profile'),
    ])
    .where('self_assessment.partnership_id', '=', partnershipId)
    .orderBy('self_assessment.assessed_on', 'desc')
    .orderBy('self_assessment.created_at', 'desc')
    .execute();
}

export async function findAssessment(db: Kysely<DB>, partnershipId: string, assessmentId: string) {
  return db
    .selectFrom('self_assessment')
    .leftJoin('app_user as creator', 'creator.id', 'self_assessment.created_by')
    .leftJoin('app_user as editor', 'editor.id', 'self_assessment.updated_by')
    .select([
      'self_assessment.id',
      assessedOn.as('assessed_on'),
      'self_assessment.title',
      'self_assessment.created_at',
      'self_assessment.updated_at',
      'creator.name as created_by_name',
      'editor.name as updated_by_name',
    ])
    .where('self_assessment.partnership_id', '=', partnershipId)
    .where('self_assessment.id', '=', assessmentId)
    .executeTakeFirst();
}

export async function listRatings(db: Kysely<DB>, partnershipId: string, assessmentId: string) {
  return db
    .selectFrom('self_assessment_rating')
    .select(['statement_number', 'rating', 'evidence', 'owner'])
    .where('partnership_id', '=', partnershipId)
    .where('self_assessment_id', '=', assessmentId)
    .orderBy('statement_number')
    .execute();
}

/** The newest assessment (by date, then by when it was recorded), or null. */
export async function findLatestAssessmentId(db: Kysely<DB>, partnershipId: string): Promise<string | null> {
  const row = await db
    .selectFrom('self_assessment')
    .select('id')
    .where('partnership_id', '=', partnershipId)
    .orderBy('assessed_on', 'desc')
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.id ?? null;
}

async function insertRatings(trx: Transaction<DB>, partnershipId: string, assessmentId: string, input: AssessmentInput) {
  if (input.entries.length === 0) return;
  await trx
    .insertInto('self_assessment_rating')
    .values(
      input.entries.map((e) => ({
        self_assessment_id: assessmentId,
        partnership_id: partnershipId,
        statement_number: e.statementNumber,
        rating: e.rating,
        evidence: e.evidence,
        owner: e.owner,
      })),
    )
    .execute();
}

export async function createAssessment(trx: Transaction<DB>, partnershipId: string, userId: string, input: AssessmentInput): Promise<string> {
  const { id } = await trx
    .insertInto('self_assessment')
    .values({ partnership_id: partnershipId, assessed_on: input.assessedOn, title: input.title, created_by: userId, updated_by: userId })
    .returning('id')
    .executeTakeFirstOrThrow();
  await insertRatings(trx, partnershipId, id, input);
  return id;
}

/** Replaces an assessment's date, title and ratings. False when it is not this partnership's. */
export async function updateAssessment(trx: Transaction<DB>, partnershipId: string, assessmentId: string, userId: string, input: AssessmentInput): Promise<boolean> {
  const updated = await trx
    .updateTable('self_assessment')
    .set({ assessed_on: input.assessedOn, title: input.title, updated_by: userId, updated_at: sql<Date>`now()` as any })
    .where('partnership_id', '=', partnershipId)
    .where('id', '=', assessmentId)
    .returning('id')
    .executeTakeFirst();
  if (!updated) return false;
  await trx.deleteFrom('self_assessment_rating').where('partnership_id', '=', partnershipId).where('self_assessment_id', '=', assessmentId).execute();
  await insertRatings(trx, partnershipId, assessmentId, input);
  return true;
}

export async function deleteAssessment(db: Kysely<DB>, partnershipId: string, assessmentId: string): Promise<boolean> {
  const deleted = await db.deleteFrom('self_assessment').where('partnership_id', '=', partnershipId).where('id', '=', assessmentId).returning('id').executeTakeFirst();
  return !!deleted;
}

// ---- actions for weak statements (the action table of issue 7; choosing one uses the library's action queries) ----

/** Every action linked to a statement of the benchmark in this partnership, with its title and status. */
export async function listStatementActions(db: Kysely<DB>, partnershipId: string) {
  return db
    .selectFrom('self_assessment_action')
    .innerJoin('action', 'action.id', 'self_assessment_action.action_id')
    .select(['self_assessment_action.statement_number', 'action.id', 'action.title', 'action.status'])
    .where('self_assessment_action.partnership_id', '=', partnershipId)
    .orderBy('self_assessment_action.statement_number')
    .orderBy('action.title')
    .execute();
}

export async function linkStatementAction(db: Kysely<DB>, partnershipId: string, statementNumber: number, actionId: string, userId: string) {
  await db
    .insertInto('self_assessment_action')
    .values({ partnership_id: partnershipId, statement_number: statementNumber, action_id: actionId, created_by: userId })
    .onConflict((oc) => oc.columns(['partnership_id', 'statement_number', 'action_id']).doNothing())
    .execute();
}

export async function unlinkStatementAction(db: Kysely<DB>, partnershipId: string, statementNumber: number, actionId: string): Promise<boolean> {
  const row = await db
    .deleteFrom('self_assessment_action')
    .where('partnership_id', '=', partnershipId)
    .where('statement_number', '=', statementNumber)
    .where('action_id', '=', actionId)
    .returning('action_id')
    .executeTakeFirst();
  return !!row;
}
