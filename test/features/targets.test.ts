import t from 'tap';
import { insertPartnershipFromSeed, readDemoSeed } from '../../seeds/demo-loader.ts';
import { trajectory, roundTo } from '../../server/features/targets/trajectory.ts';
import { buildTestApp, form, signIn, type Session } from '../helpers/app.ts';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');
const year = new Date().getUTCFullYear();

t.test('a trajectory is a straight line rounded to the indicator’s decimals', async (t) => {
  const points = trajectory('calendar_year', { position: 2026, value: 10 }, { position: 2030, value: 20 }, 1);
  t.same(points.map((p) => [p.period.label, p.value]), [['2026', 10], ['2027', 12.5], ['2028', 15], ['2029', 17.5], ['2030', 20]], 'the hand-worked case: 10 → 20 over 5 periods');
  t.same(trajectory('fy_quarter', { position: 2025 * 4, value: 30 }, { position: 2025 * 4 + 3, value: 20 }, 0).map((p) => [p.period.label, p.value]), [['2025-26 Q1', 30], ['2025-26 Q2', 27], ['2025-26 Q3', 23], ['2025-26 Q4', 20]], '26.67 → 27, 23.33 → 23');
  t.equal(roundTo(2.675, 2), 2.68, 'no binary noise in rounding');
  t.equal(roundTo(-2.5, 0), -3, 'a gap rounds away from zero, like a positive one');
  t.throws(() => trajectory('calendar_year', { position: 2030, value: 1 }, { position: 2030, value: 2 }, 1));
});

t.test('setting targets on the indicator’s page', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const manager = await signIn(app, 'manager@demo.example');
  const admin = await signIn(app, 'admin@demo.example');
  const viewer = await signIn(app, 'viewer@demo.example');
  const officer = await signIn(app, 'officer@demo.example');
  const page = (url: string, session: Session = manager) => app.inject({ method: 'GET', url, headers: { cookie: session.cookie, accept: 'text/html' } });
  const post = (url: string, values: Record<string, string>, session: Session = manager) =>
    app.inject({ method: 'POST', url, headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: form({ _csrf: session.csrf, ...values }) });
  const targetsUrl = '/p/coventry/indicators/NEET_16_17/targets';
  const api = async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/partnerships/coventry/indicators/NEET_16_17/observations', headers: { cookie: manager.cookie } });
    t.equal(res.statusCode, 200);
    const target = (res.json().series as { role: string; observations: { period: string; value: number; version: number }[] }[]).find((s) => s.role === 'target');
    return new Map((target?.observations ?? []).map((o) => [o.period, o]));
  };
  const targetAudit = () =>
    db
      .selectFrom('observation_audit')
      .innerJoin('indicator', 'indicator.id', 'observation_audit.indicator_id')
      .select(['observation_audit.period_label', 'observation_audit.result', 'observation_audit.new', 'observation_audit.via'])
      .where('indicator.code', '=', 'NEET_16_17')
      .where('observation_audit.series_role', '=', 'target')
      .orderBy('observation_audit.seq')
      .execute();
  const coventry = await db.selectFrom('partnership').select('id').where('slug', '=', 'coventry').executeTakeFirstOrThrow();

  t.test('only managers and admins may set targets; the indicator page offers it to them', async (t) => {
    t.equal((await page(targetsUrl, viewer)).statusCode, 403);
    t.equal((await page(targetsUrl, officer)).statusCode, 403);
    t.equal((await post(targetsUrl, { step: 'periods', [`value-${year + 1}`]: '5' }, officer)).statusCode, 403);
    t.notMatch((await page('/p/coventry/indicators/NEET_16_17', viewer)).body, /Set targets/);
    t.match((await page('/p/coventry/indicators/NEET_16_17', manager)).body, new RegExp(`href="${targetsUrl}">Set targets`));
    const res = await page(targetsUrl);
    t.equal(res.statusCode, 200);
    const body = text(res.body);
    t.match(body, /How the target rates the indicator Green: the target met or bettered/, 'the RAG rule is shown');
    t.match(body, /an admin changes it in the partnership's settings/, 'a manager is told who sets the rule');
    t.match((await page(targetsUrl, admin)).body, /href="\/p\/coventry\/settings">change it in the settings/, 'an admin gets the link');
    for (const y of [year - 1, year, year + 1, year + 5]) t.match(res.body, new RegExp(`id="value-${y}"`), `a box for ${y}`);
    t.notMatch(res.body, new RegExp(`id="value-${year + 6}"`), 'nothing past the accepted window');
    t.equal((await api()).size, 0, 'no targets yet');
  });

  t.test('targets per period: saved through the write path, audited, in the API and on the chart', async (t) => {
    const res = await post(targetsUrl, { step: 'periods', [`value-${year}`]: '4.5', [`version-${year}`]: '', [`value-${year + 1}`]: '4.2', [`version-${year + 1}`]: '', [`value-${year + 2}`]: '' });
    t.equal(res.statusCode, 303);
    t.equal(res.headers.location, targetsUrl, 'the address carries no message');
    t.match(text((await page(res.headers.location as string)).body), /2 targets saved/);
    const saved = await api();
    t.same([saved.get(String(year))?.value, saved.get(String(year + 1))?.value, saved.has(String(year + 2))], [4.5, 4.2, false], 'a blank box saves nothing');
    t.match(await targetAudit(), [
      { period_label: String(year), result: 'saved', via: 'form', new: { value: 4.5 } },
      { period_label: String(year + 1), result: 'saved', via: 'form', new: { value: 4.2 } },
    ]);
    const again = await page(targetsUrl);
    t.match(again.body, new RegExp(`id="value-${year}" name="value-${year}" type="text" inputmode="decimal" spellcheck="false" value="4.5"`), 'the form is prefilled with the targets');
    t.match(again.body, new RegExp(`name="version-${year}" value="1"`), 'each row carries its version');
    const indicatorPage = await page('/p/coventry/indicators/NEET_16_17', viewer);
    t.match(indicatorPage.body, /"role":"target"/, 'the chart draws the target series');

    const unchanged = await post(targetsUrl, { step: 'periods', [`value-${year}`]: '4.5', [`version-${year}`]: '1', [`value-${year + 1}`]: '4.2', [`version-${year + 1}`]: '1' });
    t.match(text((await page(unchanged.headers.location as string)).body), /Nothing had changed: no target was saved/, 'saving the same targets changes nothing');
    t.equal((await targetAudit()).length, 2);
  });

  t.test('bad figures are refused with the error summary and the input kept; nothing is written', async (t) => {
    const before = await targetAudit();
    const res = await post(targetsUrl, { step: 'periods', [`value-${year + 2}`]: 'about 4', [`version-${year + 2}`]: '', [`value-${year + 3}`]: '120', [`version-${year + 3}`]: '', [`value-${year + 4}`]: '3.9', [`version-${year + 4}`]: '' });
    t.equal(res.statusCode, 400);
    const body = text(res.body);
    t.match(body, /There is a problem/);
    t.match(res.body, new RegExp(`href="#value-${year + 2}">${year + 2}: “about 4” is not a number`));
    t.match(res.body, new RegExp(`href="#value-${year + 3}">${year + 3}: A percentage must be between 0 and 100`));
    t.match(res.body, /value="about 4"/, 'the input comes back');
    t.match(res.body, /value="3.9"/, 'the good input comes back too');
    t.equal((await targetAudit()).length, before.length, 'not even the good target was saved');
    const forged = await post(targetsUrl, { step: 'periods', [`value-${year + 2}`]: '4', [`version-${year + 2}`]: 'x' });
    t.equal(forged.statusCode, 400);
    t.match(text(forged.body), /The form was damaged/);
    t.equal((await post(targetsUrl, { step: 'periods' })).statusCode, 400, 'an empty form is told to enter a target');
  });

  t.test('a trajectory is computed, shown for checking, then saved as one batch', async (t) => {
    const before = (await targetAudit()).length;
    const check = await post(targetsUrl, { step: 'check', start_period: String(year), start_value: '10', end_period: String(year + 4), end_value: '20' });
    t.equal(check.statusCode, 200);
    const body = text(check.body);
    t.match(body, /Check the targets/);
    t.match(body, new RegExp(`${year} 10.0% 4.5% \\(final\\) ${year + 1} 12.5% 4.2% \\(final\\) ${year + 2} 15.0% no target ${year + 3} 17.5% no target ${year + 4} 20.0% no target`), 'every period between, rounded to 1 decimal, beside the target now');
    t.match(check.body, /<button type="submit" class="govuk-button" data-module="govuk-button" id="save">Save targets<\/button>/);
    t.equal((await targetAudit()).length, before, 'nothing is saved at the check');

    // The save form carries the trajectory and the versions the manager was shown.
    const hidden = Object.fromEntries([...check.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!]));
    t.equal(hidden.step, 'save');
    t.equal(hidden[`version-${year}`], '1');
    t.equal(hidden[`version-${year + 2}`], '');
    const { _csrf: _, ...fields } = hidden;
    const saved = await post(targetsUrl, fields);
    t.equal(saved.statusCode, 303);
    t.match(text((await page(saved.headers.location as string)).body), /5 targets saved/);
    const targets = await api();
    t.same([year, year + 1, year + 2, year + 3, year + 4].map((y) => targets.get(String(y))?.value), [10, 12.5, 15, 17.5, 20]);
    t.equal(targets.get(String(year))?.version, 2, 'an existing target is a new version of it');
    t.equal((await targetAudit()).length, before + 5, 'every target is in the audit trail');
  });

  t.test('a trajectory that cannot be computed is refused with the input kept', async (t) => {
    const backwards = await post(targetsUrl, { step: 'check', start_period: String(year + 3), start_value: '10', end_period: String(year + 1), end_value: '20' });
    t.equal(backwards.statusCode, 400);
    t.match(backwards.body, new RegExp(`href="#end_period">The end period must come after the start period \\(${year + 3}\\)`));
    t.match(backwards.body, /id="start_value" name="start_value" type="text" value="10"/);
    const unknown = await post(targetsUrl, { step: 'check', start_period: '1066', start_value: '10', end_period: String(year + 1), end_value: '150' });
    t.equal(unknown.statusCode, 400);
    t.match(unknown.body, /href="#start_period">Choose the start period from the list/);
    t.match(unknown.body, /href="#end_value">The end value: A percentage must be between 0 and 100: 150 is not/);
    t.match(unknown.body, /value="150"/);
    const words = await post(targetsUrl, { step: 'check', start_period: String(year), start_value: 'ten', end_period: String(year + 1), end_value: '' });
    t.match(text(words.body), /The start value: “ten” is not a number/);
    t.match(text(words.body), /Enter the end value/);
  });

  t.test('someone else changed the targets: nothing of the batch is saved, theirs are shown', async (t) => {
    const opened = await page(targetsUrl);
    const versionOf = (y: number) => new RegExp(`name="version-${y}" value="(\\d*)"`).exec(opened.body)![1]!;
    t.equal(versionOf(year + 1), '2');
    // An admin saves a target for next year in the meantime.
    const theirs = await post(targetsUrl, { step: 'periods', [`value-${year + 1}`]: '11', [`version-${year + 1}`]: '2' }, admin);
    t.equal(theirs.statusCode, 303);
    const before = await api();
    const mine = await post(targetsUrl, { step: 'periods', [`value-${year + 1}`]: '13', [`version-${year + 1}`]: versionOf(year + 1), [`value-${year + 5}`]: '19', [`version-${year + 5}`]: versionOf(year + 5) });
    t.equal(mine.statusCode, 409);
    const body = text(mine.body);
    t.match(body, /Someone else changed these targets since you opened the page, so nothing was saved/);
    t.match(body, new RegExp(`Changed by someone else Period Their target, saved now Yours, not saved ${year + 1} 11.0% \\(revised\\) Ade Admin`));
    t.match(mine.body, /value="13"/, 'my figure stays in the box');
    t.match(mine.body, new RegExp(`name="version-${year + 1}" value="3"`), 'saving again goes over theirs knowingly');
    const after = await api();
    t.equal(after.get(String(year + 1))?.value, 11, 'theirs stands');
    t.notOk(after.has(String(year + 5)), 'my other target was not half-written');
    t.same([...after.keys()].sort(), [...before.keys()].sort());
    t.match((await targetAudit()).filter((a) => a.result === 'conflict'), [{ period_label: String(year + 1), new: { value: 13 } }], 'the refused attempt is audited');

    // A stale trajectory save too.
    const check = await post(targetsUrl, { step: 'check', start_period: String(year + 1), start_value: '10', end_period: String(year + 2), end_value: '12' });
    const hidden = Object.fromEntries([...check.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!]));
    await post(targetsUrl, { step: 'periods', [`value-${year + 2}`]: '16', [`version-${year + 2}`]: hidden[`version-${year + 2}`]! }, admin);
    const { _csrf: _, ...fields } = hidden;
    const stale = await post(targetsUrl, fields);
    t.equal(stale.statusCode, 409);
    t.match(text(stale.body), /Someone else changed these targets/);
    t.match(text(stale.body), /Check the targets/, 'the check is shown again, against their targets');
    t.equal((await api()).get(String(year + 1))?.value, 11, 'nothing of the trajectory was saved');
  });

  t.test("another partnership's indicator is not found", async (t) => {
    const otherId = await db.transaction().execute(async (trx) => insertPartnershipFromSeed(trx, await readDemoSeed(), 'other'));
    await db.updateTable('indicator').set({ code: 'THEIRS_ONLY' }).where('partnership_id', '=', otherId).where('code', '=', 'NEET_16_17').execute();
    t.equal((await page('/p/coventry/indicators/THEIRS_ONLY/targets')).statusCode, 404);
    t.equal((await post('/p/coventry/indicators/THEIRS_ONLY/targets', { step: 'periods', [`value-${year}`]: '5' })).statusCode, 404);
    t.equal((await page('/p/other/indicators/THEIRS_ONLY/targets')).statusCode, 404, 'nor is another partnership (not a member)');
    const theirs = await db
      .selectFrom('observation_audit')
      .select('id')
      .where('partnership_id', '=', otherId)
      .where('series_role', '=', 'target')
      .execute();
    t.equal(theirs.length, 0);
    t.ok(coventry.id);
  });
});
