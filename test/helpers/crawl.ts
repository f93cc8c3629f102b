// A crawl of the app as one signed-in role (issue 17): from the home page, every same-site link, one page of each shape
// (the same path with other ids is the same template), at a desktop width with axe-core's WCAG 2.2 AA rules and at a
// phone width with the rules that depend on layout. Each page is also checked for its width against the screen,
// console errors and failed requests. Returns every finding, naming the page, the rule and the elements.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { BrowserContext, Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { DEMO_PASSWORDS, form, signIn as signInByInject } from './app.ts';
import { launchBrowser, signInInBrowser } from './browser.ts';

const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const WCAG_22_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
/**
 * At a phone's width only the rules whose outcome depends on layout run: the page's HTML is the same at every width
 * (the server does not know the screen), so names, labels, contrast and ARIA were judged at the desktop width.
 */
const LAYOUT_RULES = ['target-size', 'scrollable-region-focusable', 'meta-viewport', 'css-orientation-lock'];

export const DESKTOP = 1280;
export const PHONE = 390;

/** Links a crawl must not follow: signing out, anything that deletes or changes, downloads and the JSON API. */
export function notCrawled(url: URL): boolean {
  return (
    /\/sign-out|\/delete|\/remove|\/revoke|\/end-session|\/restore|\/retire|\/set-password/.test(url.pathname) ||
    /\.(csv|json|pdf|xlsx|zip|gz)$/.test(url.pathname) ||
    url.pathname.startsWith('/api/v1') ||
    url.pathname.startsWith('/vendor/') ||
    url.pathname.startsWith('/public/')
  );
}

/** A page's shape: its path with ids, numbers and codes replaced. Queries (filters, versions) are the same template. */
export function shapeOf(url: URL): string {
  const parts = url.pathname.split('/');
  return parts
    .map((part, i) =>
      // Ids, numbers and codes; and the names of things a list links to one by one (a golden thread, a library
      // measure, a partnership), each of them the same template.
      /^[0-9a-f-]{36}$|^\d+$|^[A-Z0-9_]{3,}$/.test(part) || (i > 0 && ['threads', 'benchmark', 'measures', 'p'].includes(parts[i - 1]!)) ? ':id' : part,
    )
    .join('/');
}

export interface CrawlResult {
  pages: string[];
  findings: string[];
}

async function signIn(page: Page, origin: string, role: string) {
  const email = `${role}@demo.example`;
  // One partnership lands on its home page, a site administrator on the list: either way, past the sign-in page.
  await signInInBrowser(page, origin, email, DEMO_PASSWORDS[email]!);
}

async function crawlAt(browser: BrowserContext, origin: string, role: string, width: number): Promise<CrawlResult> {
  const page = await browser.newPage();
  await signIn(page, origin, role);
  const findings: string[] = [];
  let current = '/';
  page.on('console', (message) => {
    if (message.type() === 'error') findings.push(`${current}: console error: ${message.text()}`);
  });
  page.on('requestfailed', (request) => findings.push(`${current}: request failed: ${request.url()} (${request.failure()?.errorText})`));
  page.on('response', (response) => {
    if (response.status() >= 400 && response.request().resourceType() !== 'document') findings.push(`${current}: ${response.url()} answered ${response.status()}`);
  });
  const shapes = new Set<string>(['/']);
  // From the home page, which lists the person's partnerships (or is the one partnership's page).
  const queue = ['/'];
  const pages: string[] = [];
  const rules = width === DESKTOP ? { type: 'tag', values: WCAG_22_AA } : { type: 'rule', values: LAYOUT_RULES };
  while (queue.length) {
    current = queue.shift()!;
    const response = await page.goto(origin + current, { waitUntil: 'load' });
    pages.push(current);
    if ((response?.status() ?? 0) >= 400) {
      findings.push(`${current}: answered ${response?.status()}`);
      continue;
    }
    const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    if (scrollWidth > width) findings.push(`${current}: ${scrollWidth} px wide on a ${width} px screen`);
    await page.evaluate(AXE);
    const violations = await page.evaluate(async (runOnly) => {
      const axe = (window as unknown as { axe: { run: (c: Document, o: object) => Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> } }).axe;
      const result = await axe.run(document, { runOnly, resultTypes: ['violations'] });
      return result.violations.map((v) => ({ id: v.id, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')), count: v.nodes.length }));
    }, rules);
    for (const v of violations) findings.push(`${current}: axe ${v.id} (${v.count}): ${v.targets.join(', ')}`);
    const links = await page.evaluate(() => Array.from(document.querySelectorAll('a[href]'), (a) => (a as HTMLAnchorElement).href));
    for (const href of links) {
      const url = new URL(href);
      if (url.origin !== origin || notCrawled(url)) continue;
      const shape = shapeOf(url);
      if (shapes.has(shape)) continue;
      shapes.add(shape);
      queue.push(url.pathname + url.search);
    }
  }
  await page.close();
  return { pages, findings };
}

/**
 * The demo as a year of use would have it, for the crawl to reach every kind of page: a data day with its agenda,
 * slides and book (the bare demo has none, and its pages once asked for font files that answered 404).
 */
export async function prepareDemoForCrawl(app: FastifyInstance): Promise<void> {
  const manager = await signInByInject(app, 'manager@demo.example');
  const created = await app.inject({
    method: 'POST',
    url: '/p/coventry/data-days',
    headers: { cookie: manager.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: form({ _csrf: manager.csrf, title: 'Turning the Curve — Data Day 2025', held_on: '20/11/2025', start: 'headline' }),
  });
  if (created.statusCode !== 303) throw new Error(`planning a data day answered ${created.statusCode}`);
}

/** The crawl as one role at the desktop and the phone width, side by side in two browsers. */
export async function crawlAsRole(origin: string, role: string): Promise<Record<number, CrawlResult>> {
  const [desktop, phone] = await Promise.all([launchBrowser({ width: DESKTOP, height: 900 }), launchBrowser({ width: PHONE, height: 844 })]);
  try {
    const [atDesktop, atPhone] = await Promise.all([crawlAt(desktop, origin, role, DESKTOP), crawlAt(phone, origin, role, PHONE)]);
    return { [DESKTOP]: atDesktop, [PHONE]: atPhone };
  } finally {
    await Promise.all([desktop.close(), phone.close()]);
  }
}
