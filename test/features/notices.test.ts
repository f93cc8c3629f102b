// Success is said: after a change, the next page says what happened, once, from the session (never from the address);
// signing in lands where the person was going; the return opens at the period that is due.
import t from 'tap';
import { buildTestApp, cookiesFrom, csrfFrom, form, signIn, type Session } from '../helpers/app.ts';
import { DEMO_PASSWORDS } from '../helpers/app.ts';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');
const banners = (html: string) => [...html.matchAll(/data-testid="notice">([^<]*)</g)].map((m) => m[1]!);

t.test('a notice is carried through the redirect, shown once, and cannot be forged', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const officer = await signIn(app, 'officer@demo.example');
  const get = (url: string, s: Session, accept = 'text/html') => app.inject({ method: 'GET', url, headers: { cookie: s.cookie, accept } });
  const post = (url: string, s: Session, values: Record<string, string>) =>
    app.inject({ method: 'POST', url, headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ _csrf: s.csrf, ...values }) });

  // An academic-year figure for the return, typed as a person would.
  const series = await database.db
    .selectFrom('series')
    .innerJoin('indicator', 'indicator.id', 'series.indicator_id')
    .innerJoin('partnership', 'partnership.id', 'indicator.partnership_id')
    .select(['series.id'])
    .where('partnership.slug', '=', 'coventry')
    .where('indicator.period_type', '=', 'academic_year')
    .where('indicator.unit', '=', 'percentage')
    .where('series.role', '=', 'local')
    .where('indicator.retired_at', 'is', null)
    .where('indicator.rank', '<>', 'data_development')
    .executeTakeFirstOrThrow();
  const page = await get('/p/coventry/returns?period=academic_year:2025-26', officer);
  t.equal(page.statusCode, 200);
  t.notMatch(page.body, /data-notice/, 'no banner before anything is saved');
  const saved = await post('/p/coventry/returns', officer, { period: 'academic_year:2025-26', [`value-${series.id}`]: '12.5', [`status-${series.id}`]: 'provisional' });
  t.equal(saved.statusCode, 303, text(saved.body).slice(0, 400));
  const location = saved.headers.location as string;
  t.notMatch(location, /saved=|notice=|done=/, 'the address carries no message');

  // A script's request in between (a chart's data) does not take the notice.
  await get(location, officer, 'application/json');
  const landed = await get(location, officer);
  t.same(banners(landed.body), ['1 figure saved for 2025/26'], 'the banner says what was saved, once');
  t.match(landed.body, /govuk-notification-banner--success" role="alert"/, 'a success banner, announced');
  t.equal((landed.body.match(/figures? saved for/g) ?? []).length, 1, 'said once on the page, not twice');
  const reloaded = await get(location, officer);
  t.same(banners(reloaded.body), [], 'a reload does not say it again');

  // The old way, and made-up ones, say nothing.
  for (const forged of [`${location}&saved=99`, '/p/coventry/returns?period=academic_year:2025-26&notice=Data+Book+published', '/p/coventry?done=hacked']) {
    const res = await get(forged, officer);
    t.equal(res.statusCode, 200, forged);
    t.same(banners(res.body), [], `${forged}: nothing said`);
    t.notMatch(text(res.body), /99 figures saved|Data Book published|hacked/, `${forged}: nothing said`);
  }

  // The notice belongs to the session that made the change: another person's page says nothing.
  const manager = await signIn(app, 'manager@demo.example');
  const shown = (await get('/p/coventry/returns?period=academic_year:2025-26', officer)).body;
  const hidden = Object.fromEntries([...shown.matchAll(/<input type="hidden" name="((?:version|seen)-[^"]+)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
  const second = await post('/p/coventry/returns', officer, { ...hidden, period: 'academic_year:2025-26', [`value-${series.id}`]: '13.5', [`status-${series.id}`]: 'provisional' });
  t.equal(second.statusCode, 303);
  t.same(banners((await get('/p/coventry', manager)).body), [], "someone else's session has no notice");
  t.same(banners((await get('/p/coventry', officer)).body), ['1 figure saved for 2025/26'], 'the next page of the one who saved says it');

  // A form sent back with errors is not a success, and keeps nothing for later.
  const refused = await post('/p/coventry/returns', officer, { period: 'academic_year:2025-26', [`value-${series.id}`]: 'abc' });
  t.equal(refused.statusCode, 400);
  t.same(banners((await get('/p/coventry', officer)).body), [], 'nothing is said after a refusal');
});

t.test('saves on the conversation pages say what they did too: partners and the data development agenda', async (t) => {
  const { app } = await buildTestApp(t, 'demo');
  const manager = await signIn(app, 'manager@demo.example');
  const post = (url: string, values: Record<string, string>) =>
    app.inject({ method: 'POST', url, headers: { cookie: manager.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ _csrf: manager.csrf, ...values }) });
  const said = async (res: { statusCode: number; headers: Record<string, unknown>; body: string }) => {
    t.equal(res.statusCode, 303, text(res.body).slice(0, 300));
    return banners((await app.inject({ method: 'GET', url: res.headers.location as string, headers: { cookie: manager.cookie, accept: 'text/html' } })).body);
  };
  t.same(await said(await post('/p/coventry/partners', { name: 'Coventry Youth Forum', sector: 'voluntary', description: '', contact: '', active: 'yes' })), ['Partner “Coventry Youth Forum” added']);
  t.same(await said(await post('/p/coventry/data-development', { title: 'Young carers known to schools', description: 'We cannot see them', priority: '', indicator: '', how_to_get: '', owner: '', partner: '', status: 'wanted' })), ['“Young carers known to schools” added to the data development agenda']);
});

t.test('the notice is escaped', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const officer = await signIn(app, 'officer@demo.example');
  const token = /ttc_session=([^;]+)/.exec(officer.cookie)![1]!;
  const { keepNotice } = await import('../../server/features/auth/queries.ts');
  await keepNotice(database.db, token, 'Story saved <script>alert(1)</script>');
  const res = await app.inject({ method: 'GET', url: '/p/coventry', headers: { cookie: officer.cookie, accept: 'text/html' } });
  t.match(res.body, /Story saved &lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  t.notMatch(res.body, /<script>alert/);
});

t.test('signing in lands where the person was going', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const signInTo = async (email: string, next?: string) => {
    const formPage = await app.inject({ method: 'GET', url: next === undefined ? '/sign-in' : `/sign-in?next=${encodeURIComponent(next)}` });
    const cookie = cookiesFrom(formPage);
    const res = await app.inject({
      method: 'POST',
      url: '/sign-in',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: form({ _csrf: csrfFrom(formPage.body), email, password: DEMO_PASSWORDS[email]!, ...(next === undefined ? {} : { next }) }),
    });
    t.equal(res.statusCode, 303);
    return { location: res.headers.location as string, cookie: cookiesFrom(res, cookie) };
  };

  t.equal((await signInTo('officer@demo.example', '/p/coventry/returns?period=academic_year:2025-26')).location, '/p/coventry/returns?period=academic_year:2025-26', 'where they were going');
  const one = await signInTo('officer@demo.example');
  t.equal(one.location, '/p/coventry', 'one partnership: its home page, not a list of one');
  t.equal((await signInTo('officer@demo.example', '//evil.example/')).location, '/p/coventry', 'another site is still refused');
  t.equal((await signInTo('officer@demo.example', 'https://evil.example/')).location, '/p/coventry');
  const again = await app.inject({ method: 'GET', url: '/sign-in', headers: { cookie: one.cookie } });
  t.equal(again.headers.location, '/p/coventry', 'already signed in: the same landing');
  t.equal((await app.inject({ method: 'GET', url: '/', headers: { cookie: one.cookie } })).statusCode, 200, 'the list itself can still be opened');

  // A second partnership: the list, to choose from.
  const officer = await database.db.selectFrom('app_user').select('id').where('email', '=', 'officer@demo.example').executeTakeFirstOrThrow();
  const other = await database.db.insertInto('partnership').values({ slug: 'second-place', name: 'Second place' } as any).returning('id').executeTakeFirstOrThrow();
  await database.db.insertInto('membership').values({ user_id: officer.id, partnership_id: other.id, role: 'viewer' } as any).execute();
  t.equal((await signInTo('officer@demo.example')).location, '/', 'two partnerships: the list');
});

t.test('the return opens at the period that is due', async (t) => {
  const { app } = await buildTestApp(t, 'demo');
  const officer = await signIn(app, 'officer@demo.example');
  // The quarter before the one we are in (financial-year quarters: April–June is Q1).
  const now = new Date();
  const month = now.getUTCMonth();
  let start = month >= 3 ? now.getUTCFullYear() : now.getUTCFullYear() - 1;
  let quarter = Math.floor(((month + 9) % 12) / 3); // 0-based: this quarter
  if (quarter === 0) [start, quarter] = [start - 1, 4];
  const due = `fy_quarter:${start}-${String((start + 1) % 100).padStart(2, '0')}-Q${quarter}`;
  const res = await app.inject({ method: 'GET', url: '/p/coventry/returns', headers: { cookie: officer.cookie } });
  t.equal(res.statusCode, 200);
  t.match(res.body, new RegExp(`<option value="${due}" selected>`), `${due} is chosen`);
  t.equal((res.body.match(/<option [^>]*selected>/g) ?? []).filter((o) => o.includes('fy_quarter')).length, 1, 'and only it');
  t.match(res.body, /name="period" value="fy_quarter:/, 'its figures are ready to enter');
  const chosen = await app.inject({ method: 'GET', url: '/p/coventry/returns?period=academic_year:2025-26', headers: { cookie: officer.cookie } });
  t.match(chosen.body, /<option value="academic_year:2025-26" selected>/, 'a period asked for is kept');
});
