// Issue 14, item 4: a period outside 1990 … five years ahead is refused at every entry point, with the window
// stated; every page survives any value the database can hold; an officer can delete a figure, with a reason,
// audited and restorable.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { buildTestApp, csrfFrom, form, signIn } from '../helpers/app.ts';

const WINDOW = new RegExp(`from 1990 to ${new Date().getUTCFullYear() + 5} are accepted`);

function multipart(fields: Record<string, string>, file: { name: string; filename: string; content: string }) {
  const boundary = `----ttc${randomUUID()}`;
  const parts = Object.entries(fields).map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`);
  parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="${file.name}"; filename="${file.filename}"\r\nContent-Type: text/csv\r\n\r\n${file.content}\r\n`);
  return { payload: parts.join('') + `--${boundary}--\r\n`, contentType: `multipart/form-data; boundary=${boundary}` };
}

t.test('a period outside the window is refused at every entry point, stating the window', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const officer = await signIn(app, 'officer@demo.example');
  const academic = await database.db
    .selectFrom('indicator')
    .innerJoin('partnership', 'partnership.id', 'indicator.partnership_id')
    .select(['indicator.code'])
    .where('partnership.slug', '=', 'coventry')
    .where('indicator.period_type', '=', 'academic_year')
    .where('indicator.kind', '<>', 'gap')
    .where('indicator.rank', '<>', 'data_development')
    .orderBy('indicator.code')
    .executeTakeFirstOrThrow();

  const page = await app.inject({ method: 'GET', url: '/p/coventry/returns?period=academic_year:9998-99', headers: { cookie: officer.cookie } });
  t.equal(page.statusCode, 400, 'the form: asking for 9998/99');
  t.match(page.body, WINDOW);

  const posted = await app.inject({
    method: 'POST',
    url: '/p/coventry/returns',
    headers: { cookie: officer.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: form({ _csrf: officer.csrf, period: 'academic_year:9998-99' }),
  });
  t.equal(posted.statusCode, 400, 'the form: posting 9998/99');
  t.match(posted.body, WINDOW);

  const api = await app.inject({
    method: 'PUT',
    url: `/api/v1/partnerships/coventry/indicators/${academic.code}/observations`,
    headers: { cookie: officer.cookie, 'x-csrf-token': officer.csrf, 'content-type': 'application/json' },
    payload: JSON.stringify([{ series: 'local', period: '9998/99', value: 5 }]),
  });
  t.equal(api.statusCode, 422, 'the API');
  t.match(api.json().message, WINDOW);
  t.match(api.json().message, /period/);

  const hub = await app.inject({ method: 'GET', url: '/p/coventry/data', headers: { cookie: officer.cookie } });
  const body = multipart({ _csrf: csrfFrom(hub.body) }, { name: 'file', filename: 'figures.csv', content: `indicator_code,series,period,value\n${academic.code},local,9998/99,5\n${academic.code},local,1989/90,5\n` });
  const upload = await app.inject({ method: 'POST', url: '/p/coventry/data/csv', headers: { cookie: officer.cookie, 'content-type': body.contentType }, payload: body.payload });
  t.equal(upload.statusCode, 303);
  const preview = await app.inject({ method: 'GET', url: upload.headers.location as string, headers: { cookie: officer.cookie } });
  t.equal(preview.statusCode, 200, 'the CSV preview');
  t.match(preview.body, /9998\/99 is outside the periods we accept/);
  t.match(preview.body, /1989\/90 is outside the periods we accept/);
  t.match(preview.body, WINDOW);

  const stored = await database.db.selectFrom('observation').select('id').where('period_label', 'in', ['9998/99', '1989/90']).execute();
  t.same(stored, [], 'nothing was stored');
});

t.test('every page of the partnership survives extreme stored values', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const admin = await signIn(app, 'admin@demo.example');
  const { id: partnershipId } = await db.selectFrom('partnership').select('id').where('slug', '=', 'coventry').executeTakeFirstOrThrow();
  const series = await db
    .selectFrom('series')
    .innerJoin('indicator', 'indicator.id', 'series.indicator_id')
    .select(['series.id', 'series.role', 'indicator.code', 'indicator.period_type', 'indicator.kind', 'indicator.unit'])
    .where('indicator.partnership_id', '=', partnershipId)
    .execute();
  // Straight into the table, past every check: the largest and smallest years a period can be written with, and
  // values at the edges of double precision.
  const perYear: Record<string, number> = { fy_quarter: 4, month: 12, academic_year: 1, financial_year: 1, calendar_year: 1 };
  const codes = new Set<string>();
  const values = [1e300, -1e300, 5e-324, 0];
  let n = 0;
  // One series of each period type (the pages are the same code for every indicator of a type).
  const chosen = series.filter((s, i) => series.findIndex((x) => x.period_type === s.period_type) === i);
  for (const s of chosen) {
    const per = perYear[s.period_type]!;
    const rows = [
      { position: 9998 * per + per - 1, label: `far-future-${n}` },
      { position: 1000 * per, label: `far-past-${n}` },
    ];
    for (const [i, row] of rows.entries()) {
      const value = values[(n + i) % values.length]!;
      const withNumbers = (n + i) % 3 === 0;
      await db
        .insertInto('observation')
        .values({
          series_id: s.id,
          period_key: row.label,
          period_position: row.position,
          period_label: row.label,
          value: withNumbers ? 1e300 : value,
          marker: null,
          status: 'final',
          numerator: withNumbers ? 1e300 : null,
          denominator: withNumbers ? 5e-324 : null,
          note: '',
        })
        .execute();
    }
    codes.add(s.code);
    n++;
  }
  // And a position no four-digit year can be written for.
  await db.insertInto('observation').values({ series_id: chosen[0]!.id, period_key: 'huge', period_position: 2_000_000_000, period_label: 'huge', value: 3, marker: null, status: 'provisional', numerator: null, denominator: null, note: '' }).execute();
  t.ok(codes.size >= 4, `${codes.size} indicators hold extreme figures`);

  const priority = await db.selectFrom('priority').select('id').where('partnership_id', '=', partnershipId).executeTakeFirstOrThrow();
  const code = [...codes][0]!;
  const fill = (url: string, c: string) =>
    url.replace(/:([A-Za-z]+)/g, (_, name: string) => (name === 'slug' ? 'coventry' : name === 'code' ? c : name === 'priorityId' ? priority.id : /^(period|key)$/i.test(name) ? '2024' : randomUUID()));
  const pages = app.routeCatalogue.filter((r) => r.method === 'GET' && /^\/(p|api\/v1\/partnerships)\/:slug/.test(r.url));
  const failures: string[] = [];
  for (const route of pages) {
    const wanted = route.url.includes(':code') ? [...codes] : [code];
    for (const c of wanted) {
      const url = fill(route.url, c);
      const response = await app.inject({ method: 'GET', url, headers: { cookie: admin.cookie, accept: url.startsWith('/api/') ? 'application/json' : 'text/html' } });
      if (response.statusCode >= 500) failures.push(`GET ${url}: ${response.statusCode}`);
      if (!route.url.includes(':code')) break;
    }
  }
  // The quarterly return for each period type, and the template.
  for (const choice of ['fy_quarter:2025-26-Q1', 'academic_year:2024-25', 'financial_year:2024-25', 'calendar_year:2024', 'month:2024-11']) {
    const response = await app.inject({ method: 'GET', url: `/p/coventry/returns?period=${choice}`, headers: { cookie: admin.cookie } });
    if (response.statusCode >= 500) failures.push(`GET returns ${choice}: ${response.statusCode}`);
  }
  t.same(failures, [], 'no page answers 5xx');
  const returns = await app.inject({ method: 'GET', url: '/p/coventry/returns', headers: { cookie: admin.cookie } });
  t.equal(returns.statusCode, 200, 'the return opens');
  const template = await app.inject({ method: 'GET', url: '/p/coventry/data/template.csv', headers: { cookie: admin.cookie } });
  t.equal(template.statusCode, 200, 'the template downloads');
});

t.test('an officer deletes a figure with a reason; it is audited and a manager can restore it', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const officer = await signIn(app, 'officer@demo.example');
  const manager = await signIn(app, 'manager@demo.example');
  const target = await db
    .selectFrom('observation')
    .innerJoin('series', 'series.id', 'observation.series_id')
    .innerJoin('indicator', 'indicator.id', 'series.indicator_id')
    .innerJoin('partnership', 'partnership.id', 'indicator.partnership_id')
    .select(['observation.id', 'observation.value', 'observation.version', 'observation.period_key', 'observation.period_label', 'series.id as series_id', 'indicator.code', 'indicator.period_type'])
    .where('partnership.slug', '=', 'coventry')
    .where('series.role', '=', 'local')
    .where('observation.value', 'is not', null)
    .orderBy('observation.period_position', 'desc')
    .executeTakeFirstOrThrow();
  const stillThere = async () => (await db.selectFrom('observation').select(['value', 'version']).where('series_id', '=', target.series_id).where('period_key', '=', target.period_key).executeTakeFirst()) ?? null;
  const apiFigures = async () =>
    (await app.inject({ method: 'GET', url: `/api/v1/partnerships/coventry/indicators/${target.code}/observations`, headers: { cookie: officer.cookie } })).json() as {
      series: { role: string; observations: { period: string }[] }[];
    };
  t.ok((await apiFigures()).series.find((x) => x.role === 'local')!.observations.some((o) => o.period === target.period_label), 'the API serves the figure before');

  // The edit form (the return for the figure's period) links to the confirmation page.
  const returns = await app.inject({ method: 'GET', url: `/p/coventry/returns?period=${target.period_type}:${target.period_key}`, headers: { cookie: officer.cookie } });
  const href = `/p/coventry/indicators/${target.code}/figures/local/${encodeURIComponent(target.period_key)}/delete`;
  t.ok(returns.body.includes(`href="${href}"`), 'the return links to "Delete this figure"');
  const confirm = await app.inject({ method: 'GET', url: href, headers: { cookie: officer.cookie } });
  t.equal(confirm.statusCode, 200);
  t.match(confirm.body, /Why is this figure being deleted\?/);
  const version = /name="version" value="(\d+)"/.exec(confirm.body)![1]!;
  t.equal(Number(version), target.version);
  const post = (values: Record<string, string>, session = officer) =>
    app.inject({ method: 'POST', url: href, headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ _csrf: session.csrf, ...values }) });

  const noReason = await post({ version, reason: '   ' });
  t.equal(noReason.statusCode, 400, 'a reason is required');
  t.match(noReason.body, /govuk-error-summary/);
  t.match(noReason.body, /Say why this figure is being deleted/);
  t.ok(await stillThere(), 'nothing deleted');

  const stale = await post({ version: String(target.version + 1), reason: 'Entered for the wrong year' });
  t.equal(stale.statusCode, 409, 'a stale version is told');
  t.match(stale.body, /Nothing was deleted/);
  t.ok(await stillThere(), 'nothing deleted');

  const noCsrf = await app.inject({ method: 'POST', url: href, headers: { cookie: officer.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ version, reason: 'x' }) });
  t.equal(noCsrf.statusCode, 403, 'CSRF is checked');

  const done = await post({ version, reason: 'Entered for the wrong year' });
  t.equal(done.statusCode, 303);
  t.equal(await stillThere(), null, 'the figure is deleted');
  const local = (await apiFigures()).series.find((x) => x.role === 'local')!;
  t.notOk(local.observations.some((o) => o.period === target.period_label), 'gone from what the API serves');

  const audit = await db.selectFrom('observation_audit').selectAll().where('series_id', '=', target.series_id).where('period_key', '=', target.period_key).orderBy('seq', 'desc').executeTakeFirstOrThrow();
  t.match(audit, { result: 'deleted', via: 'form', reason: 'Entered for the wrong year', new: null, old: { value: target.value }, version_before: target.version });

  const told = await app.inject({ method: 'GET', url: done.headers.location as string, headers: { cookie: officer.cookie } });
  t.match(told.body, /The figure has been deleted/, 'the officer who deleted it is told');
  const history = await app.inject({ method: 'GET', url: done.headers.location as string, headers: { cookie: manager.cookie } });
  t.equal(history.statusCode, 200);
  t.match(history.body, /Reason: Entered for the wrong year/);
  t.match(history.body, /deleted on the data entry form/);
  const restore = new RegExp(`action="(/p/coventry/indicators/${target.code}/history/${audit.id}/restore)"[\\s\\S]*?name="version" value="([^"]*)"`).exec(history.body);
  t.ok(restore, 'the manager is offered to restore the deleted figure');
  const restored = await app.inject({
    method: 'POST',
    url: restore![1]!,
    headers: { cookie: manager.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: form({ _csrf: manager.csrf, version: restore![2]! }),
  });
  t.equal(restored.statusCode, 303, 'restored');
  t.match(await stillThere(), { value: target.value }, 'the figure is back');
});

t.test('the API deletes a figure with a reason and a version', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const officer = await signIn(app, 'officer@demo.example');
  const target = await db
    .selectFrom('observation')
    .innerJoin('series', 'series.id', 'observation.series_id')
    .innerJoin('indicator', 'indicator.id', 'series.indicator_id')
    .innerJoin('partnership', 'partnership.id', 'indicator.partnership_id')
    .select(['observation.version', 'observation.period_key', 'series.id as series_id', 'indicator.code'])
    .where('partnership.slug', '=', 'coventry')
    .where('series.role', '=', 'local')
    .orderBy('observation.period_position', 'desc')
    .executeTakeFirstOrThrow();
  const call = (body: unknown) =>
    app.inject({
      method: 'DELETE',
      url: `/api/v1/partnerships/coventry/indicators/${target.code}/observations/local/${encodeURIComponent(target.period_key)}`,
      headers: { cookie: officer.cookie, 'x-csrf-token': officer.csrf, 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });
  const exists = async () => !!(await db.selectFrom('observation').select('id').where('series_id', '=', target.series_id).where('period_key', '=', target.period_key).executeTakeFirst());

  const noReason = await call({ version: target.version });
  t.equal(noReason.statusCode, 422);
  t.match(noReason.json().message, /reason/);
  const stale = await call({ version: target.version + 1, reason: 'Wrong year' });
  t.equal(stale.statusCode, 409);
  t.match(stale.json(), { error: 'conflict', current: { version: target.version } });
  t.ok(await exists(), 'nothing deleted');
  const done = await call({ version: target.version, reason: 'Wrong year' });
  t.equal(done.statusCode, 200);
  t.notOk(await exists(), 'deleted');
  const audit = await db.selectFrom('observation_audit').select(['result', 'via', 'reason']).where('series_id', '=', target.series_id).where('period_key', '=', target.period_key).orderBy('seq', 'desc').executeTakeFirstOrThrow();
  t.same(audit, { result: 'deleted', via: 'api', reason: 'Wrong year' });
});
