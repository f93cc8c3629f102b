// The Making Data Count icons as a person sees them: drawn at their size with their words beside them, on a phone and
// on a desktop, with no CSP complaint (inline SVG presentation attributes, no inline styles).
import t from 'tap';
import { buildTestApp } from '../helpers/app.ts';
import { browserUnavailable, launchBrowser, signInInBrowser } from '../helpers/browser.ts';

const unavailable = browserUnavailable();

t.test('MDC icons are drawn with their words on the indicator page, the scorecard and the summary', { skip: unavailable }, async (t) => {
  const { app } = await buildTestApp(t, 'demo');
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const browser = await launchBrowser({ width: 320, height: 800 });
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  await signInInBrowser(page, address, 'viewer@demo.example', 'demo-viewer-pass');

  for (const [width, url] of [[320, '/p/coventry/indicators/RE_REFERRALS_12M'], [1280, '/p/coventry/indicators/PERSISTENT_ABSENCE'], [1280, '/p/coventry/scorecard'], [320, '/p/coventry/spc']] as const) {
    await page.setViewportSize({ width, height: 800 });
    await page.goto(`${address}${url}`);
    const icons = await page.$$eval('.ttc-mdc__item', (items) =>
      items
        .filter((item) => item.querySelector('svg'))
        .map((item) => {
          const svg = item.querySelector('svg')!;
          const box = svg.getBoundingClientRect();
          const words = item.querySelector('.ttc-mdc__text')!;
          return { width: box.width, height: box.height, title: svg.querySelector('title')?.textContent ?? '', role: svg.getAttribute('role'), words: words.textContent ?? '', shown: (words as HTMLElement).offsetHeight > 0, stroke: svg.querySelector('circle')!.getAttribute('stroke') };
        }),
    );
    t.ok(icons.length >= 1, `${url} at ${width}px: ${icons.length} icons`);
    for (const icon of icons) {
      t.ok(icon.width >= 20 && icon.height >= 20, `${icon.words}: drawn ${icon.width}×${icon.height}`);
      t.equal(icon.role, 'img');
      t.ok(icon.title.includes(icon.words), `${icon.words}: its title says the same`);
      t.ok(icon.shown, `${icon.words}: the words are visible`);
    }
    // Improvement blue and concern orange, as Making Data Count colours them.
    for (const icon of icons.filter((i) => /improving|passing/.test(i.words))) t.equal(icon.stroke, '#00B0F0');
    for (const icon of icons.filter((i) => /concerning|failing/.test(i.words))) t.equal(icon.stroke, '#E46C0A');
    if (width === 320) {
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      t.ok(overflow <= 0, `${url}: nothing wider than a 320 px screen (${overflow})`);
    }
  }
  t.same(problems, [], 'no script errors or CSP violations');
});
