import t from 'tap';
import { readDemoSeed } from '../../seeds/demo-loader.ts';
import { buildTestApp, signIn } from '../helpers/app.ts';

const ECM = ['Be healthy', 'Stay safe', 'Enjoy and achieve', 'Make a positive contribution', 'Achieve economic well-being'];
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&amp;/g, '&').replace(/\s+/g, ' ');

t.test('partnership pages', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const viewer = await signIn(app, 'viewer@demo.example');
  const seed = await readDemoSeed();
  const get = (url: string, cookie = viewer.cookie) => app.inject({ method: 'GET', url, headers: { cookie, accept: 'text/html' } });

  t.test('healthz answers 200 with the database reachable', async (t) => {
    const res = await app.inject('/healthz');
    t.equal(res.statusCode, 200);
    t.same(res.json(), { status: 'ok', database: 'reachable' });
  });

  t.test('home shows the five ECM outcomes in order, with each indicator\'s latest value', async (t) => {
    const res = await get('/p/coventry');
    t.equal(res.statusCode, 200);
    const body = text(res.body);
    const positions = ECM.map((o) => body.indexOf(o));
    t.ok(positions.every((p) => p >= 0), 'every outcome shown');
    t.same([...positions].sort((a, b) => a - b), positions, 'in the Data Book order');
    t.match(body, /Attainment 8 at key stage 4: disadvantaged gap/);
    t.match(body, /2024\/25 13\.9 /, 'the KS4 gap: 48.5 − 34.6 for 2024/25');
  });

  t.test('the indicator page shows local, England and neighbour figures in its table, and its source', async (t) => {
    const res = await get('/p/coventry/indicators/PERSISTENT_ABSENCE');
    t.equal(res.statusCode, 200);
    const indicator = seed.outcomes.flatMap((o) => o.priorities).flatMap((p) => p.indicators).find((i) => i.code === 'PERSISTENT_ABSENCE')!;
    const england = indicator.series.find((s) => s.role === 'england')!.observations.at(-1)!;
    const local = indicator.series.find((s) => s.role === 'local')!.observations.at(-1)!;
    const body = text(res.body);
    t.ok(body.includes(`${england.period} ${local.value!.toFixed(indicator.decimals)}% ${england.value!.toFixed(indicator.decimals)}%`), 'latest local and England figures side by side');
    t.match(body, /Open Government Licence v3\.0/);
    t.match(body, /Local Authority Interactive Tool/);
    t.match(res.body, /<script type="application\/json" id="chart-main-data">/);
    t.notMatch(res.body, /<script>(?!<\/script>)/, 'no inline script');
  });

  t.test('a suppressed figure is spelled out, never shown as zero', async (t) => {
    const res = await get('/p/coventry/indicators/RE_REFERRALS_12M');
    t.equal(res.statusCode, 200);
    t.match(text(res.body), /2023-24 Q3 c \(suppressed to protect confidentiality\)/);
    t.match(text(res.body), /Illustrative data/);
    const chart = JSON.parse(/id="chart-main-data">([^<]*)</.exec(res.body)![1]!);
    const i = chart.labels.indexOf('2023-24 Q3');
    t.equal(chart.series[0].values[i], null, 'a break in the chart line');
    t.equal(chart.series[0].markers[i], 'c');
  });

  t.test('a gap indicator shows both groups and the gap', async (t) => {
    const res = await get('/p/coventry/indicators/KS4_ATT8_DISADV_GAP');
    const body = text(res.body);
    t.match(body, /2024\/25 34\.6 48\.5/, 'disadvantaged and other pupils');
    t.match(body, /2024\/25 13\.9 15\.5/, 'the gap, and England\'s');
  });

  t.test('small numbers are shown as c to viewers, and as entered to officers', async (t) => {
    await database.db.updateTable('partnership').set({ small_number_threshold: 10 }).where('slug', '=', 'coventry').execute();
    const series = await database.db
      .selectFrom('series')
      .innerJoin('indicator', 'indicator.id', 'series.indicator_id')
      .select('series.id')
      .where('indicator.code', '=', 'PERSISTENT_ABSENCE')
      .where('series.role', '=', 'local')
      .executeTakeFirstOrThrow();
    // 2024/25 rests on 7 pupils out of 35: a small number.
    await database.db.updateTable('observation').set({ numerator: 7, denominator: 35 }).where('series_id', '=', series.id).where('period_label', '=', '2024/25').execute();
    const officer = await signIn(app, 'officer@demo.example');
    for (const url of ['/p/coventry/indicators/PERSISTENT_ABSENCE', '/p/coventry']) {
      const asViewer = text((await get(url)).body);
      const asOfficer = text((await get(url, officer.cookie)).body);
      t.match(asViewer, /2024\/25 c \(suppressed to protect confidentiality\)/, `${url}: a viewer sees c`);
      t.notMatch(asOfficer, /2024\/25 c \(suppressed/, `${url}: an officer sees the figure`);
    }
    const api = await app.inject({ method: 'GET', url: '/api/v1/partnerships/coventry/indicators', headers: { cookie: viewer.cookie } });
    const row = api.json().indicators.find((i: { code: string }) => i.code === 'PERSISTENT_ABSENCE');
    t.same(row.latest, { period: '2024/25', value: null, marker: 'c', provisional: false }, 'the API suppresses it too');
    await database.db.updateTable('partnership').set({ small_number_threshold: null }).where('slug', '=', 'coventry').execute();
  });

  t.test('unknown partnership, priority and indicator are 404 pages', async (t) => {
    for (const url of ['/p/nowhere', '/p/coventry/indicators/NOPE', '/p/coventry/priorities/00000000-0000-0000-0000-000000000000', '/p/coventry/priorities/not-a-uuid', '/no/such/page']) {
      const res = await get(url);
      t.equal(res.statusCode, 404, url);
      t.match(res.body, /Page not found/);
    }
  });

  t.test('signed out, a page sends you to sign in and back', async (t) => {
    const res = await app.inject({ method: 'GET', url: '/p/coventry' });
    t.equal(res.statusCode, 303);
    t.equal(res.headers.location, '/sign-in?next=%2Fp%2Fcoventry');
  });

  t.test('healthz answers 503 when the database is gone', async (t) => {
    await database.close();
    const res = await app.inject('/healthz');
    t.equal(res.statusCode, 503);
  });
});
