// Issue 20, item 2: after one figure changes, only that indicator's judgement is made again (not the whole
// partnership's), and a change written through one app instance is never shown stale by another on the same database.
import { sql } from 'kysely';
import t from 'tap';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config.ts';
import { openDatabase } from '../../server/db/database.ts';
import { createApiToken, findUserId } from '../../server/features/accounts/queries.ts';
import { batchAnalysisCount } from '../../server/features/analysis/service.ts';
import { signIn } from '../helpers/app.ts';
import { createTestDatabase } from '../helpers/database.ts';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');

t.test('two instances on one database: a change through one is seen by the other, and only what it touched is judged again', async (t) => {
  const database = await createTestDatabase('demo');
  const config = loadConfig({ LOG_LEVEL: 'silent', DEMO: 'false' });
  // On PostgreSQL the second instance has its own connections, as a second process would; PGlite is one process's.
  const other = database.url ? await openDatabase({ databaseUrl: database.url, poolSize: 2 }) : database;
  const reader = await buildApp({ config, database });
  const writer = await buildApp({ config, database: other });
  t.teardown(async () => {
    await reader.close();
    await writer.close();
    if (other !== database) await other.close();
    await database.close();
  });
  const db = database.db;
  const viewer = await signIn(reader, 'viewer@demo.example');
  const viewerToken = (await createApiToken(db, (await findUserId(db, 'viewer@demo.example'))!, 'ro', false)).token;
  const managerToken = (await createApiToken(db, (await findUserId(db, 'manager@demo.example'))!, 'rw', true)).token;
  const scorecard = async () => text((await reader.inject({ method: 'GET', url: '/p/coventry/scorecard', headers: { cookie: viewer.cookie } })).body);
  const apiGet = (app: typeof reader, url: string) => app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${viewerToken}` } });
  const listed = async (app: typeof reader) => (await apiGet(app, '/api/v1/partnerships/coventry/indicators')).json().indicators as { code: string; latest: { value: number } | null; status: { code: string; sentence: string } }[];
  const write = (url: string, payload: unknown) =>
    writer.inject({ method: 'PUT', url, headers: { authorization: `Bearer ${managerToken}`, 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
  /** What a fresh instance (nothing cached) says: the incremental answer must be the same, byte for byte. */
  const fromScratch = async () => {
    const fresh = await buildApp({ config, database });
    try {
      return (await apiGet(fresh, '/api/v1/partnerships/coventry/indicators')).body;
    } finally {
      await fresh.close();
    }
  };
  const judged = async (read: () => Promise<unknown>) => {
    const before = batchAnalysisCount.indicators;
    await read();
    return batchAnalysisCount.indicators - before;
  };

  t.match(await scorecard(), /2024\/25 20\.23%/, 'persistent absence as seeded');
  const all = (await listed(reader)).length;
  t.ok(all >= 8, `${all} indicators`);
  t.equal(await judged(scorecard), 0, 'a repeat visit judges nothing');

  // A figure corrected through the other instance.
  const put = await write('/api/v1/partnerships/coventry/indicators/PERSISTENT_ABSENCE/observations', [{ series: 'local', period: '2024/25', value: 19.5, status: 'revised' }]);
  t.equal(put.statusCode, 200, 'the figure is written');
  let page = '';
  t.equal(await judged(async () => (page = await scorecard())), 1, 'the next scorecard judges that one indicator again, not all');
  t.match(page, /2024\/25 19\.50%/, 'and shows the new figure, not the cached page');
  t.equal((await listed(reader)).find((i) => i.code === 'PERSISTENT_ABSENCE')!.latest!.value, 19.5, 'the indicators API too');
  const analysis = (await apiGet(reader, '/api/v1/partnerships/coventry/indicators/PERSISTENT_ABSENCE/analysis')).json();
  t.match(analysis.points.filter((p: { value: number | null }) => p.value !== null).at(-1), { period: '2024/25', value: 19.5 }, 'and the analysis API');
  t.equal((await apiGet(reader, '/api/v1/partnerships/coventry/indicators')).body, await fromScratch(), 'every judgement as a fresh instance makes it');

  // A gap indicator: one of its two groups changes.
  const gap = await write('/api/v1/partnerships/coventry/indicators/KS4_ATT8_DISADV_GAP/observations', [{ series: 'focus', period: '2024/25', value: 30.1, status: 'revised' }]);
  t.equal(gap.statusCode, 200, 'the gap figure is written');
  t.equal(await judged(() => listed(reader)), 1, 'a gap: that indicator alone');
  t.equal((await apiGet(reader, '/api/v1/partnerships/coventry/indicators')).body, await fromScratch(), 'the same as from scratch');

  // A new baseline agreed through the other instance moves that indicator's judgement.
  const neetBefore = (await listed(reader)).find((i) => i.code === 'NEET_16_17')! as unknown as { status: { baselineVersion: number | null } };
  const baseline = await write('/api/v1/partnerships/coventry/indicators/NEET_16_17/baseline', { period: '2022', method: 'linear', window: 3 });
  t.equal(baseline.statusCode, 201, 'the baseline is agreed');
  t.equal(await judged(scorecard), 1, 'a baseline: that indicator alone');
  const neet = (await listed(reader)).find((i) => i.code === 'NEET_16_17')! as unknown as { status: { baselineVersion: number } };
  t.equal(neet.status.baselineVersion, (neetBefore.status.baselineVersion ?? 0) + 1, 'judged against the new baseline');
  t.equal((await apiGet(reader, '/api/v1/partnerships/coventry/indicators')).body, await fromScratch());

  // A change to the structure only (an outcome renamed) judges nothing again, but the page shows it at once.
  await sql`update outcome set title = 'Renamed outcome for the test' where id = (select o.id from outcome o join partnership p on p.id = o.partnership_id where p.slug = 'coventry' order by o.position limit 1)`.execute(other.db);
  t.equal(await judged(async () => (page = await scorecard())), 0, 'a renamed outcome: no judgement made again');
  t.match(page, /Renamed outcome for the test/, 'and the scorecard shows the new name');

  // A retired indicator leaves the list at once.
  await sql`update indicator set retired_at = now() where code = 'NEET_16_17' and partnership_id = (select id from partnership where slug = 'coventry')`.execute(other.db);
  const after = await listed(reader);
  t.equal(after.length, all - 1, 'a retired indicator leaves the list');
  t.notOk(after.some((i) => i.code === 'NEET_16_17'));
  t.equal((await apiGet(reader, '/api/v1/partnerships/coventry/indicators')).body, await fromScratch());

  // Other authorities' figures (the rank) are the indicator's data too.
  const url = '/api/v1/partnerships/coventry/indicators/PERSISTENT_ABSENCE/analysis';
  const rankBefore = (await apiGet(reader, url)).json().rank;
  await sql`update indicator_authority_value set value = 1 where indicator_id = (select id from indicator where code = 'PERSISTENT_ABSENCE') and period_position = ${rankBefore.position}`.execute(other.db);
  t.not((await apiGet(reader, url)).json().rank.rank, rankBefore.rank, 'the rank moves at once');
});

t.test('each indicator has its own data version, moved by a change to its data and nothing else', async (t) => {
  const database = await createTestDatabase('demo');
  t.teardown(() => database.close());
  const db = database.db;
  const versions = async () =>
    new Map(
      (await sql<{ code: string; version: string | number }>`select i.code, d.version from indicator_data_version d join indicator i on i.id = d.indicator_id join partnership p on p.id = i.partnership_id where p.slug = 'coventry'`.execute(db)).rows.map((r) => [r.code, Number(r.version)]),
    );
  const before = await versions();
  t.ok(before.size >= 8, 'every indicator has one');
  await sql`update observation set value = value + 1 where series_id in (select s.id from series s join indicator i on i.id = s.indicator_id where i.code = 'PERSISTENT_ABSENCE' and s.role = 'local')`.execute(db);
  const after = await versions();
  for (const [code, version] of before) t.equal(after.get(code), code === 'PERSISTENT_ABSENCE' ? version + 1 : version, `${code}: ${code === 'PERSISTENT_ABSENCE' ? 'moved once (one statement)' : 'unchanged'}`);
});

t.test('an API token read once is never honoured after it is revoked or its role changes, through either instance', async (t) => {
  const database = await createTestDatabase('demo');
  const config = loadConfig({ LOG_LEVEL: 'silent', DEMO: 'false' });
  const other = database.url ? await openDatabase({ databaseUrl: database.url, poolSize: 2 }) : database;
  const reader = await buildApp({ config, database });
  const writer = await buildApp({ config, database: other });
  t.teardown(async () => {
    await reader.close();
    await writer.close();
    if (other !== database) await other.close();
    await database.close();
  });
  const db = database.db;
  const officerId = (await findUserId(db, 'officer@demo.example'))!;
  const token = await createApiToken(db, officerId, 'script', true);
  const call = (app: typeof reader, method: 'GET' | 'PUT', url: string, payload?: unknown) =>
    app.inject({ method, url, headers: { authorization: `Bearer ${token.token}`, ...(payload ? { 'content-type': 'application/json' } : {}) }, payload: payload ? JSON.stringify(payload) : undefined });
  const list = '/api/v1/partnerships/coventry/indicators';
  for (let i = 0; i < 3; i++) t.equal((await call(reader, 'GET', list)).statusCode, 200, `read ${i + 1}`);
  // The officer becomes a viewer (through the other instance's connections): writing is refused at once.
  await sql`update membership set role = 'viewer' where user_id = ${officerId}`.execute(other.db);
  const refused = await call(reader, 'PUT', '/api/v1/partnerships/coventry/indicators/PERSISTENT_ABSENCE/observations', [{ series: 'local', period: '2024/25', value: 19.5, status: 'revised' }]);
  t.equal(refused.statusCode, 403, 'the new role applies at the next request');
  t.equal((await call(reader, 'GET', list)).statusCode, 200);
  // Removed from the partnership: it is no longer found.
  await sql`delete from membership where user_id = ${officerId}`.execute(other.db);
  t.equal((await call(reader, 'GET', list)).statusCode, 404, 'no longer a member: not found');
  // Revoked: refused at once.
  await sql`update api_token set revoked_at = now() where id = ${token.id}`.execute(other.db);
  t.equal((await call(reader, 'GET', '/api/v1/me')).statusCode, 401, 'a revoked token is refused at the next request');
  t.equal((await call(writer, 'GET', '/api/v1/me')).statusCode, 401, 'on either instance');
});
