import t from 'tap';
import { compareAssessments, londonToday, parseAssessmentForm, parseDateFields } from '../../server/features/self-assessment/assessment.ts';
import { createPartnership, findUserId, setMembership } from '../../server/features/accounts/queries.ts';
import { deleteAssessment, listAssessments } from '../../server/features/self-assessment/queries.ts';
import { buildTestApp, csrfFrom, form, signIn, type Session } from '../helpers/app.ts';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');
const STATEMENTS = Array.from({ length: 17 }, (_, i) => i + 1);

t.test('gap-narrowing self-assessment pages', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const viewer = await signIn(app, 'viewer@demo.example');
  const manager = await signIn(app, 'manager@demo.example');
  const get = (url: string, who: Session = viewer) => app.inject({ method: 'GET', url, headers: { cookie: who.cookie, accept: 'text/html' } });
  const post = (url: string, values: Record<string, string>, who: Session = manager) =>
    app.inject({ method: 'POST', url, headers: { cookie: who.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: form({ _csrf: who.csrf, ...values }) });
  const date = (iso: string) => {
    const [y, m, d] = iso.split('-');
    return { 'assessed-on-day': String(Number(d)), 'assessed-on-month': String(Number(m)), 'assessed-on-year': y! };
  };
  // These pages are tried from a partnership's first assessment: the demo's two (seeds/demo/year-of-use.ts) are
  // taken away first, as a manager would delete them.
  const coventry = await database.db.selectFrom('partnership').select('id').where('slug', '=', 'coventry').executeTakeFirstOrThrow();
  for (const a of await listAssessments(database.db, coventry.id)) await deleteAssessment(database.db, coventry.id, a.id);

  let first = '';
  let second = '';

  t.test('the partnership navigation links to it, and a viewer can read but not record', async (t) => {
    const home = await get('/p/coventry');
    t.match(home.body, /href="\/p\/coventry\/self-assessment">Gap-narrowing self-assessment</);
    const index = await get('/p/coventry/self-assessment');
    t.equal(index.statusCode, 200);
    const body = text(index.body);
    t.match(body, /No assessment has been recorded yet/);
    t.match(body, /there must be ambition, commitment, energy and focus/, 'principle i');
    t.match(body, /xi\. data and information is shared/, 'principle xi');
    t.notMatch(index.body, /Record an assessment/);
    t.equal((await get('/p/coventry/self-assessment/new')).statusCode, 403);
    t.equal((await post('/p/coventry/self-assessment', { ...date('2024-03-01'), 'rating-6': 'developing', 'evidence-6': 'x' }, viewer)).statusCode, 403);
  });

  t.test('a manager records an assessment', async (t) => {
    const index = await get('/p/coventry/self-assessment', manager);
    t.match(index.body, /href="\/p\/coventry\/self-assessment\/new"/);
    const blank = await get('/p/coventry/self-assessment/new', manager);
    t.equal(blank.statusCode, 200);
    t.match(text(blank.body), /Local government.*6\. .*Schools.*13\. /s, 'statements by strand');
    t.notMatch(blank.body, /start as they were/, 'nothing to start from yet');

    const res = await post('/p/coventry/self-assessment', {
      ...date('2024-03-14'),
      title: 'Partnership board review',
      'rating-6': 'not_yet',
      'owner-6': 'Director of Children\'s Services',
      'rating-7': 'developing',
      'evidence-7': 'Two localities pool budgets for early help.',
      'owner-7': 'Head of Early Help',
      'rating-13': 'established',
      'evidence-13': 'Every school improvement plan names its gap-narrowing targets.',
      'rating-17': 'developing',
      'evidence-17': 'Parent forums in three schools.',
    });
    t.equal(res.statusCode, 303);
    first = /\/self-assessment\/([0-9a-f-]{36})$/.exec(res.headers.location as string)![1]!;
    const page = await get(res.headers.location as string);
    t.equal(page.statusCode, 200);
    const body = text(page.body);
    t.match(body, /14 March 2024: Partnership board review/);
    t.match(body, /Recorded by Mina Manager/);
    t.match(body, /7\. .* Rating Developing — needs action Evidence Two localities pool budgets for early help\. Owner Head of Early Help/);
    t.match(body, /13\. .* Rating Established Evidence Every school improvement plan/);
    t.match(body, /Not assessed 13/, '13 statements not assessed');
  });

  t.test('a form with mistakes comes back with the values kept and each error by its field', async (t) => {
    const res = await post('/p/coventry/self-assessment', {
      'assessed-on-day': '31',
      'assessed-on-month': '2',
      'assessed-on-year': '2025',
      'rating-8': 'established',
      'evidence-8': '',
      'owner-8': 'Someone kept',
      'rating-9': 'excellent',
    });
    t.equal(res.statusCode, 400);
    const body = text(res.body);
    t.match(body, /There is a problem/);
    t.match(res.body, /href="#assessed-on-day">The date of the assessment must be a real date/);
    t.match(res.body, /href="#evidence-8">Statement 8: say what shows it is established/);
    t.match(res.body, /href="#rating-9">Statement 9: choose a rating from the scale/);
    t.match(res.body, /id="owner-8" name="owner-8" type="text" value="Someone kept"/, 'the owner typed is kept');
    t.match(res.body, /id="assessed-on-day" name="assessed-on-day" type="text" inputmode="numeric" value="31"/);
    t.match(res.body, /id="rating-8-established" name="rating-8" type="radio" value="established" checked/);

    const nothing = await post('/p/coventry/self-assessment', { ...date('2024-01-01') });
    t.equal(nothing.statusCode, 400);
    t.match(nothing.body, /Rate at least one statement/);
    const future = await post('/p/coventry/self-assessment', { 'assessed-on-day': '1', 'assessed-on-month': '1', 'assessed-on-year': '2999', 'rating-6': 'not_yet' });
    t.match(future.body, /must be today or in the past/);
    const count = await database.db.selectFrom('self_assessment').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    t.equal(Number(count.n), 1, 'nothing was saved');
  });

  t.test('the second assessment starts from the first, and can be compared with it', async (t) => {
    const start = await get('/p/coventry/self-assessment/new', manager);
    t.match(text(start.body), /start as they were in the assessment of 14 March 2024 \(Partnership board review\)/);
    t.match(start.body, /Two localities pool budgets for early help\./, 'the evidence carried over');
    t.match(start.body, /id="rating-7-developing" name="rating-7" type="radio" value="developing" checked/);

    const res = await post('/p/coventry/self-assessment', {
      ...date('2025-03-20'),
      'rating-6': 'developing',
      'evidence-6': 'A gap-narrowing lead in the CYP Plan.',
      'owner-6': 'Director of Children\'s Services',
      'rating-7': 'established',
      'evidence-7': 'All localities pool budgets for early help.',
      'owner-7': 'Head of Early Help',
      'rating-13': 'developing',
      'evidence-13': 'Half of the school improvement plans name gap targets.',
      'rating-14': 'embedded',
      'evidence-14': 'Pupil premium reviews in every school.',
    });
    t.equal(res.statusCode, 303);
    second = /\/self-assessment\/([0-9a-f-]{36})$/.exec(res.headers.location as string)![1]!;

    const index = await get('/p/coventry/self-assessment');
    const body = text(index.body);
    t.ok(body.indexOf('20 March 2025') < body.indexOf('14 March 2024'), 'newest first');
    t.match(index.body, new RegExp(`<option value="${first}" selected>`), 'compare the earlier');
    t.match(index.body, new RegExp(`<option value="${second}" selected>`), 'with the later');

    const show = await get(`/p/coventry/self-assessment/${second}`);
    t.match(show.body, new RegExp(`href="/p/coventry/self-assessment/compare\\?from=${first}&amp;to=${second}"`), 'what moved since the one before');

    const compare = await get(`/p/coventry/self-assessment/compare?from=${first}&to=${second}`);
    t.equal(compare.statusCode, 200);
    const moved = text(compare.body);
    t.match(moved, /From 14 March 2024 \(Partnership board review\) to 20 March 2025/);
    t.match(moved, /Moved up 2 Moved down 1 No change 0 Newly rated 1 Not rated this time 1/);
    const movement = (n: number) => new RegExp(`data-statement="${n}" data-movement="([a-z_]+)"`).exec(compare.body)?.[1];
    t.equal(movement(6), 'up');
    t.equal(movement(7), 'up');
    t.equal(movement(13), 'down');
    t.equal(movement(14), 'newly_rated');
    t.equal(movement(17), 'no_longer_rated');
    t.equal(movement(1), undefined, 'a statement rated in neither is not listed');
    t.match(moved, /Not rated in either 12 \(statements 1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 15, 16\)/);
    t.match(moved, /Average rating of the statements rated both times 2\.0 then 2\.3/);
    const reversed = await get(`/p/coventry/self-assessment/compare?from=${second}&to=${first}`);
    t.match(text(reversed.body), /From 14 March 2024 .* to 20 March 2025/, 'always earlier to later');
    t.equal((await get('/p/coventry/self-assessment/compare')).statusCode, 200, 'the latest two by default');
  });

  t.test('a manager corrects and deletes an assessment', async (t) => {
    const edit = await get(`/p/coventry/self-assessment/${first}/edit`, manager);
    t.equal(edit.statusCode, 200);
    t.match(edit.body, /id="assessed-on-day" name="assessed-on-day" type="text" inputmode="numeric" value="14"/);
    const res = await post(`/p/coventry/self-assessment/${first}`, { ...date('2024-03-15'), title: 'Board review (corrected)', 'rating-6': 'not_yet' });
    t.equal(res.statusCode, 303);
    const page = text((await get(`/p/coventry/self-assessment/${first}`)).body);
    t.match(page, /15 March 2024: Board review \(corrected\)/);
    t.match(page, /last changed by Mina Manager/);
    t.match(page, /Not assessed 16/, 'the ratings were replaced');

    t.equal((await get(`/p/coventry/self-assessment/${first}/delete`, viewer)).statusCode, 403);
    const confirm = await get(`/p/coventry/self-assessment/${first}/delete`, manager);
    t.match(text(confirm.body), /Delete the self-assessment of 15 March 2024\?/);
    const gone = await post(`/p/coventry/self-assessment/${first}/delete`, {});
    t.equal(gone.statusCode, 303);
    t.equal((await get(`/p/coventry/self-assessment/${first}`)).statusCode, 404);
    const ratings = await database.db.selectFrom('self_assessment_rating').select('statement_number').where('self_assessment_id', '=', first).execute();
    t.same(ratings, [], 'its ratings went with it');
    t.equal((await get('/p/coventry/self-assessment/compare')).statusCode, 404, 'nothing to compare with one assessment');
  });

  t.test('another partnership\'s assessment cannot be reached through this one', async (t) => {
    const other = await createPartnership(database.db, { slug: 'elsewhere', name: 'Elsewhere' });
    const managerId = (await findUserId(database.db, 'manager@demo.example'))!;
    await setMembership(database.db, other.id, managerId, 'manager');
    const res = await post('/p/elsewhere/self-assessment', { ...date('2025-01-10'), 'rating-6': 'not_yet' });
    t.equal(res.statusCode, 303);
    const foreign = /\/self-assessment\/([0-9a-f-]{36})$/.exec(res.headers.location as string)![1]!;
    t.equal((await get(`/p/coventry/self-assessment/${foreign}`, manager)).statusCode, 404);
    t.equal((await get(`/p/coventry/self-assessment/${foreign}/edit`, manager)).statusCode, 404);
    t.equal((await post(`/p/coventry/self-assessment/${foreign}`, { ...date('2025-01-10'), 'rating-6': 'embedded', 'evidence-6': 'forged' })).statusCode, 404);
    t.equal((await post(`/p/coventry/self-assessment/${foreign}/delete`, {})).statusCode, 404);
    t.equal((await get(`/p/coventry/self-assessment/compare?from=${foreign}&to=${second}`, manager)).statusCode, 404);
    t.equal((await get('/p/coventry/self-assessment/not-a-uuid')).statusCode, 404);
    const still = await database.db.selectFrom('self_assessment_rating').select('rating').where('self_assessment_id', '=', foreign).execute();
    t.same(still, [{ rating: 'not_yet' }], 'untouched');
    t.equal((await get('/p/elsewhere/self-assessment', viewer)).statusCode, 404, 'a non-member sees no such partnership');
  });
});

t.test('the self-assessment without I/O', async (t) => {
  const today = '2025-06-30';
  t.same(parseDateFields('30', '6', '2025', today), { date: '2025-06-30' });
  t.same(parseDateFields('1', '7', '2025', today), { error: 'The date of the assessment must be today or in the past' });
  t.same(parseDateFields('29', '2', '2023', today), { error: 'The date of the assessment must be a real date' });
  t.same(parseDateFields('', '2', '2023', today), { error: 'The date of the assessment must include a day' });
  t.same(parseDateFields('', '', '', today), { error: 'Enter the date of the assessment' });
  t.match(londonToday(new Date('2025-06-30T23:30:00Z')), '2025-07-01', 'the date in England, in summer time');

  const parsed = parseAssessmentForm({ 'assessed-on-day': '1', 'assessed-on-month': '3', 'assessed-on-year': '2025', 'rating-2': 'not_yet', 'owner-3': '  Someone  ', 'evidence-4': 'x\r\ny' }, STATEMENTS, today);
  t.same(parsed.errors, []);
  t.same(parsed.input?.entries, [
    { statementNumber: 2, rating: 'not_yet', evidence: '', owner: '' },
    { statementNumber: 3, rating: null, evidence: '', owner: 'Someone' },
    { statementNumber: 4, rating: null, evidence: 'x\ny', owner: '' },
  ], 'a "not yet" needs no evidence; an owner or evidence alone is kept');

  const { statements, summary } = compareAssessments(
    [1, 2, 3, 4],
    [{ statement_number: 1, rating: 'not_yet', evidence: 'a', owner: '' }, { statement_number: 2, rating: 'embedded', evidence: '', owner: '' }],
    [{ statement_number: 1, rating: 'established', evidence: 'b', owner: '' }, { statement_number: 2, rating: 'embedded', evidence: '', owner: '' }, { statement_number: 3, rating: 'developing', evidence: '', owner: '' }],
  );
  t.same(statements.map((s) => [s.movement, s.steps]), [['up', 2], ['same', 0], ['newly_rated', 0], ['not_rated', 0]]);
  t.equal(statements[0]!.evidenceChanged, true);
  t.same({ ...summary }, { up: 1, down: 0, same: 1, newlyRated: 1, noLongerRated: 0, notRated: 1, meanBefore: 2.5, meanAfter: 3.5 });
});
