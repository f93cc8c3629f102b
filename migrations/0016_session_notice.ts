import { sql, type Kysely } from 'kysely';

// What the last save, import, restore or publish did, said once on the next page (server/plugins/notices.ts): kept
// with the session, so it cannot be forged by a link and does not come back on a reload.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table user_session add column notice text`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table user_session drop column notice`.execute(db);
}
