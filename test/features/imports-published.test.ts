// Published statistics: explore-education-statistics files (two real published files, in test/fixtures/ees) and
// the benchmark library (DfE LAIT), into the demo partnership and into a new Wakefield partnership.
import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import t, { type Test } from 'tap';
import { createPartnership, findUserId, setMembership } from '../../server/features/accounts/queries.ts';
import { buildTestApp, form, signIn, type Session } from '../helpers/app.ts';
import type { FastifyInstance } from 'fastify';

/** A file upload as a browser sends it (multipart/form-data). */
async function upload(app: FastifyInstance, s: Session, url: string, file: { filename: string; content: Buffer | string }) {
  const boundary = `----ttc${Math.random().toString(16).slice(2)}`;
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${s.csrf}\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.filename}"\r\nContent-Type: text/csv\r\n\r\n`),
    Buffer.isBuffer(file.content) ? file.content : Buffer.from(file.content),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return app.inject({ method: 'POST', url, headers: { cookie: s.cookie, accept: 'text/html', 'content-type': `multipart/form-data; boundary=${boundary}` }, payload });
}

const EES = new URL('../fixtures/ees/', import.meta.url);
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');
const counts = (html: string) => Object.fromEntries([...html.matchAll(/data-testid="count-(\w+)">(\d+)</g)].map((m) => [m[1], Number(m[2])]));
const readEes = (name: string) => {
  const path = new URL(name, EES);
  if (!fs.existsSync(path)) throw new Error(`the fixture ${path.pathname} is missing`);
  return fs.readFileSync(path);
};

t.test('explore education statistics files', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const officer = await signIn(app, 'officer@demo.example');
  const get = (url: string, s: Session = officer) => app.inject({ method: 'GET', url, headers: { cookie: s.cookie, accept: 'text/html' } });
  const post = (url: string, values: Record<string, string> = {}, s: Session = officer) =>
    app.inject({ method: 'POST', url, headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: form({ _csrf: s.csrf, ...values }) });
  const priority = await db.selectFrom('priority').select('id').where('title', '=', 'Narrow the attainment gap for disadvantaged pupils').executeTakeFirstOrThrow();
  const attendance = await db.selectFrom('priority').select('id').where('title', '=', 'Improve school attendance').executeTakeFirstOrThrow();
  const figures = (code: string) =>
    db
      .selectFrom('observation')
      .innerJoin('series', 'series.id', 'observation.series_id')
      .innerJoin('indicator', 'indicator.id', 'series.indicator_id')
      .select(['series.role', 'series.label', 'observation.period_label', 'observation.value', 'observation.marker', 'observation.status'])
      .where('indicator.code', '=', code)
      .execute();

  /** The rows of the file for an area, as the file has them (read here with csv-parse, not the importer). */
  const fileRows = (name: string, where: (r: Record<string, string>) => boolean) =>
    (parse(readEes(name), { columns: true, bom: true }) as Record<string, string>[]).filter(where);
  const periodLabel = (tp: string) => `${tp.slice(0, 4)}/${tp.slice(4)}`;
  const expectMatch = async (t: Test, code: string, name: string, column: string, filter: (r: Record<string, string>) => boolean, status: (r: Record<string, string>) => string) => {
    const stored = await figures(code);
    const areas = [
      { role: 'local', label: 'Coventry', pick: (r: Record<string, string>) => r.geographic_level === 'Local authority' && r.la_name === 'Coventry' },
      { role: 'england', label: 'England', pick: (r: Record<string, string>) => r.geographic_level === 'National' },
      { role: 'region', label: 'West Midlands', pick: (r: Record<string, string>) => r.geographic_level === 'Regional' && r.region_name === 'West Midlands' },
    ];
    let checked = 0;
    for (const area of areas) {
      const rows = fileRows(name, (r) => filter(r) && area.pick(r));
      t.ok(rows.length >= 7, `${area.label}: ${rows.length} periods in the file`);
      for (const row of rows) {
        const got = stored.find((o) => o.role === area.role && o.period_label === periodLabel(row.time_period!));
        const want = row[column]!;
        if (/^[-\d.]+$/.test(want)) t.match(got, { value: Number(want), marker: null, status: status(row), label: area.label }, `${area.label} ${row.time_period}: ${want}`);
        else t.match(got, { value: null, marker: want }, `${area.label} ${row.time_period}: ${want}`);
        checked++;
      }
    }
    t.equal(stored.length, checked, 'nothing else stored');
  };

  t.test('KS4 attainment of children in need: map, preview, confirm; values match the file', async (t) => {
    const up = await upload(app, officer, '/p/coventry/data/ees', { filename: 'ks4_la.csv', content: readEes('ks4_la.csv') });
    t.equal(up.statusCode, 303);
    const mappingUrl = up.headers.location as string;
    t.match(mappingUrl, /\/p\/coventry\/imports\/[0-9a-f-]{36}\/mapping$/);
    const page = await get(mappingUrl);
    t.equal(page.statusCode, 200);
    t.match(page.body, /<option value="Local authority\|E08000026" selected>Coventry \(E08000026, 331\)<\/option>/, "the partnership's own authority is chosen");
    t.match(page.body, /<label class="govuk-label govuk-label--s" for="filter-social_care_group">social_care_group<\/label>/);
    t.match(page.body, /<option value="avg_att8">avg_att8<\/option>/);
    t.match(text(page.body), /The file has 7 periods \(2018\/19, 2019\/20, 2020\/21, 2021\/22, 2022\/23, 2023\/24, 2024\/25\), measured by academic year/);

    const choices = {
      area: 'Local authority|E08000026',
      'filter-social_care_group': 'CINO at 31 March',
      'filter-version': '',
      indicatorColumn: 'avg_att8',
      indicatorCode: '__new',
      newCode: 'CIN_ATT8',
      newTitle: 'Attainment 8 of children in need',
      newUnit: 'score',
      newPolarity: 'higher',
      newDecimals: '1',
      priorityId: priority.id,
      series: 'local',
      comparators: 'yes',
      saveAs: 'KS4: children in need, Attainment 8',
    };
    const ambiguous = await post(mappingUrl, { ...choices, 'filter-social_care_group': '' });
    t.equal(ambiguous.statusCode, 400);
    t.match(text(ambiguous.body), /The file has 3 rows for Coventry in 2018\/19: choose a value for “social_care_group” so that there is one/);
    t.match(ambiguous.body, /<a href="#filter-social_care_group">/);
    const wrongType = await post(mappingUrl, { ...choices, indicatorCode: 'RE_REFERRALS_12M' });
    t.equal(wrongType.statusCode, 400);
    t.match(text(wrongType.body), /Re-referrals to children's social care within 12 months is measured by financial year quarter, but the file by academic year: choose another indicator/);
    const noCode = await post(mappingUrl, { ...choices, newCode: 'has spaces', newUnit: '' });
    t.equal(noCode.statusCode, 400);
    t.match(text(noCode.body), /“has spaces” cannot be a code/);
    t.match(text(noCode.body), /Choose what the figures measure/);
    t.match(noCode.body, /id="newTitle" name="newTitle" type="text" value="Attainment 8 of children in need"/, 'the input is kept');

    const mapped = await post(mappingUrl, choices);
    t.equal(mapped.statusCode, 303);
    const preview = await get(mapped.headers.location as string);
    t.match(counts(preview.body), { create: 21, update: 0, problems: 0 });
    t.match(text(preview.body), /A new indicator CIN_ATT8: Attainment 8 of children in need/);
    t.match(text(preview.body), /Every local authority's value \(\d+ authorities\) is kept for rank and quartile/);
    const id = /imports\/([0-9a-f-]{36})/.exec(mapped.headers.location as string)![1]!;
    const confirmed = await post(`/p/coventry/imports/${id}/confirm`);
    t.equal(confirmed.statusCode, 303);

    await expectMatch(t, 'CIN_ATT8', 'ks4_la.csv', 'avg_att8', (r) => r.social_care_group === 'CINO at 31 March', (r) => r.version!.toLowerCase());
    const authorities = await db
      .selectFrom('indicator_authority_value')
      .innerJoin('indicator', 'indicator.id', 'indicator_authority_value.indicator_id')
      .select(['area_code', 'area_name', 'period_label', 'value'])
      .where('indicator.code', '=', 'CIN_ATT8')
      .execute();
    const laRows = fileRows('ks4_la.csv', (r) => r.geographic_level === 'Local authority' && r.social_care_group === 'CINO at 31 March');
    t.equal(authorities.length, laRows.length, 'every authority in every period');
    t.match(authorities.find((a) => a.area_code === '331' && a.period_label === '2024/25'), { area_name: 'Coventry', value: 17.5 });
    t.equal(authorities.filter((a) => a.period_label === '2023/24' && a.value !== null).length, laRows.filter((r) => r.time_period === '202324' && /^[\d.]+$/.test(r.avg_att8!)).length);
    const saved = await db.selectFrom('import_mapping').select(['name', 'mapping']).execute();
    t.match(saved, [{ name: 'KS4: children in need, Attainment 8', mapping: { indicatorCode: 'CIN_ATT8', indicatorColumn: 'avg_att8', filters: { social_care_group: 'CINO at 31 March' } } }]);

    // Next year's file: one step with the saved choices.
    const next = await upload(app, officer, '/p/coventry/data/ees', { filename: 'ks4_la_2026.csv', content: readEes('ks4_la.csv') });
    const nextPage = await get(next.headers.location as string);
    t.match(text(nextPage.body), /Use choices saved before KS4: children in need, Attainment 8 avg_att8 for Coventry \(local authority\), where social_care_group = CINO at 31 March, into CIN_ATT8, with England and the region/);
    const mappingId = (await db.selectFrom('import_mapping').select('id').executeTakeFirstOrThrow()).id;
    const oneStep = await post(`${(next.headers.location as string).replace(/\/mapping$/, '')}/mappings/${mappingId}`);
    t.equal(oneStep.statusCode, 303);
    const again = await get(oneStep.headers.location as string);
    t.match(counts(again.body), { create: 0, update: 0, unchanged: 21, problems: 0 }, 'the same figures: nothing would change');
  });

  t.test('absence of children looked after: values match the file', async (t) => {
    const up = await upload(app, officer, '/p/coventry/data/ees', { filename: 'absence_la.csv', content: readEes('absence_la.csv') });
    t.equal(up.statusCode, 303);
    const page = await get(up.headers.location as string);
    t.match(page.body, /<option value="Total" selected>Total<\/option>/, '"Total" is the usual choice of a breakdown');
    const mapped = await post(up.headers.location as string, {
      area: 'Local authority|E08000026',
      'filter-social_care_group': 'CLA 12 months at 31 March',
      'filter-phase_type_grouping': 'Total',
      'filter-absence_terms': '',
      indicatorColumn: 'pt_pupils_pa_10_exact',
      indicatorCode: '__new',
      newCode: 'CLA_PERSISTENT_ABSENCE',
      newTitle: 'Persistent absence of children looked after',
      newUnit: 'percentage',
      newPolarity: 'lower',
      newDecimals: '1',
      priorityId: attendance.id,
      series: 'local',
      comparators: 'yes',
    });
    t.equal(mapped.statusCode, 303, text(mapped.body).slice(0, 300));
    const preview = await get(mapped.headers.location as string);
    t.match(counts(preview.body), { create: 21, problems: 0 });
    const id = /imports\/([0-9a-f-]{36})/.exec(mapped.headers.location as string)![1]!;
    t.equal((await post(`/p/coventry/imports/${id}/confirm`)).statusCode, 303);
    await expectMatch(t, 'CLA_PERSISTENT_ABSENCE', 'absence_la.csv', 'pt_pupils_pa_10_exact', (r) => r.social_care_group === 'CLA 12 months at 31 March' && r.phase_type_grouping === 'Total', () => 'final');
    const indicator = await get('/p/coventry/indicators/CLA_PERSISTENT_ABSENCE');
    t.equal(indicator.statusCode, 200);
    t.match(text(indicator.body), /Coventry England West Midlands/, 'the indicator page shows the three series');
  });

  t.test('a file that is not in the tidy format is refused', async (t) => {
    const res = await upload(app, officer, '/p/coventry/data/ees', { filename: 'table.csv', content: 'Area,2023/24\nCoventry,17.5\n' });
    t.equal(res.statusCode, 400);
    t.match(text(res.body), /table\.csv: The file has no “time_period” or “time_identifier” or “geographic_level” columns|The first line must be the column names/);
  });
});

t.test('the benchmark library for Wakefield, in a new partnership', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const wakefield = await createPartnership(db, { slug: 'wakefield', name: 'Wakefield Children and Young People Partnership', laName: 'Wakefield', laNumber: 384 });
  await setMembership(db, wakefield.id, (await findUserId(db, 'officer@demo.example'))!, 'officer');
  const officer = await signIn(app, 'officer@demo.example');
  const get = (url: string) => app.inject({ method: 'GET', url, headers: { cookie: officer.cookie, accept: 'text/html' } });
  const post = (url: string, values: Record<string, string | string[]>) => {
    const body = new URLSearchParams({ _csrf: officer.csrf });
    for (const [k, v] of Object.entries(values)) for (const x of [v].flat()) body.append(k, x);
    return app.inject({ method: 'POST', url, headers: { cookie: officer.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: body.toString() });
  };

  const page = await get('/p/wakefield/data/benchmark');
  t.equal(page.statusCode, 200);
  t.match(page.body, /<option value="384" selected>Wakefield \(384\)<\/option>/);
  const missing = await post('/p/wakefield/data/benchmark', { laNumber: '384' });
  t.equal(missing.statusCode, 400);
  t.match(text(missing.body), /Choose the statistical-neighbour model/);
  t.match(text(missing.body), /Choose at least one measure/);
  const noPlace = await post('/p/wakefield/data/benchmark', { laNumber: '384', model: '2021-04', measures: ['Under18concep'] });
  t.equal(noPlace.statusCode, 400);
  t.match(text(noPlace.body), /Choose the priority the new indicators go under, or a new priority/);

  const choices = {
    laNumber: '384',
    model: '2021-04',
    measures: ['Under18concep', 'TotPerAbNew', '16-17 NEET'],
    priorityId: 'new-priority',
    newPriorityTitle: 'Benchmarks from the DfE',
    outcomeId: 'new',
    newOutcomeTitle: 'Children and young people achieve their potential',
  };
  const previewed = await post('/p/wakefield/data/benchmark', choices);
  t.equal(previewed.statusCode, 303, text(previewed.body).slice(0, 400));
  const preview = await get(previewed.headers.location as string);
  const body = text(preview.body);
  t.match(body, /A new priority “Benchmarks from the DfE” under a new outcome “Children and young people achieve their potential”/);
  t.match(body, /A new indicator Under18concep/);
  t.match(body, /A new indicator 16-17_NEET/);
  t.match(body, /Statistical neighbours of Wakefield \(DfE April 2021 model\): Wigan, Doncaster, Barnsley, St\. Helens, Rotherham, Gateshead, Durham, Sunderland, Redcar and Cleveland, North East Lincolnshire/);
  t.match(counts(preview.body), { update: 0, problems: 0 });
  const id = /imports\/([0-9a-f-]{36})/.exec(previewed.headers.location as string)![1]!;
  const confirmed = await post(`/p/wakefield/imports/${id}/confirm`, {});
  t.equal(confirmed.statusCode, 303);

  const indicator = await db.selectFrom('indicator').selectAll().where('partnership_id', '=', wakefield.id).where('code', '=', 'Under18concep').executeTakeFirstOrThrow();
  t.match(indicator, { unit: 'rate', rate_base: 1000, polarity: 'lower', period_type: 'calendar_year', decimals: 1 });
  const series = await db.selectFrom('series').select(['id', 'role', 'label']).where('indicator_id', '=', indicator.id).execute();
  t.same(series.map((s) => [s.role, s.label]).sort(), [
    ['england', 'England'],
    ['local', 'Wakefield'],
    ['neighbours', 'Statistical neighbours (average, DfE April 2021 model)'],
    ['region', 'Yorkshire and the Humber'],
  ]);
  const at = async (role: string, key: string) =>
    db.selectFrom('observation').select(['value', 'marker', 'note']).where('series_id', '=', series.find((s) => s.role === role)!.id).where('period_key', '=', key).executeTakeFirstOrThrow();
  // Hand calculation, from lait-extract.csv: Wakefield's 10 neighbours (April 2021 model) in 2021 —
  // Wigan 22, Doncaster 22, Barnsley 23.3, St. Helens 25.9, Rotherham 23.1, Gateshead 20.6, Durham 19.8,
  // Sunderland 26.4, Redcar and Cleveland 27.3, North East Lincolnshire 27.3: sum 237.7, mean 23.77.
  t.match(await at('neighbours', '2021'), { value: 23.77, marker: null, note: '' });
  t.match(await at('local', '2021'), { value: 20.5 });
  t.match(await at('england', '2021'), { value: 13.1 });

  const neet = await db.selectFrom('indicator').select(['id', 'period_type', 'unit']).where('partnership_id', '=', wakefield.id).where('code', '=', '16-17_NEET').executeTakeFirstOrThrow();
  t.match(neet, { period_type: 'calendar_year', unit: 'percentage' });
  const authority = await db.selectFrom('indicator_authority_value').select(['area_code', 'area_name', 'value', 'period_label']).where('indicator_id', '=', indicator.id).execute();
  const periods = new Set(authority.map((a) => a.period_label));
  t.same([...periods].sort(), ['2016', '2017', '2018', '2019', '2020', '2021', '2022']);
  t.ok(authority.length > 140 * 7, `every authority's value for rank and quartile (${authority.length})`);
  t.match(authority.find((a) => a.area_code === '384' && a.period_label === '2021'), { area_name: 'Wakefield', value: 20.5 });
  t.notOk(authority.some((a) => a.area_code === '970'), 'England is not an authority');

  const page2 = await get('/p/wakefield/indicators/Under18concep');
  t.equal(page2.statusCode, 200);
  t.match(text(page2.body), /Wakefield England Yorkshire and the Humber Statistical neighbours \(average, DfE April 2021 model\)/);

  // The same choices again: nothing changes.
  const again = await post('/p/wakefield/data/benchmark', { ...choices, priorityId: '', newPriorityTitle: '', outcomeId: '', newOutcomeTitle: '' });
  t.equal(again.statusCode, 303, 'no placement is needed when every indicator exists');
  t.match(counts((await get(again.headers.location as string)).body), { create: 0, update: 0, problems: 0 });
  t.match(text((await get('/p/wakefield/data/benchmark')).body), /imported before/);

  t.equal((await app.inject({ method: 'GET', url: '/p/coventry/imports/' + id, headers: { cookie: officer.cookie } })).statusCode, 404, "Wakefield's import is not found from Coventry");
});
