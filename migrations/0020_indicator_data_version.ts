import { sql, type Kysely } from 'kysely';

// Each indicator's own data version (issue 20): bumped, once per statement, whenever anything that indicator's
// judgement depends on changes (the indicator itself, its series, figures, baselines, SPC settings, other
// authorities' figures). The partnership's data version (migration 0008) still moves with every change; when it has
// moved, an app instance reads these versions in one query and analyses afresh only the indicators whose version
// moved, so one corrected figure costs one indicator's analysis, not the whole partnership's, on every instance.
const TABLES: { table: string; indicators: (rows: string) => string }[] = [
  { table: 'indicator', indicators: (rows) => `select r.id as indicator_id, r.partnership_id from ${rows} r` },
  { table: 'series', indicators: (rows) => `select r.indicator_id, i.partnership_id from ${rows} r join indicator i on i.id = r.indicator_id` },
  {
    table: 'observation',
    indicators: (rows) => `select s.indicator_id, i.partnership_id from ${rows} r join series s on s.id = r.series_id join indicator i on i.id = s.indicator_id`,
  },
  { table: 'baseline', indicators: (rows) => `select r.indicator_id, i.partnership_id from ${rows} r join indicator i on i.id = r.indicator_id` },
  { table: 'spc_setting', indicators: (rows) => `select r.indicator_id, i.partnership_id from ${rows} r join indicator i on i.id = r.indicator_id` },
  { table: 'indicator_authority_value', indicators: (rows) => `select r.indicator_id, i.partnership_id from ${rows} r join indicator i on i.id = r.indicator_id` },
];

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table indicator_data_version (
    indicator_id uuid primary key references indicator(id) on delete cascade,
    partnership_id uuid not null references partnership(id) on delete cascade,
    version bigint not null default 1
  )`.execute(db);
  await sql`create index indicator_data_version_partnership on indicator_data_version (partnership_id)`.execute(db);
  await sql`insert into indicator_data_version (indicator_id, partnership_id) select id, partnership_id from indicator`.execute(db);
  for (const { table, indicators } of TABLES) {
    for (const [op, rows] of [['insert', 'new_rows'], ['update', 'new_rows'], ['delete', 'old_rows']] as const) {
      // Named after the partnership's triggers (bump_data_version_…), so they fire after them: the partnership row is
      // always locked before an indicator's version row, as every writer takes them.
      const fn = `bump_indicator_version_${table}_${op}`;
      // A deleted indicator's rows join to nothing (its version row goes with it).
      await sql
        .raw(
          `create function ${fn}() returns trigger language plpgsql as $$ begin
             insert into indicator_data_version (indicator_id, partnership_id)
               select distinct changed.indicator_id, changed.partnership_id from (${indicators(rows)}) changed
               where exists (select 1 from indicator i where i.id = changed.indicator_id)
               order by changed.indicator_id
             on conflict (indicator_id) do update set version = indicator_data_version.version + 1;
             return null;
           end $$`,
        )
        .execute(db);
      const transition = op === 'delete' ? 'old table as old_rows' : 'new table as new_rows';
      await sql.raw(`create trigger ${fn} after ${op} on ${table} referencing ${transition} for each statement execute function ${fn}()`).execute(db);
    }
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const { table } of TABLES) {
    for (const op of ['insert', 'update', 'delete']) {
      await sql.raw(`drop trigger if exists bump_indicator_version_${table}_${op} on ${table}`).execute(db);
      await sql.raw(`drop function if exists bump_indicator_version_${table}_${op}()`).execute(db);
    }
  }
  await sql`drop table if exists indicator_data_version`.execute(db);
}
