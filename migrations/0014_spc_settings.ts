import { sql, type Kysely } from 'kysely';
import { addVersionTriggers, dropVersionTriggers } from './0008_data_version.ts';

// SPC choices agreed like a baseline (issue 16): the period the limits start from, rebase points each with its
// reason, limits fixed after a number of points, and screening of outlying moving ranges. Each agreement is a new
// version (a restore copies an earlier one forward); the chart says which version it uses. Agreeing bumps the
// partnership's data version, so cached pages (the scorecard's icons) change at once.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table spc_setting (
    id uuid primary key default gen_random_uuid(),
    indicator_id uuid not null references indicator(id) on delete cascade,
    version integer not null check (version >= 1),
    from_position integer,
    from_label text,
    fix_after integer check (fix_after between 2 and 999),
    screen boolean not null,
    rebases jsonb not null default '[]',
    note text not null default '',
    restored_from integer,
    agreed_by uuid references app_user(id) on delete set null,
    agreed_by_name text not null,
    agreed_at timestamptz not null default now(),
    unique (indicator_id, version),
    check ((from_position is null) = (from_label is null))
  )`.execute(db);
  await addVersionTriggers(db, 'spc_setting', (rows) => `select i.partnership_id from ${rows} r join indicator i on i.id = r.indicator_id`);
}

export async function down(db: Kysely<any>): Promise<void> {
  await dropVersionTriggers(db, 'spc_setting');
  await sql`drop table if exists spc_setting`.execute(db);
}
