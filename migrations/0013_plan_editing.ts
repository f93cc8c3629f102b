import { sql, type Kysely } from 'kysely';

// A partnership edits its own plan (issue 15): outcomes, priorities and indicators carry a version (two managers
// editing one item: the second is told), can be retired and restored (hidden from the scorecard, data book, returns
// and data day, every figure, story and link kept), and every change to the plan is recorded in `plan_change`
// (who, when, before → after), which the partnership's history page reads alongside the figures' audit trail.
const ITEMS = ['outcome', 'priority', 'indicator'] as const;

export async function up(db: Kysely<any>): Promise<void> {
  for (const table of ITEMS) {
    await sql`alter table ${sql.table(table)}
      add column version integer not null default 1,
      add column retired_at timestamptz,
      add column retired_by uuid references app_user(id) on delete set null,
      add column updated_at timestamptz not null default now()`.execute(db);
  }
  await sql`create table plan_change (
    id uuid primary key default gen_random_uuid(),
    seq bigserial not null,
    partnership_id uuid not null references partnership(id) on delete cascade,
    item_kind text not null check (item_kind in ('outcome', 'priority', 'indicator')),
    -- No foreign key: an item deleted (one with no figures and no links) keeps its history.
    item_id uuid not null,
    item_label text not null,
    action text not null check (action in ('created', 'edited', 'moved', 'reordered', 'retired', 'restored', 'deleted')),
    before jsonb,
    after jsonb,
    user_id uuid references app_user(id) on delete set null,
    via text not null default 'form' check (via in ('form', 'api', 'template', 'import', 'seed')),
    at timestamptz not null default now()
  )`.execute(db);
  await sql`create index plan_change_partnership on plan_change (partnership_id, at, seq)`.execute(db);
  await sql`create index plan_change_item on plan_change (item_id, seq)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists plan_change`.execute(db);
  for (const table of ITEMS) {
    await sql`alter table ${sql.table(table)} drop column if exists version, drop column if exists retired_at, drop column if exists retired_by, drop column if exists updated_at`.execute(db);
  }
}
