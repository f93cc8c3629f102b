import { sql } from 'kysely';
import t from 'tap';
import { migrateToLatest } from '../../server/db/migrate.ts';
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
  });
});
