import t from 'tap';
import { checkFigure, parseNumber } from '../../server/features/observations/figure.ts';
import { suppressSmallNumbers } from '../../server/features/observations/small-numbers.ts';
import { measuredSeries } from '../../server/features/indicators/measure.ts';
import { buildTestApp, form, signIn, type Session } from '../helpers/app.ts';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');

t.test('figures as people type them', async (t) => {
  const pct = { unit: 'percentage' as const, rate_base: null, decimals: 1 };
  const count = { unit: 'count' as const, rate_base: null, decimals: 0 };
  t.same(parseNumber('1,234'), { ok: true, value: 1234 }, 'thousands separators');
  t.same(parseNumber('1.5E+01'), { ok: true, value: 15 }, 'scientific notation');
  t.same(parseNumber(' 7 '), { ok: true, value: 7 });
  t.match(parseNumber('12,5'), { ok: false, text: /“12,5” is not a number: use a full stop for the decimal point \(12\.5\)/ });
  t.match(parseNumber('abc'), { ok: false, text: /“abc” is not a number/ });
  t.match(checkFigure(pct, { value: '120' }, null), { ok: false, problems: [{ field: 'value', text: /A percentage must be between 0 and 100: 120 is not/ }] });
  t.match(checkFigure(count, { value: '2.5' }, null), { ok: false, problems: [{ field: 'value', text: /A count must be a whole number, 0 or more: 2\.5 is not/ }] });
  t.match(checkFigure(count, { value: '-1' }, null), { ok: false, problems: [{ field: 'value', text: /whole number, 0 or more/ }] });
  t.match(checkFigure(pct, { value: '5', marker: 'c' }, null), { ok: false, problems: [{ field: 'marker', text: /a value or a marker, not both/ }] });
  t.match(checkFigure(pct, {}, null), { ok: false, problems: [{ field: 'value', text: /Enter a value, or choose a marker/ }] });
  t.match(checkFigure(pct, { marker: 'q' }, null), { ok: false, problems: [{ field: 'marker', text: /“q” is not a marker/ }] });
  t.match(checkFigure(pct, { value: '5', status: 'draft' }, null), { ok: false, problems: [{ field: 'status', text: /“draft” is not a status/ }] });
  t.match(checkFigure(pct, { numerator: '30', denominator: '120' }, null), { ok: true, figure: { value: 25, numerator: 30, denominator: 120, status: 'final' } }, 'the rate is worked out, not typed');
  t.match(checkFigure(pct, { value: '26', numerator: '30', denominator: '120' }, null), { ok: false, problems: [{ field: 'value', text: /worked out from the numerator and denominator \(25\.0%\)/ }] });
  t.match(checkFigure(pct, { numerator: '30' }, null), { ok: false, problems: [{ field: 'denominator', text: /Enter the denominator too/ }] });
  t.match(checkFigure(pct, { numerator: '3', denominator: '0' }, null), { ok: false, problems: [{ field: 'denominator', text: /must be more than 0/ }] });
  t.match(checkFigure(count, { numerator: '3', denominator: '4' }, null), { ok: false, problems: [{ field: 'numerator', text: /A count is not worked out/ }] });
  t.match(checkFigure(pct, { value: 'c' }, null), { ok: true, figure: { value: null, marker: 'c' } }, 'a marker in the value column, as published tables have it');
  t.match(checkFigure(pct, { value: '-3.5' }, null, { gap: true }), { ok: true, figure: { value: -3.5 } }, 'a gap may be negative');
  const final = { value: 20, marker: null, status: 'final' as const, numerator: null, denominator: null, note: '' };
  t.match(checkFigure(pct, { value: '21' }, final), { ok: true, figure: { status: 'revised' } }, 'a changed final figure with no status given is revised');
  t.match(checkFigure(pct, { value: '20' }, final), { ok: true, figure: { status: 'final' } }, 'an unchanged one keeps its status');
});

t.test('small numbers are published as c, and so is a gap that would reveal one', async (t) => {
  const rows = [
    { role: 'local' as const, value: 4, marker: null, numerator: null },
    { role: 'local' as const, value: 12, marker: null, numerator: null },
    { role: 'local' as const, value: 0, marker: null, numerator: null },
    { role: 'england' as const, value: 3, marker: null, numerator: null },
  ];
  t.same(suppressSmallNumbers(rows, 'count', 5).map((r) => r.marker ?? r.value), ['c', 12, 0, 3], 'counts 1–4 suppressed, zero and England kept');
  t.same(suppressSmallNumbers([{ role: 'local' as const, value: 7.5, marker: null, numerator: 3 }], 'percentage', 5)[0], { role: 'local', value: null, marker: 'c', numerator: null }, 'a percentage of 3 children');
  const focus = { role: 'focus' as const, period_position: 2024, period_label: '2024/25', value: 40, marker: null, numerator: 4, status: 'final' as const };
  const comparison = { ...focus, role: 'comparison' as const, value: 60, numerator: 300 };
  const shown = suppressSmallNumbers([focus, comparison], 'percentage', 5);
  const gap = measuredSeries({ kind: 'gap', polarity: 'higher' }, shown);
  t.same(gap.map((p) => [p.value, p.marker]), [[null, 'c']], 'the gap is suppressed too, or it would give the focus group away');
  t.same(suppressSmallNumbers(rows, 'count', null), rows, 'no threshold, nothing suppressed');
});

t.test('the quarterly return, the audit trail and restoring', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const officer = await signIn(app, 'officer@demo.example');
  const manager = await signIn(app, 'manager@demo.example');
  const viewer = await signIn(app, 'viewer@demo.example');
  const get = (url: string, s: Session) => app.inject({ method: 'GET', url, headers: { cookie: s.cookie, accept: 'text/html' } });
  const post = (url: string, s: Session, values: Record<string, string>) =>
    app.inject({ method: 'POST', url, headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: form({ _csrf: s.csrf, ...values }) });
  const seriesId = async (code: string, role = 'local') =>
    (await db.selectFrom('series').innerJoin('indicator', 'indicator.id', 'series.indicator_id').select('series.id').where('indicator.code', '=', code).where('series.role', '=', role as 'local').executeTakeFirstOrThrow()).id;
  const figure = (id: string, key: string) => db.selectFrom('observation').selectAll().where('series_id', '=', id).where('period_key', '=', key).executeTakeFirst();
  const audit = (id: string, key: string) => db.selectFrom('observation_audit').selectAll().where('series_id', '=', id).where('period_key', '=', key).orderBy('seq').execute();

  /** The form as the browser would post it: every field as shown, then the changes. */
  const formAsShown = async (period: string, s: Session, changes: Record<string, string> = {}) => {
    const page = await get(`/p/coventry/returns?period=${period}`, s);
    const values: Record<string, string> = { period };
    for (const m of page.body.matchAll(/<input class="govuk-input[^"]*" id="([^"]+)" name="[^"]+"[^>]*value="([^"]*)"/g)) values[m[1]!] = m[2]!.replace(/&amp;/g, '&');
    for (const m of page.body.matchAll(/<input type="hidden" name="((?:version|conflict|seen)-[^"]+)" value="([^"]*)"/g)) values[m[1]!] = m[2]!.replace(/&quot;/g, '"').replace(/&amp;/g, '&');
    for (const m of page.body.matchAll(/<select class="govuk-select[^"]*" id="((?:status|marker)-[^"]+)"[^>]*>([\s\S]*?)<\/select>/g)) values[m[1]!] = /<option value="([^"]*)" selected>/.exec(m[2]!)?.[1] ?? '';
    return { ...values, ...changes };
  };

  const reReferrals = await seriesId('RE_REFERRALS_12M');
  const absence = await seriesId('PERSISTENT_ABSENCE');
  const exclusions = await seriesId('PERMANENT_EXCLUSION_RATE');

  t.test('a viewer cannot enter data; an officer sees the link', async (t) => {
    t.equal((await get('/p/coventry/returns', viewer)).statusCode, 403);
    const home = await get('/p/coventry', officer);
    t.match(home.body, /href="\/p\/coventry\/returns"[^>]*>Enter data/);
    t.match(home.body, /href="\/p\/coventry\/data"[^>]*>Import and export/);
    t.notMatch((await get('/p/coventry', viewer)).body, />Enter data</);
  });

  t.test('picking a period shows every indicator due, with the figures before it', async (t) => {
    const picker = await get('/p/coventry/returns', officer);
    t.equal(picker.statusCode, 200);
    t.match(picker.body, /<option value="fy_quarter:2025-26-Q3">2025-26 Q3<\/option>/);
    const res = await get('/p/coventry/returns?period=fy_quarter:2025-26-Q3', officer);
    t.equal(res.statusCode, 200);
    const body = text(res.body);
    t.match(body, /Re-referrals to children's social care within 12 months/);
    t.match(body, /Previous period, 2025-26 Q2: \d+\.\d% \(provisional\)/);
    t.match(body, /A year before, 2024-25 Q3: \d+\.\d% \(final\)/);
    t.notMatch(body, /Persistent absence/, 'an academic-year indicator is not due in a quarter');
    const academic = text((await get('/p/coventry/returns?period=academic_year:2025-26', officer)).body);
    t.match(academic, /Persistent absence/);
    t.match(academic, /Attainment 8 at key stage 4: disadvantaged gap: Disadvantaged pupils|Disadvantaged pupils/);
    const bad = await get('/p/coventry/returns?period=nonsense', officer);
    t.equal(bad.statusCode, 400);
    t.match(text(bad.body), /Choose a period from the list/);
  });

  t.test('a mistake in two fields: nothing saved, each error listed and linked, the input kept', async (t) => {
    const res = await post('/p/coventry/returns', officer, {
      period: 'academic_year:2025-26',
      [`value-${absence}`]: '12,5',
      [`status-${absence}`]: 'provisional',
      [`value-${exclusions}`]: '0.08',
      [`status-${exclusions}`]: 'provisional',
      [`numerator-${reReferrals}`]: 'ignored: not on this page',
    });
    t.equal(res.statusCode, 400);
    t.match(res.body, /class="govuk-error-summary"/);
    t.match(res.body, new RegExp(`<a href="#value-${absence}">Persistent absence, 2025/26: “12,5” is not a number: use a full stop for the decimal point \\(12\\.5\\)</a>`));
    t.match(res.body, new RegExp(`id="value-${absence}" name="value-${absence}"[^>]*value="12,5"`), 'the typed value is shown again');
    t.match(res.body, new RegExp(`id="value-${exclusions}" name="value-${exclusions}"[^>]*value="0.08"`), 'the good value too');
    t.equal(await figure(exclusions, '2025-26'), undefined, 'all or nothing: the good figure is not saved either');

    const second = await post('/p/coventry/returns', officer, {
      period: 'academic_year:2025-26',
      [`value-${absence}`]: '120',
      [`value-${exclusions}`]: 'abc',
    });
    t.equal(second.statusCode, 400);
    const errors = [...second.body.matchAll(/<li><a href="#([^"]+)">([^<]+)<\/a><\/li>/g)].map((m) => [m[1], m[2]]);
    t.same(errors, [
      [`value-${absence}`, 'Persistent absence, 2025/26: a percentage must be between 0 and 100: 120 is not'],
      [`value-${exclusions}`, 'Permanent exclusion rate, 2025/26: “abc” is not a number'],
    ]);

    const fixed = await post('/p/coventry/returns', officer, {
      period: 'academic_year:2025-26',
      [`value-${absence}`]: '12.5',
      [`status-${absence}`]: 'provisional',
      [`numerator-${exclusions}`]: '30',
      [`denominator-${exclusions}`]: '40,000',
      [`status-${exclusions}`]: 'provisional',
      [`note-${exclusions}`]: 'From the autumn and spring terms',
    });
    t.equal(fixed.statusCode, 303);
    t.notMatch(fixed.headers.location, /saved=/, 'the address carries no message');
    t.match(text((await get(fixed.headers.location as string, officer)).body), /2 figures saved for 2025\/26/);
    t.match(await figure(absence, '2025-26'), { value: 12.5, status: 'provisional', version: 1 });
    t.match(await figure(exclusions, '2025-26'), { value: 0.075, numerator: 30, denominator: 40000, note: 'From the autumn and spring terms' }, 'the rate worked out from numerator and denominator');
    t.match(await audit(absence, '2025-26'), [{ via: 'form', result: 'saved', old: null, new: { value: 12.5, status: 'provisional' }, version_after: 1 }]);
  });

  t.test('saving the same figures again changes nothing', async (t) => {
    const res = await post('/p/coventry/returns', officer, await formAsShown('academic_year:2025-26', officer));
    t.equal(res.statusCode, 303);
    t.match(text((await get(res.headers.location as string, officer)).body), /Nothing had changed: no figure was saved/);
    t.match(await figure(absence, '2025-26'), { version: 1 }, 'no new version');
  });

  t.test('two saves of one figure: the second is told, both attempts are in the audit trail', async (t) => {
    // Both open the form while the figure is at version 1.
    const mine = await formAsShown('academic_year:2025-26', officer, { [`value-${absence}`]: '12.9', [`status-${absence}`]: 'revised' });
    const theirs = await formAsShown('academic_year:2025-26', manager, { [`value-${absence}`]: '13.1', [`status-${absence}`]: 'revised' });
    t.equal(mine[`version-${absence}`], '1');
    const [a, b] = await Promise.all([post('/p/coventry/returns', officer, mine), post('/p/coventry/returns', manager, theirs)]);
    const statuses = [a.statusCode, b.statusCode].sort();
    t.same(statuses, [303, 409], 'one saved, one refused');
    const refused = a.statusCode === 409 ? a : b;
    const refusedValue = a.statusCode === 409 ? '12.9' : '13.1';
    const savedValue = a.statusCode === 409 ? '13.1' : '12.9';
    const body = text(refused.body);
    t.match(body, /Someone else saved this figure while you were editing\. Which do you want to keep\?/);
    const shown = (v: string) => `${Number(v).toFixed(2)}%`.replace('.', '\\.');
    t.match(body, new RegExp(`Keep mine: ${shown(refusedValue)} \\(revised\\)`));
    t.match(body, new RegExp(`Keep theirs: ${shown(savedValue)} \\(revised\\)`));
    t.match(refused.body, new RegExp(`id="value-${absence}" name="value-${absence}"[^>]*value="${refusedValue}"`), 'their input is kept');
    t.match(refused.body, new RegExp(`name="version-${absence}" value="2"`), 'the form now checks against the saved version');
    t.match(await figure(absence, '2025-26'), { value: Number(savedValue), version: 2 });
    const trail = await audit(absence, '2025-26');
    t.same(trail.map((r) => [r.result, r.new?.value]), [['saved', 12.5], ['saved', Number(savedValue)], ['conflict', Number(refusedValue)]]);
    t.match(trail[2], { via: 'form', expected_version: 1, version_before: 2, old: { value: Number(savedValue) } }, 'the refused attempt records what it would have replaced');

    // Sent back without choosing: asked again.
    const refuser = a.statusCode === 409 ? officer : manager;
    const again = await post('/p/coventry/returns', refuser, { ...(a.statusCode === 409 ? mine : theirs), [`version-${absence}`]: '2', [`conflict-${absence}`]: '1' });
    t.equal(again.statusCode, 400);
    t.match(text(again.body), /Persistent absence, 2025\/26: choose which figure to keep/);
    const keepMine = await post('/p/coventry/returns', refuser, { ...(a.statusCode === 409 ? mine : theirs), [`version-${absence}`]: '2', [`conflict-${absence}`]: '1', [`keep-${absence}`]: 'mine' });
    t.equal(keepMine.statusCode, 303);
    t.match(await figure(absence, '2025-26'), { value: Number(refusedValue), version: 3 });
  });

  t.test("a figure someone else changed, that you did not touch, is left alone: no false conflict", async (t) => {
    const stale = await formAsShown('academic_year:2025-26', officer, { [`value-${exclusions}`]: '0.09', [`numerator-${exclusions}`]: '', [`denominator-${exclusions}`]: '', [`status-${exclusions}`]: 'revised' });
    // Meanwhile the manager saves the absence figure the officer has on screen but does not touch.
    const meanwhile = await post('/p/coventry/returns', manager, await formAsShown('academic_year:2025-26', manager, { [`value-${absence}`]: '12.8' }));
    t.equal(meanwhile.statusCode, 303);
    const res = await post('/p/coventry/returns', officer, stale);
    t.equal(res.statusCode, 303, [...res.body.matchAll(/<li><a href="#([^"]+)">([^<]+)<\/a>/g)].map((x) => x[2]).join('; '));
    t.match(text((await get(res.headers.location as string, officer)).body), /1 figure saved for/);
    t.match(await figure(absence, '2025-26'), { value: 12.8 }, "the manager's figure stands");
    t.match(await figure(exclusions, '2025-26'), { value: 0.09, numerator: null, status: 'revised' });
  });

  t.test('provisional → revised → final keeps every earlier figure, and a manager can restore one', async (t) => {
    const save = (value: string, status: string, version: string, who = officer) =>
      post('/p/coventry/returns', who, { period: 'fy_quarter:2025-26-Q3', [`value-${reReferrals}`]: value, [`status-${reReferrals}`]: status, [`version-${reReferrals}`]: version });
    t.equal((await save('21.0', 'provisional', '')).statusCode, 303);
    t.equal((await save('21.4', 'revised', '1')).statusCode, 303);
    t.equal((await save('21.4', 'final', '2')).statusCode, 303);
    const history = await get('/p/coventry/indicators/RE_REFERRALS_12M/history?series=local&period=2025-26-Q3', manager);
    t.equal(history.statusCode, 200);
    const rows = [...history.body.matchAll(/<tr class="govuk-table__row">([\s\S]*?)<\/tr>/g)].map((m) => text(m[1]!).trim()).filter((r) => /2025-26 Q3/.test(r));
    t.equal(rows.length, 3);
    t.match(rows[0], /21\.4% \(revised\) 21\.4% \(final\) Olu Officer, data entry form/);
    t.match(rows[1], /21\.0% \(provisional\) 21\.4% \(revised\)/);
    t.match(rows[2], /no figure 21\.0% \(provisional\)/);

    const section = text((await get('/p/coventry/indicators/RE_REFERRALS_12M', viewer)).body);
    t.match(section, /Changes to the figures/);
    t.match(section, /Coventry \(illustrative\), 2025-26 Q3 21\.4% \(revised\) 21\.4% \(final\) Olu Officer, data entry form/);

    const entries = await db.selectFrom('observation_audit').select(['id', 'old']).where('series_id', '=', reReferrals).where('period_key', '=', '2025-26-Q3').orderBy('seq').execute();
    const provisionalToRevised = entries[1]!;
    const restoreUrl = `/p/coventry/indicators/RE_REFERRALS_12M/history/${provisionalToRevised.id}/restore`;
    t.equal((await post(restoreUrl, officer, { version: '3' })).statusCode, 403, 'an officer cannot restore');
    const stale = await post(restoreUrl, manager, { version: '2' });
    t.equal(stale.statusCode, 409, 'a restore against a stale version is refused');
    t.match(text(stale.body), /Nothing was restored: Olu Officer changed this figure to 21\.4% \(final\)/);
    const restored = await post(restoreUrl, manager, { version: '3' });
    t.equal(restored.statusCode, 303);
    t.match(await figure(reReferrals, '2025-26-Q3'), { value: 21, status: 'provisional', version: 4 });
    const last = (await audit(reReferrals, '2025-26-Q3')).filter((r) => r.result === 'saved').at(-1)!;
    t.match(last, { via: 'restore', old: { value: 21.4, status: 'final' }, new: { value: 21, status: 'provisional' } }, 'the restore is itself audited');
    t.match(text((await get(restored.headers.location as string, manager)).body), /The earlier figure has been restored/);
  });

  t.test("another partnership's ids are not found", async (t) => {
    t.equal((await get('/p/coventry/indicators/NOPE/history', viewer)).statusCode, 404);
    t.equal((await post('/p/coventry/indicators/RE_REFERRALS_12M/history/00000000-0000-4000-8000-000000000000/restore', manager, { version: '1' })).statusCode, 404);
    t.equal((await post('/p/coventry/indicators/RE_REFERRALS_12M/history/not-a-uuid/restore', manager, { version: '1' })).statusCode, 404);
  });

  t.test("a programme's performance measures are due too, and can be picked on their own", async (t) => {
    const partnership = await db.selectFrom('partnership').select('id').where('slug', '=', 'coventry').executeTakeFirstOrThrow();
    const programme = await db.insertInto('programme').values({ partnership_id: partnership.id, name: 'Family Hubs' }).returning('id').executeTakeFirstOrThrow();
    const measure = await db
      .insertInto('indicator')
      .values({ partnership_id: partnership.id, priority_id: null as unknown as string, programme_id: programme.id, measure_kind: 'how_much', code: 'FH_FAMILIES', title: 'Families supported by Family Hubs', unit: 'count', decimals: 0, polarity: 'higher', period_type: 'fy_quarter' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const local = await db.insertInto('series').values({ indicator_id: measure.id, role: 'local', label: 'Family Hubs' }).returning('id').executeTakeFirstOrThrow();
    const page = await get(`/p/coventry/returns?period=fy_quarter:2025-26-Q4&priority=programme:${programme.id}`, officer);
    const body = text(page.body);
    t.match(body, /Performance measure of Family Hubs Families supported by Family Hubs/);
    t.notMatch(body, /Re-referrals/, 'only the programme chosen');
    t.notMatch(page.body, new RegExp(`id="numerator-${local.id}"`), 'a count has no numerator or denominator');
    const saved = await post('/p/coventry/returns', officer, { period: 'fy_quarter:2025-26-Q4', priority: `programme:${programme.id}`, [`value-${local.id}`]: '2.5', [`status-${local.id}`]: 'final' });
    t.equal(saved.statusCode, 400);
    t.match(text(saved.body), /Families supported by Family Hubs, 2025-26 Q4: a count must be a whole number, 0 or more: 2\.5 is not/);
    const fixed = await post('/p/coventry/returns', officer, { period: 'fy_quarter:2025-26-Q4', priority: `programme:${programme.id}`, [`value-${local.id}`]: '1,250', [`status-${local.id}`]: 'final' });
    t.equal(fixed.statusCode, 303);
    t.match(fixed.headers.location, new RegExp(`priority=programme%3A${programme.id}`));
    t.match(await figure(local.id, '2025-26-Q4'), { value: 1250 });
    const exported = await get('/p/coventry/data/export.csv', officer);
    t.match(exported.body, /\r\nFH_FAMILIES,local,2025-26 Q4,1250,,final,,,\r\n/, 'and in the export');
  });

  t.test('a figure cannot be emptied, only marked', async (t) => {
    const res = await post('/p/coventry/returns', officer, await formAsShown('academic_year:2025-26', officer, { [`value-${absence}`]: '' }));
    t.equal(res.statusCode, 400);
    t.match(text(res.body), /a saved figure cannot be left blank \(choose x if it is not available\)/);
    const marked = await post('/p/coventry/returns', officer, await formAsShown('academic_year:2025-26', officer, { [`value-${absence}`]: '', [`marker-${absence}`]: 'x', [`status-${absence}`]: 'provisional' }));
    t.equal(marked.statusCode, 303);
    t.match(await figure(absence, '2025-26'), { value: null, marker: 'x' });
  });
});
