// The Data Book in Chromium: printed to PDF with the print stylesheet (page breaks, page numbers, contents), then
// published, read signed out, unpublished and gone (404).
//
// Page numbers come from CSS page-margin boxes (`@page { @bottom-right { content: counter(page) … } }`), which
// Chromium draws since version 131, in its print dialog and in page.pdf alike: so this test prints exactly as a person
// would, with the browser's own header and footer off, and reads each page's text back out of the PDF.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import t from 'tap';
import type { Page } from 'playwright-core';
import { saveVersion } from '../../server/features/stories/queries.ts';
import { buildTestApp } from '../helpers/app.ts';
import { clearDemoNarrative } from '../helpers/demo-narrative.ts';
import { browserUnavailable, launchBrowser, signInInBrowser } from '../helpers/browser.ts';

const unavailable = browserUnavailable();
const OUTPUT = process.env.SCREENSHOT_DIR ?? path.join(os.tmpdir(), 'ttc-dataday-screenshots');

/**
 * The text of each page of a PDF as Chromium (Skia) writes one: uncompressed object dictionaries, Flate content
 * streams, and Type 0 fonts with ToUnicode maps. Enough to read headings and footers back; not a general PDF reader.
 */
function pdfPageTexts(buffer: Buffer): string[] {
  const raw = buffer.toString('latin1');
  const objects = new Map<number, { dict: string; stream: Buffer | null }>();
  const start = /(\d+) 0 obj\s*/g;
  let match: RegExpExecArray | null;
  while ((match = start.exec(raw))) {
    const from = match.index + match[0].length;
    const end = raw.indexOf('endobj', from);
    const content = raw.slice(from, end);
    const at = content.indexOf('stream');
    let dict = content;
    let stream: Buffer | null = null;
    if (at >= 0 && /^\s*<</.test(content)) {
      dict = content.slice(0, at);
      let offset = from + at + 'stream'.length;
      if (raw[offset] === '\r') offset++;
      if (raw[offset] === '\n') offset++;
      const bytes = buffer.subarray(offset, offset + Number(/\/Length (\d+)/.exec(dict)![1]));
      stream = /FlateDecode/.test(dict) ? zlib.inflateSync(bytes) : bytes;
    }
    objects.set(Number(match[1]), { dict, stream });
    start.lastIndex = end;
  }
  const unicode = new Map<number, Map<number, string>>();
  const mapOf = (fontId: number) => {
    let map = unicode.get(fontId);
    if (map) return map;
    unicode.set(fontId, (map = new Map()));
    const ref = /\/ToUnicode (\d+) 0 R/.exec(objects.get(fontId)!.dict);
    const cmap = ref ? objects.get(Number(ref[1]))!.stream!.toString('latin1') : '';
    const chars = (hex: string) => String.fromCharCode(...hex.match(/.{4}/g)!.map((h) => parseInt(h, 16)));
    for (const block of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) for (const p of block[1]!.matchAll(/<([0-9a-f]+)>\s*<([0-9a-f]+)>/gi)) map.set(parseInt(p[1]!, 16), chars(p[2]!));
    for (const block of cmap.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
      for (const p of block[1]!.matchAll(/<([0-9a-f]+)>\s*<([0-9a-f]+)>\s*<([0-9a-f]+)>/gi)) {
        for (let g = parseInt(p[1]!, 16); g <= parseInt(p[2]!, 16); g++) map.set(g, String.fromCharCode(parseInt(p[3]!, 16) + g - parseInt(p[1]!, 16)));
      }
    }
    return map;
  };
  const order: number[] = [];
  const walk = (id: number) => {
    const dict = objects.get(id)!.dict;
    if (/\/Type \/Pages/.test(dict)) for (const kid of /\/Kids \[([^\]]*)\]/.exec(dict)![1]!.matchAll(/(\d+) 0 R/g)) walk(Number(kid[1]));
    else order.push(id);
  };
  walk([...objects].find(([, o]) => /\/Type \/Pages/.test(o.dict) && !/\/Parent/.test(o.dict))![0]);
  return order.map((id) => {
    const dict = objects.get(id)!.dict;
    const fonts = new Map([...(/\/Font <<([^>]*)>>/.exec(dict)?.[1] ?? '').matchAll(/\/(\w+) (\d+) 0 R/g)].map((f) => [f[1]!, Number(f[2])]));
    const contents = [.../\/Contents (\[[^\]]*\]|\d+ 0 R)/.exec(dict)![1]!.matchAll(/(\d+) 0 R/g)].map((c) => objects.get(Number(c[1]))!.stream!.toString('latin1')).join('\n');
    let map = new Map<number, string>();
    const decode = (hex: string) => (hex.match(/.{4}/g) ?? []).map((g) => map.get(parseInt(g, 16)) ?? '').join('');
    let text = '';
    for (const op of contents.matchAll(/\/(\w+) [\d.]+ Tf|<([0-9a-fA-F]*)> ?Tj|\[([^\]]*)\] ?TJ|(ET)/g)) {
      if (op[1]) map = mapOf(fonts.get(op[1])!);
      else if (op[2] !== undefined) text += decode(op[2]);
      else if (op[3] !== undefined) for (const part of op[3].matchAll(/<([0-9a-fA-F]*)>|(-?[\d.]+)/g)) text += part[1] !== undefined ? decode(part[1]) : Number(part[2]) < -200 ? ' ' : '';
      else text += '\n';
    }
    return text.replace(/\s+/g, ' ').trim();
  });
}

t.test('the Data Book prints to a clean PDF, and is published, read signed out and taken down', { skip: unavailable }, async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const coventry = await db.selectFrom('partnership').select('id').where('slug', '=', 'coventry').executeTakeFirstOrThrow();
  const absence = await db.selectFrom('indicator').select('id').where('partnership_id', '=', coventry.id).where('code', '=', 'PERSISTENT_ABSENCE').executeTakeFirstOrThrow();
  const managerId = (await db.selectFrom('app_user').select('id').where('email', '=', 'manager@demo.example').executeTakeFirstOrThrow()).id;
  // This test's story of persistent absence is its first: the demo's (seeds/demo/year-of-use.ts) is taken away first.
  await clearDemoNarrative(db, coventry.id, { indicatorCodes: ['PERSISTENT_ABSENCE'] });
  await db.transaction().execute((trx) =>
    saveVersion(trx, coventry.id, { kind: 'indicator', id: absence.id }, managerId, {
      period_text: 'Data day 2025',
      summary: 'Absence rose after the pandemic and is now falling faster than the forecast.',
      contributing: '- Attendance panels',
      restricting: '- Anxiety-related absence',
      root_causes: ['Mental health after the pandemic'],
      change_note: '',
    }, { baseVersion: 0 }),
  );
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const browser = await launchBrowser({ width: 1280, height: 900 });
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  fs.mkdirSync(OUTPUT, { recursive: true });

  // ---- Print the book (a viewer may) ----
  await signInInBrowser(page, address, 'viewer@demo.example', 'demo-viewer-pass');
  await page.goto(`${address}/p/coventry/data-days`);
  await page.click('main a:text-is("The Data Book")');
  await page.waitForURL(/\/data-book$/);
  await page.waitForFunction(() => [...document.querySelectorAll('canvas[data-chart]')].every((c) => (c as HTMLElement).dataset.drawn === 'true'));
  t.ok(await page.isVisible('[data-print]'), 'a print button');
  const summary = await page.$$eval('.ttc-book__summary-table tbody tr', (rows) => rows.map((r) => ({ number: r.querySelector('td')!.textContent!.trim(), title: r.querySelector('th')!.textContent!.trim() })));
  const outcomes = await page.$$eval('.ttc-book__outcome-title', (hs) => hs.map((h) => h.textContent!.replace(/\s+/g, ' ').trim()));
  t.equal(outcomes.length, 5, 'the five ECM outcomes');

  await page.emulateMedia({ media: 'print' });
  t.notOk(await page.isVisible('.ttc-service-nav'), 'no navigation on paper');
  t.notOk(await page.isVisible('[data-testid=book-toolbar]'), 'nor the toolbar');
  const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
  fs.writeFileSync(path.join(OUTPUT, 'data-book.pdf'), pdf);
  const pages = pdfPageTexts(pdf);
  const n = pages.length;
  t.ok(n >= 3 + summary.length + 2, `${n} pages: cover, contents, summary, an indicator a page, data development, sources`);

  // Page numbers: every page but the cover says "Page i of n".
  t.notMatch(pages[0], /Page \d+ of/, 'the cover has no page number');
  t.match(pages[0], /Data Book \d{4} to \d{4}/);
  t.match(pages[0], /Coventry Children and Young People's Partnership/);
  for (let i = 1; i < n; i++) t.match(pages[i], new RegExp(`Page ${i + 1} of ${n}(?!\\d)`), `page ${i + 1} is numbered`);

  // Page breaks: contents and summary each on their own page; every indicator starts a page of its own, with its
  // trend on that page; each outcome starts on the page of its first indicator; the agenda and sources follow.
  t.match(pages[1], /^.*Contents/);
  t.notMatch(pages[1], /Summary: which curves turned \d+ of \d+ curves/, 'the summary is not on the contents page');
  t.match(pages[2], /Summary: which curves turned \d+ of \d+ curves? turned/);
  const pageOf = (pattern: RegExp, from = 3) => pages.findIndex((p, i) => i >= from && pattern.test(p));
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  let previous = 2;
  for (const row of summary) {
    const at = pageOf(new RegExp(`${escape(row.number)} ${escape(row.title)}`));
    t.ok(at > previous, `${row.number} ${row.title} starts page ${at + 1}, after the one before`);
    t.match(pages[at], /The trend/, `${row.number}: its trend is on its first page`);
    previous = at;
  }
  for (const outcome of outcomes) {
    const first = summary.find((r) => r.number.startsWith(`${outcome.split(' ')[0]}.`))!;
    t.equal(pageOf(new RegExp(escape(outcome))), pageOf(new RegExp(`${escape(first.number)} ${escape(first.title)}`)), `${outcome} opens on the page of its first indicator`);
  }
  const agenda = pageOf(/Data development agenda Measures the partnership wants/);
  const sources = pageOf(/Sources, method and licence/, agenda);
  t.ok(agenda > previous && sources > agenda, 'the data development agenda, then the sources, at the end');
  t.match(pages[sources], /Open Government Licence v3\.0/);
  t.match(pages.join(' '), /Absence rose after the pandemic and is now falling faster than the forecast/, 'the story behind the data');
  t.notMatch(pages.join(' '), /Vic Viewer|Mina Manager/, 'no member’s name on paper');
  await page.emulateMedia({ media: 'screen' });

  // ---- Publish it (a manager), read it signed out, take it down ----
  await page.context().clearCookies();
  await signInInBrowser(page, address, 'manager@demo.example', 'demo-manager-pass');
  await page.goto(`${address}/p/coventry/data-book`);
  await page.click('a:text-is("Publish this book")');
  await page.waitForURL(/\/publications\?year=\d{4}$/);
  await page.fill('#title', 'Coventry Data Book');
  await page.check('#scope');
  await page.check('#confirm');
  await page.click('main button:text-is("Publish")');
  await page.waitForURL(/\/publications#publications$/);
  const publicPath = await page.getAttribute('[data-testid=public-link]', 'href');
  t.match(publicPath, /^\/published\/[A-Za-z0-9_-]{32}$/);

  await page.context().clearCookies();
  const shown = await page.goto(`${address}${publicPath}`);
  t.equal(shown!.status(), 200, 'signed out, the published book is there');
  t.match(page.url(), new RegExp(`${publicPath}$`), 'no sign-in asked for');
  await page.waitForFunction(() => [...document.querySelectorAll('canvas[data-chart]')].every((c) => (c as HTMLElement).dataset.drawn === 'true'));
  t.match(await page.textContent('[data-testid=published-toolbar]'), /Coventry Data Book · published by Coventry Children and Young People's Partnership on \d+ \w+ \d{4}/);
  t.match(await page.textContent('main'), /Absence rose after the pandemic/);
  t.equal(await page.locator('.ttc-service-nav, .ttc-header__account').count(), 0, 'no navigation, no account');
  await page.screenshot({ path: path.join(OUTPUT, 'published-1280.png') });

  await signInInBrowser(page, address, 'manager@demo.example', 'demo-manager-pass');
  await page.goto(`${address}/p/coventry/publications`);
  await page.click('button:has-text("Take down")');
  await page.waitForURL(/\/publications#publications$/);
  t.match(await page.textContent('[data-testid=publications]'), /Taken down/);
  await page.context().clearCookies();
  const gone = await page.goto(`${address}${publicPath}`);
  t.equal(gone!.status(), 404, 'unpublished: Page not found');
  t.match(await page.textContent('main'), /Page not found/);
  t.same(problems.filter((p) => !/404/.test(p)), [], 'no script errors, nothing blocked by the Content-Security-Policy');
});
