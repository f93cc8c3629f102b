// Every page a admin can reach, at 1280 and 390 px (issue 17): WCAG 2.2 AA by axe-core, no page wider than its
// screen, no console error and no failed request. The crawl itself is in test/helpers/crawl.ts.
import t from 'tap';
import { buildTestApp } from '../helpers/app.ts';
import { browserUnavailable } from '../helpers/browser.ts';
import { crawlAsRole, DESKTOP, PHONE, prepareDemoForCrawl } from '../helpers/crawl.ts';

/** Pages of every kind the crawl must reach, or it has stopped short. */
const REACHED = ['/p/coventry/scorecard', '/p/coventry/indicators/', '/p/coventry/priorities/', '/p/coventry/data-days/', '/p/coventry/data-book', '/library/case-studies/'];

t.test('every page as a admin, on a desktop and a phone', { skip: browserUnavailable() }, async (t) => {
  const { app } = await buildTestApp(t, 'demo');
  await prepareDemoForCrawl(app);
  const origin = await app.listen({ port: 0, host: '127.0.0.1' });
  const results = await crawlAsRole(origin, 'admin');
  for (const width of [DESKTOP, PHONE]) {
    const pages = results[width]!.pages;
    t.ok(pages.length >= 20, `crawled ${pages.length} pages at ${width} px`);
    for (const kind of REACHED) t.ok(pages.some((p) => p.startsWith(kind)), `reached ${kind}… at ${width} px`);
    t.same(results[width]!.findings, [], `at ${width} px: no accessibility finding, no page wider than the screen, no error`);
  }
});
