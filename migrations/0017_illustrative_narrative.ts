import { sql, type Kysely } from 'kysely';

// A partnership whose narrative texts (stories, actions, notes, assessments…) are illustrative, not anyone's real
// account: the demo partnership a year into use (seeds/demo/year-of-use.ts). Its pages say so
// (views/partials/illustrative.eta).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table partnership add column narrative_illustrative boolean not null default false`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table partnership drop column narrative_illustrative`.execute(db);
}
