import { sql } from 'kysely';
import t from 'tap';
import { insertPartnershipFromSeed, readDemoSeed } from '../../seeds/demo-loader.ts';
import { createApiToken, findUserId } from '../../server/features/accounts/queries.ts';
import { buildTestApp, signIn, type Session } from '../helpers/app.ts';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');

t.test('indicators: a manager adds, changes, moves, retires and deletes them on pages and through the API', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const manager = await signIn(app, 'manager@demo.example');
  const viewer = await signIn(app, 'viewer@demo.example');
  const officer = await signIn(app, 'officer@demo.example');
  const page = (url: string, session: Session = manager) => app.inject({ method: 'GET', url, headers: { cookie: session.cookie, accept: 'text/html' } });
  const post = (url: string, values: Record<string, string>, session: Session = manager, csrf = true) => {
    const body = new URLSearchParams(csrf ? { _csrf: session.csrf } : {});
    for (const [k, v] of Object.entries(values)) body.append(k, v);
    return app.inject({ method: 'POST', url, headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: body.toString() });
  };
  const managerToken = (await createApiToken(db, (await findUserId(db, 'manager@demo.example'))!, 'tests', true)).token;
  const viewerToken = (await createApiToken(db, (await findUserId(db, 'viewer@demo.example'))!, 'tests', true)).token;
  const api = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown, token = managerToken) =>
    app.inject({ method, url: `/api/v1/partnerships/coventry${url}`, headers: { authorization: `Bearer ${token}`, ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}) });

  const coventry = await db.selectFrom('partnership').select('id').where('slug', '=', 'coventry').executeTakeFirstOrThrow();
  const otherId = await db.transaction().execute(async (trx) => insertPartnershipFromSeed(trx, await readDemoSeed(), 'other'));
  const priorityOf = (title: string, partnershipId = coventry.id) =>
    db.selectFrom('priority').select('id').where('partnership_id', '=', partnershipId).where('title', 'like', `${title}%`).executeTakeFirstOrThrow().then((r) => r.id);
  const attendance = await priorityOf('Improve school attendance');
  const gapPriority = await priorityOf('Narrow the attainment gap');
  const foreignPriority = await priorityOf('Improve school attendance', otherId);
  const indicator = (code: string) =>
    db.selectFrom('indicator').selectAll().where('partnership_id', '=', coventry.id).where('code', '=', code).executeTakeFirst();
  const changes = (code: string) =>
    db.selectFrom('plan_change').innerJoin('indicator', 'indicator.id', 'plan_change.item_id').select(['plan_change.action', 'plan_change.before', 'plan_change.after', 'plan_change.via']).where('indicator.code', '=', code).where('plan_change.partnership_id', '=', coventry.id).orderBy('plan_change.seq').execute();

  /** The edit form's fields as the page fills them, from the API's view of the indicator. */
  const formOf = async (code: string): Promise<Record<string, string>> => {
    const i = (await api('GET', `/indicators/${code}`)).json();
    return {
      priorityId: i.priorityId, code: i.code, title: i.title, definition: i.definition, unit: i.unit, rateBase: i.rateBase === null ? '' : String(i.rateBase), decimals: String(i.decimals),
      polarity: i.polarity, periodType: i.periodType, kind: i.kind, focusLabel: i.focusLabel ?? '', comparisonLabel: i.comparisonLabel ?? '', rank: i.rank, source: i.source, sourceUrl: i.sourceUrl ?? '', licence: i.licence, version: String(i.version),
    };
  };

  const fresh = {
    priorityId: attendance,
    code: 'PA_PRIMARY',
    title: 'Persistent absence, primary schools',
    definition: 'Pupils missing 10% or more of sessions.',
    unit: 'percentage',
    rateBase: '',
    decimals: '1',
    polarity: 'lower',
    periodType: 'academic_year',
    kind: 'single',
    focusLabel: '',
    comparisonLabel: '',
    rank: 'secondary',
    source: 'DfE, Pupil absence in schools in England',
    sourceUrl: 'https://explore-education-statistics.service.gov.uk/',
    licence: 'Open Government Licence v3.0',
  };

  t.test('a manager adds an indicator from scratch; it has its series and its creation is recorded', async (t) => {
    const form = await page(`/p/coventry/plan/indicators/new?priority=${attendance}`);
    t.equal(form.statusCode, 200);
    t.match(form.body, new RegExp(`<option value="${attendance}" selected`), 'the priority is chosen');
    t.match(form.body, /href="\/p\/coventry\/plan\/indicators\/from-library\?priority=/, 'and the library is one link away');
    const res = await post('/p/coventry/plan/indicators/new', fresh);
    t.equal(res.statusCode, 303);
    t.equal(res.headers.location, '/p/coventry/indicators/PA_PRIMARY');
    const made = (await indicator('PA_PRIMARY'))!;
    t.match(made, { title: fresh.title, unit: 'percentage', polarity: 'lower', rank: 'secondary', priority_id: attendance, version: 1, retired_at: null });
    const series = await db.selectFrom('series').select('role').where('indicator_id', '=', made.id).execute();
    t.same(series.map((s) => s.role), ['local']);
    t.match(await changes('PA_PRIMARY'), [{ action: 'created', via: 'form', after: { code: 'PA_PRIMARY', title: fresh.title } }]);
    const shown = await page('/p/coventry/indicators/PA_PRIMARY');
    t.equal(shown.statusCode, 200);
    t.match(shown.body, /href="\/p\/coventry\/indicators\/PA_PRIMARY\/edit">Edit indicator/, 'a manager sees the edit link');
    t.notMatch((await page('/p/coventry/indicators/PA_PRIMARY', viewer)).body, /Edit indicator/, 'a viewer does not');

    const gap = await post('/p/coventry/plan/indicators/new', { ...fresh, priorityId: gapPriority, code: 'PA_FSM_GAP', title: 'Persistent absence gap, free school meals', kind: 'gap', focusLabel: 'Pupils eligible for free school meals', comparisonLabel: 'All other pupils' });
    t.equal(gap.statusCode, 303);
    const gapSeries = await db.selectFrom('series').select(['role', 'label']).where('indicator_id', '=', (await indicator('PA_FSM_GAP'))!.id).orderBy('role').execute();
    t.same(gapSeries, [{ role: 'comparison', label: 'All other pupils' }, { role: 'focus', label: 'Pupils eligible for free school meals' }]);
  });

  t.test('add from the benchmark library with one button: the indicator and its figures, through the benchmark import', async (t) => {
    const list = await page(`/p/coventry/plan/indicators/from-library?priority=${attendance}&q=conception`);
    t.equal(list.statusCode, 200);
    t.match(text(list.body), /Under 18 conception/i, 'the search finds the measure by name');
    t.notMatch(text(list.body), /Attainment 8/, 'and only what matches');
    t.equal((await page(`/p/coventry/plan/indicators/from-library?priority=${foreignPriority}`)).statusCode, 404);
    t.equal((await page('/p/coventry/plan/indicators/from-library', viewer)).statusCode, 403);
    const res = await post('/p/coventry/plan/indicators/from-library', { measure: 'Under18concep', priorityId: attendance, q: 'conception' });
    t.equal(res.statusCode, 303);
    t.equal(res.headers.location, '/p/coventry/indicators/Under18concep');
    const made = (await indicator('Under18concep'))!;
    t.match(made, { priority_id: attendance, unit: 'rate', licence: 'Open Government Licence v3.0' });
    const roles = (await db.selectFrom('series').select('role').where('indicator_id', '=', made.id).execute()).map((r) => r.role).sort();
    t.same(roles, ['england', 'local', 'neighbours', 'region'], 'with Coventry, England, the region and the neighbours');
    const figures = await db.selectFrom('observation').innerJoin('series', 'series.id', 'observation.series_id').select(db.fn.countAll().as('n')).where('series.indicator_id', '=', made.id).executeTakeFirstOrThrow();
    t.ok(Number(figures.n) > 0, 'and their figures');
    t.match(await changes('Under18concep'), [{ action: 'created', via: 'import' }]);
    const again = await post('/p/coventry/plan/indicators/from-library', { measure: 'Under18concep', priorityId: attendance, q: 'conception' });
    t.equal(again.statusCode, 400);
    t.match(text(again.body), /The partnership already has Under18concep/);
    t.equal((await post('/p/coventry/plan/indicators/from-library', { measure: 'Under18concep', priorityId: foreignPriority })).statusCode, 404);

    // A template's indicator, with its history for Coventry, as applying the template would make it.
    const fromTemplate = await page(`/p/coventry/plan/indicators/from-library?priority=${gapPriority}&q=free+school+meals+gap`);
    t.match(text(fromTemplate.body), /Suggested by a template .*Reading, writing and maths at key stage 2: free school meals gap/);
    const added = await post('/p/coventry/plan/indicators/from-library', { template: 'coventry-data-book', code: 'KS2_RWM_FSM_GAP', priorityId: gapPriority });
    t.equal(added.statusCode, 303);
    t.equal(added.headers.location, '/p/coventry/indicators/KS2_RWM_FSM_GAP');
    const gap = (await indicator('KS2_RWM_FSM_GAP'))!;
    t.match(gap, { kind: 'gap', priority_id: gapPriority });
    const gapRoles = (await db.selectFrom('series').select('role').where('indicator_id', '=', gap.id).execute()).map((r) => r.role).sort();
    t.same(gapRoles, ['comparison', 'england', 'focus', 'neighbours', 'region']);
    t.match(await changes('KS2_RWM_FSM_GAP'), [{ action: 'created', via: 'form' }]);
    const twice = await post('/p/coventry/plan/indicators/from-library', { template: 'coventry-data-book', code: 'KS2_RWM_FSM_GAP', priorityId: gapPriority });
    t.equal(twice.statusCode, 400);
    t.match(text(twice.body), /The partnership already has an indicator KS2_RWM_FSM_GAP/);
  });

  t.test('what the add form refuses, with the input kept and nothing written', async (t) => {
    const count = async () => Number((await db.selectFrom('indicator').select(db.fn.countAll().as('n')).where('partnership_id', '=', coventry.id).executeTakeFirstOrThrow()).n);
    const before = await count();
    const duplicate = await post('/p/coventry/plan/indicators/new', { ...fresh, code: 'PERSISTENT_ABSENCE', title: 'My duplicate title' });
    t.equal(duplicate.statusCode, 400);
    t.match(text(duplicate.body), /There is a problem The code PERSISTENT_ABSENCE is already used by another indicator in this partnership/);
    t.match(duplicate.body, /value="My duplicate title"/, 'the title typed is kept');

    const badCode = await post('/p/coventry/plan/indicators/new', { ...fresh, code: 'no spaces allowed!' });
    t.equal(badCode.statusCode, 400);
    t.match(badCode.body, /href="#code">Enter a code of 1 to 64 letters/);
    t.match(badCode.body, /value="no spaces allowed!"/);

    const neutralGap = await post('/p/coventry/plan/indicators/new', { ...fresh, code: 'NEUTRAL_GAP', kind: 'gap', polarity: 'neutral' });
    t.equal(neutralGap.statusCode, 400);
    t.match(neutralGap.body, /href="#polarity">Choose whether higher or lower is better: a gap is how far the focus group is behind/);

    const rateWithoutBase = await post('/p/coventry/plan/indicators/new', { ...fresh, code: 'NO_BASE', unit: 'rate' });
    t.equal(rateWithoutBase.statusCode, 400);
    t.match(rateWithoutBase.body, /href="#rateBase">Enter the rate base for a rate/);

    const forged = await post('/p/coventry/plan/indicators/new', { ...fresh, code: 'FORGED', priorityId: foreignPriority });
    t.equal(forged.statusCode, 404, 'another partnership’s priority is not found');
    t.equal((await page(`/p/coventry/plan/indicators/new?priority=${foreignPriority}`)).statusCode, 404);
    t.equal((await page('/p/coventry/plan/indicators/new?priority=not-a-uuid')).statusCode, 404, 'a malformed id is not a server error');

    t.equal((await page('/p/coventry/plan/indicators/new', viewer)).statusCode, 403, 'a viewer cannot open the form');
    t.equal((await post('/p/coventry/plan/indicators/new', { ...fresh, code: 'BY_OFFICER' }, officer)).statusCode, 403, 'an officer cannot add');
    t.equal((await post('/p/coventry/plan/indicators/new', { ...fresh, code: 'NO_CSRF' }, manager, false)).statusCode, 403, 'no CSRF token: refused');
    t.equal(await count(), before, 'nothing was written');
  });

  t.test('wording can always change, and the change is recorded', async (t) => {
    const form = await page('/p/coventry/indicators/PERSISTENT_ABSENCE/edit');
    t.equal(form.statusCode, 200);
    t.match(form.body, /This indicator has figures: changing this would change what they mean/, 'the fields that cannot change say so');
    const values = await formOf('PERSISTENT_ABSENCE');
    const res = await post('/p/coventry/indicators/PERSISTENT_ABSENCE/edit', { ...values, title: 'Persistent absence, all schools', source: 'DfE absence statistics' });
    t.equal(res.statusCode, 303);
    const after = (await indicator('PERSISTENT_ABSENCE'))!;
    t.equal(after.title, 'Persistent absence, all schools');
    t.equal(after.version, Number(values.version) + 1, 'the version moves on');
    const recorded = (await changes('PERSISTENT_ABSENCE')).at(-1)!;
    t.match(recorded, { action: 'edited', via: 'form', before: { title: values.title, source: values.source }, after: { title: 'Persistent absence, all schools', source: 'DfE absence statistics' } });
  });

  t.test('a change that would alter what the figures mean is refused, naming the field and saying what to do', async (t) => {
    const values = await formOf('PERSISTENT_ABSENCE');
    const refused = async (change: Record<string, string>, message: RegExp) => {
      const res = await post('/p/coventry/indicators/PERSISTENT_ABSENCE/edit', { ...values, ...change, title: 'Not saved' });
      t.equal(res.statusCode, 400);
      t.match(text(res.body), message);
      t.match(res.body, /value="Not saved"/, 'the input is kept');
    };
    await refused({ unit: 'count' }, /You cannot change the unit: figures already recorded are in percentages: changing the unit would change what they mean\. Retire this indicator and add a new one instead\./);
    await refused({ periodType: 'calendar_year' }, /You cannot change the period type: figures already recorded are by academic year/);
    await refused({ kind: 'gap', focusLabel: 'A', comparisonLabel: 'B', polarity: 'higher' }, /You cannot change the single or gap choice: figures already recorded are for one group/);

    const rate = await formOf('CLA_RATE');
    const rateRes = await post('/p/coventry/indicators/CLA_RATE/edit', { ...rate, rateBase: '100' });
    t.equal(rateRes.statusCode, 400);
    t.match(text(rateRes.body), new RegExp(`You cannot change the rate base: figures already recorded are rates per ${Number(rate.rateBase).toLocaleString('en-GB')}`));

    // Which way is better may change while nothing has been judged against it…
    t.equal((await post('/p/coventry/indicators/PA_PRIMARY/edit', { ...(await formOf('PA_PRIMARY')), polarity: 'higher' })).statusCode, 303);
    t.equal((await indicator('PA_PRIMARY'))!.polarity, 'higher');
    // …but not once a baseline is agreed.
    const absence = (await indicator('PERSISTENT_ABSENCE'))!;
    await db.insertInto('baseline').values({ indicator_id: absence.id, version: 99, baseline_position: 2022, baseline_label: '2022/23', history_window: 5, method: 'manual', fit: null, manual_points: sql`cast(${JSON.stringify([{ position: 2023, label: '2023/24', value: 20 }])} as jsonb)`, agreed_by: null, agreed_by_name: 'Test' }).execute();
    await refused({ polarity: 'higher' }, /You cannot change the direction: a baseline has been agreed with lower is better/);
    const unchanged = (await indicator('PERSISTENT_ABSENCE'))!;
    t.match(unchanged, { unit: 'percentage', period_type: 'academic_year', kind: 'single', polarity: 'lower', version: absence.version }, 'nothing changed');
    await db.deleteFrom('baseline').where('indicator_id', '=', absence.id).where('version', '=', 99).execute();
  });

  t.test('an indicator moves to another priority, and up and down within its own', async (t) => {
    const moved = await post('/p/coventry/indicators/PA_PRIMARY/edit', { ...(await formOf('PA_PRIMARY')), priorityId: gapPriority });
    t.equal(moved.statusCode, 303);
    t.equal((await indicator('PA_PRIMARY'))!.priority_id, gapPriority);
    t.match((await changes('PA_PRIMARY')).at(-1), { action: 'moved', before: { priorityId: attendance }, after: { priorityId: gapPriority } });

    const order = async () => (await db.selectFrom('indicator').select('code').where('priority_id', '=', gapPriority).where('retired_at', 'is', null).orderBy('position').orderBy('title').execute()).map((r) => r.code);
    const start = await order();
    t.equal(start.at(-1), 'PA_PRIMARY', 'a moved indicator goes last');
    const up = await post('/p/coventry/indicators/PA_PRIMARY/move', { direction: 'up', version: String((await indicator('PA_PRIMARY'))!.version) });
    t.equal(up.statusCode, 303);
    const after = await order();
    t.equal(after.indexOf('PA_PRIMARY'), start.length - 2, 'one place up');
    t.equal(after.at(-1), start.at(-2), 'swapped with the one above it');
    t.match((await changes('PA_PRIMARY')).at(-1), { action: 'reordered' });
    const stale = await post('/p/coventry/indicators/PA_PRIMARY/move', { direction: 'down', version: '1' });
    t.equal(stale.statusCode, 409, 'a stale version is not moved');
    t.match(text(stale.body), /Someone else changed PA_PRIMARY since you opened the page/);
    t.same(await order(), after);
  });

  t.test('two managers at once: the second save is told, sees both versions and loses nothing', async (t) => {
    const opened = await formOf('PA_FSM_GAP');
    t.equal((await post('/p/coventry/indicators/PA_FSM_GAP/edit', { ...opened, title: 'Saved first' })).statusCode, 303);
    const second = await post('/p/coventry/indicators/PA_FSM_GAP/edit', { ...opened, title: 'Saved second' });
    t.equal(second.statusCode, 409);
    t.match(text(second.body), /There is a problem Someone else changed this indicator since you opened it/);
    t.match(text(second.body), /Title Saved second Saved first/, 'both versions side by side');
    t.match(second.body, /value="Saved second"/, 'this person’s input is kept');
    t.match(second.body, new RegExp(`name="version" value="${Number(opened.version) + 1}"`), 'saving again is a knowing overwrite');
    t.equal((await indicator('PA_FSM_GAP'))!.title, 'Saved first');
  });

  t.test('retire and restore: hidden from the lists, still reachable, everything kept', async (t) => {
    const absence = (await indicator('PERSISTENT_ABSENCE'))!;
    const figures = async () => Number((await db.selectFrom('observation').innerJoin('series', 'series.id', 'observation.series_id').select(db.fn.countAll().as('n')).where('series.indicator_id', '=', absence.id).executeTakeFirstOrThrow()).n);
    const kept = await figures();
    t.equal((await post('/p/coventry/indicators/PERSISTENT_ABSENCE/retire', { version: String(absence.version) }, viewer)).statusCode, 403, 'a viewer cannot retire');
    const res = await post('/p/coventry/indicators/PERSISTENT_ABSENCE/retire', { version: String(absence.version) });
    t.equal(res.statusCode, 303);
    t.not((await indicator('PERSISTENT_ABSENCE'))!.retired_at, null);
    t.equal(await figures(), kept, 'its figures are kept');
    const list = (await api('GET', '/indicators')).json();
    t.notOk(list.indicators.some((i: { code: string }) => i.code === 'PERSISTENT_ABSENCE'), 'left out of the indicator list');
    const withRetired = (await api('GET', '/indicators?include=retired')).json();
    t.match(withRetired.indicators.find((i: { code: string }) => i.code === 'PERSISTENT_ABSENCE'), { retired: true, version: absence.version + 1 });
    const shown = await page('/p/coventry/indicators/PERSISTENT_ABSENCE');
    t.equal(shown.statusCode, 200, 'its own page stays reachable');
    t.match(shown.body, /data-testid="retired">Retired/);
    t.match(shown.body, /action="\/p\/coventry\/indicators\/PERSISTENT_ABSENCE\/restore"/);
    const restored = await post('/p/coventry/indicators/PERSISTENT_ABSENCE/restore', { version: String(absence.version + 1) });
    t.equal(restored.statusCode, 303);
    t.equal((await indicator('PERSISTENT_ABSENCE'))!.retired_at, null);
    t.match((await changes('PERSISTENT_ABSENCE')).slice(-2), [{ action: 'retired' }, { action: 'restored' }]);
  });

  t.test('delete: refused for an indicator with figures, confirmed for one without', async (t) => {
    const refusedPage = await page('/p/coventry/indicators/PERSISTENT_ABSENCE/delete');
    t.match(text(refusedPage.body), /PERSISTENT_ABSENCE cannot be deleted: it has \d+ figures.*Retire it instead/);
    const refused = await post('/p/coventry/indicators/PERSISTENT_ABSENCE/delete', {});
    t.equal(refused.statusCode, 409);
    t.ok(await indicator('PERSISTENT_ABSENCE'), 'still there');

    const confirm = await page('/p/coventry/indicators/PA_PRIMARY/delete');
    t.match(text(confirm.body), /Delete “Persistent absence, primary schools”\?/);
    const id = (await indicator('PA_PRIMARY'))!.id;
    const deleted = await post('/p/coventry/indicators/PA_PRIMARY/delete', {});
    t.equal(deleted.statusCode, 303);
    t.notOk(await indicator('PA_PRIMARY'));
    const history = await db.selectFrom('plan_change').select(['action', 'before']).where('item_id', '=', id).orderBy('seq').execute();
    t.match(history.at(-1), { action: 'deleted', before: { code: 'PA_PRIMARY' } }, 'its history stays');
  });

  t.test('the API: read with a version, PATCH against it, retire and restore', async (t) => {
    const read = await api('GET', '/indicators/PA_FSM_GAP');
    t.equal(read.statusCode, 200);
    const current = read.json();
    t.match(current, { code: 'PA_FSM_GAP', kind: 'gap', version: Number, retired: false });
    t.equal((await api('GET', '/indicators/NOPE')).statusCode, 404);

    const patched = await api('PATCH', '/indicators/PA_FSM_GAP', { version: current.version, title: 'Persistent absence gap (FSM)' });
    t.equal(patched.statusCode, 200);
    t.match(patched.json(), { title: 'Persistent absence gap (FSM)', version: current.version + 1 });
    t.match((await changes('PA_FSM_GAP')).at(-1), { action: 'edited', via: 'api' });

    const stale = await api('PATCH', '/indicators/PA_FSM_GAP', { version: current.version, title: 'Stale' });
    t.equal(stale.statusCode, 409);
    t.match(stale.json(), { error: 'conflict', current: { title: 'Persistent absence gap (FSM)', version: current.version + 1 } });

    const absence = (await api('GET', '/indicators/PERSISTENT_ABSENCE')).json();
    const meaning = await api('PATCH', '/indicators/PERSISTENT_ABSENCE', { version: absence.version, unit: 'count' });
    t.equal(meaning.statusCode, 422);
    t.match(meaning.json(), { error: 'invalid', errors: [{ field: 'unit', message: /^cannot change: figures already recorded are in percentages/ }] });
    t.equal((await api('PATCH', '/indicators/PERSISTENT_ABSENCE', { title: 'No version' })).statusCode, 422, 'a version is required');
    t.equal((await api('PATCH', '/indicators/PERSISTENT_ABSENCE', { version: absence.version, title: 'By a viewer' }, viewerToken)).statusCode, 403);
    t.equal((await api('PATCH', '/indicators/PERSISTENT_ABSENCE', { version: absence.version, priorityId: foreignPriority })).statusCode, 404, 'another partnership’s priority is not found');

    const retired = await api('POST', '/indicators/PA_FSM_GAP/retire', {});
    t.equal(retired.statusCode, 200);
    t.match(retired.json(), { retired: true, retiredAt: String });
    const structure = (await api('GET', '')).json();
    const codes = structure.outcomes.flatMap((o: { priorities: { indicators: { code: string }[] }[] }) => o.priorities.flatMap((p) => p.indicators.map((i) => i.code)));
    t.notOk(codes.includes('PA_FSM_GAP'), 'the structure leaves it out');
    const restored = await api('POST', '/indicators/PA_FSM_GAP/restore', { version: retired.json().version });
    t.equal(restored.statusCode, 200);
    t.match(restored.json(), { retired: false, version: retired.json().version + 1 });

    const created = await api('POST', '/indicators', { priorityId: attendance, code: 'API_MADE', title: 'Made through the API', unit: 'rate', rateBase: 1000, polarity: 'lower', periodType: 'financial_year', kind: 'single' });
    t.equal(created.statusCode, 201);
    t.match(created.json(), { code: 'API_MADE', rateBase: 1000, version: 1 });
    t.match(await changes('API_MADE'), [{ action: 'created', via: 'api' }]);

    // Without figures, what an indicator measures may still change: its series follow.
    const reshaped = await api('PATCH', '/indicators/API_MADE', { version: 1, unit: 'percentage', rateBase: null, kind: 'gap', focusLabel: 'Care leavers', comparisonLabel: 'All young people', code: 'API_GAP' });
    t.equal(reshaped.statusCode, 200);
    t.match(reshaped.json(), { code: 'API_GAP', unit: 'percentage', rateBase: null, kind: 'gap', version: 2 });
    const series = await db.selectFrom('series').select(['role', 'label']).where('indicator_id', '=', (await indicator('API_GAP'))!.id).orderBy('role').execute();
    t.same(series, [{ role: 'comparison', label: 'All young people' }, { role: 'focus', label: 'Care leavers' }]);
    const taken = await api('PATCH', '/indicators/API_GAP', { version: 2, code: 'PERSISTENT_ABSENCE' });
    t.equal(taken.statusCode, 422);
    t.match(taken.json(), { errors: [{ field: 'code', message: /already used/ }] });
    const badRate = await api('POST', '/indicators', { priorityId: attendance, code: 'NO_BASE', title: 'No base', unit: 'rate', polarity: 'lower', periodType: 'financial_year', kind: 'single' });
    t.equal(badRate.statusCode, 422);
    t.match(badRate.json(), { errors: [{ field: 'rateBase', message: /is required for a rate/ }] });
  });
});
