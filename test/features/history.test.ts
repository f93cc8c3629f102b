import t from 'tap';
import { sql } from 'kysely';
import { insertPartnershipFromSeed, readDemoSeed } from '../../seeds/demo-loader.ts';
import { recordPlanChange } from '../../server/db/plan-changes.ts';
import { csvCell } from '../../server/features/history/describe.ts';
import { clearDemoNarrative } from '../helpers/demo-narrative.ts';
import { buildTestApp, form, signIn, type Session } from '../helpers/app.ts';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');
/** The rows of the changes table, as text, newest first. */
const rowsOf = (html: string) => [...html.matchAll(/<tr class="govuk-table__row" data-kind="([a-z]+)">([\s\S]*?)<\/tr>/g)].map((m) => ({ kind: m[1]!, text: text(m[2]!).trim() }));

t.test('a CSV cell is quoted and cannot start a formula', async (t) => {
  t.equal(csvCell('plain'), '"plain"');
  t.equal(csvCell('say "hi", then go'), '"say ""hi"", then go"');
  for (const start of ['=', '+', '-', '@']) t.equal(csvCell(`${start}1+2`), `"'${start}1+2"`, `a cell starting with ${start}`);
});

t.test('what changed: the partnership-wide history', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const manager = await signIn(app, 'manager@demo.example');
  const officer = await signIn(app, 'officer@demo.example');
  const viewer = await signIn(app, 'viewer@demo.example');
  const page = (url: string, session: Session = officer) => app.inject({ method: 'GET', url, headers: { cookie: session.cookie, accept: 'text/html' } });
  const post = (url: string, values: Record<string, string>, session: Session = manager) =>
    app.inject({ method: 'POST', url, headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: form({ _csrf: session.csrf, ...values }) });
  const coventry = await db.selectFrom('partnership').select('id').where('slug', '=', 'coventry').executeTakeFirstOrThrow();
  const userId = (email: string) => db.selectFrom('app_user').select('id').where('email', '=', email).executeTakeFirstOrThrow().then((r) => r.id);
  const managerId = await userId('manager@demo.example');
  const officerId = await userId('officer@demo.example');
  const neet = await db.selectFrom('indicator').select(['id']).where('partnership_id', '=', coventry.id).where('code', '=', 'NEET_16_17').executeTakeFirstOrThrow();
  // This test writes NEET's first story: the demo's (seeds/demo/year-of-use.ts) is taken off first.
  await clearDemoNarrative(db, coventry.id, { indicatorCodes: ['NEET_16_17'] });
  const outcome = await db.selectFrom('outcome').select(['id', 'title']).where('partnership_id', '=', coventry.id).orderBy('position').executeTakeFirstOrThrow();
  const otherId = await db.transaction().execute(async (trx) => insertPartnershipFromSeed(trx, await readDemoSeed(), 'other'));

  // The changes: a figure (by the officer, through the API), a baseline agreed again, a story, and a plan change.
  const figure = await app.inject({
    method: 'PUT',
    url: '/api/v1/partnerships/coventry/indicators/NEET_16_17/observations',
    headers: { cookie: officer.cookie, 'x-csrf-token': officer.csrf, 'content-type': 'application/json' },
    payload: JSON.stringify([{ series: 'local', period: '2025', value: 3.9 }]),
  });
  t.equal(figure.statusCode, 200);
  const figureBefore = (figure.json().changed[0].before as { value: number }).value;
  await sql`insert into baseline (indicator_id, version, baseline_position, baseline_label, history_window, method, fit, manual_points, note, agreed_by, agreed_by_name)
    select indicator_id, 2, baseline_position + 1, ${'2023'}, 4, method, fit, manual_points, ${'Agreed again at the spring data day'}, agreed_by, agreed_by_name
    from baseline where indicator_id = ${neet.id} and version = 1`.execute(db);
  const story = await post('/p/coventry/indicators/NEET_16_17/story', { base_version: '0', period_text: '2025 figures', summary: 'NEET is falling since the careers hub opened.', contributing: '', restricting: '', root_causes: '' });
  t.equal(story.statusCode, 303);
  await recordPlanChange(db, { partnershipId: coventry.id, kind: 'outcome', itemId: outcome.id, label: 'Children are safe', action: 'edited', before: { title: outcome.title }, after: { title: 'Children are safe' }, userId: managerId });
  // Another partnership's changes, which must never show.
  await recordPlanChange(db, { partnershipId: otherId, kind: 'outcome', itemId: outcome.id, label: 'Secret of the other partnership', action: 'created', after: { title: 'Secret of the other partnership' }, userId: managerId });

  t.test('officers and above see it; viewers do not', async (t) => {
    t.equal((await page('/p/coventry/history', viewer)).statusCode, 403);
    t.equal((await page('/p/coventry/history.csv', viewer)).statusCode, 403);
    t.equal((await page('/p/coventry/history', manager)).statusCode, 200);
    t.match((await page('/p/coventry', officer)).body, /href="\/p\/coventry\/history">What changed/, 'in the partnership navigation');
    t.notMatch((await page('/p/coventry', viewer)).body, /What changed/);
  });

  t.test('every kind of change appears, newest first, with who and before → after', async (t) => {
    const res = await page('/p/coventry/history');
    t.equal(res.statusCode, 200);
    const rows = rowsOf(res.body);
    t.same(rows.slice(0, 4).map((r) => r.kind), ['plan', 'story', 'baseline', 'figure'], 'newest first');
    t.match(rows[0]!.text, new RegExp(`Mina Manager on a form Plan Outcome edited Outcome: Children are safe title: “${outcome.title}” title: “Children are safe”`));
    t.match(rows[1]!.text, /Mina Manager Story Story written 16 and 17 year olds not in education, employment or training \(NEET\) no story version 1: NEET is falling since the careers hub opened\./);
    t.match(rows[2]!.text, /Baseline Baseline agreed again .* version 1: from \d{4}, a straight-line trend over \d+ periods version 2: from 2023, a straight-line trend over 4 periods; note: Agreed again at the spring data day/);
    t.match(rows[3]!.text, new RegExp(`Olu Officer through the API Figure Figure changed .*: Coventry, 2025 ${String(figureBefore).replace('.', '\\.')}% \\(\\w+\\) 3\\.9% \\(revised\\)`));
    t.match(res.body, /href="\/p\/coventry\/indicators\/NEET_16_17\/history\?series=local&amp;period=2025"/, 'a figure links to its history');
    t.match(res.body, /href="\/p\/coventry\/indicators\/NEET_16_17#story"/, 'a story links to the indicator');
    t.match(res.body, new RegExp(`href="/p/coventry#outcome-${outcome.id}"`), 'an outcome links to the plan');
    t.notMatch(res.body, /Secret of the other partnership/, "another partnership's changes never appear");
  });

  t.test('a refused attempt and a deletion are in the history', async (t) => {
    const stale = await app.inject({
      method: 'PUT',
      url: '/api/v1/partnerships/coventry/indicators/NEET_16_17/observations',
      headers: { cookie: officer.cookie, 'x-csrf-token': officer.csrf, 'content-type': 'application/json' },
      payload: JSON.stringify([{ series: 'local', period: '2025', value: 4.4, version: 1 }]),
    });
    t.equal(stale.statusCode, 409);
    const rows = rowsOf((await page('/p/coventry/history?kind=figure')).body);
    t.match(rows[0]!.text, /Figure not saved .* not saved not saved, someone else had saved first: 4\.4%/);

    const current = await db.selectFrom('observation').innerJoin('series', 'series.id', 'observation.series_id').select('observation.version').where('series.indicator_id', '=', neet.id).where('series.role', '=', 'local').where('observation.period_key', '=', '2025').executeTakeFirstOrThrow();
    const deleted = await post('/p/coventry/indicators/NEET_16_17/figures/local/2025/delete', { reason: 'Typed against the wrong year', version: String(current.version) }, officer);
    t.equal(deleted.statusCode, 303);
    const after = rowsOf((await page('/p/coventry/history?kind=figure')).body);
    t.match(after[0]!.text, /Olu Officer on a form Figure Figure deleted .*: Coventry, 2025 3\.9% \(revised\) deleted, because: Typed against the wrong year/);
  });

  t.test('filters: kind, person and dates', async (t) => {
    const stories = rowsOf((await page('/p/coventry/history?kind=story')).body);
    t.ok(stories.length >= 1);
    t.ok(stories.every((r) => r.kind === 'story'), 'only stories');
    const byOfficer = rowsOf((await page(`/p/coventry/history?person=${officerId}`)).body);
    t.ok(byOfficer.length >= 2);
    t.ok(byOfficer.every((r) => r.text.includes('Olu Officer')), 'only the officer’s changes');
    const tomorrow = new Date(Date.now() + 36 * 3600_000).toISOString().slice(0, 10);
    const none = await page(`/p/coventry/history?from=${tomorrow}`);
    t.equal(none.statusCode, 200);
    t.match(text(none.body), /No changes match these filters/);
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date());
    const [y, m, d] = today.split('-');
    const todays = rowsOf((await page(`/p/coventry/history?from=${Number(d)}/${Number(m)}/${y}&to=${today}&kind=plan`)).body);
    t.match(todays[0]!.text, /Children are safe/, 'a date typed as people type it, and the whole of the "to" day');
    const yesterday = new Date(Date.now() - 36 * 3600_000).toISOString().slice(0, 10);
    t.match(text((await page(`/p/coventry/history?to=${yesterday}&kind=plan`)).body), /No changes match these filters/);
  });

  t.test('bad filter values are an error summary with the input kept, not a 500', async (t) => {
    const res = await page(`/p/coventry/history?kind=everything&from=31/2/2026&to=2026-01-01&person=00000000-0000-4000-8000-000000000000`);
    t.equal(res.statusCode, 400);
    t.match(res.body, /href="#kind">Choose a kind of change from the list/);
    t.match(res.body, /href="#person">Choose a person from the list/);
    t.match(res.body, /href="#from-day">The ‘from’ date must be a real date/);
    t.match(res.body, /id="from-day" name="from-day" type="text" inputmode="numeric" value="31"/);
    t.match(res.body, /id="from-month" name="from-month" type="text" inputmode="numeric" value="2"/);
    const backwards = await page('/p/coventry/history?from=2026-03-02&to=2026-03-01');
    t.equal(backwards.statusCode, 400);
    t.match(backwards.body, /href="#to-day">The ‘to’ date must be the same as or after the ‘from’ date/);
    t.equal((await page('/p/coventry/history?kind=story&kind=plan')).statusCode, 400, 'a repeated field');
    t.match((await page('/p/coventry/history?person=bob')).body, /href="#person">Choose a person from the list/, 'not even a uuid');
    t.equal((await page('/p/coventry/history.csv?from=yesterday')).statusCode, 400);
  });

  t.test('paged by time, 100 at a time: no change lost or shown twice, even at the same instant', async (t) => {
    // 130 changes in one statement share one time: the key breaks the tie.
    await sql`insert into plan_change (partnership_id, item_kind, item_id, item_label, action, after, user_id)
      select ${coventry.id}, 'priority', gen_random_uuid(), 'Bulk ' || n, 'created', jsonb_build_object('title', 'Bulk ' || n), ${managerId}
      from generate_series(1, 130) as n`.execute(db);
    const first = await page('/p/coventry/history?kind=plan');
    const firstRows = rowsOf(first.body);
    t.equal(firstRows.length, 100);
    const older = /href="([^"]+)" rel="next"/.exec(first.body)?.[1]?.replace(/&amp;/g, '&');
    t.ok(older, 'an "older" link');
    t.match(older!, /kind=plan/, 'the filters are kept');
    const second = await page(older!);
    const secondRows = rowsOf(second.body);
    t.equal(secondRows.length, 31, 'the rest: 130 bulk changes and the outcome edit');
    t.match(text(second.body), /Back to the newest/);
    const labels = [...firstRows, ...secondRows].map((r) => /(?:Priority|Outcome): (.+?) (?:nothing|title)/.exec(r.text)?.[1]);
    t.equal(new Set(labels).size, 131, 'every change once');
    t.notMatch(second.body, /rel="next"/, 'no older page after the last');
  });

  t.test('CSV with the same filters: a header row, quoted cells, formulas defused, nothing of another partnership', async (t) => {
    await db.updateTable('app_user').set({ name: '=HYPERLINK("http://evil")' }).where('id', '=', officerId).execute();
    const res = await page(`/p/coventry/history.csv?person=${officerId}`);
    t.equal(res.statusCode, 200);
    t.match(res.headers['content-type'], /^text\/csv/);
    t.match(res.headers['content-disposition'], /attachment; filename="coventry-what-changed-\d{4}-\d{2}-\d{2}\.csv"/);
    const lines = res.body.trim().split('\r\n');
    t.equal(lines[0], '"When (UTC)","Who","Kind","What","Item","Before","After","How","Link"');
    t.ok(lines.length >= 3);
    for (const line of lines.slice(1)) t.match(line, /^"\d{4}-\d{2}-\d{2}T[^"]+Z","'=HYPERLINK\(""http:\/\/evil""\)","(Figure|Target|Story)",/, 'every row the officer’s (figures, and the first versions of the demo’s stories), the name defused and its quotes doubled');
    t.match(res.body, /"\/p\/coventry\/indicators\/NEET_16_17\/history\?series=local&period=2025"/);
    const all = await page('/p/coventry/history.csv');
    t.ok(all.body.trim().split('\r\n').length > 135, 'every change without filters');
    t.notMatch(all.body, /Secret of the other partnership/);
    t.match(all.body, /"Plan","Outcome edited","Outcome: Children are safe"/);
  });
});
