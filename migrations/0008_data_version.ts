import { sql, type Kysely } from 'kysely';

// A partnership's data version: bumped, once per statement, whenever anything a computed page depends on changes
// (its structure, indicators, series, figures or baselines). App instances cache analysed pages keyed by it, so every
// instance sees a change at once, and no cache can serve a figure that has since changed.
const TABLES: { table: string; partnership: (rows: string) => string }[] = [
  { table: 'outcome', partnership: (rows) => `select partnership_id from ${rows}` },
  { table: 'priority', partnership: (rows) => `select partnership_id from ${rows}` },
  { table: 'indicator', partnership: (rows) => `select partnership_id from ${rows}` },
  { table: 'series', partnership: (rows) => `select i.partnership_id from ${rows} r join indicator i on i.id = r.indicator_id` },
  {
    table: 'observation',
    partnership: (rows) => `select i.partnership_id from ${rows} r join series s on s.id = r.series_id join indicator i on i.id = s.indicator_id`,
  },
  { table: 'baseline', partnership: (rows) => `select i.partnership_id from ${rows} r join indicator i on i.id = r.indicator_id` },
];

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table partnership add column data_version bigint not null default 0`.execute(db);
  for (const { table, partnership } of TABLES) await addVersionTriggers(db, table, partnership);
}

/** Triggers that bump the data version of the partnerships a statement on `table` touched (also used by later migrations). */
export async function addVersionTriggers(db: Kysely<any>, table: string, partnership: (rows: string) => string): Promise<void> {
  for (const [op, rows] of [['insert', 'new_rows'], ['update', 'new_rows'], ['delete', 'old_rows']] as const) {
    const fn = `bump_data_version_${table}_${op}`;
    await sql
      .raw(
        `create function ${fn}() returns trigger language plpgsql as $$ begin
           update partnership set data_version = data_version + 1 where id in (${partnership(rows)});
           return null;
         end $$`,
      )
      .execute(db);
    const transition = op === 'delete' ? 'old table as old_rows' : 'new table as new_rows';
    await sql.raw(`create trigger ${fn} after ${op} on ${table} referencing ${transition} for each statement execute function ${fn}()`).execute(db);
  }
}

export async function dropVersionTriggers(db: Kysely<any>, table: string): Promise<void> {
  for (const op of ['insert', 'update', 'delete']) {
    await sql.raw(`drop trigger if exists bump_data_version_${table}_${op} on ${table}`).execute(db);
    await sql.raw(`drop function if exists bump_data_version_${table}_${op}()`).execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const { table } of TABLES) await dropVersionTriggers(db, table);
  await sql`alter table partnership drop column if exists data_version`.execute(db);
}
