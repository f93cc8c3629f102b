// After signing in, `next` may only send a person to a page of this site: a corpus of known open-redirect payloads,
// through GET /sign-in while signed in and through POST /sign-in, never leads elsewhere and never answers 500.
import t, { type Test } from 'tap';
import { buildTestApp, cookiesFrom, csrfFrom, form, signIn } from '../helpers/app.ts';
import { addPerson } from './helpers/people.ts';

const PASSWORD = 'a long enough sign-in phrase';

async function appWithAPerson(t: Test) {
  const built = await buildTestApp(t, 'empty', { SIGN_IN_LIMIT: '1000' });
  await addPerson(built.database.db, 'person@example.org', PASSWORD);
  return built;
}

const EVIL = 'evil.example';
const payloads = [
  `//${EVIL}`,
  `///${EVIL}`,
  `////${EVIL}`,
  `/\\${EVIL}`,
  `\\/${EVIL}`,
  `\\\\${EVIL}`,
  `/\\/${EVIL}`,
  `/\t/${EVIL}`,
  `/%09/${EVIL}`,
  `//%09/${EVIL}`,
  `/%2F%2F${EVIL}`,
  `/%2f/${EVIL}`,
  `%2F%2F${EVIL}`,
  `/%252F%252F${EVIL}`,
  `/%5C${EVIL}`,
  `/%5c%5c${EVIL}`,
  `https://${EVIL}`,
  `HTTPS://${EVIL}`,
  `http:${EVIL}`,
  `https:/${EVIL}`,
  `https:\\\\${EVIL}`,
  `ftp://${EVIL}/`,
  'javascript:alert(1)',
  'JaVaScRiPt:alert(document.cookie)',
  '/javascript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  '/\r\nSet-Cookie: planted=1',
  '/%0d%0aSet-Cookie:%20planted=1',
  `/\nLocation: https://${EVIL}`,
  `\r\n//${EVIL}`,
  `/%0a//${EVIL}`,
  `\u0000//${EVIL}`,
  `/\u0000/${EVIL}`,
  `/%00/${EVIL}`,
  `/\u007f/${EVIL}`,
  `/\u0085/${EVIL}`,
  `/\u2028/${EVIL}`,
  ` //${EVIL}`,
  `\uFF0F\uFF0F${EVIL}`,
  `/\uFF0F${EVIL}`,
  `\u3031${EVIL}`,
  `/.//${EVIL}`,
  `/./\\${EVIL}`,
  `/..//${EVIL}`,
  `/%2e%2e//${EVIL}`,
  `/%2e/%2f${EVIL}`,
  `@${EVIL}`,
  `/@${EVIL}`,
  EVIL,
  `https://app.invalid@${EVIL}`,
  `//${EVIL}@app.invalid`,
  `//${EVIL}:80/`,
  `//${EVIL}/%2F..`,
  `/%E0%A4%A`,
  `/${'a'.repeat(1990)}`,
];

/** A payload as printable ASCII, so that a test's name never carries a line separator into tap's output. */
const shown = (text: string) => JSON.stringify(text).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** What a browser would do with the Location header: it must stay on this site, and be a plain path. */
function sameSitePath(t: Test, location: unknown, label: string) {
  t.type(location, 'string', `${label}: a Location`);
  const value = String(location);
  t.ok(/^[\x21-\x7e]*$/.test(value), `${label}: only printable ASCII in the header (${shown(value)})`);
  // Browsers drop tabs and newlines inside URLs and read a backslash as a slash.
  const asBrowserReadsIt = value.replace(/[\t\n\r]/g, '').replace(/\\/g, '/');
  t.ok(asBrowserReadsIt.startsWith('/') && !asBrowserReadsIt.startsWith('//'), `${label}: a path, not another host (${shown(value)})`);
  t.equal(new URL(value, 'http://app.invalid').origin, 'http://app.invalid', `${label}: same origin`);
}

t.test('next never leaves the site, signed in (GET) or signing in (POST)', async (t) => {
  t.ok(payloads.length >= 30, `${payloads.length} payloads`);
  const { app } = await appWithAPerson(t);
  const viewer = await signIn(app, 'person@example.org', PASSWORD);

  for (const next of payloads) {
    const res = await app.inject({ method: 'GET', url: `/sign-in?next=${encodeURIComponent(next)}`, headers: { cookie: viewer.cookie } });
    // A NUL byte may be refused by the input layer before sign-in sees it (400): never a 500, never elsewhere.
    if (next.includes('\u0000') && res.statusCode === 400) continue;
    t.equal(res.statusCode, 303, `GET ${shown(next)}: redirected, no error`);
    sameSitePath(t, res.headers.location, `GET ${shown(next)}`);
  }

  // The issue's own example, as a browser sends it.
  const literal = await app.inject({ method: 'GET', url: '/sign-in?next=%2F%09%2Fevil.example', headers: { cookie: viewer.cookie } });
  t.equal(literal.headers.location, '/');

  const page = await app.inject({ method: 'GET', url: '/sign-in' });
  const cookie = cookiesFrom(page);
  const csrf = csrfFrom(page.body);
  const posts = await Promise.all(
    payloads.map((next) =>
      app.inject({
        method: 'POST',
        url: '/sign-in',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        payload: form({ _csrf: csrf, email: 'person@example.org', password: PASSWORD, next }),
      }),
    ),
  );
  posts.forEach((res, i) => {
    const label = `POST ${shown(payloads[i]!)}`;
    if (payloads[i]!.includes('\u0000') && res.statusCode === 400) return;
    t.equal(res.statusCode, 303, `${label}: signed in and redirected`);
    sameSitePath(t, res.headers.location, label);
  });

  // A failed sign-in shows the form again; what it carries forward is only ever a safe path.
  const failed = await app.inject({
    method: 'POST',
    url: '/sign-in',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: form({ _csrf: csrf, email: 'person@example.org', password: 'not the password', next: `//${EVIL}` }),
  });
  t.equal(failed.statusCode, 401);
  t.notMatch(failed.body, EVIL);
});

t.test('a path of this site is kept, query and fragment included', async (t) => {
  const { app } = await appWithAPerson(t);
  const viewer = await signIn(app, 'person@example.org', PASSWORD);
  for (const [next, expected] of [
    ['/p/coventry', '/p/coventry'],
    ['/p/coventry/indicators?view=all#chart', '/p/coventry/indicators?view=all#chart'],
    ['/p/coventry/a%2Fb', '/p/coventry/a%2Fb'],
    ['/p/coventry/café', '/p/coventry/caf%C3%A9'],
  ]) {
    const res = await app.inject({ method: 'GET', url: `/sign-in?next=${encodeURIComponent(next!)}`, headers: { cookie: viewer.cookie } });
    t.equal(res.headers.location, expected, next);
  }
  // Where a person was sent to sign in from, they come back to.
  const away = await app.inject({ method: 'GET', url: '/p/coventry?x=1' });
  t.equal(away.headers.location, '/sign-in?next=%2Fp%2Fcoventry%3Fx%3D1');
  const back = await app.inject({ method: 'GET', url: '/sign-in?next=%2Fp%2Fcoventry%3Fx%3D1', headers: { cookie: viewer.cookie } });
  t.equal(back.headers.location, '/p/coventry?x=1');
});
