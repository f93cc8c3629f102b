// The Coventry demo a year into use (issue 18), as a manager deciding whether to adopt the tracker would see it: every
// headline curve has its story (with an earlier version), a dozen actions with their progress logs, a data
// development agenda in every state, two self-assessments to compare, a published report card, last year's data day
// with only a handful of figures new since it, and every page saying its texts are illustrative.
import t from 'tap';
import { buildTestApp, signIn, type Session } from '../helpers/app.ts';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');

t.test('the demo a year into use', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const viewer = await signIn(app, 'viewer@demo.example');
  const manager = await signIn(app, 'manager@demo.example');
  const get = (url: string, session: Session | null = viewer) => app.inject({ method: 'GET', url, headers: { ...(session ? { cookie: session.cookie } : {}), accept: 'text/html' } });
  const coventry = await db.selectFrom('partnership').select('id').where('slug', '=', 'coventry').executeTakeFirstOrThrow();
  const headline = await db
    .selectFrom('indicator')
    .select(['id', 'code', 'title'])
    .where('partnership_id', '=', coventry.id)
    .where('rank', '=', 'headline')
    .where('programme_id', 'is', null)
    .execute();

  t.test('every headline indicator has a story behind the curve, with one earlier version', async (t) => {
    t.ok(headline.length >= 10, 'the demo has its headline indicators');
    for (const indicator of headline) {
      const page = await get(`/p/coventry/indicators/${encodeURIComponent(indicator.code)}`);
      t.equal(page.statusCode, 200, indicator.code);
      const body = text(page.body);
      t.match(body, /version 2 by /, `${indicator.code}: the story's second version is shown`);
      t.match(body, /Earlier versions \(1\)/, `${indicator.code}: with one earlier version`);
      t.notMatch(body, /No story yet/, indicator.code);
      t.match(page.body, /data-testid="illustrative-tag"/, `${indicator.code}: the story is marked illustrative`);
    }
  });

  t.test('about a dozen actions, with owners, dates, statuses and update logs', async (t) => {
    const list = await get('/p/coventry/actions');
    t.equal(list.statusCode, 200);
    const actions = await db.selectFrom('action').select(['id', 'title', 'owner_id', 'due_date', 'status']).where('partnership_id', '=', coventry.id).execute();
    t.ok(actions.length >= 10, `${actions.length} actions`);
    for (const a of actions) t.match(text(list.body), a.title, 'each is listed');
    t.ok(actions.every((a) => a.owner_id && a.due_date), 'each has an owner and a due date');
    t.ok(new Set(actions.map((a) => a.status)).size >= 4, 'in several states');
    const withUpdates = await db
      .selectFrom('action_update')
      .select(['action_id', db.fn.countAll<number>().as('n')])
      .where('partnership_id', '=', coventry.id)
      .groupBy('action_id')
      .execute();
    t.ok(withUpdates.length >= 10, `${withUpdates.length} actions have progress updates`);

    const withLog = actions.find((a) => a.title === 'Managed moves before permanent exclusion')!;
    const page = await get(`/p/coventry/actions/${withLog.id}`);
    t.equal(page.statusCode, 200);
    const body = text(page.body);
    t.match(body, /Three academies have not signed up/, 'its update log');
    t.match(body, /Reduction in exclusion of black Caribbean students/, 'its case study from the library');
    t.match(page.body, /data-testid="illustrative-notice"/, 'the page says its texts are illustrative');
    t.match(body, /Illustrative: this is a demonstration/);
  });

  t.test('the data development agenda has items in every state', async (t) => {
    const page = await get('/p/coventry/data-development');
    t.equal(page.statusCode, 200);
    const body = text(page.body);
    for (const state of ['Wanted', 'Being developed', 'Data now available']) t.match(body, state);
    const states = await db.selectFrom('data_development_item').select('status').distinct().where('partnership_id', '=', coventry.id).execute();
    t.same(states.map((s) => s.status).sort(), ['available', 'in_progress', 'wanted']);
  });

  t.test('two gap-narrowing self-assessments a year apart, to compare', async (t) => {
    const assessments = await db.selectFrom('self_assessment').select(['id', 'assessed_on']).where('partnership_id', '=', coventry.id).execute();
    t.equal(assessments.length, 2);
    const compare = await get('/p/coventry/self-assessment/compare');
    t.equal(compare.statusCode, 200);
    const moved = /Moved up ([0-9]+)/.exec(text(compare.body));
    t.ok(moved && Number(moved[1]) > 0, 'some statements moved up over the year');
  });

  t.test('a programme with its measures and a year of quarterly figures', async (t) => {
    const programme = await db.selectFrom('programme').select('id').where('partnership_id', '=', coventry.id).executeTakeFirstOrThrow();
    const page = await get(`/p/coventry/programmes/${programme.id}`);
    t.equal(page.statusCode, 200);
    const body = text(page.body);
    for (const measure of ['Families starting the programme', 'Families visited within 10 working days of referral', 'Families who met their goals']) t.match(body, measure);
    const figures = await db
      .selectFrom('observation')
      .innerJoin('series', 'series.id', 'observation.series_id')
      .innerJoin('indicator', 'indicator.id', 'series.indicator_id')
      .select('observation.period_key')
      .distinct()
      .where('indicator.programme_id', '=', programme.id)
      .execute();
    t.equal(figures.length, 4, 'four quarters');
  });

  t.test("last year's data day, and only a handful of figures new since it", async (t) => {
    const days = await get('/p/coventry/data-days');
    t.match(text(days.body), /Annual data day/);
    const dataDay = await db.selectFrom('data_day').select('id').where('partnership_id', '=', coventry.id).executeTakeFirstOrThrow();
    const notes = await get(`/p/coventry/data-days/${dataDay.id}/notes`, manager);
    t.match(text(notes.body), /Try a managed move before any permanent exclusion/, "the room's notes");

    const since = await get('/p/coventry/since');
    t.equal(since.statusCode, 200);
    const body = text(since.body);
    const added = /([0-9]+) new figures? and ([0-9]+) revised/.exec(body);
    t.ok(added, 'figures arrived since');
    const total = Number((await db.selectFrom('observation').innerJoin('series', 'series.id', 'observation.series_id').innerJoin('indicator', 'indicator.id', 'series.indicator_id').select(db.fn.countAll<number>().as('n')).where('indicator.partnership_id', '=', coventry.id).where('indicator.programme_id', 'is', null).executeTakeFirstOrThrow()).n);
    const n = Number(added![1]);
    t.ok(n >= 3 && n <= 20 && n < total / 10, `${n} of ${total} figures are new since the data day`);
    t.match(body, /Persistent absence/, 'among them, the attendance figures published after it');
  });

  t.test('a published report card, marked illustrative', async (t) => {
    const publication = await db.selectFrom('publication').select(['token', 'unpublished_at']).where('partnership_id', '=', coventry.id).executeTakeFirstOrThrow();
    t.equal(publication.unpublished_at, null);
    t.match(text((await get('/p/coventry/publications', manager)).body), /Coventry report card/);
    const card = await get(`/published/${publication.token}`, null);
    t.equal(card.statusCode, 200);
    t.match(text(card.body), /Still two quarters below|Two quarters below the target line/, 'with the stories behind the curves');
    t.match(card.body, /data-testid="illustrative-notice"/);
  });
});
