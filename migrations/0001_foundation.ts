import { sql, type Kysely } from 'kysely';

// The OBA objects (docs/method.md): partnership → outcome → priority → indicator → series → observation.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table partnership (
    id uuid primary key default gen_random_uuid(),
    slug text not null unique check (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    name text not null,
    la_name text,
    la_code text,
    la_number integer,
    rag_rule jsonb not null default '{"greenWithinPercent": 5, "amberIfImproved": true}',
    small_number_threshold integer check (small_number_threshold is null or small_number_threshold > 0),
    created_at timestamptz not null default now()
  )`.execute(db);

  await sql`create table outcome (
    id uuid primary key default gen_random_uuid(),
    partnership_id uuid not null references partnership(id) on delete cascade,
    title text not null,
    description text not null default '',
    position integer not null default 0
  )`.execute(db);
  await sql`create index outcome_partnership on outcome (partnership_id, position)`.execute(db);

  await sql`create table priority (
    id uuid primary key default gen_random_uuid(),
    partnership_id uuid not null references partnership(id) on delete cascade,
    outcome_id uuid not null references outcome(id) on delete cascade,
    title text not null,
    description text not null default '',
    position integer not null default 0
  )`.execute(db);
  await sql`create index priority_outcome on priority (outcome_id, position)`.execute(db);
  await sql`create index priority_partnership on priority (partnership_id)`.execute(db);

  await sql`create table indicator (
    id uuid primary key default gen_random_uuid(),
    partnership_id uuid not null references partnership(id) on delete cascade,
    priority_id uuid not null references priority(id) on delete cascade,
    code text not null check (code ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
    title text not null,
    definition text not null default '',
    unit text not null check (unit in ('percentage', 'rate', 'count', 'score', 'ratio')),
    rate_base integer check (rate_base is null or rate_base > 0),
    decimals integer not null default 1 check (decimals between 0 and 6),
    polarity text not null check (polarity in ('higher', 'lower', 'neutral')),
    period_type text not null check (period_type in ('fy_quarter', 'academic_year', 'financial_year', 'calendar_year', 'month')),
    kind text not null default 'single' check (kind in ('single', 'gap')),
    rank text not null default 'headline' check (rank in ('headline', 'secondary', 'data_development')),
    focus_label text,
    comparison_label text,
    source_text text not null default '',
    source_url text,
    licence text not null default '',
    illustrative boolean not null default false,
    position integer not null default 0,
    created_at timestamptz not null default now(),
    unique (partnership_id, code)
  )`.execute(db);
  await sql`create index indicator_priority on indicator (priority_id, position)`.execute(db);

  await sql`create table series (
    id uuid primary key default gen_random_uuid(),
    indicator_id uuid not null references indicator(id) on delete cascade,
    role text not null check (role in ('local', 'focus', 'comparison', 'england', 'region', 'neighbours', 'target')),
    label text not null,
    note text not null default '',
    unique (indicator_id, role)
  )`.execute(db);

  await sql`create table observation (
    id uuid primary key default gen_random_uuid(),
    series_id uuid not null references series(id) on delete cascade,
    period_key text not null,
    period_position integer not null,
    period_label text not null,
    value double precision,
    marker text check (marker in ('c', 'x', 'z', 'k', 'low')),
    status text not null default 'final' check (status in ('provisional', 'revised', 'final')),
    numerator double precision,
    denominator double precision check (denominator is null or denominator > 0),
    note text not null default '',
    version integer not null default 1,
    updated_by uuid,
    updated_at timestamptz not null default now(),
    -- a value or a marker, never both and never neither: a suppressed figure is not a zero
    check ((value is null) <> (marker is null)),
    unique (series_id, period_key)
  )`.execute(db);
  await sql`create index observation_series_position on observation (series_id, period_position)`.execute(db);

  await sql`create table app_setting (
    key text primary key,
    value text not null
  )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['app_setting', 'observation', 'series', 'indicator', 'priority', 'outcome', 'partnership']) {
    await sql`drop table if exists ${sql.table(table)}`.execute(db);
  }
}
