import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { buildTestApp } from '../helpers/app.ts';
import { clearDemoNarrative } from '../helpers/demo-narrative.ts';
import { browserUnavailable, launchBrowser } from '../helpers/browser.ts';
import { fillDate } from '../helpers/date-input.ts';

const unavailable = browserUnavailable();
// Due dates a few years ahead, so the actions are on time whenever the test runs.
const later = new Date().getFullYear() + 4;

// Issue 7's "done when", as a manager would do it: write a story and two actions for an indicator, edit the story,
// restore the earlier version, and print the indicator's turn-the-curve report.
t.test('a manager tells the story behind a curve, plans actions and prints the one-page report', { skip: unavailable }, async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  // The manager writes persistent absence's first story and its actions: the demo's (seeds/demo/year-of-use.ts) are
  // taken away first.
  const coventry = await database.db.selectFrom('partnership').select('id').where('slug', '=', 'coventry').executeTakeFirstOrThrow();
  await clearDemoNarrative(database.db, coventry.id, { indicatorCodes: ['PERSISTENT_ABSENCE'] });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const browser = await launchBrowser();
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  // Screenshots and the PDF, to look at: kept when TTC_KEEP_SCREENSHOTS is set, removed otherwise.
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'ttc-report-'));
  if (process.env.TTC_KEEP_SCREENSHOTS) t.comment(`screenshots and the PDF are in ${out}`);
  else t.teardown(() => fs.rmSync(out, { recursive: true, force: true }));
  const indicatorUrl = `${address}/p/coventry/indicators/PERSISTENT_ABSENCE`;

  await page.goto(indicatorUrl);
  await page.fill('#email', 'manager@demo.example');
  await page.fill('#password', 'demo-manager-pass');
  await page.click('button[type=submit]');
  await page.waitForURL(/\/indicators\/PERSISTENT_ABSENCE$/);

  // A partner to lead one of the actions.
  await page.click('.ttc-service-nav a:text-is("Partners")');
  await page.click('a:text-is("Add a partner")');
  await page.fill('#name', 'Coventry secondary schools');
  await page.check('input[name=sector][value=schools]');
  await page.click('button:text-is("Add partner")');
  await page.waitForURL(/\/partners\/[0-9a-f-]{36}$/);

  // The story.
  await page.goto(indicatorUrl);
  await page.click('a:text-is("Write the story behind the curve")');
  await page.fill('#period_text', '2023/24 figures, data day March 2025');
  await page.fill('#summary', 'Persistent absence more than doubled after the pandemic and is only now falling.');
  await page.fill('#contributing', '- Attendance panels in secondary schools\n- Early help family workers');
  await page.fill('#restricting', '- Anxiety since the pandemic\n- Long waits for CAMHS');
  await page.fill('#root_causes', 'Emotionally based school avoidance\nUnmet special educational needs');
  await page.click('button:text-is("Save the story")');
  await page.waitForURL(/\/indicators\/PERSISTENT_ABSENCE#story$/);
  t.match(await page.textContent('#story'), /version 1 by Mina Manager/);

  // Two actions, added from the indicator page.
  for (const action of [
    { title: 'Attendance panels in every secondary school', partner: 'Coventry secondary schools', start: '2025-09-01', due: `${later}-07-31`, status: 'on_track' },
    { title: 'Early help worker for every persistently absent child in need', partner: '', start: '', due: `${later}-03-31`, status: 'not_started' },
  ]) {
    await page.click('#actions a:text-is("Add an action")');
    await page.fill('#title', action.title);
    if (action.partner) await page.selectOption('#lead_partner', { label: action.partner });
    await page.selectOption('#owner', { label: 'Olu Officer (officer)' });
    if (action.start) await fillDate(page, 'start_date', action.start);
    await fillDate(page, 'due_date', action.due);
    await page.check(`input[name=status][value=${action.status}]`);
    t.ok(await page.isChecked('input[name=indicators]:checked'), 'the indicator is already ticked');
    await page.click('button:text-is("Add the action")');
    await page.waitForURL(/\/indicators\/PERSISTENT_ABSENCE#actions$/);
  }
  const actionRows = await page.$$eval('#actions tbody tr', (rows) => rows.map((r) => r.textContent!.replace(/\s+/g, ' ').trim()));
  t.same(actionRows, [
    `Early help worker for every persistently absent child in need — Olu Officer 31 March ${later} Not started`,
    `Attendance panels in every secondary school Coventry secondary schools Olu Officer 31 July ${later} On track`,
  ], 'both actions on the indicator page, soonest due first');

  // Edit the story, then restore the first version.
  await page.click('a:text-is("Update the story")');
  await page.fill('#period_text', '2024/25 figures, data day March 2026');
  await page.fill('#contributing', '- Attendance panels now in every secondary school');
  await page.fill('#change_note', 'After the 2026 data day');
  await page.click('button:text-is("Save the story")');
  await page.waitForURL(/#story$/);
  t.match(await page.textContent('#story'), /version 2 by Mina Manager/);
  t.notMatch(await page.textContent('#story'), /Early help family workers/);

  await page.click('a:text-is("Earlier versions (1)")');
  await page.click('a:text-is("Version 1")');
  t.match(await page.textContent('main'), /This is an earlier version: version 2 is the current one/);
  await page.click('button:text-is("Restore version 1")');
  await page.waitForURL(/#story$/);
  const story = (await page.textContent('#story'))!.replace(/\s+/g, ' ');
  t.match(story, /Written for 2023\/24 figures, data day March 2025 · version 3 by Mina Manager, .* \(restored from version 1\)/);
  t.match(story, /Early help family workers/);

  // The report, on screen and in print.
  await page.click('a:text-is("Turn-the-curve report")');
  await page.waitForURL(/\/report$/);
  await page.waitForSelector('canvas#chart-report[data-drawn="true"]');
  t.ok(await page.isVisible('button:text-is("Print or save as PDF")'), 'the print button appears with JavaScript');
  const headings = await page.$$eval('.ttc-report h2', (hs) => hs.map((h) => h.textContent!.trim()));
  t.same(headings, ['How are we doing?', 'The story behind the curve', 'Partners with a role', 'What works', 'Action plan', 'Data development agenda']);
  await page.screenshot({ path: path.join(out, 'report-screen.png'), fullPage: true });

  const screenBox = await page.locator('canvas#chart-report').boundingBox();
  await page.emulateMedia({ media: 'print' });
  t.equal(await page.isVisible('.ttc-header'), false, 'no site header in print');
  t.equal(await page.isVisible('.ttc-report-toolbar'), false, 'no print button in print');
  const printBox = await page.locator('canvas#chart-report').boundingBox();
  t.ok(printBox && printBox.width > 500 && printBox.height > 150, `the chart keeps a real size in print (${printBox?.width}×${printBox?.height})`);
  t.ok(screenBox && printBox && Math.abs(screenBox.width - printBox.width) < 40 && Math.abs(screenBox.height - printBox.height) < 20, 'and about the size it has on screen');
  await page.screenshot({ path: path.join(out, 'report-print.png'), fullPage: true });

  const pdf = await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
  fs.writeFileSync(path.join(out, 'report.pdf'), pdf);
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page(?!s)/g) ?? []).length;
  t.ok(pages >= 1 && pages <= 2, `the report prints on one or two A4 pages (${pages})`);
  t.same(problems, [], 'no script errors, nothing blocked by the Content-Security-Policy');
});
