// Explore-education-statistics files by term, quarter and month (test/fixtures/ees, docs/method.md "Periods and
// markers"): quarters and months are imported as our periods; terms are refused, naming the identifier, its lines and
// what is read, and nothing is saved — the uploaded file stays with the import.
import fs from 'node:fs';
import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { buildTestApp, form, signIn, type Session } from '../helpers/app.ts';

/** A file upload as a browser sends it (multipart/form-data). */
async function upload(app: FastifyInstance, s: Session, url: string, file: { filename: string; content: Buffer }) {
  const boundary = `----ttc${Math.random().toString(16).slice(2)}`;
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${s.csrf}\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.filename}"\r\nContent-Type: text/csv\r\n\r\n`),
    file.content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return app.inject({ method: 'POST', url, headers: { cookie: s.cookie, accept: 'text/html', 'content-type': `multipart/form-data; boundary=${boundary}` }, payload });
}

const readEes = (name: string) => fs.readFileSync(new URL(`../fixtures/ees/${name}`, import.meta.url));
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');
const counts = (html: string) => Object.fromEntries([...html.matchAll(/data-testid="count-(\w+)">(\d+)</g)].map((m) => [m[1], Number(m[2])]));
const READS = 'This tracker reads "Academic year", "Calendar year", "Calendar year Q1" to "Q4", "Financial year", "Financial year Q1" to "Q4", "Reporting year" and the months "January" to "December"';

t.test('explore education statistics time identifiers', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const officer = await signIn(app, 'officer@demo.example');
  const get = (url: string) => app.inject({ method: 'GET', url, headers: { cookie: officer.cookie, accept: 'text/html' } });
  const post = (url: string, values: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url, headers: { cookie: officer.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: form({ _csrf: officer.csrf, ...values }) });
  const priority = await db.selectFrom('priority').select('id').where('title', '=', 'Improve school attendance').executeTakeFirstOrThrow();
  const figures = (code: string) =>
    db
      .selectFrom('observation')
      .innerJoin('series', 'series.id', 'observation.series_id')
      .innerJoin('indicator', 'indicator.id', 'series.indicator_id')
      .select(['series.role', 'observation.period_label', 'observation.value', 'observation.marker'])
      .where('indicator.code', '=', code)
      .orderBy('series.role')
      .orderBy('observation.period_position')
      .execute();
  const newIndicator = (code: string, column: string, filters: Record<string, string>) => ({
    area: 'Local authority|E08000026',
    ...filters,
    indicatorColumn: column,
    indicatorCode: '__new',
    newCode: code,
    newTitle: `Test ${code}`,
    newUnit: 'percentage',
    newPolarity: 'lower',
    newDecimals: '1',
    priorityId: priority.id,
    series: 'local',
    comparators: 'yes',
  });

  t.test('terms are refused by name, with their lines and what is read; nothing is saved and the file is kept', async (t) => {
    const up = await upload(app, officer, '/p/coventry/data/ees', { filename: 'absence_terms_la.csv', content: readEes('absence_terms_la.csv') });
    t.equal(up.statusCode, 303);
    const mappingUrl = up.headers.location as string;
    const page = await get(mappingUrl);
    t.equal(page.statusCode, 200);
    const shown = text(page.body);
    t.match(shown, /The file has 1 period \(2023\/24\), measured by academic year/, 'only the academic year is a period of ours');
    t.match(shown, /Some rows have a time period this tracker cannot read\. They are not imported: if the figures you choose include any of them, the import is refused and nothing is saved/);
    for (const [lines, identifier, period, why] of [
      ['lines 6, 7, 8 and 9', 'Autumn term', '202425', '"Autumn term" is a school term: this tracker has no term periods'],
      ['lines 10, 11, 12 and 13', 'Spring term', '202425', '"Spring term" is a school term'],
      ['lines 14, 15, 16 and 17', 'Autumn and spring term', '202425', '"Autumn and spring term" is two school terms together'],
      ['lines 18, 19, 20 and 21', 'Summer term', '202324', '"Summer term" is a school term'],
    ]) {
      t.ok(shown.includes(`${lines}: time_identifier "${identifier}" with time_period "${period}" cannot be read: ${why}`), `${identifier} is named with its lines`);
    }
    t.equal(shown.split(READS).length - 1, 4, 'each says what is read');

    const mapped = await post(mappingUrl, newIndicator('TERM_ABSENCE', 'sess_overall_percent', { 'filter-education_phase': 'Total' }));
    t.equal(mapped.statusCode, 303, text(mapped.body).slice(0, 300));
    const preview = await get(mapped.headers.location as string);
    const previewText = text(preview.body);
    t.match(previewText, /Nothing can be imported until every row is right/);
    t.match(counts(preview.body), { problems: 12 }, 'Coventry, England and the West Midlands in four refused periods');
    t.match(previewText, /Coventry, line 9 time_identifier time_identifier "Autumn term" with time_period "202425" cannot be read: "Autumn term" is a school term/);
    t.match(previewText, /England, line 18 time_identifier time_identifier "Summer term"/);
    t.notMatch(preview.body, /\/confirm"/, 'no confirm button');
    const id = /imports\/([0-9a-f-]{36})/.exec(mapped.headers.location as string)![1]!;
    await post(`/p/coventry/imports/${id}/confirm`);
    t.same(await figures('TERM_ABSENCE'), [], 'nothing saved');
    t.notOk(await db.selectFrom('indicator').select('id').where('code', '=', 'TERM_ABSENCE').executeTakeFirst(), 'no indicator created');

    const kept = await db.selectFrom('data_import').select(['file_name', 'source_text']).where('id', '=', id).executeTakeFirstOrThrow();
    t.equal(kept.file_name, 'absence_terms_la.csv');
    t.equal(kept.source_text, readEes('absence_terms_la.csv').toString('utf8'), 'the uploaded file is kept with the import');
    const again = await get(mappingUrl);
    t.equal(again.statusCode, 200, 'the choices can be made again without uploading again');
    t.match(text(again.body), /lines 6, 7, 8 and 9: time_identifier "Autumn term"/);
  });

  t.test('a file of terms only: the choices are refused with the reason, and the input is kept', async (t) => {
    const termsOnly = readEes('absence_terms_la.csv').toString('utf8').split('\n').filter((line) => !line.includes(',Academic year,')).join('\n');
    const up = await upload(app, officer, '/p/coventry/data/ees', { filename: 'absence_autumn.csv', content: Buffer.from(termsOnly) });
    t.equal(up.statusCode, 303);
    const page = await get(up.headers.location as string);
    t.match(text(page.body), /The file has no period this tracker reads\./);
    t.match(text(page.body), /lines 2, 3, 4 and 5: time_identifier "Autumn term"/);
    const refused = await post(up.headers.location as string, newIndicator('AUTUMN_ABSENCE', 'sess_overall_percent', { 'filter-education_phase': 'Total' }));
    t.equal(refused.statusCode, 400);
    t.match(text(refused.body), /There is a problem No row of the file has a time period this tracker reads \(each is listed above with the reason\): nothing in it can be imported/);
    t.match(refused.body, /id="newTitle" name="newTitle" type="text" value="Test AUTUMN_ABSENCE"/, 'the input is kept');
    t.notOk(await db.selectFrom('indicator').select('id').where('code', '=', 'AUTUMN_ABSENCE').executeTakeFirst(), 'nothing saved');
  });

  t.test('financial and calendar year quarters become financial year quarters', async (t) => {
    const up = await upload(app, officer, '/p/coventry/data/ees', { filename: 'care_leavers_quarters_la.csv', content: readEes('care_leavers_quarters_la.csv') });
    t.equal(up.statusCode, 303);
    const page = await get(up.headers.location as string);
    t.match(text(page.body), /The file has 4 periods \(2024-25 Q1, 2024-25 Q2, 2024-25 Q3, 2024-25 Q4\), measured by financial year quarter/);
    t.notMatch(page.body, /period-problems/);
    const mapped = await post(up.headers.location as string, newIndicator('CARE_LEAVERS_EET_Q', 'pt_eet', { 'filter-breakdown': 'Care leavers aged 19 to 21', newPolarity: 'higher' }));
    t.equal(mapped.statusCode, 303, text(mapped.body).slice(0, 300));
    const preview = await get(mapped.headers.location as string);
    t.match(counts(preview.body), { create: 12, problems: 0 });
    const id = /imports\/([0-9a-f-]{36})/.exec(mapped.headers.location as string)![1]!;
    t.equal((await post(`/p/coventry/imports/${id}/confirm`)).statusCode, 303);
    const local = (await figures('CARE_LEAVERS_EET_Q')).filter((f) => f.role === 'local');
    t.same(local.map((f) => [f.period_label, f.value]), [['2024-25 Q1', 59.8], ['2024-25 Q2', 60.5], ['2024-25 Q3', 61.1], ['2024-25 Q4', 61.9]], 'Calendar year Q1 2025 is January to March 2025: 2024-25 Q4');
  });

  t.test('months become months, across the turn of the year, with a suppressed figure kept as c', async (t) => {
    const up = await upload(app, officer, '/p/coventry/data/ees', { filename: 'neet_months_la.csv', content: readEes('neet_months_la.csv') });
    t.equal(up.statusCode, 303);
    const page = await get(up.headers.location as string);
    t.match(text(page.body), /The file has 4 periods \(2024-12, 2025-01, 2025-02, 2025-03\), measured by month/);
    const mapped = await post(up.headers.location as string, newIndicator('NEET_MONTHLY', 'pt_neet_not_known', { 'filter-age': '16 and 17' }));
    t.equal(mapped.statusCode, 303, text(mapped.body).slice(0, 300));
    const preview = await get(mapped.headers.location as string);
    t.match(counts(preview.body), { create: 12, problems: 0 });
    const id = /imports\/([0-9a-f-]{36})/.exec(mapped.headers.location as string)![1]!;
    t.equal((await post(`/p/coventry/imports/${id}/confirm`)).statusCode, 303);
    const local = (await figures('NEET_MONTHLY')).filter((f) => f.role === 'local');
    t.same(local.map((f) => [f.period_label, f.value, f.marker]), [['2024-12', 6.1, null], ['2025-01', 5.8, null], ['2025-02', null, 'c'], ['2025-03', 5.5, null]]);
  });
});
