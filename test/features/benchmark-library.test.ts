// The whole benchmark library from the demo partnership (Coventry, LA 331): an officer or manager finds measures not
// in the old 22-measure extract by searching, and adds each in one action with its definition, polarity, unit,
// decimals, source and licence, and its local, England, region and neighbour series — checked against real rows
// (test/fixtures/benchmark/lait-slice.csv, copied from seeds/benchmark/lait-full.csv.gz; source and licence there).
import t from 'tap';
import { readFile } from 'node:fs/promises';
import { parseLaitExtract } from '../../server/benchmark/library.ts';
import { buildTestApp, signIn, type Session } from '../helpers/app.ts';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');

t.test('the whole library: search, add in one action, figures as published', async (t) => {
  const slice = parseLaitExtract(await readFile(new URL('../fixtures/benchmark/lait-slice.csv', import.meta.url), 'utf8'));
  const published = (code: string, laNumber: number) => new Map(slice.filter((r) => r.measureCode === code && r.laNumber === laNumber).map((r) => [r.period, r.value]));

  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const manager = await signIn(app, 'manager@demo.example');
  const viewer = await signIn(app, 'viewer@demo.example');
  const page = (url: string, session: Session = manager) => app.inject({ method: 'GET', url, headers: { cookie: session.cookie, accept: 'text/html' } });
  const post = (url: string, values: Record<string, string>, session: Session = manager) => {
    const body = new URLSearchParams({ _csrf: session.csrf, ...values });
    return app.inject({ method: 'POST', url, headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: body.toString() });
  };
  const coventry = await db.selectFrom('partnership').select('id').where('slug', '=', 'coventry').executeTakeFirstOrThrow();
  const priority = await db.selectFrom('priority').select('id').where('partnership_id', '=', coventry.id).where('title', 'like', 'Improve school attendance%').executeTakeFirstOrThrow();
  const indicator = (code: string) => db.selectFrom('indicator').selectAll().where('partnership_id', '=', coventry.id).where('code', '=', code).executeTakeFirst();
  const seriesOf = async (indicatorId: string) => {
    const rows = await db
      .selectFrom('series')
      .innerJoin('observation', 'observation.series_id', 'series.id')
      .select(['series.role', 'series.label', 'observation.period_label', 'observation.value', 'observation.marker', 'observation.status', 'observation.note'])
      .where('series.indicator_id', '=', indicatorId)
      .orderBy('observation.period_position')
      .execute();
    return (role: string) => rows.filter((r) => r.role === role);
  };

  t.test('search from "add an indicator": by name, topic and description, over all 434 measures', async (t) => {
    const all = await page(`/p/coventry/plan/indicators/from-library?priority=${priority.id}`);
    t.equal(all.statusCode, 200);
    t.match(text(all.body), /The library has 434 measures; the first 50 are shown — search to narrow them/);
    const cin = await page(`/p/coventry/plan/indicators/from-library?priority=${priority.id}&q=children+in+need+rate`);
    t.match(text(cin.body), /of the library’s 434 measures match “children in need rate”/);
    t.match(text(cin.body), /Children in Need \(rate\) CIN · Children in Need/, 'with its topic');
    t.match(text(cin.body), /2015-16 to 2024-25/, 'the periods it has, as our periods');
    const reoffending = text((await page(`/p/coventry/plan/indicators/from-library?priority=${priority.id}&q=re-offending`)).body);
    t.match(reoffending, /2 of the library’s 434 measures match “re-offending”/);
    t.match(reoffending, /Proportion of young offenders who re-offend \(15-17 year olds\)/);
    t.equal((await page(`/p/coventry/plan/indicators/from-library?priority=${priority.id}`, viewer)).statusCode, 403, 'viewers cannot add indicators');
  });

  t.test('three measures not in the old extract, each added in one action', async (t) => {
    for (const code of ['CIN', 'CINProgKS2-4_Avg_Prog8', 'ReoffYO15-17']) {
      const res = await post('/p/coventry/plan/indicators/from-library', { measure: code, priorityId: priority.id, q: '' });
      t.equal(res.statusCode, 303, `${code} added`);
      t.equal(res.headers.location, `/p/coventry/indicators/${encodeURIComponent(code)}`);
    }
    const cin = (await indicator('CIN'))!;
    t.match(cin, { title: 'Children in Need (rate)', unit: 'rate', rate_base: 10000, polarity: 'neutral', period_type: 'financial_year', licence: 'Open Government Licence v3.0' });
    t.match(cin.source_url, /^https:\/\//);
    t.match(cin.definition, /statistical-neighbour line is the mean of Coventry's 10 DfE children's services statistical neighbours/);
    t.match(cin.definition, /LAIT topic: Children in Need/);
    const series = await seriesOf(cin.id);
    const local = published('CIN', 331);
    t.same(series('local').map((o) => [o.period_label, o.value]), [...local].map(([p, v]) => [`${Number(p) - 1}-${String(Number(p)).slice(2)}`, v]), "Coventry's rates as published, 2016 → 2015-16 (year to 31 March)");
    t.same(series('england').map((o) => o.value), [...published('CIN', 970).values()], 'England');
    t.same(series('region').map((o) => o.value), [...published('CIN', 984).values()], 'the West Midlands');
    t.equal(series('region')[0]!.label, 'West Midlands');
    t.ok(series('neighbours').length === local.size, 'a neighbour average for every period');
    t.match(series('neighbours')[0]!.label, /Statistical neighbours \(average, DfE May 2025 model\)/);
    const p8 = (await indicator('CINProgKS2-4_Avg_Prog8'))!;
    t.match(p8, { unit: 'score', polarity: 'higher', decimals: 2, period_type: 'academic_year' });
    const reoff = (await indicator('ReoffYO15-17'))!;
    t.match(reoff, { unit: 'percentage', polarity: 'lower', decimals: 2 });
    const authorities = await db.selectFrom('indicator_authority_value').select(['area_code', 'value', 'period_label']).where('indicator_id', '=', cin.id).execute();
    t.ok(authorities.length > 150 * 9, 'every authority kept for rank and quartile');
    t.match(authorities.find((a) => a.area_code === '331' && a.period_label === '2024-25'), { value: 400.9 });
    const again = await post('/p/coventry/plan/indicators/from-library', { measure: 'CIN', priorityId: priority.id, q: '' });
    t.equal(again.statusCode, 400, 'not twice');
    t.match(text(again.body), /already has CIN/);
  });
});
