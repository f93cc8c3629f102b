// On a phone (390 px): the scorecard and the indicator lists are cards, not sideways-scrolling tables; the return screen
// shows one indicator at a time with Previous / Next, where you are, and Save always to hand (issue 17, Phones).
// At 1280 px the scorecard is still a table.
import t from 'tap';
import type { BrowserContext, Page } from 'playwright-core';
import { buildTestApp } from '../helpers/app.ts';
import { browserUnavailable, launchBrowser, signInInBrowser } from '../helpers/browser.ts';

const unavailable = browserUnavailable();
const PHONE = { width: 390, height: 844 };

async function signInAs(browser: BrowserContext, address: string, email: string, password: string): Promise<Page> {
  const page = await browser.newPage();
  await signInInBrowser(page, address, email, password);
  return page;
}

/** What a card shows: each visible card's status words and latest value, and whether it sits inside the screen. */
async function cards(page: Page, table: string) {
  return page.$$eval(`${table} tr.ttc-cards__card`, (rows) =>
    rows.map((row) => {
      const box = row.getBoundingClientRect();
      const status = row.querySelector('[data-status]') as HTMLElement | null;
      const latest = row.querySelector('td[data-label^="Latest"]:not([data-label="Latest period"])') as HTMLElement | null;
      const label = latest ? getComputedStyle(latest, '::before').content : '';
      return {
        display: getComputedStyle(row).display,
        left: box.left,
        right: box.right,
        status: status && status.offsetWidth > 0 ? status.innerText.trim() : '',
        latest: latest && latest.offsetWidth > 0 ? latest.innerText.trim() : '',
        label,
        sparkline: !!row.querySelector('svg.ttc-sparkline'),
      };
    }),
  );
}

t.test('phones', { skip: unavailable }, async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const phone = await launchBrowser(PHONE);
  t.teardown(() => phone.close());
  const problems: string[] = [];
  const officer = await signInAs(phone, address, 'officer@demo.example', 'demo-officer-pass');
  officer.on('pageerror', (e) => problems.push(e.message));
  officer.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  const width = () => officer.evaluate(() => document.documentElement.scrollWidth);

  await t.test('the scorecard is a list of cards', async (t) => {
    t.equal((await officer.goto(`${address}/p/coventry/scorecard`))?.status(), 200);
    t.equal(await width(), PHONE.width, 'no wider than the screen');
    t.equal(await officer.$eval('.ttc-scorecard thead', (h) => h.getBoundingClientRect().height <= 1), true, 'the column headings are not shown');
    const shown = await cards(officer, '.ttc-scorecard');
    t.ok(shown.length > 5, `${shown.length} cards`);
    for (const card of shown) {
      t.equal(card.display, 'block', 'a card, not a table row');
      t.ok(card.left >= 0 && card.right <= PHONE.width, 'inside the screen');
      t.match(card.status, /^(Turned|Turning|On baseline|Worse than baseline|No data|No baseline|Above forecast|Below forecast)$/, 'its status in words');
      t.match(card.latest, /\S/, 'its latest value');
      t.equal(card.label, '"Latest"', 'introduced by the column name');
    }
    t.ok(shown.some((c) => c.sparkline), 'cards carry their trend sparkline');
  });

  await t.test('the partnership home lists indicators as cards', async (t) => {
    t.equal((await officer.goto(`${address}/p/coventry`))?.status(), 200);
    t.equal(await width(), PHONE.width, 'no wider than the screen');
    const shown = await cards(officer, '.ttc-indicator-table');
    t.ok(shown.length > 5, `${shown.length} cards`);
    for (const card of shown) {
      t.equal(card.display, 'block', 'a card, not a table row');
      t.ok(card.left >= 0 && card.right <= PHONE.width, 'inside the screen');
      t.match(card.status, /\S/, 'its status in words');
      t.match(card.latest, /\S/, 'its latest value');
      t.equal(card.label, '"Latest value"', 'introduced by the column name');
    }
    t.ok(shown.some((c) => c.sparkline), 'cards carry their trend sparkline');
  });

  await t.test('the return screen: one indicator at a time', async (t) => {
    t.equal((await officer.goto(`${address}/p/coventry/returns?period=academic_year:2025-26`))?.status(), 200);
    t.equal(await width(), PHONE.width, 'no wider than the screen');
    const total = await officer.$$eval('#figures .ttc-return', (s) => s.length);
    t.ok(total > 2, `${total} indicators due`);
    const visible = () => officer.$$eval('#figures .ttc-return', (s) => s.map((f, i) => ((f as HTMLElement).offsetHeight > 0 ? i : -1)).filter((i) => i >= 0));
    const position = () => officer.textContent('[data-testid=step-position]');
    t.same(await visible(), [0], 'only the first indicator shows');
    t.equal(await position(), `1 of ${total}`);
    t.equal(await officer.isDisabled('button[data-step=previous]'), true, 'no going back from the first');
    const save = officer.locator('button:has-text("Save all figures")');
    t.ok(await save.isVisible(), 'Save is to hand');

    await officer.click('button[data-step=next]');
    t.same(await visible(), [1], 'Next shows the second');
    t.ok(await save.evaluate((b) => { const r = b.getBoundingClientRect(); return r.bottom <= window.innerHeight && r.top >= 0; }), 'Save is on the screen');
    t.equal(await position(), `2 of ${total}`);
    await officer.click('button[data-step=next]');
    t.same(await visible(), [2]);
    t.equal(await position(), `3 of ${total}`);
    await officer.click('button[data-step=previous]');
    t.same(await visible(), [1], 'Previous goes back');
    t.equal(await position(), `2 of ${total}`);

    const second = officer.locator('#figures .ttc-return').nth(1);
    t.match(await second.locator('.govuk-body-s').first().textContent(), /Previous period, [^:]+: \S+/, 'the previous figure shown by the input');
    const input = second.locator('input[id^="value-"]').first();
    const seriesId = (await input.getAttribute('id'))!.slice('value-'.length);
    t.ok(await input.evaluate((i) => i.getBoundingClientRect().right <= window.innerWidth), 'the input fits the screen');
    await input.fill('17');
    await officer.evaluate(() => window.scrollTo(0, document.body.scrollHeight / 3));
    t.ok(await save.evaluate((b) => { const r = b.getBoundingClientRect(); return r.bottom <= window.innerHeight && r.top >= 0; }), 'Save stays on the screen while scrolling');
    await save.click();
    await officer.waitForSelector('.govuk-notification-banner--success');
    t.match(await officer.textContent('.govuk-notification-banner--success'), /1 figure saved for 2025\/26/);
    const saved = await database.db.selectFrom('observation').select(['observation.value'])
      .where('observation.series_id', '=', seriesId).where('observation.period_label', '=', '2025/26').executeTakeFirst();
    t.equal(Number(saved?.value), 17, 'the figure on the second card is saved');
  });

  await t.test('at 1280 px the scorecard is a table and the return form is whole', async (t) => {
    await officer.setViewportSize({ width: 1280, height: 900 });
    await officer.goto(`${address}/p/coventry/scorecard`);
    t.equal(await officer.$eval('.ttc-scorecard', (e) => getComputedStyle(e).display), 'table');
    t.equal(await officer.$eval('.ttc-scorecard tbody tr.ttc-cards__card', (e) => getComputedStyle(e).display), 'table-row');
    t.ok(await officer.isVisible('.ttc-scorecard thead th'), 'column headings shown');
    t.equal(await officer.$eval('.ttc-table-scroll', (e) => e.getAttribute('role') === 'region' && e.getAttribute('tabindex') === '0'), true, 'the scrolling region is still focusable');
    await officer.goto(`${address}/p/coventry/returns?period=academic_year:2025-26`);
    t.equal(await officer.$$eval('#figures .ttc-return', (s) => s.every((f) => (f as HTMLElement).offsetHeight > 0)), true, 'every indicator shows');
    t.equal(await officer.isVisible('button[data-step=next]'), false, 'no Next button');
    await officer.setViewportSize(PHONE);
    const oneAtATime = await officer
      .waitForFunction(() => Array.from(document.querySelectorAll<HTMLElement>('#figures .ttc-return')).filter((f) => f.offsetHeight > 0).length === 1, undefined, { timeout: 5000 })
      .then(() => true, () => false);
    t.ok(oneAtATime, 'turning narrow shows one at a time');
  });

  t.same(problems, [], 'no script errors');
});
