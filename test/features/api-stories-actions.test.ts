import t from 'tap';
import { insertPartnershipFromSeed, readDemoSeed } from '../../seeds/demo-loader.ts';
import { createApiToken, findUserId } from '../../server/features/accounts/queries.ts';
import { buildTestApp, signIn } from '../helpers/app.ts';

const later = new Date().getFullYear() + 4;

t.test('the stories and actions API', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const tokenOf = async (email: string) => (await createApiToken(db, (await findUserId(db, email))!, 'tests', true)).token;
  const manager = await tokenOf('manager@demo.example');
  const officer = await tokenOf('officer@demo.example');
  const viewer = await tokenOf('viewer@demo.example');
  const officerId = (await findUserId(db, 'officer@demo.example'))!;
  const managerId = (await findUserId(db, 'manager@demo.example'))!;
  const call = (method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, token: string, payload?: unknown) =>
    app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}`, ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}),
    });
  const base = '/api/v1/partnerships/coventry';

  const coventry = await db.selectFrom('partnership').select('id').where('slug', '=', 'coventry').executeTakeFirstOrThrow();
  const otherId = await db.transaction().execute(async (trx) => insertPartnershipFromSeed(trx, await readDemoSeed(), 'other'));
  const attendance = await db.selectFrom('priority').select('id').where('partnership_id', '=', coventry.id).where('title', 'like', 'Improve school attendance%').executeTakeFirstOrThrow();
  const foreignPriority = await db.selectFrom('priority').select('id').where('partnership_id', '=', otherId).executeTakeFirstOrThrow();
  const schools = await db.insertInto('partner').values({ partnership_id: coventry.id, name: 'Coventry secondary schools', sector: 'schools' }).returning('id').executeTakeFirstOrThrow();
  const foreignPartner = await db.insertInto('partner').values({ partnership_id: otherId, name: 'Someone else’s school', sector: 'schools' }).returning('id').executeTakeFirstOrThrow();
  const foreignAction = await db.insertInto('action').values({ partnership_id: otherId, title: 'Their action', created_by: managerId }).returning('id').executeTakeFirstOrThrow();
  const countActions = async () => Number((await db.selectFrom('action').select((eb) => eb.fn.countAll().as('n')).where('partnership_id', '=', coventry.id).executeTakeFirstOrThrow()).n);

  t.test('PUT …/story writes a new version from the version read; a stale one is a 409 and nothing is lost', async (t) => {
    const url = `${base}/indicators/NEET_16_17/story`;
    const before = (await call('GET', url, viewer)).json();
    const start = before.story?.version ?? null;
    const story = {
      version: start,
      period: '2024/25, data day March 2026',
      summary: 'NEET fell for the second year.',
      contributing: 'Careers advice in year 11.',
      rootCauses: ['Few apprenticeships', 'Cost of travel'],
      changeNote: 'Written through the API',
    };

    t.equal((await call('PUT', url, viewer, story)).statusCode, 403, 'a viewer may not');
    t.equal((await call('PUT', url, officer, story)).statusCode, 403, 'nor an officer: managers write stories, as on the page');

    const saved = await call('PUT', url, manager, story);
    t.equal(saved.statusCode, 200);
    const first = (start ?? 0) + 1;
    t.match(saved.json(), { indicator: { code: 'NEET_16_17' }, saved: true, story: { version: first, period: story.period, summary: story.summary, rootCauses: story.rootCauses, restricting: '', author: 'Mina Manager' } });
    t.match((await call('GET', url, viewer)).json().story, { version: first, summary: 'NEET fell for the second year.' }, 'readers see it');
    const page = await app.inject({ method: 'GET', url: '/p/coventry/indicators/NEET_16_17', headers: { cookie: (await signIn(app, 'viewer@demo.example')).cookie, accept: 'text/html' } });
    t.match(page.body, /NEET fell for the second year\./, 'and so does the indicator page');

    const second = await call('PUT', url, manager, { ...story, version: first, summary: 'NEET fell for the third year.' });
    t.match(second.json(), { saved: true, story: { version: first + 1, summary: 'NEET fell for the third year.' } });

    const stale = await call('PUT', url, manager, { ...story, version: first, summary: 'Written from the old version' });
    t.equal(stale.statusCode, 409, 'a save from an older version is refused');
    t.match(stale.json(), { error: 'conflict', message: /^version: the story is at version/, current: { version: first + 1, summary: 'NEET fell for the third year.' } });
    const fresh = await call('PUT', url, manager, { ...story, version: null, summary: 'A first story, or so I thought' });
    t.equal(fresh.statusCode, 409, 'no version means "a new story": one exists, so that is a conflict too');
    t.match((await call('GET', url, viewer)).json().story, { version: first + 1, summary: 'NEET fell for the third year.' }, 'nothing was written');

    const same = await call('PUT', url, manager, { ...story, version: first + 1, summary: 'NEET fell for the third year.' });
    t.match(same.json(), { saved: false, story: { version: first + 1 } }, 'the same text again adds no version');
  });

  t.test('two managers saving from the same version at once: one is saved, the other told, nothing mixed', async (t) => {
    const url = `${base}/indicators/KS2_RWM_DISADV_GAP/story`;
    const version = (await call('GET', url, viewer)).json().story?.version ?? null;
    const admin = await tokenOf('admin@demo.example');
    const [a, b] = await Promise.all([
      call('PUT', url, manager, { version, period: '2024/25', summary: 'Written by the manager' }),
      call('PUT', url, admin, { version, period: '2024/25', summary: 'Written by the admin' }),
    ]);
    t.same([a.statusCode, b.statusCode].sort(), [200, 409]);
    const winner = a.statusCode === 200 ? 'Written by the manager' : 'Written by the admin';
    t.match((await call('GET', url, viewer)).json().story, { version: (version ?? 0) + 1, summary: winner });
  });

  t.test('PUT …/story refuses bad input with a 422 naming the field, and writes nothing', async (t) => {
    const url = `${base}/indicators/PERSISTENT_ABSENCE/story`;
    const version = (await call('GET', url, viewer)).json().story?.version ?? null;
    const cases: [unknown, string, RegExp][] = [
      [{ version, summary: 'No period' }, 'period', /is required/],
      [{ version, period: '2024/25' }, 'summary', /write a summary/],
      [{ version, period: 'x'.repeat(201), summary: 'ok' }, 'period', /at most 200 characters/],
      [{ version, period: '2024/25', rootCauses: Array.from({ length: 21 }, (_, i) => `Cause ${i}`) }, 'rootCauses', /at most 20 root causes/],
      [{ version, period: '2024/25', rootCauses: ['ok', ''] }, 'rootCauses.1', /must not be empty/],
      [{ version: 'two', period: '2024/25', summary: 'ok' }, 'version', /whole number/],
      [{ version, period: '2024/25', summary: 'ok', author: 'Me' }, 'body', /unknown field\(s\): author/],
    ];
    for (const [body, field, message] of cases) {
      const res = await call('PUT', url, manager, body);
      t.equal(res.statusCode, 422, `${field} refused`);
      t.match(res.json(), { error: 'invalid', errors: [{ field, message }] });
    }
    t.equal((await call('GET', url, viewer)).json().story?.version ?? null, version, 'nothing was written');
    t.equal((await call('PUT', `${base}/indicators/NO_SUCH_CODE/story`, manager, { period: '2024/25', summary: 'ok' })).statusCode, 404);
    t.equal((await call('PUT', '/api/v1/partnerships/other/indicators/NEET_16_17/story', manager, { period: '2024/25', summary: 'ok' })).statusCode, 404, 'another partnership is not found');
  });

  let actionId = '';
  let actionVersion = 0;

  t.test('POST …/actions adds an action, linked within the partnership', async (t) => {
    const body = {
      title: 'Attendance panels in every secondary school',
      description: 'Panels meet fortnightly.',
      status: 'on_track',
      leadPartnerId: schools.id,
      ownerId: officerId,
      startDate: '2025-09-01',
      dueDate: `${later}-07-31`,
      indicators: ['PERSISTENT_ABSENCE'],
      priorities: [attendance.id],
    };
    t.equal((await call('POST', `${base}/actions`, viewer, body)).statusCode, 403, 'a viewer may not');
    t.equal((await call('POST', `${base}/actions`, officer, body)).statusCode, 403, 'nor an officer, as on the page');
    const res = await call('POST', `${base}/actions`, manager, body);
    t.equal(res.statusCode, 201);
    const action = res.json().action;
    t.match(action, {
      id: /^[0-9a-f-]{36}$/,
      title: body.title,
      status: 'on_track',
      overdue: false,
      leadPartner: { id: schools.id, name: 'Coventry secondary schools' },
      owner: 'Olu Officer',
      ownerId: officerId,
      startDate: '2025-09-01',
      dueDate: `${later}-07-31`,
      indicators: [{ code: 'PERSISTENT_ABSENCE' }],
      priorities: [{ id: attendance.id }],
      version: 1,
    });
    actionId = action.id;
    actionVersion = action.version;
    const list = (await call('GET', `${base}/actions?indicator=PERSISTENT_ABSENCE`, viewer)).json();
    t.ok(list.actions.some((a: { id: string }) => a.id === actionId), 'the action plan lists it');
    const minimal = await call('POST', `${base}/actions`, manager, { title: 'Just a title' });
    t.match(minimal.json().action, { status: 'not_started', leadPartner: null, owner: null, indicators: [], priorities: [] });
  });

  t.test('POST …/actions refuses bad input and anything of another partnership with a 422 naming the field', async (t) => {
    const before = await countActions();
    const cases: [unknown, string, RegExp][] = [
      [{ description: 'No title' }, 'title', /is required/],
      [{ title: '   ' }, 'title', /is required/],
      [{ title: 'x', status: 'finished' }, 'status', /must be one of "not_started"/],
      [{ title: 'x', startDate: '2026-02-30' }, 'startDate', /YYYY-MM-DD/],
      [{ title: 'x', startDate: '2026-03-01', dueDate: '2026-02-01' }, 'dueDate', /on or after|same as or after/],
      [{ title: 'x', leadPartnerId: foreignPartner.id }, 'leadPartnerId', /not an active partner of this partnership/],
      [{ title: 'x', ownerId: (await findUserId(db, 'viewer@demo.example'))! }, 'ownerId', /not an officer, manager or admin/],
      [{ title: 'x', priorities: [foreignPriority.id] }, 'priorities', /in this partnership/],
      [{ title: 'x', indicators: ['NO_SUCH_CODE'] }, 'indicators', /no indicator with code "NO_SUCH_CODE"/],
      [{ title: 'x', colour: 'red' }, 'body', /unknown field\(s\): colour/],
    ];
    for (const [body, field, message] of cases) {
      const res = await call('POST', `${base}/actions`, manager, body);
      t.equal(res.statusCode, 422, `${field}: ${JSON.stringify(body)}`);
      t.match(res.json(), { error: 'invalid', errors: [{ field, message }] });
    }
    t.equal(await countActions(), before, 'nothing was written');
  });

  t.test('PATCH …/actions/:id changes what is sent, from the version read; a stale version is a 409', async (t) => {
    const url = `${base}/actions/${actionId}`;
    t.equal((await call('PATCH', url, viewer, { version: actionVersion, status: 'at_risk' })).statusCode, 403, 'a viewer may not');
    t.equal((await call('PATCH', url, officer, { version: actionVersion, status: 'at_risk' })).statusCode, 403, 'nor an officer');
    const missing = await call('PATCH', url, manager, { status: 'at_risk' });
    t.equal(missing.statusCode, 422);
    t.match(missing.json().errors, [{ field: 'version', message: /is required/ }]);
    const badDate = await call('PATCH', url, manager, { version: actionVersion, dueDate: '2025-01-01' });
    t.equal(badDate.statusCode, 422, 'checked against the start date already saved');
    t.match(badDate.json().errors, [{ field: 'dueDate' }]);

    const res = await call('PATCH', url, manager, { version: actionVersion, status: 'at_risk', priorities: [] });
    t.equal(res.statusCode, 200);
    t.match(res.json().action, { status: 'at_risk', version: actionVersion + 1, title: 'Attendance panels in every secondary school', indicators: [{ code: 'PERSISTENT_ABSENCE' }], priorities: [], owner: 'Olu Officer' });
    const log = await db.selectFrom('action_update').select(['status_from', 'status_to']).where('action_id', '=', actionId).execute();
    t.match(log, [{ status_from: 'on_track', status_to: 'at_risk' }], 'the change of status is in the progress log, as on the page');

    const stale = await call('PATCH', url, manager, { version: actionVersion, title: 'Written from the old version' });
    t.equal(stale.statusCode, 409);
    t.match(stale.json(), { error: 'conflict', message: /^version: the action is at version/, current: { version: actionVersion + 1, status: 'at_risk', title: 'Attendance panels in every secondary school' } });
    actionVersion += 1;
    t.equal((await call('GET', `${base}/actions`, viewer)).json().actions.find((a: { id: string }) => a.id === actionId).title, 'Attendance panels in every secondary school', 'nothing was written');

    t.equal((await call('PATCH', `${base}/actions/${foreignAction.id}`, manager, { version: 1, title: 'Mine now' })).statusCode, 404, 'another partnership’s action is not found');
    t.equal((await db.selectFrom('action').select('title').where('id', '=', foreignAction.id).executeTakeFirstOrThrow()).title, 'Their action');
    t.equal((await call('PATCH', `${base}/actions/00000000-0000-4000-8000-000000000000`, manager, { version: 1 })).statusCode, 404);
    t.equal((await call('PATCH', `${base}/actions/not-an-id`, manager, { version: 1 })).statusCode, 404);
  });

  t.test('POST …/actions/:id/updates: the owner or a manager posts progress', async (t) => {
    const url = `${base}/actions/${actionId}/updates`;
    t.equal((await call('POST', url, viewer, { body: 'Progress' })).statusCode, 403, 'a viewer may not');
    const res = await call('POST', url, officer, { body: 'Panels now meet in all 19 schools.', status: 'on_track', version: actionVersion });
    t.equal(res.statusCode, 201, 'the officer who owns it may');
    t.match(res.json(), { update: { body: 'Panels now meet in all 19 schools.', statusFrom: 'at_risk', statusTo: 'on_track', author: 'Olu Officer' }, action: { status: 'on_track', version: actionVersion + 1 } });

    const stale = await call('POST', url, officer, { body: 'From an old page', status: 'done', version: actionVersion });
    t.equal(stale.statusCode, 409, 'a stale version is refused');
    t.match(stale.json(), { current: { status: 'on_track', version: actionVersion + 1 } });
    actionVersion += 1;

    const empty = await call('POST', url, manager, { body: '  ' });
    t.equal(empty.statusCode, 422);
    t.match(empty.json().errors, [{ field: 'body', message: /unless you change the status/ }]);
    const badStatus = await call('POST', url, manager, { status: 'finished' });
    t.equal(badStatus.statusCode, 422);
    t.match(badStatus.json().errors, [{ field: 'status' }]);
    const log = await db.selectFrom('action_update').select('body').where('action_id', '=', actionId).execute();
    t.equal(log.filter((u) => u.body === 'From an old page').length, 0, 'nothing written by the refused updates');

    // Another action, owned by no one: an officer may not post on it; a manager may.
    const unowned = (await call('POST', `${base}/actions`, manager, { title: 'Nobody’s action' })).json().action;
    t.equal((await call('POST', `${base}/actions/${unowned.id}/updates`, officer, { body: 'Not mine' })).statusCode, 403);
    t.equal((await call('POST', `${base}/actions/${unowned.id}/updates`, manager, { body: 'Started' })).statusCode, 201);
    t.equal((await call('POST', `${base}/actions/${foreignAction.id}/updates`, manager, { body: 'Theirs' })).statusCode, 404, 'another partnership’s action is not found');
    t.equal((await db.selectFrom('action_update').select('id').where('action_id', '=', foreignAction.id).execute()).length, 0);
  });

  t.test('with a session cookie the API needs the CSRF token, as every other write', async (t) => {
    const session = await signIn(app, 'manager@demo.example');
    const headers = { cookie: session.cookie, 'content-type': 'application/json' };
    const without = await app.inject({ method: 'POST', url: `${base}/actions`, headers, payload: JSON.stringify({ title: 'Cookie action' }) });
    t.equal(without.statusCode, 403);
    const withToken = await app.inject({ method: 'POST', url: `${base}/actions`, headers: { ...headers, 'x-csrf-token': session.csrf }, payload: JSON.stringify({ title: 'Cookie action' }) });
    t.equal(withToken.statusCode, 201);
  });

  t.test('answers have the shapes the OpenAPI description gives them', async (t) => {
    const documented = (method: string, url: string, status: number) => {
      const route = app.routeCatalogue.find((r) => r.method === method && r.url === url);
      const schema = route?.openapi?.responses[status]?.schema;
      if (!schema) throw new Error(`${method} ${url} documents no ${status} schema`);
      return schema;
    };
    const check = async (method: 'GET' | 'POST' | 'PUT' | 'PATCH', route: string, url: string, token: string, status: number, payload?: unknown) => {
      const res = await call(method, url, token, payload);
      t.equal(res.statusCode, status, `${method} ${url} → ${status}`);
      const parsed = documented(method, route, status).safeParse(res.json());
      t.ok(parsed.success, `${method} ${route} ${status} matches its schema${parsed.success ? '' : `: ${JSON.stringify(parsed.error.issues.slice(0, 3))}`}`);
    };
    const p = '/api/v1/partnerships/:slug';
    await check('GET', '/api/v1/me', '/api/v1/me', viewer, 200);
    await check('GET', `${p}/actions`, `${base}/actions`, viewer, 200);
    await check('GET', `${p}/indicators/:code/story`, `${base}/indicators/NEET_16_17/story`, viewer, 200);
    await check('GET', `${p}/indicators/:code/analysis`, `${base}/indicators/NEET_16_17/analysis`, viewer, 200);
    await check('PUT', `${p}/indicators/:code/story`, `${base}/indicators/NEET_16_17/story`, manager, 409, { version: 1, period: 'x', summary: 'y' });
    const created = await call('POST', `${base}/actions`, manager, { title: 'Checked against its schema', ownerId: officerId, indicators: ['NEET_16_17'] });
    t.ok(documented('POST', `${p}/actions`, 201).safeParse(created.json()).success, 'POST …/actions 201 matches its schema');
    const action = created.json().action;
    await check('PATCH', `${p}/actions/:actionId`, `${base}/actions/${action.id}`, manager, 200, { version: 1, status: 'on_track' });
    await check('PATCH', `${p}/actions/:actionId`, `${base}/actions/${action.id}`, manager, 409, { version: 1, status: 'done' });
    await check('POST', `${p}/actions/:actionId/updates`, `${base}/actions/${action.id}/updates`, officer, 201, { body: 'Under way' });
    await check('PATCH', `${p}/actions/:actionId`, `${base}/actions/${action.id}`, manager, 422, { version: 'x' });
  });
});
