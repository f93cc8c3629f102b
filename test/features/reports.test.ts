import t from 'tap';
import { insertPartnershipFromSeed, readDemoSeed } from '../../seeds/demo-loader.ts';
import { buildTestApp, signIn, type Session } from '../helpers/app.ts';
import { clearDemoNarrative } from '../helpers/demo-narrative.ts';

const later = new Date().getFullYear() + 4;
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');

t.test('the one-page turn-the-curve report', async (t) => {
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
  const gap = await db.selectFrom('indicator').select(['id', 'priority_id']).where('code', '=', 'KS4_ATT8_DISADV_GAP').executeTakeFirstOrThrow();
  const base = '/p/coventry/indicators/KS4_ATT8_DISADV_GAP';
  const priorityUrl = `/p/coventry/priorities/${gap.priority_id}`;
  // This test builds the conversation itself: the demo's (seeds/demo/year-of-use.ts) is taken off this priority, its
  // indicators and the indicator whose report should be empty.
  const ofPriority = await db.selectFrom('indicator').select('code').where('priority_id', '=', gap.priority_id).execute();
  await clearDemoNarrative(db, coventry.id, { indicatorCodes: [...ofPriority.map((i) => i.code), 'CLA_RATE'], priorityIds: [gap.priority_id!] });

  // The conversation for one indicator, as partners would have it after a data day.
  const trust = await db.insertInto('partner').values({ partnership_id: coventry.id, name: 'Coventry Teaching School Alliance', sector: 'schools' }).returning('id').executeTakeFirstOrThrow();
  const virtualSchool = await db.insertInto('partner').values({ partnership_id: coventry.id, name: 'Virtual School', sector: 'council' }).returning('id').executeTakeFirstOrThrow();
  await post(`${base}/story`, {
    base_version: '0',
    period_text: '2024/25 results, data day March 2026',
    summary: 'The gap widened again in 2024/25.',
    contributing: '- Tutoring targeted at disadvantaged pupils',
    restricting: '- Persistent absence of disadvantaged pupils',
    root_causes: 'Absence\nLow literacy at the end of key stage 2',
  });
  await post(`${priorityUrl}/story`, { base_version: '0', period_text: 'Data day March 2026', summary: 'Disadvantaged pupils are catching up, slowly.' });
  await post(`${base}/partners`, { partner: trust.id, role: 'Runs the tutoring programme' });
  await post(`${priorityUrl}/partners`, { partner: virtualSchool.id, role: 'Pupil premium plus for children in care' });
  await post(`${base}/what-works`, { title: 'Reading buddies in year 7', evidence_level: 'some_evidence', cost: 'no_cost', source: 'Case study 12' });
  await post('/p/coventry/actions', { title: 'Tutoring for every disadvantaged pupil in year 11', lead_partner: trust.id, due_date: `${later}-07-31`, status: 'on_track', indicators: gap.id });
  await post('/p/coventry/actions', { title: 'Attendance mentors for disadvantaged pupils', status: 'not_started', priorities: gap.priority_id! });
  await post('/p/coventry/data-development', { title: 'Attainment 8 of pupils in alternative provision', priority: gap.priority_id!, indicator: gap.id, how_to_get: 'Ask the alternative provision schools', status: 'wanted' });

  t.test('the indicator page offers the report', async (t) => {
    t.match((await page(base)).body, /<a class="govuk-link govuk-!-font-weight-bold" href="\/p\/coventry\/indicators\/KS4_ATT8_DISADV_GAP\/report">Turn-the-curve report<\/a>/);
    t.match((await page(priorityUrl)).body, new RegExp(`href="${priorityUrl}/report">Turn-the-curve report`));
  });

  t.test("an indicator's report: chart, story, partners, what works, actions and data development, in that order", async (t) => {
    const res = await page(`${base}/report`);
    t.equal(res.statusCode, 200);
    t.match(res.body, /<link rel="stylesheet" href="\/public\/css\/report-print.css(?:\?v=[0-9a-f]+)?">/);
    t.match(res.body, /<script src="\/public\/js\/report.js(?:\?v=[0-9a-f]+)?" defer><\/script>/);
    t.notMatch(res.body, /<script>(?!<\/script>)/, 'no inline script');
    const all = text(res.body);
    const body = all.slice(all.indexOf('Turn-the-curve report ·'));
    const order = ['How are we doing?', 'The story behind the curve', 'Partners with a role', 'What works', 'Action plan', 'Data development agenda'].map((h) => body.indexOf(h));
    t.ok(order.every((p) => p > 0), 'every section is there');
    t.same([...order].sort((a, b) => a - b), order, 'in the order of the turn-the-curve questions');
    t.match(body, /Latest: 2024\/25: 13\.9 · Worsened since the previous period · A smaller gap is better/);
    t.match(body, /Written for 2024\/25 results, data day March 2026 · version 1, Mina Manager/);
    t.match(body, /Tutoring targeted at disadvantaged pupils/);
    t.match(body, /Coventry Teaching School Alliance : Runs the tutoring programme On the priority Virtual School : Pupil premium plus for children in care/);
    t.match(body, /Reading buddies in year 7 No cost Evidence: Some evidence of impact\. Source: Case study 12/);
    t.match(body, new RegExp(`Tutoring for every disadvantaged pupil in year 11 Coventry Teaching School Alliance — 31 July ${later} On track`));
    t.notMatch(body, /Attendance mentors/, "the priority's other actions are on the priority's report");
    // It joins the end of the partnership's agenda, after the demo's four other items (seeds/demo/year-of-use.ts).
    t.match(body, /5\. Attainment 8 of pupils in alternative provision \(wanted; owner: not chosen yet\) How the data could be got: Ask the alternative provision schools/);

    const chart = JSON.parse(/<script type="application\/json" id="chart-report-data">([^<]*)</.exec(res.body)![1]!);
    t.equal(chart.title, 'The gap', "a gap indicator's report charts the gap");
    t.same(chart.series.map((s: { role: string }) => s.role).slice(0, 1), ['gap']);
    const rows = [...res.body.matchAll(/<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">([^<]+)<\/th>/g)].map((m) => m[1]);
    t.same(rows, ['2020/21', '2021/22', '2022/23', '2023/24', '2024/25'], 'the latest five periods under the chart');
    t.match(res.body, /data-table-for="chart-report"/);
  });

  t.test("a priority's report: each indicator's chart, the stories, and everything for the priority", async (t) => {
    const res = await page(`${priorityUrl}/report`);
    t.equal(res.statusCode, 200);
    const body = text(res.body);
    const ids = [...res.body.matchAll(/<canvas id="(chart-report-\d+)"/g)].map((m) => m[1]);
    t.same(ids, ['chart-report-0', 'chart-report-1', 'chart-report-2'], 'one chart per indicator of the priority');
    t.match(body, /The story behind the curves Written for Data day March 2026 .* Disadvantaged pupils are catching up, slowly\. Attainment 8 at key stage 4: disadvantaged gap Written for 2024\/25 results/);
    t.match(body, /Partners with a role Coventry Teaching School Alliance \(Attainment 8 at key stage 4: disadvantaged gap\) : Runs the tutoring programme Virtual School : Pupil premium plus for children in care/);
    t.match(body, /Tutoring for every disadvantaged pupil in year 11/);
    t.match(body, /Attendance mentors for disadvantaged pupils/);
    t.match(body, /Attainment 8 of pupils in alternative provision/);
  });

  t.test('an empty report says what is missing rather than leaving gaps', async (t) => {
    const body = text((await page('/p/coventry/indicators/CLA_RATE/report')).body);
    t.match(body, /No story written yet/);
    t.match(body, /No partners recorded for this indicator yet/);
    t.match(body, /No actions agreed yet/);
    t.match(body, /No missing data recorded/);
  });

  t.test('reports are for members of the partnership only', async (t) => {
    const otherId = await db.transaction().execute(async (trx) => insertPartnershipFromSeed(trx, await readDemoSeed(), 'other'));
    const theirPriority = await db.selectFrom('priority').select('id').where('partnership_id', '=', otherId).executeTakeFirstOrThrow();
    t.equal((await page(`/p/coventry/priorities/${theirPriority.id}/report`)).statusCode, 404);
    t.equal((await page('/p/other/indicators/KS4_ATT8_DISADV_GAP/report')).statusCode, 404);
    t.equal((await app.inject({ method: 'GET', url: `${base}/report` })).statusCode, 303, 'signed out: sent to sign in');
  });
});
