import { sql } from 'kysely';
import t from 'tap';
import { createApiToken, findUserId } from '../../server/features/accounts/queries.ts';
import { insertPartnershipFromSeed, readDemoSeed } from '../../seeds/demo-loader.ts';
import { buildTestApp, signIn, type Session } from '../helpers/app.ts';

const text = (html: string) =>
  html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');
/** The outcome and priority headings of the plan page, in order (visually hidden captions and a success banner's title left out). */
const headings = (html: string, level: 'h2' | 'h3') =>
  [...html.matchAll(new RegExp(`<${level}(?! class="govuk-notification-banner__title")[^>]*>(?:<span class="govuk-caption-[ms]">[^<]*</span>)?(.*?)</${level}>`, 'g'))].map((m) => text(m[1]!).trim());

t.test('a partnership shapes its own outcomes and priorities', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const manager = await signIn(app, 'manager@demo.example');
  const admin = await signIn(app, 'admin@demo.example');
  const officer = await signIn(app, 'officer@demo.example');
  const viewer = await signIn(app, 'viewer@demo.example');
  const page = (url: string, session: Session = manager) => app.inject({ method: 'GET', url, headers: { cookie: session.cookie, accept: 'text/html' } });
  const post = (url: string, values: Record<string, string>, session: Session = manager, withCsrf = true) =>
    app.inject({
      method: 'POST',
      url,
      headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      payload: new URLSearchParams({ ...(withCsrf ? { _csrf: session.csrf } : {}), ...values }).toString(),
    });

  const coventry = await db.selectFrom('partnership').select('id').where('slug', '=', 'coventry').executeTakeFirstOrThrow();
  const otherId = await db.transaction().execute(async (trx) => insertPartnershipFromSeed(trx, await readDemoSeed(), 'other'));
  const outcomeOf = (title: string, partnershipId = coventry.id) =>
    db.selectFrom('outcome').selectAll().where('partnership_id', '=', partnershipId).where('title', '=', title).executeTakeFirstOrThrow();
  const priorityOf = (title: string, partnershipId = coventry.id) =>
    db.selectFrom('priority').selectAll().where('partnership_id', '=', partnershipId).where('title', '=', title).executeTakeFirstOrThrow();
  const changes = (itemId: string) => db.selectFrom('plan_change').selectAll().where('item_id', '=', itemId).orderBy('seq').execute();
  const activePositions = async (table: 'outcome' | 'priority', where: { partnershipId?: string; outcomeId?: string }) => {
    let query = db.selectFrom(table as 'priority').select(['title', 'position']).where('retired_at', 'is', null);
    if (where.outcomeId) query = query.where('outcome_id', '=', where.outcomeId);
    else query = query.where('partnership_id', '=', where.partnershipId ?? coventry.id);
    return (await query.orderBy('position').execute()).map((r) => r.position);
  };
  const managerId = (await findUserId(db, 'manager@demo.example'))!;
  const adminId = (await findUserId(db, 'admin@demo.example'))!;

  const foreignOutcome = await outcomeOf('Stay safe', otherId);
  const foreignPriority = await priorityOf('Improve school attendance', otherId);

  t.test('the plan page: outcomes, priorities and indicators, with the controls to change them', async (t) => {
    const res = await page('/p/coventry/plan');
    t.equal(res.statusCode, 200);
    t.same(headings(res.body, 'h2'), ['Be healthy', 'Stay safe', 'Enjoy and achieve', 'Make a positive contribution', 'Achieve economic well-being']);
    t.match(res.body, /href="\/p\/coventry\/indicators\/KS2_RWM_DISADV_GAP"><span class="ttc-reference">KS2_RWM_DISADV_GAP<\/span> /);
    t.match(res.body, /href="\/p\/coventry\/indicators\/KS2_RWM_DISADV_GAP\/edit"/);
    const attainment = await priorityOf('Narrow the attainment gap for disadvantaged pupils');
    t.match(res.body, `href="/p/coventry/plan/indicators/new?priority=${attainment.id}"`);
    const enjoy = await outcomeOf('Enjoy and achieve');
    t.match(res.body, `href="/p/coventry/plan/priorities/new?outcome=${enjoy.id}"`);
    t.match(res.body, `href="/p/coventry/plan/outcomes/${enjoy.id}/edit"`);
    t.match(res.body, `href="/p/coventry/plan/outcomes/${enjoy.id}/retire"`);
    t.match(res.body, /href="\/p\/coventry\/plan\/outcomes\/new"/);
    t.match(res.body, /href="\/p\/coventry\/plan\/retired"/);
    t.match(res.body, new RegExp(`action="/p/coventry/plan/outcomes/${enjoy.id}/move"[\\s\\S]*?name="version" value="1"[\\s\\S]*?value="up"[\\s\\S]*?value="down"`));
    t.equal((await page('/p/coventry/plan', admin)).statusCode, 200, 'admins too');

    for (const session of [viewer, officer]) {
      t.equal((await page('/p/coventry/plan', session)).statusCode, 403);
      t.equal((await page('/p/coventry/plan/outcomes/new', session)).statusCode, 403);
      t.equal((await post('/p/coventry/plan/outcomes/new', { title: 'Sneaky' }, session)).statusCode, 403);
      t.equal((await post(`/p/coventry/plan/outcomes/${enjoy.id}/move`, { direction: 'up', version: '1' }, session)).statusCode, 403);
      t.equal((await post(`/p/coventry/plan/outcomes/${enjoy.id}/retire`, { version: '1' }, session)).statusCode, 403);
      const home = await page('/p/coventry', session);
      t.notMatch(home.body, /href="\/p\/coventry\/plan"/, 'no link to the plan for viewers and officers, on the home page or in the navigation');
    }
    t.notOk(await db.selectFrom('outcome').select('id').where('title', '=', 'Sneaky').executeTakeFirst());
    const home = await page('/p/coventry');
    t.match(home.body, /<a class="govuk-link" href="\/p\/coventry\/plan">Your plan<\/a>/, 'the partnership home links managers to their plan');
    t.match(home.body, /class="ttc-service-nav__link" href="\/p\/coventry\/plan">Your plan</, 'and so does the partnership’s navigation');
  });

  let onlineId = '';

  t.test('adding an outcome: refusals keep the input, then it is added at the end and recorded', async (t) => {
    const form = await page('/p/coventry/plan/outcomes/new');
    t.equal(form.statusCode, 200);
    t.match(form.body, /name="_csrf"/);

    const blank = await post('/p/coventry/plan/outcomes/new', { title: '   ', description: 'Kept' });
    t.equal(blank.statusCode, 400);
    t.match(blank.body, /govuk-error-summary/);
    t.match(blank.body, /href="#title">Enter a title for the outcome/);
    t.match(blank.body, />Kept<\/textarea>/, 'the description typed is kept');

    const long = await post('/p/coventry/plan/outcomes/new', { title: 'x'.repeat(301) });
    t.equal(long.statusCode, 400);
    t.match(long.body, /The title must be 300 characters or fewer/);
    t.match(long.body, `value="${'x'.repeat(301)}"`);

    const noCsrf = await post('/p/coventry/plan/outcomes/new', { title: 'Be safe online' }, manager, false);
    t.equal(noCsrf.statusCode, 403);
    t.equal((await db.selectFrom('outcome').select('id').where('partnership_id', '=', coventry.id).execute()).length, 5, 'nothing was written');

    const ok = await post('/p/coventry/plan/outcomes/new', { title: 'Be safe online', description: 'Children know how to stay safe on the internet.' });
    t.equal(ok.statusCode, 303);
    t.equal(ok.headers.location, '/p/coventry/plan');
    const online = await outcomeOf('Be safe online');
    onlineId = online.id;
    t.equal(online.position, 5);
    t.same(headings((await page('/p/coventry/plan')).body, 'h2').at(-1), 'Be safe online');
    t.match(await changes(online.id), [{ action: 'created', item_kind: 'outcome', user_id: managerId, via: 'form', after: { title: 'Be safe online' } }]);
  });

  t.test('two managers edit one outcome: the second is told, sees both, and loses nothing', async (t) => {
    const href = `/p/coventry/plan/outcomes/${onlineId}/edit`;
    const managerForm = await page(href);
    const adminForm = await page(href, admin);
    t.match(managerForm.body, /name="version" value="1"/);
    t.match(adminForm.body, /name="version" value="1"/);

    const first = await post(href, { title: 'Be safe online and offline', description: 'Admin’s wording', version: '1' }, admin);
    t.equal(first.statusCode, 303);

    const second = await post(href, { title: 'Stay safe online', description: 'Manager’s wording', version: '1' });
    t.equal(second.statusCode, 409);
    t.match(second.body, /govuk-error-summary/);
    t.match(second.body, /Someone else changed this outcome since you opened it/);
    t.match(second.body, /data-testid="their-title">Be safe online and offline</, 'their saved version is shown');
    t.match(second.body, /data-testid="your-title">Stay safe online</, 'and this person’s beside it');
    t.match(second.body, /id="title" name="title" type="text" value="Stay safe online"/, 'the form keeps this person’s text');
    t.match(second.body, /name="version" value="2"/, 'and now carries the saved version');
    t.equal((await outcomeOf('Be safe online and offline')).version, 2, 'nothing was written by the stale save');

    const again = await post(href, { title: 'Stay safe online', description: 'Manager’s wording', version: '2' });
    t.equal(again.statusCode, 303, 'saving again knowingly overwrites');
    const saved = await outcomeOf('Stay safe online');
    t.equal(saved.version, 3);
    t.equal(saved.description, 'Manager’s wording');
    const edits = (await changes(onlineId)).filter((c) => c.action === 'edited');
    t.equal(edits.length, 2);
    t.match(edits, [
      { user_id: adminId, before: { title: 'Be safe online' }, after: { title: 'Be safe online and offline' } },
      { user_id: managerId, before: { title: 'Be safe online and offline' }, after: { title: 'Stay safe online' } },
    ], 'both saves are in the plan’s history');

    const blank = await post(href, { title: '', description: 'x', version: '3' });
    t.equal(blank.statusCode, 400);
    t.match(blank.body, /Enter a title for the outcome/);
  });

  t.test('reordering outcomes with Move up and Move down', async (t) => {
    const safe = await outcomeOf('Stay safe');
    const up = await post(`/p/coventry/plan/outcomes/${safe.id}/move`, { direction: 'up', version: String(safe.version) });
    t.equal(up.statusCode, 303);
    t.same(headings((await page('/p/coventry/plan')).body, 'h2').slice(0, 3), ['Stay safe', 'Be healthy', 'Enjoy and achieve']);
    t.same(await activePositions('outcome', {}), [0, 1, 2, 3, 4, 5], 'positions stay 0..n-1');
    t.match(await changes(safe.id), [{ action: 'reordered', before: { position: 1 }, after: { position: 0 } }]);

    const stale = await post(`/p/coventry/plan/outcomes/${safe.id}/move`, { direction: 'down', version: String(safe.version) });
    t.equal(stale.statusCode, 409, 'a move from a page opened before someone else’s change is refused');
    t.match(stale.body, /Someone else changed “Stay safe” since you opened this page/);

    const down = await post(`/p/coventry/plan/outcomes/${safe.id}/move`, { direction: 'down', version: String(safe.version + 1) });
    t.equal(down.statusCode, 303);
    t.same(headings((await page('/p/coventry/plan')).body, 'h2').slice(0, 3), ['Be healthy', 'Stay safe', 'Enjoy and achieve']);
    t.equal((await post(`/p/coventry/plan/outcomes/${safe.id}/move`, { direction: 'sideways', version: '3' })).statusCode, 400);
  });

  let harmId = '';

  t.test('priorities: added under an outcome, edited, reordered and moved to another outcome', async (t) => {
    t.equal((await page(`/p/coventry/plan/priorities/new?outcome=${foreignOutcome.id}`)).statusCode, 404, 'another partnership’s outcome is not found');
    const form = await page(`/p/coventry/plan/priorities/new?outcome=${onlineId}`);
    t.equal(form.statusCode, 200);
    t.match(form.body, new RegExp(`<option value="${onlineId}" selected>Stay safe online</option>`));

    const forged = await post('/p/coventry/plan/priorities/new', { outcome: foreignOutcome.id, title: 'Reduce online harm' });
    t.equal(forged.statusCode, 400);
    t.match(forged.body, /Choose an outcome from the list/);
    t.match(forged.body, /value="Reduce online harm"/);

    const ok = await post('/p/coventry/plan/priorities/new', { outcome: onlineId, title: 'Reduce online harm' });
    t.equal(ok.statusCode, 303);
    await post('/p/coventry/plan/priorities/new', { outcome: onlineId, title: 'Teach online safety in every school' });
    const harm = await priorityOf('Reduce online harm');
    harmId = harm.id;
    t.equal(harm.position, 0);
    t.match(await changes(harm.id), [{ action: 'created', after: { outcomeId: onlineId } }]);

    const down = await post(`/p/coventry/plan/priorities/${harm.id}/move`, { direction: 'down', version: '1' });
    t.equal(down.statusCode, 303);
    t.same((await db.selectFrom('priority').select('title').where('outcome_id', '=', onlineId).orderBy('position').execute()).map((p) => p.title), [
      'Teach online safety in every school',
      'Reduce online harm',
    ]);

    // Move it to "Stay safe" on the edit form: it goes to the end of that outcome's priorities.
    const safe = await outcomeOf('Stay safe');
    const edit = await page(`/p/coventry/plan/priorities/${harm.id}/edit`);
    t.match(edit.body, new RegExp(`<option value="${safe.id}">Stay safe</option>`));
    const moved = await post(`/p/coventry/plan/priorities/${harm.id}/edit`, { outcome: safe.id, title: 'Reduce online harm', description: '', version: '2' });
    t.equal(moved.statusCode, 303);
    const after = await priorityOf('Reduce online harm');
    t.equal(after.outcome_id, safe.id);
    t.equal(after.position, 2);
    t.same(await activePositions('priority', { outcomeId: onlineId }), [0], 'the outcome it left is renumbered');
    t.match((await changes(harm.id)).at(-1), { action: 'moved', before: { outcomeId: onlineId }, after: { outcomeId: safe.id } });
    const plan = await page('/p/coventry/plan');
    t.match(text(plan.body), /Stay safe .*Support families.*Reduce online harm.*Enjoy and achieve/);

    const staleEdit = await post(`/p/coventry/plan/priorities/${harm.id}/edit`, { outcome: safe.id, title: 'Cut online harm', description: 'Mine', version: '2' });
    t.equal(staleEdit.statusCode, 409, 'a priority edit from before the move is stale');
    t.match(staleEdit.body, /Someone else changed this priority since you opened it/);
    t.match(staleEdit.body, /value="Cut online harm"/);
    t.equal((await priorityOf('Reduce online harm')).version, after.version, 'nothing written');

    const forgedMove = await post(`/p/coventry/plan/priorities/${harm.id}/edit`, { outcome: foreignOutcome.id, title: 'Reduce online harm', version: String(after.version) });
    t.equal(forgedMove.statusCode, 400);
    t.equal((await priorityOf('Reduce online harm')).outcome_id, safe.id, 'not moved');
  });

  t.test('an id from another partnership, or no id at all, is a page that does not exist', async (t) => {
    for (const url of [
      `/p/coventry/plan/outcomes/${foreignOutcome.id}/edit`,
      `/p/coventry/plan/outcomes/${foreignOutcome.id}/retire`,
      `/p/coventry/plan/outcomes/${foreignOutcome.id}/delete`,
      `/p/coventry/plan/priorities/${foreignPriority.id}/edit`,
      '/p/coventry/plan/outcomes/not-an-id/edit',
    ]) {
      t.equal((await page(url)).statusCode, 404, url);
    }
    for (const action of ['edit', 'move', 'retire', 'restore', 'delete']) {
      const res = await post(`/p/coventry/plan/priorities/${foreignPriority.id}/${action}`, { title: 'Hijacked', outcome: foreignOutcome.id, direction: 'up', version: '1' });
      t.equal(res.statusCode, 404, action);
    }
    const theirs = await db.selectFrom('priority').select(['title', 'version', 'retired_at']).where('id', '=', foreignPriority.id).executeTakeFirstOrThrow();
    t.same(theirs, { title: 'Improve school attendance', version: 1, retired_at: null }, 'their priority is untouched');
  });

  t.test('retiring and restoring: never silently, and shown on the retired list', async (t) => {
    const online = await outcomeOf('Stay safe online');
    const asked = await page(`/p/coventry/plan/outcomes/${online.id}/retire`);
    t.match(text(asked.body), /“Stay safe online” still has an active priority\. Move it to another outcome or retire it first/, 'the retire page says what to do first');
    t.notMatch(asked.body, /Retire the outcome<\/button>/, 'and offers no button');
    const refused = await post(`/p/coventry/plan/outcomes/${online.id}/retire`, { version: String(online.version) });
    t.equal(refused.statusCode, 409);
    t.match(refused.body, /govuk-error-summary/);
    t.match(text(refused.body), /“Stay safe online” still has an active priority\. Move it to another outcome or retire it first/);
    t.equal((await outcomeOf('Stay safe online')).retired_at, null);

    const teach = await priorityOf('Teach online safety in every school');
    const retirePage = await page(`/p/coventry/plan/priorities/${teach.id}/retire`);
    t.equal(retirePage.statusCode, 200);
    t.match(retirePage.body, /Retire “Teach online safety in every school”\?/);
    t.match(retirePage.body, /Retire the priority<\/button>/);
    t.equal((await post(`/p/coventry/plan/priorities/${teach.id}/retire`, { version: String(teach.version) })).statusCode, 303);
    t.equal((await post(`/p/coventry/plan/outcomes/${online.id}/retire`, { version: String(online.version) })).statusCode, 303, 'with nothing active under it, the outcome retires');

    const plan = await page('/p/coventry/plan');
    t.notMatch(plan.body, /Stay safe online/);
    t.notMatch(plan.body, /Teach online safety/);
    t.same(await activePositions('outcome', {}), [0, 1, 2, 3, 4]);

    const retired = await page('/p/coventry/plan/retired');
    t.equal(retired.statusCode, 200);
    const shown = text(retired.body);
    t.match(shown, /Stay safe online Retired by Mo Manager|Stay safe online Retired by [A-Z]/);
    t.match(shown, /Teach online safety in every school Under “Stay safe online” \(retired\)\. Retired by/);
    t.match(retired.body, `action="/p/coventry/plan/outcomes/${online.id}/restore"`);
    t.equal((await page('/p/coventry/plan/retired', viewer)).statusCode, 403);

    // A retired indicator is listed with a restore button that posts to the indicator's own route.
    await db.updateTable('indicator').set({ retired_at: new Date(), retired_by: managerId, version: 2 }).where('partnership_id', '=', coventry.id).where('code', '=', 'CARE_LEAVERS_NEET').execute();
    const withIndicator = await page('/p/coventry/plan/retired');
    t.match(withIndicator.body, /action="\/p\/coventry\/indicators\/CARE_LEAVERS_NEET\/restore"[\s\S]*?name="version" value="2"/);
    t.notMatch((await page('/p/coventry/plan')).body, /CARE_LEAVERS_NEET/, 'a retired indicator leaves the plan page');
    await db.updateTable('indicator').set({ retired_at: null, retired_by: null }).where('partnership_id', '=', coventry.id).where('code', '=', 'CARE_LEAVERS_NEET').execute();

    const early = await post(`/p/coventry/plan/priorities/${teach.id}/restore`, { version: '2' });
    t.equal(early.statusCode, 409, 'a priority waits for its retired outcome');
    t.match(early.body, /restore the outcome first/);

    const outcomeNow = await outcomeOf('Stay safe online');
    t.equal((await post(`/p/coventry/plan/outcomes/${online.id}/restore`, { version: String(outcomeNow.version) })).statusCode, 303);
    t.equal((await post(`/p/coventry/plan/priorities/${teach.id}/restore`, { version: '2' })).statusCode, 303);
    t.same(headings((await page('/p/coventry/plan')).body, 'h2').at(-1), 'Stay safe online', 'restored at the end');
    t.same((await changes(online.id)).map((c) => c.action), ['created', 'edited', 'edited', 'retired', 'restored']);
    t.same((await changes(teach.id)).map((c) => c.action), ['created', 'retired', 'restored']);
  });

  t.test('deleting only what has nothing under it, after asking', async (t) => {
    const online = await outcomeOf('Stay safe online');
    const teach = await priorityOf('Teach online safety in every school');
    const blocked = await page(`/p/coventry/plan/outcomes/${online.id}/delete`);
    t.equal(blocked.statusCode, 200);
    t.match(text(blocked.body), /cannot be deleted, because it has: a priority \(retired ones count\)/);
    t.notMatch(blocked.body, /Delete the outcome<\/button>/);
    const refused = await post(`/p/coventry/plan/outcomes/${online.id}/delete`, {});
    t.equal(refused.statusCode, 409);
    t.ok(await outcomeOf('Stay safe online'), 'still there');

    const linked = await priorityOf('Improve school attendance');
    const linkedPage = await page(`/p/coventry/plan/priorities/${linked.id}/delete`);
    t.match(text(linkedPage.body), /an indicator \(retired ones count\)/);

    const confirm = await page(`/p/coventry/plan/priorities/${teach.id}/delete`);
    t.match(confirm.body, /govuk-warning-text/);
    t.match(confirm.body, /Delete the priority<\/button>/);
    t.equal((await post(`/p/coventry/plan/priorities/${teach.id}/delete`, {}, manager, false)).statusCode, 403, 'CSRF is checked');
    t.equal((await post(`/p/coventry/plan/priorities/${teach.id}/delete`, {})).statusCode, 303);
    t.equal((await post(`/p/coventry/plan/outcomes/${online.id}/delete`, {})).statusCode, 303);
    t.notOk(await db.selectFrom('outcome').select('id').where('id', '=', online.id).executeTakeFirst());
    t.match((await changes(online.id)).at(-1), { action: 'deleted', before: { title: 'Stay safe online' }, after: null });
    t.match((await changes(teach.id)).at(-1), { action: 'deleted' });
    t.equal((await page(`/p/coventry/plan/outcomes/${online.id}/edit`)).statusCode, 404);
  });

  t.test('the same through the API', async (t) => {
    const managerToken = (await createApiToken(db, managerId, 'tests', true)).token;
    const viewerToken = (await createApiToken(db, (await findUserId(db, 'viewer@demo.example'))!, 'viewer', true)).token;
    const call = (method: 'GET' | 'POST' | 'PATCH', url: string, token = managerToken, payload?: unknown) =>
      app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${token}`, ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}),
      });
    const base = '/api/v1/partnerships/coventry';

    const list = await call('GET', `${base}/outcomes`, viewerToken);
    t.equal(list.statusCode, 200);
    t.same(list.json().outcomes.map((o: { title: string }) => o.title), ['Be healthy', 'Stay safe', 'Enjoy and achieve', 'Make a positive contribution', 'Achieve economic well-being']);
    t.match(list.json().outcomes[0], { id: /^[0-9a-f-]{36}$/, title: 'Be healthy', description: String, position: 0, version: 1, retired: false, retiredAt: null });
    t.equal((await call('GET', `${base}/outcomes?include=everything`, viewerToken)).statusCode, 422);

    const created = await call('POST', `${base}/outcomes`, managerToken, { title: 'Be heard' });
    t.equal(created.statusCode, 201);
    const heard = created.json();
    t.match(heard, { title: 'Be heard', position: 5, version: 1, retired: false });
    const priority = await call('POST', `${base}/priorities`, managerToken, { outcomeId: heard.id, title: 'Children shape the services they use' });
    t.equal(priority.statusCode, 201);
    const voice = priority.json();
    t.match(voice, { outcomeId: heard.id, position: 0, version: 1 });

    t.equal((await call('PATCH', `${base}/outcomes/${heard.id}`, viewerToken, { version: 1, title: 'x' })).statusCode, 403);
    const unknown = await call('PATCH', `${base}/outcomes/${heard.id}`, managerToken, { version: 1, colour: 'red' });
    t.equal(unknown.statusCode, 422);
    t.match(unknown.json().message, /unknown field\(s\): colour/);
    const noVersion = await call('PATCH', `${base}/outcomes/${heard.id}`, managerToken, { title: 'Be listened to' });
    t.equal(noVersion.statusCode, 422);
    t.match(noVersion.json().errors, [{ field: 'version' }]);
    t.equal((await call('PATCH', `${base}/outcomes/${heard.id}`, managerToken, { version: 1, title: 'y'.repeat(301) })).statusCode, 422);

    const patched = await call('PATCH', `${base}/outcomes/${heard.id}`, managerToken, { version: 1, title: 'Be listened to', position: 0 });
    t.equal(patched.statusCode, 200);
    t.match(patched.json(), { title: 'Be listened to', position: 0, version: 3 });
    t.same((await call('GET', `${base}/outcomes`)).json().outcomes.map((o: { position: number }) => o.position), [0, 1, 2, 3, 4, 5]);
    t.equal((await call('GET', `${base}/outcomes`)).json().outcomes[0].title, 'Be listened to');

    const stale = await call('PATCH', `${base}/outcomes/${heard.id}`, managerToken, { version: 1, title: 'Be listened to, always' });
    t.equal(stale.statusCode, 409);
    t.match(stale.json(), { error: 'conflict', current: { id: heard.id, title: 'Be listened to', version: 3 } });
    t.equal((await outcomeOf('Be listened to')).version, 3, 'nothing written');

    t.equal((await call('PATCH', `${base}/outcomes/${foreignOutcome.id}`, managerToken, { version: 1, title: 'Mine now' })).statusCode, 404, 'a foreign id is not found');
    t.equal((await call('PATCH', `${base}/outcomes/nope`, managerToken, { version: 1, title: 'x' })).statusCode, 404);
    const foreignTarget = await call('PATCH', `${base}/priorities/${voice.id}`, managerToken, { version: 1, outcomeId: foreignOutcome.id });
    t.equal(foreignTarget.statusCode, 404);
    t.match(foreignTarget.json().message, /outcomeId: there is no outcome/);

    const safe = await outcomeOf('Stay safe');
    const moved = await call('PATCH', `${base}/priorities/${voice.id}`, managerToken, { version: 1, outcomeId: safe.id });
    t.equal(moved.statusCode, 200);
    t.match(moved.json(), { outcomeId: safe.id, position: 3, version: 2 });

    const refused = await call('POST', `${base}/outcomes/${safe.id}/retire`, managerToken, {});
    t.equal(refused.statusCode, 409);
    t.match(refused.json().message, /still has 4 active priorities\. Move them to another outcome or retire them first/);

    const attendance = await priorityOf('Improve school attendance');
    const withIndicator = await call('POST', `${base}/priorities/${attendance.id}/retire`, managerToken, {});
    t.equal(withIndicator.statusCode, 409);
    t.match(withIndicator.json().message, /still has an active indicator\. Move it to another priority or retire it first/);
    t.equal((await priorityOf('Improve school attendance')).retired_at, null);

    const retiredPriority = await call('POST', `${base}/priorities/${voice.id}/retire`, managerToken, { version: 2 });
    t.equal(retiredPriority.statusCode, 200);
    t.match(retiredPriority.json(), { retired: true, retiredAt: String, version: 3 });
    const listed = (await call('GET', `${base}/priorities`)).json().priorities;
    t.notOk(listed.some((p: { id: string }) => p.id === voice.id), 'retired priorities are left out');
    const all = (await call('GET', `${base}/priorities?include=retired`)).json().priorities;
    t.match(all.find((p: { id: string }) => p.id === voice.id), { retired: true });
    t.equal((await call('POST', `${base}/priorities/${voice.id}/restore`, managerToken, { version: 1 })).statusCode, 409, 'a stale version is refused');
    const restored = await call('POST', `${base}/priorities/${voice.id}/restore`, managerToken, { version: 3 });
    t.equal(restored.statusCode, 200);
    t.match(restored.json(), { retired: false, version: 4 });
    t.equal((await call('POST', `${base}/outcomes/${heard.id}/retire`, viewerToken, {})).statusCode, 403);

    t.same((await changes(voice.id)).map((c) => [c.action, c.via]), [
      ['created', 'api'],
      ['moved', 'api'],
      ['retired', 'api'],
      ['restored', 'api'],
    ]);
    t.same((await changes(heard.id)).map((c) => c.action), ['created', 'edited', 'reordered']);

    // Older data may have gaps in its positions: a new priority still goes last, and a move closes the gaps.
    const healthy = await outcomeOf('Be healthy');
    await db.updateTable('priority').set({ position: sql`position * 4 + 3` }).where('outcome_id', '=', healthy.id).execute();
    const added = (await call('POST', `${base}/priorities`, managerToken, { outcomeId: healthy.id, title: 'Fewer children admitted to hospital' })).json();
    t.equal(added.position, 8);
    const raised = await call('PATCH', `${base}/priorities/${added.id}`, managerToken, { version: 1, position: 1 });
    t.match(raised.json(), { position: 1, version: 2 });
    t.same((await db.selectFrom('priority').select('title').where('outcome_id', '=', healthy.id).orderBy('position').execute()).map((p) => p.title), [
      'Give every child a good start in the early years',
      'Fewer children admitted to hospital',
      'Reduce teenage conceptions',
    ]);
    t.same(await activePositions('priority', { outcomeId: healthy.id }), [0, 1, 2]);
  });
});
