// The library and the self-assessment in a partnership's work: case studies into an indicator's what works and onto
// actions, golden-thread tags on actions, and actions for weak self-assessment statements.
import t from 'tap';
import { readFile } from 'node:fs/promises';
import type { CaseStudy } from '../../seeds/library/parse.ts';
import { createPartnership, createUser, findUserId, setMembership } from '../../server/features/accounts/queries.ts';
import { buildTestApp, form, signIn, type Session } from '../helpers/app.ts';

const caseStudies = JSON.parse(await readFile(new URL('../../seeds/library/case-studies.json', import.meta.url), 'utf8')) as CaseStudy[];
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');

t.test('linking the library to a partnership\'s work', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const viewer = await signIn(app, 'viewer@demo.example');
  const officer = await signIn(app, 'officer@demo.example');
  const manager = await signIn(app, 'manager@demo.example');
  const get = (url: string, who: Session = manager) => app.inject({ method: 'GET', url, headers: { cookie: who.cookie, accept: 'text/html' } });
  const post = (url: string, values: Record<string, string | string[]>, who: Session = manager) => {
    const params = new URLSearchParams({ _csrf: who.csrf });
    for (const [k, v] of Object.entries(values)) for (const one of Array.isArray(v) ? v : [v]) params.append(k, one);
    return app.inject({ method: 'POST', url, headers: { cookie: who.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: params.toString() });
  };

  const coventry = (await db.selectFrom('partnership').select('id').where('slug', '=', 'coventry').executeTakeFirstOrThrow()).id;
  // Only this test's links: the demo's actions and what works (seeds/demo/year-of-use.ts), which already use the
  // library, are taken away first.
  await db.deleteFrom('action').where('partnership_id', '=', coventry).execute();
  await db.deleteFrom('what_works').where('partnership_id', '=', coventry).execute();
  const neet = (await db.selectFrom('indicator').select('id').where('partnership_id', '=', coventry).where('code', '=', 'NEET_16_17').executeTakeFirstOrThrow()).id;
  const action = await db.insertInto('action').values({ partnership_id: coventry, title: 'Monthly tracking of 16 and 17 year olds with colleges', status: 'on_track' }).returning('id').executeTakeFirstOrThrow();

  // Another partnership, which the manager is not a member of, with an indicator and an action of its own.
  const other = await createPartnership(db, { slug: 'other-place', name: 'Other Place' });
  const otherPriorityOutcome = await db.insertInto('outcome').values({ partnership_id: other.id, title: 'O' }).returning('id').executeTakeFirstOrThrow();
  const otherPriority = await db.insertInto('priority').values({ partnership_id: other.id, outcome_id: otherPriorityOutcome.id, title: 'P' }).returning('id').executeTakeFirstOrThrow();
  await db.insertInto('indicator').values({ partnership_id: other.id, priority_id: otherPriority.id, code: 'ONLY_OTHER', title: 'Only other', unit: 'count', polarity: 'higher', period_type: 'calendar_year' }).execute();
  const otherAction = await db.insertInto('action').values({ partnership_id: other.id, title: 'Their action' }).returning('id').executeTakeFirstOrThrow();

  t.test('a manager is offered the case study for their partnership; a viewer is not', async (t) => {
    const page = await get('/library/case-studies/56');
    t.match(page.body, /href="\/p\/coventry\/library\/case-studies\/56\/link">Use it in Coventry Children and Young People&#39;s Partnership</);
    const asViewer = await get('/library/case-studies/56', viewer);
    t.notMatch(asViewer.body, /\/library\/case-studies\/56\/link/);
    t.match(text(asViewer.body), /A manager of a partnership can add this case study/);
    t.equal((await get('/p/coventry/library/case-studies/56/link', viewer)).statusCode, 403);
    t.equal((await get('/p/coventry/library/case-studies/56/link', officer)).statusCode, 403);
    t.equal((await get('/p/other-place/library/case-studies/56/link')).statusCode, 404, 'not a member');
    t.equal((await get('/p/coventry/library/case-studies/999/link')).statusCode, 404);
    const link = await get('/p/coventry/library/case-studies/56/link');
    t.equal(link.statusCode, 200);
    t.match(link.body, /<option value="NEET_16_17">16 and 17 year olds not in education, employment or training \(NEET\)<\/option>/);
    t.notMatch(link.body, /ONLY_OTHER/, 'only this partnership\'s indicators');
    t.match(link.body, new RegExp(`<option value="${action.id}">Monthly tracking`));
    t.notMatch(link.body, new RegExp(otherAction.id));
  });

  t.test('adding a case study to an indicator\'s what works', async (t) => {
    const missing = await post('/p/coventry/library/case-studies/56/what-works', { indicator: '', note: 'kept' });
    t.equal(missing.statusCode, 400);
    t.match(missing.body, /href="#indicator">Choose the indicator/);
    t.match(missing.body, /href="#cost">Say what it would cost here/);
    t.match(missing.body, />kept<\/textarea>/, 'the note is kept');

    const forged = await post('/p/coventry/library/case-studies/56/what-works', { indicator: 'ONLY_OTHER', cost: 'no_cost' });
    t.equal(forged.statusCode, 400, 'another partnership\'s indicator is simply not found');
    t.match(forged.body, /Choose the indicator/);

    const res = await post('/p/coventry/library/case-studies/56/what-works', { indicator: 'NEET_16_17', cost: 'low_cost', note: 'Our colleges could do this.' });
    t.equal(res.statusCode, 303);
    t.equal(res.headers.location, '/p/coventry/library/case-studies/56/link?linked=indicator%3ANEET_16_17');
    const done = await get(res.headers.location as string);
    t.match(text(done.body), /Added to the what works of 16 and 17 year olds not in education/);

    const rows = await db.selectFrom('what_works').selectAll().where('partnership_id', '=', coventry).where('case_study_number', '=', 56).execute();
    t.equal(rows.length, 1);
    const row = rows[0]!;
    t.equal(row.indicator_id, neet);
    t.equal(row.title, 'Exeter Project to reduce NEET to nil (Devon)');
    t.equal(row.evidence_level, 'some_evidence', 'part B: some evidence of impact');
    t.equal(row.cost, 'low_cost');
    t.match(row.description, /^Our colleges could do this\.\n\nWhat Devon achieved: The outcomes will be based on/);
    t.match(row.source, /What works library, case study 56: Devon/);

    const again = await post('/p/coventry/library/case-studies/56/what-works', { indicator: 'NEET_16_17', cost: 'no_cost' });
    t.equal(again.statusCode, 400);
    t.match(again.body, /already in the what works of/);

    const partA = await post('/p/coventry/library/case-studies/1/what-works', { indicator: 'EYFS_GLD_FSM_GAP', cost: 'funded' });
    t.equal(partA.statusCode, 303);
    const a = await db.selectFrom('what_works').select('evidence_level').where('case_study_number', '=', 1).executeTakeFirstOrThrow();
    t.equal(a.evidence_level, 'demonstrable', 'part A: demonstrable impact');

    const study = await get('/library/case-studies/56', viewer);
    t.match(text(study.body), /Already used in your partnerships What works for 16 and 17 year olds not in education, employment or training \(NEET\) — Coventry/);
    t.equal((await post('/p/coventry/library/case-studies/56/what-works', { indicator: 'NEET_16_17', cost: 'no_cost' }, viewer)).statusCode, 403);
  });

  t.test('linking a case study to an action tags the action with its golden threads', async (t) => {
    const forged = await post('/p/coventry/library/case-studies/56/actions', { action: otherAction.id, threads: 'yes' });
    t.equal(forged.statusCode, 400);
    t.match(forged.body, /Choose the action to link this case study to/);
    t.same(await db.selectFrom('action_case_study').selectAll().execute(), [], 'nothing linked');

    const res = await post('/p/coventry/library/case-studies/56/actions', { action: action.id, threads: 'yes' });
    t.equal(res.statusCode, 303);
    t.match(text((await get(res.headers.location as string)).body), /Linked to the action Monthly tracking/);
    const threads = await db.selectFrom('action_golden_thread').select('thread_slug').where('action_id', '=', action.id).orderBy('thread_slug').execute();
    t.same(threads.map((r) => r.thread_slug), [...caseStudies.find((c) => c.number === 56)!.goldenThreads].sort());

    const page = await get(`/p/coventry/library/actions/${action.id}`, viewer);
    t.equal(page.statusCode, 200);
    t.match(page.body, /href="\/library\/case-studies\/56">56\. Exeter Project to reduce NEET to nil/);
    t.notMatch(page.body, /Save golden threads/, 'a viewer reads them');

    const thread = threads[0]!.thread_slug;
    const threadPage = await get(`/library/threads/${thread}`, viewer);
    t.match(threadPage.body, new RegExp(`href="/p/coventry/actions/${action.id}">Monthly tracking`), 'the thread page lists the action for a member');
    await createUser(db, { email: 'outsider@example.org', name: 'Out Sider', password: 'a-long-enough-password' });
    const outsider = await signIn(app, 'outsider@example.org', 'a-long-enough-password');
    t.notMatch((await get(`/library/threads/${thread}`, outsider)).body, /Monthly tracking/, 'but not for anyone else');
    t.notMatch((await get('/library/case-studies/56', outsider)).body, /Already used/);
  });

  t.test('a manager sets an action\'s golden threads', async (t) => {
    const form = await get(`/p/coventry/library/actions/${action.id}`);
    t.match(form.body, /Save golden threads/);
    const res = await post(`/p/coventry/library/actions/${action.id}/threads`, { threads: ['prove-it', 'you-can-do-it', 'no-such-thread'] });
    t.equal(res.statusCode, 303);
    const threads = await db.selectFrom('action_golden_thread').select('thread_slug').where('action_id', '=', action.id).orderBy('thread_slug').execute();
    t.same(threads.map((r) => r.thread_slug), ['prove-it', 'you-can-do-it'], 'unknown slugs are ignored');
    const page = await get(`/p/coventry/library/actions/${action.id}?saved=1`);
    t.match(page.body, /id="thread-prove-it" name="threads" type="checkbox" value="prove-it" checked/);
    t.match(page.body, /The golden threads were saved/);
    t.equal((await post(`/p/coventry/library/actions/${action.id}/threads`, { threads: ['prove-it'] }, viewer)).statusCode, 403);
    t.equal((await get(`/p/coventry/library/actions/${otherAction.id}`)).statusCode, 404, 'another partnership\'s action');
    t.equal((await post(`/p/coventry/library/actions/${otherAction.id}/threads`, { threads: ['prove-it'] })).statusCode, 404);
    t.equal((await get('/p/coventry/library/actions/not-a-uuid')).statusCode, 404);

    const unlink = await post(`/p/coventry/library/actions/${action.id}/case-studies/56/delete`, {});
    t.equal(unlink.statusCode, 303);
    t.same(await db.selectFrom('action_case_study').selectAll().execute(), []);
    t.equal((await post(`/p/coventry/library/actions/${action.id}/case-studies/56/delete`, {})).statusCode, 404, 'already unlinked');
  });

  t.test('an action for a weak statement of the self-assessment', async (t) => {
    const recorded = await post('/p/coventry/self-assessment', {
      'assessed-on-day': '1', 'assessed-on-month': '4', 'assessed-on-year': '2025',
      'rating-7': 'developing', 'evidence-7': 'Two localities pool budgets.',
      'rating-14': 'embedded', 'evidence-14': 'Every school.',
    });
    t.equal(recorded.statusCode, 303);
    const url = recorded.headers.location as string;
    const assessmentId = url.split('/').at(-1)!;
    const page = await get(url);
    t.match(page.body, /<label class="govuk-label" for="action-7">Link an action<span class="govuk-visually-hidden"> to statement 7<\/span><\/label>/, 'a weak statement offers actions');
    t.notMatch(page.body, /for="action-14"/, 'an embedded one does not');
    t.notMatch((await get(url, viewer)).body, /Link an action to statement/, 'nor to a viewer');

    const forged = await post('/p/coventry/self-assessment/statements/7/actions', { action: otherAction.id, assessment: assessmentId });
    t.equal(forged.statusCode, 400);
    t.match(forged.body, /href="#action-7">Statement 7: choose the action that addresses it/);

    const res = await post('/p/coventry/self-assessment/statements/7/actions', { action: action.id, assessment: assessmentId });
    t.equal(res.statusCode, 303);
    t.equal(res.headers.location, `${url}#statement-7`);
    const linked = await get(url, viewer);
    t.match(text(linked.body), /Actions Monthly tracking of 16 and 17 year olds with colleges On track/);
    t.equal((await post('/p/coventry/self-assessment/statements/7/actions', { action: action.id, assessment: assessmentId }, viewer)).statusCode, 403);
    t.equal((await post('/p/coventry/self-assessment/statements/99/actions', { action: action.id, assessment: assessmentId })).statusCode, 404, 'no statement 99');

    const unlinked = await post(`/p/coventry/self-assessment/statements/7/actions/${action.id}/delete`, { assessment: assessmentId });
    t.equal(unlinked.statusCode, 303);
    t.notMatch(text((await get(url)).body), /Actions Monthly tracking/);

    // Deleting the action removes every link to it.
    await post('/p/coventry/self-assessment/statements/7/actions', { action: action.id, assessment: assessmentId });
    await post('/p/coventry/library/case-studies/56/actions', { action: action.id, threads: 'yes' });
    await db.deleteFrom('action').where('id', '=', action.id).execute();
    for (const table of ['self_assessment_action', 'action_case_study', 'action_golden_thread'] as const) {
      t.same(await db.selectFrom(table).select('action_id').execute(), [], `${table} emptied`);
    }
  });

  t.test('the database refuses a link to another partnership\'s action', async (t) => {
    await t.rejects(db.insertInto('action_case_study').values({ partnership_id: coventry, action_id: otherAction.id, case_study_number: 1 }).execute());
    await t.rejects(db.insertInto('self_assessment_action').values({ partnership_id: coventry, action_id: otherAction.id, statement_number: 1 }).execute());
    const managerId = (await findUserId(db, 'manager@demo.example'))!;
    await setMembership(db, other.id, managerId, 'viewer');
    t.equal((await get('/p/other-place/library/case-studies/56/link')).statusCode, 403, 'a viewer there may not link');
  });
});
