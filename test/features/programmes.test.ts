import t from 'tap';
import { parsePeriod } from '../../server/analysis/periods.ts';
import { insertPartnershipFromSeed, readDemoSeed } from '../../seeds/demo-loader.ts';
import { buildTestApp, signIn, type Session } from '../helpers/app.ts';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');

t.test('performance accountability: programmes and their measures', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const manager = await signIn(app, 'manager@demo.example');
  const viewer = await signIn(app, 'viewer@demo.example');
  const page = (url: string, session: Session = viewer) => app.inject({ method: 'GET', url, headers: { cookie: session.cookie, accept: 'text/html' } });
  const post = (url: string, values: Record<string, string | string[]>, session: Session = manager) => {
    const body = new URLSearchParams({ _csrf: session.csrf });
    for (const [k, v] of Object.entries(values)) for (const one of [v].flat()) body.append(k, one);
    return app.inject({ method: 'POST', url, headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: body.toString() });
  };
  const coventry = await db.selectFrom('partnership').select('id').where('slug', '=', 'coventry').executeTakeFirstOrThrow();
  const attendance = await db.selectFrom('priority').select('id').where('partnership_id', '=', coventry.id).where('title', 'like', 'Improve school attendance%').executeTakeFirstOrThrow();
  const schools = await db.insertInto('partner').values({ partnership_id: coventry.id, name: 'Attendance support team', sector: 'council' }).returning('id').executeTakeFirstOrThrow();
  let programmeUrl = '';

  t.test('a manager adds a programme that serves a priority', async (t) => {
    const bad = await post('/p/coventry/programmes', { name: '', customers: 'kept', priorities: '00000000-0000-4000-8000-000000000000' });
    t.equal(bad.statusCode, 400);
    t.match(bad.body, /href="#name">Enter the name of the programme or service/);
    t.match(bad.body, />kept<\/textarea>/);
    const forged = await post('/p/coventry/programmes', { name: 'Forged', priorities: '00000000-0000-4000-8000-000000000000' });
    t.match(forged.body, /href="#priorities">Choose priorities from the list/);
    const res = await post('/p/coventry/programmes', {
      name: 'Attendance support service',
      description: 'Works with families of persistently absent pupils.',
      customers: 'Pupils missing 10% or more of sessions, and their families',
      lead_partner: schools.id,
      priorities: attendance.id,
    });
    t.equal(res.statusCode, 303);
    programmeUrl = res.headers.location as string;
    t.match(programmeUrl, /^\/p\/coventry\/programmes\/[0-9a-f-]{36}$/);
    const shown = text((await page(programmeUrl)).body);
    t.match(shown, /Who are our customers\? Pupils missing 10% or more of sessions, and their families/);
    t.match(shown, /Priorities it serves Improve school attendance/);
    t.match(text((await page(`/p/coventry/priorities/${attendance.id}`)).body), /Programmes and services serving this priority Attendance support service \(0 performance measures\)/);
    t.equal((await post('/p/coventry/programmes', { name: 'attendance SUPPORT service' })).statusCode, 400, 'names are unique');
  });

  t.test('one measure of each kind; "is anyone better off" makes a number and a percentage', async (t) => {
    t.equal((await page(`${programmeUrl}/measures/new`)).statusCode, 403, 'viewers read only');
    const add = (values: Record<string, string>) => post(`${programmeUrl}/measures`, { polarity: 'higher', period_type: 'fy_quarter', unit: 'count', code: '', definition: '', ...values });
    t.equal((await add({ measure_kind: 'how_much', title: 'Families who started the programme' })).statusCode, 303);
    t.equal((await add({ measure_kind: 'how_well', title: 'Families seen within 10 days of referral', unit: 'percentage' })).statusCode, 303);
    t.equal((await add({ measure_kind: 'better_off', title: 'Pupils whose attendance rose above 90%', code: 'ASS_BETTER' })).statusCode, 303);
    const bad = await add({ measure_kind: '', title: '', code: 'not a code!' });
    t.equal(bad.statusCode, 400);
    t.match(bad.body, /href="#measure_kind">Choose which question the measure answers/);
    t.match(bad.body, /href="#title">Enter what the measure counts/);
    t.match(bad.body, /href="#code">A code is letters, digits/);
    const taken = await add({ measure_kind: 'how_much', title: 'Clash', code: 'NEET_16_17' });
    t.match(taken.body, /The code NEET_16_17 is already used by another indicator or measure/);

    // This programme's measures (the demo has a programme of its own: seeds/demo/year-of-use.ts).
    const measures = await db.selectFrom('indicator').select(['code', 'title', 'unit', 'measure_kind', 'priority_id', 'decimals']).where('programme_id', '=', programmeUrl.split('/').at(-1)!).orderBy('position').execute();
    t.same(measures, [
      { code: 'FAMILIES_WHO_STARTED_THE_PROGRAMME', title: 'Families who started the programme', unit: 'count', measure_kind: 'how_much', priority_id: null, decimals: 0 },
      { code: 'FAMILIES_SEEN_WITHIN_10_DAYS_OF_REFERRAL', title: 'Families seen within 10 days of referral', unit: 'percentage', measure_kind: 'how_well', priority_id: null, decimals: 1 },
      { code: 'ASS_BETTER_N', title: 'Pupils whose attendance rose above 90% (number)', unit: 'count', measure_kind: 'better_off', priority_id: null, decimals: 0 },
      { code: 'ASS_BETTER_PCT', title: 'Pupils whose attendance rose above 90% (percentage)', unit: 'percentage', measure_kind: 'better_off', priority_id: null, decimals: 1 },
    ]);
    t.equal((await add({ measure_kind: 'how_much', title: 'Families who started the programme' })).statusCode, 303);
    const again = await db.selectFrom('indicator').select('code').where('title', '=', 'Families who started the programme').orderBy('position').execute();
    t.same(again.map((r) => r.code), ['FAMILIES_WHO_STARTED_THE_PROGRAMME', 'FAMILIES_WHO_STARTED_THE_PROGRAMME_2'], 'a code made from a title is never a duplicate');
    await db.deleteFrom('indicator').where('code', '=', 'FAMILIES_WHO_STARTED_THE_PROGRAMME_2').execute();
  });

  t.test('measures are charted with the indicator machinery, grouped by the three questions', async (t) => {
    // Figures arrive as for any indicator (quarterly return, import, API); here they are written directly.
    const quarters = ['2024-25 Q1', '2024-25 Q2', '2024-25 Q3', '2024-25 Q4', '2025-26 Q1'];
    const figures: Record<string, number[]> = {
      FAMILIES_WHO_STARTED_THE_PROGRAMME: [40, 52, 61, 58, 66],
      FAMILIES_SEEN_WITHIN_10_DAYS_OF_REFERRAL: [61.5, 70.2, 74.9, 80.3, 83.3],
      ASS_BETTER_N: [12, 19, 25, 27, 33],
      ASS_BETTER_PCT: [30.0, 36.5, 41.0, 46.6, 50.0],
    };
    for (const [code, values] of Object.entries(figures)) {
      const series = await db.selectFrom('series').innerJoin('indicator', 'indicator.id', 'series.indicator_id').select('series.id').where('indicator.code', '=', code).executeTakeFirstOrThrow();
      await db
        .insertInto('observation')
        .values(values.map((value, i) => {
          const period = parsePeriod('fy_quarter', quarters[i]!);
          return { series_id: series.id, period_key: period.key, period_position: period.position, period_label: period.label, value, marker: null };
        }))
        .execute();
    }
    const res = await page(programmeUrl);
    t.equal(res.statusCode, 200);
    const shown = text(res.body);
    t.match(shown, /How much did we do\? Families who started the programme .* Latest: 2025-26 Q1: 66 · Improved/);
    t.match(shown, /How well did we do it\? Families seen within 10 days of referral .* Latest: 2025-26 Q1: 83\.3% · Improved/);
    t.match(shown, /Is anyone better off\? Pupils whose attendance rose above 90% \(number\) .* Latest: 2025-26 Q1: 33 .* Pupils whose attendance rose above 90% \(percentage\) .* Latest: 2025-26 Q1: 50\.0%/);
    const charts = [...res.body.matchAll(/<script type="application\/json" id="(chart-measure-\d)-data">([^<]*)</g)];
    t.same(charts.map((c) => c[1]), ['chart-measure-0', 'chart-measure-1', 'chart-measure-2', 'chart-measure-3'], 'one chart per measure, each with its own id');
    const chart = JSON.parse(charts[1]![2]!);
    t.same(chart.labels, quarters);
    t.same(chart.series[0].values, figures.FAMILIES_SEEN_WITHIN_10_DAYS_OF_REFERRAL);
    t.equal(chart.suffix, '%');
  });

  t.test("a measure's own page is the indicator page, under its programme; population pages leave it out", async (t) => {
    const measure = await page('/p/coventry/indicators/ASS_BETTER_PCT');
    t.equal(measure.statusCode, 200);
    const shown = text(measure.body);
    t.match(shown, /Performance measure · Attendance support service · Is anyone better off\?/);
    t.match(measure.body, new RegExp(`<a class="govuk-breadcrumbs__link" href="${programmeUrl}">Attendance support service</a>`));
    t.match(shown, /Story behind the curve/, 'the conversation sections work for a measure too');
    const home = text((await page('/p/coventry')).body);
    t.notMatch(home, /Families who started the programme|Pupils whose attendance rose/, 'the population home page lists population indicators only');
    t.notMatch(text((await page(`/p/coventry/priorities/${attendance.id}`)).body), /Families seen within 10 days/);
    const report = await page('/p/coventry/indicators/ASS_BETTER_PCT/report');
    t.equal(report.statusCode, 200);
    t.match(text(report.body), /Turn-the-curve report .* Pupils whose attendance rose above 90% \(percentage\)/);
  });

  t.test('an action can aim to move a performance measure', async (t) => {
    const form = await page('/p/coventry/actions/new', manager);
    t.match(text(form.body), /Performance measures: Attendance support service Families who started the programme/);
  });

  t.test("another partnership's programmes are not found", async (t) => {
    const otherId = await db.transaction().execute(async (trx) => insertPartnershipFromSeed(trx, await readDemoSeed(), 'other'));
    const theirs = await db.insertInto('programme').values({ partnership_id: otherId, name: 'Theirs', lead_partner_id: null }).returning('id').executeTakeFirstOrThrow();
    t.equal((await page(`/p/coventry/programmes/${theirs.id}`)).statusCode, 404);
    t.equal((await post(`/p/coventry/programmes/${theirs.id}/measures`, { measure_kind: 'how_much', title: 'x', polarity: 'higher', period_type: 'fy_quarter' })).statusCode, 404);
    const count = await db.selectFrom('indicator').select('id').where('programme_id', '=', theirs.id).execute();
    t.same(count, []);
  });
});
