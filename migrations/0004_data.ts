import { sql, type Kysely } from 'kysely';

// Data in and out (issue 6): the audit trail of every figure, imports (preview → confirm), saved import mappings,
// and every authority's value of an indicator's measure (for rank and quartile).
export async function up(db: Kysely<any>): Promise<void> {
  // An upload and what it would do. The file is kept until the import is applied or cancelled, so the preview can be
  // confirmed later and an explore-education-statistics file can be mapped in a second step.
  await sql`create table data_import (
    id uuid primary key default gen_random_uuid(),
    partnership_id uuid not null references partnership(id) on delete cascade,
    kind text not null check (kind in ('csv', 'ees', 'lait')),
    status text not null check (status in ('mapping', 'preview', 'applied', 'cancelled')),
    file_name text not null default '',
    file_size integer not null default 0,
    file_sha256 text,
    source_text text,
    mapping jsonb,
    plan jsonb,
    summary jsonb not null default '{}',
    created_by uuid references app_user(id) on delete set null,
    created_at timestamptz not null default now(),
    applied_by uuid references app_user(id) on delete set null,
    applied_at timestamptz
  )`.execute(db);
  await sql`create index data_import_partnership on data_import (partnership_id, created_at)`.execute(db);

  // One row per attempt to change a figure: saved changes and the attempts refused because someone else saved first.
  // `old` and `new` are whole figures ({ value, marker, status, numerator, denominator, note }), so every earlier
  // figure (provisional, revised, final) stays readable and can be restored.
  await sql`create table observation_audit (
    id uuid primary key default gen_random_uuid(),
    seq bigserial not null,
    partnership_id uuid not null references partnership(id) on delete cascade,
    indicator_id uuid not null references indicator(id) on delete cascade,
    series_id uuid not null references series(id) on delete cascade,
    series_role text not null,
    period_key text not null,
    period_position integer not null,
    period_label text not null,
    observation_id uuid,
    via text not null check (via in ('form', 'import', 'api', 'restore')),
    result text not null check (result in ('saved', 'conflict')),
    old jsonb,
    new jsonb not null,
    expected_version integer,
    version_before integer,
    version_after integer,
    user_id uuid references app_user(id) on delete set null,
    import_id uuid references data_import(id) on delete set null,
    at timestamptz not null default now()
  )`.execute(db);
  await sql`create index observation_audit_indicator on observation_audit (indicator_id, seq)`.execute(db);
  await sql`create index observation_audit_value on observation_audit (series_id, period_key, seq)`.execute(db);
  await sql`create index observation_audit_partnership on observation_audit (partnership_id, seq)`.execute(db);

  // A saved explore-education-statistics mapping: next year's file imports in one step.
  await sql`create table import_mapping (
    id uuid primary key default gen_random_uuid(),
    partnership_id uuid not null references partnership(id) on delete cascade,
    name text not null,
    kind text not null default 'ees' check (kind in ('ees')),
    mapping jsonb not null,
    created_by uuid references app_user(id) on delete set null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (partnership_id, name)
  )`.execute(db);

  // Every authority's published value of the measure behind an indicator (the analysis reads it for rank and quartile).
  // area_code is the DfE (old) LA number as text, e.g. '331', matching partnership.la_number.
  await sql`create table indicator_authority_value (
    indicator_id uuid not null references indicator(id) on delete cascade,
    period_position integer not null,
    period_label text not null,
    area_code text not null,
    area_name text not null,
    value double precision null,
    primary key (indicator_id, period_position, area_code)
  )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['indicator_authority_value', 'import_mapping', 'observation_audit', 'data_import']) {
    await sql`drop table if exists ${sql.table(table)}`.execute(db);
  }
}
