import t from 'tap';
import { insertPartnershipFromSeed, readDemoSeed } from '../../seeds/demo-loader.ts';
import { buildTestApp, signIn, type Session } from '../helpers/app.ts';
import { deleteItem, listItems } from '../../server/features/data-development/queries.ts';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');

t.test('the data development agenda', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const manager = await signIn(app, 'manager@demo.example');
  const viewer = await signIn(app, 'viewer@demo.example');
  const page = (url: string, session: Session = viewer) => app.inject({ method: 'GET', url, headers: { cookie: session.cookie, accept: 'text/html' } });
  const post = (url: string, values: Record<string, string>, session: Session = manager) =>
    app.inject({ method: 'POST', url, headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: new URLSearchParams({ _csrf: session.csrf, ...values }).toString() });
  const absence = await db.selectFrom('indicator').select(['id', 'priority_id']).where('code', '=', 'PERSISTENT_ABSENCE').executeTakeFirstOrThrow();
  const neet = await db.selectFrom('indicator').select(['id', 'priority_id']).where('code', '=', 'NEET_16_17').executeTakeFirstOrThrow();
  const officer = await db.selectFrom('app_user').select('id').where('email', '=', 'officer@demo.example').executeTakeFirstOrThrow();
  // The agenda is tried from empty: the demo's items (seeds/demo/year-of-use.ts) are taken off first, as a manager would.
  const coventry = await db.selectFrom('partnership').select('id').where('slug', '=', 'coventry').executeTakeFirstOrThrow();
  for (const item of await listItems(db, coventry.id)) await db.transaction().execute((trx) => deleteItem(trx, coventry.id, item.id));
  const list = async () => {
    const body = text((await page('/p/coventry/data-development')).body);
    return [...body.matchAll(/(\d+)\. (Absence of children in need|Young carers known to schools|NEET by ethnicity)/g)].map((m) => `${m[1]}. ${m[2]}`);
  };

  t.test('a manager adds wanted measures, with an owner and how the data could be got', async (t) => {
    const form = await page('/p/coventry/data-development/new?indicator=PERSISTENT_ABSENCE', manager);
    t.match(form.body, new RegExp(`<option value="${absence.id}" selected>`), 'the indicator is chosen');
    t.match(form.body, new RegExp(`<option value="${absence.priority_id}" selected>`), 'and its priority');
    const first = await post('/p/coventry/data-development', {
      title: 'Absence of children in need',
      description: 'We cannot see how children in need attend.',
      priority: absence.priority_id!,
      indicator: absence.id,
      how_to_get: 'Match the **school census** to the social care record, under the data-sharing agreement.',
      owner: officer.id,
      partner: '',
      status: 'wanted',
    });
    t.equal(first.statusCode, 303);
    await post('/p/coventry/data-development', { title: 'Young carers known to schools', priority: absence.priority_id!, indicator: '', how_to_get: 'A question in the school survey', owner: '', partner: '', status: 'in_progress' });
    await post('/p/coventry/data-development', { title: 'NEET by ethnicity', priority: neet.priority_id!, indicator: neet.id, how_to_get: '', owner: '', partner: '', status: 'wanted' });
    t.same(await list(), ['1. Absence of children in need', '2. Young carers known to schools', '3. NEET by ethnicity'], 'new measures join the end of the agenda');
    const agenda = await page('/p/coventry/data-development');
    t.match(agenda.body, /How the data could be got<\/p><p class="govuk-body">Match the <strong>school census<\/strong>/);
    t.match(text(agenda.body), /Owner: Olu Officer/);
  });

  t.test('the order is the partnership’s: managers move items up and down', async (t) => {
    const neetItem = await db.selectFrom('data_development_item').select('id').where('title', '=', 'NEET by ethnicity').executeTakeFirstOrThrow();
    t.equal((await post(`/p/coventry/data-development/${neetItem.id}/move`, { direction: 'up' })).statusCode, 303);
    t.equal((await post(`/p/coventry/data-development/${neetItem.id}/move`, { direction: 'up' })).statusCode, 303);
    t.same(await list(), ['1. NEET by ethnicity', '2. Absence of children in need', '3. Young carers known to schools']);
    await post(`/p/coventry/data-development/${neetItem.id}/move`, { direction: 'up' });
    t.same(await list(), ['1. NEET by ethnicity', '2. Absence of children in need', '3. Young carers known to schools'], 'the first stays first');
    t.equal((await post(`/p/coventry/data-development/${neetItem.id}/move`, { direction: 'up' }, viewer)).statusCode, 403);
  });

  t.test('shown per priority and on the indicator page, numbered by the partnership’s order', async (t) => {
    const priority = text((await page(`/p/coventry/priorities/${absence.priority_id}`)).body);
    t.match(priority, /Data development agenda .* 2\. Absence of children in need .* 3\. Young carers known to schools/);
    t.notMatch(priority, /NEET by ethnicity/);
    const indicator = text((await page('/p/coventry/indicators/PERSISTENT_ABSENCE')).body);
    t.match(indicator, /2\. Absence of children in need/);
    t.match(indicator, /3\. Young carers known to schools/, "the priority's items that are not about another indicator");
    t.notMatch(text((await page('/p/coventry/indicators/NEET_OR_NOT_KNOWN_16_17')).body), /NEET by ethnicity/, "another indicator's item is not shown");
  });

  t.test('bad input is shown on the form with the input kept; foreign ids are refused', async (t) => {
    const otherId = await db.transaction().execute(async (trx) => insertPartnershipFromSeed(trx, await readDemoSeed(), 'other'));
    const theirPriority = await db.selectFrom('priority').select('id').where('partnership_id', '=', otherId).executeTakeFirstOrThrow();
    const res = await post('/p/coventry/data-development', { title: '', how_to_get: 'kept', priority: theirPriority.id, indicator: 'nonsense', owner: '00000000-0000-4000-8000-000000000000', partner: '', status: 'wanted' });
    t.equal(res.statusCode, 400);
    t.match(res.body, /href="#title">Enter the measure you want/);
    t.match(res.body, />kept<\/textarea>/);
    const refs = await post('/p/coventry/data-development', { title: 'x', how_to_get: '', priority: theirPriority.id, indicator: 'nonsense', owner: '00000000-0000-4000-8000-000000000000', partner: '', status: 'wanted' });
    t.match(refs.body, /href="#priority">Choose a priority from the list/);
    t.match(refs.body, /href="#indicator">Choose an indicator from the list/);
    t.match(refs.body, /href="#owner">Choose an owner from the list/);
    const theirs = await db.insertInto('data_development_item').values({ partnership_id: otherId, title: 'Theirs', rank: 1 }).returning('id').executeTakeFirstOrThrow();
    t.equal((await page(`/p/coventry/data-development/${theirs.id}/edit`, manager)).statusCode, 404);
    t.equal((await post(`/p/coventry/data-development/${theirs.id}/move`, { direction: 'down' })).statusCode, 404);
    t.equal((await post(`/p/coventry/data-development/${theirs.id}/delete`, {})).statusCode, 404);
  });

  t.test('an item can be changed, and removed with the agenda renumbered', async (t) => {
    const item = await db.selectFrom('data_development_item').select('id').where('title', '=', 'Absence of children in need').executeTakeFirstOrThrow();
    const edit = await page(`/p/coventry/data-development/${item.id}/edit`, manager);
    t.match(edit.body, /value="wanted" checked/);
    t.equal((await post(`/p/coventry/data-development/${item.id}`, { title: 'Absence of children in need', priority: absence.priority_id!, indicator: absence.id, how_to_get: 'Done: monthly extract', owner: '', partner: '', status: 'available' })).statusCode, 303);
    t.match(text((await page('/p/coventry/data-development')).body), /Absence of children in need Data now available/);
    const neetItem = await db.selectFrom('data_development_item').select('id').where('title', '=', 'NEET by ethnicity').executeTakeFirstOrThrow();
    t.equal((await post(`/p/coventry/data-development/${neetItem.id}/delete`, {})).statusCode, 303);
    t.same(await list(), ['1. Absence of children in need', '2. Young carers known to schools']);
  });
});
