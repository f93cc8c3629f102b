// Twenty writers of every kind on one indicator at once: the data-entry form, CSV imports being confirmed, API
// writes and baseline changes. Each must end in success or a clear 409 (never a 5xx), and the audit trail must
// hold every write that was accepted: for every figure, one saved entry per version, the last one the figure saved.
import t from 'tap';
import { buildTestApp, csrfFrom, form, signIn } from '../helpers/app.ts';
import { multipart, PASSWORD, setUpPartnership, YEARS } from './writers-fixture.ts';

/** The named fields of a page's forms, as a browser would send them back. */
function formFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input[^>]*>/g)) {
    const name = /name="([^"]+)"/.exec(m[0])?.[1];
    if (!name || /type="radio"/.test(m[0])) continue;
    fields[name] = /value="([^"]*)"/.exec(m[0])?.[1]?.replace(/&quot;/g, '"').replace(/&amp;/g, '&') ?? '';
  }
  return fields;
}

function shuffled<T>(list: T[], seed: number): T[] {
  const out = [...list];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

t.test('twenty writers of every kind on one indicator: no 5xx, every accepted write audited', async (t) => {
  const { app, database } = await buildTestApp(t, 'empty');
  const db = database.db;
  const { partnership, officerToken, managerToken, api } = await setUpPartnership(app, db);
  const officer = await signIn(app, 'officer@race.example', PASSWORD);
  const manager = await signIn(app, 'manager@race.example', PASSWORD);

  // Prepared beforehand, as people would have: CSV previews waiting for "Confirm", forms open on the screen.
  const previews: string[] = [];
  for (let n = 0; n < 5; n++) {
    const lines = ['indicator_code,series,period,value'];
    for (const y of shuffled(YEARS, n + 1)) lines.push(`RACE,local,${y},${100 + n * 10 + (y % 7)}`, `RACE,england,${y},${60 + n}`);
    const up = await app.inject({ method: 'POST', url: '/p/race/data/csv', ...multipart(officer, `race-${n}.csv`, `${lines.join('\r\n')}\r\n`) });
    t.equal(up.statusCode, 303, `CSV ${n} previewed`);
    previews.push(up.headers.location as string);
  }
  const forms: Record<string, string>[] = [];
  for (let n = 0; n < 4; n++) {
    const page = await app.inject({ method: 'GET', url: `/p/race/returns?period=calendar_year:${YEARS[5 + n]}`, headers: { cookie: officer.cookie } });
    t.equal(page.statusCode, 200);
    const fields = formFields(page.body);
    const valueField = Object.keys(fields).find((k) => k.startsWith('value-'));
    if (!valueField) throw new Error('no value field on the form');
    fields[valueField] = String(70 + n);
    forms.push(fields);
  }

  type Outcome = { kind: string; status: number; body: string };
  const writers: (() => Promise<Outcome>)[] = [];
  for (const url of previews) {
    writers.push(async () => {
      const res = await app.inject({ method: 'POST', url: `${url}/confirm`, headers: { cookie: officer.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ _csrf: officer.csrf }) });
      return { kind: 'csv confirm', status: res.statusCode, body: res.body };
    });
  }
  for (let n = 0; n < 7; n++) {
    writers.push(async () => {
      const items = shuffled(YEARS, 100 + n).map((y) => ({ series: n % 2 ? 'local' : 'target', period: String(y), value: 200 + n }));
      items.push({ series: 'region', period: String(YEARS[n]!), value: 300 + n });
      const res = await api('PUT', '/indicators/RACE/observations', officerToken, items);
      return { kind: 'api put', status: res.statusCode, body: res.body };
    });
  }
  for (const fields of forms) {
    writers.push(async () => {
      const res = await app.inject({ method: 'POST', url: '/p/race/returns', headers: { cookie: officer.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ ...fields, _csrf: officer.csrf }) });
      return { kind: 'form', status: res.statusCode, body: res.body };
    });
  }
  for (let n = 0; n < 3; n++) {
    writers.push(async () => {
      const res = await api('PUT', '/indicators/RACE/baseline', managerToken, { period: String(YEARS[5 + n]), method: 'linear', window: 5, note: `baseline ${n}` });
      return { kind: 'api baseline', status: res.statusCode, body: res.body };
    });
  }
  writers.push(async () => {
    const page = await app.inject({ method: 'GET', url: '/p/race/indicators/RACE/baseline', headers: { cookie: manager.cookie } });
    const res = await app.inject({
      method: 'POST',
      url: '/p/race/indicators/RACE/baseline',
      headers: { cookie: manager.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: form({ _csrf: csrfFrom(page.body), period: String(YEARS[6]), window: '5', method: 'linear', note: 'agreed at the board' }),
    });
    return { kind: 'baseline form', status: res.statusCode, body: res.body };
  });
  t.equal(writers.length, 20);

  const outcomes = await Promise.all(writers.map((w) => w()));
  const failed = outcomes.filter((o) => o.status >= 500 || ![200, 201, 303, 409].includes(o.status));
  t.same(
    failed.map((o) => `${o.kind}: ${o.status} ${o.body.slice(0, 200)}`),
    [],
    'every request ends in success or a clear 409',
  );
  for (const o of outcomes.filter((o) => o.status === 409)) {
    t.match(o.body, /changed|already|conflict/i, `${o.kind}: the 409 says why`);
  }
  t.ok(outcomes.filter((o) => o.status < 300 || o.status === 303).length >= 5, 'writers got through');

  // Nothing lost: every figure's versions are each in the audit trail once, the last with the figure saved now.
  const figures = await db
    .selectFrom('observation')
    .innerJoin('series', 'series.id', 'observation.series_id')
    .innerJoin('indicator', 'indicator.id', 'series.indicator_id')
    .select(['observation.id', 'observation.series_id', 'observation.period_key', 'observation.version', 'observation.value'])
    .where('indicator.partnership_id', '=', partnership.id)
    .execute();
  const audit = await db
    .selectFrom('observation_audit')
    .select(['series_id', 'period_key', 'version_after', 'new'])
    .where('partnership_id', '=', partnership.id)
    .where('result', '=', 'saved')
    .orderBy('seq')
    .execute();
  const problems: string[] = [];
  for (const f of figures) {
    const mine = audit.filter((a) => a.series_id === f.series_id && a.period_key === f.period_key);
    const versions = mine.map((a) => a.version_after);
    const expected = Array.from({ length: f.version }, (_, i) => i + 1);
    if (JSON.stringify(versions) !== JSON.stringify(expected)) problems.push(`${f.period_key}: versions ${versions.join(',')} in the audit, ${f.version} saved`);
    else if (mine.at(-1)!.new?.value !== f.value) problems.push(`${f.period_key}: the last audited figure is ${mine.at(-1)!.new?.value}, ${f.value} is saved`);
  }
  t.same(problems, [], `all ${figures.length} figures' versions are audited, once each`);
  t.equal(audit.length, figures.reduce((n, f) => n + f.version, 0), 'no audit entry for a write that did not happen');

  // Every accepted API write is in the trail as it was answered.
  for (const o of outcomes.filter((o) => o.kind === 'api put' && o.status === 200)) {
    const body = JSON.parse(o.body) as { changed: { series: string; period: string; version: number }[] };
    for (const c of body.changed) {
      const found = figures.some((f) => f.period_key === c.period) && audit.some((a) => a.period_key === c.period && a.version_after === c.version);
      if (!found) problems.push(`api ${c.series} ${c.period} v${c.version} not audited`);
    }
  }
  t.same(problems, [], 'every accepted API write is audited');
  const baselines = await db.selectFrom('baseline').innerJoin('indicator', 'indicator.id', 'baseline.indicator_id').select('baseline.version').where('indicator.code', '=', 'RACE').orderBy('baseline.version').execute();
  t.same(
    baselines.map((b) => b.version),
    Array.from({ length: outcomes.filter((o) => o.kind.includes('baseline') && (o.status === 201 || o.status === 303)).length }, (_, i) => i + 1),
    'every agreed baseline is a version of its own',
  );
});
