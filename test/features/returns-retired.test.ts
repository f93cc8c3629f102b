// An officer has the returns page open when a manager retires one of its indicators: what the officer typed for it is
// not silently dropped on save. Nothing is saved, the page says which indicator and why, and the rest of the input is
// kept for saving again.
import t from 'tap';
import { buildTestApp, signIn } from '../helpers/app.ts';

t.test('figures typed for an indicator retired while the returns page was open', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const officer = await signIn(app, 'officer@demo.example');
  const series = async (code: string) =>
    (await db.selectFrom('series').innerJoin('indicator', 'indicator.id', 'series.indicator_id').innerJoin('partnership', 'partnership.id', 'indicator.partnership_id').select('series.id').where('partnership.slug', '=', 'coventry').where('indicator.code', '=', code).where('series.role', '=', 'local').executeTakeFirstOrThrow()).id;
  const absence = await series('PERSISTENT_ABSENCE');
  const exclusions = await series('PERMANENT_EXCLUSION_RATE');
  const period = 'academic_year:2025-26';
  const opened = await app.inject({ method: 'GET', url: `/p/coventry/returns?period=${period}`, headers: { cookie: officer.cookie } });
  t.match(opened.body, `id="value-${exclusions}"`, 'the page offers both indicators');
  t.match(opened.body, `id="value-${absence}"`);

  // Meanwhile a manager retires the exclusions indicator.
  await db.updateTable('indicator').set({ retired_at: new Date() }).where('code', '=', 'PERMANENT_EXCLUSION_RATE').execute();
  const saved = () =>
    db.selectFrom('observation').select(['series_id', 'value']).where('series_id', 'in', [absence, exclusions]).where('period_key', '=', '2025-26').execute();
  const before = await saved();

  const post = (values: Record<string, string>) =>
    app.inject({
      method: 'POST',
      url: '/p/coventry/returns',
      headers: { cookie: officer.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: officer.csrf, period, ...values }).toString(),
    });
  const refused = await post({ [`value-${absence}`]: '12.5', [`version-${absence}`]: '', [`value-${exclusions}`]: '0.15', [`version-${exclusions}`]: '' });
  t.equal(refused.statusCode, 409, 'refused rather than half-saved');
  t.match(refused.body, /Permanent exclusion rate \(PERMANENT_EXCLUSION_RATE\)[^<]*was retired while you were entering figures/, 'the error summary names the retired indicator');
  t.match(refused.body, /Your plan → Retired items/, 'and says who can bring it back, and where');
  t.match(refused.body, new RegExp(`id="value-${absence}"[^>]*value="12.5"`), 'the other figure typed is kept in the form');
  t.same(await saved(), before, 'nothing was saved');

  const again = await post({ [`value-${absence}`]: '12.5', [`version-${absence}`]: '' });
  t.equal(again.statusCode, 303, 'saving again, without it, saves the rest');
  t.same((await saved()).filter((o) => o.series_id === absence).map((o) => o.value), [12.5]);

  // A figure shown on the page and left as it was is not input: the officer's page for the latest year showed the
  // exclusions figure saved then; posting it back unchanged after the indicator was retired is no reason to refuse.
  await db.updateTable('indicator').set({ retired_at: null }).where('code', '=', 'PERMANENT_EXCLUSION_RATE').execute();
  const latest = await db.selectFrom('observation').select('period_key').where('series_id', '=', exclusions).orderBy('period_position', 'desc').executeTakeFirstOrThrow();
  const earlierPeriod = `academic_year:${latest.period_key}`;
  const earlier = await app.inject({ method: 'GET', url: `/p/coventry/returns?period=${earlierPeriod}`, headers: { cookie: officer.cookie } });
  const field = (name: string) => new RegExp(`name="${name}"[^>]*value="([^"]*)"`).exec(earlier.body)?.[1]?.replace(/&quot;/g, '"') ?? '';
  const shown: Record<string, string> = {};
  // Selects (marker, status) post their selected option.
  const selected = (name: string) => new RegExp(`<select[^>]*name="${name}"[^>]*>([\\s\\S]*?)</select>`).exec(earlier.body)?.[1]!.match(/<option value="([^"]*)"[^>]*selected/)?.[1];
  for (const f of ['value', 'marker', 'status', 'numerator', 'denominator', 'note', 'version', 'seen']) shown[`${f}-${exclusions}`] = selected(`${f}-${exclusions}`) ?? field(`${f}-${exclusions}`);
  t.not(shown[`value-${exclusions}`], '', 'the page showed a saved exclusions figure');
  await db.updateTable('indicator').set({ retired_at: new Date() }).where('code', '=', 'PERMANENT_EXCLUSION_RATE').execute();
  const untouched = await app.inject({
    method: 'POST',
    url: '/p/coventry/returns',
    headers: { cookie: officer.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: officer.csrf, period: earlierPeriod, ...shown }).toString(),
  });
  t.equal(untouched.statusCode, 303, 'a figure left as it was shown is not counted as typed');
  const changed = await app.inject({
    method: 'POST',
    url: '/p/coventry/returns',
    headers: { cookie: officer.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: officer.csrf, period: earlierPeriod, ...shown, [`value-${exclusions}`]: '0.33' }).toString(),
  });
  t.equal(changed.statusCode, 409, 'but a changed one is');
});
