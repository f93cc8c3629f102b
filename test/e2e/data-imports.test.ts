// In a browser: export and re-import; a file with a bad row; both published explore-education-statistics files (test/fixtures/ees); and the
// benchmark library for Wakefield in a new partnership.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import type { Page } from 'playwright-core';
import { createPartnership, findUserId, setMembership } from '../../server/features/accounts/queries.ts';
import { buildTestApp } from '../helpers/app.ts';
import { browserUnavailable, launchBrowser, signInInBrowser } from '../helpers/browser.ts';

const unavailable = browserUnavailable();
const EES = new URL('../fixtures/ees/', import.meta.url);

t.test('imports and exports in a browser', { skip: unavailable }, async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const wakefield = await createPartnership(db, { slug: 'wakefield', name: 'Wakefield Children and Young People Partnership', laName: 'Wakefield', laNumber: 384 });
  await setMembership(db, wakefield.id, (await findUserId(db, 'officer@demo.example'))!, 'officer');
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const browser = await launchBrowser();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ttc-imports-'));
  t.teardown(async () => {
    await browser.close();
    fs.rmSync(work, { recursive: true, force: true });
  });
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => m.type() === 'error' && !/status of (400|409)/.test(m.text()) && problems.push(m.text()));
  await signInInBrowser(page, address, 'officer@demo.example', 'demo-officer-pass');
  const body = async (p: Page) => (await p.innerText('main')).replace(/\s+/g, ' ');

  await t.test('export, then import the file again: nothing changes', async (t) => {
    await page.goto(`${address}/p/coventry`);
    await page.click('nav.ttc-service-nav >> text=Import and export');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a:has-text("Every figure, as CSV")')]);
    const file = path.join(work, download.suggestedFilename());
    await download.saveAs(file);
    t.equal(download.suggestedFilename(), 'coventry-figures.csv');
    await page.setInputFiles('#csv-file', file);
    await page.click('button:has-text("Upload and check")');
    await page.waitForURL(/\/imports\/[0-9a-f-]{36}$/);
    const text = await body(page);
    t.match(text, /New figures 0 Changed figures 0 Unchanged figures \d+/);
    t.match(text, /Every figure in the file is already saved: importing it would change nothing/);
    t.equal(await page.locator('button:has-text("Confirm and import")').count(), 0);
  });

  await t.test('a file with a bad row: every problem with its line, nothing imported', async (t) => {
    const file = path.join(work, 'quarter.csv');
    fs.writeFileSync(file, 'indicator_code,series,period,value,status\r\nRE_REFERRALS_12M,local,2025-26 Q3,21.2,provisional\r\nRE_REFERRALS_12M,target,2026-27 Q1,abc,final\r\n');
    await page.goto(`${address}/p/coventry/data`);
    await page.setInputFiles('#csv-file', file);
    await page.click('button:has-text("Upload and check")');
    await page.waitForSelector('.govuk-error-summary');
    const text = await body(page);
    t.match(text, /Nothing can be imported until every row is right 1 row has a problem\. Nothing has been saved/);
    t.match(text, /line 3 value “abc” is not a number/);
    t.equal(await page.locator('button:has-text("Confirm and import")').count(), 0);
    const none = await page.locator('body').textContent();
    t.notMatch(none!, /Import complete/);
  });

  const importEes = async (t: Test, fileName: string, choose: (p: Page) => Promise<void>, expected: RegExp) => {
    await page.goto(`${address}/p/coventry/data`);
    await page.setInputFiles('#ees-file', new URL(fileName, EES).pathname);
    await page.click('button:has-text("Upload and choose what to import")');
    await page.waitForURL(/\/mapping$/);
    t.equal(await page.$eval('#area', (s) => (s as HTMLSelectElement).selectedOptions[0]!.textContent), 'Coventry (E08000026, 331)');
    await choose(page);
    await page.click('button:has-text("Check what would change")');
    await page.waitForURL(/\/imports\/[0-9a-f-]{36}$/);
    t.match(await body(page), expected);
    await page.click('button:has-text("Confirm and import")');
    await page.waitForSelector('.govuk-notification-banner--success');
    t.match(await body(page), /Import complete/);
  };

  await t.test('the KS4 file from explore education statistics', async (t) => {
    await importEes(
      t,
      'ks4_la.csv',
      async (p) => {
        await p.selectOption('#filter-social_care_group', 'CINO at 31 March');
        await p.selectOption('#indicatorColumn', 'avg_att8');
        await p.selectOption('#indicatorCode', '__new');
        await p.click('summary:has-text("A new indicator")');
        await p.fill('#newCode', 'CIN_ATT8');
        await p.fill('#newTitle', 'Attainment 8 of children in need');
        await p.selectOption('#newUnit', 'score');
        await p.selectOption('#newPolarity', 'higher');
        await p.fill('#newDecimals', '1');
        await p.selectOption('#priorityId', { label: 'Narrow the attainment gap for disadvantaged pupils' });
        await p.check('#comparators');
        await p.fill('#saveAs', 'KS4 children in need');
      },
      /New figures 21 Changed figures 0/,
    );
    await page.goto(`${address}/p/coventry/indicators/CIN_ATT8`);
    await page.waitForSelector('canvas#chart-main[data-drawn="true"]');
    t.match(await body(page), /2024\/25 17\.5 17\.3 16\.1/, 'Coventry, England and the West Midlands in the table');
  });

  await t.test('the absence file, with a mistake on the way', async (t) => {
    await importEes(
      t,
      'absence_la.csv',
      async (p) => {
        await p.selectOption('#indicatorColumn', 'pt_pupils_pa_10_exact');
        await p.selectOption('#indicatorCode', '__new');
        await p.click('summary:has-text("A new indicator")');
        await p.fill('#newCode', 'CLA_PA');
        await p.fill('#newTitle', 'Persistent absence of children looked after');
        await p.selectOption('#newUnit', 'percentage');
        await p.selectOption('#newPolarity', 'lower');
        await p.fill('#newDecimals', '1');
        await p.selectOption('#priorityId', { label: 'Improve school attendance' });
        await p.check('#comparators');
        // First without choosing the social care group: the file has three rows a year.
        await p.click('button:has-text("Check what would change")');
        await p.waitForSelector('.govuk-error-summary');
        t.match(await p.textContent('.govuk-error-summary'), /The file has 3 rows for Coventry in 2018\/19: choose a value for “social_care_group”/);
        t.equal(await p.inputValue('#newTitle'), 'Persistent absence of children looked after', 'the choices are kept');
        await p.selectOption('#filter-social_care_group', 'CLA 12 months at 31 March');
      },
      /New figures 21 Changed figures 0/,
    );
  });

  await t.test('the benchmark library for Wakefield, a new partnership', async (t) => {
    await page.goto(`${address}/p/wakefield/data`);
    await page.click('a:has-text("Import from the benchmark library")');
    t.equal(await page.$eval('#laNumber', (s) => (s as HTMLSelectElement).selectedOptions[0]!.textContent), 'Wakefield (384)');
    await page.check('label:has-text("DfE model of April 2021")');
    await page.check('label:has-text("Under 18 conception rates")');
    await page.check('label:has-text("Total school aged children")');
    await page.selectOption('#priorityId', 'new-priority');
    await page.fill('#newPriorityTitle', 'Benchmarks from the DfE');
    await page.fill('#newOutcomeTitle', 'Children and young people achieve their potential');
    await page.click('button:has-text("Check what would change")');
    await page.waitForURL(/\/imports\/[0-9a-f-]{36}$/);
    const text = await body(page);
    t.match(text, /A new priority “Benchmarks from the DfE” under a new outcome/);
    t.match(text, /Statistical neighbours of Wakefield \(DfE April 2021 model\): Wigan, Doncaster/);
    await page.click('button:has-text("Confirm and import")');
    await page.waitForSelector('.govuk-notification-banner--success');
    await page.goto(`${address}/p/wakefield/indicators/Under18concep`);
    await page.waitForSelector('canvas#chart-main[data-drawn="true"]');
    const labels = await page.evaluate(() => (document.querySelector('canvas#chart-main') as HTMLCanvasElement & { ttcChart: any }).ttcChart.data.datasets.map((d: any) => d.label));
    t.same(labels.slice(0, 4), ['Wakefield', 'England', 'Yorkshire and the Humber', 'Statistical neighbours (average, DfE April 2021 model)']);
    t.match(await body(page), /2021 20\.5 per 1,000 13\.1 per 1,000 [\d.]+ per 1,000 23\.77 per 1,000|2021 20\.5 per 1,000 13\.1 per 1,000 [\d.]+ per 1,000 23\.8 per 1,000/);
  });

  t.same(problems, [], 'no script errors, nothing blocked by the Content-Security-Policy');
});
