// Every task by keyboard alone (issue 17): enter a return, import a CSV file, agree a baseline, write a story and run a
// data day, pressing only Tab, Shift+Tab, Enter, Space, arrow keys and typing — never clicking. The page is only ever
// loaded at a task's starting page (as someone would type an address); the file to import is chosen with
// setInputFiles, as a headless browser has no file dialog. Also: the skip link comes first and moves to the main
// content, a mistake moves the focus to the error summary, and every chart has a name and its figures beside it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import type { Page } from 'playwright-core';
import { buildTestApp, DEMO_PASSWORDS, form, signIn as signInByInject } from '../helpers/app.ts';
import { browserUnavailable, launchBrowser } from '../helpers/browser.ts';

const unavailable = browserUnavailable();

interface Target {
  selector: string;
  text?: string;
}

/** What has the focus: its tag, id, class and text, to say in a failure. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    return el ? { tag: el.tagName, id: el.id, className: typeof el.className === 'string' ? el.className : '', text: (el.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 80) } : null;
  });

const isFocused = (page: Page, { selector, text }: Target) =>
  page.evaluate(
    ({ selector, text }) => {
      const el = document.activeElement;
      return !!el && el.matches(selector) && (!text || (el.textContent ?? '').replace(/\s+/g, ' ').includes(text));
    },
    { selector, text },
  );

/** Presses Tab (or Shift+Tab) until the target has the focus; fails if it is never reached. */
async function tabTo(page: Page, target: Target, { backwards = false, max = 800 } = {}): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(backwards ? 'Shift+Tab' : 'Tab');
    if (await isFocused(page, target)) return;
  }
  throw new Error(`${target.selector}${target.text ? ` “${target.text}”` : ''} was not reached by ${backwards ? 'Shift+Tab' : 'Tab'}; the focus is on ${JSON.stringify(await focused(page))}`);
}

/** Opens a page as if its address were typed, with the focus at the top of the page. */
async function open(page: Page, url: string) {
  await page.goto(url, { waitUntil: 'load' });
}

/** Presses Enter on the focused control and waits for the page it leads to. */
async function enterAndWait(page: Page) {
  await Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')]);
}

/** Replaces what a focused field holds by typing, as a keyboard user would: select all, then type. */
async function typeOver(page: Page, text: string) {
  await page.keyboard.press('Control+A');
  await page.keyboard.type(text);
}

t.test('every task by keyboard alone', { skip: unavailable }, async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  // A data day to present, planned as a manager would (its planning form is not a task here).
  const manager = await signInByInject(app, 'manager@demo.example');
  const planned = await app.inject({
    method: 'POST',
    url: '/p/coventry/data-days',
    headers: { cookie: manager.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: form({ _csrf: manager.csrf, title: 'Keyboard data day', held_on: '20/11/2025', start: 'headline' }),
  });
  t.equal(planned.statusCode, 303, 'a data day is planned');
  const dataDayHref = planned.headers.location as string;

  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const browser = await launchBrowser();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ttc-keyboard-'));
  t.teardown(async () => {
    await browser.close();
    fs.rmSync(work, { recursive: true, force: true });
  });
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => m.type() === 'error' && !/status of (400|409|422)/.test(m.text()) && problems.push(m.text()));
  const main = async () => (await page.innerText('main')).replace(/\s+/g, ' ');

  const series = async (code: string) =>
    (await db.selectFrom('series').innerJoin('indicator', 'indicator.id', 'series.indicator_id').select('series.id').where('indicator.code', '=', code).where('series.role', '=', 'local').executeTakeFirstOrThrow()).id;
  const absence = await series('PERSISTENT_ABSENCE');

  await t.test('signing in, and the skip link', async (t) => {
    await open(page, `${address}/sign-in`);
    await page.keyboard.press('Tab');
    t.ok(await isFocused(page, { selector: 'a.govuk-skip-link', text: 'Skip to main content' }), 'the skip link is the first thing Tab reaches');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    t.ok(await page.evaluate(() => !!document.activeElement?.closest('main')), 'after the skip link, the next Tab is inside the main content');
    await tabTo(page, { selector: '#email' });
    await page.keyboard.type('manager@demo.example');
    await page.keyboard.press('Tab');
    t.ok(await isFocused(page, { selector: '#password' }), 'Tab goes from the email address to the password');
    await page.keyboard.type(DEMO_PASSWORDS['manager@demo.example']!);
    await enterAndWait(page);
    t.equal(new URL(page.url()).pathname.startsWith('/sign-in'), false, 'signed in');
  });

  await t.test('enter a return: a mistake, then a figure saved', async (t) => {
    await open(page, `${address}/p/coventry/returns?period=academic_year:2025-26`);
    await tabTo(page, { selector: `#value-${absence}` });
    await typeOver(page, '12,5');
    await tabTo(page, { selector: 'button', text: 'Save all figures' });
    await enterAndWait(page);
    t.ok(await isFocused(page, { selector: '.govuk-error-summary' }), 'the error summary has the focus');
    t.match(await page.innerText('.govuk-error-summary'), /“12,5” is not a number/);
    await tabTo(page, { selector: `.govuk-error-summary__list a[href="#value-${absence}"]` });
    await page.keyboard.press('Enter');
    t.ok(await isFocused(page, { selector: `#value-${absence}` }), 'the error’s link takes the focus to the field');
    await typeOver(page, '12.5');
    await tabTo(page, { selector: 'button', text: 'Save all figures' });
    await enterAndWait(page);
    t.match(await main(), /1 figure saved for 2025\/26/, 'the figure is saved');
    t.equal(await page.inputValue(`#value-${absence}`), '12.5');
  });

  await t.test('import a CSV file', async (t) => {
    const file = path.join(work, 'quarter.csv');
    fs.writeFileSync(file, 'indicator_code,series,period,value,status\r\nPERSISTENT_ABSENCE,local,2025/26,12.9,provisional\r\n');
    await open(page, `${address}/p/coventry/data`);
    await tabTo(page, { selector: '#csv-file' });
    await page.setInputFiles('#csv-file', file);
    await tabTo(page, { selector: 'button', text: 'Upload and check' });
    await enterAndWait(page);
    t.match(page.url(), /\/imports\/[0-9a-f-]{36}$/, 'the preview of the import');
    t.match(await main(), /Changed figures 1/);
    await tabTo(page, { selector: 'button', text: 'Confirm and import' });
    await enterAndWait(page);
    t.match(await main(), /Import complete/);
    await open(page, `${address}/p/coventry/returns?period=academic_year:2025-26`);
    t.equal(await page.inputValue(`#value-${absence}`), '12.9', 'the imported figure is saved');
  });

  await t.test('agree a baseline', async (t) => {
    await open(page, `${address}/p/coventry/indicators/PERSISTENT_ABSENCE`);
    await tabTo(page, { selector: 'a[href$="/indicators/PERSISTENT_ABSENCE/baseline"]' });
    await enterAndWait(page);
    t.match(await main(), /Agree a baseline/);
    await tabTo(page, { selector: '#window' });
    await typeOver(page, 'five');
    await tabTo(page, { selector: 'button', text: 'Agree this baseline' });
    await enterAndWait(page);
    t.ok(await isFocused(page, { selector: '.govuk-error-summary' }), 'a mistake: the error summary has the focus');
    await tabTo(page, { selector: '#window' });
    await typeOver(page, '5');
    await tabTo(page, { selector: '#method' });
    await page.keyboard.press('Space');
    t.ok(await page.isChecked('#method'), 'Space chooses the straight line');
    await tabTo(page, { selector: 'button', text: 'Agree this baseline' });
    // Back up to the note with Shift+Tab.
    await tabTo(page, { selector: '#note' }, { backwards: true });
    await page.keyboard.type('Agreed by keyboard');
    await page.keyboard.press('Tab');
    t.ok(await isFocused(page, { selector: 'button', text: 'Agree this baseline' }), 'Tab goes from the note to the button');
    await enterAndWait(page);
    t.match(page.url(), /\/indicators\/PERSISTENT_ABSENCE$/, 'back on the indicator');
    t.match(await page.innerText('[data-testid="baseline-sentence"]'), /agreed by Mina Manager/);
  });

  await t.test('write the story behind the curve', async (t) => {
    await open(page, `${address}/p/coventry/indicators/PERSISTENT_ABSENCE`);
    await tabTo(page, { selector: 'a[href$="/story/edit"]' });
    await enterAndWait(page);
    await tabTo(page, { selector: '#period_text' });
    await typeOver(page, '2025/26 figures');
    await tabTo(page, { selector: '#contributing' });
    await typeOver(page, '- Attendance mentors in every secondary school');
    await tabTo(page, { selector: '#restricting' });
    await typeOver(page, '- Long waits for mental health support');
    await tabTo(page, { selector: '#root_causes' });
    await typeOver(page, 'Anxiety after the pandemic');
    await tabTo(page, { selector: 'button', text: 'Save the story' });
    await enterAndWait(page);
    t.match(page.url(), /\/indicators\/PERSISTENT_ABSENCE(#story)?$/);
    t.match(await main(), /Attendance mentors in every secondary school/, 'the story is on the indicator page');
  });

  await t.test('every chart has a name and its figures beside it', async (t) => {
    const charts = await page.$$eval('canvas[data-chart]', (canvases) =>
      canvases.map((c) => ({
        id: c.id,
        role: c.getAttribute('role'),
        name: c.getAttribute('aria-label') ?? '',
        table: !!document.querySelector(`table[data-table-for="${c.id}"]`),
      })),
    );
    t.ok(charts.length >= 1, `${charts.length} chart(s) on the indicator page`);
    for (const c of charts) {
      t.equal(c.role, 'img', `${c.id} is an image to assistive technology`);
      t.ok(c.name.trim().length > 10, `${c.id} has a name: “${c.name}”`);
      t.ok(c.table, `${c.id} has its table of figures`);
    }
  });

  await t.test('run a data day: open the presentation and move between slides', async (t) => {
    await open(page, `${address}${dataDayHref}`);
    await tabTo(page, { selector: 'a[data-testid="present"]' });
    await enterAndWait(page);
    t.match(new URL(page.url()).pathname, /\/present$/);
    const shown = () => page.evaluate(() => [...document.querySelectorAll<HTMLElement>('.ttc-slide')].filter((s) => !s.hidden && s.getBoundingClientRect().height > 0).map((s) => s.dataset.n));
    t.same(await shown(), ['1'], 'the first slide');
    const total = await page.locator('.ttc-slide').count();
    t.ok(total >= 3, `${total} slides`);
    await page.keyboard.press('ArrowRight');
    t.same(await shown(), ['2'], 'the right arrow shows the next slide');
    await page.keyboard.press('ArrowRight');
    t.same(await shown(), ['3']);
    await page.keyboard.press('ArrowLeft');
    t.same(await shown(), ['2'], 'the left arrow goes back');
    await page.keyboard.press('End');
    t.same(await shown(), [String(total)], 'End shows the last slide');
    const slideCharts = await page.$$eval('canvas[data-chart]', (canvases) => canvases.map((c) => ({ role: c.getAttribute('role'), name: c.getAttribute('aria-label') ?? '' })));
    t.ok(slideCharts.length >= 1, 'the slides have charts');
    t.ok(slideCharts.every((c) => c.role === 'img' && c.name.length > 10), 'every chart on the slides has a name');
    await tabTo(page, { selector: 'a.ttc-deck__button', text: 'Exit' });
    await enterAndWait(page);
    t.equal(new URL(page.url()).pathname.endsWith('/present'), false, 'Exit leaves the presentation');
  });

  t.same(problems, [], 'no script errors, nothing blocked by the Content-Security-Policy');
});
