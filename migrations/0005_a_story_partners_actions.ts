import { sql, type Kysely } from 'kysely';

// The turn-the-curve conversation around an indicator or priority (docs/method.md, Turning the curve: questions 4–7): the story behind the
// curve (versioned), the partners with a role, what works, the action plan with its progress log, and the data
// development agenda.
//
// Tables of this migration that point at one another do so with (partnership_id, id) foreign keys, so the database
// itself refuses a row of one partnership that names another partnership's partner, story or action.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table partner (
    id uuid primary key default gen_random_uuid(),
    partnership_id uuid not null references partnership(id) on delete cascade,
    name text not null check (length(btrim(name)) between 1 and 200),
    sector text not null check (sector in ('council', 'health', 'police', 'schools', 'voluntary', 'other')),
    description text not null default '',
    contact text not null default '',
    active boolean not null default true,
    created_at timestamptz not null default now(),
    unique (partnership_id, id)
  )`.execute(db);
  await sql`create unique index partner_name on partner (partnership_id, lower(name))`.execute(db);

  // Which partner has a role on a priority or an indicator, and what that role is.
  await sql`create table partner_role (
    id uuid primary key default gen_random_uuid(),
    partnership_id uuid not null references partnership(id) on delete cascade,
    partner_id uuid not null,
    priority_id uuid references priority(id) on delete cascade,
    indicator_id uuid references indicator(id) on delete cascade,
    role text not null check (length(btrim(role)) between 1 and 2000),
    created_at timestamptz not null default now(),
    foreign key (partnership_id, partner_id) references partner (partnership_id, id) on delete cascade,
    check ((priority_id is null) <> (indicator_id is null))
  )`.execute(db);
  await sql`create unique index partner_role_priority on partner_role (priority_id, partner_id) where priority_id is not null`.execute(db);
  await sql`create unique index partner_role_indicator on partner_role (indicator_id, partner_id) where indicator_id is not null`.execute(db);
  await sql`create index partner_role_partner on partner_role (partner_id)`.execute(db);

  // One story per indicator or priority; every edit is a new, immutable version.
  await sql`create table story (
    id uuid primary key default gen_random_uuid(),
    partnership_id uuid not null references partnership(id) on delete cascade,
    indicator_id uuid unique references indicator(id) on delete cascade,
    priority_id uuid unique references priority(id) on delete cascade,
    created_at timestamptz not null default now(),
    unique (partnership_id, id),
    check ((priority_id is null) <> (indicator_id is null))
  )`.execute(db);

  await sql`create table story_version (
    id uuid primary key default gen_random_uuid(),
    partnership_id uuid not null references partnership(id) on delete cascade,
    story_id uuid not null,
    version integer not null check (version > 0),
    period_text text not null check (length(btrim(period_text)) between 1 and 200),
    summary text not null default '',
    contributing text not null default '',
    restricting text not null default '',
    root_causes jsonb not null default '[]',
    change_note text not null default '',
    restored_from integer,
    author_id uuid references app_user(id) on delete set null,
    created_at timestamptz not null default now(),
    foreign key (partnership_id, story_id) references story (partnership_id, id) on delete cascade,
    unique (story_id, version)
  )`.execute(db);

  // Ideas and evidence. case_study_number names a case study of the what-works library (issue 8) without a foreign
  // key, so the library can be loaded, replaced or absent without touching this table.
  await sql`create table what_works (
    id uuid primary key default gen_random_uuid(),
    partnership_id uuid not null references partnership(id) on delete cascade,
    indicator_id uuid references indicator(id) on delete cascade,
    priority_id uuid references priority(id) on delete cascade,
    title text not null check (length(btrim(title)) between 1 and 200),
    description text not null default '',
    evidence_level text not null check (evidence_level in ('demonstrable', 'some_evidence', 'promising', 'idea')),
    cost text not null check (cost in ('no_cost', 'low_cost', 'funded')),
    source text not null default '',
    source_url text check (source_url is null or source_url ~ '^https?://'),
    case_study_number integer check (case_study_number is null or case_study_number > 0),
    created_by uuid references app_user(id) on delete set null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    check ((priority_id is null) <> (indicator_id is null))
  )`.execute(db);
  await sql`create index what_works_indicator on what_works (indicator_id) where indicator_id is not null`.execute(db);
  await sql`create index what_works_priority on what_works (priority_id) where priority_id is not null`.execute(db);

  // The action plan. The owner must be a member of the partnership: the foreign key is to the membership, and
  // losing the membership empties the owner rather than deleting the action.
  await sql`create table action (
    id uuid primary key default gen_random_uuid(),
    partnership_id uuid not null references partnership(id) on delete cascade,
    title text not null check (length(btrim(title)) between 1 and 200),
    description text not null default '',
    lead_partner_id uuid,
    owner_id uuid,
    start_date date,
    due_date date,
    status text not null default 'not_started' check (status in ('not_started', 'on_track', 'at_risk', 'off_track', 'done')),
    version integer not null default 1,
    created_by uuid references app_user(id) on delete set null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (partnership_id, id),
    foreign key (partnership_id, lead_partner_id) references partner (partnership_id, id),
    foreign key (owner_id, partnership_id) references membership (user_id, partnership_id) on delete set null (owner_id),
    check (due_date is null or start_date is null or due_date >= start_date)
  )`.execute(db);
  await sql`create index action_partnership on action (partnership_id, status, due_date)`.execute(db);
  await sql`create index action_lead_partner on action (lead_partner_id) where lead_partner_id is not null`.execute(db);
  await sql`create index action_owner on action (owner_id) where owner_id is not null`.execute(db);

  await sql`create table action_indicator (
    partnership_id uuid not null,
    action_id uuid not null,
    indicator_id uuid not null references indicator(id) on delete cascade,
    primary key (action_id, indicator_id),
    foreign key (partnership_id, action_id) references action (partnership_id, id) on delete cascade
  )`.execute(db);
  await sql`create index action_indicator_indicator on action_indicator (indicator_id)`.execute(db);

  await sql`create table action_priority (
    partnership_id uuid not null,
    action_id uuid not null,
    priority_id uuid not null references priority(id) on delete cascade,
    primary key (action_id, priority_id),
    foreign key (partnership_id, action_id) references action (partnership_id, id) on delete cascade
  )`.execute(db);
  await sql`create index action_priority_priority on action_priority (priority_id)`.execute(db);

  // The progress log: append-only. status_to is set when the update changed the action's status.
  await sql`create table action_update (
    id uuid primary key default gen_random_uuid(),
    partnership_id uuid not null,
    action_id uuid not null,
    author_id uuid references app_user(id) on delete set null,
    body text not null default '',
    status_from text not null,
    status_to text check (status_to is null or status_to in ('not_started', 'on_track', 'at_risk', 'off_track', 'done')),
    created_at timestamptz not null default now(),
    foreign key (partnership_id, action_id) references action (partnership_id, id) on delete cascade,
    check (length(btrim(body)) > 0 or status_to is not null)
  )`.execute(db);
  await sql`create index action_update_action on action_update (action_id, created_at)`.execute(db);

  // Measures the partnership wants but has no data for, in the partnership's order of priority (rank 1 first).
  await sql`create table data_development_item (
    id uuid primary key default gen_random_uuid(),
    partnership_id uuid not null references partnership(id) on delete cascade,
    priority_id uuid references priority(id) on delete set null,
    indicator_id uuid references indicator(id) on delete set null,
    title text not null check (length(btrim(title)) between 1 and 200),
    description text not null default '',
    how_to_get text not null default '',
    owner_id uuid,
    partner_id uuid,
    status text not null default 'wanted' check (status in ('wanted', 'in_progress', 'available')),
    rank integer not null check (rank > 0),
    created_by uuid references app_user(id) on delete set null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    foreign key (partnership_id, partner_id) references partner (partnership_id, id),
    foreign key (owner_id, partnership_id) references membership (user_id, partnership_id) on delete set null (owner_id)
  )`.execute(db);
  await sql`create index data_development_item_partnership on data_development_item (partnership_id, rank)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['data_development_item', 'action_update', 'action_priority', 'action_indicator', 'action', 'what_works', 'story_version', 'story', 'partner_role', 'partner']) {
    await sql`drop table if exists ${sql.table(table)}`.execute(db);
  }
}
