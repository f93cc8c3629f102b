import t from 'tap';
import { insertPartnershipFromSeed, readDemoSeed } from '../../seeds/demo-loader.ts';
import { createAction } from '../../server/features/actions/queries.ts';
import { saveObservations } from '../../server/features/observations/write.ts';
import { saveVersion } from '../../server/features/stories/queries.ts';
import { createWhatWorks } from '../../server/features/what-works/queries.ts';
import { clearDemoNarrative } from '../helpers/demo-narrative.ts';
import { buildTestApp, signIn, type Session } from '../helpers/app.ts';

const ECM = ['Be healthy', 'Stay safe', 'Enjoy and achieve', 'Make a positive contribution', 'Achieve economic well-being'];
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');

/** One CSV line's cells (quoted cells may hold commas). */
function cells(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/("(?:[^"]|"")*"|[^,]*)(,|$)/g)) {
    out.push(m[1]!.startsWith('"') ? m[1]!.slice(1, -1).replace(/""/g, '"') : m[1]!);
    if (m[2] === '') break;
  }
  return out;
}

/** A form body with repeated fields (checkboxes, the agenda's order) as the browser sends them. */
function body(values: Record<string, string | string[]>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) for (const v of ([] as string[]).concat(value)) params.append(key, v);
  return params.toString();
}

t.test('data day', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const manager = await signIn(app, 'manager@demo.example');
  const viewer = await signIn(app, 'viewer@demo.example');
  const get = (url: string, session: Session = viewer) => app.inject({ method: 'GET', url, headers: { cookie: session.cookie, accept: 'text/html' } });
  const post = (url: string, values: Record<string, string | string[]>, session: Session = manager, accept = 'text/html') =>
    app.inject({ method: 'POST', url, headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded', accept }, payload: body({ _csrf: session.csrf, ...values }) });

  const coventry = await db.selectFrom('partnership').select(['id']).where('slug', '=', 'coventry').executeTakeFirstOrThrow();
  // The partnership's population indicators (a programme's performance measures are not on a data day's agenda).
  const indicators = await db.selectFrom('indicator').select(['id', 'code', 'title', 'rank', 'priority_id']).where('partnership_id', '=', coventry.id).where('programme_id', 'is', null).execute();
  const absence = indicators.find((i) => i.code === 'PERSISTENT_ABSENCE')!;
  const managerId = (await db.selectFrom('app_user').select('id').where('email', '=', 'manager@demo.example').executeTakeFirstOrThrow()).id;
  // Another partnership, with the same structure and one title only it has.
  const otherId = await db.transaction().execute(async (trx) => insertPartnershipFromSeed(trx, await readDemoSeed(), 'other'));
  await db.updateTable('indicator').set({ title: 'Only the other partnership has this' }).where('partnership_id', '=', otherId).where('code', '=', 'NEET_16_17').execute();
  const otherIndicator = await db.selectFrom('indicator').select('id').where('partnership_id', '=', otherId).where('code', '=', 'NEET_16_17').executeTakeFirstOrThrow();

  // These pages are tried from a partnership's first data day, and with this test's own story, what works and action on
  // persistent absence: the demo's (seeds/demo/year-of-use.ts) are taken away first.
  await clearDemoNarrative(db, coventry.id, { indicatorCodes: ['PERSISTENT_ABSENCE'], dataDays: true });

  let dataDayHref = '';

  t.test('everyone sees the data day in the navigation; only a manager plans one', async (t) => {
    const index = await get('/p/coventry/data-days');
    t.equal(index.statusCode, 200);
    t.match(index.body, /<a class="ttc-service-nav__link" href="\/p\/coventry\/data-days"[^>]*>Data day<\/a>/);
    t.match(text(index.body), /No data day has been planned yet/);
    t.notMatch(index.body, /Plan a data day/, 'a viewer is not offered planning');
    t.match((await get('/p/coventry/data-days', manager)).body, /Plan a data day/);
    t.equal((await post('/p/coventry/data-days', { title: 'x', held_on: '2025-11-20', start: 'headline' }, viewer)).statusCode, 403);
  });

  t.test('a data day that fails validation is shown again with the values and each error', async (t) => {
    const res = await post('/p/coventry/data-days', { title: '  ', held_on: '31/02/2025', start: 'headline' });
    t.equal(res.statusCode, 400);
    t.match(res.body, /govuk-error-summary/);
    t.match(text(res.body), /Enter a title for the data day/);
    t.match(text(res.body), /The date of the data day must be a real date/);
    t.match(res.body, /id="held_on-day" name="held_on-day" type="text" inputmode="numeric" value="31"/, 'the date as typed');
    t.match(res.body, /id="held_on-month" name="held_on-month" type="text" inputmode="numeric" value="2"/);
  });

  t.test('planning a data day starts its agenda from the structure: outcomes, priorities, headline indicators', async (t) => {
    const res = await post('/p/coventry/data-days', { title: 'Turning the Curve — Data Day 2025', held_on: '20/11/2025', start: 'headline' });
    t.equal(res.statusCode, 303);
    dataDayHref = res.headers.location as string;
    t.match(dataDayHref, /^\/p\/coventry\/data-days\/[0-9a-f-]{36}$/);
    const show = await get(dataDayHref);
    t.equal(show.statusCode, 200);
    const agenda = text(/data-testid="agenda">([\s\S]*?)<\/ol>/.exec(show.body)![1]!);
    const positions = ECM.map((o) => agenda.indexOf(`Outcome: ${o}`));
    t.ok(positions.every((p) => p >= 0), 'every outcome on the agenda');
    t.same([...positions].sort((a, b) => a - b), positions, 'in the Data Book order');
    for (const i of indicators) {
      if (i.rank === 'headline') t.ok(agenda.includes(i.title), `${i.title} is on the agenda`);
    }
    t.match(text(show.body), /20 November 2025/);
    t.notMatch(show.body, /Choose and order what goes in/, 'a viewer cannot change the agenda');
  });

  t.test('a manager picks and orders the agenda; a forged or foreign item is never saved', async (t) => {
    const form = await get(`${dataDayHref}/agenda`, manager);
    t.equal(form.statusCode, 200);
    const order = [...form.body.matchAll(/name="order" value="([^"]+)"/g)].map((m) => m[1]!);
    const absenceKey = `indicator:${absence.id}`;
    const kept = [`outcome:${(await db.selectFrom('outcome').select('id').where('partnership_id', '=', coventry.id).where('title', '=', 'Enjoy and achieve').executeTakeFirstOrThrow()).id}`, absenceKey];
    // Only two things ticked, plus another partnership's indicator and a made-up key.
    const saved = await post(`${dataDayHref}/agenda`, { order: [...order, `indicator:${otherIndicator.id}`], include: [...kept, `indicator:${otherIndicator.id}`, 'indicator:not-a-uuid'] });
    t.equal(saved.statusCode, 303);
    const rows = await db.selectFrom('data_day_slide').select(['position', 'outcome_id', 'indicator_id']).orderBy('position').execute();
    t.same(rows.map((r) => r.indicator_id ?? r.outcome_id), kept.map((k) => k.split(':')[1]), 'just what was ticked, in the order shown');

    const moved = await post(`${dataDayHref}/agenda`, { order: kept, include: kept, move: `${absenceKey}:up` });
    t.equal(moved.statusCode, 303);
    t.match(moved.headers.location, /\/agenda#row-indicator-/, 'back to the row that moved');
    const after = await db.selectFrom('data_day_slide').select(['indicator_id']).orderBy('position').execute();
    t.equal(after[0]!.indicator_id, absence.id, 'moved up to first');
  });

  t.test('the presentation: slides from the agenda, each indicator its curve, story, what works and actions', async (t) => {
    await db.transaction().execute((trx) =>
      saveVersion(trx, coventry.id, { kind: 'indicator', id: absence.id }, managerId, {
        period_text: 'Data day 2025',
        summary: 'Absence is falling faster than the forecast.',
        contributing: '- Attendance panels',
        restricting: '- Anxiety-related absence',
        root_causes: ['Mental health after the pandemic'],
        change_note: '',
      }, { baseVersion: 0 }),
    );
    await createWhatWorks(db, coventry.id, { kind: 'indicator', id: absence.id }, managerId, { title: 'Text message nudges to parents', description: '', evidence_level: 'demonstrable', cost: 'no_cost', source: '', source_url: null });
    await db.transaction().execute((trx) => createAction(trx, coventry.id, managerId, { title: 'Attendance panel in every school', description: '', lead_partner_id: null, owner_id: managerId, start_date: null, due_date: null, status: 'on_track' }, { indicatorIds: [absence.id], priorityIds: [] }));

    const res = await get(`${dataDayHref}/present`);
    t.equal(res.statusCode, 200);
    const labels = [...res.body.matchAll(/<section class="ttc-slide ttc-slide--(\w+)" id="slide-(\d+)"[^>]*data-label="([^"]*)"/g)].map((m) => ({ kind: m[1], n: Number(m[2]), label: m[3] }));
    t.same(labels.map((l) => l.kind), ['title', 'curve', 'story', 'response', 'outcome'], 'title, then the indicator’s three slides, then the outcome');
    t.same(labels.map((l) => l.n), [1, 2, 3, 4, 5]);
    const body = text(res.body);
    t.match(body, /Turning the Curve — Data Day 2025/);
    t.match(body, /2 \/ 5/, 'each slide says where it is');
    t.match(res.body, /<script type="application\/json" id="chart-slide-2-data">/, 'the curve’s chart data');
    const chart = JSON.parse(/id="chart-slide-2-data">([^<]*)</.exec(res.body)![1]!);
    t.ok(chart.series.some((s: { role: string }) => s.role === 'forecast'), 'with the baseline forecast');
    t.ok(chart.series.some((s: { role: string }) => s.role === 'england'), 'and England');
    t.match(body, /forecast [\d.]+% \(±[\d.]+\)/, 'the status sentence with its numbers');
    t.match(body, /Absence is falling faster than the forecast/, 'the story behind the curve');
    t.match(body, /Text message nudges to parents No cost/, 'what works');
    t.match(body, /Attendance panel in every school On track/, 'the actions');
    t.notMatch(body, /Mina Manager/, 'no member’s name on a slide');
    t.notMatch(res.body, /<script>(?!<\/script>)/, 'no inline script');
    t.notMatch(res.body, / style="/, 'no inline style');
    t.notMatch(res.body, /(src|href)="(https?:)?\/\//, 'nothing loaded from another site');
    t.notMatch(res.body, /id="room-note"/, 'a viewer has no note form');
    t.match((await get(`${dataDayHref}/present`, manager)).body, /id="room-note"/, 'a manager has');
  });

  let noteIds: string[] = [];

  t.test('capturing the room: a manager notes ideas against the slide on screen; viewers cannot', async (t) => {
    const first = await post(`${dataDayHref}/notes`, { kind: 'idea', body: 'Walking buses from the estates', who: 'Voluntary sector', subject: `indicator:${absence.id}`, slide_label: 'Persistent absence: the story behind the curve', slide: '3', return_to: 'present' }, manager, 'application/json');
    t.equal(first.statusCode, 201);
    t.same(first.json().count, 1);
    t.match(first.json().message, /Idea noted \(1 note so far\)/);
    const second = await post(`${dataDayHref}/notes`, { kind: 'idea', body: 'Breakfast clubs in every primary', subject: `indicator:${absence.id}`, slide_label: 'Persistent absence', slide: '2', return_to: 'present' });
    t.equal(second.statusCode, 303);
    t.equal(second.headers.location, `${dataDayHref}/present#slide-2`, 'without script, back to the slide');
    const question = await post(`${dataDayHref}/notes`, { kind: 'question', body: 'Do we know attendance for children in care?', subject: '' });
    t.equal(question.statusCode, 303);

    const forged = await post(`${dataDayHref}/notes`, { kind: 'idea', body: 'x', subject: `indicator:${otherIndicator.id}` }, manager, 'application/json');
    t.equal(forged.statusCode, 400, 'another partnership’s indicator is not a subject');
    const empty = await post(`${dataDayHref}/notes`, { kind: 'idea', body: '   ' });
    t.equal(empty.statusCode, 400);
    t.match(text(empty.body), /Write down what was said/);
    t.equal((await post(`${dataDayHref}/notes`, { kind: 'idea', body: 'x' }, viewer)).statusCode, 403);
    t.equal((await get(`${dataDayHref}/notes`)).statusCode, 403, 'room notes are for managers');

    const page = await get(`${dataDayHref}/notes`, manager);
    t.equal(page.statusCode, 200);
    t.match(text(page.body), /3 notes: 3 to review/);
    t.match(text(page.body), /Persistent absence: the story behind the curve .*Walking buses from the estates/);
    noteIds = [...page.body.matchAll(/data-note-id="([0-9a-f-]{36})"/g)].map((m) => m[1]!);
    t.equal(noteIds.length, 3);
    t.notMatch(text((await get(`${dataDayHref}/present`)).body), /Walking buses/, 'room notes are never on the slides');
  });

  t.test('reviewing: a note becomes an action (once), a what-works entry, a data development item, or is dismissed', async (t) => {
    const notes = await db.selectFrom('room_note').select(['id', 'body']).execute();
    const walking = notes.find((n) => n.body.startsWith('Walking'))!;
    const breakfast = notes.find((n) => n.body.startsWith('Breakfast'))!;
    const question = notes.find((n) => n.body.startsWith('Do we know'))!;

    const form = await get(`${dataDayHref}/notes/${walking.id}/action`, manager);
    t.equal(form.statusCode, 200);
    t.match(form.body, /value="Walking buses from the estates"/, 'the title starts from the note');
    t.match(form.body, new RegExp(`<option value="indicator:${absence.id}" selected>`), 'aimed at the slide’s indicator');
    const bad = await post(`${dataDayHref}/notes/${walking.id}/action`, { title: '', status: 'not_started', aims: `indicator:${otherIndicator.id}` });
    t.equal(bad.statusCode, 400);
    t.match(text(bad.body), /Enter a title for the action/);
    const made = await post(`${dataDayHref}/notes/${walking.id}/action`, { title: 'Walking buses from the estates', description: 'Raised at the data day.', status: 'not_started', due_date: '2026-07-31', lead_partner: '', owner: '', aims: `indicator:${absence.id}` });
    t.equal(made.statusCode, 303);
    const action = await db.selectFrom('action').select(['id', 'title', 'due_date']).where('title', '=', 'Walking buses from the estates').executeTakeFirstOrThrow();
    const link = await db.selectFrom('action_indicator').select('indicator_id').where('action_id', '=', action.id).executeTakeFirstOrThrow();
    t.equal(link.indicator_id, absence.id, 'the action aims at the indicator');
    const again = await post(`${dataDayHref}/notes/${walking.id}/action`, { title: 'Walking buses from the estates', status: 'not_started', aims: '' });
    t.equal(again.statusCode, 409, 'a note reviewed twice makes one action');
    t.equal((await db.selectFrom('action').select('id').where('title', '=', 'Walking buses from the estates').execute()).length, 1);
    t.match((await get(`/p/coventry/indicators/PERSISTENT_ABSENCE`)).body, /Walking buses from the estates/, 'the action is on the indicator page');

    const whatWorks = await post(`${dataDayHref}/notes/${breakfast.id}/what-works`, { title: 'Breakfast clubs in every primary', description: '', evidence_level: 'some_evidence', cost: 'low_cost', source: 'Data day', aims: `indicator:${absence.id}` });
    t.equal(whatWorks.statusCode, 303);
    t.ok(await db.selectFrom('what_works').select('id').where('title', '=', 'Breakfast clubs in every primary').where('indicator_id', '=', absence.id).executeTakeFirst());
    const missingSubject = await post(`${dataDayHref}/notes/${question.id}/what-works`, { title: 'x', evidence_level: 'idea', cost: 'no_cost', aims: '' });
    t.equal(missingSubject.statusCode, 400, 'what works is always about a priority or an indicator');

    const dismissed = await post(`${dataDayHref}/notes/${question.id}/dismiss`, {});
    t.equal(dismissed.statusCode, 303);
    t.equal((await db.selectFrom('room_note').select('status').where('id', '=', question.id).executeTakeFirstOrThrow()).status, 'dismissed');
    await post(`${dataDayHref}/notes/${question.id}/reopen`, {});
    const agenda = await post(`${dataDayHref}/notes/${question.id}/data-development`, { title: 'Attendance of children in care', description: '', how_to_get: 'Virtual school', aims: '' });
    t.equal(agenda.statusCode, 303);
    t.ok(await db.selectFrom('data_development_item').select('id').where('title', '=', 'Attendance of children in care').executeTakeFirst());

    const page = text((await get(`${dataDayHref}/notes`, manager)).body);
    t.match(page, /3 notes: 1 turned into an action; 1 added to what works; 1 added to the data development agenda/);
    t.match(page, /Open the action/);
    // The action made from a note is later deleted as a mistake: the note keeps its text and says so.
    const deleted = await post(`/p/coventry/actions/${action.id}/delete`, {});
    t.equal(deleted.statusCode, 303);
    const after = text((await get(`${dataDayHref}/notes`, manager)).body);
    t.match(after, /1 turned into an action/);
    t.match(after, /The action has since been deleted/);
    t.notMatch(after, /Open the action/);
    // Another partnership's data day and notes are not found, even by id.
    const foreign = await get(`/p/other/data-days/${dataDayHref.split('/').at(-1)}/notes`, manager);
    t.equal(foreign.statusCode, 404);
  });

  t.test('the Data Book: cover, contents, outcomes → priorities → indicators, sources and the licence; its figures as CSV', async (t) => {
    const res = await get('/p/coventry/data-book');
    t.equal(res.statusCode, 200);
    const body = text(res.body);
    t.match(body, /Data Book \d{4} to \d{4}/);
    t.match(body, /Contents/);
    const positions = ECM.map((o) => body.indexOf(`${ECM.indexOf(o) + 1} ${o}`, body.indexOf('Summary: which curves turned', body.indexOf('Summary: which curves turned') + 1)));
    t.ok(positions.every((p) => p >= 0), 'every outcome has its section');
    t.same([...positions].sort((a, b) => a - b), positions, 'in the ECM order');
    for (const i of indicators) t.ok(body.includes(i.title), `${i.title} is in the book`);
    t.notMatch(body, /Only the other partnership has this/, 'nothing of another partnership');
    t.match(body, /3\.2\.1 Persistent absence/, 'numbered outcome.priority.indicator');
    t.match(body, /Coventry [\d.]+% is (better|worse) than England [\d.]+%/, 'local against England');
    t.match(body, /Absence is falling faster than the forecast/, 'the story behind the data');
    t.match(body, /Attendance panel in every school On track/, 'the actions');
    t.match(body, /Open Government Licence v3\.0/);
    t.notMatch(body, /Mina Manager/, 'no member’s name in the book');
    t.notMatch(body, /Walking buses from the estates Raised/, 'no room note');
    t.match(res.body, /href="\/public\/css\/databook-print\.css(?:\?v=[0-9a-f]+)?"/);

    const csv = await get('/p/coventry/data-book.csv');
    t.equal(csv.statusCode, 200);
    t.match(csv.headers['content-type'], /text\/csv/);
    const lines = csv.body.trim().split('\r\n');
    t.equal(lines[0], 'outcome,priority,indicator_code,indicator,series,series_role,period,value,marker,status,unit');
    t.ok(lines.some((l) => l.includes(',PERSISTENT_ABSENCE,') && l.includes(',england,')), 'comparators too');
    t.ok(lines.some((l) => l.includes(',gap,')), 'and the gaps of gap indicators');
  });

  t.test('a book for a year leaves out later figures; small numbers are suppressed as the partnership says', async (t) => {
    const csv = await get('/p/coventry/data-book.csv?year=2019');
    const periods = csv.body.trim().split('\r\n').slice(1).map((l) => cells(l)[6]!);
    t.ok(periods.length > 0);
    t.ok(periods.every((p) => Number(p.slice(0, 4)) <= 2019), 'nothing after 2019');
    t.match(text((await get('/p/coventry/data-book?year=2019')).body), /Data Book 2019 to 2020/);

    // A local figure with a numerator below the threshold: shown as c, never its value.
    const series = await db.selectFrom('series').select('id').where('indicator_id', '=', absence.id).where('role', '=', 'local').executeTakeFirstOrThrow();
    const latest = await db.selectFrom('observation').select(['id', 'period_label', 'value']).where('series_id', '=', series.id).orderBy('period_position', 'desc').executeTakeFirstOrThrow();
    await db.updateTable('observation').set({ numerator: 4, denominator: 20 }).where('id', '=', latest.id).execute();
    await db.updateTable('partnership').set({ small_number_threshold: 10 }).where('id', '=', coventry.id).execute();
    const book = await get('/p/coventry/data-book.csv');
    const row = book.body.split('\r\n').map(cells).find((c) => c[2] === 'PERSISTENT_ABSENCE' && c[5] === 'local' && c[6] === latest.period_label)!;
    t.same([row[7], row[8]], ['', 'c'], 'suppressed: no value, marker c');
    t.match(text((await get('/p/coventry/data-book')).body), /shown as c/);
    await db.updateTable('partnership').set({ small_number_threshold: null }).where('id', '=', coventry.id).execute();
  });

  t.test('since the last data day: which curves turned, which got worse, what data arrived, which stories changed', async (t) => {
    // Everything as it stood on 1 January 2025; then, after the last data day, one new figure through the audited
    // write path, a revised one, and a new version of a story.
    await db.updateTable('observation').set({ updated_at: new Date('2025-01-01T12:00:00Z') }).execute();
    await db.updateTable('baseline').set({ agreed_at: new Date('2025-01-01T12:00:00Z') }).execute();
    await db.updateTable('story_version').set({ created_at: new Date('2025-01-01T12:00:00Z') }).execute();
    const previous = await post('/p/coventry/data-days', { title: 'Data Day 2025 (spring)', held_on: '2025-03-01', start: 'empty' });
    t.equal(previous.statusCode, 303);

    const local = await db.selectFrom('series').select(['id', 'role']).where('indicator_id', '=', absence.id).where('role', '=', 'local').executeTakeFirstOrThrow();
    const last = await db.selectFrom('observation').select(['period_position', 'period_label', 'period_key', 'version', 'value']).where('series_id', '=', local.id).orderBy('period_position', 'desc').executeTakeFirstOrThrow();
    const next = { position: last.period_position + 1, label: `${Number(last.period_label.slice(0, 4)) + 1}/${String((Number(last.period_label.slice(0, 4)) + 2) % 100).padStart(2, '0')}` };
    const figure = (value: number) => ({ value, marker: null, status: 'provisional' as const, numerator: null, denominator: null, note: '' });
    const saved = await saveObservations(db, { partnershipId: coventry.id, userId: managerId, via: 'form' }, [
      { indicatorId: absence.id, seriesId: local.id, role: 'local', period: { key: next.label.replace('/', '-'), position: next.position, label: next.label }, figure: figure(18.5), expectedVersion: null },
      { indicatorId: absence.id, seriesId: local.id, role: 'local', period: { key: last.period_key, position: last.period_position, label: last.period_label }, figure: figure(last.value! - 0.5), expectedVersion: last.version },
    ]);
    t.ok(saved.ok, 'figures written with their audit trail');
    await db.transaction().execute((trx) =>
      saveVersion(trx, coventry.id, { kind: 'indicator', id: absence.id }, managerId, { period_text: 'Autumn 2025', summary: 'Still falling.', contributing: '', restricting: '', root_causes: [], change_note: '' }, { baseVersion: null }),
    );

    const res = await get('/p/coventry/since?from=2025-03-01');
    t.equal(res.statusCode, 200);
    const body = text(res.body);
    t.match(body, /From 1 March 2025 to/);
    t.match(body, new RegExp(`Persistent absence New: Coventry ${next.label.replace('/', '\\/')}: 18\\.50% \\(provisional\\) Revised: Coventry ${last.period_label.replace('/', '\\/')}: [\\d.]+% → [\\d.]+% \\(provisional\\)`));
    t.match(body, /2 new figures? and 1 revised|1 new figure and 1 revised/);
    t.match(body, /Persistent absence ?: version 1 → 2/, 'the story that changed');
    t.notMatch(body, /Only the other partnership has this/);
    // Each date judged as it stood: the status table lists every indicator on both dates.
    const rows = /data-testid="since-curves">([\s\S]*?)<\/table>/.exec(res.body)![1]!;
    t.equal([...rows.matchAll(/<th scope="row"/g)].length, indicators.length);

    const defaults = await get('/p/coventry/since');
    t.match(text(defaults.body), /From 20 November 2025 to/, 'by default, from the last data day before today');
  });

  t.test('another partnership’s data day is not found; a malformed id is a 404, not an error', async (t) => {
    const id = dataDayHref.split('/').at(-1)!;
    const other = await signIn(app, 'admin@demo.example');
    t.equal((await get(`/p/other/data-days/${id}`, other)).statusCode, 404, 'not a member of other');
    await db.insertInto('membership').values({ user_id: managerId, partnership_id: otherId, role: 'manager' }).execute();
    t.equal((await get(`/p/other/data-days/${id}`, manager)).statusCode, 404, 'a member of both: still not under the other’s slug');
    t.equal((await get(`/p/other/data-days/${id}/present`, manager)).statusCode, 404);
    t.equal((await post(`/p/other/data-days/${id}/agenda`, { include: [] })).statusCode, 404);
    t.equal((await get('/p/coventry/data-days/not-a-uuid')).statusCode, 404);
    t.equal((await post(`/p/other/data-days/${id}/delete`, {})).statusCode, 404, 'nor deleted under it');
    t.ok(await db.selectFrom('data_day').select('id').where('id', '=', id).executeTakeFirst());
  });

  t.test('a manager deletes a data day made by mistake, after being asked; what its notes became stays', async (t) => {
    t.notMatch((await get(dataDayHref)).body, /Delete this data day/, 'a viewer is not offered it');
    t.match((await get(dataDayHref, manager)).body, new RegExp(`href="${dataDayHref}/delete">Delete this data day`));
    const ask = await get(`${dataDayHref}/delete`, manager);
    t.equal(ask.statusCode, 200);
    const notes = Number((await db.selectFrom('room_note').select(({ fn }) => fn.countAll().as('n')).where('data_day_id', '=', dataDayHref.split('/').at(-1)!).executeTakeFirstOrThrow()).n);
    t.ok(notes > 1, 'it has room notes');
    t.match(text(ask.body), new RegExp(`Delete “.+”\\? .*actions, what-works entries and data development items made from its room notes stay.* Its agenda and its ${notes} room notes will be deleted too\\. This cannot be undone\\.`));
    t.equal((await get(`${dataDayHref}/delete`)).statusCode, 403, 'a viewer cannot');
    t.equal((await post(`${dataDayHref}/delete`, {}, viewer)).statusCode, 403);

    const done = await post(`${dataDayHref}/delete`, {});
    t.equal(done.statusCode, 303);
    t.equal(done.headers.location, '/p/coventry/data-days');
    t.equal((await get(dataDayHref)).statusCode, 404);
    t.same(await db.selectFrom('room_note').select('id').where('data_day_id', '=', dataDayHref.split('/').at(-1)!).execute(), [], 'its notes went with it');
    t.ok(await db.selectFrom('what_works').select('id').where('title', '=', 'Breakfast clubs in every primary').executeTakeFirst(), 'the what-works entry made from a note stays');
    t.ok(await db.selectFrom('data_development_item').select('id').where('title', '=', 'Attendance of children in care').executeTakeFirst(), 'and the agenda item');
    t.match(await db.selectFrom('security_event').select(['user_id', 'detail']).where('kind', '=', 'data_day_deleted').execute(), [{ user_id: managerId }], 'who deleted it is in the audit log');
    t.equal((await post(`${dataDayHref}/delete`, {})).statusCode, 404, 'a second click: already gone');
  });
});
