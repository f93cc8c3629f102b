// A person's sessions and tokens on their account page, each of which they can end; a password change ends every
// other session; passwords on the common-password list are refused wherever a password is set; and what a
// signed-in person is sent is never kept by a cache.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { createApiToken, createSetPasswordLink } from '../../server/features/accounts/queries.ts';
import { buildTestApp, cookiesFrom, csrfFrom, form, signIn } from '../helpers/app.ts';
import { addPerson } from './helpers/people.ts';

const EMAIL = 'person@example.org';
const PASSWORD = 'a perfectly good long phrase';
const root = fileURLToPath(new URL('../..', import.meta.url));

async function signInWith(app: Parameters<typeof signIn>[0], userAgent: string) {
  const page = await app.inject({ method: 'GET', url: '/sign-in', headers: { 'user-agent': userAgent } });
  let cookie = cookiesFrom(page);
  const res = await app.inject({
    method: 'POST',
    url: '/sign-in',
    headers: { cookie, 'user-agent': userAgent, 'content-type': 'application/x-www-form-urlencoded' },
    payload: form({ _csrf: csrfFrom(page.body), email: EMAIL, password: PASSWORD }),
  });
  cookie = cookiesFrom(res, cookie);
  const account = await app.inject({ method: 'GET', url: '/account', headers: { cookie } });
  return { cookie, csrf: csrfFrom(account.body) };
}

t.test('the account page lists sessions; any one can be ended; changing the password ends the others', async (t) => {
  const { app, database } = await buildTestApp(t, 'empty');
  await addPerson(database.db, EMAIL, PASSWORD);
  const laptop = await signInWith(app, 'Laptop Browser/1.0');
  const phone = await signInWith(app, 'Phone Browser/2.0');
  const tablet = await signInWith(app, 'Tablet Browser/3.0');

  const page = await app.inject({ method: 'GET', url: '/account', headers: { cookie: laptop.cookie } });
  t.equal(page.statusCode, 200);
  const rows = page.body.split('data-testid="session"').slice(1);
  t.equal(rows.length, 3, 'three sessions listed');
  const laptopRow = rows.find((r) => r.includes('Laptop Browser/1.0'))!;
  t.match(laptopRow, /This browser/, 'the one in use is marked');
  t.notMatch(rows.find((r) => r.includes('Phone Browser/2.0'))!, /This browser/);
  const phoneId = /action="\/account\/sessions\/([0-9a-f-]{36})\/end"/.exec(rows.find((r) => r.includes('Phone Browser/2.0'))!)![1]!;

  // Ending one takes a form from this site (CSRF), and only ever one of your own.
  const forged = await app.inject({ method: 'POST', url: `/account/sessions/${phoneId}/end`, headers: { cookie: laptop.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({}) });
  t.equal(forged.statusCode, 403, 'no CSRF token: refused');
  const other = await addPerson(database.db, 'other@example.org', PASSWORD);
  t.ok(other);
  const stranger = await signIn(app, 'other@example.org', PASSWORD);
  const notTheirs = await app.inject({ method: 'POST', url: `/account/sessions/${phoneId}/end`, headers: { cookie: stranger.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ _csrf: stranger.csrf }) });
  t.equal(notTheirs.statusCode, 404, 'someone else’s session: not found');
  t.equal((await app.inject({ method: 'GET', url: '/account', headers: { cookie: phone.cookie } })).statusCode, 200, 'the phone is still signed in');

  const ended = await app.inject({ method: 'POST', url: `/account/sessions/${phoneId}/end`, headers: { cookie: laptop.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ _csrf: laptop.csrf }) });
  t.equal(ended.statusCode, 303);
  t.equal((await app.inject({ method: 'GET', url: '/account', headers: { cookie: phone.cookie } })).statusCode, 303, 'the phone is signed out');
  const audit = await database.db.selectFrom('security_event').select('detail').where('kind', '=', 'session_ended').execute();
  t.same(audit.map((e) => e.detail), [{ sessionId: phoneId }], 'in the audit log');

  // Changing the password: this browser stays signed in, every other one is signed out.
  const changed = await app.inject({
    method: 'POST',
    url: '/account/password',
    headers: { cookie: laptop.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: form({ _csrf: laptop.csrf, current: PASSWORD, password: 'another good long phrase', confirm: 'another good long phrase' }),
  });
  t.equal(changed.statusCode, 303);
  const laptopAfter = cookiesFrom(changed, laptop.cookie);
  t.equal((await app.inject({ method: 'GET', url: '/account', headers: { cookie: laptopAfter } })).statusCode, 200, 'this browser carries on');
  t.equal((await app.inject({ method: 'GET', url: '/account', headers: { cookie: tablet.cookie } })).statusCode, 303, 'the tablet is signed out');
  t.equal((await app.inject({ method: 'GET', url: '/account', headers: { cookie: laptop.cookie } })).statusCode, 303, 'and the laptop’s old session id is worth nothing');

  // Ending the session in use is signing out.
  const mine = await app.inject({ method: 'GET', url: '/account', headers: { cookie: laptopAfter } });
  const myRows = mine.body.split('data-testid="session"').slice(1);
  t.equal(myRows.length, 1);
  const myId = /action="\/account\/sessions\/([0-9a-f-]{36})\/end"/.exec(myRows[0]!)![1]!;
  const out = await app.inject({ method: 'POST', url: `/account/sessions/${myId}/end`, headers: { cookie: laptopAfter, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ _csrf: csrfFrom(mine.body) }) });
  t.equal(out.headers.location, '/sign-in');
  t.equal((await app.inject({ method: 'GET', url: '/account', headers: { cookie: laptopAfter } })).statusCode, 303);
});

t.test('API tokens are listed with when they were made and last used, and can be revoked', async (t) => {
  const { app, database } = await buildTestApp(t, 'empty');
  const userId = await addPerson(database.db, EMAIL, PASSWORD);
  const token = await createApiToken(database.db, userId, 'nightly upload', false);
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token.token}` } })).statusCode, 200);
  const session = await signIn(app, EMAIL, PASSWORD);
  const page = await app.inject({ method: 'GET', url: '/account', headers: { cookie: session.cookie } });
  t.match(page.body, /nightly upload/);
  t.notMatch(page.body, /nightly upload[\s\S]*?never<\/td>/, 'its last use is shown');
  const revoke = await app.inject({ method: 'POST', url: `/account/tokens/${token.id}/revoke`, headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ _csrf: session.csrf }) });
  t.equal(revoke.statusCode, 303);
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token.token}` } })).statusCode, 401);
  t.equal((await database.db.selectFrom('security_event').select('id').where('kind', '=', 'token_revoked').execute()).length, 1, 'audited');
});

t.test('a commonly used password is refused wherever a password is set', async (t) => {
  const { app, database } = await buildTestApp(t, 'empty');
  const userId = await addPerson(database.db, EMAIL, PASSWORD);
  const common = ['qwerasdfzxcv', 'QwerAsdfZxcv', '1q2w3e4r5t6y', 'LeaveMeAlone', 'Administrator'];

  // The set-password link page.
  const link = `/set-password/${await createSetPasswordLink(database.db, userId)}`;
  const linkPage = await app.inject({ method: 'GET', url: link });
  const anon = cookiesFrom(linkPage);
  for (const password of common) {
    const res = await app.inject({ method: 'POST', url: link, headers: { cookie: anon, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ _csrf: csrfFrom(linkPage.body), password, confirm: password }) });
    t.equal(res.statusCode, 400, `set-password link: ${password} refused`);
    t.match(res.body, /commonly used passwords/);
  }

  // Changing one's password.
  const session = await signIn(app, EMAIL, PASSWORD);
  const change = await app.inject({
    method: 'POST',
    url: '/account/password',
    headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: form({ _csrf: session.csrf, current: PASSWORD, password: '1q2w3e4r5t6y', confirm: '1q2w3e4r5t6y' }),
  });
  t.equal(change.statusCode, 400);
  t.match(change.body, /commonly used passwords/);
  const notCommon = await app.inject({
    method: 'POST',
    url: '/account/password',
    headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: form({ _csrf: session.csrf, current: PASSWORD, password: 'otters juggle marmalade', confirm: 'otters juggle marmalade' }),
  });
  t.equal(notCommon.statusCode, 303, 'an uncommon one is taken');

  // The command line.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ttc-common-password-'));
  t.teardown(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const run = await new Promise<{ status: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', 'user', 'create', '--email', 'cli@example.org', '--name', 'C', '--password-stdin'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', DATA_DIR: path.join(dataDir, 'db') },
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr }));
    child.stdin.end('finalfantasy\n');
  });
  t.not(run.status, 0, 'the CLI refuses it');
  t.match(run.stderr, /commonly used passwords/);
});

t.test('what a signed-in person is sent is never stored by a cache', async (t) => {
  const { app, database } = await buildTestApp(t, 'empty');
  const userId = await addPerson(database.db, EMAIL, PASSWORD);
  const session = await signIn(app, EMAIL, PASSWORD);
  for (const url of ['/account', '/', '/sign-in']) {
    const res = await app.inject({ method: 'GET', url, headers: { cookie: session.cookie } });
    t.equal(res.headers['cache-control'], 'no-store', `${url} (${res.statusCode}), signed in`);
  }
  const token = await createApiToken(database.db, userId, 'script', false);
  const api = await app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token.token}` } });
  t.equal(api.headers['cache-control'], 'no-store', 'an API answer to a token');
  const stylesheet = await app.inject({ method: 'GET', url: '/public/css/app.css', headers: { cookie: session.cookie } });
  t.equal(stylesheet.statusCode, 200);
  t.match(stylesheet.headers['cache-control'], /max-age=[1-9]/, 'the stylesheet, the same for everyone, may still be cached');
});
