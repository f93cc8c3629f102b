import t from 'tap';
import { readFile } from 'node:fs/promises';
import { sql } from 'kysely';
import { applyTemplate, listTemplates, TemplateError } from '../../server/features/templates/index.ts';
import { createPartnership, findUserId, setMembership } from '../../server/features/accounts/queries.ts';
import { buildTestApp, signIn } from '../helpers/app.ts';

const WAKEFIELD = 384;
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&amp;/g, '&').replace(/\s+/g, ' ');

/** The published values of a measure for an area, by the period as the extract writes it: read straight from the CSV. */
async function extractValues(measure: string, laNumber: number): Promise<Map<string, number | null>> {
  const csv = await readFile(new URL('../../seeds/benchmark/lait-extract.csv', import.meta.url), 'utf8');
  const values = new Map<string, number | null>();
  for (const line of csv.split('\n')) {
    const cells = line.split(',');
    if (cells[0] === measure && Number(cells.at(-4)) === laNumber) values.set(cells.at(-2)!, cells.at(-1)!.trim() === '-' ? null : Number(cells.at(-1)));
  }
  return values;
}

t.test('listTemplates: the Coventry Data Book, Wakefield OBA and blank', async (t) => {
  const templates = await listTemplates();
  t.same(templates.map((x) => x.key), ['coventry-data-book', 'wakefield-oba', 'blank'], 'blank last');
  const coventry = templates[0]!;
  t.equal(coventry.name, 'Coventry Data Book');
  t.equal(coventry.caseStudy, 5);
  t.equal(coventry.outcomes, 5, 'the five Every Child Matters outcomes');
  t.ok(coventry.indicators >= 15 && coventry.withBenchmark === coventry.indicators - 1, 'every indicator but the local re-referrals one has benchmark data');
  const wakefield = templates[1]!;
  t.equal(wakefield.caseStudy, 107);
  t.ok(wakefield.programmes >= 5 && wakefield.actions >= 5, 'programmes with performance measures, and actions to agree');
  t.equal(templates[2]!.indicators, 0);
});

t.test('applyTemplate', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const managerId = (await findUserId(db, 'manager@demo.example'))!;

  t.test('Wakefield from the Wakefield template: a working partnership with real history', async (t) => {
    const partnership = await createPartnership(db, { slug: 'wakefield', name: "Wakefield Children and Young People's Partnership", laName: 'Wakefield', laNumber: WAKEFIELD });
    const applied = await db.transaction().execute((trx) => applyTemplate(trx, partnership.id, 'wakefield-oba', { laNumber: WAKEFIELD }));
    await setMembership(db, partnership.id, managerId, 'manager');

    t.same(applied.authority, { laNumber: WAKEFIELD, name: 'Wakefield', neighbourModel: 'May 2025' });
    t.equal(applied.outcomes, 5);
    t.ok(applied.indicators >= 10, `${applied.indicators} indicators`);
    t.equal(applied.indicatorsWithHistory, applied.indicators - 1, 'all but the local re-referrals indicator have history');
    t.equal(applied.programmes, 5);
    t.equal(applied.performanceMeasures, 20, 'four measures a programme: how much, how well, better off as a number and a percentage');
    t.ok(applied.actions >= 5);
    t.same(applied.notes, []);

    // The NEET indicator: Wakefield's own figures as DfE published them, England and the region beside them.
    const neet = await db.selectFrom('indicator').select(['id', 'polarity', 'period_type', 'source_text', 'licence']).where('partnership_id', '=', partnership.id).where('code', '=', 'NEET_16_17').executeTakeFirstOrThrow();
    t.equal(neet.polarity, 'lower');
    t.equal(neet.period_type, 'calendar_year');
    t.match(neet.source_text, /Local Authority Interactive Tool/);
    t.equal(neet.licence, 'Open Government Licence v3.0');
    const series = await db
      .selectFrom('series')
      .leftJoin('observation', 'observation.series_id', 'series.id')
      .select(['series.role', 'series.label', 'observation.period_label', 'observation.value'])
      .where('series.indicator_id', '=', neet.id)
      .orderBy('observation.period_position')
      .execute();
    const valuesOf = (role: string) => new Map(series.filter((s) => s.role === role).map((s) => [s.period_label!, s.value]));
    t.same([...new Set(series.map((s) => `${s.role}: ${s.label}`))].sort(), [
      'england: England',
      'local: Wakefield',
      'neighbours: Statistical neighbours (average, DfE May 2025 model)',
      'region: Yorkshire and the Humber',
    ]);
    const published = await extractValues('16-17 NEET', WAKEFIELD);
    t.ok(published.size >= 5, 'the extract has at least five years for Wakefield');
    for (const [period, value] of published) t.equal(valuesOf('local').get(period), value === null ? null : Number(value.toPrecision(10)), `Wakefield ${period}`);
    t.equal(valuesOf('local').get('2025'), 3.6);
    t.equal(valuesOf('england').get('2025'), 3.4);
    t.equal(valuesOf('region').get('2025'), 3.9);

    // The neighbour average: Wakefield's ten May 2025 neighbours, read from the CSV, averaged here.
    const sn = await readFile(new URL('../../seeds/benchmark/sn-may-2025.csv', import.meta.url), 'utf8');
    const row = sn.split('\n').find((l) => l.startsWith(`${WAKEFIELD},`))!.split(',');
    const neighbours = [4, 6, 8, 10, 12, 14, 16, 18, 20, 22].map((i) => Number(row[i]));
    const latest = await Promise.all(neighbours.map(async (n) => (await extractValues('16-17 NEET', n)).get('2025') ?? null));
    const present = latest.filter((v): v is number => v !== null);
    t.equal(valuesOf('neighbours').get('2025'), Math.round((present.reduce((a, b) => a + b, 0) / present.length) * 100) / 100, 'mean of the neighbours, to 2 decimals');

    // A gap indicator: both groups for Wakefield, and the gap for the comparators.
    const gap = await db.selectFrom('indicator').innerJoin('series', 'series.indicator_id', 'indicator.id').select(['series.role', 'series.label']).where('indicator.partnership_id', '=', partnership.id).where('indicator.code', '=', 'KS4_ATT8_DISADV_GAP').execute();
    t.same(gap.map((s) => s.role).sort(), ['comparison', 'england', 'focus', 'neighbours', 'region']);
    t.ok(gap.some((s) => s.label === 'Wakefield: disadvantaged pupils'));

    // Programmes, their performance measures, and actions linked to their priority.
    const measures = await db
      .selectFrom('indicator')
      .innerJoin('programme', 'programme.id', 'indicator.programme_id')
      .select(['programme.name', 'indicator.measure_kind', 'indicator.code'])
      .where('indicator.partnership_id', '=', partnership.id)
      .execute();
    const neetProgramme = measures.filter((m) => m.name === 'Targeted youth support for young people who are NEET');
    t.same(neetProgramme.map((m) => m.measure_kind).sort(), ['better_off', 'better_off', 'how_much', 'how_well']);
    const actions = await db
      .selectFrom('action')
      .innerJoin('action_priority', 'action_priority.action_id', 'action.id')
      .innerJoin('priority', 'priority.id', 'action_priority.priority_id')
      .select(['action.title', 'action.status', 'priority.title as priority'])
      .where('action.partnership_id', '=', partnership.id)
      .execute();
    t.ok(actions.length >= 5);
    t.ok(actions.every((a) => a.status === 'not_started'));
    t.ok(actions.some((a) => a.priority === 'Improve attendance and reduce exclusions' && /managed-move/.test(a.title)));

    // And the pages work for a member.
    const manager = await signIn(app, 'manager@demo.example');
    const page = await app.inject({ method: 'GET', url: '/p/wakefield/indicators/NEET_16_17', headers: { cookie: manager.cookie, accept: 'text/html' } });
    t.equal(page.statusCode, 200);
    t.match(text(page.body), /2025 3\.6% 3\.4% 3\.9%/, 'Wakefield, England and the region side by side');
    const home = await app.inject({ method: 'GET', url: '/p/wakefield', headers: { cookie: manager.cookie, accept: 'text/html' } });
    t.equal(home.statusCode, 200);
    t.match(text(home.body), /Children and young people are healthy/);

    // Each priority is worked through the seven population questions, with where the partnership has answered them.
    const priority = await db.selectFrom('priority').select('id').where('partnership_id', '=', partnership.id).where('title', '=', 'Improve attendance and reduce exclusions').executeTakeFirstOrThrow();
    const priorityPage = await app.inject({ method: 'GET', url: `/p/wakefield/priorities/${priority.id}`, headers: { cookie: manager.cookie, accept: 'text/html' } });
    t.equal(priorityPage.statusCode, 200);
    const questions = text(priorityPage.body);
    t.match(questions, /Turning the curve: the seven population questions/);
    t.match(questions, /What works to do better, including no-cost and low-cost ideas\? 0 ideas in what works/);
    t.match(questions, /What do we propose to do\? 1 action /);
    t.match(questions, /How can we measure these conditions\? 3 indicators/);
    t.match(priorityPage.body, new RegExp(`href="/p/wakefield/actions\\?priority=${priority.id}"`));
    t.notMatch(page.body, /Data book entry/, 'the Wakefield template has no data book entries');
  });

  t.test('the Coventry Data Book for an authority with no LA number: indicators without history, and a note', async (t) => {
    const partnership = await createPartnership(db, { slug: 'somewhere', name: 'Somewhere' });
    const applied = await db.transaction().execute((trx) => applyTemplate(trx, partnership.id, 'coventry-data-book', {}));
    t.equal(applied.outcomes, 5);
    t.equal(applied.indicatorsWithHistory, 0);
    t.match(applied.notes.join(' '), /No LA number was given/);
    const outcomes = await db.selectFrom('outcome').select('title').where('partnership_id', '=', partnership.id).orderBy('position').execute();
    t.same(outcomes.map((o) => o.title), ['Be healthy', 'Stay safe', 'Enjoy and achieve', 'Make a positive contribution', 'Achieve economic well-being']);
    const observations = await sql<{ n: number }>`select count(*)::int as n from observation o join series s on s.id = o.series_id join indicator i on i.id = s.indicator_id where i.partnership_id = ${partnership.id}`.execute(db);
    t.equal(observations.rows[0]!.n, 0);
    const gap = await db.selectFrom('indicator').innerJoin('series', 'series.indicator_id', 'indicator.id').select(['series.role', 'series.label']).where('indicator.partnership_id', '=', partnership.id).where('indicator.code', '=', 'KS2_RWM_DISADV_GAP').execute();
    t.same(gap.map((s) => `${s.role}: ${s.label}`).sort(), ['comparison: Local: other pupils', 'focus: Local: disadvantaged pupils'], 'series ready to be filled');
    const recorded = await db.selectFrom('partnership_template').select(['template_key', 'template_name']).where('partnership_id', '=', partnership.id).executeTakeFirst();
    t.same(recorded, { template_key: 'coventry-data-book', template_name: 'Coventry Data Book' });

    const other = await createPartnership(db, { slug: 'nowhere', name: 'Nowhere' });
    const unknown = await db.transaction().execute((trx) => applyTemplate(trx, other.id, 'coventry-data-book', { laNumber: 999 }));
    t.match(unknown.notes.join(' '), /LA number 999 is not an English local authority/);
  });

  t.test('the partnership\'s own LA number is used when the option is left out', async (t) => {
    const partnership = await createPartnership(db, { slug: 'coventry-two', name: 'Coventry again', laName: 'Coventry', laNumber: 331 });
    const applied = await db.transaction().execute((trx) => applyTemplate(trx, partnership.id, 'coventry-data-book', {}));
    t.equal(applied.authority?.name, 'Coventry');
    t.ok(applied.indicatorsWithHistory > 10);
    const managerSession = await signIn(app, 'manager@demo.example');
    await setMembership(db, partnership.id, managerId, 'viewer');
    const page = await app.inject({ method: 'GET', url: '/p/coventry-two/indicators/PERSISTENT_ABSENCE', headers: { cookie: managerSession.cookie, accept: 'text/html' } });
    t.equal(page.statusCode, 200);
    const entry = text(page.body);
    t.match(entry, /Data book entry/);
    t.match(entry, /The trend From [\d.]+% in 2015\/16 to [\d.]+% in 2024\/25/);
    t.match(entry, /The statistics 2024\/25: [\d.]+% for Coventry, against England: [\d.]+% — Coventry is (better|worse|the same)/);
    t.match(entry, /West Midlands: [\d.]+%/);
    t.match(entry, /The story behind the data For the data day, agree with partners: What does the trend show/);
    const gapPage = text((await app.inject({ method: 'GET', url: '/p/coventry-two/indicators/KS4_ATT8_DISADV_GAP', headers: { cookie: managerSession.cookie, accept: 'text/html' } })).body);
    t.match(gapPage, /for the gap, against England: [\d.]+ — here is a (wider|narrower) gap/);
    const demo = text((await app.inject({ method: 'GET', url: '/p/coventry/indicators/PERSISTENT_ABSENCE', headers: { cookie: managerSession.cookie, accept: 'text/html' } })).body);
    t.notMatch(demo, /Data book entry/, 'not for a partnership made without the template');
    const none = await createPartnership(db, { slug: 'coventry-three', name: 'Coventry, no figures', laName: 'Coventry', laNumber: 331 });
    const without = await db.transaction().execute((trx) => applyTemplate(trx, none.id, 'coventry-data-book', { laNumber: null }));
    t.equal(without.indicatorsWithHistory, 0, 'null means no benchmark');
  });

  t.test('blank creates nothing but records the template', async (t) => {
    const partnership = await createPartnership(db, { slug: 'blank-one', name: 'Blank one' });
    const applied = await db.transaction().execute((trx) => applyTemplate(trx, partnership.id, 'blank', { laNumber: 331 }));
    t.equal(applied.outcomes + applied.indicators, 0);
    t.same(applied.notes, []);
  });

  t.test('an unknown template, or one whose codes the partnership already uses, is refused and writes nothing', async (t) => {
    const coventry = (await db.selectFrom('partnership').select('id').where('slug', '=', 'coventry').executeTakeFirstOrThrow()).id;
    const before = await sql<{ n: number }>`select count(*)::int as n from outcome where partnership_id = ${coventry}`.execute(db);
    await t.rejects(db.transaction().execute((trx) => applyTemplate(trx, coventry, 'no-such-template', {})), { name: 'TemplateError', message: /There is no template "no-such-template"/ });
    await t.rejects(db.transaction().execute((trx) => applyTemplate(trx, coventry, 'coventry-data-book', {})), TemplateError);
    await t.rejects(db.transaction().execute((trx) => applyTemplate(trx, coventry, 'coventry-data-book', {})), { message: /already has indicators with the codes .*NEET_16_17/ });
    const after = await sql<{ n: number }>`select count(*)::int as n from outcome where partnership_id = ${coventry}`.execute(db);
    t.equal(after.rows[0]!.n, before.rows[0]!.n);
  });
});
