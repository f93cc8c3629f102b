// Issue 21: the notice kinds added after the first pass — an update asked for by a manager, an import that failed its
// checks, a baseline older than the refresh rule, a data day coming up with what is not ready — and the partnership's
// return schedule, set by a manager and used by the pass. Each goes to the right people in the right partnership only.
import t from 'tap';
import { insertPartnershipFromSeed, readDemoSeed } from '../../seeds/demo-loader.ts';
import { runReminderPass } from '../../server/features/reminders/pass.ts';
import { buildTestApp, form, signIn, type Session } from '../helpers/app.ts';

const DAY = 24 * 3600 * 1000;
const now = new Date('2026-11-16T09:00:00Z');
const isoDay = (d: unknown) => (d instanceof Date ? d.toISOString().slice(0, 10) : String(d));
const day = (offset: number) => new Date(now.getTime() + offset * DAY).toISOString().slice(0, 10);

t.test('more kinds of notice, and the return schedule', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const idOf = (email: string) => db.selectFrom('app_user').select('id').where('email', '=', email).executeTakeFirstOrThrow().then((r) => r.id);
  const coventry = (await db.selectFrom('partnership').select('id').where('slug', '=', 'coventry').executeTakeFirstOrThrow()).id;
  const other = await db.transaction().execute(async (trx) => insertPartnershipFromSeed(trx, await readDemoSeed(), 'other'));
  const [officer, manager, viewer] = [await idOf('officer@demo.example'), await idOf('manager@demo.example'), await idOf('viewer@demo.example')];
  const hash = (await db.selectFrom('app_user').select('password_hash').where('id', '=', manager).executeTakeFirstOrThrow()).password_hash;
  const addUser = async (email: string, partnershipId: string, role: 'officer' | 'manager') => {
    const id = (await db.insertInto('app_user').values({ email, name: email.split('@')[0]!, password_hash: hash }).returning('id').executeTakeFirstOrThrow()).id;
    await db.insertInto('membership').values({ user_id: id, partnership_id: partnershipId, role }).execute();
    return id;
  };
  const theirOfficer = await addUser('officer@other.example', other, 'officer');
  const theirManager = await addUser('manager@other.example', other, 'manager');
  const noticesOf = (userId: string) => db.selectFrom('reminder').selectAll().where('user_id', '=', userId).orderBy('title').execute();
  const post = (s: Session, url: string, values: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url, headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: form({ _csrf: s.csrf, ...values }) });
  const get = (s: Session, url: string) => app.inject({ method: 'GET', url, headers: { cookie: s.cookie, accept: 'text/html' } });

  await t.test('the return schedule: a manager sets it, with errors shown and nothing half-written', async (t) => {
    const session = await signIn(app, 'manager@demo.example');
    const page = await get(session, '/p/coventry/settings/return-schedule');
    t.equal(page.statusCode, 200);
    t.match(page.body, /value="30"/, 'the default: 30 days');
    t.match(page.body, /is due on <strong>30 October 2026<\/strong>/);
    for (const bad of ['abc', '0', '400', '']) {
      const refused = await post(session, '/p/coventry/settings/return-schedule', { returnDueDays: bad });
      t.equal(refused.statusCode, 400, `“${bad}” refused`);
      t.match(refused.body, /govuk-error-summary/);
      t.match(refused.body, new RegExp(`name="returnDueDays" type="text" inputmode="numeric" spellcheck="false" value="${bad}"`), 'the input is given back');
    }
    t.same(await db.selectFrom('reminder_schedule').selectAll().execute(), [], 'nothing saved');
    const saved = await post(session, '/p/coventry/settings/return-schedule', { returnDueDays: '60' });
    t.equal(saved.statusCode, 303);
    t.match((await get(session, '/p/coventry/settings/return-schedule')).body, /is due on <strong>29 November 2026<\/strong>/);
    const officerSession = await signIn(app, 'officer@demo.example');
    t.equal((await get(officerSession, '/p/coventry/settings/return-schedule')).statusCode, 403, 'officers cannot see it');
    t.equal((await post(officerSession, '/p/coventry/settings/return-schedule', { returnDueDays: '10' })).statusCode, 403, 'nor change it');
    const outsider = await signIn(app, 'manager@other.example', 'demo-manager-pass');
    t.equal((await post(outsider, '/p/coventry/settings/return-schedule', { returnDueDays: '10' })).statusCode >= 400, true, 'another partnership’s manager cannot change it');
    t.equal(Number((await db.selectFrom('reminder_schedule').select('return_due_days').where('partnership_id', '=', coventry).executeTakeFirstOrThrow()).return_due_days), 60);
    const admin = await signIn(app, 'admin@demo.example');
    t.match((await get(admin, '/p/coventry/settings')).body, /href="\/p\/coventry\/settings\/return-schedule"/, 'linked from the settings page');
    t.match((await get(session, '/p/coventry/returns')).body, /href="\/p\/coventry\/settings\/return-schedule"/, 'a manager finds it from the returns page');
    t.notMatch((await get(officerSession, '/p/coventry/returns')).body, /settings\/return-schedule/, 'an officer is not offered it');
  });

  // What the pass will find: failed imports, an old baseline, data days, in both partnerships.
  const addImport = async (partnershipId: string, fileName: string, problems: number, createdAt: Date, status: 'preview' | 'applied' = 'preview') =>
    (await db.insertInto('data_import').values({ partnership_id: partnershipId, kind: 'csv', status, file_name: fileName, summary: { problems, create: 0, update: 0 }, created_at: createdAt }).returning('id').executeTakeFirstOrThrow()).id;
  const failed = await addImport(coventry, 'q2-return.csv', 3, new Date(now.getTime() - DAY));
  await addImport(coventry, 'clean.csv', 0, new Date(now.getTime() - DAY));
  await addImport(coventry, 'ancient.csv', 2, new Date(now.getTime() - 60 * DAY));
  await addImport(coventry, 'applied.csv', 2, new Date(now.getTime() - DAY), 'applied');
  const theirFailed = await addImport(other, 'theirs.csv', 1, new Date(now.getTime() - DAY));
  const oldBaseline = await db
    .selectFrom('baseline')
    .innerJoin('indicator', 'indicator.id', 'baseline.indicator_id')
    .select(['baseline.id', 'indicator.id as indicator_id', 'indicator.title'])
    .where('indicator.partnership_id', '=', coventry)
    .where('indicator.retired_at', 'is', null)
    .orderBy('indicator.code')
    .orderBy('baseline.version', 'desc')
    .executeTakeFirstOrThrow();
  await db.updateTable('baseline').set({ agreed_at: new Date('2023-01-10T12:00:00Z') }).where('id', '=', oldBaseline.id).execute();
  const addDataDay = async (partnershipId: string, title: string, heldOn: string) =>
    (await db.insertInto('data_day').values({ partnership_id: partnershipId, title, held_on: heldOn }).returning('id').executeTakeFirstOrThrow()).id;
  const soonDay = await addDataDay(coventry, 'Winter data day', day(10));
  await addDataDay(coventry, 'Spring data day', day(40));
  const theirDay = await addDataDay(other, 'Their data day', day(5));

  await t.test('the pass: each kind to its audience, in its own partnership', async (t) => {
    await runReminderPass(db, now);
    const officers = await noticesOf(officer);
    t.same(officers.filter((n) => n.kind === 'import_failed').map((n) => n.subject_id), [failed], 'the recent import that failed its checks, not a clean, old or applied one');
    const importNotice = officers.find((n) => n.kind === 'import_failed')!;
    t.equal(importNotice.link, `/p/coventry/imports/${failed}`);
    t.match(importNotice.body, /found 3 problems/);
    const returns = officers.filter((n) => n.kind.startsWith('return_'));
    t.same(returns.map((n) => [n.kind, isoDay(n.due_on)]), [['return_due', '2026-11-29']], 'the return schedule (60 days) makes the Q2 return due, not overdue');

    const managers = await noticesOf(manager);
    const baseline = managers.filter((n) => n.kind === 'baseline_stale');
    t.same(baseline.map((n) => n.subject_id), [oldBaseline.indicator_id], 'the baseline agreed in January 2023 is older than 3 years');
    t.match(baseline[0]!.body, /agreed on 10 January 2023/);
    const days = managers.filter((n) => n.kind === 'data_day_soon');
    t.same(days.map((n) => n.subject_id), [soonDay], 'the data day in 10 days, not the one in 40');
    t.equal(days[0]!.link, `/p/coventry/data-days/${soonDay}`);
    t.match(days[0]!.body, /Not ready yet: .*(no story yet|still provisional)/, 'with what is not ready');
    t.notOk(managers.some((n) => n.kind === 'import_failed'), 'imports go to officers');
    t.notOk(officers.some((n) => n.kind === 'baseline_stale' || n.kind === 'data_day_soon'), 'baselines and data days go to managers');
    t.same(await noticesOf(viewer), [], 'viewers are told nothing');
    t.equal((await runReminderPass(db, new Date(now.getTime() + 3600 * 1000))).queued, 0, 'a second pass queues nothing again');
  });

  await t.test('tenancy over the new kinds', async (t) => {
    const theirs = [...(await noticesOf(theirOfficer)), ...(await noticesOf(theirManager))];
    t.ok(theirs.every((n) => n.partnership_id === other), 'the other partnership’s people hear only of its things');
    t.same((await noticesOf(theirOfficer)).filter((n) => n.kind === 'import_failed').map((n) => n.subject_id), [theirFailed]);
    t.same((await noticesOf(theirManager)).filter((n) => n.kind === 'data_day_soon').map((n) => n.subject_id), [theirDay]);
    const ours = [...(await noticesOf(officer)), ...(await noticesOf(manager))];
    t.notOk(ours.some((n) => n.subject_id === theirFailed || n.subject_id === theirDay), 'Coventry’s people hear nothing of theirs');
    const unmatched = await db
      .selectFrom('reminder')
      .leftJoin('membership', (j) => j.onRef('membership.user_id', '=', 'reminder.user_id').onRef('membership.partnership_id', '=', 'reminder.partnership_id'))
      .select('reminder.id')
      .where('membership.user_id', 'is', null)
      .execute();
    t.same(unmatched, [], 'every notice is to a member of its partnership');
  });

  await t.test('a manager asks an action’s owner what happened', async (t) => {
    const action = (await db.insertInto('action').values({ partnership_id: coventry, title: 'Family hub outreach', owner_id: officer, due_date: day(60), status: 'on_track', created_at: now }).returning('id').executeTakeFirstOrThrow()).id;
    const url = `/p/coventry/actions/${action}/request-update`;
    const session = await signIn(app, 'manager@demo.example');
    const page = await get(session, `/p/coventry/actions/${action}`);
    t.match(page.body, new RegExp(`action="${url}"`), 'managers see the button');
    t.match(page.body, /what happened<\/button>/);
    const officerSession = await signIn(app, 'officer@demo.example');
    t.notMatch((await get(officerSession, `/p/coventry/actions/${action}`)).body, /request-update/, 'officers do not');
    t.equal((await post(officerSession, url)).statusCode, 403, 'nor can they ask');
    const outsider = await signIn(app, 'manager@other.example', 'demo-manager-pass');
    t.ok((await post(outsider, url)).statusCode >= 400, 'another partnership’s manager cannot ask');
    const noCsrf = await app.inject({ method: 'POST', url, headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: '' });
    t.equal(noCsrf.statusCode, 403, 'the button’s form needs its CSRF token');
    t.same((await noticesOf(officer)).filter((n) => n.kind === 'action_update_requested'), [], 'nothing asked yet');

    const asked = await post(session, url);
    t.equal(asked.statusCode, 303);
    t.equal(asked.headers.location, `/p/coventry/actions/${action}`);
    const requests = (await noticesOf(officer)).filter((n) => n.kind === 'action_update_requested');
    t.equal(requests.length, 1, 'the owner is told');
    t.match(requests[0]!.title, /What happened\? Family hub outreach/);
    t.match(requests[0]!.body, /asks what has happened/);
    t.equal(requests[0]!.link, `/p/coventry/actions/${action}`);
    await post(session, url);
    t.equal((await noticesOf(officer)).filter((n) => n.kind === 'action_update_requested').length, 1, 'asking twice in a day tells them once');
    t.match((await get(officerSession, '/notices')).body, /What happened\? Family hub outreach/, 'on the owner’s notices page');
    t.equal((await post(session, `/p/coventry/actions/${theirDay}/request-update`)).statusCode, 404, 'no such action here');
  });
});
