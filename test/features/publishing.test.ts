// Publishing the Data Book: what a public address may show, and what it never shows. The tenancy matrix skips public
// routes, so this file proves their rules: only what was chosen, as it stood when published; never room notes,
// later edits, suppressed figures, members' names or another partnership's data; taken down means 404.
import t from 'tap';
import { insertPartnershipFromSeed, readDemoSeed } from '../../seeds/demo-loader.ts';
import { createAction } from '../../server/features/actions/queries.ts';
import { saveVersion } from '../../server/features/stories/queries.ts';
import { clearDemoNarrative } from '../helpers/demo-narrative.ts';
import { buildTestApp, signIn, type Session } from '../helpers/app.ts';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');

function body(values: Record<string, string | string[]>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) for (const v of ([] as string[]).concat(value)) params.append(key, v);
  return params.toString();
}

t.test('publishing the Data Book', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const manager = await signIn(app, 'manager@demo.example');
  const viewer = await signIn(app, 'viewer@demo.example');
  const get = (url: string, session?: Session) => app.inject({ method: 'GET', url, headers: { accept: 'text/html', ...(session ? { cookie: session.cookie } : {}) } });
  const post = (url: string, values: Record<string, string | string[]>, session: Session = manager) =>
    app.inject({ method: 'POST', url, headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: body({ _csrf: session.csrf, ...values }) });

  const coventry = await db.selectFrom('partnership').select('id').where('slug', '=', 'coventry').executeTakeFirstOrThrow();
  const managerId = (await db.selectFrom('app_user').select('id').where('email', '=', 'manager@demo.example').executeTakeFirstOrThrow()).id;
  const indicator = (code: string) => db.selectFrom('indicator').select(['id', 'title']).where('partnership_id', '=', coventry.id).where('code', '=', code).executeTakeFirstOrThrow();
  const absence = await indicator('PERSISTENT_ABSENCE');
  const neet = await indicator('NEET_16_17');

  // The demo a year into use (seeds/demo/year-of-use.ts) has a story and actions on this indicator and a published
  // report card: they are taken away first, so what is published below is only what this test wrote.
  await clearDemoNarrative(db, coventry.id, { indicatorCodes: ['PERSISTENT_ABSENCE'], dataDays: true });
  await db.deleteFrom('publication').where('partnership_id', '=', coventry.id).execute();
  // What the partnership has said, some of it never to be published.
  await db.transaction().execute((trx) =>
    saveVersion(trx, coventry.id, { kind: 'indicator', id: absence.id }, managerId, { period_text: 'Data day 2025', summary: 'The published story: absence is falling.', contributing: '', restricting: '', root_causes: [], change_note: '' }, { baseVersion: 0 }),
  );
  await db.transaction().execute((trx) => createAction(trx, coventry.id, managerId, { title: 'Attendance panel in every school', description: '', lead_partner_id: null, owner_id: managerId, start_date: null, due_date: null, status: 'on_track' }, { indicatorIds: [absence.id], priorityIds: [] }));
  const dataDay = await post('/p/coventry/data-days', { title: 'Data Day 2025', held_on: '2025-11-20', start: 'headline' });
  await post(`${dataDay.headers.location}/notes`, { kind: 'idea', body: 'A private room note about a named family', subject: `indicator:${absence.id}` });
  // A small number: suppressed in anything published.
  const local = await db.selectFrom('series').select('id').where('indicator_id', '=', absence.id).where('role', '=', 'local').executeTakeFirstOrThrow();
  const latest = await db.selectFrom('observation').select(['id', 'value', 'period_label']).where('series_id', '=', local.id).orderBy('period_position', 'desc').executeTakeFirstOrThrow();
  await db.updateTable('observation').set({ numerator: 3, denominator: 15, value: 20 }).where('id', '=', latest.id).execute();
  await db.updateTable('partnership').set({ small_number_threshold: 5 }).where('id', '=', coventry.id).execute();
  // Another partnership, with a title only it has.
  const otherId = await db.transaction().execute(async (trx) => insertPartnershipFromSeed(trx, await readDemoSeed(), 'other'));
  await db.updateTable('indicator').set({ title: 'Only the other partnership has this' }).where('partnership_id', '=', otherId).execute();

  const publicLinks = async () => {
    const page = await get('/p/coventry/publications', manager);
    return [...page.body.matchAll(/data-testid="public-link">[^<]*?(\/published\/[A-Za-z0-9_-]+)</g)].map((m) => m[1]!);
  };

  let bookUrl = '';

  t.test('only a manager publishes, and must confirm; the form says what is wrong', async (t) => {
    t.equal((await get('/p/coventry/publications', viewer)).statusCode, 403);
    t.equal((await post('/p/coventry/publications', { title: 'x', year: '2024', scope: 'book', confirm: 'yes' }, viewer)).statusCode, 403);
    const unconfirmed = await post('/p/coventry/publications', { title: 'Data Book', year: '2024', scope: 'book' });
    t.equal(unconfirmed.statusCode, 400);
    t.match(text(unconfirmed.body), /Confirm that these figures and words may be made public/);
    const none = await post('/p/coventry/publications', { title: 'Data Book', year: '2024', scope: 'indicators', confirm: 'yes' });
    t.equal(none.statusCode, 400);
    t.match(text(none.body), /Choose at least one indicator to publish/);
    const other = await db.selectFrom('indicator').select('id').where('partnership_id', '=', otherId).executeTakeFirstOrThrow();
    const forged = await post('/p/coventry/publications', { title: 'Data Book', year: '2024', scope: 'indicators', indicators: [absence.id, other.id], confirm: 'yes' });
    t.equal(forged.statusCode, 400, 'another partnership’s indicator cannot be published from here');
    t.match(text(forged.body), /Choose indicators from the list/);
    t.same(await publicLinks(), [], 'nothing published');
  });

  t.test('a published book is public, read-only and shows only what the book shows', async (t) => {
    const res = await post('/p/coventry/publications', { title: 'Coventry Data Book 2024 to 2025', year: '2024', scope: 'book', confirm: 'yes' });
    t.equal(res.statusCode, 303);
    [bookUrl] = await publicLinks();
    t.match(bookUrl, /^\/published\/[A-Za-z0-9_-]{32}$/);

    const page = await get(bookUrl);
    t.equal(page.statusCode, 200, 'no sign-in needed');
    t.match(page.headers['cache-control'], /no-cache/);
    const shown = text(page.body);
    t.match(shown, /Coventry Data Book 2024 to 2025 · published by Coventry Children and Young People's Partnership on \d+ \w+ \d{4}/);
    t.match(shown, /Data Book 2024 to 2025/);
    t.match(shown, /The published story: absence is falling/);
    t.match(shown, /Attendance panel in every school/);
    t.match(shown, /Open Government Licence v3\.0/);
    t.match(shown, new RegExp(`${latest.period_label.replace('/', '\\/')} c `), 'the small number is shown as c');
    const charts = [...page.body.matchAll(/<script type="application\/json" id="[^"]+">([^<]*)</g)].map((m) => JSON.parse(m[1]!));
    const chart = charts.find((c) => c.title === 'Persistent absence')!;
    const at = chart.labels.indexOf(latest.period_label);
    const localSeries = chart.series.find((x: { role: string }) => x.role === 'local');
    t.same([localSeries.values[at], localSeries.markers[at]], [null, 'c'], 'its value is not in the chart either');
    t.notMatch(shown, /A private room note/, 'never a room note');
    t.notMatch(shown, /Mina Manager|Vic Viewer|Olu Officer|Ade Admin/, 'no member’s name');
    t.notMatch(shown, /Only the other partnership has this/, 'nothing of another partnership');
    t.notMatch(page.body, /ttc-service-nav|Sign out|Your account|_csrf/, 'no navigation, no account, no forms');
    t.notMatch(page.body, /href="\/p\//, 'no link into the partnership’s pages');
    t.notMatch(page.body, /<script>(?!<\/script>)/, 'no inline script');

    const csv = await get(`${bookUrl}/data.csv`);
    t.equal(csv.statusCode, 200);
    t.match(csv.body, /^outcome,priority,indicator_code/);
    t.notMatch(csv.body, /Only the other partnership has this/);
    t.notMatch(csv.body, /numerator|denominator/);
    const suppressedRow = csv.body.split('\r\n').find((l) => l.includes(',PERSISTENT_ABSENCE,') && l.includes(',local,') && l.includes(`,${latest.period_label},`));
    t.match(suppressedRow, new RegExp(`,${latest.period_label.replace('/', '\\/')},,c,`));
  });

  t.test('later edits never change what was published', async (t) => {
    await db.transaction().execute((trx) =>
      saveVersion(trx, coventry.id, { kind: 'indicator', id: absence.id }, managerId, { period_text: 'Later', summary: 'An unpublished draft of the story.', contributing: '', restricting: '', root_causes: [], change_note: '' }, { baseVersion: null }),
    );
    await db.updateTable('indicator').set({ title: 'Renamed after publication' }).where('id', '=', neet.id).execute();
    await db.updateTable('partnership').set({ small_number_threshold: null }).where('id', '=', coventry.id).execute();
    const shown = text((await get(bookUrl)).body);
    t.match(shown, /The published story: absence is falling/);
    t.notMatch(shown, /An unpublished draft of the story/);
    t.notMatch(shown, /Renamed after publication/);
    t.match(shown, new RegExp(neet.title.replace(/[()]/g, '\\$&')));
    t.match(shown, new RegExp(`${latest.period_label.replace('/', '\\/')} c `), 'still suppressed as it was');
    await db.updateTable('indicator').set({ title: neet.title }).where('id', '=', neet.id).execute();
  });

  t.test('publishing chosen indicators shows those and nothing else', async (t) => {
    const res = await post('/p/coventry/publications', { title: 'Attendance', year: '2024', scope: 'indicators', indicators: [absence.id], confirm: 'yes' });
    t.equal(res.statusCode, 303);
    const links = await publicLinks();
    t.equal(links.length, 2);
    const chosen = links.find((l) => l !== bookUrl)!;
    const shown = text((await get(chosen)).body);
    t.match(shown, /A selection of 1 indicator/);
    t.match(shown, /Persistent absence/);
    t.notMatch(shown, new RegExp(neet.title.replace(/[()]/g, '\\$&')), 'an indicator not chosen');
    t.notMatch(shown, /Be healthy/, 'nor outcomes without a chosen indicator');
    t.match(shown, /An unpublished draft of the story/, 'this one was published after the edit: it shows the story as it is now');
  });

  t.test('unpublishing takes it down: 404 for the page and its figures; another partnership cannot touch it', async (t) => {
    const publication = await db.selectFrom('publication').select(['id', 'token']).where('token', '=', bookUrl.split('/').at(-1)!).executeTakeFirstOrThrow();
    // A manager of the other partnership, asking under its own slug.
    const outsider = await db.insertInto('app_user').values({ email: 'm@other.example', name: 'Other Manager', password_hash: null }).returning('id').executeTakeFirstOrThrow();
    await db.insertInto('membership').values({ user_id: outsider.id, partnership_id: otherId, role: 'manager' }).execute();
    await db.insertInto('membership').values({ user_id: managerId, partnership_id: otherId, role: 'manager' }).execute();
    t.equal((await post(`/p/other/publications/${publication.id}/unpublish`, {})).statusCode, 404, 'not under another partnership’s slug');
    t.equal((await get(bookUrl)).statusCode, 200, 'still up');

    const down = await post(`/p/coventry/publications/${publication.id}/unpublish`, {});
    t.equal(down.statusCode, 303);
    const gone = await get(bookUrl);
    t.equal(gone.statusCode, 404);
    t.notMatch(gone.body, /Data Book/);
    t.equal((await get(`${bookUrl}/data.csv`)).statusCode, 404);
    const row = await db.selectFrom('publication').select(['snapshot', 'unpublished_at']).where('id', '=', publication.id).executeTakeFirstOrThrow();
    t.equal(row.snapshot, null, 'the snapshot is gone, not just hidden');
    t.ok(row.unpublished_at);
    t.match(text((await get('/p/coventry/publications', manager)).body), /Taken down/);
    t.equal((await get('/published/not-a-token')).statusCode, 404);
    t.equal((await get('/published/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).statusCode, 404);
  });
});
