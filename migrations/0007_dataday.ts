import { sql, type Kysely } from 'kysely';

// Data day (issue 9): the day's agenda (which outcomes, priorities and indicators go on the slides, in what order),
// the notes captured in the room and what each was turned into, and the public snapshots of the Data Book.
//
// Rows that name another row of the partnership do so through (partnership_id, id) where the target allows it, so
// the database itself refuses a note or a slide of one partnership on another's data day. Room notes point at what
// they became (an action, a what-works entry, a data development item: tables of migration 0005_a).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table data_day (
    id uuid primary key default gen_random_uuid(),
    partnership_id uuid not null references partnership(id) on delete cascade,
    title text not null check (length(btrim(title)) between 1 and 200),
    held_on date not null,
    created_by uuid references app_user(id) on delete set null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (partnership_id, id)
  )`.execute(db);
  await sql`create index data_day_partnership on data_day (partnership_id, held_on)`.execute(db);

  // The agenda: one row per slide group, in order. Exactly one of outcome, priority, indicator.
  await sql`create table data_day_slide (
    id uuid primary key default gen_random_uuid(),
    partnership_id uuid not null,
    data_day_id uuid not null,
    position integer not null check (position > 0),
    outcome_id uuid references outcome(id) on delete cascade,
    priority_id uuid references priority(id) on delete cascade,
    indicator_id uuid references indicator(id) on delete cascade,
    foreign key (partnership_id, data_day_id) references data_day (partnership_id, id) on delete cascade,
    check (num_nonnulls(outcome_id, priority_id, indicator_id) = 1),
    unique (data_day_id, position)
  )`.execute(db);

  // What the room said, against the slide on screen; reviewed afterwards into actions, what works or the data
  // development agenda (or dismissed).
  await sql`create table room_note (
    id uuid primary key default gen_random_uuid(),
    partnership_id uuid not null,
    data_day_id uuid not null,
    kind text not null check (kind in ('idea', 'commitment', 'question')),
    body text not null check (length(btrim(body)) between 1 and 2000),
    who text not null default '' check (length(who) <= 200),
    outcome_id uuid references outcome(id) on delete set null,
    priority_id uuid references priority(id) on delete set null,
    indicator_id uuid references indicator(id) on delete set null,
    slide_label text not null default '' check (length(slide_label) <= 300),
    status text not null default 'open' check (status in ('open', 'action', 'what_works', 'data_development', 'dismissed')),
    action_id uuid references action(id) on delete set null,
    what_works_id uuid references what_works(id) on delete set null,
    data_development_item_id uuid references data_development_item(id) on delete set null,
    created_by uuid references app_user(id) on delete set null,
    created_at timestamptz not null default now(),
    reviewed_by uuid references app_user(id) on delete set null,
    reviewed_at timestamptz,
    foreign key (partnership_id, data_day_id) references data_day (partnership_id, id) on delete cascade
  )`.execute(db);
  await sql`create index room_note_data_day on room_note (data_day_id, created_at)`.execute(db);

  // A published, read-only snapshot of the Data Book (or of chosen indicators): what the public address shows,
  // frozen at publication. Unpublishing empties the snapshot and keeps the record of when it was up.
  await sql`create table publication (
    id uuid primary key default gen_random_uuid(),
    partnership_id uuid not null references partnership(id) on delete cascade,
    token text not null unique check (token ~ '^[A-Za-z0-9_-]{20,64}$'),
    title text not null check (length(btrim(title)) between 1 and 200),
    scope text not null check (scope in ('book', 'indicators')),
    book_year integer not null,
    indicator_count integer not null default 0,
    snapshot jsonb,
    published_by uuid references app_user(id) on delete set null,
    published_at timestamptz not null default now(),
    unpublished_by uuid references app_user(id) on delete set null,
    unpublished_at timestamptz,
    check ((unpublished_at is null) = (snapshot is not null))
  )`.execute(db);
  await sql`create index publication_partnership on publication (partnership_id, published_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['publication', 'room_note', 'data_day_slide', 'data_day']) {
    await sql`drop table if exists ${sql.table(table)}`.execute(db);
  }
}
