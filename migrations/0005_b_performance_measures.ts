import { sql, type Kysely } from 'kysely';

// Performance accountability (docs/method.md, The objects): programmes and services, and their performance measures of three kinds.
// A performance measure IS an indicator — the same series, observations, charts and analysis — that belongs to a
// programme instead of a priority. "Is anyone better off?" is kept as two measures, a number and a percentage.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table programme (
    id uuid primary key default gen_random_uuid(),
    partnership_id uuid not null references partnership(id) on delete cascade,
    name text not null check (length(btrim(name)) between 1 and 200),
    description text not null default '',
    customers text not null default '',
    lead_partner_id uuid,
    created_at timestamptz not null default now(),
    unique (partnership_id, id),
    foreign key (partnership_id, lead_partner_id) references partner (partnership_id, id)
  )`.execute(db);
  await sql`create unique index programme_name on programme (partnership_id, lower(name))`.execute(db);

  // The priorities a programme serves.
  await sql`create table programme_priority (
    partnership_id uuid not null,
    programme_id uuid not null,
    priority_id uuid not null references priority(id) on delete cascade,
    primary key (programme_id, priority_id),
    foreign key (partnership_id, programme_id) references programme (partnership_id, id) on delete cascade
  )`.execute(db);
  await sql`create index programme_priority_priority on programme_priority (priority_id)`.execute(db);

  await sql`alter table indicator alter column priority_id drop not null`.execute(db);
  await sql`alter table indicator add column programme_id uuid references programme(id) on delete cascade`.execute(db);
  await sql`alter table indicator add column measure_kind text check (measure_kind in ('how_much', 'how_well', 'better_off'))`.execute(db);
  // A population indicator sits under a priority; a performance measure under a programme, with its kind.
  await sql`alter table indicator add constraint indicator_population_or_performance check (
    (programme_id is null and measure_kind is null and priority_id is not null)
    or (programme_id is not null and measure_kind is not null and priority_id is null)
  )`.execute(db);
  await sql`create index indicator_programme on indicator (programme_id, position) where programme_id is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`delete from indicator where programme_id is not null`.execute(db);
  await sql`alter table indicator drop constraint if exists indicator_population_or_performance`.execute(db);
  await sql`alter table indicator drop column if exists measure_kind`.execute(db);
  await sql`alter table indicator drop column if exists programme_id`.execute(db);
  await sql`alter table indicator alter column priority_id set not null`.execute(db);
  await sql`drop table if exists programme_priority`.execute(db);
  await sql`drop table if exists programme`.execute(db);
}
