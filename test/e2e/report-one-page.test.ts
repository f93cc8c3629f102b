// Issue 16, item 11: the one-page turn-the-curve report prints on ONE A4 page, for the demo's longest indicator report
// and for an indicator whose story and action plan are far longer than a page; what is cut says where the rest is.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import t from 'tap';
import { inPartnershipTransaction } from '../../server/db/transaction.ts';
import { createAction } from '../../server/features/actions/queries.ts';
import { createItem } from '../../server/features/data-development/queries.ts';
import { ONE_PAGE_LIMITS } from '../../server/features/reports/one-page.ts';
import { addRole, createPartner } from '../../server/features/partners/queries.ts';
import { saveVersion } from '../../server/features/stories/queries.ts';
import { createWhatWorks } from '../../server/features/what-works/queries.ts';
import { buildTestApp, signIn } from '../helpers/app.ts';
import { clearDemoNarrative } from '../helpers/demo-narrative.ts';
import { browserUnavailable, launchBrowser } from '../helpers/browser.ts';

const unavailable = browserUnavailable();
const later = new Date().getFullYear() + 4;

/** Pages in a PDF: its page objects ("/Type /Page"), not the page tree ("/Type /Pages"). */
const pageCount = (pdf: Buffer) => (pdf.toString('latin1').match(/\/Type\s*\/Page(?![a-zA-Z])/g) ?? []).length;

/** Words a person might write, many of them: a story that runs far beyond its share of the page. */
const words = (n: number, seed: string) =>
  Array.from({ length: n }, (_, i) => ['attendance', 'families', 'schools', 'waiting', 'early', 'help', 'pupils', 'support', seed][(i * 7 + seed.length) % 9]).join(' ');

t.test('the one-page turn-the-curve report prints on one A4 page', { skip: unavailable }, async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const manager = await signIn(app, 'manager@demo.example');
  const browser = await launchBrowser();
  t.teardown(() => browser.close());
  const { hostname } = new URL(address);
  await browser.addCookies(manager.cookie.split('; ').map((c) => {
    const [name, value] = c.split('=') as [string, string];
    return { name, value, domain: hostname, path: '/' };
  }));
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'ttc-one-page-'));
  if (process.env.TTC_KEEP_SCREENSHOTS) t.comment(`screenshots and PDFs are in ${out}`);
  else t.teardown(() => fs.rmSync(out, { recursive: true, force: true }));

  const coventry = await db.selectFrom('partnership').select('id').where('slug', '=', 'coventry').executeTakeFirstOrThrow();
  const managerId = (await db.selectFrom('app_user').select('id').where('email', '=', 'manager@demo.example').executeTakeFirstOrThrow()).id;

  /** Prints an indicator's report as the browser would save it as a PDF, and reads what a reader would see. */
  async function print(code: string, name: string) {
    await page.goto(`${address}/p/coventry/indicators/${encodeURIComponent(code)}/report`);
    await page.waitForSelector('canvas#chart-report[data-drawn="true"]');
    await page.emulateMedia({ media: 'print' });
    await page.screenshot({ path: path.join(out, `${name}-print.png`), fullPage: true });
    const pdf = await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
    fs.writeFileSync(path.join(out, `${name}.pdf`), pdf);
    // The smallest type on paper, in points (a CSS pixel is 0.75pt): the report's text, not the chart's canvas.
    const smallest = await page.$$eval('.ttc-report *', (elements) =>
      Math.min(
        ...elements
          .filter((e) => [...e.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim()) && (e as HTMLElement).offsetParent !== null)
          .map((e) => parseFloat(getComputedStyle(e).fontSize) * 0.75),
      ),
    );
    const chart = await page.locator('canvas#chart-report').boundingBox();
    const bottom = await page.evaluate(() => document.querySelector('.ttc-report')!.getBoundingClientRect().bottom);
    const text = (await page.innerText('.ttc-report')).replace(/\s+/g, ' ');
    await page.emulateMedia({ media: 'screen' });
    return { pages: pageCount(pdf), smallest, chart, text, bottom };
  }

  // The demo's longest indicator report. "Longest": the most the report would show uncut — story, actions, partners,
  // what works and missing data, from the database — then the longest report as rendered (title, status sentence, the
  // table's columns, the key and the source). Both subtests use it: the second makes it longer still.
  const indicators = await db.selectFrom('indicator').select(['id', 'code']).where('partnership_id', '=', coventry.id).execute();
  const written = await sql<{ indicator_id: string; chars: number }>`
    select i.id as indicator_id,
      coalesce((select sum(length(v.summary) + length(v.contributing) + length(v.restricting) + length(v.root_causes::text))
                from story s join story_version v on v.story_id = s.id
                where s.indicator_id = i.id and v.version = (select max(version) from story_version w where w.story_id = s.id)), 0)
      + coalesce((select sum(length(a.title)) from action a join action_indicator ai on ai.action_id = a.id where ai.indicator_id = i.id), 0)
      + coalesce((select sum(length(w.title) + length(w.description)) from what_works w where w.indicator_id = i.id), 0)
      + coalesce((select sum(length(r.role)) from partner_role r where r.indicator_id = i.id), 0)
      + coalesce((select sum(length(d.title) + length(d.how_to_get)) from data_development_item d where d.indicator_id = i.id), 0) as chars
    from indicator i where i.partnership_id = ${coventry.id}`.execute(db);
  const writtenOf = new Map(written.rows.map((r) => [r.indicator_id, Number(r.chars)]));
  const rendered = new Map<string, number>();
  for (const indicator of indicators) {
    const res = await app.inject({ method: 'GET', url: `/p/coventry/indicators/${encodeURIComponent(indicator.code)}/report`, headers: { cookie: manager.cookie } });
    t.equal(res.statusCode, 200, `${indicator.code}'s report`);
    const article = res.body.slice(res.body.indexOf('<article'), res.body.indexOf('</article>'));
    rendered.set(indicator.id, article.replace(/<script[^>]*>[^<]*<\/script>/g, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').length);
  }
  const longest = [...indicators].sort((a, b) => writtenOf.get(b.id)! - writtenOf.get(a.id)! || rendered.get(b.id)! - rendered.get(a.id)!)[0]!;
  t.comment(`the longest demo report: ${longest.code} (${writtenOf.get(longest.id)} characters written, ${rendered.get(longest.id)} rendered)`);

  t.test("the demo's longest indicator report", async (t) => {
    const printed = await print(longest.code, 'demo-longest');
    t.equal(printed.pages, 1, `${longest.code}'s report prints on one A4 page`);
    t.ok(printed.smallest >= 9, `no print type below 9pt (smallest ${printed.smallest}pt)`);
    t.ok(printed.chart && printed.chart.width > 500 && printed.chart.height > 150, `the chart keeps a real size on paper (${printed.chart?.width}×${printed.chart?.height})`);
    for (const heading of ['How are we doing?', 'The story behind the curve', 'Partners with a role', 'What works', 'Action plan']) t.match(printed.text, heading);
  });

  t.test('a story and an action plan far longer than a page are cut, and say where the rest is', async (t) => {
    // On the longest report already: its title, status sentence, key and source take the most room.
    const indicator = await db.selectFrom('indicator').select(['id', 'code', 'priority_id']).where('partnership_id', '=', coventry.id).where('code', '=', longest.code).executeTakeFirstOrThrow();
    const subject = { kind: 'indicator' as const, id: indicator.id };
    // Only this test's story, partners and actions on it and its priority: the demo's (seeds/demo/year-of-use.ts), and
    // its data day's mark on the chart, are taken away first.
    await clearDemoNarrative(db, coventry.id, { indicatorCodes: [indicator.code], priorityIds: [indicator.priority_id!], dataDays: true });
    const lastSummaryWords = 'the very last words of the summary';
    await inPartnershipTransaction(db, coventry.id, async (trx) => {
      const saved = await saveVersion(trx, coventry.id, subject, managerId, {
        period_text: `2024/25 results, ${words(20, 'period')}`.slice(0, 200),
        summary: `${words(700, 'summary')}\n\n${words(300, 'more')} ${lastSummaryWords}`,
        contributing: Array.from({ length: 40 }, (_, i) => `- Contributing ${i + 1}: ${words(30, 'helping')}`).join('\n'),
        restricting: Array.from({ length: 40 }, (_, i) => `- Restricting ${i + 1}: ${words(30, 'holding')}`).join('\n'),
        root_causes: Array.from({ length: 20 }, (_, i) => `Root cause ${i + 1}: ${words(60, 'cause')}`.slice(0, 500)),
        change_note: '',
      }, { baseVersion: 0 });
      t.ok(saved.saved, 'the long story is saved');
      for (let n = 1; n <= 30; n++) {
        const partner = await createPartner(trx, coventry.id, { name: `Partner ${n} ${words(12, 'partner')}`.slice(0, 200), sector: 'voluntary', description: '', contact: '' });
        await addRole(trx, coventry.id, n % 3 ? subject : { kind: 'priority', id: indicator.priority_id! }, partner, `Role ${n}: ${words(60, 'role')}`);
        await createAction(trx, coventry.id, managerId, {
          title: `Action ${n}: ${words(40, 'action')}`.slice(0, 200),
          description: words(300, 'description'),
          lead_partner_id: partner,
          owner_id: managerId,
          start_date: null,
          due_date: `${later}-0${(n % 9) + 1}-15`,
          status: 'on_track',
        }, { indicatorIds: [indicator.id], priorityIds: [] });
        await createWhatWorks(trx, coventry.id, subject, managerId, { title: `Idea ${n}: ${words(30, 'idea')}`.slice(0, 200), description: words(300, 'evidence'), evidence_level: 'some_evidence', cost: n % 2 ? 'no_cost' : 'funded', source: words(40, 'source'), source_url: null });
        await createItem(trx, coventry.id, managerId, { title: `Missing measure ${n}: ${words(30, 'measure')}`.slice(0, 200), description: words(100, 'why'), how_to_get: words(200, 'ask'), priority_id: indicator.priority_id, indicator_id: indicator.id, owner_id: managerId, partner_id: partner, status: 'wanted' });
      }
    });

    const printed = await print(indicator.code, 'very-long');
    t.equal(printed.pages, 1, 'still one A4 page');
    // A page's height less its margins (282 mm), in CSS pixels: room to spare for a longer web address than the test's.
    t.ok(printed.bottom < 282 * (96 / 25.4) - 20, `with room to spare (the report ends at ${Math.round(printed.bottom)}px)`);
    t.ok(printed.smallest >= 9, `no print type below 9pt (smallest ${printed.smallest}pt)`);
    const storyUrl = `${address}/p/coventry/indicators/${indicator.code}#story`;
    t.match(printed.text, `… read the whole story at ${storyUrl}`, 'the story ends with the address of the whole story, printed in full');
    t.notMatch(printed.text, lastSummaryWords, 'the story is cut');
    const shown = ONE_PAGE_LIMITS.actions;
    t.equal(await page.locator('.ttc-report__actions tbody tr').count(), shown, `the first ${shown} actions`);
    t.match(printed.text, `… and ${30 - shown} more at ${address}/p/coventry/indicators/${indicator.code}#actions`, 'and where the others are');
    t.match(printed.text, `more at ${address}/p/coventry/indicators/${indicator.code}#what-works`);
    t.match(printed.text, `more at ${address}/p/coventry/indicators/${indicator.code}#data-development`);

    // On screen the report is the same page, and the address is a link to the whole story.
    await page.click(`a:text-is("${storyUrl}")`);
    await page.waitForURL(new RegExp(`/indicators/${indicator.code}#story$`));
    t.match(await page.textContent('#story'), lastSummaryWords, 'the whole story is on the indicator page');

    // On a phone the page is one column, in the order of the questions.
    await page.setViewportSize({ width: 320, height: 800 });
    await page.goto(`${address}/p/coventry/indicators/${indicator.code}/report`);
    const lefts = await page.$$eval('.ttc-report__page > section', (sections) => sections.map((s) => Math.round(s.getBoundingClientRect().left)));
    t.equal(new Set(lefts).size, 1, 'every section starts at the same left edge');
    const tops = await page.$$eval('.ttc-report__page > section', (sections) => sections.map((s) => s.getBoundingClientRect().top));
    t.same([...tops].sort((a, b) => a - b), tops, 'one below the other');
  });

  t.test('no script errors, nothing blocked by the Content-Security-Policy', async (t) => {
    t.same(problems, []);
  });
});
