import { sql, type Kysely } from 'kysely';

// Reminders, continued (issue 21).
// - `reminder_address`: whether a person's email address is verified before any notice is emailed to it. A row is
//   for one address: `verified_at` counts only while `email` is still the person's address, so changing the address
//   needs a new verification. `link_sent_at` records the one verification link the pass sends unasked.
// - `reminder_schedule`: a partnership's return schedule, the days after a period's end its return is due (30 when
//   it has no row).
// - Four more kinds of notice: an update requested by a manager, an import that failed checks, a baseline older
//   than the refresh rule, a data day coming up with what is not ready.
const KINDS = [
  'action_due_soon', 'action_overdue', 'action_stale', 'return_due', 'return_overdue', 'status_changed', 'story_stale',
  'action_update_requested', 'import_failed', 'baseline_stale', 'data_day_soon',
];
const OLD_KINDS = KINDS.slice(0, 7);

const kindCheck = (kinds: string[]) => sql.raw(`check (kind in (${kinds.map((k) => `'${k}'`).join(', ')}))`);

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table reminder_address (
    user_id uuid primary key references app_user(id) on delete cascade,
    email text not null,
    verified_at timestamptz,
    link_sent_at timestamptz
  )`.execute(db);
  await sql`create table reminder_schedule (
    partnership_id uuid primary key references partnership(id) on delete cascade,
    return_due_days integer not null default 30 check (return_due_days between 1 and 365),
    updated_at timestamptz not null default now()
  )`.execute(db);
  await sql`alter table reminder drop constraint reminder_kind_check`.execute(db);
  await sql`alter table reminder add constraint reminder_kind_check ${kindCheck(KINDS)}`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`delete from reminder where kind not in (${sql.join(OLD_KINDS)})`.execute(db);
  await sql`alter table reminder drop constraint reminder_kind_check`.execute(db);
  await sql`alter table reminder add constraint reminder_kind_check ${kindCheck(OLD_KINDS)}`.execute(db);
  await sql`drop table if exists reminder_schedule`.execute(db);
  await sql`drop table if exists reminder_address`.execute(db);
}
