// Issue 21: email addresses are verified before any notice is emailed. An unverified person's notices stay in the app,
// they get one signed link (when they first would get an email, or from their preferences page), and once they follow
// it their notices are emailed. Addresses on reserved domains (the demo's) and people who set their password from an
// emailed link count as verified. A real SMTP server on loopback receives the messages.
import t from 'tap';
import { hashPassword } from '../../server/features/auth/passwords.ts';
import { createMailer } from '../../server/features/reminders/mail.ts';
import { runReminderPass } from '../../server/features/reminders/pass.ts';
import { buildTestApp, csrfFrom, form, signIn } from '../helpers/app.ts';
import { startSmtp } from '../helpers/smtp.ts';

const DAY = 24 * 3600 * 1000;
const now = new Date('2026-11-16T09:00:00Z');
const later = (ms: number) => new Date(now.getTime() + ms);
const PUBLIC = 'https://tracker.example.org';

t.test('verified addresses before email', async (t) => {
  const smtp = await startSmtp(t);
  const { app, database } = await buildTestApp(t, 'demo', { SMTP_URL: smtp.url, MAIL_FROM: 'Turning the Curve <tracker@example.org>', PUBLIC_URL: PUBLIC });
  const db = database.db;
  const mailer = createMailer({ SMTP_URL: smtp.url, MAIL_FROM: 'Turning the Curve <tracker@example.org>', PUBLIC_URL: PUBLIC, PORT: 3000 })!;
  t.teardown(() => mailer.close());
  const coventry = (await db.selectFrom('partnership').select('id').where('slug', '=', 'coventry').executeTakeFirstOrThrow()).id;
  const addUser = async (email: string, name: string) => {
    const id = (await db.insertInto('app_user').values({ email, name, password_hash: await hashPassword('a long test password 1') }).returning('id').executeTakeFirstOrThrow()).id;
    await db.insertInto('membership').values({ user_id: id, partnership_id: coventry, role: 'viewer' }).execute();
    return id;
  };
  const sam = await addUser('sam.jones@coventry.gov.uk', 'Sam Jones');
  const kim = await addUser('kim.lee@coventry.gov.uk', 'Kim Lee');
  const addAction = async (title: string, ownerId: string) =>
    db.insertInto('action').values({ partnership_id: coventry, title, owner_id: ownerId, due_date: '2026-11-10', status: 'on_track', created_at: now }).execute();
  await addAction('Late: Sam’s attendance letters', sam);
  const to = (email: string) => smtp.received.filter((m) => m.to.includes(email));

  await t.test('an unverified person gets one link, not the notice; the notice stays in the app', async (t) => {
    await runReminderPass(db, now, { mailer });
    const mine = await db.selectFrom('reminder').select(['title', 'email_state']).where('user_id', '=', sam).execute();
    t.same(mine.map((r) => r.email_state), ['none'], 'the overdue notice is not emailed');
    const got = to('sam.jones@coventry.gov.uk');
    t.equal(got.length, 1, 'one email: the link');
    t.match(got[0]!.text, /Confirm your email address/);
    t.match(got[0]!.text, new RegExp(`${PUBLIC}/notices/verify/${sam}/[A-Za-z0-9_-]{43}`));
    t.notMatch(got[0]!.text, /attendance letters/, 'no item titles before the address is confirmed');
    t.ok(to('officer@demo.example').length > 0, 'demo accounts (reserved domain) are emailed as before');
    await addAction('Late: Sam’s second action', sam);
    await runReminderPass(db, later(60_000), { mailer });
    t.equal(to('sam.jones@coventry.gov.uk').length, 1, 'a second notice sends no second link');

    const session = await signIn(app, 'sam.jones@coventry.gov.uk', 'a long test password 1');
    const page = await app.inject({ method: 'GET', url: '/notices/preferences', headers: { cookie: session.cookie } });
    t.match(page.body, /sam\.jones@coventry\.gov\.uk<\/span>|sam\.jones@coventry\.gov\.uk, is not confirmed yet/, 'the preferences page says why');
    t.match(page.body, /stay here in the app/);
    t.match(page.body, /Send me a verification link/);
    const notices = await app.inject({ method: 'GET', url: '/notices', headers: { cookie: session.cookie } });
    t.match(notices.body, /attendance letters/, 'the notice is on the notices page');
  });

  await t.test('a wrong or forged link does nothing; the right one verifies, and later notices are emailed', async (t) => {
    const link = /\/notices\/verify\/[^\s"<]+/.exec(to('sam.jones@coventry.gov.uk')[0]!.text)![0];
    const forged = link.replace(sam, kim);
    t.equal((await app.inject({ method: 'GET', url: forged })).statusCode, 404, 'Sam’s signature does not verify Kim');
    t.equal((await app.inject({ method: 'GET', url: `/notices/verify/${sam}/${'A'.repeat(43)}` })).statusCode, 404);
    const followed = await app.inject({ method: 'GET', url: link });
    t.equal(followed.statusCode, 200);
    t.match(followed.body, /Email address confirmed/);
    await addAction('Late: Sam’s third action', sam);
    await runReminderPass(db, later(120_000), { mailer });
    const got = to('sam.jones@coventry.gov.uk');
    t.equal(got.length, 2);
    t.match(got[1]!.text, /third action/, 'the new notice is emailed once the address is confirmed');
    const session = await signIn(app, 'sam.jones@coventry.gov.uk', 'a long test password 1');
    const page = await app.inject({ method: 'GET', url: '/notices/preferences', headers: { cookie: session.cookie } });
    t.notMatch(page.body, /Send me a verification link/);
    t.match(page.body, /go to sam\.jones@coventry\.gov\.uk/);

    await db.updateTable('app_user').set({ email: 'sam.j@coventry.gov.uk' }).where('id', '=', sam).execute();
    t.equal((await app.inject({ method: 'GET', url: link })).statusCode, 404, 'the link is for the old address only');
    const after = await app.inject({ method: 'GET', url: '/notices/preferences', headers: { cookie: session.cookie } });
    t.match(after.body, /sam\.j@coventry\.gov\.uk, is not confirmed yet/, 'a changed address needs confirming again');
  });

  await t.test('asking for a link from the preferences page', async (t) => {
    const session = await signIn(app, 'kim.lee@coventry.gov.uk', 'a long test password 1');
    const page = await app.inject({ method: 'GET', url: '/notices/preferences', headers: { cookie: session.cookie } });
    const ask = () => app.inject({ method: 'POST', url: '/notices/preferences/verify', headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ _csrf: csrfFrom(page.body) }) });
    const first = await ask();
    t.equal(first.statusCode, 303);
    t.equal(to('kim.lee@coventry.gov.uk').length, 1, 'the link is sent');
    const again = await ask();
    t.equal(again.statusCode, 400, 'not twice within two minutes');
    t.match(again.body, /could not be sent just now/);
    t.equal(to('kim.lee@coventry.gov.uk').length, 1);
    const noCsrf = await app.inject({ method: 'POST', url: '/notices/preferences/verify', headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: '' });
    t.equal(noCsrf.statusCode, 403, 'the form needs its CSRF token');
    t.equal((await app.inject({ method: 'POST', url: '/notices/preferences/verify', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '' })).statusCode >= 300, true, 'signed out: no link');
    t.equal(to('kim.lee@coventry.gov.uk').length, 1);
  });

  await t.test('a password set from an emailed one-time link counts as verified', async (t) => {
    await db.insertInto('set_password_link').values({ token_hash: 'x'.repeat(64), user_id: kim, expires_at: later(DAY), used_at: now }).execute();
    await addAction('Late: Kim’s action', kim);
    await runReminderPass(db, later(180_000), { mailer });
    t.ok(to('kim.lee@coventry.gov.uk').some((m) => /Kim.{1,4}s action/.test(m.text)), 'emailed');
  });
});
