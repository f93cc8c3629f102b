// In a browser, as a new user would: enter a quarter's figures with a mistake in two fields and fix them; then two
// people edit the same figure from two browsers — nothing is lost, and the second is asked which to keep.
import t from 'tap';
import type { BrowserContext, Page } from 'playwright-core';
import { buildTestApp } from '../helpers/app.ts';
import { browserUnavailable, launchBrowser, signInInBrowser } from '../helpers/browser.ts';

const unavailable = browserUnavailable();

async function signInAs(browser: BrowserContext, address: string, email: string, password: string): Promise<Page> {
  const page = await browser.newPage();
  await signInInBrowser(page, address, email, password);
  return page;
}

t.test('entering data and editing at the same time, in two browsers', { skip: unavailable }, async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const officerBrowser = await launchBrowser();
  const managerBrowser = await launchBrowser();
  t.teardown(async () => {
    await officerBrowser.close();
    await managerBrowser.close();
  });
  const problems: string[] = [];
  const watch = (page: Page) => {
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => m.type() === 'error' && !/status of 40[09]/.test(m.text()) && problems.push(m.text()));
  };
  const officer = await signInAs(officerBrowser, address, 'officer@demo.example', 'demo-officer-pass');
  watch(officer);
  const series = async (code: string, role = 'local') =>
    (await database.db.selectFrom('series').innerJoin('indicator', 'indicator.id', 'series.indicator_id').select('series.id').where('indicator.code', '=', code).where('series.role', '=', role as 'local').executeTakeFirstOrThrow()).id;
  const absence = await series('PERSISTENT_ABSENCE');
  const exclusions = await series('PERMANENT_EXCLUSION_RATE');

  await t.test('a mistake in two fields, fixed', async (t) => {
    await officer.goto(`${address}/p/coventry`);
    await officer.click('nav.ttc-service-nav >> text=Enter data');
    await officer.selectOption('#period', 'academic_year:2025-26');
    await officer.click('button:has-text("Show indicators")');
    await officer.waitForSelector(`#value-${absence}`);
    t.match(await officer.textContent(`#row-${absence}`), /Previous period, 2024\/25: \d+\.\d\d% \(final\)/, 'the previous figure beside the input');

    await officer.fill(`#value-${absence}`, '12,5');
    await officer.fill(`#numerator-${exclusions}`, '30');
    await officer.fill(`#denominator-${exclusions}`, '0');
    await officer.fill(`#note-${exclusions}`, 'Autumn and spring terms');
    await officer.click('button:has-text("Save all figures")');
    await officer.waitForSelector('.govuk-error-summary');
    const summary = await officer.$$eval('.govuk-error-summary__list a', (links) => links.map((a) => ({ href: a.getAttribute('href'), text: a.textContent })));
    t.same(summary, [
      { href: `#value-${absence}`, text: 'Persistent absence, 2025/26: “12,5” is not a number: use a full stop for the decimal point (12.5)' },
      { href: `#denominator-${exclusions}`, text: 'Permanent exclusion rate, 2025/26: the denominator must be more than 0: 0 is not' },
    ]);
    t.equal(await officer.evaluate(() => document.activeElement?.classList.contains('govuk-error-summary')), true, 'the summary has the focus');
    t.equal(await officer.inputValue(`#value-${absence}`), '12,5', 'what was typed is kept');
    t.equal(await officer.inputValue(`#note-${exclusions}`), 'Autumn and spring terms');
    t.match(await officer.textContent(`#value-${absence}-error`), /“12,5” is not a number/, 'the message by the field');
    await officer.click(`.govuk-error-summary__list a[href="#denominator-${exclusions}"]`);
    t.equal(await officer.evaluate(() => document.activeElement?.id), `denominator-${exclusions}`, 'the link takes you to the field');

    await officer.fill(`#value-${absence}`, '12.5');
    await officer.fill(`#denominator-${exclusions}`, '40000');
    t.match(await officer.textContent(`.ttc-computed[data-for="${exclusions}"]`), /Worked out from 30 ÷ 40000: 0\.08%/, 'the value is worked out as you type');
    await officer.click('button:has-text("Save all figures")');
    await officer.waitForSelector('.govuk-notification-banner--success');
    t.match(await officer.textContent('.govuk-notification-banner--success'), /2 figures saved for 2025\/26/);
    t.equal(await officer.inputValue(`#value-${absence}`), '12.5');
    t.match(await officer.textContent(`#row-${absence}`), /Saved for 2025\/26: 12\.50% \(provisional\), by Olu Officer/);
  });

  await t.test('two browsers, one figure', async (t) => {
    const manager = await signInAs(managerBrowser, address, 'manager@demo.example', 'demo-manager-pass');
    watch(manager);
    const url = `${address}/p/coventry/returns?period=academic_year:2025-26`;
    await officer.goto(url);
    await manager.goto(url);
    await officer.fill(`#value-${absence}`, '12.7');
    await manager.fill(`#value-${absence}`, '12.4');
    await manager.selectOption(`#status-${absence}`, 'revised');
    await officer.click('button:has-text("Save all figures")');
    await officer.waitForSelector('.govuk-notification-banner--success');
    await manager.click('button:has-text("Save all figures")');
    await manager.waitForSelector('.govuk-error-summary');
    t.match(await manager.textContent('.govuk-error-summary'), /Persistent absence, 2025\/26: Olu Officer saved 12\.70% \(provisional\) while you were editing — choose which figure to keep/);
    t.match(await manager.textContent(`label[for="keep-${absence}"]`), /Keep mine: 12\.40% \(revised\)/);
    t.match(await manager.textContent(`label[for="keep-${absence}-theirs"]`), /Keep theirs: 12\.70% \(provisional\)/);
    t.equal(await manager.inputValue(`#value-${absence}`), '12.4', 'their typing is not lost');
    await manager.click('button:has-text("Save all figures")');
    await manager.waitForSelector('.govuk-error-summary');
    t.match(await manager.textContent('.govuk-error-summary'), /choose which figure to keep/, 'asked again until they choose');
    await manager.check(`#keep-${absence}`);
    await manager.click('button:has-text("Save all figures")');
    await manager.waitForSelector('.govuk-notification-banner--success');
    t.match(await manager.textContent('.govuk-notification-banner--success'), /1 figure saved/);

    await manager.goto(`${address}/p/coventry/indicators/PERSISTENT_ABSENCE/history?series=local&period=2025-26`);
    const rows = await manager.$$eval('tbody tr', (trs) => trs.map((tr) => tr.textContent!.replace(/\s+/g, ' ').trim()));
    t.equal(rows.length, 4);
    t.match(rows[0], /12\.70% \(provisional\) 12\.40% \(revised\) Mina Manager, data entry form/);
    t.match(rows[1], /12\.70% \(provisional\) not saved 12\.40% \(revised\) Mina Manager, data entry form: someone else had saved first/);
    t.match(rows[2], /12\.50% \(provisional\) 12\.70% \(provisional\) Olu Officer/);
    t.match(rows[3], /no figure 12\.50% \(provisional\) Olu Officer/);
    await manager.click(`button:has-text("Restore 12.70% (provisional)")`);
    await manager.waitForSelector('.govuk-notification-banner--success');
    t.match((await manager.textContent('tbody tr'))!.replace(/\s+/g, ' '), /12\.40% \(revised\) 12\.70% \(provisional\) Mina Manager, restored by a manager/);
  });

  t.same(problems, [], 'no script errors, nothing blocked by the Content-Security-Policy');
});
