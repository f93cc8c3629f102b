// Issue 16, items 5 and 6: every sentence about a baseline states the values its fit actually used, and the baseline
// form's own defaults are accepted when submitted unchanged; a refusal names the periods that would be accepted.
import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { createApiToken, findUserId } from '../../server/features/accounts/queries.ts';
import { acceptedBaselineRange, defaultBaselinePosition, describeBaselineFit } from '../../server/analysis/baseline.ts';
import { linearForecast } from '../../server/analysis/forecast.ts';
import { buildTestApp, signIn, type Session } from '../helpers/app.ts';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');

/** The form's fields as a browser would submit them untouched: hidden fields, inputs, checked radios, selected options. */
function defaultsOf(html: string): [string, string][] {
  const form = /<form method="post" novalidate>[\s\S]*?<\/form>/.exec(html)?.[0];
  if (!form) throw new Error('no baseline form on the page');
  const fields: [string, string][] = [];
  for (const m of form.matchAll(/<input[^>]*>/g)) {
    const name = /name="([^"]+)"/.exec(m[0])?.[1];
    const value = /value="([^"]*)"/.exec(m[0])?.[1] ?? '';
    if (!name || (/type="radio"/.test(m[0]) && !/ checked/.test(m[0]))) continue;
    fields.push([name, value.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&')]);
  }
  for (const m of form.matchAll(/<select[^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/select>/g)) {
    const selected = /<option value="([^"]*)" selected/.exec(m[2]!)?.[1];
    if (selected !== undefined) fields.push([m[1]!, selected]);
  }
  for (const m of form.matchAll(/<textarea[^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/textarea>/g)) fields.push([m[1]!, m[2]!]);
  return fields;
}

async function postForm(app: FastifyInstance, session: Session, code: string, fields: [string, string][]) {
  return app.inject({
    method: 'POST',
    url: `/p/coventry/indicators/${code}/baseline`,
    headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(fields).toString(),
  });
}

t.test('the words for a baseline come from the fit: its count and its periods', async (t) => {
  const label = (p: number) => `${p}/${String((p + 1) % 100).padStart(2, '0')}`;
  const observations = [2016, 2017, 2018, 2021, 2022, 2023].map((position, i) => ({ position, value: 10 + i }));
  const gappy = linearForecast({ observations, baseline: 2021, window: 5 });
  t.ok(gappy.ok);
  if (!gappy.ok) return;
  t.equal(describeBaselineFit({ position: 2021, method: 'linear', fit: gappy.fit, manualPoints: null }, label).text, `a straight line fitted to the 4 values for 2016/17, 2017/18, 2018/19 and 2021/22`, 'a missing period between is not papered over');
  const short = linearForecast({ observations, baseline: 2018, window: 5 });
  if (!short.ok) return t.fail('three values make a line');
  t.equal(describeBaselineFit({ position: 2019, method: 'linear', fit: short.fit, manualPoints: null }, label).text, 'a straight line fitted to the 3 values from 2016/17 to 2018/19, up to the baseline period 2019/20');
  t.equal(describeBaselineFit({ position: 2023, method: 'manual', fit: null, manualPoints: [{ position: 2025, value: 1 }, { position: 2024, value: 2 }] }, label).text, 'a forecast agreed by hand from 2024/25 to 2025/26, after the baseline period 2023/24');
  t.same(acceptedBaselineRange(observations), { from: 2018, to: 2023 });
  t.equal(acceptedBaselineRange(observations.slice(0, 2)), null);
  t.equal(defaultBaselinePosition(observations, 2), 2021, 'two values left to judge');
  t.equal(defaultBaselinePosition(observations.slice(0, 4), 2), 2018, 'with four values, the first with three up to it');
});

t.test('baselines that tell the truth, and a form whose defaults are valid', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const manager = await signIn(app, 'manager@demo.example');
  const viewer = await signIn(app, 'viewer@demo.example');
  const get = (url: string, session: Session = viewer) => app.inject({ method: 'GET', url, headers: { cookie: session.cookie } });
  /** The periods with a value of the indicator's measured series (the gap for a gap indicator), from the API. */
  const valuedPeriods = async (code: string) =>
    ((await get(`/api/v1/partnerships/coventry/indicators/${code}/analysis`)).json().points as { period: string; value: number | null }[])
      .filter((p) => p.value !== null)
      .map((p) => p.period);
  const codes = ((await get('/api/v1/partnerships/coventry/indicators')).json().indicators as { code: string }[]).map((i) => i.code);

  // The demo's early-years gap has four values (the reformed profile starts in 2021/22): too few for the demo to have
  // agreed a baseline up to its third-latest figure, which is what the form used to offer.
  const CODE = 'EYFS_GLD_FSM_GAP';

  t.test('a refused baseline period names the range that would be accepted', async (t) => {
    const periods = await valuedPeriods(CODE);
    t.ok(periods.length >= 3, 'the indicator has enough values for a straight line at all');
    const tooEarly = periods[1]!; // only two values up to it
    const refused = await postForm(app, manager, CODE, [['_csrf', manager.csrf], ['period', tooEarly], ['window', '5'], ['method', 'linear']]);
    t.equal(refused.statusCode, 400);
    const body = text(refused.body);
    t.match(body, `only 2 values up to ${tooEarly}`);
    t.match(body, `from ${periods[2]} to ${periods.at(-1)}`, 'the message names the first and last period a straight line can be fitted up to');
    t.match(text(refused.body), new RegExp(`choose from ${periods[2]} to ${periods.at(-1)}`), 'the form\'s hint names the same range');

    const unreadable = await postForm(app, manager, CODE, [['_csrf', manager.csrf], ['period', '2022'], ['window', '5'], ['method', 'linear']]);
    t.equal(unreadable.statusCode, 400);
    t.match(text(unreadable.body), `from ${periods[2]} to ${periods.at(-1)}`, 'a period that is not one says what would be');

    const token = (await createApiToken(database.db, (await findUserId(database.db, 'manager@demo.example'))!, 'rw', true)).token;
    const api = await app.inject({
      method: 'PUT',
      url: `/api/v1/partnerships/coventry/indicators/${CODE}/baseline`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ period: tooEarly, method: 'linear' }),
    });
    t.equal(api.statusCode, 422);
    t.match(api.body, `from ${periods[2]} to ${periods.at(-1)}`, 'the API says it too');

    const manualTooEarly = await postForm(app, manager, CODE, [['_csrf', manager.csrf], ['period', periods[2]!], ['window', '5'], ['method', 'manual'], ['pointPeriod', periods[1]!], ['pointValue', '10']]);
    t.equal(manualTooEarly.statusCode, 400);
    t.match(text(manualTooEarly.body), `give periods from ${periods[3]} on`);
  });

  t.test('every indicator\'s baseline form is accepted when submitted unchanged', async (t) => {
    for (const code of codes) {
      const form = await get(`/p/coventry/indicators/${code}/baseline`, manager);
      t.equal(form.statusCode, 200, `${code}: the form opens`);
      const before = (await get(`/api/v1/partnerships/coventry/indicators/${code}/analysis`)).json().baseline?.version ?? 0;
      const fields = defaultsOf(form.body);
      const posted = await postForm(app, manager, code, fields);
      t.equal(posted.statusCode, 303, `${code}: the defaults (${fields.filter(([k]) => k === 'period' || k === 'window').map(([k, v]) => `${k} ${v}`).join(', ')}) are accepted${posted.statusCode === 400 ? `, not refused with: ${text(posted.body).match(/Error: ([^.]*\.)/)?.[1]}` : ''}`);
      const after = (await get(`/api/v1/partnerships/coventry/indicators/${code}/analysis`)).json().baseline;
      t.equal(after?.version, before + 1, `${code}: a new version was agreed`);
    }
  });

  t.test('the baseline sentence states the values the fit used, not the window asked for', async (t) => {
    const periods = await valuedPeriods(CODE);
    const baselinePeriod = periods[2]!; // three values up to it; the window asks for five
    const agreed = await postForm(app, manager, CODE, [['_csrf', manager.csrf], ['period', baselinePeriod], ['window', '5'], ['method', 'linear']]);
    t.equal(agreed.statusCode, 303);
    const analysis = (await get(`/api/v1/partnerships/coventry/indicators/${CODE}/analysis`)).json();
    t.equal(analysis.baseline.window, 5, 'the window asked for is kept');
    const fitted = periods.slice(0, periods.indexOf(baselinePeriod) + 1);
    t.equal(analysis.baseline.fit.n, fitted.length, 'the fit used the values up to the baseline');
    t.ok(fitted.length < 5, 'fewer values than the window');
    t.same(analysis.baseline.fit.periods, fitted, 'the API lists the periods the line was fitted to');
    const expected = `a straight line fitted to the ${fitted.length} values from ${fitted[0]} to ${fitted.at(-1)}`;
    t.match(analysis.baseline.description, expected, 'the API says it in words');
    t.match(analysis.baseline.description, /agreed by Mina Manager on \d{1,2} \w+ \d{4}/, 'who agreed it, and when');

    const page = text((await get(`/p/coventry/indicators/${CODE}`)).body).replace(/ ([:,.])/g, '$1');
    t.match(page, `Judged against baseline version ${analysis.baseline.version}: ${expected}, agreed by Mina Manager on`);
    t.notMatch(page, /fitted to the 5 values/);

    const versions = text((await get(`/p/coventry/indicators/${CODE}/baselines`)).body);
    t.match(versions, `A straight line fitted to the ${fitted.length} values from ${fitted[0]} to ${fitted.at(-1)}: changing by`);
    t.match(versions, /Agreed by Mina Manager/);
  });
});
