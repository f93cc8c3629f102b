import { sql, type Kysely } from 'kysely';

// Agreed baselines (docs/method.md, Baselines and forecasts): each agreement is a new version; old versions stay readable, and every
// judgement says which version it used. A linear baseline keeps the fit as agreed, so a later revision of the
// history cannot silently move the forecast the partnership agreed to.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table baseline (
    id uuid primary key default gen_random_uuid(),
    indicator_id uuid not null references indicator(id) on delete cascade,
    version integer not null,
    baseline_position integer not null,
    baseline_label text not null,
    history_window integer not null check (history_window between 3 and 20),
    method text not null check (method in ('linear', 'manual')),
    fit jsonb,
    manual_points jsonb,
    note text not null default '',
    agreed_by uuid references app_user(id) on delete set null,
    agreed_by_name text not null,
    agreed_at timestamptz not null default now(),
    unique (indicator_id, version),
    check ((method = 'linear' and fit is not null) or (method = 'manual' and manual_points is not null))
  )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists baseline`.execute(db);
}
