// API writes that name no version mean "write this over whatever is there": several at once to one value are all
// applied, one after another (the last wins), and each is in the audit trail. Only a write that names a version
// that is no longer current is refused, with a 409 that shows the figure saved now.
import t from 'tap';
import { buildTestApp } from '../helpers/app.ts';
import { setUpPartnership } from './writers-fixture.ts';

t.test('unversioned API writes to one value are all applied, in order, and audited', async (t) => {
  const { app, database } = await buildTestApp(t, 'empty');
  const db = database.db;
  const { officerToken, managerToken, api } = await setUpPartnership(app, db);
  const url = '/indicators/RACE/observations';
  const auditOf = (periodKey: string) =>
    db.selectFrom('observation_audit').select(['version_after', 'new', 'result']).where('period_key', '=', periodKey).where('result', '=', 'saved').orderBy('seq').execute();

  t.test('one after another: the second goes over the first', async (t) => {
    t.equal((await api('PUT', url, officerToken, [{ series: 'local', period: '2020', value: 1 }])).statusCode, 200);
    const second = await api('PUT', url, managerToken, [{ series: 'local', period: '2020', value: 2 }]);
    t.equal(second.statusCode, 200);
    t.match(second.json().changed, [{ period: '2020', action: 'updated', version: 2 }]);
    t.same((await auditOf('2020')).map((a) => [a.version_after, a.new?.value]), [[1, 1], [2, 2]]);
  });

  t.test('a version given as null names no version either', async (t) => {
    const res = await api('PUT', url, officerToken, [{ series: 'local', period: '2020', value: 3, version: null }]);
    t.equal(res.statusCode, 200);
    t.match(res.json().changed, [{ action: 'updated', version: 3 }]);
  });

  t.test('many at once, to a value no one has written yet: every one applied, each a version of its own', async (t) => {
    for (const year of ['2021', '2022', '2023']) {
      const writes = await Promise.all(
        Array.from({ length: 8 }, (_, n) => api('PUT', url, n % 2 ? officerToken : managerToken, [{ series: 'local', period: year, value: 10 + n }])),
      );
      t.same(writes.map((w) => w.statusCode), Array(8).fill(200), `${year}: all eight writes answered 200`);
      const versions = writes.map((w) => w.json().changed[0]?.version).sort((a, b) => a - b);
      t.same(versions, [1, 2, 3, 4, 5, 6, 7, 8], `${year}: versions 1 to 8, one per write`);
      const audit = await auditOf(year);
      t.same(audit.map((a) => a.version_after), [1, 2, 3, 4, 5, 6, 7, 8], `${year}: each write audited once`);
      const last = writes.find((w) => w.json().changed[0].version === 8)!;
      const saved = await db.selectFrom('observation').select(['value', 'version']).where('period_key', '=', year).executeTakeFirstOrThrow();
      t.same(saved, { value: last.json().changed[0].after.value, version: 8 }, `${year}: the last write is the figure saved`);
    }
  });

  t.test('a stale version is refused with the figure saved now', async (t) => {
    const stale = await api('PUT', url, officerToken, [{ series: 'local', period: '2020', value: 99, version: 1 }]);
    t.equal(stale.statusCode, 409);
    t.match(stale.json(), { error: 'conflict', conflicts: [{ item: 0, period: '2020', yourVersion: 1, current: { value: 3, version: 3 } }] });
    const fresh = await api('PUT', url, officerToken, [{ series: 'local', period: '2020', value: 99, version: 3 }]);
    t.equal(fresh.statusCode, 200, 'the current version is accepted');
  });
});
