// In a browser: after a save, the success banner that says what happened has the focus, so a screen reader announces
// it (public/js/page.js); a reload says nothing.
import t from 'tap';
import { buildTestApp, DEMO_PASSWORDS } from '../helpers/app.ts';
import { browserUnavailable, launchBrowser, signInInBrowser } from '../helpers/browser.ts';

const unavailable = browserUnavailable();

t.test('the success banner takes the focus once', { skip: unavailable }, async (t) => {
  const { app } = await buildTestApp(t, 'demo');
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const browser = await launchBrowser();
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));

  await signInInBrowser(page, address, 'admin@demo.example', DEMO_PASSWORDS['admin@demo.example']!);

  await page.goto(`${address}/p/coventry/settings`);
  await page.click('main button[type=submit]');
  await page.waitForURL(`${address}/p/coventry/settings`);
  await page.waitForSelector('[data-notice]');
  t.match(await page.textContent('[data-notice]'), /Settings saved/);
  t.equal(await page.evaluate(() => !!document.activeElement?.hasAttribute('data-notice')), true, 'the banner has the focus');
  await page.reload();
  t.equal(await page.locator('[data-notice]').count(), 0, 'a reload does not say it again');
  t.same(problems, []);
});
