import { sql, type Kysely } from 'kysely';

// Sign-in throttling counted in one row per thing throttled (an account, an address, an account from one address, a
// user's current-password checks), bumped by a single INSERT … ON CONFLICT DO UPDATE: the count a request sees is
// the count after its own attempt, however many arrive at once. And what a person needs to recognise their own
// sessions on the account page: a handle that is not the token's hash, the browser and the address it started from.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table sign_in_throttle (
    key text primary key,
    attempts integer not null,
    last_at timestamptz not null default now()
  )`.execute(db);
  await sql`create index sign_in_throttle_last_at on sign_in_throttle (last_at)`.execute(db);

  await sql`alter table user_session add column id uuid not null default gen_random_uuid()`.execute(db);
  await sql`create unique index user_session_id on user_session (id)`.execute(db);
  await sql`alter table user_session add column user_agent text`.execute(db);
  await sql`alter table user_session add column address text`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table user_session drop column if exists address`.execute(db);
  await sql`alter table user_session drop column if exists user_agent`.execute(db);
  await sql`drop index if exists user_session_id`.execute(db);
  await sql`alter table user_session drop column if exists id`.execute(db);
  await sql`drop table if exists sign_in_throttle`.execute(db);
}
