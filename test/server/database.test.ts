import { sql } from 'kysely';
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrateToLatest, migrationsFolder } from '../../server/db/migrate.ts';
import { createTestDatabase } from '../helpers/database.ts';

t.test('the same queries behave the same on both engines', async (t) => {
  const database = await createTestDatabase('empty');
  t.teardown(() => database.close());
  const { db } = database;

  t.test('migrations are idempotent, and two callers at once migrate once', async (t) => {
    const [a, b] = await Promise.all([migrateToLatest(db), migrateToLatest(db)]);
    t.same(a.results, [], 'nothing left to apply');
    t.same(b.results, []);
  });

  t.test('a restart with every migration applied skips the migrator; a new migration file is still applied', async (t) => {
    // A copy of the migrations inside the repository (so that their imports resolve) with one more file.
    const cache = fileURLToPath(new URL('../../node_modules/.cache/', import.meta.url));
    fs.mkdirSync(cache, { recursive: true });
    const folder = fs.mkdtempSync(path.join(cache, 'ttc-migrations-'));
    t.teardown(() => fs.rmSync(folder, { recursive: true, force: true }));
    for (const file of fs.readdirSync(migrationsFolder)) fs.copyFileSync(path.join(migrationsFolder, file), path.join(folder, file));
    fs.writeFileSync(
      path.join(folder, '9999_probe.ts'),
      "import { sql, type Kysely } from 'kysely';\nexport async function up(db: Kysely<any>) { await sql`create table migration_probe (id int)`.execute(db); }\n",
    );
    const applied = await migrateToLatest(db, folder);
    t.same(applied.results?.map((r) => [r.migrationName, r.status]), [['9999_probe', 'Success']], 'the new file is applied');
    await sql`drop table migration_probe`.execute(db);
    await sql`delete from kysely_migration where name = '9999_probe'`.execute(db);
    t.same((await migrateToLatest(db)).results, [], 'the real folder is up to date again');
  });

  t.test('affected-row counts are reported', async (t) => {
    await db.insertInto('app_setting').values([{ key: 'a', value: '1' }, { key: 'b', value: '2' }]).execute();
    const updated = await db.updateTable('app_setting').set({ value: '3' }).where('key', 'in', ['a', 'b']).executeTakeFirst();
    t.equal(Number(updated.numUpdatedRows), 2);
    const deleted = await db.deleteFrom('app_setting').where('key', '=', 'nope').executeTakeFirst();
    t.equal(Number(deleted.numDeletedRows), 0);
  });

  t.test('int8 comes back as a string on both engines', async (t) => {
    const row = await db.selectFrom('app_setting').select(({ fn }) => fn.countAll().as('n')).executeTakeFirstOrThrow();
    t.equal(typeof row.n, 'string');
  });

  t.test('a rolled-back transaction is never seen by a concurrent one', async (t) => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const failing = db.transaction().execute(async (trx) => {
      await trx.insertInto('app_setting').values({ key: 'ghost', value: 'x' }).execute();
      await held;
      throw new Error('roll back');
    });
    const reader = db.transaction().execute(async (trx) => trx.selectFrom('app_setting').select('key').where('key', '=', 'ghost').execute());
    release();
    await t.rejects(failing, /roll back/);
    t.same(await reader, []);
    t.same(await db.selectFrom('app_setting').select('key').where('key', '=', 'ghost').execute(), []);
  });

  t.test('many concurrent queries all complete', async (t) => {
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => sql<{ n: number }>`select ${i}::int as n`.execute(db)));
    t.same(results.map((r) => r.rows[0]!.n), Array.from({ length: 200 }, (_, i) => i));
  });

  t.test('values of every kind go in and come back alike, however often a statement runs', async (t) => {
    await sql`create table value_kinds (id int primary key, n numeric, d double precision, b boolean, j jsonb, at timestamptz, words text[])`.execute(db);
    t.teardown(() => sql`drop table if exists value_kinds`.execute(db));
    const at = new Date('2026-03-04T05:06:07.000Z');
    // The same statement text many times over: it is prepared once and run again and again.
    for (let id = 1; id <= 12; id++) {
      await sql`insert into value_kinds values (${id}, ${id / 4}, ${id * 1.5}, ${id % 2 === 0}, ${sql`cast(${{ id, list: [id, 'x'] }} as jsonb)`}, ${at}, ${sql`cast(${`{a${id},"b c"}`} as text[])`})`.execute(db);
    }
    const rows = (await sql<{ id: number; n: string; d: number; b: boolean; j: unknown; at: Date; words: string[] }>`select * from value_kinds where id in (${3}, ${4}) order by id`.execute(db)).rows;
    t.same(rows.map((r) => [r.id, Number(r.n), r.d, r.b, r.j, new Date(r.at).toISOString(), r.words]), [
      [3, 0.75, 4.5, false, { id: 3, list: [3, 'x'] }, at.toISOString(), ['a3', 'b c']],
      [4, 1, 6, true, { id: 4, list: [4, 'x'] }, at.toISOString(), ['a4', 'b c']],
    ]);
    t.same((await sql<{ n: null }>`select ${null}::int as n`.execute(db)).rows, [{ n: null }], 'a null parameter');
  });

  t.test('a table changed under a statement run before still answers with its new shape', async (t) => {
    await sql`create table reshaped (id int primary key, label int)`.execute(db);
    t.teardown(() => sql`drop table if exists reshaped`.execute(db));
    await sql`insert into reshaped values (1, 7)`.execute(db);
    const read = () => db.selectFrom('reshaped' as any).selectAll().where('id', '=', 1).execute();
    for (let i = 0; i < 7; i++) t.same(await read(), [{ id: 1, label: 7 }]);
    await sql`alter table reshaped alter column label type text`.execute(db);
    t.same(await read(), [{ id: 1, label: '7' }], 'the label is text now');
    await sql`alter table reshaped add column note text default 'n'`.execute(db);
    t.same(await read(), [{ id: 1, label: '7', note: 'n' }], 'and has a new column');
  });

  t.test('a failed statement inside a transaction rolls it back; the next statements work', async (t) => {
    await t.rejects(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('app_setting').values({ key: 'half', value: '1' }).execute();
        await trx.insertInto('app_setting').values({ key: 'half', value: '2' }).execute();
      }),
      { code: '23505' },
      'a duplicate key, reported with its code',
    );
    t.same(await db.selectFrom('app_setting').select('key').where('key', '=', 'half').execute(), [], 'nothing half-written');
    await db.insertInto('app_setting').values({ key: 'half', value: '3' }).execute();
    t.same(await db.selectFrom('app_setting').select('value').where('key', '=', 'half').execute(), [{ value: '3' }]);
  });

  t.test('a statement with hundreds of values runs, as often as needed', async (t) => {
    for (let round = 0; round < 2; round++) {
      const rows = Array.from({ length: 300 }, (_, i) => ({ key: `bulk-${round}-${i}`, value: String(i) }));
      await db.insertInto('app_setting').values(rows).execute();
    }
    const count = await db.selectFrom('app_setting').select(({ fn }) => fn.countAll().as('n')).where('key', 'like', 'bulk-%').executeTakeFirstOrThrow();
    t.equal(count.n, '600');
  });

  t.test('an observation cannot be both a value and a marker, or neither', async (t) => {
    const p = await db.insertInto('partnership').values({ slug: 'x-test', name: 'X' }).returning('id').executeTakeFirstOrThrow();
    const o = await db.insertInto('outcome').values({ partnership_id: p.id, title: 'O' }).returning('id').executeTakeFirstOrThrow();
    const pr = await db.insertInto('priority').values({ partnership_id: p.id, outcome_id: o.id, title: 'P' }).returning('id').executeTakeFirstOrThrow();
    const i = await db
      .insertInto('indicator')
      .values({ partnership_id: p.id, priority_id: pr.id, code: 'I1', title: 'I', unit: 'percentage', rate_base: null, polarity: 'lower', period_type: 'calendar_year', focus_label: null, comparison_label: null, source_url: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    const s = await db.insertInto('series').values({ indicator_id: i.id, role: 'local', label: 'L' }).returning('id').executeTakeFirstOrThrow();
    const base = { series_id: s.id, period_key: '2024', period_position: 2024, period_label: '2024', numerator: null, denominator: null, updated_by: null };
    await t.rejects(db.insertInto('observation').values({ ...base, value: 1, marker: 'c' }).execute());
    await t.rejects(db.insertInto('observation').values({ ...base, value: null, marker: null }).execute());
    await db.insertInto('observation').values({ ...base, value: null, marker: 'c' }).execute();
    await t.rejects(db.insertInto('observation').values({ ...base, value: 2, marker: null }).execute(), 'one observation per series and period');
    const gap = { partnership_id: p.id, priority_id: pr.id, title: 'G', unit: 'percentage' as const, rate_base: null, period_type: 'calendar_year', kind: 'gap' as const, focus_label: 'F', comparison_label: 'C', source_url: null };
    await t.rejects(db.insertInto('indicator').values({ ...gap, code: 'G1', polarity: 'neutral' }).execute(), { code: '23514' }, 'a gap indicator needs a better direction');
    await db.insertInto('indicator').values({ ...gap, code: 'G2', polarity: 'lower' }).execute();
  });
});
