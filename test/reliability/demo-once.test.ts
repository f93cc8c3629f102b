// Two app instances started together on one empty PostgreSQL both try to load the demo: exactly one does, the other
// finds it there (it crashed on a duplicate key before the demo load took the schema lock).
import t from 'tap';
import { loadDemoIfEmpty } from '../../seeds/demo-loader.ts';
import { createTestDatabase } from '../helpers/database.ts';

t.setTimeout(120_000);

t.test('two instances loading the demo at once: one loads it, the other finds it, nothing fails', async (t) => {
  const database = await createTestDatabase('empty');
  t.teardown(() => database.close());
  const results = await Promise.all([loadDemoIfEmpty(database.db), loadDemoIfEmpty(database.db)]);
  t.same(results.map((r) => r.loaded).sort(), [false, true], 'one start loaded the demo, the other did not');
  const partnerships = await database.db.selectFrom('partnership').select('slug').execute();
  t.equal(partnerships.length, 1, 'one demo partnership');
  const again = await loadDemoIfEmpty(database.db);
  t.equal(again.loaded, false, 'a later start loads nothing');
  t.ok(again.accounts.length > 0, 'and reports the demo accounts it found');
});
