// Issue 21, items 4–5: notices by email, each exactly once even with two workers at once, a worker killed between
// claiming and sending, or a mail server that refuses; one-click unsubscribe per kind; preferences; the weekly digest.
// A real SMTP server on loopback receives the messages.
import t from 'tap';
import { openDatabase } from '../../server/db/database.ts';
import { createMailer } from '../../server/features/reminders/mail.ts';
import { runReminderPass } from '../../server/features/reminders/pass.ts';
import { deliverEmails } from '../../server/features/reminders/send.ts';
import { buildTestApp, form, signIn } from '../helpers/app.ts';
import { startSmtp } from '../helpers/smtp.ts';

const DAY = 24 * 3600 * 1000;
const MINUTE = 60 * 1000;
const now = new Date('2026-11-16T09:00:00Z'); // a Monday
const later = (ms: number) => new Date(now.getTime() + ms);
const PUBLIC = 'https://tracker.example.org';

t.test('notices by email', async (t) => {
  const smtp = await startSmtp(t);
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const mailConfig = { SMTP_URL: smtp.url, MAIL_FROM: 'Turning the Curve <tracker@example.org>', PUBLIC_URL: PUBLIC, PORT: 3000 };
  const mailer = createMailer(mailConfig)!;
  const secondMailer = createMailer(mailConfig)!;
  t.teardown(() => {
    mailer.close();
    secondMailer.close();
  });
  // A second instance: on PostgreSQL its own connections to the same database; on PGlite the same engine.
  const second = database.url ? await openDatabase({ databaseUrl: database.url, poolSize: 3 }) : null;
  if (second) t.teardown(() => second.close());
  const secondDb = second?.db ?? db;

  const idOf = (email: string) => db.selectFrom('app_user').select('id').where('email', '=', email).executeTakeFirstOrThrow().then((r) => r.id);
  const coventry = (await db.selectFrom('partnership').select('id').where('slug', '=', 'coventry').executeTakeFirstOrThrow()).id;
  const officer = await idOf('officer@demo.example');
  const manager = await idOf('manager@demo.example');
  const addAction = async (title: string, ownerId: string, dueInDays: number) =>
    (await db.insertInto('action').values({ partnership_id: coventry, title, owner_id: ownerId, due_date: later(dueInDays * DAY).toISOString().slice(0, 10), status: 'on_track', created_at: now }).returning('id').executeTakeFirstOrThrow()).id;
  const to = (email: string) => smtp.received.filter((m) => m.to.includes(email));

  const late = await addAction('Late: attendance letters', officer, -2);

  t.test('two instances run the pass at once: every notice arrives once, with its message id recorded', async (t) => {
    const [a, b] = await Promise.all([runReminderPass(db, now, { mailer }), runReminderPass(secondDb, now, { mailer: secondMailer })]);
    const sent = await db.selectFrom('reminder').select(['id', 'email_state', 'email_message_id', 'user_id']).where('email_state', '=', 'sent').execute();
    t.ok(sent.length >= 5, `${sent.length} notices emailed`);
    t.equal(a.sent + b.sent, sent.length, 'between them the two workers sent every notice');
    t.equal(smtp.received.length, sent.length, 'one email per notice');
    const ids = smtp.received.map((m) => m.header('Message-ID'));
    t.equal(new Set(ids).size, ids.length, 'no message twice');
    t.same(new Set(sent.map((r) => r.email_message_id)), new Set(ids), 'the message id of each is recorded');
    t.same(await db.selectFrom('reminder').select('id').where('email_state', 'in', ['pending', 'sending']).execute(), []);
    t.equal((await runReminderPass(db, later(MINUTE), { mailer })).sent, 0, 'a later pass sends nothing again');
  });

  t.test('the email: recipient, subject, link to the thing, one-click unsubscribe, nothing from other sites', async (t) => {
    const notice = await db.selectFrom('reminder').select(['id']).where('subject_id', '=', late).where('kind', '=', 'action_overdue').executeTakeFirstOrThrow();
    const message = to('officer@demo.example').find((m) => m.text.includes(`${PUBLIC}/notices/${notice.id}`));
    t.ok(message, 'sent to the action’s owner, linking to the notice');
    t.equal(message!.header('Subject'), 'Overdue: Late: attendance letters');
    t.match(message!.header('From')!, /tracker@example\.org/);
    t.match(message!.raw, /Content-Type: text\/plain/);
    t.match(message!.raw, /Content-Type: text\/html/);
    t.match(message!.header('List-Unsubscribe')!, new RegExp(`^<${PUBLIC}/notices/unsubscribe/${officer}/action_overdue/[A-Za-z0-9_-]{43}>$`));
    t.equal(message!.header('List-Unsubscribe-Post'), 'List-Unsubscribe=One-Click');
    t.notMatch(message!.text, /<img/i, 'no images');
    const addresses = [...message!.text.matchAll(/https?:\/\/[^\s"<>]+/g)].map((m) => m[0]);
    t.ok(addresses.every((a) => a.startsWith(PUBLIC)), 'every link is to the tracker (no tracking)');
    t.equal(to('viewer@demo.example').length, 0, 'a viewer is sent nothing');
  });

  t.test('one-click unsubscribe stops that kind, and only that kind', async (t) => {
    const message = to('officer@demo.example').find((m) => m.header('Subject')?.startsWith('Overdue:'))!;
    const url = new URL(message.header('List-Unsubscribe')!.slice(1, -1));
    const forged = await app.inject({ method: 'POST', url: url.pathname.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')), headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' });
    t.equal(forged.statusCode, 404, 'a link not signed by us does nothing');
    const page = await app.inject({ method: 'GET', url: url.pathname, headers: { accept: 'text/html' } });
    t.equal(page.statusCode, 200);
    t.match(page.body, /Stop these emails/);
    // What a mail client does (RFC 8058): a POST with no cookie and no CSRF token.
    const oneClick = await app.inject({ method: 'POST', url: url.pathname, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' });
    t.equal(oneClick.statusCode, 200);
    t.match(oneClick.body, /Emails stopped/);

    const before = smtp.received.length;
    const another = await addAction('Another late one', officer, -3);
    const soon = await addAction('Due this week', officer, 3);
    await runReminderPass(db, later(2 * MINUTE), { mailer });
    t.ok(await db.selectFrom('reminder').select('id').where('subject_id', '=', another).executeTakeFirst(), 'the notice is still in the app');
    const fresh = smtp.received.slice(before);
    t.notOk(fresh.some((m) => m.text.includes('Another late one')), 'but no email for an overdue action');
    t.ok(fresh.some((m) => m.header('Subject') === 'Due soon: Due this week'), 'other kinds still come');
    t.ok(soon);
  });

  t.test('a worker killed between claiming and sending: its notice is sent once, after the lease', async (t) => {
    const action = await addAction('Killed mid-send', manager, -1);
    // Queued by a pass with no mailer, then marked for email: the next delivery claims it.
    await runReminderPass(db, later(3 * MINUTE));
    await db.updateTable('reminder').set({ email_state: 'pending' }).where('subject_id', '=', action).execute();
    await t.rejects(deliverEmails(db, mailer, later(3 * MINUTE), { afterClaim: () => { throw new Error('killed'); } }), /killed/);
    const claimed = await db.selectFrom('reminder').select(['email_state', 'email_attempts']).where('subject_id', '=', action).executeTakeFirstOrThrow();
    t.equal(claimed.email_state, 'sending', 'left claimed');
    await runReminderPass(db, later(4 * MINUTE), { mailer });
    t.equal(smtp.received.filter((m) => m.text.includes('Killed mid-send')).length, 0, 'another worker leaves it alone while the claim is fresh');
    await runReminderPass(db, later(15 * MINUTE), { mailer });
    await runReminderPass(secondDb, later(16 * MINUTE), { mailer: secondMailer });
    t.equal(smtp.received.filter((m) => m.text.includes('Killed mid-send')).length, 1, 'sent once after the lease ran out');
  });

  t.test('a mail server that refuses: retried later, shown to site admins, never lost', async (t) => {
    const action = await addAction('Refused at first', manager, -1);
    smtp.refuse = true;
    const failed = await runReminderPass(db, later(20 * MINUTE), { mailer });
    smtp.refuse = false;
    t.equal(failed.failed, 1);
    const row = await db.selectFrom('reminder').select(['email_state', 'email_error', 'email_next_at', 'email_attempts']).where('subject_id', '=', action).executeTakeFirstOrThrow();
    t.equal(row.email_state, 'pending');
    t.match(row.email_error, /Mailbox unavailable/);
    t.ok(row.email_next_at! > later(20 * MINUTE), 'tried again later');

    const admin = await signIn(app, 'admin@demo.example');
    const page = await app.inject({ method: 'GET', url: '/admin/notices', headers: { cookie: admin.cookie, accept: 'text/html' } });
    t.equal(page.statusCode, 200);
    t.match(page.body, /Overdue: Refused at first/);
    t.match(page.body, /Mailbox unavailable/);
    const managerSession = await signIn(app, 'manager@demo.example');
    t.equal((await app.inject({ method: 'GET', url: '/admin/notices', headers: { cookie: managerSession.cookie, accept: 'text/html' } })).statusCode, 403, 'site admins only');

    t.equal((await runReminderPass(db, later(20 * MINUTE + 10_000), { mailer })).sent, 0, 'not before its time');
    t.equal((await runReminderPass(db, later(25 * MINUTE), { mailer })).sent, 1, 'sent at the next try');
    t.equal(smtp.received.filter((m) => m.header('Subject') === 'Overdue: Refused at first').length, 1);
    const cleared = await app.inject({ method: 'GET', url: '/admin/notices', headers: { cookie: admin.cookie, accept: 'text/html' } });
    t.match(cleared.body, /data-testid="no-problems"/);
  });

  t.test('preferences: a GOV.UK form; digest only and off are respected', async (t) => {
    const session = await signIn(app, 'manager@demo.example');
    const page = await app.inject({ method: 'GET', url: '/notices/preferences', headers: { cookie: session.cookie, accept: 'text/html' } });
    t.equal(page.statusCode, 200);
    t.match(page.body, /id="action_overdue-email" name="action_overdue" type="radio" value="email" aria-describedby="action_overdue-email-hint" checked/);
    t.match(page.body, /id="digest-email" name="digest" type="radio" value="email" checked/, 'a manager has the digest by default');
    const values = { _csrf: session.csrf, action_due_soon: 'email', action_overdue: 'digest', action_stale: 'off', return_due: 'email', return_overdue: 'email', status_changed: 'email', story_stale: 'bogus', action_update_requested: 'email', import_failed: 'email', baseline_stale: 'email', data_day_soon: 'email', digest: 'email' };
    const bad = await app.inject({ method: 'POST', url: '/notices/preferences', headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: form(values) });
    t.equal(bad.statusCode, 400);
    t.match(bad.body, /There is a problem/);
    t.match(bad.body, /href="#story_stale-email"/);
    t.match(bad.body, /id="action_overdue-digest" name="action_overdue" type="radio" value="digest" aria-describedby="action_overdue-digest-hint" checked/, 'the choices are kept');
    t.same(await db.selectFrom('reminder_preference').select('kind').where('user_id', '=', manager).execute(), [], 'nothing half-saved');
    const good = await app.inject({ method: 'POST', url: '/notices/preferences', headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: form({ ...values, story_stale: 'email' }) });
    t.equal(good.statusCode, 303);

    const before = smtp.received.length;
    const action = await addAction('Digest-only overdue', manager, -1);
    await runReminderPass(db, later(30 * MINUTE), { mailer });
    t.equal((await db.selectFrom('reminder').select('email_state').where('subject_id', '=', action).executeTakeFirstOrThrow()).email_state, 'digest');
    t.notOk(smtp.received.slice(before).some((m) => m.text.includes('Digest-only overdue')), 'not emailed on its own');
  });

  t.test('the weekly digest: one email a week, to managers by default, with the week’s notices', async (t) => {
    const monday = later(7 * DAY);
    await runReminderPass(db, monday, { mailer });
    await runReminderPass(secondDb, later(7 * DAY + MINUTE), { mailer: secondMailer });
    const digests = smtp.received.filter((m) => m.header('Subject')?.startsWith('Your weekly digest'));
    t.same(digests.map((m) => m.to[0]), ['manager@demo.example'], 'one digest, to the manager (the officer did not opt in)');
    const digest = digests[0]!;
    t.match(digest.text, /Digest-only overdue/, 'it lists the digest-only notice');
    t.match(digest.text, /Persistent absence/, 'and what turned');
    t.match(digest.header('List-Unsubscribe')!, new RegExp(`/notices/unsubscribe/${manager}/digest/`));
    const unsubscribe = new URL(digest.header('List-Unsubscribe')!.slice(1, -1));
    t.equal((await app.inject({ method: 'POST', url: unsubscribe.pathname, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' })).statusCode, 200);
    await addAction('Next week’s', manager, -1);
    await runReminderPass(db, later(8 * DAY), { mailer });
    await runReminderPass(db, later(14 * DAY), { mailer });
    t.equal(smtp.received.filter((m) => m.header('Subject')?.startsWith('Your weekly digest')).length, 1, 'no digest after unsubscribing');
  });
});
