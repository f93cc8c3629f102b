import { sql, type Kysely } from 'kysely';

// Issue 8, its last part: links from the what-works library and the gap-narrowing self-assessment to a
// partnership's actions (the action table of migration 0005_a). Each link carries the partnership's id, and the
// composite foreign key to action (partnership_id, id) makes the database refuse a link to another partnership's action.
// (A case study linked to an indicator's what works is a what_works row with case_study_number set: no table here.)
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table action_case_study (
    partnership_id uuid not null,
    action_id uuid not null,
    case_study_number integer not null references case_study(number) on delete cascade,
    created_by uuid references app_user(id) on delete set null,
    created_at timestamptz not null default now(),
    primary key (action_id, case_study_number),
    foreign key (partnership_id, action_id) references action (partnership_id, id) on delete cascade
  )`.execute(db);
  await sql`create index action_case_study_number on action_case_study (case_study_number)`.execute(db);
  await sql`create index action_case_study_partnership on action_case_study (partnership_id)`.execute(db);

  await sql`create table action_golden_thread (
    partnership_id uuid not null,
    action_id uuid not null,
    thread_slug text not null references golden_thread(slug) on delete cascade,
    primary key (action_id, thread_slug),
    foreign key (partnership_id, action_id) references action (partnership_id, id) on delete cascade
  )`.execute(db);
  await sql`create index action_golden_thread_slug on action_golden_thread (thread_slug, partnership_id)`.execute(db);

  // Actions that address a statement of the benchmark the partnership rated weak. Linked to the statement, not to
  // one assessment: the action carries on from one assessment to the next.
  await sql`create table self_assessment_action (
    partnership_id uuid not null references partnership(id) on delete cascade,
    statement_number integer not null references gap_benchmark_statement(number),
    action_id uuid not null,
    created_by uuid references app_user(id) on delete set null,
    created_at timestamptz not null default now(),
    primary key (partnership_id, statement_number, action_id),
    foreign key (partnership_id, action_id) references action (partnership_id, id) on delete cascade
  )`.execute(db);
  await sql`create index self_assessment_action_action on self_assessment_action (action_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['self_assessment_action', 'action_golden_thread', 'action_case_study']) {
    await sql`drop table if exists ${sql.table(table)}`.execute(db);
  }
}
