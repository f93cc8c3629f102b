// SPC as the NHS reads it (issue 16, items 9 and 10): Making Data Count icons and summary from the same rule evaluation
// that colours the chart's points, and SPC settings agreed, versioned, restorable and shown on the chart.
import t from 'tap';
import { createApiToken, findUserId } from '../../server/features/accounts/queries.ts';
import { insertPartnershipFromSeed, readDemoSeed } from '../../seeds/demo-loader.ts';
import { buildTestApp, signIn, type Session } from '../helpers/app.ts';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');
const CODE = 'RE_REFERRALS_12M'; // quarterly, lower is better, with a target series
const PAGE = `/p/coventry/indicators/${CODE}`;

/** A posted form with repeated fields (the rebase rows). */
function body(fields: [string, string][]): string {
  const params = new URLSearchParams();
  for (const [k, v] of fields) params.append(k, v);
  return params.toString();
}

t.test('Making Data Count icons and agreed SPC settings', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const viewerToken = (await createApiToken(db, (await findUserId(db, 'viewer@demo.example'))!, 'ro', false)).token;
  const api = async (url: string) => (await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${viewerToken}` } })).json();
  const analysisUrl = `/api/v1/partnerships/coventry/indicators/${CODE}/analysis`;
  const viewer = await signIn(app, 'viewer@demo.example');
  const manager = await signIn(app, 'manager@demo.example');
  const admin = await signIn(app, 'admin@demo.example');
  const get = (url: string, session: Session) => app.inject({ method: 'GET', url, headers: { cookie: session.cookie } });
  const post = (url: string, session: Session, fields: [string, string][], csrf = session.csrf) =>
    app.inject({ method: 'POST', url, headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: body([['_csrf', csrf], ...fields]) });

  const seed = await readDemoSeed();
  const seeded = seed.outcomes.flatMap((o) => o.priorities).flatMap((p) => p.indicators).find((i) => i.code === CODE)!;
  const localFigures = seeded.series.find((s) => s.role === 'local')!.observations.filter((o) => o.value !== null);

  t.test('the indicator page: icons and summary from the same evaluation that colours the points', async (t) => {
    const analysis = await api(analysisUrl);
    const page = await get(PAGE, viewer);
    t.equal(page.statusCode, 200);
    const latest = analysis.spc.points.at(-1);
    // Variation is the latest point's own signal: common cause, or improvement/concern by which side it is on.
    const expected = latest.type === 'common_cause' ? 'common_cause' : latest.type.replace('special_cause_', '');
    t.ok(analysis.spc.variation.startsWith(expected), `variation ${analysis.spc.variation} from the latest point's ${latest.type}`);
    t.match(page.body, new RegExp(`data-variation="${analysis.spc.variation}"`), 'the page shows that variation icon');
    // Assurance: the latest target against the current limits, lower being better.
    const target = seeded.series.find((s) => s.role === 'target')!.observations.find((o) => o.period === latest.period)!.value!;
    const assurance = target < analysis.spc.lpl ? 'consistent_fail' : target > analysis.spc.upl ? 'consistent_pass' : 'inconsistent';
    t.equal(analysis.spc.assurance, assurance, `target ${target} against ${analysis.spc.lpl}–${analysis.spc.upl}`);
    t.match(page.body, new RegExp(`data-assurance="${assurance}"`));
    // Accessible inline SVG with a title and the meaning in words beside it.
    const summary = page.body.slice(page.body.indexOf('data-testid="mdc-summary"'));
    t.match(summary, /<svg class="ttc-mdc__icon"[^>]*role="img"[^>]*><title>(Common|Special) cause variation[^<]*<\/title>/);
    t.match(summary, /<title>Assurance: [^<]+<\/title>/);
    t.match(text(summary), /Hit and miss against the target|Consistently (passing|failing) the target/);
    // The summary table: latest, mean and limits as the analysis computed them.
    const row = text(summary.slice(summary.indexOf('<tbody'), summary.indexOf('</tbody>')));
    for (const v of [analysis.spc.mean, analysis.spc.lpl, analysis.spc.upl]) t.ok(row.includes(v.toFixed(2)), `${v.toFixed(2)} in the summary row`);
    t.ok(row.includes(latest.period), 'the latest period');
    t.match(text(page.body), /No SPC settings have been agreed for this indicator: the chart uses the defaults/);
    t.notMatch(page.body, /data-testid="spc-preview"/, 'no preview without URL parameters');
  });

  t.test('the scorecard and the partnership summary show the same icons as each indicator', async (t) => {
    const list = await api('/api/v1/partnerships/coventry/indicators');
    const scorecard = await get('/p/coventry/scorecard', viewer);
    const summary = await get('/p/coventry/spc', viewer);
    t.equal(summary.statusCode, 200);
    t.match(scorecard.body, /href="\/p\/coventry\/spc"/, 'the scorecard links to the summary');
    let checked = 0;
    for (const { code } of list.indicators as { code: string }[]) {
      const spc = (await api(`/api/v1/partnerships/coventry/indicators/${code}/analysis`)).spc;
      if (!spc.variation) continue;
      for (const [name, html] of [['scorecard', scorecard.body], ['summary', summary.body]] as const) {
        const start = html.indexOf(`data-code="${code}"`);
        t.ok(start > 0, `${name} has ${code}`);
        const rowHtml = html.slice(start, html.indexOf('</tr>', start));
        t.match(rowHtml, new RegExp(`data-variation="${spc.variation}"`), `${name}: ${code} variation`);
        t.match(rowHtml, new RegExp(`data-assurance="${spc.assurance ?? 'none'}"`), `${name}: ${code} assurance`);
      }
      checked++;
    }
    t.ok(checked >= 8, `${checked} indicators checked`);
  });

  t.test('a URL preview says it is a preview, not the agreed settings', async (t) => {
    const page = await get(`${PAGE}?screen=true`, viewer);
    t.match(page.body, /data-testid="spc-preview"/);
    t.match(text(page.body), /Preview: this chart uses settings from the page address, not the agreed SPC settings/);
    t.equal((await api(`${analysisUrl}?screen=true`)).spc.settings.preview, true);
    t.equal((await api(analysisUrl)).spc.settings.preview, false);
    // A manager can open the form with the previewed choices, to agree them with a reason.
    const asManager = await get(`${PAGE}?screen=true&fix=6`, manager);
    t.match(asManager.body, /href="[^"]*\/spc-settings\?screen=true&amp;fix=6">agree these settings/);
    const form = await get(`${PAGE}/spc-settings?screen=true&fix=6`, manager);
    t.match(form.body, /id="screen-yes"[^>]*value="yes" checked/);
    t.match(form.body, /id="fixAfter"[^>]*value="6"/);
  });

  t.test('only managers agree; the form carries a CSRF token', async (t) => {
    t.equal((await get(`${PAGE}/spc-settings`, viewer)).statusCode, 403);
    t.equal((await get(`${PAGE}/spc-settings`, admin)).statusCode, 200);
    const officer = await signIn(app, 'officer@demo.example');
    t.equal((await post(`${PAGE}/spc-settings`, officer, [['from', ''], ['screen', 'no'], ['note', 'x'], ['basedOn', '0']])).statusCode, 403);
    const form = await get(`${PAGE}/spc-settings`, manager);
    t.match(form.body, /name="_csrf" value="[^"]+"/);
    const forged = await post(`${PAGE}/spc-settings`, manager, [['from', ''], ['screen', 'no'], ['note', 'x'], ['basedOn', '0']], 'not-the-token');
    t.equal(forged.statusCode, 403);
    t.equal((await api(analysisUrl)).spc.settings.version, null, 'nothing agreed');
  });

  t.test('bad input is refused with a message naming the field, and the input kept', async (t) => {
    const res = await post(`${PAGE}/spc-settings`, manager, [
      ['from', '2022-23 Q9'],
      ['screen', 'no'],
      ['fixAfter', '1'],
      ['rebasePeriod', '2019-20 Q1'],
      ['rebaseReason', 'before anything'],
      ['rebasePeriod', '2024-25 Q1'],
      ['rebaseReason', ''],
      ['note', 'Data day'],
      ['basedOn', '0'],
    ]);
    t.equal(res.statusCode, 400);
    const words = text(res.body);
    t.match(words, /Limits from: /);
    t.match(words, /Fix limits after: "1" is not a whole number of points from 2 to 999/);
    t.match(words, /Rebase 2: say why the process changed at 2024-25 Q1/);
    t.match(res.body, /id="from"[^>]*value="2022-23 Q9"/, 'the bad period is kept');
    t.match(res.body, /id="rebase-1-period"[^>]*value="2024-25 Q1"/);
    t.match(res.body, /href="#from"/, 'the error summary links to the field');
    const noReason = await post(`${PAGE}/spc-settings`, manager, [['from', '2030-31 Q1'], ['screen', 'no'], ['note', ''], ['basedOn', '0']]);
    t.equal(noReason.statusCode, 400);
    t.match(text(noReason.body), /Limits from: there are no figures from 2030-31 Q1 on/);
    t.match(text(noReason.body), /Why these settings: say why/);
    t.equal((await api(analysisUrl)).spc.settings.version, null, 'nothing agreed');
  });

  t.test('agreeing makes a version the chart, the API and the scorecard use', async (t) => {
    const before = await api(analysisUrl);
    const res = await post(`${PAGE}/spc-settings`, manager, [
      ['from', '2022-23 Q1'],
      ['screen', 'yes'],
      ['fixAfter', ''],
      ['rebasePeriod', '2024-25 Q1'],
      ['rebaseReason', 'the new referral pathway began'],
      ['rebasePeriod', ''],
      ['rebaseReason', ''],
      ['note', 'Data day, 12 March'],
      ['basedOn', '0'],
    ]);
    t.equal(res.statusCode, 303);
    const after = await api(analysisUrl);
    t.match(after.spc.settings, { version: 1, agreedBy: 'Mina Manager', preview: false });
    t.equal(after.spc.screened, true);
    const fromIndex = localFigures.findIndex((o) => o.period === '2022-23 Q1');
    t.equal(after.spc.points.length, localFigures.length - fromIndex, 'figures before 2022-23 Q1 are left out');
    t.equal(after.spc.points[0].period, '2022-23 Q1');
    t.same(after.spc.segments.map((s: { from: string }) => s.from), ['2022-23 Q1', '2024-25 Q1'], 'rebased at 2024-25 Q1');
    t.not(after.spc.mean, before.spc.mean, 'the limits moved');
    const page = text((await get(PAGE, viewer)).body);
    t.match(page, /SPC settings version 1, agreed by Mina Manager on \d{1,2} \w+ \d{4}: limits from 2022-23 Q1; rebased at 2024-25 Q1 because the new referral pathway began; limits not fixed; moving-range screening on\./);
    // The scorecard's icons follow the agreed settings (its cache moved with the data version).
    const scorecard = (await get('/p/coventry/scorecard', viewer)).body;
    const start = scorecard.indexOf(`data-code="${CODE}"`);
    t.match(scorecard.slice(start, scorecard.indexOf('</tr>', start)), new RegExp(`data-variation="${after.spc.variation}"`));
  });

  t.test('two people agreeing at once: the second is told, and nothing of theirs is lost', async (t) => {
    const first = await get(`${PAGE}/spc-settings`, manager);
    const second = await get(`${PAGE}/spc-settings`, admin);
    t.match(first.body, /name="basedOn" value="1"/);
    const fields = (note: string, fix: string): [string, string][] => [['from', '2022-23 Q1'], ['screen', 'no'], ['fixAfter', fix], ['note', note], ['basedOn', '1']];
    t.equal((await post(`${PAGE}/spc-settings`, manager, fields('Fixed after 8', '8'))).statusCode, 303);
    const late = await post(`${PAGE}/spc-settings`, admin, fields('Fixed after 6', '6'));
    t.equal(late.statusCode, 409);
    t.match(text(late.body), /Mina Manager agreed SPC settings version 2 while you were working: nothing of yours was saved/);
    t.match(late.body, /id="fixAfter"[^>]*value="6"/, 'their input is kept');
    t.match(late.body, /name="basedOn" value="2"/, 'agreeing again is a knowing replacement');
    t.match(text(late.body), /limits fixed after 8 points/, 'the other version is shown');
    t.equal((await api(analysisUrl)).spc.settings.version, 2, 'the second was not saved');
    t.ok(second.statusCode === 200);
  });

  t.test('every version is listed with who and why; restoring makes a new version equal to the old one', async (t) => {
    const versions = await get(`${PAGE}/spc-settings/versions`, viewer);
    t.equal(versions.statusCode, 200);
    const words = text(versions.body);
    t.match(words, /2 \(in use\) limits from 2022-23 Q1; limits fixed after 8 points; moving-range screening off by Mina Manager/);
    t.match(words, /Data day, 12 March/);
    t.notMatch(versions.body, /spc-settings\/restore/, 'viewers cannot restore');
    t.equal((await post(`${PAGE}/spc-settings/restore`, viewer, [['version', '1'], ['basedOn', '2']])).statusCode, 403);

    const stale = await post(`${PAGE}/spc-settings/restore`, manager, [['version', '1'], ['basedOn', '1']]);
    t.equal(stale.statusCode, 409, 'restoring from an out-of-date page is refused');
    const restored = await post(`${PAGE}/spc-settings/restore`, manager, [['version', '1'], ['basedOn', '2']]);
    t.equal(restored.statusCode, 303);
    const after = await api(analysisUrl);
    t.equal(after.spc.settings.version, 3);
    t.same(after.spc.segments.map((s: { from: string }) => s.from), ['2022-23 Q1', '2024-25 Q1'], 'version 1’s rebase is back');
    t.equal(after.spc.screened, true);
    t.match(text((await get(`${PAGE}/spc-settings/versions`, viewer)).body), /3 \(in use\) limits from 2022-23 Q1; rebased at 2024-25 Q1 because the new referral pathway began; limits not fixed; moving-range screening on by Mina Manager, .* Restored version 1/);
    t.equal((await post(`${PAGE}/spc-settings/restore`, manager, [['version', '99'], ['basedOn', '3']])).statusCode, 404);
    t.equal((await post(`${PAGE}/spc-settings/restore`, manager, [['version', 'x'], ['basedOn', '3']])).statusCode, 400);
  });

  t.test('another partnership’s indicator is not found', async (t) => {
    const otherId = await db.transaction().execute((trx) => insertPartnershipFromSeed(trx, seed, 'other'));
    await db.updateTable('indicator').set({ code: 'B_ONLY' }).where('partnership_id', '=', otherId).where('code', '=', CODE).execute();
    const forged = '/p/coventry/indicators/B_ONLY';
    t.equal((await get(`${forged}/spc-settings`, admin)).statusCode, 404);
    t.equal((await get(`${forged}/spc-settings/versions`, admin)).statusCode, 404);
    t.equal((await post(`${forged}/spc-settings`, admin, [['from', ''], ['screen', 'no'], ['note', 'x'], ['basedOn', '0']])).statusCode, 404);
    t.equal((await post(`${forged}/spc-settings/restore`, admin, [['version', '1'], ['basedOn', '0']])).statusCode, 404);
    t.equal((await get('/p/other/spc', admin)).statusCode, 404);
    const count = await db.selectFrom('spc_setting').innerJoin('indicator', 'indicator.id', 'spc_setting.indicator_id').select(db.fn.countAll().as('n')).where('indicator.partnership_id', '=', otherId).executeTakeFirstOrThrow();
    t.equal(Number(count.n), 0, 'nothing written to the other partnership');
  });
});
