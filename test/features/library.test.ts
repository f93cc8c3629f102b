import t from 'tap';
import { readFile } from 'node:fs/promises';
import { sql } from 'kysely';
import type { CaseStudy, GoldenThread } from '../../seeds/library/parse.ts';
import { ensureLibraryLoaded } from '../../server/features/library/load.ts';
import { highlightedExcerpt, MATCH_END, MATCH_START, suggestionTerms, expansionsOf, textBlocks } from '../../server/features/library/search.ts';
import { buildTestApp, signIn } from '../helpers/app.ts';

const library = new URL('../../seeds/library/', import.meta.url);
const caseStudies = JSON.parse(await readFile(new URL('case-studies.json', library), 'utf8')) as CaseStudy[];
const threads = JSON.parse(await readFile(new URL('golden-threads.json', library), 'utf8')) as GoldenThread[];

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');
/** The case study numbers of a results page, in the order shown. */
const resultNumbers = (html: string) => [...html.matchAll(/<li class="ttc-library-result" data-case-study="(\d+)"/g)].map((m) => Number(m[1]));

t.test('the what works library', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const viewer = await signIn(app, 'viewer@demo.example');
  const get = (url: string, cookie = viewer.cookie) => app.inject({ method: 'GET', url, headers: { cookie, accept: 'text/html' } });
  const search = async (q: string, extra = '') => {
    const res = await get(`/library?q=${encodeURIComponent(q)}${extra}`);
    t.equal(res.statusCode, 200, `search ${q}`);
    return res;
  };

  t.test('searching for "fathers" puts the three fathers programmes first', async (t) => {
    const numbers = resultNumbers((await search('fathers')).body);
    // 95 Rochdale Fathers Programme, 92 Oxfordshire New fathers visiting programme, 87 NE Lincolnshire Lads and Dads
    t.same(numbers.slice(0, 3).sort(), [87, 92, 95]);
    t.equal(numbers[0], 95, 'the fathers programme first');
  });

  t.test('searching for "exclusion" puts Brent\'s reduction in exclusion first', async (t) => {
    const res = await search('exclusion');
    const numbers = resultNumbers(res.body);
    t.equal(numbers[0], 49, '49 Reduction in exclusion of black Caribbean students');
    t.ok(numbers.length >= 10, `and the others that mention exclusion (${numbers.length})`);
    t.match(text(res.body), /best match first/);
  });

  t.test('searching for "NEET" puts the Exeter project to reduce NEET first, and finds the long form too', async (t) => {
    const res = await search('NEET');
    const numbers = resultNumbers(res.body);
    t.equal(numbers[0], 56, '56 Exeter Project to reduce NEET to nil');
    t.ok(numbers.includes(37), '37 says "not in education, employment or training" without "NEET"');
    t.match(text(res.body), /Also searched for “not in education, employment or training”/);
  });

  t.test('searching for "forest school" puts the two forest schools first', async (t) => {
    const numbers = resultNumbers((await search('forest school')).body);
    t.same(numbers.slice(0, 2).sort((a, b) => a - b), [1, 94], '1 The Forest School approach and 94 Sunny Brow Forest School');
  });

  t.test('matches are marked in an excerpt, and the text is escaped', async (t) => {
    const res = await search('fathers');
    t.match(res.body, /<mark>fathers<\/mark>/i);
    t.equal(highlightedExcerpt(`a <b> & ${MATCH_START}word${MATCH_END} "x"`), 'a &lt;b&gt; &amp; <mark>word</mark> &quot;x&quot;');
    t.equal(highlightedExcerpt(`cut ${MATCH_START}short`), 'cut <mark>short</mark>', 'an unclosed mark is closed');
    t.equal(highlightedExcerpt(`the ${MATCH_START}middle${MATCH_END} of it`, 'From the middle of it all.'), '… the <mark>middle</mark> of it …');
    t.equal(highlightedExcerpt(`From the ${MATCH_START}start${MATCH_END}.`, 'From the start. And more.'), 'From the <mark>start</mark>.');
  });

  // Each expected case study was chosen by reading it: it is plainly about what the query asks, but does not use every
  // word of the query (or uses another name for it), so a search requiring every word missed it.
  const MULTI_WORD: [query: string, expected: number[], why: string][] = [
    ['fathers support programme', [92, 95, 87], '92 New fathers visiting programme never says "support"'],
    ['NEET young people', [56], '56 Exeter Project to reduce NEET to nil never says "young people"'],
    ['children in care tuition', [48], '48 Direct tuition for looked after children says "looked after children"'],
    ['persistent absence attendance', [90, 12, 13], '90 Persistent absenteeism programme says "absenteeism", not "absence"'],
    ['speech language therapy early years', [91, 28, 69], 'none uses all five words; 69 is the speech and language service'],
    ['child poverty tax credits', [58, 26, 109], '58 Access to tax credits, 26 and 109 on child poverty'],
    ['exclusion black caribbean pupils', [49, 10], '10 mentors Caribbean heritage students but does not mention exclusion'],
    ['forest school outdoor learning', [1, 94], '94 Sunny Brow Forest School never says "outdoor"'],
    ['teenage pregnancy parents course', [55, 105], '55 Delay Course and 105 The Maybe Baby Programme'],
    ['SALT early years', [91, 28], 'speech and language therapy, written out'],
    ['dads', [87, 92, 95], '92 and 95 say "fathers"'],
  ];
  t.test('multi-word searches find the case studies about them, all words first, then some, and say which', async (t) => {
    for (const [query, expected, why] of MULTI_WORD) {
      const res = await search(query);
      const numbers = resultNumbers(res.body);
      const top = numbers.slice(0, 6);
      for (const n of expected) t.ok(top.includes(n), `"${query}" finds ${n} among the first six (${why}); found ${top.join(', ') || 'none'}`);
    }
    const res = await search('fathers support programme');
    const body = text(res.body);
    const counts = /3 match all your words, then (\d+) match(?:es)? some of them\./.exec(body);
    t.ok(counts, 'the counts are stated');
    const numbers = resultNumbers(res.body);
    t.equal(numbers.length, 3 + Number(counts?.[1]), 'and add up to the results shown');
    t.same(numbers.slice(0, 3).sort(), [77, 87, 95], 'the three that use every word come first');
    t.equal(numbers[3], 92, 'then the fathers programme that does not say "support", before those that share only common words');
    const some = /<li class="ttc-library-result" data-case-study="92">([\s\S]*?)<\/li>/.exec(res.body)![1]!;
    t.match(text(some), /Matches some of your words “fathers”, “programme”/, 'and says which words it matched');
    t.notMatch(text(/<li class="ttc-library-result" data-case-study="95">([\s\S]*?)<\/li>/.exec(res.body)![1]!), /Matches some/, 'an all-words match is not marked');
  });

  t.test('a typo or a partial word still finds, and the page says what it searched for', async (t) => {
    const typo = await search('exclusoin');
    t.equal(resultNumbers(typo.body)[0], 49, 'the exclusion case study first');
    t.match(text(typo.body), /No case study uses “exclusoin”: searched for “exclusion” instead\./);
    t.ok(resultNumbers((await search('safegaurding parents')).body).includes(54), 'safegaurding → 54 Parent safeguarding champions');
    t.ok(resultNumbers((await search('safeguard')).body).includes(54), 'a partial word finds "safeguarding"');
    t.ok(resultNumbers((await search('mentor')).body).includes(10), 'a partial word finds "mentoring"');
    const abbreviation = await search('SALT');
    t.notMatch(text(abbreviation.body), /searched for “sal/, 'an abbreviation is not "corrected"');
    t.ok(resultNumbers(abbreviation.body).includes(91), 'SALT finds speech and language therapy');
  });

  t.test('synonyms work both ways', async (t) => {
    t.ok(resultNumbers((await search('LAC')).body).includes(48), 'LAC finds looked after children');
    t.ok(resultNumbers((await search('children in care')).body).includes(48), 'children in care finds looked after children');
    t.ok(resultNumbers((await search('speech and language therapy')).body).includes(91), 'the long form finds itself');
  });

  t.test('a search of nothing but common words finds nothing, and says so', async (t) => {
    const res = await search('the and of');
    t.same(resultNumbers(res.body), []);
    t.match(text(res.body), /No case studies match/);
  });

  t.test('web-search syntax: a quoted phrase and a left-out word', async (t) => {
    const phrase = resultNumbers((await search('"forest school" -rochdale')).body);
    t.same(phrase, [1], 'Rochdale\'s forest school left out');
  });

  t.test('filters: golden thread, subject, authority and part, alone and with a search', async (t) => {
    const byThread = resultNumbers((await get('/library?thread=culture-not-structure')).body);
    const expected = caseStudies.filter((c) => c.goldenThreads.includes('culture-not-structure')).map((c) => c.number);
    t.same(byThread, expected, 'the case studies with the thread, in number order');
    t.same(resultNumbers((await get('/library?subject=Teenage%20pregnancy')).body), [55, 105]);
    t.same(resultNumbers((await get('/library?authority=Rochdale')).body), [93, 94, 95]);
    t.equal(resultNumbers((await get('/library?part=A')).body).length, 43, '43 in part A');
    t.equal(resultNumbers((await get('/library?part=B')).body).length, 71, '71 in part B');
    t.same(resultNumbers((await search('forest school', '&authority=Rochdale')).body), [94]);
    t.same(resultNumbers((await search('fathers', '&part=A')).body), [], 'all three fathers programmes are in part B');
    const res = await get('/library?authority=Rochdale&part=B');
    t.match(text(res.body), /Authority: Rochdale — remove/);
    t.match(res.body, /href="\/library\?part=B">remove/, 'removing one filter keeps the other');
    t.equal(resultNumbers((await get('/library?part=C&thread=')).body).length, 114, 'a filter value that is not one is ignored');
  });

  t.test('a case study page: every field, its threads and subjects, and no contact details', async (t) => {
    const res = await get('/library/case-studies/5');
    t.equal(res.statusCode, 200);
    const body = text(res.body);
    t.match(body, /Case study 5/);
    t.match(body, /Data Book/);
    t.match(body, /Turning the Curve – Data Day/);
    t.match(body, /Why it works Because it provides coherent and focused information/);
    t.match(body, /Part A demonstrable impact on outcomes/);
    for (const slug of caseStudies[4]!.goldenThreads) t.match(res.body, new RegExp(`href="/library/threads/${slug}"`), `thread ${slug}`);
    t.match(res.body, /href="\/library\?subject=Data\+and\+knowledge\+management"/);
    t.notMatch(body, /@|Contact:/, 'no contact details');

    const partB = text((await get('/library/case-studies/107')).body);
    t.match(partB, /Outcomes and what is working What works is effective leadership/);
    t.notMatch(partB, /Why it works/, 'part B has no separate "why it works"');
  });

  t.test('a golden thread\'s page lists its case studies', async (t) => {
    const thread = threads.find((g) => g.slug === 'prove-it')!;
    const res = await get('/library/threads/prove-it');
    t.equal(res.statusCode, 200);
    const body = text(res.body);
    t.match(body, /Golden thread 9 of the top 10/);
    t.match(body, /This means/);
    t.match(body, /'outcomes based accountability' as a framework/);
    const listed = [...res.body.matchAll(/<tr class="govuk-table__row" data-case-study="(\d+)"/g)].map((m) => Number(m[1]));
    const expected = caseStudies.filter((c) => c.goldenThreads.includes('prove-it')).map((c) => c.number);
    t.same(listed, expected, `the ${expected.length} case studies tagged "${thread.name}"`);
    t.match(body, new RegExp(`${expected.length} case studies with this thread`));

    const extra = text((await get('/library/threads/it-takes-a-community')).body);
    t.match(extra, /from the longer list of 12/);
    const index = await get('/library/threads');
    t.equal(index.statusCode, 200);
    for (const g of threads) t.match(index.body, `href="/library/threads/${g.slug}"`);
  });

  t.test('unknown case studies and threads are 404 pages', async (t) => {
    for (const url of ['/library/case-studies/999', '/library/case-studies/abc', '/library/case-studies/0', '/library/threads/no-such-thread', '/library/threads/BAD_SLUG']) {
      const res = await get(url);
      t.equal(res.statusCode, 404, url);
    }
  });

  t.test('every page of the library needs a signed-in user, and any signed-in user may read it', async (t) => {
    for (const url of ['/library', '/library/case-studies/1', '/library/threads', '/library/threads/prove-it']) {
      const anonymous = await app.inject({ method: 'GET', url });
      t.equal(anonymous.statusCode, 303, `${url} signed out`);
      t.match(anonymous.headers.location, /^\/sign-in\?next=/);
    }
    // a user who belongs to no partnership
    const { createUser } = await import('../../server/features/accounts/queries.ts');
    await createUser(database.db, { email: 'reader@example.org', name: 'Rea Der', password: 'a-long-enough-password' });
    const outsider = await signIn(app, 'reader@example.org', 'a-long-enough-password');
    t.equal((await get('/library/case-studies/1', outsider.cookie)).statusCode, 200);
  });

  t.test('the indicator page suggests case studies from the library', async (t) => {
    const res = await get('/p/coventry/indicators/PERMANENT_EXCLUSION_RATE');
    t.equal(res.statusCode, 200);
    t.match(text(res.body), /Case studies that may help/);
    t.match(res.body, /href="\/library\/case-studies\/49"/, 'Brent\'s reduction in exclusion');
    const neet = await get('/p/coventry/indicators/NEET_16_17');
    t.match(neet.body, /href="\/library\/case-studies\/56"/, 'the Exeter NEET project');
  });

  t.test('the library is reloaded at start-up when the seed files change, and only then', async (t) => {
    t.equal(await ensureLibraryLoaded(database.db), false, 'the migration loaded the same files');
    await database.db.updateTable('case_study').set({ title: 'Changed' }).where('number', '=', 1).execute();
    await database.db.updateTable('library_source').set({ sha256: 'older' }).execute();
    t.equal(await ensureLibraryLoaded(database.db), true, 'a different hash reloads');
    const row = await database.db.selectFrom('case_study').select('title').where('number', '=', 1).executeTakeFirstOrThrow();
    t.equal(row.title, 'The Forest School approach');
    const counts = await sql<{ studies: number; links: number; threads: number }>`select
      (select count(*)::int from case_study) as studies,
      (select count(*)::int from case_study_golden_thread) as links,
      (select count(*)::int from golden_thread) as threads`.execute(database.db);
    t.same(counts.rows[0], {
      studies: 114,
      links: caseStudies.reduce((n, c) => n + c.goldenThreads.length, 0),
      threads: 12,
    });
  });
});

t.test('search helpers', async (t) => {
  t.same(textBlocks('One\ntwo.\n\n- a\n- b\n\nThree.'), [
    { kind: 'paragraph', text: 'One two.' },
    { kind: 'list', items: ['a', 'b'] },
    { kind: 'paragraph', text: 'Three.' },
  ]);
  t.same(textBlocks(null), []);
  t.same(expansionsOf('NEET girls'), ['not in education, employment or training']);
  t.same(expansionsOf('neet or camhs'), ['not in education, employment or training', 'child and adolescent mental health services', 'child and adolescent mental health']);
  t.same(expansionsOf('children in care'), ['looked after children', 'children looked after', 'lac', 'cla'], 'a synonym list works both ways');
  t.same(expansionsOf('neetness'), [], 'whole words only');
  const terms = suggestionTerms('16 and 17 year olds not in education, employment or training (NEET)');
  t.ok(terms.words.includes('neet') && terms.words.includes('education'));
  t.notOk(terms.words.includes('year') || terms.words.includes('olds'), 'how it is measured is left out');
  t.ok(terms.phrases.includes('not in education, employment or training'));
  t.ok(suggestionTerms('Children looked after').phrases.includes('looked after'));
  t.ok(suggestionTerms('Suspension rate').words.includes('exclusion'), 'a related term');
});
