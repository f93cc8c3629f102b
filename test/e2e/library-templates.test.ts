// A partnership created from the Wakefield OBA template, in a real browser: its indicators draw real history with
// England, the region and statistical neighbours, and its priorities walk the seven population questions.
// Set SCREENSHOT_DIR to keep screenshots.
import t from 'tap';
import path from 'node:path';
import { createPartnership, findUserId, setMembership } from '../../server/features/accounts/queries.ts';
import { applyTemplate } from '../../server/features/templates/index.ts';
import { buildTestApp } from '../helpers/app.ts';
import { browserUnavailable, launchBrowser } from '../helpers/browser.ts';

const unavailable = browserUnavailable();
const shots = process.env.SCREENSHOT_DIR;

t.test('Wakefield from the Wakefield OBA template', { skip: unavailable }, async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const wakefield = await createPartnership(db, { slug: 'wakefield', name: "Wakefield Children and Young People's Partnership", laName: 'Wakefield', laNumber: 384 });
  await db.transaction().execute((trx) => applyTemplate(trx, wakefield.id, 'wakefield-oba', {}));
  await setMembership(db, wakefield.id, (await findUserId(db, 'manager@demo.example'))!, 'manager');

  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const browser = await launchBrowser();
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => m.type() === 'error' && problems.push(`${m.text()} ${m.location().url}`));

  await page.goto(`${address}/p/wakefield`);
  await page.fill('#email', 'manager@demo.example');
  await page.fill('#password', 'demo-manager-pass');
  await page.click('button[type=submit]');
  await page.waitForURL(/\/p\/wakefield$/);
  if (shots) await page.screenshot({ path: path.join(shots, 'template-wakefield-home.png'), fullPage: true });

  await page.click('a:has-text("Reduce the number of young people not in education, employment or training")');
  await page.waitForURL(/\/priorities\//);
  t.match(await page.textContent('#population-questions-heading'), /seven population questions/);
  const questions = await page.$$eval('.ttc-population-questions li', (items) => items.length);
  t.equal(questions, 7);
  if (shots) await page.screenshot({ path: path.join(shots, 'template-wakefield-priority.png'), fullPage: true });

  await page.goto(`${address}/p/wakefield/indicators/NEET_16_17`);
  await page.waitForSelector('canvas#chart-main[data-drawn="true"]');
  const labels = await page.evaluate(() => {
    const canvas = document.querySelector('canvas#chart-main') as HTMLCanvasElement & { ttcChart: any };
    return canvas.ttcChart.data.datasets.map((d: any) => d.label as string);
  });
  t.same(labels.slice(0, 4), ['Wakefield', 'England', 'Yorkshire and the Humber', 'Statistical neighbours (average, DfE May 2025 model)']);
  if (shots) await page.screenshot({ path: path.join(shots, 'template-wakefield-neet.png') });
  t.same(problems, [], 'no script errors, nothing blocked by the Content-Security-Policy');
});
