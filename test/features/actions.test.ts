import t from 'tap';
import { insertPartnershipFromSeed, readDemoSeed } from '../../seeds/demo-loader.ts';
import { buildTestApp, form, signIn, type Session } from '../helpers/app.ts';

// Due dates a few years ahead, so "on time" stays on time whenever the tests run.
const later = new Date().getFullYear() + 4;
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');

t.test('actions: the action plan, its filters and its progress log', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const manager = await signIn(app, 'manager@demo.example');
  const viewer = await signIn(app, 'viewer@demo.example');
  const officer = await signIn(app, 'officer@demo.example');
  const page = (url: string, session: Session = viewer) => app.inject({ method: 'GET', url, headers: { cookie: session.cookie, accept: 'text/html' } });
  const post = (url: string, values: Record<string, string | string[]>, session: Session = manager) => {
    const body = new URLSearchParams({ _csrf: session.csrf });
    for (const [k, v] of Object.entries(values)) for (const one of [v].flat()) body.append(k, one);
    return app.inject({ method: 'POST', url, headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: body.toString() });
  };

  const coventry = await db.selectFrom('partnership').select('id').where('slug', '=', 'coventry').executeTakeFirstOrThrow();
  // The action plan is tried from empty: the demo's actions (seeds/demo/year-of-use.ts) are taken away first, so the
  // counts and filters below are of this test's actions only.
  await db.deleteFrom('action').where('partnership_id', '=', coventry.id).execute();
  const otherId = await db.transaction().execute(async (trx) => insertPartnershipFromSeed(trx, await readDemoSeed(), 'other'));
  const idOf = (code: string, partnershipId = coventry.id) =>
    db.selectFrom('indicator').select('id').where('code', '=', code).where('partnership_id', '=', partnershipId).executeTakeFirstOrThrow().then((r) => r.id);
  const absence = await idOf('PERSISTENT_ABSENCE');
  const neet = await idOf('NEET_16_17');
  const foreignIndicator = await idOf('NEET_16_17', otherId);
  const attendance = await db.selectFrom('priority').select('id').where('partnership_id', '=', coventry.id).where('title', 'like', 'Improve school attendance%').executeTakeFirstOrThrow();
  const userId = (email: string) => db.selectFrom('app_user').select('id').where('email', '=', email).executeTakeFirstOrThrow().then((r) => r.id);
  const officerId = await userId('officer@demo.example');
  const managerId = await userId('manager@demo.example');
  const viewerId = await userId('viewer@demo.example');

  const schools = await db.insertInto('partner').values({ partnership_id: coventry.id, name: 'Coventry secondary schools', sector: 'schools' }).returning('id').executeTakeFirstOrThrow();
  const health = await db.insertInto('partner').values({ partnership_id: coventry.id, name: 'Coventry and Warwickshire ICB', sector: 'health' }).returning('id').executeTakeFirstOrThrow();
  const foreignPartner = await db.insertInto('partner').values({ partnership_id: otherId, name: 'Someone else’s school', sector: 'schools' }).returning('id').executeTakeFirstOrThrow();

  let panelsHref = '';

  t.test('a manager adds an action from the indicator page and is brought back to it', async (t) => {
    const indicatorPage = await page('/p/coventry/indicators/PERSISTENT_ABSENCE', manager);
    t.match(indicatorPage.body, /href="\/p\/coventry\/actions\/new\?indicator=PERSISTENT_ABSENCE">Add an action/);
    const newForm = await page('/p/coventry/actions/new?indicator=PERSISTENT_ABSENCE', manager);
    t.equal(newForm.statusCode, 200);
    t.match(newForm.body, new RegExp(`value="${absence}" checked`), 'the indicator is ticked');
    t.match(newForm.body, /name="return_to" value="\/p\/coventry\/indicators\/PERSISTENT_ABSENCE"/);
    t.match(newForm.body, /Olu Officer \(officer\)/, 'officers can own actions');
    t.notMatch(newForm.body, /Vic Viewer/, 'viewers cannot: they could not report progress');

    const res = await post('/p/coventry/actions', {
      title: 'Attendance panels in every secondary school',
      description: 'Panels meet **fortnightly**.',
      lead_partner: schools.id,
      owner: officerId,
      start_date: '2025-09-01',
      due_date: `${later}-07-31`,
      status: 'on_track',
      indicators: absence,
      priorities: attendance.id,
      return_to: '/p/coventry/indicators/PERSISTENT_ABSENCE',
    });
    t.equal(res.statusCode, 303);
    t.equal(res.headers.location, '/p/coventry/indicators/PERSISTENT_ABSENCE#actions');
    const shown = text((await page('/p/coventry/indicators/PERSISTENT_ABSENCE')).body);
    t.match(shown, new RegExp(`Action plan .* Attendance panels in every secondary school Coventry secondary schools Olu Officer 31 July ${later} On track`));
    const row = await db.selectFrom('action').select(['id', 'version']).where('title', '=', 'Attendance panels in every secondary school').executeTakeFirstOrThrow();
    panelsHref = `/p/coventry/actions/${row.id}`;
    const detail = await page(panelsHref);
    t.match(detail.body, /<strong>fortnightly<\/strong>/);
    t.match(text(detail.body), new RegExp(`Start 1 September 2025 Due 31 July ${later}`));
    t.match(text(detail.body), /Priority: Improve school attendance.* Indicator: Persistent absence/);
    t.match(text((await page(`/p/coventry/priorities/${attendance.id}`)).body), /Action plan .* Attendance panels in every secondary school/);
  });

  t.test('a return address must be a page of this partnership', async (t) => {
    const res = await post('/p/coventry/actions', { title: 'Second action', status: 'not_started', return_to: 'https://evil.example/' });
    t.equal(res.statusCode, 303);
    t.match(res.headers.location, /^\/p\/coventry\/actions\/[0-9a-f-]{36}$/);
    const other = await post('/p/coventry/actions', { title: 'Third action', status: 'not_started', return_to: '/p/other/indicators/NEET_16_17' });
    t.match(other.headers.location, /^\/p\/coventry\/actions\/[0-9a-f-]{36}$/);
  });

  t.test('bad input is shown on the form with the input kept', async (t) => {
    const res = await post('/p/coventry/actions', {
      title: '   ',
      description: 'My careful description',
      lead_partner: '00000000-0000-4000-8000-000000000000',
      owner: viewerId,
      start_date: '2026-04-01',
      due_date: '2026-03-31',
      status: 'at_risk',
      indicators: [absence, neet],
    });
    t.equal(res.statusCode, 400);
    t.match(res.body, /href="#title">Enter a title for the action/);
    t.match(res.body, /href="#due_date-day">The due date must be the same as or after the start date/);
    t.match(res.body, />My careful description<\/textarea>/);
    t.match(res.body, /id="start_date-day" name="start_date-day" type="text" inputmode="numeric" value="1"/, 'the date kept in the date input');
    t.match(res.body, /id="start_date-month" name="start_date-month" type="text" inputmode="numeric" value="4"/);
    t.match(res.body, new RegExp(`value="${neet}" checked`), 'ticked indicators stay ticked');
    t.match(res.body, /value="at_risk" checked/);

    const refs = await post('/p/coventry/actions', { title: 'Checks', status: 'not_started', lead_partner: foreignPartner.id, owner: viewerId, indicators: foreignIndicator });
    t.equal(refs.statusCode, 400);
    t.match(refs.body, /href="#lead_partner">Choose a lead partner from the list/, "another partnership's partner is an unknown partner");
    t.match(refs.body, /href="#owner">Choose an owner from the list/);
    t.match(refs.body, /href="#indicators">Choose indicators from the list/);
    const bad = await post('/p/coventry/actions', { title: 'Dates', status: 'not_started', start_date: '31/02/2026', due_date: 'soon' });
    t.match(bad.body, /href="#start_date-day">The start date must be a real date/);
    t.match(bad.body, /The due date must be a real date/);
    const uk = await post('/p/coventry/actions', { title: 'UK dates', status: 'not_started', start_date: '1/4/2026', due_date: '31/3/2027' });
    t.equal(uk.statusCode, 303, 'dates typed the British way are understood');
    const count = await db.selectFrom('action').select((eb) => eb.fn.countAll<string>().as('n')).where('partnership_id', '=', otherId).executeTakeFirstOrThrow();
    t.equal(Number(count.n), 0);
  });

  t.test('the action list filters by status, partner, priority, overdue and owner', async (t) => {
    const add = (values: Record<string, string | string[]>) => post('/p/coventry/actions', { status: 'not_started', ...values });
    await add({ title: 'NEET tracking with colleges', lead_partner: health.id, owner: managerId, status: 'at_risk', due_date: '2020-01-31', indicators: neet });
    await add({ title: 'Finished long ago', lead_partner: health.id, status: 'done', due_date: '2020-01-31' });
    const list = (query = '') => page(`/p/coventry/actions${query}`).then((r) => text(r.body));

    t.match(await list(), /6 actions/);
    const atRisk = await list('?status=at_risk');
    t.match(atRisk, /1 action match these filters/);
    t.match(atRisk, /NEET tracking with colleges/);
    t.match(await list(`?partner=${health.id}`), /2 actions match/);
    const byPriority = await list(`?priority=${attendance.id}`);
    t.match(byPriority, /1 action match/);
    t.match(byPriority, /Attendance panels in every secondary school/);
    const overdue = await list('?overdue=yes');
    t.match(overdue, /1 action match/, 'overdue: past due and not done');
    t.match(overdue, /NEET tracking with colleges .* overdue/);
    const mine = await page('/p/coventry/actions?mine=yes', officer);
    t.match(text(mine.body), /1 action match/);
    t.match(await list(`?partner=${foreignPartner.id}`), /0 actions match/, "another partnership's partner matches nothing");
    t.match(await list('?status=nonsense&priority=not-a-uuid'), /6 actions/, 'a filter that makes no sense is ignored');
    const neetPriority = await db.selectFrom('indicator').select('priority_id').where('id', '=', neet).executeTakeFirstOrThrow();
    t.match(await list(`?priority=${neetPriority.priority_id}`), /NEET tracking with colleges/, "a priority's actions include those on its indicators");
  });

  t.test('officers post progress on the actions they own; nobody else below manager can', async (t) => {
    const own = await page(panelsHref, officer);
    t.match(own.body, /Post a progress update/);
    const res = await post(`${panelsHref}/updates`, { body: 'All 18 schools have a panel.', status: 'on_track' }, officer);
    t.equal(res.statusCode, 303);
    const moved = await post(`${panelsHref}/updates`, { body: '', status: 'at_risk' }, officer);
    t.equal(moved.statusCode, 303, 'a change of status alone is an update');
    const empty = await post(`${panelsHref}/updates`, { body: '', status: 'at_risk' }, officer);
    t.equal(empty.statusCode, 400);
    t.match(empty.body, /href="#update-body">Write what has happened, or change the status/);
    const detail = text((await page(panelsHref)).body);
    t.match(detail, /Status At risk/);
    t.match(detail, /Olu Officer ?, [^—]* — status On track → At risk Olu Officer ?, .* All 18 schools have a panel\./, 'newest first, with who and when');

    const neetAction = await db.selectFrom('action').select('id').where('title', '=', 'NEET tracking with colleges').executeTakeFirstOrThrow();
    const notOwn = `/p/coventry/actions/${neetAction.id}`;
    t.notMatch((await page(notOwn, officer)).body, /Post a progress update/);
    t.equal((await post(`${notOwn}/updates`, { body: 'Sneaky', status: 'done' }, officer)).statusCode, 403, 'not their action');
    t.equal((await post(`${panelsHref}/updates`, { body: 'Viewer', status: 'done' }, viewer)).statusCode, 403, 'viewers cannot post');
    t.equal((await post(`${notOwn}/updates`, { body: 'Manager checked in.', status: 'off_track' })).statusCode, 303, 'managers can post on any action');
    t.match(text((await page(notOwn)).body), /Status Off track/);
  });

  t.test('editing: a change of status is logged, and a stale edit is refused with the input kept', async (t) => {
    const action = await db.selectFrom('action').select(['id', 'version']).where('title', '=', 'Attendance panels in every secondary school').executeTakeFirstOrThrow();
    const edit = await page(`${panelsHref}/edit`, manager);
    t.match(edit.body, new RegExp(`name="version" value="${action.version}"`));
    t.match(edit.body, /value="at_risk" checked/);
    const values = { title: 'Attendance panels in every school', lead_partner: schools.id, owner: officerId, start_date: '2025-09-01', due_date: `${later}-07-31`, status: 'done', indicators: absence };
    const saved = await post(panelsHref, { ...values, version: String(action.version) });
    t.equal(saved.statusCode, 303);
    t.match(text((await page(panelsHref)).body), /Mina Manager ?, .* — status At risk → Done/);
    const stale = await post(panelsHref, { ...values, title: 'My stale title', version: String(action.version) });
    t.equal(stale.statusCode, 409);
    t.match(text(stale.body), /Someone else changed this action while you were editing it/);
    t.match(stale.body, /value="My stale title"/);
    const now = await db.selectFrom('action').select(['title', 'status']).where('id', '=', action.id).executeTakeFirstOrThrow();
    t.same(now, { title: 'Attendance panels in every school', status: 'done' });
    const links = await db.selectFrom('action_priority').select('priority_id').where('action_id', '=', action.id).execute();
    t.same(links, [], 'links follow the form: the priority was unticked');
  });

  t.test('an owner who is no longer an officer stays the owner when other fields are edited', async (t) => {
    await db.updateTable('membership').set({ role: 'viewer' }).where('user_id', '=', officerId).execute();
    t.teardown(() => db.updateTable('membership').set({ role: 'officer' }).where('user_id', '=', officerId).execute());
    const action = await db.selectFrom('action').select(['id', 'version']).where('title', '=', 'Attendance panels in every school').executeTakeFirstOrThrow();
    const edit = await page(`${panelsHref}/edit`, manager);
    t.match(edit.body, new RegExp(`<option value="${officerId}" selected>Olu Officer \\(viewer\\)</option>`));
    t.notMatch((await page('/p/coventry/actions/new', manager)).body, /Olu Officer/, 'but is not offered for new work');
    const saved = await post(panelsHref, { title: 'Attendance panels in every school', owner: officerId, status: 'done', indicators: absence, version: String(action.version) });
    t.equal(saved.statusCode, 303);
    const now = await db.selectFrom('action').select('owner_id').where('id', '=', action.id).executeTakeFirstOrThrow();
    t.equal(now.owner_id, officerId);
  });

  t.test("another partnership's objects are not found", async (t) => {
    const foreign = await db.insertInto('action').values({ partnership_id: otherId, title: 'Theirs' }).returning('id').executeTakeFirstOrThrow();
    t.equal((await page(`/p/coventry/actions/${foreign.id}`, manager)).statusCode, 404);
    t.equal((await page(`/p/coventry/actions/${foreign.id}/edit`, manager)).statusCode, 404);
    t.equal((await post(`/p/coventry/actions/${foreign.id}/updates`, { body: 'x', status: 'done' })).statusCode, 404);
    t.equal((await page(`/p/coventry/actions/${foreign.id}/delete`, manager)).statusCode, 404);
    t.equal((await post(`/p/coventry/actions/${foreign.id}/delete`, {})).statusCode, 404, "another partnership's action cannot be deleted");
    t.ok(await db.selectFrom('action').select('id').where('id', '=', foreign.id).executeTakeFirst(), 'and it is still there');
    const prefill = await page('/p/coventry/actions/new?indicator=NOPE', manager);
    t.equal(prefill.statusCode, 200);
    t.notMatch(prefill.body, /name="return_to"/);
  });

  t.test('the action plan as JSON: filters, links, and bad parameters named', async (t) => {
    const api = (query = '', session: Session = viewer) => app.inject({ method: 'GET', url: `/api/v1/partnerships/coventry/actions${query}`, headers: { cookie: session.cookie } });
    const all = await api();
    t.equal(all.statusCode, 200);
    const actions = all.json().actions as { id: string; title: string; status: string; overdue: boolean; indicators: { code: string }[]; dueDate: string | null; leadPartner: { name: string } | null }[];
    const panels = actions.find((a) => a.id === panelsHref.split('/').at(-1))!;
    t.match(panels, { title: 'Attendance panels in every school', status: 'done', owner: 'Olu Officer', overdue: false, indicators: [{ code: 'PERSISTENT_ABSENCE' }], priorities: [] }, 'as last edited');
    await db.updateTable('action').set({ lead_partner_id: health.id, due_date: '2020-01-31', status: 'at_risk' }).where('id', '=', panels.id).execute();
    const late = ((await api()).json().actions as typeof actions).find((a) => a.id === panels.id)!;
    t.match(late, { leadPartner: { id: health.id, name: 'Coventry and Warwickshire ICB' }, dueDate: '2020-01-31', overdue: true, status: 'at_risk' }, 'partner, dates and overdue as the pages show them');
    t.ok(((await api('?overdue=true')).json().actions as typeof actions).some((a) => a.id === panels.id), 'and among the overdue');
    const stored = await db.selectFrom('action').select('id').where('partnership_id', '=', coventry.id).execute();
    t.same(actions.map((a) => a.id).sort(), stored.map((a) => a.id).sort(), 'every action of the plan, and only this partnership’s');
    const byIndicator = (await api('?indicator=PERSISTENT_ABSENCE')).json().actions as { indicators: { code: string }[] }[];
    t.ok(byIndicator.length >= 1 && byIndicator.every((a) => a.indicators.some((i) => i.code === 'PERSISTENT_ABSENCE')), 'only actions on that indicator');
    const offTrack = (await api('?status=off_track')).json().actions as { status: string }[];
    t.ok(offTrack.length >= 1 && offTrack.every((a) => a.status === 'off_track'));
    const bad = await api('?status=late');
    t.equal(bad.statusCode, 400);
    t.match(bad.json(), { error: 'bad_request', message: /status: .*"on_track"/ }, 'names the parameter and what it may be');
    const unknown = await api('?colour=red');
    t.equal(unknown.statusCode, 400);
    t.match(unknown.json(), { error: 'bad_request', message: /colour/ });
    t.equal((await api('?indicator=NOPE')).statusCode, 404);
    t.equal((await app.inject({ method: 'GET', url: '/api/v1/partnerships/other/actions', headers: { cookie: viewer.cookie } })).statusCode, 404, 'not a member: not found');
    t.equal((await app.inject({ method: 'GET', url: '/api/v1/partnerships/coventry/actions' })).statusCode, 401);
  });

  t.test('a manager deletes an action made by mistake, after being asked; officers and viewers cannot', async (t) => {
    const made = await post('/p/coventry/actions', { title: 'Attendance panels (made twice by mistake)', status: 'not_started', indicators: absence });
    t.equal(made.statusCode, 303);
    const twice = await db.selectFrom('action').select('id').where('title', '=', 'Attendance panels (made twice by mistake)').executeTakeFirstOrThrow();
    const href = `/p/coventry/actions/${twice.id}`;
    await post(`${href}/updates`, { body: 'Started, then spotted the other one.', status: 'on_track' });
    t.match((await page(href, manager)).body, new RegExp(`href="${href}/delete">Delete this action`));
    t.notMatch((await page(href, officer)).body, /Delete this action/, 'only managers are offered it');
    const ask = await page(`${href}/delete`, manager);
    t.equal(ask.statusCode, 200);
    t.match(text(ask.body), /Delete “Attendance panels \(made twice by mistake\)”\? .*set its status to done or dropped.* Its progress update will be deleted too\..* This cannot be undone\./);
    t.equal((await page(`${href}/delete`, officer)).statusCode, 403);
    t.equal((await post(`${href}/delete`, {}, officer)).statusCode, 403, 'an officer cannot delete');
    const noToken = await app.inject({ method: 'POST', url: `${href}/delete`, headers: { cookie: manager.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: '' });
    t.equal(noToken.statusCode, 403, 'not without the form’s CSRF token');
    t.ok(await db.selectFrom('action').select('id').where('id', '=', twice.id).executeTakeFirst(), 'still there after those refusals');

    const countActions = async () => Number((await db.selectFrom('action').select(({ fn }) => fn.countAll().as('n')).where('partnership_id', '=', coventry.id).executeTakeFirstOrThrow()).n);
    const before = await countActions();
    const done = await post(`${href}/delete`, {});
    t.equal(done.statusCode, 303);
    t.equal(done.headers.location, '/p/coventry/actions');
    t.equal((await page(href, manager)).statusCode, 404);
    t.notMatch((await page('/p/coventry/actions')).body, /made twice by mistake/);
    t.notMatch(text((await page('/p/coventry/indicators/PERSISTENT_ABSENCE')).body), /made twice by mistake/, 'nor on the indicator it aimed to move');
    t.same(await db.selectFrom('action_update').select('id').where('action_id', '=', twice.id).execute(), [], 'its updates went with it');
    const logged = await db.selectFrom('security_event').select(['user_id', 'detail']).where('kind', '=', 'action_deleted').execute();
    t.match(logged, [{ user_id: managerId, detail: { actionId: twice.id, title: 'Attendance panels (made twice by mistake)' } }], 'who deleted what is in the audit log');
    const again = await post(`${href}/delete`, {});
    t.equal(again.statusCode, 404, 'a second click is told it is already gone');
    t.match(again.body, /already been deleted/);
    t.equal(await countActions(), before - 1, 'only that action went');
  });

  t.test('the database refuses a cross-partnership link even if a query forgot to check', async (t) => {
    const action = await db.selectFrom('action').select('id').where('partnership_id', '=', coventry.id).executeTakeFirstOrThrow();
    await t.rejects(db.updateTable('action').set({ lead_partner_id: foreignPartner.id }).where('id', '=', action.id).execute(), 'a lead partner of another partnership');
    await t.rejects(db.insertInto('action_update').values({ partnership_id: otherId, action_id: action.id, body: 'x', status_from: 'done' }).execute(), 'an update filed under another partnership');
  });
});
