// The what-works library and the gap-narrowing self-assessment in a real browser: search, a case study, a golden
// thread, and a self-assessment recorded twice and compared. Set SCREENSHOT_DIR to keep screenshots of each page.
import t from 'tap';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { buildTestApp } from '../helpers/app.ts';
import { clearDemoNarrative } from '../helpers/demo-narrative.ts';
import { deleteAssessment, listAssessments } from '../../server/features/self-assessment/queries.ts';
import { browserUnavailable, launchBrowser } from '../helpers/browser.ts';

const unavailable = browserUnavailable();
const shots = process.env.SCREENSHOT_DIR;
const screenshot = async (page: Page, name: string) => {
  if (!shots) return;
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  await page.screenshot({ path: path.join(shots, `${name}-viewport.png`) });
};

t.test('a manager searches the library, reads a case study and a thread, and records two self-assessments', { skip: unavailable }, async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  // This manager adds case study 56 to NEET's what works and records the partnership's first two self-assessments: the
  // demo's own (seeds/demo/year-of-use.ts) are taken away first.
  const coventry = await database.db.selectFrom('partnership').select('id').where('slug', '=', 'coventry').executeTakeFirstOrThrow();
  await clearDemoNarrative(database.db, coventry.id, { indicatorCodes: ['NEET_16_17'] });
  for (const a of await listAssessments(database.db, coventry.id)) await deleteAssessment(database.db, coventry.id, a.id);
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const browser = await launchBrowser();
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  // A form with mistakes is answered 400 on purpose (and Chromium logs that): anything else is a problem.
  page.on('console', (m) => m.type() === 'error' && !/status of 400/.test(m.text()) && problems.push(m.text()));

  await page.goto(`${address}/library`);
  await page.fill('#email', 'manager@demo.example');
  await page.fill('#password', 'demo-manager-pass');
  await page.click('button[type=submit]');
  await page.waitForURL(/\/library$/);

  await page.fill('#q', 'fathers');
  await page.click('button:has-text("Search")');
  await page.waitForURL(/q=fathers/);
  const titles = await page.$$eval('.ttc-library-result h3', (hs) => hs.map((h) => h.textContent!.trim()));
  t.match(titles[0], /^95\. Fathers Programme/, 'the fathers programme first');
  t.ok(await page.$('.ttc-library-result mark'), 'matches are marked');
  await screenshot(page, 'library-search-fathers');

  await page.selectOption('#thread', 'together-with-parents');
  await page.click('button:has-text("Apply filters")');
  await page.waitForURL(/thread=together-with-parents/);
  t.match(await page.textContent('#results-heading'), /case stud(y|ies) for “fathers”/);

  await page.click('.ttc-library-result h3 a');
  await page.waitForURL(/\/library\/case-studies\/\d+$/);
  t.match(await page.textContent('h1'), /\S/);
  await page.goto(`${address}/library/case-studies/5`);
  t.equal((await page.textContent('h1'))!.trim(), 'Data Book');
  await screenshot(page, 'library-case-study-5');

  await page.click('a:has-text("prove it")');
  await page.waitForURL(/\/library\/threads\/prove-it$/);
  const rows = await page.$$('tr[data-case-study]');
  t.ok(rows.length > 50, `the thread lists its case studies (${rows.length})`);
  await screenshot(page, 'library-thread-prove-it');

  // The case study into the NEET indicator's what works.
  await page.goto(`${address}/library/case-studies/56`);
  await page.click('a:has-text("Use it in Coventry")');
  await page.selectOption('#indicator', 'NEET_16_17');
  await page.check('#cost-low_cost');
  await page.click('button:has-text("Add to what works")');
  await page.waitForURL(/linked=indicator/);
  t.match(await page.textContent('.govuk-notification-banner'), /Added to the what works of 16 and 17 year olds/);
  await screenshot(page, 'library-link-done');

  // Self-assessment: the first, then a second, then what moved.
  await page.goto(`${address}/p/coventry`);
  await page.click('a:has-text("Gap-narrowing self-assessment")');
  await page.click('a:has-text("Record an assessment")');
  await page.fill('#assessed-on-day', '14');
  await page.fill('#assessed-on-month', '3');
  await page.fill('#assessed-on-year', '2024');
  await page.check('#rating-7-developing');
  await page.fill('#evidence-7', 'Two localities pool budgets for early help.');
  await page.fill('#owner-7', 'Head of Early Help');
  await page.check('#rating-13-established');
  await screenshot(page, 'self-assessment-form');
  await page.click('button:has-text("Save the assessment")');
  // No evidence for statement 13: the form comes back with the error, the values kept.
  await page.waitForSelector('.govuk-error-summary');
  t.match(await page.textContent('.govuk-error-summary'), /Statement 13: say what shows it is established/);
  t.equal(await page.inputValue('#owner-7'), 'Head of Early Help');
  await screenshot(page, 'self-assessment-form-error');
  await page.click('.govuk-error-summary a');
  await screenshot(page, 'self-assessment-form-error-field');
  await page.fill('#evidence-13', 'Every school improvement plan names its gap targets.');
  await page.click('button:has-text("Save the assessment")');
  await page.waitForURL(/\/self-assessment\/[0-9a-f-]{36}$/);

  await page.click('a:has-text("Gap-narrowing self-assessment")');
  await page.click('a:has-text("Record an assessment")');
  await page.fill('#assessed-on-day', '20');
  await page.fill('#assessed-on-month', '3');
  await page.fill('#assessed-on-year', '2025');
  t.equal(await page.inputValue('#evidence-7'), 'Two localities pool budgets for early help.', 'starts from the last one');
  await page.check('#rating-7-established');
  await page.fill('#evidence-7', 'All localities pool budgets for early help.');
  await page.check('#rating-13-developing');
  await page.click('button:has-text("Save the assessment")');
  await page.waitForURL(/\/self-assessment\/[0-9a-f-]{36}$/);
  await screenshot(page, 'self-assessment-show');
  await page.click('a:has-text("What moved since 14 March 2024")');
  await page.waitForURL(/\/self-assessment\/compare/);
  t.equal(await page.getAttribute('tr[data-statement="7"]', 'data-movement'), 'up');
  t.equal(await page.getAttribute('tr[data-statement="13"]', 'data-movement'), 'down');
  await screenshot(page, 'self-assessment-compare');

  t.same(problems, [], 'no script errors, nothing blocked by the Content-Security-Policy');
});
