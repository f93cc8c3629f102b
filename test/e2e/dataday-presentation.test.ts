// A data day in Chromium, as a new user would run it: plan it, present it with the keyboard alone (arrows, Page Up and
// Page Down as a clicker sends them, Home, End, the slide index), check the slides are legible at 1280×720 and
// 1920×1080 (screenshots are kept for people to look at), capture two ideas from the room and turn one into an action.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import type { Page } from 'playwright-core';
import { createPartner } from '../../server/features/partners/queries.ts';
import { saveVersion } from '../../server/features/stories/queries.ts';
import { createWhatWorks } from '../../server/features/what-works/queries.ts';
import { buildTestApp } from '../helpers/app.ts';
import { browserUnavailable, launchBrowser, signInInBrowser } from '../helpers/browser.ts';
import { fillDate } from '../helpers/date-input.ts';

const unavailable = browserUnavailable();
/** Where the slide screenshots go, to be looked at (CI can keep them as artefacts). */
const SCREENSHOTS = process.env.SCREENSHOT_DIR ?? path.join(os.tmpdir(), 'ttc-dataday-screenshots');

const onScreen = (page: Page) =>
  page.evaluate(() => {
    const visible = [...document.querySelectorAll<HTMLElement>('.ttc-slide')].filter((s) => !s.hidden && s.getBoundingClientRect().height > 0);
    return { ids: visible.map((s) => s.id), hash: window.location.hash, kind: visible[0]?.className.replace(/.*ttc-slide--/, '') };
  });

t.test('presenting a data day with the keyboard, and capturing the room', { skip: unavailable }, async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  // The conversation around one indicator, as issue 7's features record it.
  const coventry = await db.selectFrom('partnership').select('id').where('slug', '=', 'coventry').executeTakeFirstOrThrow();
  const absence = await db.selectFrom('indicator').select(['id', 'title']).where('partnership_id', '=', coventry.id).where('code', '=', 'PERSISTENT_ABSENCE').executeTakeFirstOrThrow();
  const managerId = (await db.selectFrom('app_user').select('id').where('email', '=', 'manager@demo.example').executeTakeFirstOrThrow()).id;
  await db.transaction().execute((trx) =>
    saveVersion(trx, coventry.id, { kind: 'indicator', id: absence.id }, managerId, {
      period_text: 'Data day 2025',
      summary: 'Persistent absence rose sharply after the pandemic and has come down since, faster than the forecast.',
      contributing: '- Attendance panels in every secondary school\n- Early help family workers following up after 10 days',
      restricting: '- Anxiety-related absence is rising\n- Waiting lists for mental health support',
      root_causes: ['Mental health of young people after the pandemic', 'Cost of living: transport to school'],
      change_note: '',
    }, { baseVersion: 0 }),
  );
  await createPartner(db, coventry.id, { name: 'Coventry Schools Partnership', sector: 'schools', description: '', contact: '' });
  await createWhatWorks(db, coventry.id, { kind: 'indicator', id: absence.id }, managerId, { title: 'Text message nudges to parents', description: '', evidence_level: 'demonstrable', cost: 'no_cost', source: '', source_url: null });

  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const browser = await launchBrowser({ width: 1280, height: 720 });
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  const problems: string[] = [];
  const elsewhere: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('request', (r) => {
    if (!r.url().startsWith(address) && !/^(data|blob):/.test(r.url())) elsewhere.push(r.url());
  });
  fs.mkdirSync(SCREENSHOTS, { recursive: true });

  // ---- Plan the day ----
  await signInInBrowser(page, address, 'manager@demo.example', 'demo-manager-pass');
  await page.goto(`${address}/p/coventry`);
  await page.click('nav a:text-is("Data day")');
  await page.click('a:text-is("Plan a data day")');
  await page.fill('#title', 'Turning the Curve — Data Day 2025');
  await fillDate(page, 'held_on', '2025-11-20');
  await page.click('main button:text-is("Plan the data day")');
  await page.waitForURL(/\/data-days\/[0-9a-f-]{36}$/);
  const dataDayUrl = page.url();
  t.match(await page.textContent('[data-testid=agenda]'), /Persistent absence/);

  // ---- Present it, keyboard only ----
  await page.click('[data-testid=present]');
  await page.waitForURL(/\/present$/);
  await page.waitForFunction(() => document.querySelectorAll('.ttc-slide:not([hidden])').length === 1);
  const total = await page.locator('.ttc-slide').count();
  t.ok(total > 20, `${total} slides`);
  t.same((await onScreen(page)).ids, ['slide-1'], 'the title slide first, alone on screen');
  const labels = await page.$$eval('.ttc-slide', (slides) => slides.map((s) => (s as HTMLElement).dataset.label ?? ''));
  const curve = labels.indexOf(absence.title) + 1;
  t.ok(curve > 1, 'Persistent absence has its slides');

  await page.keyboard.press('ArrowRight');
  t.same((await onScreen(page)).ids, ['slide-2'], '→ next');
  await page.keyboard.press('PageDown');
  t.same((await onScreen(page)).ids, ['slide-3'], 'Page Down (a clicker) next');
  await page.keyboard.press('PageUp');
  t.same((await onScreen(page)).ids, ['slide-2'], 'Page Up back');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  t.same((await onScreen(page)).ids, ['slide-1'], 'no slide before the first');
  await page.keyboard.press('End');
  t.same((await onScreen(page)).ids, [`slide-${total}`], 'End: the last slide');
  await page.keyboard.press('ArrowDown');
  t.same((await onScreen(page)).ids, [`slide-${total}`], 'no slide after the last');
  await page.keyboard.press('Home');
  t.same((await onScreen(page)).ids, ['slide-1'], 'Home: the first');
  t.equal((await onScreen(page)).hash, '#slide-1', 'the address says where the room is');
  await page.keyboard.type(String(curve));
  await page.keyboard.press('Enter');
  t.same((await onScreen(page)).ids, [`slide-${curve}`], 'a slide number then Enter');

  // The slide index: I, arrows, Enter; Escape closes it.
  await page.keyboard.press('Home');
  await page.keyboard.press('i');
  t.ok(await page.isVisible('#slide-index'), 'I opens the slide index');
  t.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-goto')), '1', 'focus on the slide on screen');
  t.equal(await page.locator('#slide-index a[data-goto]').count(), total, 'every slide listed');
  await page.screenshot({ path: path.join(SCREENSHOTS, 'index-1280x720.png') });
  for (let i = 1; i < curve; i++) await page.keyboard.press('ArrowDown');
  t.equal(await page.evaluate(() => document.activeElement?.textContent?.trim()), `${curve} ${absence.title}`);
  await page.keyboard.press('Enter');
  t.notOk(await page.isVisible('#slide-index'), 'Enter goes there and closes the index');
  t.same((await onScreen(page)).ids, [`slide-${curve}`]);
  await page.keyboard.press('i');
  await page.keyboard.press('Escape');
  t.notOk(await page.isVisible('#slide-index'), 'Escape closes it');
  t.same((await onScreen(page)).ids, [`slide-${curve}`], 'and the room stays where it was');
  await page.keyboard.press('b');
  t.ok(await page.isVisible('[data-blank]'), 'B blanks the screen');
  await page.keyboard.press('b');
  t.notOk(await page.isVisible('[data-blank]'));

  // ---- Legible at 1280×720 and at 1920×1080; screenshots to look at ----
  const shots: string[] = [];
  for (const size of [{ width: 1280, height: 720 }, { width: 1920, height: 1080 }]) {
    await page.setViewportSize(size);
    for (const n of [1, 2, curve, curve + 1, curve + 2]) {
      await page.keyboard.press('Home');
      for (let i = 1; i < n; i++) await page.keyboard.press('ArrowRight');
      t.same((await onScreen(page)).ids, [`slide-${n}`]);
      await page.waitForTimeout(100);
      const check = await page.evaluate(() => {
        const slide = document.querySelector<HTMLElement>('.ttc-slide:not([hidden])')!;
        const texts = [...slide.querySelectorAll<HTMLElement>('h2, h3, p, li, dt, dd, th, td, span')].filter((e) => e.offsetParent && e.textContent!.trim() && !e.closest('.ttc-visually-hidden'));
        const smallest = Math.min(...texts.map((e) => parseFloat(getComputedStyle(e).fontSize)));
        const body = slide.querySelector<HTMLElement>('.ttc-slide__body')!;
        const canvas = slide.querySelector('canvas') as (HTMLCanvasElement & { ttcChart?: { options: { font?: { size?: number } } } }) | null;
        return {
          smallest,
          overflow: body.scrollHeight - body.clientHeight,
          widthOverflow: slide.scrollWidth - slide.clientWidth,
          chartFont: canvas ? (window as unknown as { Chart: { defaults: { font: { size: number } } } }).Chart.defaults.font.size : null,
          chartHeight: canvas ? canvas.getBoundingClientRect().height : null,
        };
      });
      // The smallest type a slide may use: 2.5% of the screen's height (18px at 720, 27px at 1080) — about 14pt on a
      // standard slide, the least that presentation guidance would have read from the back of a room.
      const minimum = size.height * 0.025;
      t.ok(check.smallest >= minimum, `${size.width}×${size.height} slide ${n}: smallest text ${check.smallest.toFixed(1)}px (at least ${minimum}px)`);
      t.ok(check.overflow <= 1 && check.widthOverflow <= 1, `${size.width}×${size.height} slide ${n}: everything fits on the slide`);
      if (check.chartFont !== null) {
        t.ok(check.chartFont >= (size.height === 720 ? 20 : 30), `chart type ${check.chartFont}px`);
        t.ok(check.chartHeight! > size.height * 0.4, `the chart fills the slide (${Math.round(check.chartHeight!)}px high)`);
      }
      const file = path.join(SCREENSHOTS, `slide-${n}-${size.width}x${size.height}.png`);
      await page.screenshot({ path: file });
      shots.push(file);
    }
  }
  t.ok(shots.every((f) => fs.statSync(f).size > 10_000), `screenshots in ${SCREENSHOTS}`);
  await page.setViewportSize({ width: 1280, height: 720 });

  // ---- Capture the room: two ideas, against the slides on screen ----
  await page.keyboard.press('Home');
  for (let i = 1; i < curve + 1; i++) await page.keyboard.press('ArrowRight');
  await page.keyboard.press('n');
  t.ok(await page.isVisible('#room-note'), 'N opens the note form');
  t.equal(await page.evaluate(() => document.activeElement?.id), 'note-body', 'ready to type');
  t.equal(await page.textContent('[data-note-about]'), `${absence.title}: the story behind the curve`);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'note-1280x720.png') });
  await page.keyboard.type('Walking buses from the estates');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Voluntary sector forum');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /Idea noted \(1 note so far\)/.test(document.querySelector('[data-note-status]')!.textContent!));
  t.equal(await page.inputValue('#note-body'), '', 'ready for the next');
  await page.keyboard.press('Escape');
  t.notOk(await page.isVisible('#room-note'));
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('n');
  await page.keyboard.type('Breakfast clubs in every primary school');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /Idea noted \(2 notes so far\)/.test(document.querySelector('[data-note-status]')!.textContent!));
  await page.keyboard.press('Escape');
  await page.screenshot({ path: path.join(SCREENSHOTS, 'after-notes-1280x720.png') });
  // This data day's notes (the demo's last data day has notes of its own: seeds/demo/year-of-use.ts).
  const notes = await db.selectFrom('room_note').select(['body', 'slide_label', 'indicator_id', 'who']).where('data_day_id', '=', dataDayUrl.split('/').at(-1)!).orderBy('created_at').execute();
  t.same(
    notes.map((n) => [n.body, n.slide_label, n.indicator_id, n.who]),
    [
      ['Walking buses from the estates', `${absence.title}: the story behind the curve`, absence.id, 'Voluntary sector forum'],
      ['Breakfast clubs in every primary school', `${absence.title}: what works and what we will do`, absence.id, ''],
    ],
    'both ideas, each against its slide',
  );

  // ---- Afterwards: review, and turn one into an action ----
  await page.goto(`${dataDayUrl}/notes`);
  t.match(await page.textContent('[data-testid=note-counts]'), /2 notes: 2 to review/);
  await page.click('a:has-text("Make it an action"):has-text("Walking buses")');
  await page.waitForURL(/\/action$/);
  t.equal(await page.inputValue('#title'), 'Walking buses from the estates');
  await page.selectOption('#lead_partner', { label: 'Coventry Schools Partnership' });
  await fillDate(page, 'due_date', '2026-07-31');
  await page.click('main button:text-is("Add the action")');
  await page.waitForURL(/\/notes#note-/);
  t.match(await page.textContent('[data-testid=note-counts]'), /2 notes: 1 to review; 1 turned into an action/);
  await page.click('a:text-is("Open the action")');
  await page.waitForURL(/\/actions\/[0-9a-f-]{36}$/);
  t.match(await page.textContent('main'), /Walking buses from the estates/);
  t.match(await page.textContent('main'), /Coventry Schools Partnership/);
  await page.goto(`${address}/p/coventry/indicators/PERSISTENT_ABSENCE`);
  t.match(await page.textContent('main'), /Walking buses from the estates/, 'on the indicator’s action plan');

  t.same(elsewhere, [], 'nothing loaded from another site');
  t.same(problems, [], 'no script errors, nothing blocked by the Content-Security-Policy');
});
