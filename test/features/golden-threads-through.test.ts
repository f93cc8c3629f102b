// Issue 18, "the golden threads all the way through": an action's page shows the case studies linked to it and the
// golden threads they carry (with each thread's "this means"); a thread's page in a partnership lists the actions that
// follow it and the indicators they aim to move; the scorecard and the action list filter by thread; the data book
// names the threads each outcome's actions follow. Only ever the partnership's own actions.
import t from 'tap';
import { createPartnership, findUserId, setMembership } from '../../server/features/accounts/queries.ts';
import { createAction } from '../../server/features/actions/queries.ts';
import { linkCaseStudyToAction, setActionThreads } from '../../server/features/library/queries.ts';
import { buildTestApp, type Session, signIn } from '../helpers/app.ts';

const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const scorecardCodes = (html: string) => [...html.matchAll(/<tr class="govuk-table__row ttc-cards__card" data-code="([^"]+)"/g)].map((m) => m[1]!).sort();

t.test('golden threads all the way through a partnership\'s work', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const viewer = await signIn(app, 'viewer@demo.example');
  const manager = await signIn(app, 'manager@demo.example');
  const get = (url: string, who: Session = viewer) => app.inject({ method: 'GET', url, headers: { cookie: who.cookie, accept: 'text/html' } });

  const coventry = (await db.selectFrom('partnership').select('id').where('slug', '=', 'coventry').executeTakeFirstOrThrow()).id;
  const managerId = (await findUserId(db, 'manager@demo.example'))!;
  // Known data: the demo's own actions (if it has any) are removed, so only this test's actions follow threads.
  await db.deleteFrom('action').where('partnership_id', '=', coventry).execute();
  // Three indicators on the scorecard, each under a different outcome.
  const indicators = await db
    .selectFrom('indicator')
    .innerJoin('priority', 'priority.id', 'indicator.priority_id')
    .innerJoin('outcome', 'outcome.id', 'priority.outcome_id')
    .select(['indicator.id', 'indicator.code', 'indicator.title', 'outcome.id as outcome_id', 'outcome.title as outcome_title'])
    .where('indicator.partnership_id', '=', coventry)
    .where('indicator.rank', '=', 'headline')
    .orderBy('outcome.position')
    .orderBy('priority.position')
    .orderBy('indicator.position')
    .execute();
  const neet = indicators.find((i) => i.code === 'NEET_16_17')!;
  const second = indicators.find((i) => i.outcome_id !== neet.outcome_id)!;
  const third = indicators.find((i) => i.outcome_id !== neet.outcome_id && i.outcome_id !== second.outcome_id)!;
  t.ok(neet && second && third, 'three indicators under three outcomes');

  const values = { description: '', lead_partner_id: null, owner_id: null, start_date: null, due_date: null, status: 'on_track' as const };
  const { tracking, mentors, unlinked } = await db.transaction().execute(async (trx) => {
    const tracking = await createAction(trx, coventry, managerId, { ...values, title: 'Monthly tracking of 16 and 17 year olds' }, { indicatorIds: [neet.id], priorityIds: [] });
    const mentors = await createAction(trx, coventry, managerId, { ...values, title: 'Reading mentors for looked after children' }, { indicatorIds: [second.id], priorityIds: [] });
    const unlinked = await createAction(trx, coventry, managerId, { ...values, title: 'An action with no evidence yet' }, { indicatorIds: [third.id], priorityIds: [] });
    // Case study 56 carries "you can do it", "through the eyes of the child" and "unite to succeed"; 10 carries "you
    // can do it", "through the eyes of the child" and "learning to learn".
    await linkCaseStudyToAction(trx, coventry, { actionId: tracking, number: 56, userId: managerId, threads: [] });
    await linkCaseStudyToAction(trx, coventry, { actionId: mentors, number: 10, userId: managerId, threads: [] });
    return { tracking, mentors, unlinked };
  });

  // Another partnership, with an action on its own indicator following "unite to succeed" too. The manager is a
  // member of both; the demo viewer only of Coventry.
  const other = await createPartnership(db, { slug: 'other-place', name: 'Other Place' });
  await setMembership(db, other.id, managerId, 'manager');
  const otherOutcome = await db.insertInto('outcome').values({ partnership_id: other.id, title: 'O' }).returning('id').executeTakeFirstOrThrow();
  const otherPriority = await db.insertInto('priority').values({ partnership_id: other.id, outcome_id: otherOutcome.id, title: 'P' }).returning('id').executeTakeFirstOrThrow();
  const otherIndicator = await db
    .insertInto('indicator')
    .values({ partnership_id: other.id, priority_id: otherPriority.id, code: 'ONLY_OTHER', title: 'An indicator only Other Place has', unit: 'count', polarity: 'higher', period_type: 'calendar_year' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db.transaction().execute(async (trx) => {
    const theirs = await createAction(trx, other.id, managerId, { ...values, title: 'Their own action in Other Place' }, { indicatorIds: [otherIndicator.id], priorityIds: [] });
    await linkCaseStudyToAction(trx, other.id, { actionId: theirs, number: 56, userId: managerId, threads: [] });
  });

  t.test('an action\'s page shows its case studies and the golden threads they follow, each with what it means', async (t) => {
    const page = await get(`/p/coventry/actions/${tracking}`);
    t.equal(page.statusCode, 200);
    const body = text(page.body);
    t.match(body, /The evidence behind it/);
    t.match(body, /56\. Exeter Project to reduce NEET to nil — Devon, part B/);
    t.match(body, /Golden threads it follows/);
    for (const name of ['1. You can do it', '3. Through the eyes of the child', '7. Unite to succeed']) t.match(body, name);
    t.notMatch(body, /Learning to learn/, 'only the threads its own case studies carry');
    t.match(body, /no child written off/, '"this means" of "you can do it"');
    t.match(body, /relentless inter-disciplinary training/, '"this means" of "unite to succeed"');
    t.match(page.body, /href="\/p\/coventry\/library\/threads\/unite-to-succeed"/, 'each thread links to its page in this partnership');
    t.match(body, /Through case study 56/);

    const bare = text((await get(`/p/coventry/actions/${unlinked}`)).body);
    t.match(bare, /No case study from the what works library is linked to this action yet\./);
    t.match(bare, /It follows no golden thread yet: none was chosen for it, and its case studies carry none/);
  });

  t.test('a thread\'s page lists this partnership\'s actions that follow it and their indicators, and no one else\'s', async (t) => {
    const page = await get('/p/coventry/library/threads/unite-to-succeed');
    t.equal(page.statusCode, 200);
    const body = text(page.body);
    t.match(body, /Unite to succeed \(sanity not vanity\)/);
    t.match(body, /This means/);
    t.match(body, /relentless inter-disciplinary training/);
    t.match(body, /1 action following this thread/);
    t.match(body, /Monthly tracking of 16 and 17 year olds/);
    t.match(body, new RegExp(`Aims to move: ${escape(neet.title)}`));
    t.match(body, new RegExp(`1 indicator following this thread ${escape(neet.title)}`));
    t.notMatch(body, /Reading mentors/, 'case study 10 does not carry this thread');
    t.notMatch(body, /Their own action in Other Place/, 'never another partnership\'s action');
    t.notMatch(body, /An indicator only Other Place has/);

    // The manager is a member of both, and still sees only Coventry's on Coventry's page, and only Other Place's there.
    const asManager = text((await get('/p/coventry/library/threads/unite-to-succeed', manager)).body);
    t.notMatch(asManager, /Their own action in Other Place/);
    const theirs = text((await get('/p/other-place/library/threads/unite-to-succeed', manager)).body);
    t.match(theirs, /Their own action in Other Place/);
    t.match(theirs, /An indicator only Other Place has/);
    t.notMatch(theirs, /Monthly tracking/);
    t.equal((await get('/p/other-place/library/threads/unite-to-succeed')).statusCode, 404, 'a viewer of Coventry alone cannot see Other Place');

    const learning = text((await get('/p/coventry/library/threads/learning-to-learn')).body);
    t.match(learning, /Reading mentors for looked after children/);
    t.notMatch(learning, /Monthly tracking/);
    const none = text((await get('/p/coventry/library/threads/holding-onto-the-baton')).body);
    t.match(none, /0 actions following this thread/);
    t.match(none, /None of Coventry .*’s actions follows this thread yet/);

    const unknown = await get('/p/coventry/library/threads/no-such-thread');
    t.equal(unknown.statusCode, 404);
    t.match(text(unknown.body), /There is no golden thread “no-such-thread” in the what works library/);

    // The library's own thread page leads to it, for each partnership the user is a member of.
    const library = await get('/library/threads/unite-to-succeed', manager);
    t.match(library.body, /href="\/p\/coventry\/library\/threads\/unite-to-succeed"/);
    t.match(library.body, /href="\/p\/other-place\/library\/threads\/unite-to-succeed"/);
    t.notMatch((await get('/library/threads/unite-to-succeed')).body, /\/p\/other-place\//);
    t.match(text((await get('/library/threads/no-such-thread')).body), /There is no golden thread “no-such-thread”/);
  });

  t.test('the scorecard filters by thread, keeps the filter in the address, and says when nothing follows it', async (t) => {
    const all = await get('/p/coventry/scorecard');
    t.equal(all.statusCode, 200);
    t.ok(scorecardCodes(all.body).length > 3, 'unfiltered: every indicator');
    t.match(all.body, /<label class="govuk-label" for="f-thread">Golden thread<\/label>/);
    t.match(all.body, /<option value="unite-to-succeed">7\. unite to succeed \(1 indicator\)<\/option>/);
    t.match(all.body, /<option value="you-can-do-it">1\. you can do it \(2 indicators\)<\/option>/);

    const unite = await get('/p/coventry/scorecard?thread=unite-to-succeed');
    t.equal(unite.statusCode, 200);
    t.same(scorecardCodes(unite.body), [neet.code]);
    t.match(unite.body, /<option value="unite-to-succeed" selected>/, 'the filter is shown as chosen');
    t.match(text(unite.body), /Showing the indicators that follow the golden thread “unite to succeed”/);
    t.match(unite.body, /scorecard\.csv\?thread=unite-to-succeed"/, 'the CSV link keeps the filter');
    const csv = await get('/p/coventry/scorecard.csv?thread=unite-to-succeed');
    t.equal(csv.body.trim().split('\r\n').length, 2, 'the CSV: a header and the one indicator');
    t.match(csv.body, neet.code);

    const both = await get('/p/coventry/scorecard?thread=you-can-do-it');
    t.same(scorecardCodes(both.body), [neet.code, second.code].sort());
    const withOutcome = await get(`/p/coventry/scorecard?thread=you-can-do-it&outcome=${second.outcome_id}`);
    t.same(scorecardCodes(withOutcome.body), [second.code], 'with the other filters');

    const none = await get('/p/coventry/scorecard?thread=holding-onto-the-baton');
    t.equal(none.statusCode, 200);
    t.same(scorecardCodes(none.body), []);
    t.match(text(none.body), /No indicator follows this thread yet/);

    const bad = await get('/p/coventry/scorecard?thread=no-such-thread');
    t.equal(bad.statusCode, 400);
    t.match(text(bad.body), /There is a problem There is no golden thread “no-such-thread”: choose one from the list/);
    t.ok(scorecardCodes(bad.body).length > 3, 'an unknown thread filters nothing out');

    // A link made after the scorecard was cached shows at once (the links are not part of the data version).
    await db.transaction().execute((trx) => linkCaseStudyToAction(trx, coventry, { actionId: unlinked, number: 30, userId: managerId, threads: [] }));
    const prove = await get('/p/coventry/scorecard?thread=prove-it');
    t.same(scorecardCodes(prove.body), [third.code]);
    await db.deleteFrom('action_case_study').where('action_id', '=', unlinked).execute();
    t.same(scorecardCodes((await get('/p/coventry/scorecard?thread=prove-it')).body), []);
  });

  t.test('the action list filters by thread', async (t) => {
    const unite = await get('/p/coventry/actions?thread=unite-to-succeed');
    t.equal(unite.statusCode, 200);
    t.match(unite.body, new RegExp(`data-action-id="${tracking}"`));
    t.notMatch(unite.body, new RegExp(`data-action-id="${mentors}"`));
    t.notMatch(unite.body, new RegExp(`data-action-id="${unlinked}"`));
    t.match(unite.body, /<option value="unite-to-succeed" selected>7\. unite to succeed<\/option>/);
    t.match(text(unite.body), /1 action match these filters/);
    t.match(unite.body, /href="\/p\/coventry\/actions">Clear filters/);

    const both = await get('/p/coventry/actions?thread=you-can-do-it');
    t.match(both.body, new RegExp(`data-action-id="${tracking}"`));
    t.match(both.body, new RegExp(`data-action-id="${mentors}"`));
    t.notMatch(both.body, /Their own action/);

    const none = await get('/p/coventry/actions?thread=holding-onto-the-baton');
    t.match(text(none.body), /No action follows the golden thread “holding onto the baton” yet/);

    const bad = await get('/p/coventry/actions?thread=no-such-thread');
    t.equal(bad.statusCode, 400);
    t.match(text(bad.body), /There is a problem There is no golden thread “no-such-thread”: choose one from the list/);
  });

  t.test('the data book names the golden threads each outcome\'s actions follow', async (t) => {
    const page = await get('/p/coventry/data-book');
    t.equal(page.statusCode, 200);
    const sections = page.body.split('<section class="ttc-book__outcome"').slice(1).map(text);
    const sectionOf = (title: string) => sections.find((s) => s.includes(title)) ?? '';
    t.match(sectionOf(neet.title), /Golden threads its actions follow: 1\. you can do it \(1 action\); 3\. through the eyes of the child \(1 action\); 7\. unite to succeed \(1 action\)\./);
    t.match(sectionOf(second.title), /Golden threads its actions follow: 1\. you can do it \(1 action\); 3\. through the eyes of the child \(1 action\); 5\. learning to learn \(1 action\)\./);
    t.notMatch(sectionOf(third.title), /Golden threads its actions follow/, 'an outcome whose actions follow no case study names none');
  });
  t.test('a thread chosen for an action directly counts as followed, on every page', async (t) => {
    await db.transaction().execute((trx) => setActionThreads(trx, coventry, unlinked, ['cornflakes-to-canoeing']));
    t.teardown(() => db.transaction().execute((trx) => setActionThreads(trx, coventry, unlinked, [])));
    const action = text((await get(`/p/coventry/actions/${unlinked}`)).body);
    t.match(action, /6\. Cornflakes to canoeing Chosen for this action/);
    t.notMatch(action, /It follows no golden thread yet/);
    const thread = text((await get('/p/coventry/library/threads/cornflakes-to-canoeing')).body);
    t.match(thread, /An action with no evidence yet/);
    t.same(scorecardCodes((await get('/p/coventry/scorecard?thread=cornflakes-to-canoeing')).body), [third.code]);
    t.match((await get('/p/coventry/actions?thread=cornflakes-to-canoeing')).body, new RegExp(`data-action-id="${unlinked}"`));
    const book = (await get('/p/coventry/data-book')).body.split('<section class="ttc-book__outcome"').slice(1).map(text);
    t.match(book.find((b) => b.includes(third.title)) ?? '', /Golden threads its actions follow: 6\. cornflakes to canoeing \(1 action\)\./);
  });
});
