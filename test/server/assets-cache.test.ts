// Fast over a council network: text answers compressed when the browser asks, stylesheets and scripts linked by a
// fingerprint and kept by the browser for a year, a page for a signed-in person never kept, and no font file asked for.
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import t from 'tap';
import { IMMUTABLE } from '../../server/plugins/assets.ts';
import { buildTestApp, signIn } from '../helpers/app.ts';

/** Every stylesheet, script and icon a page links to on this site. */
function assetLinks(html: string): string[] {
  return [...html.matchAll(/<(?:link|script)\b[^>]*\b(?:href|src)="(\/(?:public|vendor)\/[^"]+)"/g)].map((m) => m[1]!.replaceAll('&amp;', '&'));
}

t.test('assets, compression and caching', async (t) => {
  const { app } = await buildTestApp(t, 'demo');
  const manager = await signIn(app, 'manager@demo.example');
  const home = await app.inject({ method: 'GET', url: '/', headers: { cookie: manager.cookie } });
  t.equal(home.statusCode, 200);
  const links = assetLinks(home.body);
  t.ok(links.some((l) => l.startsWith('/vendor/govuk/govuk-frontend.min.css?v=')), 'the GOV.UK stylesheet is linked by fingerprint');
  t.ok(links.some((l) => l.startsWith('/public/css/app.css?v=')), 'our stylesheet is linked by fingerprint');
  t.ok(links.some((l) => l.startsWith('/public/js/page.js?v=')), 'the page script is linked by fingerprint');

  t.test('every asset the home page links answers 200, kept for a year', async (t) => {
    for (const link of links) {
      const res = await app.inject({ method: 'GET', url: link, headers: { cookie: manager.cookie } });
      t.equal(res.statusCode, 200, link);
      t.equal(res.headers['cache-control'], IMMUTABLE, `${link} immutable, even asked for with a session cookie`);
    }
  });

  t.test('an indicator page links its chart scripts by fingerprint, and they answer 200', async (t) => {
    const scorecard = await app.inject({ method: 'GET', url: '/p/coventry', headers: { cookie: manager.cookie } });
    const indicator = scorecard.body.match(/href="(\/p\/coventry\/indicators\/[^"]+)"/)?.[1];
    t.ok(indicator, 'the partnership page links an indicator');
    const page = await app.inject({ method: 'GET', url: indicator!, headers: { cookie: manager.cookie } });
    t.equal(page.statusCode, 200);
    const scripts = assetLinks(page.body);
    t.ok(scripts.some((l) => /^\/vendor\/chart\.js\/chart\.umd\.min\.js\?v=[0-9a-f]{12}$/.test(l)), 'Chart.js fingerprinted');
    t.ok(scripts.some((l) => /^\/public\/js\/indicator-chart\.js\?v=[0-9a-f]{12}$/.test(l)), 'the chart script fingerprinted');
    for (const link of scripts) t.equal((await app.inject({ method: 'GET', url: link })).statusCode, 200, link);
  });

  t.test('an error page, rendered before any page helper ran, links its stylesheet by fingerprint too', async (t) => {
    const missing = await app.inject({ method: 'GET', url: '/no-such-page' });
    t.equal(missing.statusCode, 404);
    t.match(missing.body, /href="\/public\/css\/app\.css\?v=[0-9a-f]{12}"/);
    const forbidden = await app.inject({ method: 'GET', url: '/p/coventry/settings', headers: { cookie: (await signIn(app, 'viewer@demo.example')).cookie, accept: 'text/html' } });
    t.ok([403, 404].includes(forbidden.statusCode), `a viewer is refused the settings (${forbidden.statusCode})`);
    t.match(forbidden.body, /href="\/public\/css\/app\.css\?v=[0-9a-f]{12}"/);
  });

  t.test('without the fingerprint, or with a wrong one, an asset is served but not kept for good', async (t) => {
    for (const url of ['/public/css/app.css', '/public/css/app.css?v=000000000000', '/vendor/chart.js/chart.umd.min.js']) {
      const res = await app.inject({ method: 'GET', url });
      t.equal(res.statusCode, 200, url);
      t.notMatch(res.headers['cache-control'], /immutable/, `${url} not immutable`);
      t.match(res.headers['cache-control'], /max-age=\d+/, `${url} still cacheable a short while`);
      t.ok(Number(/max-age=(\d+)/.exec(String(res.headers['cache-control']))![1]) <= 300, `${url}: at most five minutes`);
    }
    const missing = await app.inject({ method: 'GET', url: '/public/css/no-such-file.css' });
    t.equal(missing.statusCode, 404);
    const outside = await app.inject({ method: 'GET', url: '/public/..%2f..%2fpackage.json' });
    t.equal(outside.statusCode, 404, 'nothing outside public/ is served');
  });

  t.test('a browser that has the file is told it has not changed', async (t) => {
    const first = await app.inject({ method: 'GET', url: '/public/css/app.css' });
    const again = await app.inject({ method: 'GET', url: '/public/css/app.css', headers: { 'if-none-match': String(first.headers.etag) } });
    t.equal(again.statusCode, 304);
    t.equal(again.body, '');
  });

  t.test('compressed with brotli or gzip when the browser asks, plain when it does not', async (t) => {
    const plain = await app.inject({ method: 'GET', url: '/', headers: { cookie: manager.cookie } });
    t.notOk(plain.headers['content-encoding'], 'no accept-encoding: not compressed');
    const br = await app.inject({ method: 'GET', url: '/', headers: { cookie: manager.cookie, 'accept-encoding': 'br, gzip' } });
    t.equal(br.headers['content-encoding'], 'br');
    t.match(String(br.headers.vary), /accept-encoding/i);
    const brText = brotliDecompressSync(br.rawPayload).toString();
    t.match(brText, /Turning the Curve/);
    t.ok(br.rawPayload.length < brText.length / 2, 'the page shrinks by more than half');
    const gz = await app.inject({ method: 'GET', url: '/vendor/chart.js/chart.umd.min.js', headers: { 'accept-encoding': 'gzip' } });
    t.equal(gz.headers['content-encoding'], 'gzip');
    t.match(gunzipSync(gz.rawPayload).toString(), /Chart/);
    const icon = await app.inject({ method: 'GET', url: '/public/img/favicon.svg', headers: { 'accept-encoding': 'gzip' } });
    t.equal(icon.statusCode, 200);
    const tiny = await app.inject({ method: 'GET', url: '/health', headers: { 'accept-encoding': 'gzip' } });
    if (tiny.rawPayload.length < 1024) t.notOk(tiny.headers['content-encoding'], 'under 1 KB is sent as it is');
  });

  t.test('the scorecard (its table cached as bytes) arrives whole when compressed, twice', async (t) => {
    const plain = await app.inject({ method: 'GET', url: '/p/coventry/scorecard', headers: { cookie: manager.cookie } });
    t.equal(plain.statusCode, 200);
    for (let i = 0; i < 2; i++) {
      const gz = await app.inject({ method: 'GET', url: '/p/coventry/scorecard', headers: { cookie: manager.cookie, 'accept-encoding': 'gzip' } });
      t.equal(gz.headers['content-encoding'], 'gzip');
      const text = gunzipSync(gz.rawPayload).toString();
      t.match(text, /data-testid="scorecard"/);
      t.match(text, /<\/html>\s*$/, 'the whole page');
    }
  });

  t.test('downloads, streamed or not, arrive whole and byte for byte when compressed', async (t) => {
    for (const url of ['/p/coventry/history.csv', '/p/coventry/data/export.csv']) {
      const plain = await app.inject({ method: 'GET', url, headers: { cookie: manager.cookie } });
      t.equal(plain.statusCode, 200, url);
      const gz = await app.inject({ method: 'GET', url, headers: { cookie: manager.cookie, 'accept-encoding': 'gzip' } });
      t.equal(gz.statusCode, 200, url);
      t.match(String(gz.headers['content-disposition']), /attachment/, `${url} still a download`);
      const body = gz.headers['content-encoding'] === 'gzip' ? gunzipSync(gz.rawPayload).toString() : gz.body;
      if (plain.body.length >= 1024) t.equal(gz.headers['content-encoding'], 'gzip', `${url} compressed`);
      t.ok(plain.body.split('\n').length > 1, `${url} has rows`);
      t.equal(body, plain.body, `${url} byte for byte`);
      t.equal(gz.headers['cache-control'], 'no-store', `${url} not kept`);
    }
  });

  t.test('a page for a signed-in person is never kept', async (t) => {
    for (const url of ['/', '/p/coventry', '/p/coventry/scorecard']) {
      const res = await app.inject({ method: 'GET', url, headers: { cookie: manager.cookie, 'accept-encoding': 'br' } });
      t.equal(res.headers['cache-control'], 'no-store', url);
    }
  });

  t.test('no stylesheet asks for a font file, and the images they name are fingerprinted', async (t) => {
    for (const link of links.filter((l) => l.includes('.css'))) {
      const css = (await app.inject({ method: 'GET', url: link })).body;
      const urls = [...css.matchAll(/url\(([^)]+)\)/g)].map((m) => m[1]!);
      t.same(urls.filter((u) => /\.woff2?\b/.test(u)), [], `${link} names no font file`);
      t.same(urls.filter((u) => /^['"]?\/public\//.test(u) && !/\?v=[0-9a-f]{12}/.test(u)), [], `${link}: every image it names is fingerprinted`);
    }
  });
});
