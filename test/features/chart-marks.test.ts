// Issue 16, item 4 (the data): the indicator page's main chart carries marks for each linked action's start, each data
// day, the periods the current story covers and each baseline version, placed at the period containing each date; the
// table "Marks on the chart" lists every one, those outside the chart's periods too.
import t from 'tap';
import { findUserId } from '../../server/features/accounts/queries.ts';
import { createAction } from '../../server/features/actions/queries.ts';
import { createDataDay, replaceAgenda } from '../../server/features/dataday/queries.ts';
import { findIndicatorByCode } from '../../server/features/indicators/queries.ts';
import { periodsNamedIn } from '../../server/features/indicators/marks.ts';
import { saveVersion } from '../../server/features/stories/queries.ts';
import { inTransaction } from '../../server/db/transaction.ts';
import { clearDemoNarrative } from '../helpers/demo-narrative.ts';
import { buildTestApp, signIn } from '../helpers/app.ts';

interface Mark { kind: string; at: number; to?: number; label: string; description: string }
interface Chart { id: string; labels: string[]; marks?: Mark[] }

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');

/** The chart model the page embeds for the browser, read back from its JSON block. */
function chartOf(html: string, id: string): Chart {
  const match = new RegExp(`<script type="application/json" id="${id}-data">([\\s\\S]*?)</script>`).exec(html);
  if (!match) throw new Error(`no JSON block for ${id}`);
  return JSON.parse(match[1]!) as Chart;
}

/** The rows of the "Marks on the chart" table, as [kind, period, what, date] texts. */
function markRows(html: string): string[][] {
  const table = /<table[^>]*data-testid="chart-marks"[\s\S]*?<\/table>/.exec(html)?.[0];
  if (!table) return [];
  return [...table.matchAll(/<tr class="govuk-table__row" data-mark-kind[^>]*>([\s\S]*?)<\/tr>/g)].map((row) => [...row[1]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => text(c[1]!).trim()));
}

t.test('the story\'s periods are read from its period text, in the indicator\'s own kind of period', async (t) => {
  t.same(periodsNamedIn('academic_year', 'From 2022/23 to 2023/24'), { from: 2022, to: 2023 });
  t.same(periodsNamedIn('academic_year', 'The 2024/25 results'), { from: 2024, to: 2024 });
  t.same(periodsNamedIn('fy_quarter', '2024-25 Q2 and Q3 2024-25'), { from: 2024 * 4 + 1, to: 2024 * 4 + 2 });
  t.equal(periodsNamedIn('academic_year', 'Spring data day'), null, 'no period named');
});

t.test('marks on the indicator page\'s chart and in its table', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const partnership = await db.selectFrom('partnership').select('id').where('slug', '=', 'coventry').executeTakeFirstOrThrow();
  const managerId = (await findUserId(db, 'manager@demo.example'))!;
  const manager = await signIn(app, 'manager@demo.example');
  const viewer = await signIn(app, 'viewer@demo.example');
  const CODE = 'PERSISTENT_ABSENCE'; // academic years: 1 September to 31 August
  const indicator = (await findIndicatorByCode(db, partnership.id, CODE))!;
  const other = (await findIndicatorByCode(db, partnership.id, 'NEET_16_17'))!;
  // Only this test's marks: the demo's actions, story and data day (seeds/demo/year-of-use.ts) are taken off first.
  await clearDemoNarrative(db, partnership.id, { indicatorCodes: [CODE, 'NEET_16_17'], dataDays: true });

  const pageOf = async (code: string) => {
    const res = await app.inject({ method: 'GET', url: `/p/coventry/indicators/${code}`, headers: { cookie: viewer.cookie } });
    t.equal(res.statusCode, 200);
    return res.body;
  };
  const before = chartOf(await pageOf(CODE), 'chart-main');
  t.ok(before.labels.includes('2023/24') && before.labels.includes('2024/25'), 'the chart shows the periods the marks fall in');

  // A second baseline version, agreed on the form.
  const periods = before.labels;
  const rebaseAt = periods[periods.indexOf('2024/25') - 1]!;
  const agreed = await app.inject({
    method: 'POST',
    url: `/p/coventry/indicators/${CODE}/baseline`,
    headers: { cookie: manager.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: manager.csrf, period: rebaseAt, window: '5', method: 'linear' }).toString(),
  });
  t.equal(agreed.statusCode, 303);

  const actionValues = (title: string, start: string | null) => ({ title, description: '', lead_partner_id: null, owner_id: null, start_date: start, due_date: null, status: 'on_track' as const });
  await inTransaction(db, async (trx) => {
    await createAction(trx, partnership.id, managerId, actionValues('Attendance mentors in every secondary school', '2023-10-15'), { indicatorIds: [indicator.id], priorityIds: [] });
    await createAction(trx, partnership.id, managerId, actionValues('Truancy sweeps of the nineties', '1995-02-01'), { indicatorIds: [indicator.id], priorityIds: [] });
    await createAction(trx, partnership.id, managerId, actionValues('Family attendance workers', null), { indicatorIds: [indicator.id], priorityIds: [] });
    await createAction(trx, partnership.id, managerId, actionValues('An action on another indicator', '2023-10-15'), { indicatorIds: [other.id], priorityIds: [] });
    await createDataDay(trx, partnership.id, managerId, { title: 'Spring data day', held_on: '2025-03-12' }, []);
    await saveVersion(trx, partnership.id, { kind: 'indicator', id: indicator.id }, managerId, { period_text: '2022/23 to 2023/24', summary: 'Absence rose after the pandemic.', contributing: '', restricting: '', root_causes: [], change_note: '' }, { baseVersion: 0 });
    await saveVersion(trx, partnership.id, { kind: 'indicator', id: other.id }, managerId, { period_text: 'Written for the spring data day', summary: 'NEET is steady.', contributing: '', restricting: '', root_causes: [], change_note: '' }, { baseVersion: 0 });
  });

  const html = await pageOf(CODE);
  const chart = chartOf(html, 'chart-main');
  const marks = chart.marks ?? [];
  const index = (label: string) => chart.labels.indexOf(label);

  t.test('in the chart model the browser draws from', async (t) => {
    const action = marks.find((m) => m.kind === 'action' && m.description.includes('Attendance mentors'));
    t.ok(action, 'the linked action is marked');
    t.equal(action?.at, index('2023/24'), 'at the academic year containing its start date');
    t.notOk(marks.some((m) => m.description.includes('nineties')), 'an action that started before the chart\'s first period is left off the chart');
    t.notOk(marks.some((m) => m.description.includes('Family attendance')), 'an action with no start date is not drawn');
    t.notOk(marks.some((m) => m.description.includes('another indicator')), 'an action on another indicator is not marked here');
    const dataDay = marks.find((m) => m.kind === 'dataday');
    t.equal(dataDay?.at, index('2024/25'), 'the data day, in the academic year it was held');
    const story = marks.find((m) => m.kind === 'story');
    t.match(story, { at: index('2022/23'), to: index('2023/24') }, 'the story spans the periods it names');
    const baselines = marks.filter((m) => m.kind === 'baseline');
    t.equal(baselines.length, 2, 'each baseline version');
    t.equal(baselines.at(-1)?.at, index(rebaseAt), 'the new version at its baseline period');
    for (const m of marks) t.ok(m.label.length > 0 && m.label.length <= 28, `a short label to draw: "${m.label}"`);
  });

  t.test('in the table under the chart, with every mark', async (t) => {
    const rows = markRows(html);
    const row = (needle: string) => rows.find((r) => r[2]!.includes(needle));
    t.same(row('Attendance mentors'), ['Action started', '2023/24', 'Action “Attendance mentors in every secondary school” started on 15 October 2023', '15 October 2023']);
    t.match(row('nineties'), ['Action started', /^1994\/95 \(outside the chart’s periods\)$/, /started on 1 February 1995/, '1 February 1995'], 'the one outside the chart is still listed');
    t.match(row('Family attendance'), ['Action started', 'Not known', /has no start date yet/, 'Not set']);
    t.match(row('Spring data day'), ['Data day', '2024/25', /held on 12 March 2025/, '12 March 2025']);
    t.match(row('story behind the curve'), ['Story behind the curve', '2022/23 to 2023/24', /covering 2022\/23 to 2023\/24/]);
    t.match(row('Baseline version 2'), ['Baseline agreed', rebaseAt, /agreed by Mina Manager/]);
    t.notOk(row('another indicator'));
    t.equal(rows.length, marks.length + 2, 'the table lists the two marks that are not drawn as well');
  });

  t.test('the one-page report\'s chart carries the same marks', async (t) => {
    const res = await app.inject({ method: 'GET', url: `/p/coventry/indicators/${CODE}/report`, headers: { cookie: viewer.cookie } });
    t.equal(res.statusCode, 200);
    const report = chartOf(res.body, 'chart-report');
    t.same(
      (report.marks ?? []).map((m) => [m.kind, report.labels[m.at]]),
      marks.map((m) => [m.kind, chart.labels[m.at]]),
      'each mark at the same period',
    );
  });

  t.test('the Data Book and a data day\'s slides carry the same marks, naming no member', async (t) => {
    const book = await app.inject({ method: 'GET', url: '/p/coventry/data-book', headers: { cookie: viewer.cookie } });
    t.equal(book.statusCode, 200);
    const charts = [...book.body.matchAll(/<script type="application\/json" id="([^"]+)-data">([\s\S]*?)<\/script>/g)].map((m) => JSON.parse(m[2]!) as Chart & { title: string });
    const absence = charts.find((c) => c.title === indicator.title);
    t.ok(absence, 'the book draws the indicator');
    t.same(
      (absence?.marks ?? []).map((m) => [m.kind, absence!.labels[m.at]]),
      marks.map((m) => [m.kind, chart.labels[m.at]]),
      'each mark at the same period as on the indicator page',
    );
    t.notMatch(JSON.stringify(absence?.marks ?? []), /Mina Manager/, 'a baseline is agreed by the partnership, not a named member');
    t.match(JSON.stringify(absence?.marks ?? []), /agreed by the partnership/);

    const dataDay = await db.selectFrom('data_day').select('id').where('partnership_id', '=', partnership.id).executeTakeFirstOrThrow();
    await inTransaction(db, (trx) => replaceAgenda(trx, partnership.id, dataDay.id, [{ kind: 'indicator', id: indicator.id }]));
    const slides = await app.inject({ method: 'GET', url: `/p/coventry/data-days/${dataDay.id}/present`, headers: { cookie: viewer.cookie } });
    t.equal(slides.statusCode, 200);
    const slideCharts = [...slides.body.matchAll(/<script type="application\/json" id="([^"]+)-data">([\s\S]*?)<\/script>/g)].map((m) => JSON.parse(m[2]!) as Chart & { title: string });
    t.ok(slideCharts.some((c) => (c.marks ?? []).some((m) => m.kind === 'action' && m.description.includes('Attendance mentors'))), 'the curve slide marks the action');
  });

  t.test('a story that names no period is placed at the latest figure when it was written', async (t) => {
    const page = await pageOf('NEET_16_17');
    const neet = chartOf(page, 'chart-main');
    const lastWithValue = neet.labels.filter((_, i) => (neet as unknown as { series: { values: (number | null)[] }[] }).series[0]!.values[i] !== null).at(-1)!;
    const story = (neet.marks ?? []).find((m) => m.kind === 'story');
    t.equal(story?.at, neet.labels.indexOf(lastWithValue));
    t.match(markRows(page).find((r) => r[0] === 'Story behind the curve'), ['Story behind the curve', lastWithValue, /written when the latest figure was for/]);
  });
});
