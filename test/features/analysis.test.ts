import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { sql } from 'kysely';
import t from 'tap';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config.ts';
import { createApiToken, findUserId } from '../../server/features/accounts/queries.ts';
import { buildTestApp, form, signIn } from '../helpers/app.ts';
import { createTestDatabase } from '../helpers/database.ts';
import { readDemoSeed } from '../../seeds/demo-loader.ts';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');

t.test('turning the curve on the demo partnership', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const managerId = (await findUserId(db, 'manager@demo.example'))!;
  const viewerId = (await findUserId(db, 'viewer@demo.example'))!;
  const managerToken = (await createApiToken(db, managerId, 'rw', true)).token;
  const viewerToken = (await createApiToken(db, viewerId, 'ro', false)).token;
  const api = (method: string, url: string, token = managerToken, payload?: unknown) =>
    app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json' } : {}) }, payload: payload ? JSON.stringify(payload) : undefined });

  t.test('the page and the API give the same judgement, in words', async (t) => {
    const viewer = await signIn(app, 'viewer@demo.example');
    const list = await api('GET', '/api/v1/partnerships/coventry/indicators', viewerToken);
    t.equal(list.statusCode, 200);
    const indicators = list.json().indicators as { code: string; status: { code: string; sentence: string } }[];
    t.ok(indicators.length >= 8);
    for (const code of ['PERSISTENT_ABSENCE', 'NEET_16_17', 'KS4_ATT8_DISADV_GAP']) {
      const fromList = indicators.find((i) => i.code === code)!;
      const analysis = (await api('GET', `/api/v1/partnerships/coventry/indicators/${code}/analysis`, viewerToken)).json();
      t.equal(analysis.status.code, fromList.status.code, `${code}: list and analysis agree`);
      t.match(analysis.status.sentence, /forecast/);
      const page = await app.inject({ method: 'GET', url: `/p/coventry/indicators/${code}`, headers: { cookie: viewer.cookie } });
      t.ok(text(page.body).includes(text(analysis.status.sentence)), `${code}: the page says the same sentence`);
      t.match(page.body, new RegExp(`data-status="${analysis.status.code}"`));
    }
  });

  t.test('the analysis API: points with forecast, band and judgement; SPC; the gap\'s story', async (t) => {
    const res = await api('GET', '/api/v1/partnerships/coventry/indicators/KS4_ATT8_DISADV_GAP/analysis', viewerToken);
    t.equal(res.statusCode, 200);
    const body = res.json();
    t.equal(body.indicator.judgedPolarity, 'lower', 'a smaller gap is better');
    t.match(body.baseline, { period: '2022/23', method: 'linear', version: 1, agreedBy: 'Mina Manager' });
    const latest = body.points.find((p: { period: string }) => p.period === '2024/25');
    t.ok(Math.abs(latest.value - 13.9) < 1e-9, 'the gap: 48.5 − 34.6');
    t.type(latest.forecast, 'number');
    t.ok(latest.band > 0);
    t.ok(['better', 'worse', 'on_baseline'].includes(latest.judgement));
    t.ok(body.spc.points.every((p: { type: string }) => ['common_cause', 'special_cause_improvement', 'special_cause_concern', 'special_cause_neutral_high', 'special_cause_neutral_low'].includes(p.type)));
    t.equal(body.spc.trial, true, 'fewer than 12 points: trial limits');
    t.match(body.gap, { change: 'widened', from: '2023/24', to: '2024/25' });
    t.ok(body.comparators.some((c: { role: string }) => c.role === 'england'));

    const screened = (await api('GET', '/api/v1/partnerships/coventry/indicators/KS4_ATT8_DISADV_GAP/analysis?screen=true&rebase=2020/21', viewerToken)).json();
    t.equal(screened.spc.screened, true);
    t.equal(screened.spc.segments.length, 2, 'rebased into two segments');
    const bad = await api('GET', '/api/v1/partnerships/coventry/indicators/KS4_ATT8_DISADV_GAP/analysis?rebase=2020-21Q9', viewerToken);
    t.equal(bad.statusCode, 400);
    t.match(bad.json().message, /rebase/);
  });

  t.test('rank and quartile among all authorities, from the benchmark library\'s values', async (t) => {
    const seed = await readDemoSeed();
    const suspensions = seed.outcomes.flatMap((o) => o.priorities).flatMap((p) => p.indicators).find((i) => i.code === 'SUSPENSION_RATE')!;
    const all = suspensions.authorityValues!;
    const coventry = all.values.find((v) => v.laNumber === 331)!.value;
    // Lower is better: the rank is one more than the number of authorities with a lower rate (ties share a rank).
    const expectedRank = 1 + all.values.filter((v) => v.value < coventry).length;
    const res = (await api('GET', '/api/v1/partnerships/coventry/indicators/SUSPENSION_RATE/analysis', viewerToken)).json();
    t.ok(all.values.length > 140, `${all.values.length} authorities`);
    t.match(res.rank, { rank: expectedRank, of: all.values.length, period: all.period });
    t.equal(res.rank.quartile, Math.min(4, Math.floor((4 * (expectedRank - 1)) / (all.values.length - 1)) + 1));
    const viewer = await signIn(app, 'viewer@demo.example');
    const page = await app.inject({ method: 'GET', url: '/p/coventry/indicators/SUSPENSION_RATE', headers: { cookie: viewer.cookie } });
    t.match(text(page.body), new RegExp(`Rank among authorities ${expectedRank} of ${all.values.length} \\(best first\\), quartile ${res.rank.quartile}`));
    // For a gap indicator the authorities are ranked by their gaps, and a smaller gap ranks higher.
    const gap = (await api('GET', '/api/v1/partnerships/coventry/indicators/KS4_ATT8_DISADV_GAP/analysis', viewerToken)).json();
    t.equal(gap.rank.order, 'best_first');
  });

  t.test('agreeing a baseline through the API makes a new version; old ones stay readable', async (t) => {
    const denied = await api('PUT', '/api/v1/partnerships/coventry/indicators/NEET_16_17/baseline', viewerToken, { period: '2022', method: 'linear' });
    t.equal(denied.statusCode, 403);
    const badPeriod = await api('PUT', '/api/v1/partnerships/coventry/indicators/NEET_16_17/baseline', managerToken, { period: '2022/23', method: 'linear' });
    t.equal(badPeriod.statusCode, 422);
    t.match(badPeriod.json().message, /not a calendar year/);
    const tooEarly = await api('PUT', '/api/v1/partnerships/coventry/indicators/NEET_16_17/baseline', managerToken, { period: '2017', method: 'linear' });
    t.equal(tooEarly.statusCode, 422);
    t.match(tooEarly.json().message, /needs at least 3/);
    const manual = await api('PUT', '/api/v1/partnerships/coventry/indicators/NEET_16_17/baseline', managerToken, {
      period: '2023',
      method: 'manual',
      points: [{ period: '2024', value: 4 }, { period: '2025', value: 3.8 }],
    });
    t.equal(manual.statusCode, 201);
    t.match(manual.json().baseline, { version: 2, method: 'manual', period: '2023', points: [{ period: '2024', value: 4 }, { period: '2025', value: 3.8 }] });
    const analysis = (await api('GET', '/api/v1/partnerships/coventry/indicators/NEET_16_17/analysis', viewerToken)).json();
    t.equal(analysis.status.baselineVersion, 2);
    const p2025 = analysis.points.find((p: { period: string }) => p.period === '2025');
    t.equal(p2025.forecast, 3.8);
    t.equal(p2025.band, 0);
    t.equal(p2025.judgement, p2025.value < 3.8 ? 'better' : p2025.value > 3.8 ? 'worse' : 'on_baseline', 'lower is better for NEET');
    const old = (await api('GET', '/api/v1/partnerships/coventry/indicators/NEET_16_17/analysis?version=1', viewerToken)).json();
    t.equal(old.baseline.version, 1);
    t.equal(old.baseline.method, 'linear');
  });

  t.test('revising the history after agreement does not move the judged forecast', async (t) => {
    const before = (await api('GET', '/api/v1/partnerships/coventry/indicators/PERSISTENT_ABSENCE/analysis', viewerToken)).json();
    const forecastBefore = before.points.find((p: { period: string }) => p.period === '2024/25').forecast;
    // A provisional figure inside the baseline's history is revised upwards by a lot.
    await sql`update observation set value = value + 5, status = 'revised' where period_label = '2021/22' and series_id in (select s.id from series s join indicator i on i.id = s.indicator_id where i.code = 'PERSISTENT_ABSENCE' and s.role = 'local')`.execute(db);
    const after = (await api('GET', '/api/v1/partnerships/coventry/indicators/PERSISTENT_ABSENCE/analysis', viewerToken)).json();
    t.equal(after.points.find((p: { period: string }) => p.period === '2024/25').forecast, forecastBefore, 'judged against the forecast as agreed');
    t.equal(after.points.find((p: { period: string }) => p.period === '2021/22').value, before.points.find((p: { period: string }) => p.period === '2021/22').value + 5, 'the revised history is shown');
    const again = await api('PUT', '/api/v1/partnerships/coventry/indicators/PERSISTENT_ABSENCE/baseline', managerToken, { period: '2022/23', method: 'linear' });
    const rebased = (await api('GET', '/api/v1/partnerships/coventry/indicators/PERSISTENT_ABSENCE/analysis', viewerToken)).json();
    t.equal(again.statusCode, 201);
    t.not(rebased.points.find((p: { period: string }) => p.period === '2024/25').forecast, forecastBefore, 're-baselining is what moves it');
  });

  t.test('the baseline form: bad input is shown with the input kept; a good one makes a new version', async (t) => {
    const manager = await signIn(app, 'manager@demo.example');
    const viewer = await signIn(app, 'viewer@demo.example');
    const forViewer = await app.inject({ method: 'GET', url: '/p/coventry/indicators/U18_CONCEPTION_RATE', headers: { cookie: viewer.cookie } });
    t.notMatch(forViewer.body, /Agree a new baseline/, 'no edit link for a viewer');
    const forManager = await app.inject({ method: 'GET', url: '/p/coventry/indicators/U18_CONCEPTION_RATE', headers: { cookie: manager.cookie } });
    t.match(forManager.body, /Agree a new baseline/);
    const page = await app.inject({ method: 'GET', url: '/p/coventry/indicators/U18_CONCEPTION_RATE/baseline', headers: { cookie: manager.cookie } });
    t.equal(page.statusCode, 200);
    const post = (values: Record<string, string | string[]>) =>
      app.inject({
        method: 'POST',
        url: '/p/coventry/indicators/U18_CONCEPTION_RATE/baseline',
        headers: { cookie: manager.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams([['_csrf', manager.csrf], ...Object.entries(values).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]]))]).toString(),
      });
    const bad = await post({ period: '2020', window: '5', method: 'manual', pointPeriod: ['2021', '2022'], pointValue: ['12,5', 'abc'] });
    t.equal(bad.statusCode, 400);
    const body = text(bad.body);
    t.match(body, /There is a problem/);
    t.match(body, /Forecast for 2021: "12,5" is not a number/);
    t.match(body, /Forecast for 2022: "abc" is not a number/);
    t.match(bad.body, /value="12,5"/, 'the input is kept');
    t.match(bad.body, /href="#points-1"/, 'the summary links to the field');
    const badWindow = await post({ period: '2020', window: 'two', method: 'linear' });
    t.equal(badWindow.statusCode, 400);
    t.match(text(badWindow.body), /History window: enter a whole number/);
    const good = await post({ period: '2020', window: '4', method: 'linear' });
    t.equal(good.statusCode, 303);
    const versions = await app.inject({ method: 'GET', url: '/p/coventry/indicators/U18_CONCEPTION_RATE/baselines', headers: { cookie: viewer.cookie } });
    t.match(text(versions.body), /Version 2 \(current\).*2020.*A straight line fitted to the 4 values from 2017 to 2020.*Version 1/);
  });

  t.test('the scorecard: summary, filters, CSV', async (t) => {
    const viewer = await signIn(app, 'viewer@demo.example');
    const res = await app.inject({ method: 'GET', url: '/p/coventry/scorecard', headers: { cookie: viewer.cookie } });
    t.equal(res.statusCode, 200);
    const list = (await api('GET', '/api/v1/partnerships/coventry/indicators', viewerToken)).json().indicators as { code: string; status: { code: string } }[];
    const turned = list.filter((i) => i.status.code === 'turned').length;
    const worse = list.filter((i) => i.status.code === 'worse').length;
    t.match(text(res.body), new RegExp(`${turned} of ${list.length} curves turned; \\d+ turning; ${worse} worse than baseline`));
    for (const i of list) t.match(res.body, new RegExp(`data-code="${i.code}"[\\s\\S]*?data-status="${i.status.code}"`), `${i.code} shows its status`);
    // The table is cached and spliced into each visitor's own page: one whole document, nothing of the splice left.
    t.match(res.headers['content-type'], /^text\/html; charset=utf-8/);
    t.equal(Number(res.headers['content-length']), Buffer.byteLength(res.body), 'the length sent is the length of the page');
    t.notMatch(res.body, /<!--fragment:/);
    t.match(res.body, /^<!DOCTYPE html>[\s\S]*Which curves turned\?[\s\S]*<table[\s\S]*data-code="[\s\S]*<\/table>[\s\S]*<\/html>\s*$/i);
    const officer = await signIn(app, 'officer@demo.example');
    const again = await app.inject({ method: 'GET', url: '/p/coventry/scorecard', headers: { cookie: officer.cookie } });
    t.match(again.body, /Olu Officer/, 'a second visitor gets the cached table in a page of their own');
    t.notMatch(again.body, /Vic Viewer/);
    t.match(res.body, /Vic Viewer/);
    const filtered = await app.inject({ method: 'GET', url: '/p/coventry/scorecard?status=worse', headers: { cookie: viewer.cookie } });
    t.equal((filtered.body.match(/data-code="/g) ?? []).length, worse);
    const csv = await app.inject({ method: 'GET', url: '/p/coventry/scorecard.csv?status=worse', headers: { cookie: viewer.cookie } });
    t.equal(csv.statusCode, 200);
    t.match(csv.headers['content-type'], /text\/csv/);
    const lines = csv.body.trim().split('\r\n');
    t.equal(lines[0], 'outcome,priority,indicator_code,indicator,latest_period,latest_value,provisional,status,status_sentence,direction,streak,vs_england,rag,latest_spc_signal');
    t.equal(lines.length, worse + 1);
    t.ok(lines.slice(1).every((l) => l.includes(',worse,')));
  });
});

class QueryCounter implements KyselyPlugin {
  count = 0;
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.count++;
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

t.test('the scorecard takes the same number of queries for 14 indicators as for 28', async (t) => {
  const database = await createTestDatabase('demo');
  const counter = new QueryCounter();
  const app = await buildApp({ config: loadConfig({ LOG_LEVEL: 'silent' }), database: { ...database, db: database.db.withPlugin(counter) } });
  t.teardown(async () => {
    await app.close();
    await database.close();
  });
  const viewer = await signIn(app, 'viewer@demo.example');
  const measure = async () => {
    counter.count = 0;
    const res = await app.inject({ method: 'GET', url: '/p/coventry/scorecard', headers: { cookie: viewer.cookie } });
    t.equal(res.statusCode, 200);
    return { queries: counter.count, rows: (res.body.match(/data-code="/g) ?? []).length };
  };
  const small = await measure();
  // Copy every population indicator (not a programme's measures), with its series and observations, under a new code.
  const db = database.db;
  await sql`insert into indicator (partnership_id, priority_id, code, title, definition, unit, rate_base, decimals, polarity, period_type, kind, rank, focus_label, comparison_label, source_text, source_url, licence, illustrative, position)
    select partnership_id, priority_id, code || '_COPY', title || ' (copy)', definition, unit, rate_base, decimals, polarity, period_type, kind, rank, focus_label, comparison_label, source_text, source_url, licence, illustrative, position + 100 from indicator where programme_id is null`.execute(db);
  await sql`insert into series (indicator_id, role, label) select c.id, s.role, s.label from series s join indicator i on i.id = s.indicator_id join indicator c on c.code = i.code || '_COPY' and c.partnership_id = i.partnership_id`.execute(db);
  await sql`insert into observation (series_id, period_key, period_position, period_label, value, marker, status) select cs.id, o.period_key, o.period_position, o.period_label, o.value, o.marker, o.status from observation o join series s on s.id = o.series_id join indicator i on i.id = s.indicator_id join indicator c on c.code = i.code || '_COPY' and c.partnership_id = i.partnership_id join series cs on cs.indicator_id = c.id and cs.role = s.role`.execute(db);
  const large = await measure();
  t.equal(large.rows, small.rows * 2, 'twice the indicators on the page');
  t.equal(large.queries, small.queries, `the same number of queries (${small.queries})`);
});

t.test('computed pages are cached by data version: a change on any instance shows at once', async (t) => {
  const database = await createTestDatabase('demo');
  const config = loadConfig({ LOG_LEVEL: 'silent' });
  // Two app instances on one database, as behind a load balancer.
  const first = await buildApp({ config, database });
  const second = await buildApp({ config, database });
  t.teardown(async () => {
    await first.close();
    await second.close();
    await database.close();
  });
  const viewer = await signIn(first, 'viewer@demo.example');
  const scorecard = async (app: typeof first) => text((await app.inject({ method: 'GET', url: '/p/coventry/scorecard', headers: { cookie: viewer.cookie } })).body);
  const home = async (app: typeof first) => text((await app.inject({ method: 'GET', url: '/p/coventry', headers: { cookie: viewer.cookie } })).body);
  t.match(await scorecard(first), /2024\/25 20\.23%/, 'persistent absence as seeded');
  t.match(await home(first), /2024\/25 20\.23%/);
  const viewerToken = (await createApiToken(database.db, (await findUserId(database.db, 'viewer@demo.example'))!, 'ro', false)).token;
  const apiGet = async (app: typeof first, url: string) => (await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${viewerToken}` } })).json();
  const analysisUrl = '/api/v1/partnerships/coventry/indicators/PERSISTENT_ABSENCE/analysis';
  const latestOf = (analysis: { points: { period: string; value: number | null }[] }) => analysis.points.filter((p) => p.value !== null).at(-1);
  const listed = async (app: typeof first) => (await apiGet(app, '/api/v1/partnerships/coventry/indicators')).indicators.find((i: { code: string }) => i.code === 'PERSISTENT_ABSENCE').latest;
  t.match(latestOf(await apiGet(first, analysisUrl)), { period: '2024/25', value: 20.23 }, 'the analysis API as seeded');
  t.equal((await listed(first)).value, 20.23);
  t.ok((await apiGet(first, analysisUrl)).rank, 'the indicator is ranked among authorities');

  // An officer on the other instance corrects the figure through the API.
  const officerId = (await findUserId(database.db, 'officer@demo.example'))!;
  const token = (await createApiToken(database.db, officerId, 'rw', true)).token;
  const put = await second.inject({
    method: 'PUT',
    url: '/api/v1/partnerships/coventry/indicators/PERSISTENT_ABSENCE/observations',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    payload: JSON.stringify([{ series: 'local', period: '2024/25', value: 19.5, status: 'revised' }]),
  });
  t.equal(put.statusCode, 200, put.body);
  t.match(await scorecard(first), /2024\/25 19\.50%/, 'the first instance shows the new figure, not its cached page');
  t.match(await home(first), /2024\/25 19\.50%/);
  t.equal(first.computed.size > 0, true, 'results are cached');
  t.match(latestOf(await apiGet(first, analysisUrl)), { period: '2024/25', value: 19.5 }, 'and so does its analysis API');
  t.equal((await listed(first)).value, 19.5, 'and its list of indicators');
  t.ok(first.computedPerIndicator.size > 0, 'the analysis API is cached');

  // A LAIT import that changes only the authorities' figures still reaches a cached analysis: every authority's figure
  // moves to 1%, far below ours (lower is better), so our rank among them changes.
  const rankBefore = (await apiGet(first, analysisUrl)).rank;
  await sql`update indicator_authority_value set value = 1 where indicator_id = (select id from indicator where code = 'PERSISTENT_ABSENCE') and period_position = ${rankBefore.position}`.execute(database.db);
  const rankAfter = (await apiGet(first, analysisUrl)).rank;
  t.not(rankAfter.rank, rankBefore.rank, `the rank moves (${rankBefore.rank} of ${rankBefore.of} → ${rankAfter.rank} of ${rankAfter.of})`);
});
