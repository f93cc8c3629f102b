// The benchmark library as an import, from the demo partnership (Coventry, LA 331): the plan keeps each figure's
// published status and says what a rolling figure covers; the benchmark import page searches the whole library.
// Checked against real rows (test/fixtures/benchmark/lait-slice.csv, copied from seeds/benchmark/lait-full.csv.gz;
// source and licence there).
import t from 'tap';
import { readFile } from 'node:fs/promises';
import { parseLaitExtract } from '../../server/benchmark/library.ts';
import { buildLaitImport, loadBenchmark } from '../../server/features/imports/benchmark.ts';
import { buildTestApp, signIn, type Session } from '../helpers/app.ts';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');

t.test('the benchmark library as an import', async (t) => {
  const slice = parseLaitExtract(await readFile(new URL('../fixtures/benchmark/lait-slice.csv', import.meta.url), 'utf8'));
  const published = (code: string, laNumber: number) => new Map(slice.filter((r) => r.measureCode === code && r.laNumber === laNumber).map((r) => [r.period, r.value]));
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const officer = await signIn(app, 'officer@demo.example');
  const viewer = await signIn(app, 'viewer@demo.example');
  const page = (url: string, session: Session = officer) => app.inject({ method: 'GET', url, headers: { cookie: session.cookie, accept: 'text/html' } });
  const post = (url: string, values: Record<string, string>, session: Session = officer) => {
    const body = new URLSearchParams({ _csrf: session.csrf, ...values });
    return app.inject({ method: 'POST', url, headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: body.toString() });
  };
  const coventry = await db.selectFrom('partnership').select('id').where('slug', '=', 'coventry').executeTakeFirstOrThrow();
  const priority = await db.selectFrom('priority').select('id').where('partnership_id', '=', coventry.id).where('title', 'like', 'Improve school attendance%').executeTakeFirstOrThrow();

  t.test('revised, final and provisional figures keep their status; a rolling span says which years it covers', async (t) => {
    // The plan the one-button add confirms, looked at before it is applied.
    const bench = await loadBenchmark();
    const built = await buildLaitImport(db, coventry.id, bench, { laNumber: 331, modelKey: '2025-05', measureCodes: ['A3A', 'RTA', 'KS1P_all'], priorityId: priority.id });
    t.same(built.problems, []);
    const local = (code: string) => built.planned.filter((p) => p.indicator.code === code && p.role === 'local').map((p) => ({ period: p.period.label, value: p.figure.value, status: p.figure.status, note: p.figure.note }));
    t.same(
      local('A3A').map((o) => [o.period, o.value, o.status]),
      [...published('A3A', 331)].map(([p, v]) => [`${Number(p.slice(0, 4)) - 1}/${p.slice(2, 4)}`, v, /Rev/.test(p) ? 'revised' : 'final']),
      '2018 (Rev) is 2017/18, revised; 2020 (Final) is final',
    );
    t.match(local('KS1P_all').at(-1), { period: '2024/25', status: 'provisional' }, '2025 (prov) is provisional');
    t.ok(local('KS1P_all').slice(0, -1).every((o) => o.status === 'final'), 'the years before it are final');
    const rta = built.newIndicators.find((i) => i.code === 'RTA')!;
    t.match(rta, { periodType: 'calendar_year', unit: 'rate', rateBase: 100000 });
    t.match(rta.definition, /rolling one covering several years, shown at its last year/);
    t.match(local('RTA')[0], { period: '2016', value: published('RTA', 331).get('2014-16') ?? null, note: 'Three years together, 2014 to 2016 (published as 2014-16).' });
  });

  t.test('the benchmark import page searches the same library', async (t) => {
    const res = await page('/p/coventry/data/benchmark?q=reoffending', officer);
    t.equal(res.statusCode, 200);
    t.match(text(res.body), /2 of the 434 measures match “reoffending”/);
    t.match(res.body, /value="ReoffYO15-17"/);
    t.notMatch(res.body, /value="CIN"/, 'only the matches');
    t.match(text(res.body), /Open Government Licence v3\.0/);
    const chosen = await post('/p/coventry/data/benchmark', { q: 'reoffending', laNumber: '331', model: '2025-05', measures: 'ReoffYO', priorityId: priority.id }, officer);
    t.equal(chosen.statusCode, 303, 'a preview is made');
    const preview = await page(chosen.headers.location as string, officer);
    t.match(text(preview.body), /ReoffYO/);
    const bad = await post('/p/coventry/data/benchmark', { q: 'reoffending', laNumber: '331', model: '2025-05', measures: 'NoSuchMeasure', priorityId: priority.id }, officer);
    t.equal(bad.statusCode, 400);
    t.match(text(bad.body), /“NoSuchMeasure” is not one/);
    t.match(bad.body, /name="q" value="reoffending"/, 'the search is kept');
    t.equal((await page('/p/coventry/data/benchmark', viewer)).statusCode, 403);
  });

  t.test('a site admin sees, by measure, the periods the tracker does not understand', async (t) => {
    const admin = await signIn(app, 'admin@demo.example');
    const res = await page('/admin/benchmark', admin);
    t.equal(res.statusCode, 200);
    const body = text(res.body);
    t.match(body, /434 measures, 641,070 rows/);
    t.match(body, /433 of 434 measures have every period understood; 1 has periods that are not/);
    t.match(body, /CINPermExclusion Children in need with at least one permanent exclusion \(%\) \(9 periods understood\) 0 period 0 is the release’s placeholder for rows with no figures 170/);
    t.equal((await page('/admin/benchmark', officer)).statusCode, 403, 'only site admins');
  });
});
