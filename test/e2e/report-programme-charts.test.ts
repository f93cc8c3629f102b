import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { parsePeriod } from '../../server/analysis/periods.ts';
import { buildTestApp } from '../helpers/app.ts';
import { browserUnavailable, launchBrowser } from '../helpers/browser.ts';

const unavailable = browserUnavailable();

// Issue 7: "a programme with one measure of each kind shows its charts" — set up in the browser as a manager would.
t.test('a programme with one measure of each kind shows its charts', { skip: unavailable }, async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const browser = await launchBrowser();
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));

  await page.goto(`${address}/p/coventry/programmes`);
  await page.fill('#email', 'manager@demo.example');
  await page.fill('#password', 'demo-manager-pass');
  await page.click('button[type=submit]');
  await page.waitForURL(/\/programmes$/);
  await page.click('a:text-is("Add a programme or service")');
  await page.fill('#name', 'Attendance support service');
  await page.fill('#customers', 'Pupils missing 10% or more of sessions, and their families');
  await page.check('label:text-is("Improve school attendance (Enjoy and achieve)")');
  await page.click('button:text-is("Add the programme")');
  await page.waitForURL(/\/programmes\/[0-9a-f-]{36}$/);
  const programmeUrl = page.url();

  for (const measure of [
    { kind: 'how_much', title: 'Families who started the programme', unit: 'count' },
    { kind: 'how_well', title: 'Families seen within 10 days of referral', unit: 'percentage' },
    { kind: 'better_off', title: 'Pupils whose attendance rose above 90%', unit: null },
  ]) {
    await page.click('a:text-is("Add a performance measure")');
    await page.check(`input[name=measure_kind][value=${measure.kind}]`);
    await page.fill('#title', measure.title);
    if (measure.unit) await page.selectOption('#unit', measure.unit);
    await page.click('button:text-is("Add the measure")');
    await page.waitForURL((url) => url.href.startsWith(programmeUrl));
  }
  t.equal(await page.locator('canvas').count(), 0, 'no chart before there are figures');

  // The figures arrive as any indicator's do (quarterly return, CSV import, API); here they are written directly.
  const quarters = ['2024-25 Q1', '2024-25 Q2', '2024-25 Q3', '2024-25 Q4', '2025-26 Q1'];
  // This programme's measures (the demo has a programme of its own: seeds/demo/year-of-use.ts).
  const measures = await db.selectFrom('indicator').innerJoin('series', 'series.indicator_id', 'indicator.id').select(['indicator.code', 'indicator.unit', 'series.id as series_id']).where('indicator.programme_id', '=', programmeUrl.split('/').at(-1)!).execute();
  t.equal(measures.length, 4, 'three measures, the better-off one as a number and a percentage');
  for (const m of measures) {
    await db
      .insertInto('observation')
      .values(quarters.map((q, i) => {
        const p = parsePeriod('fy_quarter', q);
        return { series_id: m.series_id, period_key: p.key, period_position: p.position, period_label: p.label, value: m.unit === 'percentage' ? 40 + 8 * i : 20 + 5 * i, marker: null };
      }))
      .execute();
  }

  await page.goto(programmeUrl);
  await page.waitForFunction(() => document.querySelectorAll('canvas[data-drawn="true"]').length === 4);
  const drawn = await page.$$eval('canvas[data-chart]', (canvases) =>
    canvases.map((c) => {
      const box = c.getBoundingClientRect();
      const chart = (c as HTMLCanvasElement & { ttcChart: { data: { labels: string[] } } }).ttcChart;
      return { id: c.id, width: box.width, height: box.height, labels: chart.data.labels };
    }),
  );
  t.equal(drawn.length, 4);
  for (const chart of drawn) {
    t.ok(chart.width > 300 && chart.height > 200, `${chart.id} has a real size`);
    t.same(chart.labels, quarters, `${chart.id} shows the five quarters`);
  }
  const headings = await page.$$eval('main h2', (hs) => hs.map((h) => h.textContent!.trim()));
  t.same(headings, ['How much did we do?', 'How well did we do it?', 'Is anyone better off?']);
  if (process.env.TTC_KEEP_SCREENSHOTS) {
    const file = path.join(os.tmpdir(), `ttc-programme-charts-${process.pid}.png`);
    await page.screenshot({ path: file, fullPage: true });
    t.comment(`screenshot: ${file}`);
  }
  t.same(problems, [], 'no script errors, nothing blocked by the Content-Security-Policy');
});
