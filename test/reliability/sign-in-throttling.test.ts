// Guessing passwords is slowed down per account and address, counted atomically in the database: attempts sent all
// at once get no more checks than the limit, a guesser at one address does not lock the owner out elsewhere, a client
// cannot pick its own address with X-Forwarded-For, and changing a password is throttled too.
import type { FastifyInstance } from 'fastify';
import t from 'tap';
import { loadConfig } from '../../server/config.ts';
import { buildTestApp, cookiesFrom, csrfFrom, form, signIn } from '../helpers/app.ts';
import { addPerson } from './helpers/people.ts';

const OWNER = 'owner@example.org';
const PASSWORD = 'the owner’s own long phrase';
const ATTACKER_ADDRESS = '203.0.113.5';
const OWNER_ADDRESS = '198.51.100.7';

/** A sign-in form as a browser would post it, from a given address and with any extra headers. */
async function attempt(app: FastifyInstance, email: string, password: string, options: { from?: string; headers?: Record<string, string> } = {}) {
  const remoteAddress = options.from ?? '127.0.0.1';
  const page = await app.inject({ method: 'GET', url: '/sign-in', remoteAddress, headers: options.headers });
  return app.inject({
    method: 'POST',
    url: '/sign-in',
    remoteAddress,
    headers: { ...options.headers, cookie: cookiesFrom(page), 'content-type': 'application/x-www-form-urlencoded' },
    payload: form({ _csrf: csrfFrom(page.body), email, password }),
  });
}

async function events(app: FastifyInstance, kind: string) {
  const rows = await app.db.selectFrom('security_event').select('id').where('kind', '=', kind).execute();
  return rows.length;
}

t.test('40 wrong passwords sent at once: at most the limit are checked, and all are refused', async (t) => {
  const { app, database } = await buildTestApp(t, 'empty', { SIGN_IN_LIMIT: '10' });
  await addPerson(database.db, OWNER, PASSWORD);
  const page = await app.inject({ method: 'GET', url: '/sign-in' });
  const cookie = cookiesFrom(page);
  const csrf = csrfFrom(page.body);
  const responses = await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      app.inject({
        method: 'POST',
        url: '/sign-in',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        payload: form({ _csrf: csrf, email: OWNER, password: `guess number ${i}` }),
      }),
    ),
  );
  const statuses = responses.map((r) => r.statusCode);
  t.same(statuses.filter((s) => s !== 401 && s !== 429), [], 'every one refused: wrong password (401) or too many (429)');
  // Every password checked and found wrong is a sign_in_failed event; every attempt refused unchecked, sign_in_throttled.
  const checked = await events(app, 'sign_in_failed');
  t.ok(checked <= 10, `${checked} passwords checked (at most 10)`);
  t.equal(statuses.filter((s) => s === 401).length, checked);
  t.equal(await events(app, 'sign_in_throttled'), 40 - checked, 'the rest refused without a check');
  const refused = responses.find((r) => r.statusCode === 429)!;
  t.match(refused.body, /Too many attempts to sign in\. Wait 15 minutes/);
  t.equal(refused.headers['retry-after'], String(15 * 60));
});

t.test('a guesser at one address does not lock the owner out at another; waits grow for the guesser', async (t) => {
  const { app, database } = await buildTestApp(t, 'empty', { SIGN_IN_LIMIT: '3', SIGN_IN_WINDOW_MINUTES: '15' });
  await addPerson(database.db, OWNER, PASSWORD);
  const guesses = [];
  for (let i = 0; i < 10; i++) guesses.push((await attempt(app, OWNER, `wrong guess ${i}`, { from: ATTACKER_ADDRESS })).statusCode);
  t.same(guesses, [401, 401, 401, 429, 429, 429, 429, 429, 429, 429], 'three guesses, then refusals');
  t.equal((await attempt(app, OWNER, PASSWORD, { from: ATTACKER_ADDRESS })).statusCode, 429, 'even the right password, from the guesser’s address');

  const owner = await attempt(app, OWNER, PASSWORD, { from: OWNER_ADDRESS });
  t.equal(owner.statusCode, 303, 'the owner signs in from their own address');
  const mistyped = await attempt(app, OWNER, 'a slip of the finger', { from: OWNER_ADDRESS });
  t.equal(mistyped.statusCode, 401, 'and a mistyped password there is simply wrong, not throttled');

  // Once the first wait is over the guesser gets one more guess, and then waits twice as long.
  await app.db.updateTable('sign_in_throttle').set({ last_at: new Date(Date.now() - 16 * 60_000) }).where('key', 'like', `account-address:${OWNER} ${ATTACKER_ADDRESS}`).execute();
  t.equal((await attempt(app, OWNER, 'one more guess', { from: ATTACKER_ADDRESS })).statusCode, 401);
  const doubled = await attempt(app, OWNER, 'and another', { from: ATTACKER_ADDRESS });
  t.equal(doubled.statusCode, 429);
  t.match(doubled.body, /Wait 30 minutes/);
});

t.test('a guesser with many addresses gets one guess per address; the owner still gets in', async (t) => {
  const { app, database } = await buildTestApp(t, 'empty', { SIGN_IN_LIMIT: '2' });
  await addPerson(database.db, OWNER, PASSWORD);
  // Past ten times the limit in failures from everywhere, the account is under attack.
  for (let i = 1; i <= 21; i++) await attempt(app, OWNER, `guess ${i}`, { from: `192.0.2.${i}` });
  const fresh = '192.0.2.200';
  t.equal((await attempt(app, OWNER, 'guess from a new address', { from: fresh })).statusCode, 401, 'a new address: one guess');
  t.equal((await attempt(app, OWNER, 'a second guess there', { from: fresh })).statusCode, 429, 'and no second');
  t.equal((await attempt(app, OWNER, PASSWORD, { from: OWNER_ADDRESS })).statusCode, 303, 'the owner, right at the first try, gets in');
});

t.test('X-Forwarded-For is believed only from the proxies TRUST_PROXY names', async (t) => {
  t.throws(() => loadConfig({ TRUST_PROXY: 'true' }), /TRUST_PROXY="true" would trust any X-Forwarded-For/, 'TRUST_PROXY=true is refused at start');
  t.throws(() => loadConfig({ TRUST_PROXY: 'yes please' }), /TRUST_PROXY/, 'so is anything that is not a count or addresses');
  t.same(loadConfig({ TRUST_PROXY: '10.0.0.1, 10.0.1.0/24' }).trustProxy, ['10.0.0.1', '10.0.1.0/24']);

  await t.test('without TRUST_PROXY, a made-up X-Forwarded-For changes nothing', async (t) => {
    const { app, database } = await buildTestApp(t, 'empty', { SIGN_IN_LIMIT: '3' });
    await addPerson(database.db, OWNER, PASSWORD);
    const statuses = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await attempt(app, OWNER, `wrong ${i}`, { from: ATTACKER_ADDRESS, headers: { 'x-forwarded-for': `192.0.2.${i + 1}` } })).statusCode);
    }
    t.same(statuses, [401, 401, 401, 429, 429], 'counted under the real address');
    const address = await app.db.selectFrom('security_event').select('address').where('kind', '=', 'sign_in_throttled').executeTakeFirstOrThrow();
    t.equal(address.address, ATTACKER_ADDRESS);
  });

  await t.test('behind one proxy (TRUST_PROXY=1), what a client writes before the proxy’s entry changes nothing', async (t) => {
    const { app, database } = await buildTestApp(t, 'empty', { SIGN_IN_LIMIT: '3', TRUST_PROXY: '1' });
    await addPerson(database.db, OWNER, PASSWORD);
    const proxy = '10.0.0.1';
    const statuses = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await attempt(app, OWNER, `wrong ${i}`, { from: proxy, headers: { 'x-forwarded-for': `192.0.2.${i + 1}, ${ATTACKER_ADDRESS}` } })).statusCode);
    }
    t.same(statuses, [401, 401, 401, 429, 429], 'counted under the address the proxy saw');
    const owner = await attempt(app, OWNER, PASSWORD, { from: proxy, headers: { 'x-forwarded-for': OWNER_ADDRESS } });
    t.equal(owner.statusCode, 303, 'another client behind the same proxy is not held up');
    // A client on the internet reaching the app directly is no proxy: its own X-Forwarded-For is not believed.
    const direct = [];
    for (let i = 0; i < 4; i++) {
      direct.push((await attempt(app, OWNER, `direct ${i}`, { from: '192.0.2.77', headers: { 'x-forwarded-for': `198.18.0.${i + 1}` } })).statusCode);
    }
    t.same(direct, [401, 401, 401, 429], 'counted under the address it connects from');
  });
});

t.test('changing a password is throttled: guesses at the current password run out', async (t) => {
  const { app, database } = await buildTestApp(t, 'empty', { SIGN_IN_LIMIT: '3' });
  await addPerson(database.db, OWNER, PASSWORD);
  const session = await signIn(app, OWNER, PASSWORD);
  const change = (current: string) =>
    app.inject({
      method: 'POST',
      url: '/account/password',
      headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: form({ _csrf: session.csrf, current, password: 'a brand new long phrase', confirm: 'a brand new long phrase' }),
    });
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push((await change(`not it ${i}`)).statusCode);
  t.same(statuses, [400, 400, 400], 'three wrong current passwords');
  const refused = await change(PASSWORD);
  t.equal(refused.statusCode, 429, 'then even the right one waits');
  t.match(refused.body, /Too many wrong current passwords\. Wait 15 minutes/);
  t.equal((await attempt(app, OWNER, 'a brand new long phrase')).statusCode, 401, 'the password is unchanged');
  t.equal((await attempt(app, OWNER, PASSWORD, { from: OWNER_ADDRESS })).statusCode, 303);
  t.ok((await events(app, 'password_change_throttled')) >= 1, 'in the audit log');
});
