import { sql, type Kysely } from 'kysely';

// Accounts, partnership roles, sessions, API tokens and the security audit log.
// Everything lives in PostgreSQL so that several app instances share it.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table app_user (
    id uuid primary key default gen_random_uuid(),
    email text not null,
    name text not null,
    password_hash text,
    is_site_admin boolean not null default false,
    created_at timestamptz not null default now(),
    password_changed_at timestamptz
  )`.execute(db);
  await sql`create unique index app_user_email on app_user (lower(email))`.execute(db);

  await sql`create table membership (
    user_id uuid not null references app_user(id) on delete cascade,
    partnership_id uuid not null references partnership(id) on delete cascade,
    role text not null check (role in ('viewer', 'officer', 'manager', 'admin')),
    created_at timestamptz not null default now(),
    primary key (user_id, partnership_id)
  )`.execute(db);
  await sql`create index membership_partnership on membership (partnership_id)`.execute(db);

  // The cookie carries a random token; only its SHA-256 is stored, so a database leak gives no live sessions.
  await sql`create table user_session (
    id_hash text primary key,
    user_id uuid not null references app_user(id) on delete cascade,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    last_seen_at timestamptz not null default now()
  )`.execute(db);
  await sql`create index user_session_user on user_session (user_id)`.execute(db);

  await sql`create table set_password_link (
    token_hash text primary key,
    user_id uuid not null references app_user(id) on delete cascade,
    created_by uuid references app_user(id) on delete set null,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    used_at timestamptz
  )`.execute(db);

  await sql`create table api_token (
    id uuid primary key default gen_random_uuid(),
    user_id uuid not null references app_user(id) on delete cascade,
    name text not null,
    token_hash text not null unique,
    can_write boolean not null default false,
    created_at timestamptz not null default now(),
    last_used_at timestamptz,
    revoked_at timestamptz
  )`.execute(db);

  await sql`create table sign_in_attempt (
    id bigserial primary key,
    address text not null,
    email text not null,
    succeeded boolean not null,
    at timestamptz not null default now()
  )`.execute(db);
  await sql`create index sign_in_attempt_address on sign_in_attempt (address, at)`.execute(db);
  await sql`create index sign_in_attempt_email on sign_in_attempt (lower(email), at)`.execute(db);

  await sql`create table security_event (
    id bigserial primary key,
    at timestamptz not null default now(),
    kind text not null,
    user_id uuid references app_user(id) on delete set null,
    partnership_id uuid references partnership(id) on delete cascade,
    address text,
    detail jsonb not null default '{}'
  )`.execute(db);
  await sql`create index security_event_at on security_event (at)`.execute(db);

  // The observation's editor is now a real user.
  await sql`alter table observation add constraint observation_updated_by_fk foreign key (updated_by) references app_user(id) on delete set null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table observation drop constraint if exists observation_updated_by_fk`.execute(db);
  for (const table of ['security_event', 'sign_in_attempt', 'api_token', 'set_password_link', 'user_session', 'membership', 'app_user']) {
    await sql`drop table if exists ${sql.table(table)}`.execute(db);
  }
}
