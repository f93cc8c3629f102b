import { sql, type Kysely } from 'kysely';

// A figure can be deleted (issue 14): an officer gives a reason, and the audit trail keeps the deleted figure,
// who, when, how and why, so that a manager can restore it from the history like any other change. A deletion's
// entry has no new figure.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table observation_audit alter column new drop not null`.execute(db);
  await sql`alter table observation_audit add column reason text`.execute(db);
  await sql`alter table observation_audit drop constraint observation_audit_result_check`.execute(db);
  await sql`alter table observation_audit add constraint observation_audit_result_check check (result in ('saved', 'conflict', 'deleted'))`.execute(db);
  await sql`alter table observation_audit add constraint observation_audit_deletion_check check ((result = 'deleted') = (new is null))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`delete from observation_audit where result = 'deleted'`.execute(db);
  await sql`alter table observation_audit drop constraint if exists observation_audit_deletion_check`.execute(db);
  await sql`alter table observation_audit drop constraint observation_audit_result_check`.execute(db);
  await sql`alter table observation_audit add constraint observation_audit_result_check check (result in ('saved', 'conflict'))`.execute(db);
  await sql`alter table observation_audit drop column if exists reason`.execute(db);
  await sql`alter table observation_audit alter column new set not null`.execute(db);
}
