// Levelling down is named everywhere (docs/method.md, Gaps): a gap that narrowed because the comparison group got
// worse says so on the scorecard, the indicator page's status sentence, both reports, the data day's slides and the
// API's status — and a gap that narrowed with both groups improving says that instead.
import t from 'tap';
import { gapValue } from '../../server/analysis/gap.ts';
import { periodFromPosition } from '../../server/analysis/periods.ts';
import { polaritySign } from '../../server/analysis/polarity.ts';
import { createApiToken, findUserId } from '../../server/features/accounts/queries.ts';
import { saveObservations } from '../../server/features/observations/write.ts';
import { buildTestApp, signIn, type Session } from '../helpers/app.ts';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');
const LEVELLING_DOWN = 'The gap narrowed because the comparison group got worse (levelling down)';
const BOTH_IMPROVED = 'The gap narrowed and both groups improved';
const CODE = 'KS4_ATT8_DISADV_GAP';

t.test('why a gap narrowed, wherever it is said to have narrowed', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const managerId = (await findUserId(db, 'manager@demo.example'))!;
  const viewerToken = (await createApiToken(db, (await findUserId(db, 'viewer@demo.example'))!, 'ro', false)).token;
  const viewer = await signIn(app, 'viewer@demo.example');
  const manager = await signIn(app, 'manager@demo.example');
  const get = (url: string, session: Session = viewer) => app.inject({ method: 'GET', url, headers: { cookie: session.cookie, accept: 'text/html' } });
  const api = (url: string) => app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${viewerToken}` } });
  const post = (url: string, values: Record<string, string | string[]>) => {
    const body = new URLSearchParams({ _csrf: manager.csrf });
    for (const [key, value] of Object.entries(values)) for (const v of ([] as string[]).concat(value)) body.append(key, v);
    return app.inject({ method: 'POST', url, headers: { cookie: manager.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: body.toString() });
  };

  const coventry = await db.selectFrom('partnership').select('id').where('slug', '=', 'coventry').executeTakeFirstOrThrow();
  const indicator = await db.selectFrom('indicator').select(['id', 'priority_id', 'polarity', 'period_type', 'kind']).where('partnership_id', '=', coventry.id).where('code', '=', CODE).executeTakeFirstOrThrow();
  t.equal(indicator.kind, 'gap');
  const s = polaritySign(indicator.polarity);
  const seriesOf = async (role: 'focus' | 'comparison') =>
    db.selectFrom('series').select('id').where('indicator_id', '=', indicator.id).where('role', '=', role).executeTakeFirstOrThrow();
  const [focusSeries, comparisonSeries] = await Promise.all([seriesOf('focus'), seriesOf('comparison')]);
  const latestOf = (seriesId: string) =>
    db.selectFrom('observation').select(['period_position', 'value']).where('series_id', '=', seriesId).where('value', 'is not', null).orderBy('period_position', 'desc').executeTakeFirstOrThrow();

  /** Adds the next period after the latest one, for both groups. */
  async function addPeriod(focus: number, comparison: number) {
    const latest = await latestOf(focusSeries.id);
    const period = periodFromPosition(indicator.period_type as 'academic_year', latest.period_position + 1);
    const figure = (value: number) => ({ value, marker: null, status: 'final' as const, numerator: null, denominator: null, note: '' });
    const at = { key: period.key, position: period.position, label: period.label };
    const saved = await saveObservations(db, { partnershipId: coventry.id, userId: managerId, via: 'form' }, [
      { indicatorId: indicator.id, seriesId: focusSeries.id, role: 'focus', period: at, figure: figure(focus), expectedVersion: null },
      { indicatorId: indicator.id, seriesId: comparisonSeries.id, role: 'comparison', period: at, figure: figure(comparison), expectedVersion: null },
    ]);
    t.ok(saved.ok, `figures for ${period.label} saved`);
    return period.label;
  }

  const scorecardRow = async () => {
    const page = await get('/p/coventry/scorecard');
    t.equal(page.statusCode, 200);
    const row = new RegExp(`<tr class="govuk-table__row[^"]*" data-code="${CODE}">([\\s\\S]*?)</tr>`).exec(page.body)![1]!;
    // What the row shows without opening "Why": the status sentence is in the details; the reason must not need it.
    return text(row.replace(/<details[\s\S]*?<\/details>/g, ''));
  };
  const statusSentence = async () => text(/data-testid="status-sentence">([\s\S]*?)<\/p>/.exec((await get(`/p/coventry/indicators/${CODE}`)).body)![1]!);

  // Levelling down: the comparison group's figure worse by 2 points, the focus group's unchanged.
  const before = { focus: (await latestOf(focusSeries.id)).value!, comparison: (await latestOf(comparisonSeries.id)).value! };
  const previousLabel = periodFromPosition(indicator.period_type as 'academic_year', (await latestOf(focusSeries.id)).period_position).label;
  const levelledLabel = await addPeriod(before.focus, before.comparison - 2 * s);
  t.ok(gapValue(before.focus, before.comparison - 2 * s, indicator.polarity) < gapValue(before.focus, before.comparison, indicator.polarity), 'the gap did narrow');
  const inSentence = `Between ${previousLabel} and ${levelledLabel}, the gap narrowed because the comparison group got worse (levelling down).`;

  t.test('levelling down: the scorecard says so in words beside the direction', async (t) => {
    const row = await scorecardRow();
    t.ok(row.includes(LEVELLING_DOWN), row);
    const page = await get('/p/coventry/scorecard');
    t.match(page.body, /<span class="govuk-body-s ttc-warning-text" data-testid="gap-change">The gap narrowed because the comparison group got worse \(levelling down\)<\/span>/, 'emphasised, not by colour alone: the words are there');
  });

  t.test('levelling down: the indicator page\'s status sentence gives the reason', async (t) => {
    t.ok((await statusSentence()).includes(inSentence), await statusSentence());
  });

  t.test('levelling down: the one-page report and the priority report', async (t) => {
    const report = await get(`/p/coventry/indicators/${CODE}/report`);
    t.equal(report.statusCode, 200);
    t.ok(text(/data-testid="report-status">([\s\S]*?)<\/p>/.exec(report.body)![1]!).includes(inSentence));
    const priority = await get(`/p/coventry/priorities/${indicator.priority_id}/report`);
    t.equal(priority.statusCode, 200);
    t.ok(text(priority.body).includes(inSentence));
  });

  t.test('levelling down: the data day\'s curve slide and priority slide', async (t) => {
    const made = await post('/p/coventry/data-days', { title: 'Gap data day', held_on: '20/11/2025', start: 'empty' });
    t.equal(made.statusCode, 303);
    const href = (made.headers.location as string).replace(/\/agenda$/, ''); // an empty data day opens at its agenda
    const agenda = [`priority:${indicator.priority_id}`, `indicator:${indicator.id}`];
    t.equal((await post(`${href}/agenda`, { order: agenda, include: agenda })).statusCode, 303);
    const present = await get(`${href}/present`);
    t.equal(present.statusCode, 200);
    const sentence = text(/data-testid="slide-sentence">([\s\S]*?)<\/p>/.exec(present.body)![1]!);
    t.ok(sentence.includes(inSentence), sentence);
    const prioritySlide = text(/<section class="ttc-slide ttc-slide--priority"[\s\S]*?<\/section>/.exec(present.body)![0]!);
    t.match(prioritySlide, /Improved The gap narrowed because the comparison group got worse \(levelling down\)/, 'beside "improved" on the priority\'s table');
  });

  t.test('levelling down: the API\'s status, in the list and the analysis', async (t) => {
    const analysis = await api(`/api/v1/partnerships/coventry/indicators/${CODE}/analysis`);
    t.equal(analysis.statusCode, 200);
    const status = analysis.json().status;
    t.same(status.gapChange, { change: 'narrowed_comparison_worsened', description: LEVELLING_DOWN, narrowed: true, levellingDown: true, from: previousLabel, to: levelledLabel });
    t.ok(status.sentence.includes(inSentence));
    const list = (await api('/api/v1/partnerships/coventry/indicators')).json().indicators as { code: string; kind: string; status: { gapChange: unknown } }[];
    t.same(list.find((i) => i.code === CODE)!.status.gapChange, status.gapChange, 'the list says the same');
    t.ok(list.filter((i) => i.kind === 'single').every((i) => i.status.gapChange === null), 'a single indicator has no gap change');
  });

  t.test('a gap that narrowed with both groups improving says so, and not levelling down', async (t) => {
    // Then the focus group up 3 points and the comparison group up 1 (each in the better direction): both improved.
    const now = { focus: before.focus, comparison: before.comparison - 2 * s };
    const label = await addPeriod(now.focus + 3 * s, now.comparison + s);
    const both = `Between ${levelledLabel} and ${label}, the gap narrowed and both groups improved.`;
    const row = await scorecardRow();
    t.ok(row.includes(BOTH_IMPROVED), row);
    t.notOk(row.includes('levelling down'));
    t.ok((await statusSentence()).includes(both));
    t.notMatch(await statusSentence(), /levelling down/);
    const status = (await api(`/api/v1/partnerships/coventry/indicators/${CODE}/analysis`)).json().status;
    t.match(status.gapChange, { change: 'narrowed_both_improved', description: BOTH_IMPROVED, narrowed: true, levellingDown: false, from: levelledLabel, to: label });
    const report = await get(`/p/coventry/indicators/${CODE}/report`);
    t.ok(text(report.body).includes(both));
  });
});
