import t from 'tap';
import { insertPartnershipFromSeed, readDemoSeed } from '../../seeds/demo-loader.ts';
import { clearDemoNarrative } from '../helpers/demo-narrative.ts';
import { buildTestApp, signIn, type Session } from '../helpers/app.ts';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');

t.test('what works: ideas and evidence for an indicator or a priority', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const manager = await signIn(app, 'manager@demo.example');
  const viewer = await signIn(app, 'viewer@demo.example');
  const page = (url: string, session: Session = viewer) => app.inject({ method: 'GET', url, headers: { cookie: session.cookie, accept: 'text/html' } });
  const post = (url: string, values: Record<string, string>, session: Session = manager) =>
    app.inject({ method: 'POST', url, headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: new URLSearchParams({ _csrf: session.csrf, ...values }).toString() });
  const indicator = '/p/coventry/indicators/NEET_16_17';
  // The entries below are the only ones on this indicator: the demo's (seeds/demo/year-of-use.ts) are taken off first.
  const coventry = await database.db.selectFrom('partnership').select('id').where('slug', '=', 'coventry').executeTakeFirstOrThrow();
  await clearDemoNarrative(database.db, coventry.id, { indicatorCodes: ['NEET_16_17'] });

  t.test('a manager records what works; the cheapest ideas come first, and a missing no-cost idea is flagged', async (t) => {
    t.equal((await page(`${indicator}/what-works/new`)).statusCode, 403, 'viewers read only');
    const funded = await post(`${indicator}/what-works`, {
      title: 'Intensive personal advisers for care leavers',
      description: 'One adviser for every **15** young people.',
      evidence_level: 'demonstrable',
      cost: 'funded',
      source: 'Case study of another authority',
      source_url: 'https://example.org/evaluation',
    });
    t.equal(funded.statusCode, 303);
    t.equal(funded.headers.location, `${indicator}#what-works`);
    let shown = text((await page(indicator)).body);
    t.match(shown, /What works Intensive personal advisers for care leavers Needs funding Evidence: Demonstrable impact One adviser for every 15 young people\./);
    t.match(shown, /No no-cost or low-cost idea yet: turning the curve asks for at least one/);

    await post(`${indicator}/what-works`, { title: 'Share the September Guarantee list with youth workers', evidence_level: 'idea', cost: 'no_cost' });
    shown = text((await page(indicator)).body);
    t.match(shown, /What works Share the September Guarantee list with youth workers No cost .* Intensive personal advisers/, 'no-cost first');
    t.notMatch(shown, /No no-cost or low-cost idea yet/);
    t.match((await page(indicator)).body, /<a class="govuk-link" href="https:\/\/example.org\/evaluation" rel="noopener noreferrer">/);
  });

  t.test('bad input is shown on the form with the input kept', async (t) => {
    const res = await post(`${indicator}/what-works`, { title: '', description: 'kept text', evidence_level: 'proven', cost: '', source_url: 'javascript:alert(1)' });
    t.equal(res.statusCode, 400);
    t.match(res.body, /href="#title">Enter a title for what works/);
    t.match(res.body, /href="#evidence_level">Choose how strong the evidence is/);
    t.match(res.body, /href="#cost">Choose what it would cost/);
    t.match(res.body, /href="#source_url">Enter a web address that starts with https:\/\/ or http:\/\//);
    t.match(res.body, />kept text<\/textarea>/);
    t.match(res.body, /value="javascript:alert\(1\)"/, 'kept, but only as text in the field');
  });

  t.test('a priority has its own what works; an entry can be changed and deleted', async (t) => {
    const priority = await db.selectFrom('indicator').select('priority_id').where('code', '=', 'NEET_16_17').executeTakeFirstOrThrow();
    const url = `/p/coventry/priorities/${priority.priority_id}`;
    t.equal((await post(`${url}/what-works`, { title: 'Careers fairs with local employers', evidence_level: 'some_evidence', cost: 'low_cost' })).statusCode, 303);
    t.match(text((await page(url)).body), /What works Careers fairs with local employers Low cost Evidence: Some evidence of impact/);
    const entry = await db.selectFrom('what_works').select('id').where('title', 'like', 'Careers fairs%').executeTakeFirstOrThrow();
    const edit = await page(`/p/coventry/what-works/${entry.id}/edit`, manager);
    t.match(edit.body, /value="low_cost" checked/);
    t.equal((await post(`/p/coventry/what-works/${entry.id}`, { title: 'Careers fairs with employers', evidence_level: 'some_evidence', cost: 'no_cost' })).statusCode, 303);
    t.match(text((await page(url)).body), /Careers fairs with employers No cost/);
    t.equal((await post(`/p/coventry/what-works/${entry.id}/delete`, {})).statusCode, 303);
    t.notMatch(text((await page(url)).body), /Careers fairs/);
  });

  t.test('the case-study library can be linked without changing the model', async (t) => {
    const entry = await db.selectFrom('what_works').select('id').where('title', 'like', 'Share the September%').executeTakeFirstOrThrow();
    await db.updateTable('what_works').set({ case_study_number: 23 }).where('id', '=', entry.id).execute();
    t.match(text((await page(indicator)).body), /case study 23 of the what-works library/);
    const edit = await post(`/p/coventry/what-works/${entry.id}`, { title: 'Share the September Guarantee list', evidence_level: 'idea', cost: 'no_cost' });
    t.equal(edit.statusCode, 303);
    const after = await db.selectFrom('what_works').select('case_study_number').where('id', '=', entry.id).executeTakeFirstOrThrow();
    t.equal(after.case_study_number, 23, 'editing the entry keeps its link to the library');
  });

  t.test("another partnership's entries are not found", async (t) => {
    const otherId = await db.transaction().execute(async (trx) => insertPartnershipFromSeed(trx, await readDemoSeed(), 'other'));
    const theirIndicator = await db.selectFrom('indicator').select('id').where('partnership_id', '=', otherId).executeTakeFirstOrThrow();
    const theirs = await db
      .insertInto('what_works')
      .values({ partnership_id: otherId, indicator_id: theirIndicator.id, title: 'Theirs', evidence_level: 'idea', cost: 'no_cost', source_url: null, case_study_number: null, created_by: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    t.equal((await page(`/p/coventry/what-works/${theirs.id}/edit`, manager)).statusCode, 404);
    t.equal((await post(`/p/coventry/what-works/${theirs.id}/delete`, {})).statusCode, 404);
    t.ok(await db.selectFrom('what_works').select('id').where('id', '=', theirs.id).executeTakeFirst());
  });
});
