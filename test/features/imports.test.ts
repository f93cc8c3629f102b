import type { FastifyInstance } from 'fastify';
import t from 'tap';
import { decodeUpload, parseCsvTable } from '../../server/features/imports/csv-file.ts';
import { buildTestApp, form, signIn, type Session } from '../helpers/app.ts';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');

/** A multipart/form-data body, as a browser sends a file upload. */
function multipartBody(fields: Record<string, string>, file?: { filename: string; content: Buffer | string; type?: string }) {
  const boundary = `----ttc${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  if (file) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.filename}"\r\nContent-Type: ${file.type ?? 'text/csv'}\r\n\r\n`));
    parts.push(Buffer.isBuffer(file.content) ? file.content : Buffer.from(file.content));
    parts.push(Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

async function upload(app: FastifyInstance, s: Session, url: string, file?: { filename: string; content: Buffer | string; type?: string }) {
  const body = multipartBody({ _csrf: s.csrf }, file);
  return app.inject({ method: 'POST', url, headers: { cookie: s.cookie, accept: 'text/html', ...body.headers }, payload: body.payload });
}

t.test('reading files as they come', async (t) => {
  const ok = (bytes: Buffer) => {
    const d = decodeUpload(bytes);
    if (!d.ok) throw new Error(d.message);
    return d.text;
  };
  t.equal(ok(Buffer.from('\ufeffa,b\r\n1,2\r\n')), 'a,b\r\n1,2\r\n', 'a UTF-8 BOM is dropped');
  t.equal(ok(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a,b\n', 'utf16le')])), 'a,b\n', 'UTF-16 with a BOM');
  t.match(decodeUpload(Buffer.from('a,b\n1,\xa3\n', 'latin1')), { ok: false, message: /not in a known encoding: line 2 has a character that is not UTF-8, byte 0xA3 \(it looks like a £ sign saved in the Windows-1252 encoding\)/ });
  t.match(decodeUpload(Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2, 3])), { ok: false, message: /This is an Excel workbook \(\.xlsx\).*not a CSV file/ });
  t.match(decodeUpload(Buffer.from([1, 2, 0, 4, 5])), { ok: false, message: /not a CSV file: it holds binary data/ });
  t.match(decodeUpload(Buffer.from('')), { ok: false, message: /The file is empty/ });
  t.match(decodeUpload(Buffer.from('%PDF-1.4 …')), { ok: false, message: /This is a PDF/ });
  const table = parseCsvTable('sep=;\r\nIndicator Code;Series;Period\r\n\r\nX;local;"2024, or so"\r\n;;\r\n"a\nb";local;2025\r\n', { required: ['indicator_code', 'series', 'period'], maxRows: 10, what: '' });
  t.match(table, { ok: true, delimiter: ';', rows: [{ line: 4, values: { indicator_code: 'X', period: '2024, or so' } }, { line: 6, values: { indicator_code: 'a\nb' } }] }, "Excel's sep= line, blank lines, empty rows and quoted line breaks; line numbers as in the file");
  t.match(parseCsvTable('indicator_code,series,period\nX,local,"2024\n', { required: ['indicator_code'], maxRows: 10, what: '' }), { ok: false, message: /could not be read as CSV at line 2: a quoted field is never closed/ });
  t.match(parseCsvTable('PERSISTENT_ABSENCE,local,2024/25,3\n', { required: ['indicator_code', 'series', 'period'], maxRows: 10, what: 'Use the template.' }), { ok: false, message: /The first line must be the column names \(indicator_code, series, period\), but it is “PERSISTENT_ABSENCE,local,2024\/25,3”\. Use the template\./ });
});

t.test('CSV import and export', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const officer = await signIn(app, 'officer@demo.example');
  const manager = await signIn(app, 'manager@demo.example');
  const viewer = await signIn(app, 'viewer@demo.example');
  const get = (url: string, s: Session = officer) => app.inject({ method: 'GET', url, headers: { cookie: s.cookie, accept: 'text/html' } });
  const post = (url: string, s: Session = officer, values: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url, headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: form({ _csrf: s.csrf, ...values }) });
  const snapshot = async () =>
    (await db.selectFrom('observation').select(['id', 'value', 'marker', 'status', 'note', 'version']).orderBy('id').execute()).map((o) => JSON.stringify(o)).join('\n');
  const auditCount = async () => Number((await db.selectFrom('observation_audit').select(db.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
  /** Uploads a CSV and follows to its preview. */
  const preview = async (content: string | Buffer, filename = 'figures.csv') => {
    const res = await upload(app, officer, '/p/coventry/data/csv', { filename, content });
    if (res.statusCode !== 303) return { res, page: res, id: null as string | null };
    const page = await get(res.headers.location as string);
    return { res, page, id: /\/imports\/([0-9a-f-]{36})/.exec(res.headers.location as string)![1]! };
  };
  const counts = (html: string) => Object.fromEntries([...html.matchAll(/data-testid="count-(\w+)">(\d+)</g)].map((m) => [m[1], Number(m[2])]));

  t.test('the hub is for officers', async (t) => {
    t.equal((await get('/p/coventry/data', viewer)).statusCode, 403);
    t.equal((await get('/p/coventry/data/export.csv', viewer)).statusCode, 403);
    const hub = await get('/p/coventry/data');
    t.equal(hub.statusCode, 200);
    t.match(text(hub.body), /Upload figures from a CSV file/);
  });

  t.test('the template has the columns and a row per series to fill in', async (t) => {
    const res = await get('/p/coventry/data/template.csv');
    t.equal(res.statusCode, 200);
    t.match(res.headers['content-type'], /text\/csv/);
    t.match(res.headers['content-disposition'], /attachment; filename="coventry-template.csv"/);
    const lines = res.body.replace(/^\ufeff/, '').split('\r\n');
    t.equal(lines[0], 'indicator_code,series,period,value,marker,status,numerator,denominator,note');
    t.ok(lines.includes('RE_REFERRALS_12M,local,2025-26 Q3,,,,,,'), 'the next quarter of the quarterly indicator');
    t.ok(lines.includes('KS4_ATT8_DISADV_GAP,focus,2025/26,,,,,,'), 'both groups of a gap indicator');
    const back = await preview(res.rawPayload);
    t.equal(back.res.statusCode, 303, 'the template uploads as it is');
    t.match(counts(back.page.body), { create: 0, update: 0, problems: 0 });
    t.match(text(back.page.body), /Rows with no figure \(skipped\) \d+/);
  });

  t.test('an export re-imported changes nothing', async (t) => {
    const exported = await get('/p/coventry/data/export.csv');
    t.equal(exported.statusCode, 200);
    t.ok(exported.rawPayload.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])), 'with a BOM, so Excel reads UTF-8');
    t.match(exported.body, /\r\nRE_REFERRALS_12M,local,2023-24 Q3,,c,final,,,Suppressed to protect confidentiality \(illustrative\)\.\r\n/);
    const before = await snapshot();
    const audits = await auditCount();
    const { page, id } = await preview(exported.rawPayload, 'coventry-figures.csv');
    const c = counts(page.body);
    t.match(c, { create: 0, update: 0, problems: 0 });
    t.ok(c.unchanged! > 300, `every figure unchanged (${c.unchanged})`);
    t.match(text(page.body), /Every figure in the file is already saved: importing it would change nothing/);
    t.notMatch(page.body, /Confirm and import/);
    const confirm = await post(`/p/coventry/imports/${id}/confirm`);
    t.equal(confirm.statusCode, 303, 'confirming a no-op is harmless');
    t.equal(await snapshot(), before, 'no figure and no version changed');
    t.equal(await auditCount(), audits, 'nothing in the audit trail');

    const json = await get('/p/coventry/data/export.json');
    t.equal(json.statusCode, 200);
    const data = json.json();
    const absence = data.indicators.find((i: { code: string }) => i.code === 'PERSISTENT_ABSENCE');
    t.match(absence, { unit: 'percentage', periodType: 'academic_year', series: [{ series: 'local', label: 'Coventry' }] });
    t.ok(absence.series[0].observations.length >= 5);
  });

  t.test('what real files contain: BOM, CRLF, quoted commas, blank lines, scientific notation, Excel habits', async (t) => {
    const file =
      '\ufeffIndicator Code,Series,Period,Value,Marker,Status,Numerator,Denominator,Note,,\r\n' +
      'PERSISTENT_ABSENCE,local,2025/26,1.25E+01,,p,,,"Autumn, spring and summer; ""provisional""",,\r\n' +
      '\r\n' +
      'PERMANENT_EXCLUSION_RATE,Local,2025-26,,,provisional,30,"40,000","=1+1 is not a formula here",,\r\n' +
      ',,,,,,,,,,\r\n' +
      'KS4_ATT8_DISADV_GAP,focus,2025/26,c,,,,,Suppressed: fewer than 5 pupils,,\r\n' +
      'RE_REFERRALS_12M,target,Q1 2026-27,20.5%,,final,,,,,\r\n';
    const { page, id } = await preview(file);
    t.match(counts(page.body), { create: 4, update: 0, problems: 0 });
    t.match(text(page.body), /line 2 PERSISTENT_ABSENCE local 2025\/26 new 12\.50% \(provisional\)/);
    const done = await post(`/p/coventry/imports/${id}/confirm`);
    t.equal(done.statusCode, 303);
    t.match(text((await get(done.headers.location as string)).body), /Imported: 4 new and 0 changed figures/);
    const stored = await db
      .selectFrom('observation')
      .innerJoin('series', 'series.id', 'observation.series_id')
      .innerJoin('indicator', 'indicator.id', 'series.indicator_id')
      .select(['indicator.code', 'series.role', 'observation.period_label', 'observation.value', 'observation.marker', 'observation.status', 'observation.note', 'observation.numerator', 'observation.denominator'])
      .where('observation.period_key', 'in', ['2025-26', '2026-27-Q1'])
      // The demo's programme measures have quarterly figures of their own (seeds/demo/year-of-use.ts): not the file's.
      .where('indicator.programme_id', 'is', null)
      .orderBy('indicator.code')
      .execute();
    t.match(stored, [
      { code: 'KS4_ATT8_DISADV_GAP', role: 'focus', value: null, marker: 'c', status: 'final', note: 'Suppressed: fewer than 5 pupils' },
      { code: 'PERMANENT_EXCLUSION_RATE', value: 0.075, numerator: 30, denominator: 40000, note: '=1+1 is not a formula here' },
      { code: 'PERSISTENT_ABSENCE', value: 12.5, status: 'provisional', note: 'Autumn, spring and summer; "provisional"' },
      { code: 'RE_REFERRALS_12M', role: 'target', period_label: '2026-27 Q1', value: 20.5 },
    ]);
    const audit = await db.selectFrom('observation_audit').select(['via', 'import_id']).where('import_id', '=', id!).execute();
    t.equal(audit.length, 4);
    t.ok(audit.every((a) => a.via === 'import'), 'audited as an import');

    const again = await preview(file);
    t.match(counts(again.page.body), { create: 0, update: 0, unchanged: 4 }, 'the same file again changes nothing');
    const exported = await get('/p/coventry/data/export.csv');
    t.match(exported.body, /\r\nPERMANENT_EXCLUSION_RATE,local,2025\/26,0\.075,,provisional,30,40000,'=1\+1 is not a formula here\r\n/, 'a formula-like note is guarded in the export');
    const roundTrip = await preview(exported.rawPayload);
    t.match(counts(roundTrip.page.body), { create: 0, update: 0, problems: 0 }, 'and comes back unchanged');
  });

  t.test('a file with one bad row writes nothing, and says which line and why', async (t) => {
    const before = await snapshot();
    const file =
      'indicator_code,series,period,value,marker,status,numerator,denominator,note\n' +
      'PERSISTENT_ABSENCE,local,2026/27,11.9,,provisional,,,\n' +
      'PERMANENT_EXCLUSION_RATE,local,2026/27,12,5,,provisional,,,\n' +
      'PERMANENT_EXCLUSION_RATE,local,2026/27,"12,5",,provisional,,,\n' +
      'NOPE,local,2026/27,1,,,,,\n' +
      'PERSISTENT_ABSENCE,england,Nov-24,3,,,,,\n' +
      'PERSISTENT_ABSENCE,local,2026-27,12,,,,,\n' +
      'KS4_ATT8_DISADV_GAP,local,2025/26,40,,,,,\n' +
      'PERSISTENT_ABSENCE,england,2026/27,120,,,,,\n' +
      'RE_REFERRALS_12M,local,2026-27 Q1,abc,,,,,\n';
    const { page, id } = await preview(file);
    const c = counts(page.body);
    t.equal(c.problems, 8, 'rows with a problem');
    t.match(text(page.body), /8 rows have 10 problems/);
    t.match(text(page.body), /Nothing can be imported until every row is right/);
    t.notMatch(page.body, /Confirm and import/);
    const body = text(page.body);
    t.match(body, /line 3 marker “5” is not a marker/, 'an unquoted decimal comma spills into the next column');
    t.match(body, /line 4 period local 2026\/27 is given twice: also line 3 line 4 value “12,5” is not a number: use a full stop for the decimal point \(12\.5\)/);
    t.match(body, /line 5 indicator_code There is no indicator “NOPE” in this partnership/);
    t.match(body, /line 6 period "Nov-24" is not an academic year: expected the form 2024\/25 \(a spreadsheet may have turned it into a date: format the period column as text\)/);
    t.match(body, /line 7 period local 2026\/27 is given twice: also line 2/);
    t.match(body, /line 8 series KS4_ATT8_DISADV_GAP is a gap indicator: “local” is not one of its series/);
    t.match(body, /line 9 value A percentage must be between 0 and 100: 120 is not/);
    t.match(body, /line 10 value “abc” is not a number/);
    const confirm = await post(`/p/coventry/imports/${id}/confirm`);
    t.equal(confirm.statusCode, 409, 'confirming anyway is refused');
    t.equal(await snapshot(), before, 'nothing written');
  });

  t.test('files that are not what they should be are refused with a clear message', async (t) => {
    const refused = async (content: Buffer | string, pattern: RegExp, status = 400, filename = 'figures.csv') => {
      const res = await upload(app, officer, '/p/coventry/data/csv', { filename, content });
      t.equal(res.statusCode, status, String(pattern));
      t.match(text(res.body), pattern);
      t.match(res.body, /<a href="#csv-file">/, 'the error links to the file input');
    };
    await refused(Buffer.alloc(20 * 1024 * 1024 + 10, 'a'), /The file is too large: upload a file of at most 20\.0 MB/, 413);
    await refused(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 6, 0]), /figures\.xlsx: This is an Excel workbook \(\.xlsx\) or another zipped file, not a CSV file\. In Excel, choose File, then Save As/, 400, 'figures.xlsx');
    await refused(Buffer.from('indicator_code,series,period,value,note\nPERSISTENT_ABSENCE,local,2026/27,3,Caf\xe9\n', 'latin1'), /not in a known encoding: line 2 has a character that is not UTF-8, byte 0xE9/);
    await refused('', /The file is empty/);
    await refused('<!DOCTYPE html><html><body>figures</body></html>', /This is a web page or an XML file, not a CSV file/);
    await refused('code,value\nX,1\n', /The file has no “indicator_code” or “series” or “period” columns/);
    await refused('indicator_code,series,period\n', /The file has the column names but no rows of figures/);
    const forged = multipartBody({}, { filename: 'figures.csv', content: 'indicator_code,series,period,value\nPERSISTENT_ABSENCE,local,2027/28,5\n' });
    const noToken = await app.inject({ method: 'POST', url: '/p/coventry/data/csv', headers: { cookie: officer.cookie, accept: 'text/html', ...forged.headers }, payload: forged.payload });
    t.equal(noToken.statusCode, 403, 'an upload without the CSRF token is refused');
    const none = await upload(app, officer, '/p/coventry/data/csv');
    t.equal(none.statusCode, 400);
    t.match(text(none.body), /Choose a file to upload/);
    const bigEes = await upload(app, officer, '/p/coventry/data/ees', { filename: 'huge.csv', content: Buffer.alloc(20 * 1024 * 1024 + 100, 'a') });
    t.equal(bigEes.statusCode, 413);
    t.match(text(bigEes.body), /The file is too large: upload a file of at most 20\.0 MB/);
  });

  t.test('a figure changed by someone else between preview and confirm stops the import', async (t) => {
    const file = 'indicator_code,series,period,value,status\nPERSISTENT_ABSENCE,local,2025/26,13.4,revised\nPERMANENT_EXCLUSION_RATE,local,2025/26,0.08,revised\n';
    const { page, id } = await preview(file);
    t.match(counts(page.body), { create: 0, update: 2 });
    t.match(text(page.body), /line 2 PERSISTENT_ABSENCE local 2025\/26 12\.50% \(provisional\) 13\.40% \(revised\)/, 'old and new side by side');
    // Meanwhile a manager corrects one of the figures over the API.
    const put = await app.inject({
      method: 'PUT',
      url: '/api/v1/partnerships/coventry/indicators/PERSISTENT_ABSENCE/observations',
      headers: { cookie: manager.cookie, 'x-csrf-token': manager.csrf, 'content-type': 'application/json' },
      payload: [{ series: 'local', period: '2025/26', value: 12.6, status: 'provisional', note: 'Autumn, spring and summer; "provisional"' }],
    });
    t.equal(put.statusCode, 200);
    const before = await snapshot();
    const confirm = await post(`/p/coventry/imports/${id}/confirm`);
    t.equal(confirm.statusCode, 409);
    const body = text(confirm.body);
    t.match(body, /Nothing was imported: a figure was changed by someone else after your preview/);
    t.match(body, /line 2: Mina Manager saved 12\.60% \(provisional\) after your preview/);
    t.match(body, /12\.60% \(provisional\) 13\.40% \(revised\)/, 'the preview now compares with the figure saved now');
    t.equal(await snapshot(), before, 'nothing written, not even the unconflicted row');
    const conflict = await db.selectFrom('observation_audit').select(['result', 'via']).where('result', '=', 'conflict').where('via', '=', 'import').execute();
    t.equal(conflict.length, 1, 'the refused attempt is in the audit trail');
    const again = await post(`/p/coventry/imports/${id}/confirm`);
    t.equal(again.statusCode, 303, 'confirming again, knowingly, imports it');
    t.equal((await post(`/p/coventry/imports/${id}/confirm`)).statusCode, 409, 'but only once');
  });

  t.test('published exports suppress small numbers', async (t) => {
    await db.updateTable('partnership').set({ small_number_threshold: 10 }).where('slug', '=', 'coventry').execute();
    const file = 'indicator_code,series,period,numerator,denominator,status\nPERSISTENT_ABSENCE,local,2026/27,4,50,provisional\n';
    const { id } = await preview(file);
    t.equal((await post(`/p/coventry/imports/${id}/confirm`)).statusCode, 303);
    const raw = await get('/p/coventry/data/export.csv');
    t.match(raw.body, /PERSISTENT_ABSENCE,local,2026\/27,8,,provisional,4,50,/);
    const published = await get('/p/coventry/data/export.csv?published=1');
    t.match(published.body, /PERSISTENT_ABSENCE,local,2026\/27,,c,provisional,,,/);
    const api = await app.inject({ method: 'GET', url: '/api/v1/partnerships/coventry/indicators/PERSISTENT_ABSENCE/observations', headers: { cookie: viewer.cookie } });
    const local = api.json().series.find((s: { role: string }) => s.role === 'local');
    t.match(local.observations.find((o: { period: string }) => o.period === '2026/27'), { value: null, marker: 'c', numerator: null }, 'a viewer gets the published figure');
  });

  t.test("another partnership's imports are not found", async (t) => {
    t.equal((await get('/p/coventry/imports/00000000-0000-4000-8000-000000000000')).statusCode, 404);
    t.equal((await post('/p/coventry/imports/00000000-0000-4000-8000-000000000000/confirm')).statusCode, 404);
    t.equal((await get('/p/coventry/imports/not-a-uuid')).statusCode, 404);
  });
});
