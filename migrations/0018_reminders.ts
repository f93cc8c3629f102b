import { sql, type Kysely } from 'kysely';

// Reminders that keep the plan moving (issue 21). Each `reminder` row is one notice to one person about one thing
// (an action, an indicator's return, a curve, a story); the pass that finds what is due inserts them with
// `on conflict do nothing` on (user, kind, subject, occasion), so running it again never queues a notice twice.
// The same row is the email outbox: `email_state` goes pending → sending (claimed with FOR UPDATE SKIP LOCKED by
// one worker) → sent (with the SMTP message id), or back to pending with a later `email_next_at` after a failure.
// `reminder_digest` is the outbox of the weekly digest, one row per person per week. `reminder_preference` is each
// person's choice per kind: email now, digest only, or off.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table reminder (
    id uuid primary key default gen_random_uuid(),
    user_id uuid not null references app_user(id) on delete cascade,
    partnership_id uuid not null references partnership(id) on delete cascade,
    kind text not null check (kind in ('action_due_soon', 'action_overdue', 'action_stale', 'return_due', 'return_overdue', 'status_changed', 'story_stale')),
    -- The action, indicator or story the notice is about; no foreign key, so a notice outlives a deleted item.
    subject_id uuid not null,
    -- What makes this notice different from an earlier one about the same thing (a due date, a period, a figure).
    occasion text not null,
    title text not null,
    body text not null default '',
    link text not null,
    due_on date,
    created_at timestamptz not null default now(),
    read_at timestamptz,
    dismissed_at timestamptz,
    email_state text not null default 'none' check (email_state in ('none', 'pending', 'sending', 'sent', 'digest')),
    email_attempts integer not null default 0,
    email_next_at timestamptz,
    email_claimed_at timestamptz,
    email_claim text,
    email_sent_at timestamptz,
    email_message_id text,
    email_error text,
    unique (user_id, kind, subject_id, occasion)
  )`.execute(db);
  await sql`create index reminder_user on reminder (user_id, created_at desc)`.execute(db);
  await sql`create index reminder_outbox on reminder (email_next_at) where email_state in ('pending', 'sending')`.execute(db);
  await sql`create table reminder_preference (
    user_id uuid not null references app_user(id) on delete cascade,
    kind text not null,
    delivery text not null check (delivery in ('email', 'digest', 'off')),
    primary key (user_id, kind)
  )`.execute(db);
  await sql`create table reminder_digest (
    user_id uuid not null references app_user(id) on delete cascade,
    week_start date not null,
    email_state text not null default 'pending' check (email_state in ('pending', 'sending', 'sent')),
    email_attempts integer not null default 0,
    email_next_at timestamptz,
    email_claimed_at timestamptz,
    email_claim text,
    email_sent_at timestamptz,
    email_message_id text,
    email_error text,
    created_at timestamptz not null default now(),
    primary key (user_id, week_start)
  )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists reminder_digest`.execute(db);
  await sql`drop table if exists reminder_preference`.execute(db);
  await sql`drop table if exists reminder`.execute(db);
}
