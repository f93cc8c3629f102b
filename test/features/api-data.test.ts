import t from 'tap';
import { createApiToken, createPartnership, findUserId } from '../../server/features/accounts/queries.ts';
import { buildTestApp, signIn } from '../helpers/app.ts';

t.test('the JSON API for structure and figures', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const managerId = (await findUserId(db, 'manager@demo.example'))!;
  const officerId = (await findUserId(db, 'officer@demo.example'))!;
  const viewerId = (await findUserId(db, 'viewer@demo.example'))!;
  const managerToken = (await createApiToken(db, managerId, 'tests', true)).token;
  const officerToken = (await createApiToken(db, officerId, 'tests', true)).token;
  const readOnly = (await createApiToken(db, officerId, 'read only', false)).token;
  const viewerToken = (await createApiToken(db, viewerId, 'viewer', true)).token;
  const call = (method: 'GET' | 'POST' | 'PUT', url: string, token: string, payload?: unknown) =>
    app.inject({ method, url, headers: { authorization: `Bearer ${token}`, ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}) });
  const base = '/api/v1/partnerships/coventry';

  let outcomeId = '';
  let priorityId = '';

  t.test('GET the partnership: outcomes and priorities with ids and titles', async (t) => {
    const res = await call('GET', base, viewerToken);
    t.equal(res.statusCode, 200);
    const body = res.json();
    t.match(body, { slug: 'coventry', name: "Coventry Children and Young People's Partnership", laName: 'Coventry' });
    t.same(body.outcomes.map((o: { title: string }) => o.title), ['Be healthy', 'Stay safe', 'Enjoy and achieve', 'Make a positive contribution', 'Achieve economic well-being']);
    t.match(body.outcomes[2].priorities[0], { id: /^[0-9a-f-]{36}$/, title: 'Narrow the attainment gap for disadvantaged pupils', indicators: [{ code: 'KS2_RWM_DISADV_GAP' }] });
    t.equal((await app.inject({ method: 'GET', url: base })).statusCode, 401, 'anonymous: 401');
    t.equal((await call('GET', '/api/v1/partnerships/nowhere', viewerToken)).statusCode, 404);
  });

  t.test('outcomes and priorities are created by managers', async (t) => {
    t.equal((await call('POST', `${base}/outcomes`, officerToken, { title: 'Be safe online' })).statusCode, 403);
    const bad = await call('POST', `${base}/outcomes`, managerToken, { title: '  ', colour: 'red' });
    t.equal(bad.statusCode, 422);
    t.match(bad.json(), { error: 'invalid', errors: [{ field: 'title', message: 'is required' }, { field: 'body', message: /unknown field\(s\): colour/ }] });
    const created = await call('POST', `${base}/outcomes`, managerToken, { title: 'Be safe online' });
    t.equal(created.statusCode, 201);
    outcomeId = created.json().id;
    t.match(created.json(), { id: /^[0-9a-f-]{36}$/, title: 'Be safe online' });

    const other = await createPartnership(db, { slug: 'elsewhere', name: 'Elsewhere' });
    const foreignOutcome = await db.insertInto('outcome').values({ partnership_id: other.id, title: 'Theirs' }).returning('id').executeTakeFirstOrThrow();
    const foreign = await call('POST', `${base}/priorities`, managerToken, { outcomeId: foreignOutcome.id, title: 'Reduce online harm' });
    t.equal(foreign.statusCode, 404, "another partnership's outcome is not found");
    t.match(foreign.json().message, /outcomeId: there is no outcome/);
    t.equal((await call('POST', `${base}/priorities`, managerToken, { outcomeId: 'nope', title: 'x' })).statusCode, 404);
    const missing = await call('POST', `${base}/priorities`, managerToken, { title: 'x' });
    t.equal(missing.statusCode, 422);
    t.match(missing.json().errors, [{ field: 'outcomeId', message: 'is required' }]);
    const priority = await call('POST', `${base}/priorities`, managerToken, { outcomeId, title: 'Reduce online harm' });
    t.equal(priority.statusCode, 201);
    priorityId = priority.json().id;
    t.match(priority.json(), { outcomeId, title: 'Reduce online harm' });
    const structure = (await call('GET', base, viewerToken)).json();
    t.match(structure.outcomes.at(-1), { title: 'Be safe online', priorities: [{ id: priorityId, title: 'Reduce online harm', indicators: [] }] });
  });

  t.test('indicators are created by managers, every field checked', async (t) => {
    const good = { priorityId, code: 'ONLINE_HARM_REPORTS', title: 'Reports of online harm', unit: 'count', polarity: 'neutral', periodType: 'fy_quarter', kind: 'single', decimals: 0, definition: 'Reports made to the MASH.', source: 'MASH returns' };
    const bad = await call('POST', `${base}/indicators`, managerToken, { ...good, unit: 'people', periodType: 'week', decimals: 1.5, code: 'has space' });
    t.equal(bad.statusCode, 422);
    const fields = bad.json().errors.map((e: { field: string; message: string }) => `${e.field}: ${e.message}`);
    t.ok(fields.some((f: string) => /^unit: must be one of "percentage", "rate", "count", "score", "ratio"$/.test(f)), fields.join('; '));
    t.ok(fields.some((f: string) => /^periodType: must be one of "fy_quarter"/.test(f)));
    t.ok(fields.some((f: string) => /^decimals: must be a whole number$/.test(f)));
    t.ok(fields.some((f: string) => /^code: must be 1 to 64 letters/.test(f)));
    const rate = await call('POST', `${base}/indicators`, managerToken, { ...good, unit: 'rate' });
    t.equal(rate.statusCode, 422);
    t.match(rate.json().errors, [{ field: 'rateBase', message: /is required for a rate/ }]);
    t.equal((await call('POST', `${base}/indicators`, officerToken, good)).statusCode, 403);
    t.equal((await call('POST', `${base}/indicators`, managerToken, { ...good, priorityId: '00000000-0000-4000-8000-000000000000' })).statusCode, 404);
    const created = await call('POST', `${base}/indicators`, managerToken, good);
    t.equal(created.statusCode, 201);
    t.match(created.json(), { code: 'ONLINE_HARM_REPORTS', unit: 'count', periodType: 'fy_quarter', kind: 'single', priorityId });
    const again = await call('POST', `${base}/indicators`, managerToken, good);
    t.equal(again.statusCode, 409);
    t.match(again.json(), { error: 'conflict', message: /already an indicator ONLINE_HARM_REPORTS/ });
    const gapSpec = { ...good, code: 'ONLINE_GAP', kind: 'gap', unit: 'percentage', focusLabel: 'Children in care', comparisonLabel: 'All children' };
    const neutralGap = await call('POST', `${base}/indicators`, managerToken, gapSpec);
    t.equal(neutralGap.statusCode, 422, 'a gap needs a better direction');
    t.match(neutralGap.json().errors, [{ field: 'polarity', message: /must be "higher" or "lower" for a gap indicator/ }]);
    const gap = await call('POST', `${base}/indicators`, managerToken, { ...gapSpec, polarity: 'lower' });
    t.equal(gap.statusCode, 201);
    const series = await db.selectFrom('series').innerJoin('indicator', 'indicator.id', 'series.indicator_id').select(['series.role', 'series.label']).where('indicator.code', '=', 'ONLINE_GAP').orderBy('series.role').execute();
    t.same(series, [{ role: 'comparison', label: 'All children' }, { role: 'focus', label: 'Children in care' }]);
  });

  t.test('PUT observations: validated like the form, all or nothing, errors name the item and field', async (t) => {
    const url = `${base}/indicators/ONLINE_HARM_REPORTS/observations`;
    const bad = await call('PUT', url, officerToken, [
      { series: 'local', period: '2025-26 Q1', value: 12 },
      { series: 'local', period: '2025-26 Q2', value: '12,5' },
      { series: 'locale', period: '2025-26 Q3', value: 3 },
      { series: 'local', period: '2025/26', value: 3 },
      { series: 'local', period: '2025-26 Q4', value: 2.5 },
      { series: 'local', period: '2026-27 Q1', value: 4, marker: 'c' },
      { series: 'local', period: '2026-27 Q2' },
      { series: 'local', period: '2026-27 Q3', value: 1, numerator: 1, denominator: 2 },
      { series: 'local', period: '2026-27 Q4', value: 1, shoeSize: 9 },
    ]);
    t.equal(bad.statusCode, 422);
    const errors = bad.json().errors.map((e: { item: number; field: string; message: string }) => `${e.item} ${e.field}: ${e.message}`);
    t.same(errors, [
      '1 value: “12,5” is not a number: use a full stop for the decimal point (12.5)',
      '2 series: “locale” is not a series: use local, england, region, neighbours, target',
      '3 period: "2025/26" is not a financial year quarter: expected the form 2024-25 Q3',
      '4 value: A count must be a whole number, 0 or more: 2.5 is not',
      '5 marker: Give a value or a marker, not both',
      '6 value: Enter a value, or choose a marker if there is no figure (x: not available)',
      '7 numerator: A count is not worked out from a numerator and denominator: leave them blank',
      '8 body: unknown field(s): shoeSize',
    ]);
    t.match(bad.json().message, /^item 1, value: “12,5” is not a number/);
    const stored = await db.selectFrom('observation').innerJoin('series', 'series.id', 'observation.series_id').innerJoin('indicator', 'indicator.id', 'series.indicator_id').select('observation.id').where('indicator.code', '=', 'ONLINE_HARM_REPORTS').execute();
    t.equal(stored.length, 0, 'nothing written');

    const good = await call('PUT', url, officerToken, [
      { series: 'local', period: '2025-26 Q1', value: 12, status: 'final' },
      { series: 'local', period: '2025-26 Q2', value: '1,204', status: 'p', note: 'From the MASH log' },
      { series: 'target', period: '2025-26 Q2', value: 1100 },
      { series: 'local', period: '2025-26 Q3', marker: 'x' },
    ]);
    t.equal(good.statusCode, 200);
    t.match(good.json(), {
      indicator: 'ONLINE_HARM_REPORTS',
      written: 4,
      unchanged: 0,
      changed: [
        { item: 0, series: 'local', period: '2025-26 Q1', action: 'created', version: 1, before: null, after: { value: 12, status: 'final' } },
        { item: 1, period: '2025-26 Q2', after: { value: 1204, status: 'provisional', note: 'From the MASH log' } },
        { item: 2, series: 'target', after: { value: 1100 } },
        { item: 3, after: { value: null, marker: 'x' } },
      ],
    });
    const target = await db.selectFrom('series').innerJoin('indicator', 'indicator.id', 'series.indicator_id').select('series.label').where('indicator.code', '=', 'ONLINE_HARM_REPORTS').where('series.role', '=', 'target').executeTakeFirstOrThrow();
    t.equal(target.label, 'Target', 'a series named in the data is created');
    const same = await call('PUT', url, officerToken, [{ series: 'local', period: '2025-26 Q1', value: 12, status: 'final' }]);
    t.match(same.json(), { written: 0, unchanged: 1, changed: [] }, 'sending the same figure again changes nothing');
    const audit = await db.selectFrom('observation_audit').select(['via']).where('via', '=', 'api').execute();
    t.equal(audit.length, 4, 'each change audited as the API');
  });

  t.test('versions: a stale write is refused with the figure saved now, and audited', async (t) => {
    const url = `${base}/indicators/ONLINE_HARM_REPORTS/observations`;
    const first = await call('PUT', url, officerToken, [{ series: 'local', period: '2025-26 Q2', value: 1210, status: 'revised', version: 1 }]);
    t.equal(first.statusCode, 200);
    t.match(first.json().changed[0], { action: 'updated', version: 2, before: { value: 1204 }, after: { value: 1210, status: 'revised' } });
    const stale = await call('PUT', url, managerToken, [
      { series: 'local', period: '2025-26 Q4', value: 30 },
      { series: 'local', period: '2025-26 Q2', value: 1199, status: 'revised', version: 1 },
    ]);
    t.equal(stale.statusCode, 409);
    t.match(stale.json(), {
      error: 'conflict',
      message: /Nothing was written: 1 figure\(s\) changed since the version you sent/,
      conflicts: [{ item: 1, series: 'local', period: '2025-26 Q2', yourVersion: 1, current: { value: 1210, version: 2, updatedBy: 'Olu Officer' } }],
    });
    const q4 = await db
      .selectFrom('observation')
      .innerJoin('series', 'series.id', 'observation.series_id')
      .innerJoin('indicator', 'indicator.id', 'series.indicator_id')
      .select('observation.id')
      .where('indicator.code', '=', 'ONLINE_HARM_REPORTS')
      .where('observation.period_key', '=', '2025-26-Q4')
      .execute();
    t.equal(q4.length, 0, 'the other item was not written either');
    const trail = await db.selectFrom('observation_audit').select(['result', 'new', 'expected_version', 'version_before']).where('period_key', '=', '2025-26-Q2').where('via', '=', 'api').orderBy('seq').execute();
    t.match(trail.at(-1), { result: 'conflict', new: { value: 1199 }, expected_version: 1, version_before: 2 });
    const creating = await call('PUT', url, managerToken, [{ series: 'local', period: '2025-26 Q1', value: 13, version: 0 }]);
    t.equal(creating.statusCode, 409, 'version 0 means "there was no figure": refused when there is one');
  });

  t.test('who may write', async (t) => {
    const url = `${base}/indicators/ONLINE_HARM_REPORTS/observations`;
    t.equal((await call('PUT', url, readOnly, [{ series: 'local', period: '2026-27 Q1', value: 1 }])).statusCode, 403, 'a read-only token');
    t.equal((await call('PUT', url, viewerToken, [{ series: 'local', period: '2026-27 Q1', value: 1 }])).statusCode, 403, 'a viewer');
    t.equal((await call('PUT', `${base}/indicators/NOPE/observations`, officerToken, [{ series: 'local', period: '2026-27 Q1', value: 1 }])).statusCode, 404);
    const session = await signIn(app, 'officer@demo.example');
    const noCsrf = await app.inject({ method: 'PUT', url, headers: { cookie: session.cookie, 'content-type': 'application/json' }, payload: JSON.stringify([{ series: 'local', period: '2026-27 Q1', value: 1 }]) });
    t.equal(noCsrf.statusCode, 403, 'a session without the CSRF header');
    const withCsrf = await app.inject({ method: 'PUT', url, headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, 'content-type': 'application/json' }, payload: JSON.stringify([{ series: 'local', period: '2026-27 Q1', value: 1 }]) });
    t.equal(withCsrf.statusCode, 200);
    const notArray = await call('PUT', url, officerToken, { series: 'local' });
    t.equal(notArray.statusCode, 422);
    t.match(notArray.json().errors, [{ field: 'body', message: /must be an array of observations/ }]);
    const notJson = await app.inject({ method: 'PUT', url, headers: { authorization: `Bearer ${officerToken}`, 'content-type': 'application/json' }, payload: '[{"series": ' });
    t.equal(notJson.statusCode, 400);
    t.match(notJson.json(), { message: /not valid JSON/ });
  });

  t.test('GET observations: every series with versions', async (t) => {
    const res = await call('GET', `${base}/indicators/ONLINE_HARM_REPORTS/observations`, viewerToken);
    t.equal(res.statusCode, 200);
    t.match(res.json(), { indicator: { code: 'ONLINE_HARM_REPORTS', unit: 'count' }, series: [{ role: 'local', observations: [{ period: '2025-26 Q1', value: 12, version: 1 }, { period: '2025-26 Q2', value: 1210, version: 2 }] }] });
  });
});
