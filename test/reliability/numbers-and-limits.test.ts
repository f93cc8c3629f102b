// Issue 14, item 11: a number the database cannot hold exactly is refused with "not a number we can store" and the
// field named — in the form, the CSV import and the API — never rounded; every length limit's message states the
// limit enforced.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { parseNumber } from '../../server/features/observations/figure.ts';
import { optionalText, requiredText, tooLongMessage } from '../../server/forms/forms.ts';
import { buildTestApp, csrfFrom, form, signIn } from '../helpers/app.ts';

const UNSTORABLE = ['1e309', '-1e309', 'NaN', 'Infinity', '-Infinity', '9007199254740993', '12345678901234567890', '0.12345678901234567', '1e-400'];

t.test('a number a double cannot hold exactly is refused, never rounded', async (t) => {
  for (const text of UNSTORABLE) t.match(parseNumber(text), { ok: false, text: /is not a number we can store/ }, text);
  t.match(parseNumber(Infinity), { ok: false, text: /not a number we can store/ }, 'an infinite JSON number');
  t.match(parseNumber(2 ** 53), { ok: false, text: /not a number we can store/ }, '2^53 from JSON');
  for (const [text, value] of [['12.5', 12.5], ['1,234', 1234], ['0.1', 0.1], ['9007199254740991', 9007199254740991], ['1.5E+01', 15], ['0.000', 0]] as const) {
    t.same(parseNumber(text), { ok: true, value }, `${text} is kept`);
  }
});

t.test('the form, the CSV import and the API all refuse it, naming the field', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const officer = await signIn(app, 'officer@demo.example');
  const target = await database.db
    .selectFrom('observation')
    .innerJoin('series', 'series.id', 'observation.series_id')
    .innerJoin('indicator', 'indicator.id', 'series.indicator_id')
    .innerJoin('partnership', 'partnership.id', 'indicator.partnership_id')
    .select(['observation.period_key', 'observation.period_label', 'observation.value', 'series.id as series_id', 'indicator.code', 'indicator.period_type'])
    .where('partnership.slug', '=', 'coventry')
    .where('series.role', '=', 'local')
    .where('indicator.kind', '<>', 'gap')
    .where('observation.value', 'is not', null)
    .where('observation.numerator', 'is', null)
    .orderBy('observation.period_position', 'desc')
    .executeTakeFirstOrThrow();
  const saved = async () => (await database.db.selectFrom('observation').select('value').where('series_id', '=', target.series_id).where('period_key', '=', target.period_key).executeTakeFirstOrThrow()).value;

  // The form: the message by the field, in the error summary linking to it.
  for (const text of ['1e309', 'NaN', '0.12345678901234567']) {
    const response = await app.inject({
      method: 'POST',
      url: '/p/coventry/returns',
      headers: { cookie: officer.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: form({ _csrf: officer.csrf, period: `${target.period_type}:${target.period_key}`, [`value-${target.series_id}`]: text }),
    });
    t.equal(response.statusCode, 400, `the form refuses ${text}`);
    t.match(response.body, new RegExp(`href="#value-${target.series_id}">[^<]*“${text}” is not a number we can store`));
  }

  // The API: JSON numbers beyond what JSON.parse keeps exactly, and text.
  for (const [field, literal] of [['value', '1e309'], ['value', '"Infinity"'], ['numerator', '9007199254740993']] as const) {
    const response = await app.inject({
      method: 'PUT',
      url: `/api/v1/partnerships/coventry/indicators/${target.code}/observations`,
      headers: { cookie: officer.cookie, 'x-csrf-token': officer.csrf, 'content-type': 'application/json' },
      payload: `[{"series":"local","period":"${target.period_label}",${field === 'numerator' ? '"denominator":10000000000000000,' : ''}"${field}":${literal}}]`,
    });
    t.equal(response.statusCode, 422, `the API refuses ${field} ${literal}`);
    t.match(response.json().message, new RegExp(`${field}: .*is not a number we can store`));
  }

  // The CSV import: the preview names the line and the column.
  const hub = await app.inject({ method: 'GET', url: '/p/coventry/data', headers: { cookie: officer.cookie } });
  const boundary = `----ttc${randomUUID()}`;
  const csv = `indicator_code,series,period,value\n${target.code},local,${target.period_label},1e309\n`;
  const payload = `--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrfFrom(hub.body)}\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="f.csv"\r\nContent-Type: text/csv\r\n\r\n${csv}\r\n--${boundary}--\r\n`;
  const upload = await app.inject({ method: 'POST', url: '/p/coventry/data/csv', headers: { cookie: officer.cookie, 'content-type': `multipart/form-data; boundary=${boundary}` }, payload });
  t.equal(upload.statusCode, 303);
  const preview = await app.inject({ method: 'GET', url: upload.headers.location as string, headers: { cookie: officer.cookie } });
  t.match(preview.body, /“1e309” is not a number we can store/);
  t.match(preview.body, /value/);

  t.equal(await saved(), target.value, 'the saved figure is unchanged');
});

t.test('every length limit message states the limit enforced', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const officer = await signIn(app, 'officer@demo.example');
  const code = (await database.db.selectFrom('indicator').select('code').where('kind', '<>', 'gap').where('period_type', '=', 'academic_year').executeTakeFirstOrThrow()).code;
  // A note over the limit through the API: the message says 1,000 (the limit), not what a schema let through.
  for (const length of [1001, 1200]) {
    const response = await app.inject({
      method: 'PUT',
      url: `/api/v1/partnerships/coventry/indicators/${code}/observations`,
      headers: { cookie: officer.cookie, 'x-csrf-token': officer.csrf, 'content-type': 'application/json' },
      payload: JSON.stringify([{ series: 'local', period: '2023/24', value: 5, note: 'n'.repeat(length) }]),
    });
    t.equal(response.statusCode, 422);
    t.match(response.json().message, /note: A note can be at most 1000 characters/, `a note of ${length}`);
    t.notMatch(response.json().message, /1100/);
  }
  // The form kit will not build a field whose message states another limit than the one it enforces.
  t.throws(() => optionalText(1000, 'The note must be 1,100 characters or fewer'), /states a limit of 1,100 characters, but 1000 is enforced/);
  t.throws(() => requiredText(200, 'Enter it', 'It must be 300 characters or fewer'));
  t.equal(tooLongMessage(10000, 'The description must be 10,000 characters or fewer'), 'The description must be 10,000 characters or fewer');
});
