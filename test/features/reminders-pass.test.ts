// Issue 21, items 1–3: the reminder pass finds what is due and queues each notice once, for the right people only
// (a member of one partnership never hears of another's things), and each person's notices page.
import t from 'tap';
import { insertPartnershipFromSeed, readDemoSeed } from '../../seeds/demo-loader.ts';
import { batchAnalysisCount } from '../../server/features/analysis/service.ts';
import { runReminderPass } from '../../server/features/reminders/pass.ts';
import { buildTestApp, form, signIn, type Session } from '../helpers/app.ts';

const DAY = 24 * 3600 * 1000;
const now = new Date('2026-11-16T09:00:00Z');
const day = (offset: number) => new Date(now.getTime() + offset * DAY).toISOString().slice(0, 10);

t.test('the reminder pass and the notices page', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const idOf = (email: string) => db.selectFrom('app_user').select('id').where('email', '=', email).executeTakeFirstOrThrow().then((r) => r.id);
  const coventry = (await db.selectFrom('partnership').select('id').where('slug', '=', 'coventry').executeTakeFirstOrThrow()).id;
  const other = await db.transaction().execute(async (trx) => insertPartnershipFromSeed(trx, await readDemoSeed(), 'other'));
  const [officer, manager, viewer] = [await idOf('officer@demo.example'), await idOf('manager@demo.example'), await idOf('viewer@demo.example')];
  const outsider = (await db.insertInto('app_user').values({ email: 'b@other.example', name: 'B Officer', password_hash: null }).returning('id').executeTakeFirstOrThrow()).id;
  await db.insertInto('membership').values({ user_id: outsider, partnership_id: other, role: 'officer' }).execute();

  const addAction = async (partnershipId: string, title: string, ownerId: string, dueDate: string, createdAt = now) =>
    (await db.insertInto('action').values({ partnership_id: partnershipId, title, owner_id: ownerId, due_date: dueDate, status: 'on_track', created_at: createdAt }).returning('id').executeTakeFirstOrThrow()).id;
  const soon = await addAction(coventry, 'Soon: family hub outreach', officer, day(3));
  const late = await addAction(coventry, 'Late: attendance letters', officer, day(-2));
  const quiet = await addAction(coventry, 'Quiet: mentoring scheme', manager, day(400), new Date(now.getTime() - 100 * DAY));
  const moved = await addAction(coventry, 'Moved: youth clubs', manager, day(400), new Date(now.getTime() - 100 * DAY));
  await db.insertInto('action_update').values({ partnership_id: coventry, action_id: moved, author_id: manager, body: 'Going well', status_from: 'not_started', status_to: 'on_track', created_at: new Date(now.getTime() - 10 * DAY) }).execute();
  // The other partnership's action, owned by its own officer.
  const theirs = await addAction(other, 'Other: their own overdue action', outsider, day(-2));

  const first = await runReminderPass(db, now);
  t.ok(first.queued > 5, `${first.queued} notices queued`);
  const noticesOf = (userId: string) => db.selectFrom('reminder').selectAll().where('user_id', '=', userId).orderBy('title').execute();

  t.test('owners hear of their actions: due soon, overdue, unchanged for 90 days', async (t) => {
    const mine = await noticesOf(officer);
    const about = (id: string) => mine.filter((n) => n.subject_id === id).map((n) => n.kind);
    t.same(about(soon), ['action_due_soon']);
    t.same(about(late), ['action_overdue']);
    const managers = await noticesOf(manager);
    t.same(managers.filter((n) => n.subject_id === quiet).map((n) => n.kind), ['action_stale']);
    t.same(managers.filter((n) => n.subject_id === moved), [], 'a status changed 10 days ago is not stale');
    const lateNotice = mine.find((n) => n.subject_id === late)!;
    t.equal(lateNotice.link, `/p/coventry/actions/${late}`);
    t.match(lateNotice.body, /was due on 14 November 2026/);
  });

  t.test('officers hear of the return due; managers of curves and stories; viewers of nothing', async (t) => {
    const returns = (await noticesOf(officer)).filter((n) => n.kind.startsWith('return_'));
    t.equal(returns.length, 1, 'one return notice for the period due');
    t.equal(returns[0]!.kind, 'return_overdue', 'Q2 ended 30 September; due 30 October');
    t.equal(returns[0]!.occasion, 'fy_quarter:2026-27-Q2');
    t.match(returns[0]!.link, /^\/p\/coventry\/returns\?period=fy_quarter%3A2026-27-Q2$/);
    const managers = await noticesOf(manager);
    t.ok(managers.some((n) => n.kind === 'status_changed' && /Persistent absence: turning/.test(n.title)), 'a curve that turned with its latest figure');
    t.ok(managers.some((n) => n.kind === 'story_stale' && /Re-referrals/.test(n.title)), 'a story older than the latest figure');
    t.notOk(managers.some((n) => n.kind.startsWith('return_')), 'returns go to officers');
    t.notOk((await noticesOf(officer)).some((n) => n.kind === 'status_changed' || n.kind === 'story_stale'), 'curves and stories go to managers');
    t.same(await noticesOf(viewer), [], 'a viewer owns nothing and is told nothing');
  });

  t.test('tenancy: nobody hears of a partnership they are not a member of', async (t) => {
    t.ok((await noticesOf(officer)).every((n) => n.partnership_id === coventry), 'Coventry’s officer: only Coventry');
    const outsiders = await noticesOf(outsider);
    t.ok(outsiders.length >= 1, 'the other partnership’s officer hears of its return');
    t.ok(outsiders.every((n) => n.partnership_id === other), '… and only of its things');
    t.same(outsiders.filter((n) => n.subject_id === theirs).map((n) => n.kind), ['action_overdue']);
    t.same((await db.selectFrom('reminder').select('user_id').where('subject_id', '=', theirs).execute()).map((r) => r.user_id), [outsider], 'only its owner hears of it');
    const unmatched = await db
      .selectFrom('reminder')
      .leftJoin('membership', (j) => j.onRef('membership.user_id', '=', 'reminder.user_id').onRef('membership.partnership_id', '=', 'reminder.partnership_id'))
      .select('reminder.id')
      .where('membership.user_id', 'is', null)
      .execute();
    t.same(unmatched, [], 'every notice is to a member of its partnership');
  });

  t.test('a second pass queues nothing new; a later one tells of what has changed', async (t) => {
    const judged = batchAnalysisCount.indicators;
    t.equal((await runReminderPass(db, now)).queued, 0);
    t.equal((await runReminderPass(db, new Date(now.getTime() + 3600 * 1000))).queued, 0, 'an hour later, still nothing new');
    t.equal(batchAnalysisCount.indicators, judged, 'no curve is judged again while the figures have not changed');
    await runReminderPass(db, new Date(now.getTime() + 5 * DAY));
    t.same((await noticesOf(officer)).filter((n) => n.subject_id === soon).map((n) => n.kind).sort(), ['action_due_soon', 'action_overdue'], 'the due-soon action is now overdue');
  });

  t.test('the notices page: unread count, opening marks read, dismiss', async (t) => {
    const session = await signIn(app, 'officer@demo.example');
    const get = (url: string, s: Session = session) => app.inject({ method: 'GET', url, headers: { cookie: s.cookie, accept: 'text/html' } });
    const unread = (await noticesOf(officer)).length;
    const home = await get('/');
    t.match(home.body, new RegExp(`href="/notices">Notices <span class="ttc-header__count">\\(${unread}<span class="govuk-visually-hidden"> unread`), 'the header counts unread notices');

    const page = await get('/notices');
    t.equal(page.statusCode, 200);
    t.match(page.body, /Late: attendance letters/);
    t.notMatch(page.body, /Persistent absence/, 'not the manager’s notices');

    const lateNotice = (await noticesOf(officer)).find((n) => n.subject_id === late && n.kind === 'action_overdue')!;
    const opened = await get(`/notices/${lateNotice.id}`);
    t.equal(opened.statusCode, 303);
    t.equal(opened.headers.location, `/p/coventry/actions/${late}`);
    t.ok((await db.selectFrom('reminder').select('read_at').where('id', '=', lateNotice.id).executeTakeFirstOrThrow()).read_at, 'marked read');
    t.match((await get('/')).body, new RegExp(`\\(${unread - 1}<span`), 'one fewer unread');

    const managersNotice = (await noticesOf(manager))[0]!;
    t.equal((await get(`/notices/${managersNotice.id}`)).statusCode, 404, 'someone else’s notice: not found');
    t.equal((await app.inject({ method: 'POST', url: `/notices/${managersNotice.id}/dismiss`, headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ _csrf: session.csrf }) })).statusCode, 404);

    const noCsrf = await app.inject({ method: 'POST', url: `/notices/${lateNotice.id}/dismiss`, headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: form({}) });
    t.equal(noCsrf.statusCode, 403, 'dismissing needs the form’s CSRF token');
    const dismissed = await app.inject({ method: 'POST', url: `/notices/${lateNotice.id}/dismiss`, headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: form({ _csrf: session.csrf }) });
    t.equal(dismissed.statusCode, 303);
    const after = await get('/notices');
    t.match(after.body, /Notice dismissed/);
    t.notMatch(after.body, /Late: attendance letters/);

    const anonymous = await app.inject({ method: 'GET', url: '/notices', headers: { accept: 'text/html' } });
    t.equal(anonymous.statusCode, 303, 'signed out: sign in first');
  });

  t.test('a notice whose page needs a role the person no longer has is not shown', async (t) => {
    const returnNotice = (await noticesOf(outsider)).find((n) => n.kind.startsWith('return_'))!;
    await db.updateTable('membership').set({ role: 'viewer' }).where('user_id', '=', outsider).execute();
    await db.updateTable('app_user').set({ password_hash: (await db.selectFrom('app_user').select('password_hash').where('id', '=', officer).executeTakeFirstOrThrow()).password_hash }).where('id', '=', outsider).execute();
    const session = await signIn(app, 'b@other.example', 'demo-officer-pass');
    const list = await app.inject({ method: 'GET', url: '/notices', headers: { cookie: session.cookie, accept: 'text/html' } });
    t.notMatch(list.body, /Return (due|overdue)/);
    t.equal((await app.inject({ method: 'GET', url: `/notices/${returnNotice.id}`, headers: { cookie: session.cookie, accept: 'text/html' } })).statusCode, 404);
  });
});
