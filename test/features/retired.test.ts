// Retiring an outcome, priority or indicator (issue 15) takes it out of every view people work in — the scorecard,
// the partnership and priority pages, the return, the data book, a new data day, the report, a publication and the
// indicators API — and a restore brings it back; nothing it holds is lost. Items are retired here with SQL, as the
// buttons are another part of the work: what is tested is what retiring means when the plan is read.
import type { FastifyInstance } from 'fastify';
import t, { type Test } from 'tap';
import type { Kysely } from 'kysely';
import { createAction } from '../../server/features/actions/queries.ts';
import type { DB } from '../../server/db/schema.ts';
import { buildTestApp, signIn, type Session } from '../helpers/app.ts';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');

function body(values: Record<string, string | string[]>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) for (const v of ([] as string[]).concat(value)) params.append(key, v);
  return params.toString();
}

/** A multipart/form-data body, as a browser sends a file upload. */
function multipart(fields: Record<string, string>, file: { filename: string; content: string }) {
  const boundary = `----ttc${Math.random().toString(16).slice(2)}`;
  const parts = Object.entries(fields).map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.filename}"\r\nContent-Type: text/csv\r\n\r\n${file.content}\r\n`);
  parts.push(`--${boundary}--\r\n`);
  return { payload: Buffer.from(parts.join('')), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

const EXCLUSION = 'Permanent exclusion rate';
const SUSPENSION = 'Suspension rate';
const YOUTH_JUSTICE = 'First-time entrants to the youth justice system';
/** In another outcome and priority: never retired here, so every view is seen to work. */
const NEET = '16 and 17 year olds not in education, employment or training (NEET)';

type Views = Record<string, string>;

async function setUp(t: Test) {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const [viewer, officer, manager] = await Promise.all([signIn(app, 'viewer@demo.example'), signIn(app, 'officer@demo.example'), signIn(app, 'manager@demo.example')]);
  const coventry = await db.selectFrom('partnership').select('id').where('slug', '=', 'coventry').executeTakeFirstOrThrow();
  const indicator = (code: string) => db.selectFrom('indicator').select(['id', 'priority_id']).where('partnership_id', '=', coventry.id).where('code', '=', code).executeTakeFirstOrThrow();
  const exclusion = await indicator('PERMANENT_EXCLUSION_RATE');
  const exclusionsPriority = exclusion.priority_id!;
  const { outcome_id: contributionOutcome } = await db.selectFrom('priority').select('outcome_id').where('id', '=', exclusionsPriority).executeTakeFirstOrThrow();
  return { app, db, viewer, officer, manager, coventry, exclusion, exclusionsPriority, contributionOutcome };
}

type Ctx = Awaited<ReturnType<typeof setUp>>;

const get = (app: FastifyInstance, url: string, session: Session) => app.inject({ method: 'GET', url, headers: { cookie: session.cookie, accept: 'text/html' } });
const post = (app: FastifyInstance, url: string, values: Record<string, string | string[]>, session: Session) =>
  app.inject({ method: 'POST', url, headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: body({ _csrf: session.csrf, ...values }) });

/** Every working view, as the people who use each see it (text, or the API's titles). */
async function views(c: Ctx): Promise<Views> {
  const { app, viewer, officer, manager } = c;
  const page = async (url: string, session: Session = viewer) => {
    const res = await get(app, url, session);
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode}`);
    return text(res.body);
  };
  const dataDay = await post(app, '/p/coventry/data-days', { title: 'Data day', held_on: '20/11/2025', start: 'all' }, manager);
  if (dataDay.statusCode !== 303) throw new Error(`a data day could not be planned: ${dataDay.statusCode}`);
  const publication = await post(app, '/p/coventry/publications', { title: 'Coventry Data Book', year: '2024', scope: 'book', confirm: 'yes' }, manager);
  if (publication.statusCode !== 303) throw new Error(`the book could not be published: ${publication.statusCode}`);
  const links = [...(await get(app, '/p/coventry/publications', manager)).body.matchAll(/data-testid="public-link">[^<]*?(\/published\/[A-Za-z0-9_-]+)</g)].map((m) => m[1]!);
  const api = await app.inject({ method: 'GET', url: '/api/v1/partnerships/coventry/indicators', headers: { cookie: viewer.cookie } });
  return {
    scorecard: await page('/p/coventry/scorecard'),
    'partnership page': await page('/p/coventry'),
    'priority page': await page(`/p/coventry/priorities/${c.exclusionsPriority}`),
    'NEET priority page': await page(`/p/coventry/priorities/${(await c.db.selectFrom('indicator').select('priority_id').where('code', '=', 'NEET_16_17').executeTakeFirstOrThrow()).priority_id}`),
    return: (await page('/p/coventry/returns?period=academic_year:2025-26', officer)) + (await page('/p/coventry/returns?period=calendar_year:2025', officer)),
    'data book': await page('/p/coventry/data-book'),
    'new data day': await page(dataDay.headers.location as string),
    'priority report': await page(`/p/coventry/priorities/${c.exclusionsPriority}/report`),
    'NEET report': await page(`/p/coventry/priorities/${(await c.db.selectFrom('indicator').select('priority_id').where('code', '=', 'NEET_16_17').executeTakeFirstOrThrow()).priority_id}/report`),
    'published book': await page(links[0]!),
    'indicators API': (JSON.parse(api.body) as { indicators: { title: string }[] }).indicators.map((i) => i.title).join('\n'),
  };
}

/** Which titles a view should hold: the priority pages and reports show only their own priority's indicators. */
function expected(view: string, title: string): boolean {
  if (view.startsWith('NEET')) return title === NEET;
  if (view.startsWith('priority')) return title === EXCLUSION || title === SUSPENSION;
  return true;
}

function expectShown(t: Test, all: Views, shown: Record<string, boolean>, when: string) {
  for (const [view, content] of Object.entries(all)) {
    for (const [title, visible] of Object.entries(shown)) {
      if (!expected(view, title)) continue;
      t.equal(content.includes(title), visible, `${when}: “${title}” ${visible ? 'is' : 'is not'} on the ${view}`);
    }
  }
}

async function figureCount(db: Kysely<DB>, code: string) {
  const row = await db
    .selectFrom('observation')
    .innerJoin('series', 'series.id', 'observation.series_id')
    .innerJoin('indicator', 'indicator.id', 'series.indicator_id')
    .select(db.fn.countAll<string>().as('n'))
    .where('indicator.code', '=', code)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

t.test('a retired indicator leaves the working views, keeps its figures and links, and comes back when restored', async (t) => {
  const c = await setUp(t);
  const { app, db, viewer, manager, coventry, exclusion } = c;
  const managerId = (await db.selectFrom('app_user').select('id').where('email', '=', 'manager@demo.example').executeTakeFirstOrThrow()).id;
  const actionId = await db.transaction().execute((trx) =>
    createAction(trx, coventry.id, managerId, { title: 'Inclusion panel for every secondary school', description: '', lead_partner_id: null, owner_id: managerId, start_date: null, due_date: null, status: 'on_track' }, { indicatorIds: [exclusion.id], priorityIds: [] }),
  );

  const planned = await post(app, '/p/coventry/data-days', { title: 'Data day planned before', held_on: '20/11/2025', start: 'all' }, manager);
  const present = async () => text((await get(app, `${planned.headers.location as string}/present`, viewer)).body);
  t.match(await present(), EXCLUSION, 'a data day planned before retiring presents it');
  const before = await views(c);
  expectShown(t, before, { [EXCLUSION]: true, [SUSPENSION]: true, [NEET]: true }, 'before retiring');
  const figures = await figureCount(db, 'PERMANENT_EXCLUSION_RATE');
  t.ok(figures > 0, 'the indicator has figures');

  await db.updateTable('indicator').set({ retired_at: new Date() }).where('id', '=', exclusion.id).execute();
  const retired = await views(c);
  expectShown(t, retired, { [EXCLUSION]: false, [SUSPENSION]: true, [NEET]: true }, 'retired');

  t.equal(await figureCount(db, 'PERMANENT_EXCLUSION_RATE'), figures, 'every figure is still in the database');
  const asked = JSON.parse((await app.inject({ method: 'GET', url: '/api/v1/partnerships/coventry/indicators?include=retired', headers: { cookie: viewer.cookie } })).body) as { indicators: { code: string; retired: boolean }[] };
  t.match(asked.indicators.find((i) => i.code === 'PERMANENT_EXCLUSION_RATE'), { retired: true }, 'the API lists it when asked, saying it is retired');
  t.match(asked.indicators.find((i) => i.code === 'SUSPENSION_RATE'), { retired: false });
  const own = await get(app, '/p/coventry/indicators/PERMANENT_EXCLUSION_RATE', viewer);
  t.equal(own.statusCode, 200, 'its own page still opens by its address');
  t.match(own.body, /data-testid="retired">Retired</, 'and says it is retired');
  const latest = await db
    .selectFrom('observation')
    .innerJoin('series', 'series.id', 'observation.series_id')
    .select('observation.period_label')
    .where('series.indicator_id', '=', exclusion.id)
    .where('series.role', '=', 'local')
    .where('observation.value', 'is not', null)
    .orderBy('observation.period_position', 'desc')
    .executeTakeFirstOrThrow();
  t.match(text(own.body), latest.period_label, 'with its latest figure');
  t.equal((await get(app, '/p/coventry/indicators/PERMANENT_EXCLUSION_RATE/history', viewer)).statusCode, 200, 'and its history');
  const actionPage = await get(app, `/p/coventry/actions/${actionId}`, manager);
  t.equal(actionPage.statusCode, 200);
  t.match(actionPage.body, /href="\/p\/coventry\/indicators\/PERMANENT_EXCLUSION_RATE"/, 'an action keeps its link to the retired indicator');

  t.notMatch(await present(), EXCLUSION, 'the data day planned before leaves it out of the presentation');
  t.match(await present(), SUSPENSION);
  // A manager saves that data day's agenda as it is shown while the indicator is retired: it is kept on the agenda
  // (not shown), so restoring the indicator brings it back to this data day.
  const agendaPage = (await get(app, `${planned.headers.location as string}/agenda`, manager)).body;
  const shownKeys = [...agendaPage.matchAll(/name="include" type="checkbox" value="([^"]+)" checked/g)].map((m) => m[1]!);
  t.ok(shownKeys.length > 0, 'the agenda form lists the other items');
  const resaved = await post(app, `${planned.headers.location as string}/agenda`, { order: shownKeys, include: shownKeys }, manager);
  t.equal(resaved.statusCode, 303, 'the agenda is saved');

  await db.updateTable('indicator').set({ retired_at: null }).where('id', '=', exclusion.id).execute();
  expectShown(t, await views(c), { [EXCLUSION]: true, [SUSPENSION]: true, [NEET]: true }, 'restored');
  t.match(await present(), EXCLUSION, 'and presents it again once restored');
  const agendaAfter = (await get(app, `${planned.headers.location as string}/agenda`, manager)).body;
  t.match(agendaAfter, `value="indicator:${exclusion.id}" checked`, 'it is still on the agenda saved while it was retired');
});

t.test('a retired priority takes its indicators with it; restoring brings them all back', async (t) => {
  const c = await setUp(t);
  const { db, exclusionsPriority } = c;
  await db.updateTable('priority').set({ retired_at: new Date() }).where('id', '=', exclusionsPriority).execute();
  const retired = await views(c);
  expectShown(t, retired, { [EXCLUSION]: false, [SUSPENSION]: false, [YOUTH_JUSTICE]: true, [NEET]: true }, 'priority retired');
  t.notMatch(retired['partnership page'], /Reduce exclusions from school/, 'the priority itself is not on the partnership page');
  t.notMatch(retired.scorecard, /Reduce exclusions from school/, 'nor on the scorecard');
  t.ok((await figureCount(db, 'SUSPENSION_RATE')) > 0, 'its indicators keep their figures');
  const ownPage = (await get(c.app, '/p/coventry/indicators/SUSPENSION_RATE', c.manager)).body;
  t.match(ownPage, /data-testid="retired">Retired</, 'an indicator retired with its priority says it is retired on its own page');
  t.match(text(ownPage), /priority or outcome is retired[^.]*\. Restore that priority or outcome from Retired items/, 'and where to restore it');
  const asked = JSON.parse((await c.app.inject({ method: 'GET', url: '/api/v1/partnerships/coventry/indicators?include=retired', headers: { cookie: c.viewer.cookie } })).body) as { indicators: { code: string; retired: boolean }[] };
  t.match(asked.indicators.find((i) => i.code === 'SUSPENSION_RATE'), { retired: true }, 'the API lists its indicators when asked, as retired');
  const structure = JSON.parse((await c.app.inject({ method: 'GET', url: '/api/v1/partnerships/coventry', headers: { cookie: c.viewer.cookie } })).body);
  t.notMatch(JSON.stringify(structure), /SUSPENSION_RATE|Reduce exclusions from school/, 'the structure the API reads back leaves the retired priority and its indicators out');

  await db.updateTable('priority').set({ retired_at: null }).where('id', '=', exclusionsPriority).execute();
  const restored = await views(c);
  expectShown(t, restored, { [EXCLUSION]: true, [SUSPENSION]: true, [YOUTH_JUSTICE]: true, [NEET]: true }, 'priority restored');
  t.match(restored['partnership page'], /Reduce exclusions from school/);
});

t.test('a retired outcome takes its priorities and indicators with it; restoring brings them all back', async (t) => {
  const c = await setUp(t);
  const { db, contributionOutcome } = c;
  await db.updateTable('outcome').set({ retired_at: new Date() }).where('id', '=', contributionOutcome).execute();
  const retired = await views(c);
  expectShown(t, retired, { [EXCLUSION]: false, [SUSPENSION]: false, [YOUTH_JUSTICE]: false, [NEET]: true }, 'outcome retired');
  for (const view of ['partnership page', 'scorecard', 'data book', 'new data day']) {
    t.notMatch(retired[view], /Make a positive contribution/, `the outcome is not on the ${view}`);
  }
  t.match(retired['partnership page'], /Achieve economic well-being/, 'the other outcomes are');
  const prioritiesApi = async (query = '') =>
    (JSON.parse((await c.app.inject({ method: 'GET', url: `/api/v1/partnerships/coventry/priorities${query}`, headers: { cookie: c.viewer.cookie } })).body) as { priorities: { outcomeId: string; retired: boolean }[] }).priorities;
  t.notOk((await prioritiesApi()).some((p) => p.outcomeId === contributionOutcome), 'the priorities API leaves out the priorities of a retired outcome');
  const under = (await prioritiesApi('?include=retired')).filter((p) => p.outcomeId === contributionOutcome);
  t.ok(under.length > 0 && under.every((p) => p.retired), 'and lists them as retired when asked');

  await db.updateTable('outcome').set({ retired_at: null }).where('id', '=', contributionOutcome).execute();
  const restored = await views(c);
  expectShown(t, restored, { [EXCLUSION]: true, [SUSPENSION]: true, [YOUTH_JUSTICE]: true, [NEET]: true }, 'outcome restored');
  for (const view of ['partnership page', 'scorecard', 'data book', 'new data day']) t.match(restored[view], /Make a positive contribution/, `the outcome is back on the ${view}`);
});

t.test('a scorecard seen before retiring is not served from the cache after', async (t) => {
  const { app, db, viewer, exclusion, contributionOutcome } = await setUp(t);
  const scorecard = async () => text((await get(app, '/p/coventry/scorecard', viewer)).body);
  const api = async () => (await app.inject({ method: 'GET', url: '/api/v1/partnerships/coventry/indicators', headers: { cookie: viewer.cookie } })).body;
  t.match(await scorecard(), EXCLUSION);
  t.match(await api(), 'PERMANENT_EXCLUSION_RATE');
  await db.updateTable('indicator').set({ retired_at: new Date() }).where('id', '=', exclusion.id).execute();
  t.notMatch(await scorecard(), EXCLUSION, 'retiring changed the data version: the cached scorecard is not used');
  t.notMatch(await api(), 'PERMANENT_EXCLUSION_RATE', 'nor the cached API answer');
  await db.updateTable('indicator').set({ retired_at: null }).where('id', '=', exclusion.id).execute();
  t.match(await scorecard(), EXCLUSION, 'restoring shows it again');
  await db.updateTable('outcome').set({ retired_at: new Date() }).where('id', '=', contributionOutcome).execute();
  t.notMatch(await scorecard(), SUSPENSION, 'retiring an outcome changes the version too');
});

t.test('figures for a retired indicator are refused, row by row, naming it; nothing is written', async (t) => {
  const { app, db, officer, exclusion, exclusionsPriority } = await setUp(t);
  const snapshot = async () => (await db.selectFrom('observation').select(['id', 'value', 'version']).orderBy('id').execute()).map((o) => JSON.stringify(o)).join('\n');
  const upload = async (content: string) => {
    const form = multipart({ _csrf: officer.csrf }, { filename: 'figures.csv', content });
    const res = await app.inject({ method: 'POST', url: '/p/coventry/data/csv', headers: { cookie: officer.cookie, accept: 'text/html', ...form.headers }, payload: form.payload });
    t.equal(res.statusCode, 303, 'the file is read');
    return { id: /\/imports\/([0-9a-f-]{36})/.exec(res.headers.location as string)![1]!, page: text((await get(app, res.headers.location as string, officer)).body) };
  };
  const file = 'indicator_code,series,period,value,marker,status,numerator,denominator,note\nSUSPENSION_RATE,local,2025/26,9.1,,provisional,,,\nPERMANENT_EXCLUSION_RATE,local,2025/26,0.1,,provisional,,,\n';

  await db.updateTable('indicator').set({ retired_at: new Date() }).where('id', '=', exclusion.id).execute();
  const before = await snapshot();
  const refused = await upload(file);
  t.match(refused.page, /line 3 indicator_code Indicator PERMANENT_EXCLUSION_RATE is retired: restore it to import figures/);
  t.notMatch(refused.page, /line 2 indicator_code/, 'the other row is fine');
  t.notMatch(refused.page, /Confirm and import/, 'nothing can be imported until the row is fixed');
  t.equal((await post(app, `/p/coventry/imports/${refused.id}/confirm`, {}, officer)).statusCode, 409, 'confirming anyway is refused');
  t.equal(await snapshot(), before, 'nothing written');

  const template = await get(app, '/p/coventry/data/template.csv', officer);
  t.notMatch(template.body, /PERMANENT_EXCLUSION_RATE/, 'the template leaves the retired indicator out');
  t.match(template.body, /SUSPENSION_RATE/);

  const api = await app.inject({
    method: 'PUT',
    url: '/api/v1/partnerships/coventry/indicators/PERMANENT_EXCLUSION_RATE/observations',
    headers: { cookie: officer.cookie, 'x-csrf-token': officer.csrf, 'content-type': 'application/json' },
    payload: JSON.stringify([{ series: 'local', period: '2025/26', value: 0.1 }]),
  });
  t.equal(api.statusCode, 422, 'the API refuses it too');
  t.match(api.body, /PERMANENT_EXCLUSION_RATE is retired: restore it to import figures/);
  t.equal(await snapshot(), before, 'nothing written');

  // Retired through its priority: the same refusal, naming the indicator.
  await db.updateTable('indicator').set({ retired_at: null }).where('id', '=', exclusion.id).execute();
  await db.updateTable('priority').set({ retired_at: new Date() }).where('id', '=', exclusionsPriority).execute();
  const throughPriority = await upload(file);
  t.match(throughPriority.page, /line 2 indicator_code Indicator SUSPENSION_RATE is retired/);
  t.match(throughPriority.page, /line 3 indicator_code Indicator PERMANENT_EXCLUSION_RATE is retired/);

  await db.updateTable('priority').set({ retired_at: null }).where('id', '=', exclusionsPriority).execute();
  const restored = await upload(file);
  t.notMatch(restored.page, /is retired/, 'restored: the same file is fine');
  t.match(restored.page, /Confirm and import/);

  // Retired between the preview and the confirmation: the confirmation checks again, and writes nothing.
  await db.updateTable('indicator').set({ retired_at: new Date() }).where('id', '=', exclusion.id).execute();
  const late = await post(app, `/p/coventry/imports/${restored.id}/confirm`, {}, officer);
  t.equal(late.statusCode, 409);
  t.match(text(late.body), /Nothing was imported: the figures or indicators changed since the preview/);
  t.match(text(late.body), /Indicator PERMANENT_EXCLUSION_RATE is retired: restore it to import figures/);
  t.equal(await snapshot(), before, 'nothing written');
});

t.test("a programme's retired performance measure leaves the programme page and the return, and comes back", async (t) => {
  const { app, db, manager, officer, viewer } = await setUp(t);
  const created = await post(app, '/p/coventry/programmes', { name: 'Attendance support service' }, manager);
  t.equal(created.statusCode, 303);
  const programmeUrl = created.headers.location as string;
  const measure = 'Families seen within 10 days of referral';
  const added = await post(app, `${programmeUrl}/measures`, { measure_kind: 'how_well', title: measure, code: 'ASS_SEEN', unit: 'percentage', polarity: 'higher', period_type: 'fy_quarter', definition: '' }, manager);
  t.equal(added.statusCode, 303);
  const shown = async () => ({
    programme: text((await get(app, programmeUrl, viewer)).body).includes(measure),
    return: text((await get(app, '/p/coventry/returns?period=fy_quarter:2025-26-Q3', officer)).body).includes(measure),
  });
  t.same(await shown(), { programme: true, return: true }, 'shown before retiring');
  await db.updateTable('indicator').set({ retired_at: new Date() }).where('code', '=', 'ASS_SEEN').execute();
  t.same(await shown(), { programme: false, return: false }, 'retired: on neither');
  await db.updateTable('indicator').set({ retired_at: null }).where('code', '=', 'ASS_SEEN').execute();
  t.same(await shown(), { programme: true, return: true }, 'restored: on both again');
});
