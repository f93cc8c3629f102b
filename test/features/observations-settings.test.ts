// The partnership's data settings: the small-number threshold (and what it does to published figures) and the RAG rule.
import t from 'tap';
import { buildTestApp, form, signIn, type Session } from '../helpers/app.ts';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');

t.test('partnership settings', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const admin = await signIn(app, 'admin@demo.example');
  const manager = await signIn(app, 'manager@demo.example');
  const officer = await signIn(app, 'officer@demo.example');
  const viewer = await signIn(app, 'viewer@demo.example');
  const get = (url: string, s: Session) => app.inject({ method: 'GET', url, headers: { cookie: s.cookie, accept: 'text/html' } });
  const post = (url: string, s: Session, values: Record<string, string>) =>
    app.inject({ method: 'POST', url, headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: form({ _csrf: s.csrf, ...values }) });

  t.test('only an admin sees and changes them', async (t) => {
    t.equal((await get('/p/coventry/settings', manager)).statusCode, 403);
    t.equal((await post('/p/coventry/settings', manager, { smallNumberThreshold: '5', greenWithinPercent: '5', amberIfImproved: 'yes' })).statusCode, 403);
    const page = await get('/p/coventry/settings', admin);
    t.equal(page.statusCode, 200);
    t.match(page.body, /id="smallNumberThreshold" name="smallNumberThreshold"[^>]*value=""/);
    t.match(page.body, /id="greenWithinPercent" name="greenWithinPercent"[^>]*value="5"/);
    t.match(page.body, /id="amberIfImproved" name="amberIfImproved" type="radio" value="yes" checked/);
    t.match((await get('/p/coventry', admin)).body, /href="\/p\/coventry\/settings"[^>]*>Settings/);
    t.notMatch((await get('/p/coventry', manager)).body, />Settings</);
  });

  t.test('bad values are explained, and kept', async (t) => {
    const res = await post('/p/coventry/settings', admin, { smallNumberThreshold: '2,5', greenWithinPercent: '150', amberIfImproved: '' });
    t.equal(res.statusCode, 400);
    const errors = [...res.body.matchAll(/<li><a href="#([^"]+)">([^<]+)<\/a><\/li>/g)].map((m) => [m[1], m[2]]);
    t.same(errors, [
      ['smallNumberThreshold', 'Small-number threshold: “2,5” is not a number: use a full stop for the decimal point (2.5)'],
      ['greenWithinPercent', 'Green within must be between 0 and 100 per cent'],
      ['amberIfImproved', 'Choose whether a figure that missed the target but improved is amber'],
    ]);
    t.match(res.body, /id="smallNumberThreshold" name="smallNumberThreshold"[^>]*value="2,5"/);
    const one = await post('/p/coventry/settings', admin, { smallNumberThreshold: '1', greenWithinPercent: '5', amberIfImproved: 'no' });
    t.match(text(one.body), /must be a whole number from 2 to 1,000, or blank for none/);
  });

  t.test('saved, and recorded', async (t) => {
    const res = await post('/p/coventry/settings', admin, { smallNumberThreshold: '10', greenWithinPercent: '2.5', amberIfImproved: 'no' });
    t.equal(res.statusCode, 303);
    t.match(text((await get(res.headers.location as string, admin)).body), /Settings saved/);
    const partnership = await db.selectFrom('partnership').select(['small_number_threshold', 'rag_rule']).where('slug', '=', 'coventry').executeTakeFirstOrThrow();
    t.same(partnership, { small_number_threshold: 10, rag_rule: { greenWithinPercent: 2.5, amberIfImproved: false } });
    const event = await db.selectFrom('security_event').select(['detail']).where('kind', '=', 'partnership_settings_changed').executeTakeFirstOrThrow();
    t.match(event.detail, { from: { smallNumberThreshold: null }, to: { smallNumberThreshold: 10 } });
  });

  t.test('with a threshold, a viewer sees a small number as c in the history; an officer sees the figure', async (t) => {
    const series = await db.selectFrom('series').innerJoin('indicator', 'indicator.id', 'series.indicator_id').select('series.id').where('indicator.code', '=', 'PERSISTENT_ABSENCE').where('series.role', '=', 'local').executeTakeFirstOrThrow();
    const saved = await post('/p/coventry/returns', officer, { period: 'academic_year:2025-26', [`numerator-${series.id}`]: '3', [`denominator-${series.id}`]: '40', [`status-${series.id}`]: 'provisional' });
    t.equal(saved.statusCode, 303);
    const asViewer = text((await get('/p/coventry/indicators/PERSISTENT_ABSENCE/history', viewer)).body);
    t.match(asViewer, /Coventry, 2025\/26 no figure c \(suppressed to protect confidentiality\)/);
    t.notMatch(asViewer, /7\.50%/);
    const asOfficer = text((await get('/p/coventry/indicators/PERSISTENT_ABSENCE/history', officer)).body);
    t.match(asOfficer, /Coventry, 2025\/26 no figure 7\.50% \(provisional, 3 ÷ 40\)/);
  });
});
