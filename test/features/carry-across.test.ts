// Retire an indicator and add a new one, then carry its history across with a stated note (issue 15): copied through
// the one write path, only between indicators measured the same way, refused with a reason otherwise.
import t from 'tap';
import { buildTestApp, signIn, type Session } from '../helpers/app.ts';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');

t.test('carrying a retired indicator’s figures across to its replacement', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const manager = await signIn(app, 'manager@demo.example');
  const page = (url: string, session: Session = manager) => app.inject({ method: 'GET', url, headers: { cookie: session.cookie, accept: 'text/html' } });
  const post = (url: string, values: Record<string, string>, session: Session = manager, csrf = true) =>
    app.inject({
      method: 'POST',
      url,
      headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      payload: new URLSearchParams({ ...(csrf ? { _csrf: session.csrf } : {}), ...values }).toString(),
    });
  const coventry = await db.selectFrom('partnership').select('id').where('slug', '=', 'coventry').executeTakeFirstOrThrow();
  const indicatorRow = (code: string) => db.selectFrom('indicator').selectAll().where('partnership_id', '=', coventry.id).where('code', '=', code).executeTakeFirstOrThrow();
  const figures = (code: string) =>
    db
      .selectFrom('observation')
      .innerJoin('series', 'series.id', 'observation.series_id')
      .innerJoin('indicator', 'indicator.id', 'series.indicator_id')
      .select(['series.role', 'observation.period_key', 'observation.value', 'observation.marker', 'observation.status', 'observation.note'])
      .where('indicator.partnership_id', '=', coventry.id)
      .where('indicator.code', '=', code)
      .orderBy('series.role')
      .orderBy('observation.period_key')
      .execute();

  // The replacement: persistent absence on a new definition, measured the same way.
  const old = await indicatorRow('PERSISTENT_ABSENCE');
  const added = await post('/p/coventry/plan/indicators/new', {
    priorityId: old.priority_id!, code: 'PERSISTENT_ABSENCE_2026', title: 'Persistent absence (2026 definition)', unit: 'percentage', rateBase: '', decimals: '1',
    polarity: 'lower', periodType: 'academic_year', kind: 'single', focusLabel: '', comparisonLabel: '', rank: 'headline', definition: '', source: '', sourceUrl: '', licence: '',
  });
  t.equal(added.statusCode, 303, 'the new indicator is added');
  const carry = '/p/coventry/indicators/PERSISTENT_ABSENCE_2026/carry-across';

  // Before anything is retired the indicator page offers nothing to carry, and the page lists no candidates.
  t.notMatch(text((await page('/p/coventry/indicators/PERSISTENT_ABSENCE_2026')).body), 'Carry figures across', 'no retired indicators: no link');

  t.equal((await post('/p/coventry/indicators/PERSISTENT_ABSENCE/retire', { version: String(old.version) })).statusCode, 303, 'the old one is retired');
  // And one measured another way, retired too: a count.
  const count = await db.selectFrom('indicator').select(['code', 'version']).where('partnership_id', '=', coventry.id).where('unit', '=', 'count').where('programme_id', 'is', null).executeTakeFirst();

  const shown = text((await page('/p/coventry/indicators/PERSISTENT_ABSENCE_2026')).body);
  t.match(shown, 'Carry figures across', 'the indicator page offers to carry figures across');
  const form = await page(carry);
  t.equal(form.statusCode, 200);
  t.match(text(form.body), 'PERSISTENT_ABSENCE: Persistent absence', 'the retired indicator is offered');

  await t.test('refusals: nothing is copied', async (t) => {
    const noNote = await post(carry, { from: 'PERSISTENT_ABSENCE', note: '' });
    t.equal(noNote.statusCode, 400);
    t.match(text(noNote.body), 'There is a problem Say why the figures carry across', 'the error summary asks for the note');
    t.match(noNote.body, /id="from" name="from" type="radio" value="PERSISTENT_ABSENCE" checked/, 'the choice is kept');
    const tooLong = await post(carry, { from: 'PERSISTENT_ABSENCE', note: 'x'.repeat(301) });
    t.match(text(tooLong.body), 'The note can be at most 300 characters');
    const notRetired = await post(carry, { from: 'NEET_16_17', note: 'Not retired' });
    t.equal(notRetired.statusCode, 400);
    t.match(text(notRetired.body), 'Choose one of the retired indicators listed', 'an active indicator, or a code from another partnership, is not on the list');
    if (count) {
      await post(`/p/coventry/indicators/${count.code}/retire`, { version: String(count.version) });
      const other = await post(carry, { from: count.code, note: 'Different measure' });
      t.equal(other.statusCode, 400);
      t.match(text(other.body), /figures can be carried across only between indicators measured the same way/, 'a count into a percentage is refused, saying why');
    }
    const viewer = await signIn(app, 'viewer@demo.example');
    const officer = await signIn(app, 'officer@demo.example');
    t.equal((await page(carry, viewer)).statusCode, 403, 'a viewer cannot open it');
    t.equal((await post(carry, { from: 'PERSISTENT_ABSENCE', note: 'n' }, officer)).statusCode, 403, 'an officer cannot post it');
    t.equal((await post(carry, { from: 'PERSISTENT_ABSENCE', note: 'n' }, manager, false)).statusCode, 403, 'no CSRF token, refused');
    t.equal((await page('/p/coventry/indicators/NO_SUCH_CODE/carry-across')).statusCode, 404);
    t.same(await figures('PERSISTENT_ABSENCE_2026'), [], 'nothing was copied');
  });

  await t.test('copied, each figure saying where it came from and why', async (t) => {
    const before = await figures('PERSISTENT_ABSENCE');
    t.ok(before.length > 5, 'the old indicator has a history');
    const done = await post(carry, { from: 'PERSISTENT_ABSENCE', note: 'The same measure: reworded for the 2026 plan' });
    t.equal(done.statusCode, 303);
    t.match(done.headers.location, /\?copied=\d+&kept=0$/);
    const banner = text((await page(done.headers.location as string)).body);
    t.match(banner, `${before.length} figures copied`, 'the page says how many');
    const after = await figures('PERSISTENT_ABSENCE_2026');
    t.same(
      after.map((f) => [f.role, f.period_key, f.value, f.marker, f.status]),
      before.map((f) => [f.role, f.period_key, f.value, f.marker, f.status]),
      'every figure of every series, with its value, marker and status',
    );
    for (const f of after) t.match(f.note, /^Copied from PERSISTENT_ABSENCE: The same measure: reworded for the 2026 plan/, `${f.role} ${f.period_key}: the note says where and why`);
    t.same(await figures('PERSISTENT_ABSENCE'), before, 'the retired indicator keeps its own');
    const audit = await db
      .selectFrom('observation_audit')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('indicator_id', '=', (await indicatorRow('PERSISTENT_ABSENCE_2026')).id)
      .where('via', '=', 'form')
      .executeTakeFirstOrThrow();
    t.equal(Number(audit.n), before.length, 'each copy is in the audit trail');
    const change = await db.selectFrom('plan_change').select(['action', 'after']).where('item_id', '=', (await indicatorRow('PERSISTENT_ABSENCE_2026')).id).where('action', '=', 'edited').executeTakeFirstOrThrow();
    t.match(change.after, { figuresCopiedFrom: 'PERSISTENT_ABSENCE', figures: before.length }, 'the plan’s history records the copy');

    const again = await post(carry, { from: 'PERSISTENT_ABSENCE', note: 'Again' });
    t.match(again.headers.location, /\?copied=0&kept=\d+$/, 'carrying twice copies nothing more: every period keeps the figure it has');
    t.equal((await figures('PERSISTENT_ABSENCE_2026')).length, before.length);
  });
});
