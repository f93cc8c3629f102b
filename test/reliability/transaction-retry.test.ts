// The one transaction helper: a transaction PostgreSQL aborted for a deadlock or a serialisation failure is run
// again from the start (what the aborted attempt wrote is gone with it, so nothing is written twice); any other
// error is let through at once; and it gives up after a few attempts.
import t from 'tap';
import { inTransaction, TRANSACTION_ATTEMPTS } from '../../server/db/transaction.ts';
import { createPartnership } from '../../server/features/accounts/queries.ts';
import { createTestDatabase } from '../helpers/database.ts';

const failure = (code: string) => Object.assign(new Error(`simulated ${code}`), { code });

t.test('deadlocks and serialisation failures are retried, other errors are not', async (t) => {
  const database = await createTestDatabase('empty');
  t.teardown(() => database.close());
  const db = database.db;
  const partnership = await createPartnership(db, { slug: 'retry', name: 'Retry' });
  const outcomes = async () => (await db.selectFrom('outcome').select('title').where('partnership_id', '=', partnership.id).orderBy('title').execute()).map((o) => o.title);

  for (const code of ['40P01', '40001']) {
    let attempts = 0;
    const result = await inTransaction(db, async (trx) => {
      attempts++;
      await trx.insertInto('outcome').values({ partnership_id: partnership.id, title: `after ${code}` }).execute();
      if (attempts === 1) throw failure(code);
      return 'done';
    });
    t.equal(result, 'done', `${code}: the second attempt's answer`);
    t.equal(attempts, 2, `${code}: run twice`);
  }
  t.same(await outcomes(), ['after 40001', 'after 40P01'], "each written once: the failed attempt's row was rolled back");

  let attempts = 0;
  await t.rejects(
    inTransaction(db, async (trx) => {
      attempts++;
      await trx.insertInto('outcome').values({ partnership_id: partnership.id, title: 'unique clash' }).execute();
      throw failure('23505');
    }),
    { code: '23505' },
  );
  t.equal(attempts, 1, 'another error is not retried');

  attempts = 0;
  await t.rejects(
    inTransaction(db, async () => {
      attempts++;
      throw failure('40P01');
    }),
    { code: '40P01' },
  );
  t.equal(attempts, TRANSACTION_ATTEMPTS, `a deadlock every time: given up after ${TRANSACTION_ATTEMPTS} attempts`);
  t.same(await outcomes(), ['after 40001', 'after 40P01'], 'nothing of the failed transactions is left');
});
