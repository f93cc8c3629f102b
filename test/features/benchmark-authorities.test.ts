// Every authority (issue 19, items 5 and 7): for a library measure and period, every authority's value, rank and
// quartile band with England and the region above and the partnership's own authority highlighted; sortable without
// JavaScript; as CSV; through the API and in the OpenAPI description. The figures are checked against the shipped
// release (seeds/benchmark/lait-full.csv.gz) read independently of the page. Persistent absence (TotPerAbNew) is a
// lower-is-better measure whose latest period has authorities without a figure (reorganised ones).
import t from 'tap';
import { createApiToken, findUserId } from '../../server/features/accounts/queries.ts';
import { areaKind } from '../../server/benchmark/library.ts';
import { benchmarkLibrary } from '../../server/benchmark/release-file.ts';
import { buildTestApp, signIn, type Session } from '../helpers/app.ts';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');
const tableRows = (html: string, testid: string) => {
  const table = new RegExp(`<table[^>]*data-testid="${testid}"[\\s\\S]*?</table>`).exec(html)?.[0] ?? '';
  const body = /<tbody[\s\S]*?<\/tbody>/.exec(table)?.[0] ?? '';
  return [...body.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((m) => ({ own: /data-own/.test(m[0]), cells: [...m[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => text(c[1]!).trim()) }));
};

t.test('every authority for a library measure', async (t) => {
  const bench = (await benchmarkLibrary())!;
  const data = await bench.load(['TotPerAbNew']);
  const periods = data.periodsOf('TotPerAbNew').periods;
  const latest = periods.at(-1)!;
  const earlier = periods.at(-3)!;
  const authorities = data.rows.filter((r) => r.period === latest.label && areaKind(r) === 'authority');
  const coventry = authorities.find((r) => r.laNumber === 331)!;
  // Worked independently: lower is better, so the rank is 1 + how many authorities have a lower value.
  const withValue = authorities.filter((r) => r.value !== null);
  const expectedRank = 1 + withValue.filter((r) => r.value! < coventry.value!).length;
  const missing = authorities.filter((r) => r.value === null);
  t.ok(missing.length > 0, 'the latest period has authorities without a figure');

  const { app, database } = await buildTestApp(t, 'demo');
  const viewer = await signIn(app, 'viewer@demo.example');
  const page = (url: string, session: Session = viewer) => app.inject({ method: 'GET', url, headers: { cookie: session.cookie, accept: 'text/html' } });
  const base = '/p/coventry/benchmark/TotPerAbNew';

  t.test('a viewer sees England, the region and Coventry above every authority, ranked and banded', async (t) => {
    const res = await page(base);
    t.equal(res.statusCode, 200);
    const body = text(res.body);
    t.match(body, `lower is better · ${latest.period.label}`, 'the latest period by default');
    const england = data.index.get('TotPerAbNew', 970, latest.label)!.value!;
    t.match(body, `England ${england.toFixed(2)}`);
    t.match(body, /West Midlands \d+\.\d\d/, 'the region of the partnership’s authority');
    t.match(body, `Coventry (your authority) ${coventry.value!.toFixed(2)} — ranked ${expectedRank} of ${withValue.length}, quartile band`);
    const rows = tableRows(res.body, 'authorities');
    t.equal(rows.length, authorities.length, 'every authority, one row each');
    const own = rows.filter((r) => r.own);
    t.equal(own.length, 1, 'one row highlighted');
    t.match(own[0]!.cells[0], /Coventry your authority/, 'and said in words, not colour alone');
    t.match(own[0]!.cells[3], new RegExp(`^${expectedRank} · [ABCD]$`));
    t.same(rows.slice(0, 1).map((r) => r.cells[3]), ['1 · A'], 'rank order by default: the best first, band A');
    const ranks = rows.map((r) => r.cells[3]);
    t.same(ranks.slice(-missing.length), missing.map(() => 'not ranked'), 'authorities without a figure are last, not ranked');
    t.ok(rows.slice(-missing.length).every((r) => r.cells[2] === 'x (not available)'), 'and shown as not available, never 0');
    const bands = tableRows(res.body, 'bands');
    t.same(bands.map((b) => b.cells[0]), ['A', 'B', 'C', 'D'], 'the four bands');
    t.ok(bands.every((b) => /^\d+\.\d\d to \d+\.\d\d$/.test(b.cells[1]!)), 'each with its thresholds, best to worst');
    t.equal(bands.reduce((n, b) => n + Number(b.cells[2]), 0), withValue.length, 'and every ranked authority in one band');
    // Ties share a rank: wherever two values are equal, so are their ranks (1, 2, 2, 4).
    const ranked = rows.filter((r) => r.cells[3] !== 'not ranked');
    for (let i = 1; i < ranked.length; i++) {
      if (ranked[i]!.cells[2] === ranked[i - 1]!.cells[2]) t.equal(ranked[i]!.cells[3]!.split(' ')[0], ranked[i - 1]!.cells[3]!.split(' ')[0], `tie at ${ranked[i]!.cells[2]}`);
    }
  });

  t.test('columns sort on the server through links (no JavaScript needed)', async (t) => {
    const res = await page(base);
    t.match(res.body, /aria-sort="ascending"><a class="govuk-link govuk-link--no-visited-state" href="\/p\/coventry\/benchmark\/TotPerAbNew\?period=[^"]*&amp;sort=rank&amp;dir=desc"/, 'rank is sorted; its link reverses it');
    t.match(res.body, /href="\/p\/coventry\/benchmark\/TotPerAbNew\?period=[^"]*&amp;sort=name&amp;dir=asc"/);
    const byName = tableRows((await page(`${base}?sort=name&dir=asc`)).body, 'authorities').map((r) => r.cells[0]!.replace(' your authority', ''));
    t.same(byName, [...byName].sort((a, b) => a.localeCompare(b)), 'by name, A to Z');
    const byValue = tableRows((await page(`${base}?sort=value&dir=desc`)).body, 'authorities');
    const values = byValue.filter((r) => r.cells[2] !== 'x (not available)').map((r) => Number(r.cells[2]));
    t.same(values, [...values].sort((a, b) => b - a), 'by value, highest first');
    t.equal(byValue.at(-1)!.cells[2], 'x (not available)', 'missing values still last');
    const worstFirst = tableRows((await page(`${base}?sort=rank&dir=desc`)).body, 'authorities');
    t.equal(worstFirst[0]!.cells[3]!.split(' ')[0], String(withValue.length - withValue.filter((r) => r.value === Math.max(...withValue.map((w) => w.value!))).length + 1), 'rank, worst first');
    t.equal((await page(`${base}?sort=nonsense&dir=sideways`)).statusCode, 200, 'an unknown sort falls back to rank');
  });

  t.test('another period, by the library’s label or ours', async (t) => {
    for (const period of [earlier.label, earlier.period.label]) {
      const res = await page(`${base}?period=${encodeURIComponent(period)}`);
      t.equal(res.statusCode, 200);
      t.match(text(res.body), `lower is better · ${earlier.period.label}`);
    }
  });

  t.test('CSV: England, the regions and every authority with rank and band; missing as a marker', async (t) => {
    const res = await page(`${base}/authorities.csv`);
    t.equal(res.statusCode, 200);
    t.match(res.headers['content-type'], /text\/csv/);
    t.match(res.headers['content-disposition'], /attachment; filename="TotPerAbNew-.*every-authority\.csv"/);
    const lines = res.body.trim().split('\r\n');
    t.equal(lines[0], 'la_number,area,kind,region,period,period_as_published,value,marker,rank,of,quartile_band');
    t.match(lines[1], /^970,England,england,,/);
    t.ok(lines.some((l) => l.startsWith(`331,Coventry,authority,West Midlands,${latest.period.label},${latest.label},${coventry.value},,${expectedRank},${withValue.length},`)), 'Coventry with its rank');
    const absent = lines.find((l) => l.startsWith(`${missing[0]!.laNumber},`))!;
    t.match(absent, /,,x,,,$/, 'no value, marker x, no rank or band');
    t.equal(lines.filter((l) => /,authority,/.test(l)).length, authorities.length);
  });

  t.test('an unknown measure or period is a clear 404 or 400, and strangers are kept out', async (t) => {
    const unknown = await page('/p/coventry/benchmark/NO_SUCH_MEASURE');
    t.equal(unknown.statusCode, 404);
    t.match(text(unknown.body), 'There is no measure “NO_SUCH_MEASURE” in the benchmark library');
    const badPeriod = await page(`${base}?period=1999`);
    t.equal(badPeriod.statusCode, 400);
    t.match(text(badPeriod.body), 'has no period “1999”');
    t.equal((await page(`${base}/authorities.csv?period=nope`)).statusCode, 400);
    const anonymous = await app.inject({ method: 'GET', url: base, headers: { accept: 'text/html' } });
    t.not(anonymous.statusCode, 200, 'not shown without signing in');
  });

  t.test('linked from the benchmark search and from an indicator imported from the library', async (t) => {
    const officer = await signIn(app, 'officer@demo.example');
    const search = await page('/p/coventry/data/benchmark?q=persistent%20absence', officer);
    t.match(search.body, 'href="/p/coventry/benchmark/TotPerAbNew">every authority, ranked</a>');
    const indicator = await page('/p/coventry/indicators/PERSISTENT_ABSENCE');
    t.equal(indicator.statusCode, 200);
    t.match(indicator.body, 'href="/p/coventry/benchmark/TotPerAbNew"');
    const overTime = tableRows(indicator.body, 'rank-over-time');
    t.ok(overTime.length >= 1, 'rank and quartile over time, from the stored authority values');
    t.match(overTime[0]!.cells, [String, /\d/, /^\d+ of \d+$/, /^[ABCD]$/]);
    // An earlier period's values (as a fuller import keeps them): a row each, oldest last, and the small chart.
    const stored = await database.db.selectFrom('indicator').select(['id', 'period_type']).where('code', '=', 'PERSISTENT_ABSENCE').executeTakeFirstOrThrow();
    t.equal(stored.period_type, earlier.period.type);
    const before = data.rows.filter((r) => r.period === earlier.label && areaKind(r) === 'authority');
    await database.db.insertInto('indicator_authority_value').values(before.map((r) => ({ indicator_id: stored.id, period_position: earlier.period.position, period_label: earlier.period.label, area_code: String(r.laNumber), area_name: r.areaName, value: r.value }))).execute();
    const covBefore = before.find((r) => r.laNumber === 331)!.value!;
    const beforeRanked = before.filter((r) => r.value !== null);
    const again = await page('/p/coventry/indicators/PERSISTENT_ABSENCE');
    const twoRows = tableRows(again.body, 'rank-over-time');
    t.same(twoRows.map((r) => r.cells[0]), [latest.period.label, earlier.period.label], 'latest first');
    t.equal(twoRows[1]!.cells[2], `${1 + beforeRanked.filter((r) => r.value! < covBefore).length} of ${beforeRanked.length}`, 'the earlier rank, worked independently');
    t.match(again.body, `href="/p/coventry/benchmark/TotPerAbNew?period=${encodeURIComponent(earlier.period.label)}"`, 'each period links to its every-authority table');
    const chart = /<figure[^>]*data-testid="rank-chart"[\s\S]*?<\/figure>/.exec(again.body)?.[0] ?? '';
    t.equal((chart.match(/<circle /g) ?? []).length, 2, 'a small chart: one point a period');
    t.match(chart, 'role="img"');
    t.match(chart, `${earlier.period.label}: ranked`);
    // A gap between two measures has no one measure to link to.
    const gap = await page('/p/coventry/indicators/KS4_ATT8_FSM_GAP');
    t.equal(gap.statusCode, 200);
    t.notMatch(gap.body, /href="\/p\/coventry\/benchmark\//);
  });

  t.test('the API: measures and every authority, token-authenticated, in the OpenAPI description', async (t) => {
    const userId = (await findUserId(database.db, 'viewer@demo.example'))!;
    const token = (await createApiToken(database.db, userId, 'tests', false)).token;
    const call = (url: string, auth = true) => app.inject({ method: 'GET', url, headers: auth ? { authorization: `Bearer ${token}` } : {} });

    const found = await call('/api/v1/benchmark/measures?q=persistent%20absence');
    t.equal(found.statusCode, 200);
    const measure = found.json().measures.find((m: { code: string }) => m.code === 'TotPerAbNew');
    t.match(measure, { code: 'TotPerAbNew', polarity: 'lower', unit: 'percentage', decimals: 2, topics: Array });
    t.equal(measure.periods.length, periods.length);
    t.match(measure.periods.at(-1), { period: latest.period.label, published: latest.label, key: latest.period.key });
    t.equal((await call('/api/v1/benchmark/measures')).json().total, bench.measures.length, 'no words: every measure');
    t.equal((await call('/api/v1/benchmark/measures', false)).statusCode, 401);

    const every = await call('/api/v1/benchmark/measures/TotPerAbNew/authorities');
    t.equal(every.statusCode, 200);
    const body = every.json();
    t.match(body, { period: { period: latest.period.label }, order: 'best_first', england: { laNumber: 970, name: 'England' }, of: withValue.length });
    t.ok(body.regions.length >= 9, 'the regions');
    t.equal(body.bands.length, 4);
    t.match(body.authorities.find((a: { laNumber: number }) => a.laNumber === 331), { name: 'Coventry', value: coventry.value, rank: expectedRank, band: /^[ABCD]$/ });
    t.match(body.authorities.find((a: { laNumber: number }) => a.laNumber === missing[0]!.laNumber), { value: null, marker: 'x', rank: null, band: null });
    const older = await call(`/api/v1/benchmark/measures/TotPerAbNew/authorities?period=${encodeURIComponent(earlier.label)}`);
    t.equal(older.json().period.period, earlier.period.label);
    const noMeasure = await call('/api/v1/benchmark/measures/NOPE/authorities');
    t.equal(noMeasure.statusCode, 404);
    t.match(noMeasure.json(), { error: 'not_found', message: /NOPE/ });
    const noPeriod = await call('/api/v1/benchmark/measures/TotPerAbNew/authorities?period=1999');
    t.equal(noPeriod.statusCode, 400);
    t.match(noPeriod.json(), { error: 'bad_request', message: /no period “1999”/ });

    const document = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    t.ok(document.paths['/api/v1/benchmark/measures'].get, 'measures listed');
    const op = document.paths['/api/v1/benchmark/measures/{code}/authorities'].get;
    t.ok(op, 'authorities listed');
    t.ok(op.parameters.some((p: { name: string; in: string }) => p.name === 'period' && p.in === 'query'));
    t.ok(op.responses['200'].content['application/json'].schema.properties.authorities);
  });
});
